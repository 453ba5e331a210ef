//! Episode summary (XML1, `TONG_HOP`): patient, card, stay, diagnoses and totals.
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// Episode summary (XML1, `TONG_HOP`): patient, card, stay, diagnoses and totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EpisodeSummary {
    /// `MA_LK`: treatment-episode key, the same in every table of one episode.
    #[serde(rename = "MA_LK", default, skip_serializing_if = "Option::is_none")]
    pub episode_key: Option<String>,
    /// `STT`: sequence number, from 1.
    #[serde(rename = "STT", default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u32>,
    /// `MA_BN`: patient id assigned by the facility.
    #[serde(rename = "MA_BN", default, skip_serializing_if = "Option::is_none")]
    pub patient_id: Option<String>,
    /// `HO_TEN`: full name.
    #[serde(rename = "HO_TEN", default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// `SO_CCCD`: citizen-id, old id or passport number.
    #[serde(rename = "SO_CCCD", default, skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
    /// `NGAY_SINH`: birth date (`yyyyMMddHHmm`, unknown parts `0000`).
    #[serde(rename = "NGAY_SINH", default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// `GIOI_TINH`: sex: 1 male, 2 female, 3 undetermined.
    #[serde(rename = "GIOI_TINH", default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<u32>,
    /// `NHOM_MAU`: blood group.
    #[serde(rename = "NHOM_MAU", default, skip_serializing_if = "Option::is_none")]
    pub blood_group: Option<String>,
    /// `MA_QUOCTICH`: nationality code.
    #[serde(rename = "MA_QUOCTICH", default, skip_serializing_if = "Option::is_none")]
    pub nationality_code: Option<String>,
    /// `MA_DANTOC`: ethnic-group code.
    #[serde(rename = "MA_DANTOC", default, skip_serializing_if = "Option::is_none")]
    pub ethnicity_code: Option<String>,
    /// `MA_NGHE_NGHIEP`: occupation code.
    #[serde(rename = "MA_NGHE_NGHIEP", default, skip_serializing_if = "Option::is_none")]
    pub occupation_code: Option<String>,
    /// `DIA_CHI`: residence address.
    #[serde(rename = "DIA_CHI", default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// `MATINH_CU_TRU`: province code of residence.
    #[serde(rename = "MATINH_CU_TRU", default, skip_serializing_if = "Option::is_none")]
    pub province_code: Option<String>,
    /// `MAHUYEN_CU_TRU`: district code of residence.
    #[serde(rename = "MAHUYEN_CU_TRU", default, skip_serializing_if = "Option::is_none")]
    pub district_code: Option<String>,
    /// `MAXA_CU_TRU`: commune code of residence.
    #[serde(rename = "MAXA_CU_TRU", default, skip_serializing_if = "Option::is_none")]
    pub commune_code: Option<String>,
    /// `DIEN_THOAI`: contact phone.
    #[serde(rename = "DIEN_THOAI", default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `MA_THE_BHYT`: insurance card number(s), 15 characters each, `;`-separated.
    #[serde(rename = "MA_THE_BHYT", default, skip_serializing_if = "Option::is_none")]
    pub card_numbers: Option<String>,
    /// `MA_DKBD`: registered primary-care facility code(s), parallel to the cards.
    #[serde(rename = "MA_DKBD", default, skip_serializing_if = "Option::is_none")]
    pub primary_care_facilities: Option<String>,
    /// `GT_THE_TU`: card valid-from date(s) `yyyyMMdd`, parallel to the cards.
    #[serde(rename = "GT_THE_TU", default, skip_serializing_if = "Option::is_none")]
    pub card_valid_from: Option<String>,
    /// `GT_THE_DEN`: card valid-to date(s) `yyyyMMdd`, parallel to the cards.
    #[serde(rename = "GT_THE_DEN", default, skip_serializing_if = "Option::is_none")]
    pub card_valid_to: Option<String>,
    /// `NGAY_MIEN_CCT`: co-payment exemption start.
    #[serde(rename = "NGAY_MIEN_CCT", default, skip_serializing_if = "Option::is_none")]
    pub copay_exempt_from: Option<String>,
    /// `LY_DO_VV`: reason for the visit.
    #[serde(rename = "LY_DO_VV", default, skip_serializing_if = "Option::is_none")]
    pub visit_reason: Option<String>,
    /// `LY_DO_VNT`: reason for inpatient admission.
    #[serde(rename = "LY_DO_VNT", default, skip_serializing_if = "Option::is_none")]
    pub inpatient_reason: Option<String>,
    /// `MA_LY_DO_VNT`: inpatient-admission reason code.
    #[serde(rename = "MA_LY_DO_VNT", default, skip_serializing_if = "Option::is_none")]
    pub inpatient_reason_code: Option<String>,
    /// `CHAN_DOAN_VAO`: preliminary diagnosis at intake.
    #[serde(rename = "CHAN_DOAN_VAO", default, skip_serializing_if = "Option::is_none")]
    pub admission_diagnosis: Option<String>,
    /// `CHAN_DOAN_RV`: discharge diagnosis text.
    #[serde(rename = "CHAN_DOAN_RV", default, skip_serializing_if = "Option::is_none")]
    pub discharge_diagnosis: Option<String>,
    /// `MA_BENH_CHINH`: main diagnosis, ICD-10.
    #[serde(rename = "MA_BENH_CHINH", default, skip_serializing_if = "Option::is_none")]
    pub main_icd10: Option<String>,
    /// `MA_BENH_KT`: secondary diagnoses, ICD-10, `;`-separated.
    #[serde(rename = "MA_BENH_KT", default, skip_serializing_if = "Option::is_none")]
    pub secondary_icd10: Option<String>,
    /// `MA_BENH_YHCT`: traditional-medicine disease codes.
    #[serde(rename = "MA_BENH_YHCT", default, skip_serializing_if = "Option::is_none")]
    pub traditional_medicine_codes: Option<String>,
    /// `MA_PTTT_QT`: procedure codes, ICD-9-CM, `;`-separated.
    #[serde(rename = "MA_PTTT_QT", default, skip_serializing_if = "Option::is_none")]
    pub procedure_icd9: Option<String>,
    /// `MA_DOITUONG_KCB`: visit object / route code (1.1, 2, 3.6 …).
    #[serde(rename = "MA_DOITUONG_KCB", default, skip_serializing_if = "Option::is_none")]
    pub visit_route: Option<String>,
    /// `MA_NOI_DI`: referring facility code.
    #[serde(rename = "MA_NOI_DI", default, skip_serializing_if = "Option::is_none")]
    pub referred_from: Option<String>,
    /// `MA_NOI_DEN`: facility transferred to.
    #[serde(rename = "MA_NOI_DEN", default, skip_serializing_if = "Option::is_none")]
    pub referred_to: Option<String>,
    /// `MA_TAI_NAN`: injury code.
    #[serde(rename = "MA_TAI_NAN", default, skip_serializing_if = "Option::is_none")]
    pub injury_code: Option<u32>,
    /// `NGAY_VAO`: arrival time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_VAO", default, skip_serializing_if = "Option::is_none")]
    pub admitted_at: Option<String>,
    /// `NGAY_VAO_NOI_TRU`: inpatient-admission time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_VAO_NOI_TRU", default, skip_serializing_if = "Option::is_none")]
    pub inpatient_admitted_at: Option<String>,
    /// `NGAY_RA`: end of treatment `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_RA", default, skip_serializing_if = "Option::is_none")]
    pub discharged_at: Option<String>,
    /// `GIAY_CHUYEN_TUYEN`: referral letter or re-exam appointment number.
    #[serde(rename = "GIAY_CHUYEN_TUYEN", default, skip_serializing_if = "Option::is_none")]
    pub referral_number: Option<String>,
    /// `SO_NGAY_DTRI`: treatment days.
    #[serde(rename = "SO_NGAY_DTRI", default, skip_serializing_if = "Option::is_none")]
    pub treatment_days: Option<u32>,
    /// `PP_DIEU_TRI`: treatment method.
    #[serde(rename = "PP_DIEU_TRI", default, skip_serializing_if = "Option::is_none")]
    pub treatment_method: Option<String>,
    /// `KET_QUA_DTRI`: treatment outcome 1–8.
    #[serde(rename = "KET_QUA_DTRI", default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<u32>,
    /// `MA_LOAI_RV`: discharge type 1–5.
    #[serde(rename = "MA_LOAI_RV", default, skip_serializing_if = "Option::is_none")]
    pub discharge_type: Option<u32>,
    /// `GHI_CHU`: note.
    #[serde(rename = "GHI_CHU", default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `NGAY_TTOAN`: payment time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_TTOAN", default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<String>,
    /// `T_THUOC`: Σ THANH_TIEN_BV of the drug lines.
    #[serde(rename = "T_THUOC", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub total_drugs: Option<Decimal>,
    /// `T_VTYT`: Σ THANH_TIEN_BV of the supply lines.
    #[serde(rename = "T_VTYT", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub total_supplies: Option<Decimal>,
    /// `T_TONGCHI_BV`: Σ THANH_TIEN_BV of all lines.
    #[serde(rename = "T_TONGCHI_BV", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub total_cost_hospital: Option<Decimal>,
    /// `T_TONGCHI_BH`: Σ THANH_TIEN_BH of all lines.
    #[serde(rename = "T_TONGCHI_BH", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub total_cost_insured: Option<Decimal>,
    /// `T_BNTT`: patient pays, outside the fund scope.
    #[serde(rename = "T_BNTT", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub patient_self_pay: Option<Decimal>,
    /// `T_BNCCT`: patient co-payment.
    #[serde(rename = "T_BNCCT", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub patient_copay: Option<Decimal>,
    /// `T_BHTT`: amount claimed from the insurance fund.
    #[serde(rename = "T_BHTT", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub fund_pays: Option<Decimal>,
    /// `T_NGUONKHAC`: amount from other sources.
    #[serde(rename = "T_NGUONKHAC", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub other_sources: Option<Decimal>,
    /// `T_BHTT_GDV`: fund amount of fee-for-service lines (MA_PTTT 1).
    #[serde(rename = "T_BHTT_GDV", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub fund_pays_fee_for_service: Option<Decimal>,
    /// `NAM_QT`: settlement year.
    #[serde(rename = "NAM_QT", default, skip_serializing_if = "Option::is_none")]
    pub settlement_year: Option<u32>,
    /// `THANG_QT`: settlement month.
    #[serde(rename = "THANG_QT", default, skip_serializing_if = "Option::is_none")]
    pub settlement_month: Option<u32>,
    /// `MA_LOAI_KCB`: visit type 01–09.
    #[serde(rename = "MA_LOAI_KCB", default, skip_serializing_if = "Option::is_none")]
    pub visit_type: Option<String>,
    /// `MA_KHOA`: department code(s), `;`-separated.
    #[serde(rename = "MA_KHOA", default, skip_serializing_if = "Option::is_none")]
    pub department_codes: Option<String>,
    /// `MA_CSKCB`: treating facility code (5 characters).
    #[serde(rename = "MA_CSKCB", default, skip_serializing_if = "Option::is_none")]
    pub facility_code: Option<String>,
    /// `MA_KHUVUC`: living-area code K1/K2/K3.
    #[serde(rename = "MA_KHUVUC", default, skip_serializing_if = "Option::is_none")]
    pub living_area: Option<String>,
    /// `CAN_NANG`: weight in kg.
    #[serde(rename = "CAN_NANG", default, skip_serializing_if = "Option::is_none")]
    pub weight_kg: Option<String>,
    /// `CAN_NANG_CON`: newborn weight(s) in grams.
    #[serde(rename = "CAN_NANG_CON", default, skip_serializing_if = "Option::is_none")]
    pub newborn_weight_g: Option<String>,
    /// `NAM_NAM_LIEN_TUC`: date of five continuous years of coverage `yyyyMMdd`.
    #[serde(rename = "NAM_NAM_LIEN_TUC", default, skip_serializing_if = "Option::is_none")]
    pub five_years_continuous_from: Option<String>,
    /// `NGAY_TAI_KHAM`: re-examination date(s) `yyyyMMdd`, `;`-separated.
    #[serde(rename = "NGAY_TAI_KHAM", default, skip_serializing_if = "Option::is_none")]
    pub reexam_dates: Option<String>,
    /// `MA_HSBA`: medical-record number.
    #[serde(rename = "MA_HSBA", default, skip_serializing_if = "Option::is_none")]
    pub medical_record_number: Option<String>,
    /// `MA_TTDV`: health id of the facility head or authorised signer.
    #[serde(rename = "MA_TTDV", default, skip_serializing_if = "Option::is_none")]
    pub head_of_facility_id: Option<String>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for EpisodeSummary {
    fn table(&self) -> Table {
        Table::Xml1
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::int(self.seq));
        visit(FieldValue::text(&self.patient_id));
        visit(FieldValue::text(&self.full_name));
        visit(FieldValue::text(&self.citizen_id));
        visit(FieldValue::text(&self.birth_date));
        visit(FieldValue::int(self.sex));
        visit(FieldValue::text(&self.blood_group));
        visit(FieldValue::text(&self.nationality_code));
        visit(FieldValue::text(&self.ethnicity_code));
        visit(FieldValue::text(&self.occupation_code));
        visit(FieldValue::text(&self.address));
        visit(FieldValue::text(&self.province_code));
        visit(FieldValue::text(&self.district_code));
        visit(FieldValue::text(&self.commune_code));
        visit(FieldValue::text(&self.phone));
        visit(FieldValue::text(&self.card_numbers));
        visit(FieldValue::text(&self.primary_care_facilities));
        visit(FieldValue::text(&self.card_valid_from));
        visit(FieldValue::text(&self.card_valid_to));
        visit(FieldValue::text(&self.copay_exempt_from));
        visit(FieldValue::text(&self.visit_reason));
        visit(FieldValue::text(&self.inpatient_reason));
        visit(FieldValue::text(&self.inpatient_reason_code));
        visit(FieldValue::text(&self.admission_diagnosis));
        visit(FieldValue::text(&self.discharge_diagnosis));
        visit(FieldValue::text(&self.main_icd10));
        visit(FieldValue::text(&self.secondary_icd10));
        visit(FieldValue::text(&self.traditional_medicine_codes));
        visit(FieldValue::text(&self.procedure_icd9));
        visit(FieldValue::text(&self.visit_route));
        visit(FieldValue::text(&self.referred_from));
        visit(FieldValue::text(&self.referred_to));
        visit(FieldValue::int(self.injury_code));
        visit(FieldValue::text(&self.admitted_at));
        visit(FieldValue::text(&self.inpatient_admitted_at));
        visit(FieldValue::text(&self.discharged_at));
        visit(FieldValue::text(&self.referral_number));
        visit(FieldValue::int(self.treatment_days));
        visit(FieldValue::text(&self.treatment_method));
        visit(FieldValue::int(self.outcome));
        visit(FieldValue::int(self.discharge_type));
        visit(FieldValue::text(&self.note));
        visit(FieldValue::text(&self.paid_at));
        visit(FieldValue::money(&self.total_drugs));
        visit(FieldValue::money(&self.total_supplies));
        visit(FieldValue::money(&self.total_cost_hospital));
        visit(FieldValue::money(&self.total_cost_insured));
        visit(FieldValue::money(&self.patient_self_pay));
        visit(FieldValue::money(&self.patient_copay));
        visit(FieldValue::money(&self.fund_pays));
        visit(FieldValue::money(&self.other_sources));
        visit(FieldValue::money(&self.fund_pays_fee_for_service));
        visit(FieldValue::int(self.settlement_year));
        visit(FieldValue::int(self.settlement_month));
        visit(FieldValue::text(&self.visit_type));
        visit(FieldValue::text(&self.department_codes));
        visit(FieldValue::text(&self.facility_code));
        visit(FieldValue::text(&self.living_area));
        visit(FieldValue::text(&self.weight_kg));
        visit(FieldValue::text(&self.newborn_weight_g));
        visit(FieldValue::text(&self.five_years_continuous_from));
        visit(FieldValue::text(&self.reexam_dates));
        visit(FieldValue::text(&self.medical_record_number));
        visit(FieldValue::text(&self.head_of_facility_id));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.episode_key = parse_text(text),
            1 => self.seq = parse_int(text)?,
            2 => self.patient_id = parse_text(text),
            3 => self.full_name = parse_text(text),
            4 => self.citizen_id = parse_text(text),
            5 => self.birth_date = parse_text(text),
            6 => self.sex = parse_int(text)?,
            7 => self.blood_group = parse_text(text),
            8 => self.nationality_code = parse_text(text),
            9 => self.ethnicity_code = parse_text(text),
            10 => self.occupation_code = parse_text(text),
            11 => self.address = parse_text(text),
            12 => self.province_code = parse_text(text),
            13 => self.district_code = parse_text(text),
            14 => self.commune_code = parse_text(text),
            15 => self.phone = parse_text(text),
            16 => self.card_numbers = parse_text(text),
            17 => self.primary_care_facilities = parse_text(text),
            18 => self.card_valid_from = parse_text(text),
            19 => self.card_valid_to = parse_text(text),
            20 => self.copay_exempt_from = parse_text(text),
            21 => self.visit_reason = parse_text(text),
            22 => self.inpatient_reason = parse_text(text),
            23 => self.inpatient_reason_code = parse_text(text),
            24 => self.admission_diagnosis = parse_text(text),
            25 => self.discharge_diagnosis = parse_text(text),
            26 => self.main_icd10 = parse_text(text),
            27 => self.secondary_icd10 = parse_text(text),
            28 => self.traditional_medicine_codes = parse_text(text),
            29 => self.procedure_icd9 = parse_text(text),
            30 => self.visit_route = parse_text(text),
            31 => self.referred_from = parse_text(text),
            32 => self.referred_to = parse_text(text),
            33 => self.injury_code = parse_int(text)?,
            34 => self.admitted_at = parse_text(text),
            35 => self.inpatient_admitted_at = parse_text(text),
            36 => self.discharged_at = parse_text(text),
            37 => self.referral_number = parse_text(text),
            38 => self.treatment_days = parse_int(text)?,
            39 => self.treatment_method = parse_text(text),
            40 => self.outcome = parse_int(text)?,
            41 => self.discharge_type = parse_int(text)?,
            42 => self.note = parse_text(text),
            43 => self.paid_at = parse_text(text),
            44 => self.total_drugs = parse_decimal(text)?,
            45 => self.total_supplies = parse_decimal(text)?,
            46 => self.total_cost_hospital = parse_decimal(text)?,
            47 => self.total_cost_insured = parse_decimal(text)?,
            48 => self.patient_self_pay = parse_decimal(text)?,
            49 => self.patient_copay = parse_decimal(text)?,
            50 => self.fund_pays = parse_decimal(text)?,
            51 => self.other_sources = parse_decimal(text)?,
            52 => self.fund_pays_fee_for_service = parse_decimal(text)?,
            53 => self.settlement_year = parse_int(text)?,
            54 => self.settlement_month = parse_int(text)?,
            55 => self.visit_type = parse_text(text),
            56 => self.department_codes = parse_text(text),
            57 => self.facility_code = parse_text(text),
            58 => self.living_area = parse_text(text),
            59 => self.weight_kg = parse_text(text),
            60 => self.newborn_weight_g = parse_text(text),
            61 => self.five_years_continuous_from = parse_text(text),
            62 => self.reexam_dates = parse_text(text),
            63 => self.medical_record_number = parse_text(text),
            64 => self.head_of_facility_id = parse_text(text),
            65 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
