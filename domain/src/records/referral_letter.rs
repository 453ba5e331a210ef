//! Referral letter to another facility (XML13, `CHI_TIEU_GIAYCHUYENTUYEN`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API. QĐ 3176 renamed three of them
//! (`MA_CSKCB_DI`, `MA_CSKCB_DEN`, `TINH_TRANG_CT`), taken as aliases, and removed `TEN_DICH_VU`
//! and `TEN_THUOC`, which the writer leaves out under that profile.

use super::prelude::*;

/// Referral letter to another facility (XML13, `CHI_TIEU_GIAYCHUYENTUYEN`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralLetter {
    /// `MA_LK`: treatment-episode key, the same in every table of one episode.
    #[serde(rename = "MA_LK", default, skip_serializing_if = "Option::is_none")]
    pub episode_key: Option<String>,
    /// `SO_HOSO`: record number.
    #[serde(rename = "SO_HOSO", default, skip_serializing_if = "Option::is_none")]
    pub record_number: Option<String>,
    /// `SO_CHUYENTUYEN`: referral serial number.
    #[serde(rename = "SO_CHUYENTUYEN", default, skip_serializing_if = "Option::is_none")]
    pub referral_serial: Option<String>,
    /// `GIAY_CHUYEN_TUYEN`: referral letter or re-exam appointment number.
    #[serde(rename = "GIAY_CHUYEN_TUYEN", default, skip_serializing_if = "Option::is_none")]
    pub referral_number: Option<String>,
    /// `MA_CSKCB`: treating facility code (5 characters).
    #[serde(rename = "MA_CSKCB", default, skip_serializing_if = "Option::is_none")]
    pub facility_code: Option<String>,
    /// `MA_NOI_DI` (QĐ 3176: `MA_CSKCB_DI`): referring facility code(s), `;`-separated under 3176.
    #[serde(rename = "MA_NOI_DI", alias = "MA_CSKCB_DI", default, skip_serializing_if = "Option::is_none")]
    pub referred_from: Option<String>,
    /// `MA_NOI_DEN` (QĐ 3176: `MA_CSKCB_DEN`): facility transferred to.
    #[serde(rename = "MA_NOI_DEN", alias = "MA_CSKCB_DEN", default, skip_serializing_if = "Option::is_none")]
    pub referred_to: Option<String>,
    /// `HO_TEN`: full name.
    #[serde(rename = "HO_TEN", default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// `NGAY_SINH`: birth date (`yyyyMMddHHmm`, unknown parts `0000`).
    #[serde(rename = "NGAY_SINH", default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// `GIOI_TINH`: sex: 1 male, 2 female, 3 undetermined.
    #[serde(rename = "GIOI_TINH", default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<u32>,
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
    /// `MA_THE_BHYT`: insurance card number(s), 15 characters each, `;`-separated.
    #[serde(rename = "MA_THE_BHYT", default, skip_serializing_if = "Option::is_none")]
    pub card_numbers: Option<String>,
    /// `GT_THE_DEN`: card valid-to date(s) `yyyyMMdd`, parallel to the cards.
    #[serde(rename = "GT_THE_DEN", default, skip_serializing_if = "Option::is_none")]
    pub card_valid_to: Option<String>,
    /// `NGAY_VAO`: arrival time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_VAO", default, skip_serializing_if = "Option::is_none")]
    pub admitted_at: Option<String>,
    /// `NGAY_VAO_NOI_TRU`: inpatient-admission time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_VAO_NOI_TRU", default, skip_serializing_if = "Option::is_none")]
    pub inpatient_admitted_at: Option<String>,
    /// `NGAY_RA`: end of treatment `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_RA", default, skip_serializing_if = "Option::is_none")]
    pub discharged_at: Option<String>,
    /// `DAU_HIEU_LS`: clinical signs.
    #[serde(rename = "DAU_HIEU_LS", default, skip_serializing_if = "Option::is_none")]
    pub clinical_signs: Option<String>,
    /// `CHAN_DOAN_RV`: discharge diagnosis text.
    #[serde(rename = "CHAN_DOAN_RV", default, skip_serializing_if = "Option::is_none")]
    pub discharge_diagnosis: Option<String>,
    /// `QT_BENHLY`: course of the disease.
    #[serde(rename = "QT_BENHLY", default, skip_serializing_if = "Option::is_none")]
    pub disease_course: Option<String>,
    /// `TOMTAT_KQ`: summary of results.
    #[serde(rename = "TOMTAT_KQ", default, skip_serializing_if = "Option::is_none")]
    pub results_summary: Option<String>,
    /// `PP_DIEUTRI`: treatment methods.
    #[serde(rename = "PP_DIEUTRI", default, skip_serializing_if = "Option::is_none")]
    pub treatment_methods: Option<String>,
    /// `MA_BENH_CHINH`: main diagnosis, ICD-10.
    #[serde(rename = "MA_BENH_CHINH", default, skip_serializing_if = "Option::is_none")]
    pub main_icd10: Option<String>,
    /// `MA_BENH_KT`: secondary diagnoses, ICD-10, `;`-separated.
    #[serde(rename = "MA_BENH_KT", default, skip_serializing_if = "Option::is_none")]
    pub secondary_icd10: Option<String>,
    /// `MA_BENH_YHCT`: traditional-medicine disease codes.
    #[serde(rename = "MA_BENH_YHCT", default, skip_serializing_if = "Option::is_none")]
    pub traditional_medicine_codes: Option<String>,
    /// `TEN_DICH_VU` (removed by QĐ 3176): service name.
    #[serde(rename = "TEN_DICH_VU", default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// `TEN_THUOC` (removed by QĐ 3176): drug name.
    #[serde(rename = "TEN_THUOC", default, skip_serializing_if = "Option::is_none")]
    pub drug_name: Option<String>,
    /// `PP_DIEU_TRI` (QĐ 3176: `TINH_TRANG_CT`): the patient's condition at transfer.
    #[serde(rename = "PP_DIEU_TRI", alias = "TINH_TRANG_CT", default, skip_serializing_if = "Option::is_none")]
    pub condition_at_transfer: Option<String>,
    /// `MA_LOAI_RV`: discharge type 1–5.
    #[serde(rename = "MA_LOAI_RV", default, skip_serializing_if = "Option::is_none")]
    pub discharge_type: Option<u32>,
    /// `MA_LYDO_CT`: referral reason.
    #[serde(rename = "MA_LYDO_CT", default, skip_serializing_if = "Option::is_none")]
    pub referral_reason: Option<u32>,
    /// `HUONG_DIEU_TRI`: treatment plan.
    #[serde(rename = "HUONG_DIEU_TRI", default, skip_serializing_if = "Option::is_none")]
    pub treatment_plan: Option<String>,
    /// `PHUONGTIEN_VC`: means of transport.
    #[serde(rename = "PHUONGTIEN_VC", default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<String>,
    /// `HOTEN_NGUOI_HT`: escort's name.
    #[serde(rename = "HOTEN_NGUOI_HT", default, skip_serializing_if = "Option::is_none")]
    pub escort_name: Option<String>,
    /// `CHUCDANH_NGUOI_HT`: escort's title.
    #[serde(rename = "CHUCDANH_NGUOI_HT", default, skip_serializing_if = "Option::is_none")]
    pub escort_title: Option<String>,
    /// `MA_BAC_SI`: clinician code(s).
    #[serde(rename = "MA_BAC_SI", default, skip_serializing_if = "Option::is_none")]
    pub doctor_codes: Option<String>,
    /// `MA_TTDV`: health id of the facility head or authorised signer.
    #[serde(rename = "MA_TTDV", default, skip_serializing_if = "Option::is_none")]
    pub head_of_facility_id: Option<String>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for ReferralLetter {
    fn table(&self) -> Table {
        Table::Xml13
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::text(&self.record_number));
        visit(FieldValue::text(&self.referral_serial));
        visit(FieldValue::text(&self.referral_number));
        visit(FieldValue::text(&self.facility_code));
        visit(FieldValue::text(&self.referred_from));
        visit(FieldValue::text(&self.referred_to));
        visit(FieldValue::text(&self.full_name));
        visit(FieldValue::text(&self.birth_date));
        visit(FieldValue::int(self.sex));
        visit(FieldValue::text(&self.nationality_code));
        visit(FieldValue::text(&self.ethnicity_code));
        visit(FieldValue::text(&self.occupation_code));
        visit(FieldValue::text(&self.address));
        visit(FieldValue::text(&self.card_numbers));
        visit(FieldValue::text(&self.card_valid_to));
        visit(FieldValue::text(&self.admitted_at));
        visit(FieldValue::text(&self.inpatient_admitted_at));
        visit(FieldValue::text(&self.discharged_at));
        visit(FieldValue::text(&self.clinical_signs));
        visit(FieldValue::text(&self.discharge_diagnosis));
        visit(FieldValue::text(&self.disease_course));
        visit(FieldValue::text(&self.results_summary));
        visit(FieldValue::text(&self.treatment_methods));
        visit(FieldValue::text(&self.main_icd10));
        visit(FieldValue::text(&self.secondary_icd10));
        visit(FieldValue::text(&self.traditional_medicine_codes));
        visit(FieldValue::text(&self.service_name));
        visit(FieldValue::text(&self.drug_name));
        visit(FieldValue::text(&self.condition_at_transfer));
        visit(FieldValue::int(self.discharge_type));
        visit(FieldValue::int(self.referral_reason));
        visit(FieldValue::text(&self.treatment_plan));
        visit(FieldValue::text(&self.transport));
        visit(FieldValue::text(&self.escort_name));
        visit(FieldValue::text(&self.escort_title));
        visit(FieldValue::text(&self.doctor_codes));
        visit(FieldValue::text(&self.head_of_facility_id));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.episode_key = parse_text(text),
            1 => self.record_number = parse_text(text),
            2 => self.referral_serial = parse_text(text),
            3 => self.referral_number = parse_text(text),
            4 => self.facility_code = parse_text(text),
            5 => self.referred_from = parse_text(text),
            6 => self.referred_to = parse_text(text),
            7 => self.full_name = parse_text(text),
            8 => self.birth_date = parse_text(text),
            9 => self.sex = parse_int(text)?,
            10 => self.nationality_code = parse_text(text),
            11 => self.ethnicity_code = parse_text(text),
            12 => self.occupation_code = parse_text(text),
            13 => self.address = parse_text(text),
            14 => self.card_numbers = parse_text(text),
            15 => self.card_valid_to = parse_text(text),
            16 => self.admitted_at = parse_text(text),
            17 => self.inpatient_admitted_at = parse_text(text),
            18 => self.discharged_at = parse_text(text),
            19 => self.clinical_signs = parse_text(text),
            20 => self.discharge_diagnosis = parse_text(text),
            21 => self.disease_course = parse_text(text),
            22 => self.results_summary = parse_text(text),
            23 => self.treatment_methods = parse_text(text),
            24 => self.main_icd10 = parse_text(text),
            25 => self.secondary_icd10 = parse_text(text),
            26 => self.traditional_medicine_codes = parse_text(text),
            27 => self.service_name = parse_text(text),
            28 => self.drug_name = parse_text(text),
            29 => self.condition_at_transfer = parse_text(text),
            30 => self.discharge_type = parse_int(text)?,
            31 => self.referral_reason = parse_int(text)?,
            32 => self.treatment_plan = parse_text(text),
            33 => self.transport = parse_text(text),
            34 => self.escort_name = parse_text(text),
            35 => self.escort_title = parse_text(text),
            36 => self.doctor_codes = parse_text(text),
            37 => self.head_of_facility_id = parse_text(text),
            38 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
