//! One service, examination, bed, supply or transport line (XML3, `CHI_TIET_DVKT`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// One service, examination, bed, supply or transport line (XML3, `CHI_TIET_DVKT`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceLine {
    /// `MA_LK`: treatment-episode key, the same in every table of one episode.
    #[serde(rename = "MA_LK", default, skip_serializing_if = "Option::is_none")]
    pub episode_key: Option<String>,
    /// `STT`: sequence number, from 1.
    #[serde(rename = "STT", default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u32>,
    /// `MA_DICH_VU`: service code.
    #[serde(rename = "MA_DICH_VU", default, skip_serializing_if = "Option::is_none")]
    pub service_code: Option<String>,
    /// `MA_PTTT_QT`: procedure codes, ICD-9-CM, `;`-separated.
    #[serde(rename = "MA_PTTT_QT", default, skip_serializing_if = "Option::is_none")]
    pub procedure_icd9: Option<String>,
    /// `MA_VAT_TU`: medical-supply code.
    #[serde(rename = "MA_VAT_TU", default, skip_serializing_if = "Option::is_none")]
    pub supply_code: Option<String>,
    /// `MA_NHOM`: cost group (MA_NHOM 1–19).
    #[serde(rename = "MA_NHOM", default, skip_serializing_if = "Option::is_none")]
    pub cost_group: Option<u32>,
    /// `GOI_VTYT`: supply package G1, G2 ….
    #[serde(rename = "GOI_VTYT", default, skip_serializing_if = "Option::is_none")]
    pub supply_package: Option<String>,
    /// `TEN_VAT_TU`: medical-supply name.
    #[serde(rename = "TEN_VAT_TU", default, skip_serializing_if = "Option::is_none")]
    pub supply_name: Option<String>,
    /// `TEN_DICH_VU`: service name.
    #[serde(rename = "TEN_DICH_VU", default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// `MA_XANG_DAU`: fuel-type code for transport.
    #[serde(rename = "MA_XANG_DAU", default, skip_serializing_if = "Option::is_none")]
    pub fuel_code: Option<String>,
    /// `DON_VI_TINH`: unit.
    #[serde(rename = "DON_VI_TINH", default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// `PHAM_VI`: scope: 1 in list, 2 outside, 3 outside but paid for army/police.
    #[serde(rename = "PHAM_VI", default, skip_serializing_if = "Option::is_none")]
    pub coverage_scope: Option<u32>,
    /// `SO_LUONG`: quantity.
    #[serde(rename = "SO_LUONG", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub quantity: Option<Decimal>,
    /// `DON_GIA_BV`: hospital unit price.
    #[serde(rename = "DON_GIA_BV", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub unit_price_hospital: Option<Decimal>,
    /// `DON_GIA_BH`: insured unit price.
    #[serde(rename = "DON_GIA_BH", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub unit_price_insured: Option<Decimal>,
    /// `TT_THAU`: tender information `QĐ;Gnn;Nnn;yyyy`.
    #[serde(rename = "TT_THAU", default, skip_serializing_if = "Option::is_none")]
    pub tender_info: Option<String>,
    /// `TYLE_TT_DV`: special-case service ratio %.
    #[serde(rename = "TYLE_TT_DV", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub service_rate_pct: Option<Decimal>,
    /// `TYLE_TT_BH`: BHYT payment ratio %.
    #[serde(rename = "TYLE_TT_BH", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub insurance_rate_pct: Option<Decimal>,
    /// `THANH_TIEN_BV`: line amount at the hospital price.
    #[serde(rename = "THANH_TIEN_BV", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub amount_hospital: Option<Decimal>,
    /// `THANH_TIEN_BH`: line amount at the insured price.
    #[serde(rename = "THANH_TIEN_BH", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub amount_insured: Option<Decimal>,
    /// `T_TRANTT`: payment ceiling of a supply package.
    #[serde(rename = "T_TRANTT", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub payment_ceiling: Option<Decimal>,
    /// `MUC_HUONG`: benefit level % applied.
    #[serde(rename = "MUC_HUONG", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub benefit_pct: Option<Decimal>,
    /// `T_NGUONKHAC_NSNN`: support from the state budget.
    #[serde(
        rename = "T_NGUONKHAC_NSNN",
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::decimal::opt"
    )]
    #[schema(value_type = Option<String>)]
    pub other_state_budget: Option<Decimal>,
    /// `T_NGUONKHAC_VTNN`: support from foreign aid.
    #[serde(
        rename = "T_NGUONKHAC_VTNN",
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::decimal::opt"
    )]
    #[schema(value_type = Option<String>)]
    pub other_foreign_aid: Option<Decimal>,
    /// `T_NGUONKHAC_VTTN`: support from domestic aid.
    #[serde(
        rename = "T_NGUONKHAC_VTTN",
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::decimal::opt"
    )]
    #[schema(value_type = Option<String>)]
    pub other_domestic_aid: Option<Decimal>,
    /// `T_NGUONKHAC_CL`: support from other sources.
    #[serde(rename = "T_NGUONKHAC_CL", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub other_remaining: Option<Decimal>,
    /// `T_NGUONKHAC`: amount from other sources.
    #[serde(rename = "T_NGUONKHAC", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub other_sources: Option<Decimal>,
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
    /// `MA_KHOA`: department code(s), `;`-separated.
    #[serde(rename = "MA_KHOA", default, skip_serializing_if = "Option::is_none")]
    pub department_codes: Option<String>,
    /// `MA_GIUONG`: bed code(s).
    #[serde(rename = "MA_GIUONG", default, skip_serializing_if = "Option::is_none")]
    pub bed_codes: Option<String>,
    /// `MA_BAC_SI`: clinician code(s).
    #[serde(rename = "MA_BAC_SI", default, skip_serializing_if = "Option::is_none")]
    pub doctor_codes: Option<String>,
    /// `NGUOI_THUC_HIEN`: performing staff code(s).
    #[serde(rename = "NGUOI_THUC_HIEN", default, skip_serializing_if = "Option::is_none")]
    pub performer_codes: Option<String>,
    /// `MA_BENH`: ICD-10 codes justifying the line.
    #[serde(rename = "MA_BENH", default, skip_serializing_if = "Option::is_none")]
    pub icd10_codes: Option<String>,
    /// `MA_BENH_YHCT`: traditional-medicine disease codes.
    #[serde(rename = "MA_BENH_YHCT", default, skip_serializing_if = "Option::is_none")]
    pub traditional_medicine_codes: Option<String>,
    /// `NGAY_YL`: order time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_YL", default, skip_serializing_if = "Option::is_none")]
    pub ordered_at: Option<String>,
    /// `NGAY_TH_YL`: execution time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_TH_YL", default, skip_serializing_if = "Option::is_none")]
    pub performed_at: Option<String>,
    /// `NGAY_KQ`: result time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_KQ", default, skip_serializing_if = "Option::is_none")]
    pub result_at: Option<String>,
    /// `MA_PTTT`: payment method: 1 fee-for-service, 2 capitation, 3 DRG.
    #[serde(rename = "MA_PTTT", default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<u32>,
    /// `VET_THUONG_TP`: `1` for a recurrent war wound.
    #[serde(rename = "VET_THUONG_TP", default, skip_serializing_if = "Option::is_none")]
    pub war_wound: Option<u32>,
    /// `PP_VO_CAM`: anaesthesia 1–4.
    #[serde(rename = "PP_VO_CAM", default, skip_serializing_if = "Option::is_none")]
    pub anaesthesia: Option<u32>,
    /// `VI_TRI_TH_DVKT`: body-site code.
    #[serde(rename = "VI_TRI_TH_DVKT", default, skip_serializing_if = "Option::is_none")]
    pub body_site: Option<u32>,
    /// `MA_MAY`: machine code(s).
    #[serde(rename = "MA_MAY", default, skip_serializing_if = "Option::is_none")]
    pub machine_codes: Option<String>,
    /// `MA_HIEU_SP`: product model or serial.
    #[serde(rename = "MA_HIEU_SP", default, skip_serializing_if = "Option::is_none")]
    pub product_model: Option<String>,
    /// `TAI_SU_DUNG`: `1` for a reused supply.
    #[serde(rename = "TAI_SU_DUNG", default, skip_serializing_if = "Option::is_none")]
    pub reused: Option<u32>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for ServiceLine {
    fn table(&self) -> Table {
        Table::Xml3
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::int(self.seq));
        visit(FieldValue::text(&self.service_code));
        visit(FieldValue::text(&self.procedure_icd9));
        visit(FieldValue::text(&self.supply_code));
        visit(FieldValue::int(self.cost_group));
        visit(FieldValue::text(&self.supply_package));
        visit(FieldValue::text(&self.supply_name));
        visit(FieldValue::text(&self.service_name));
        visit(FieldValue::text(&self.fuel_code));
        visit(FieldValue::text(&self.unit));
        visit(FieldValue::int(self.coverage_scope));
        visit(FieldValue::price(&self.quantity));
        visit(FieldValue::price(&self.unit_price_hospital));
        visit(FieldValue::price(&self.unit_price_insured));
        visit(FieldValue::text(&self.tender_info));
        visit(FieldValue::number(&self.service_rate_pct));
        visit(FieldValue::number(&self.insurance_rate_pct));
        visit(FieldValue::money(&self.amount_hospital));
        visit(FieldValue::money(&self.amount_insured));
        visit(FieldValue::money(&self.payment_ceiling));
        visit(FieldValue::number(&self.benefit_pct));
        visit(FieldValue::money(&self.other_state_budget));
        visit(FieldValue::money(&self.other_foreign_aid));
        visit(FieldValue::money(&self.other_domestic_aid));
        visit(FieldValue::money(&self.other_remaining));
        visit(FieldValue::money(&self.other_sources));
        visit(FieldValue::money(&self.patient_self_pay));
        visit(FieldValue::money(&self.patient_copay));
        visit(FieldValue::money(&self.fund_pays));
        visit(FieldValue::text(&self.department_codes));
        visit(FieldValue::text(&self.bed_codes));
        visit(FieldValue::text(&self.doctor_codes));
        visit(FieldValue::text(&self.performer_codes));
        visit(FieldValue::text(&self.icd10_codes));
        visit(FieldValue::text(&self.traditional_medicine_codes));
        visit(FieldValue::text(&self.ordered_at));
        visit(FieldValue::text(&self.performed_at));
        visit(FieldValue::text(&self.result_at));
        visit(FieldValue::int(self.payment_method));
        visit(FieldValue::int(self.war_wound));
        visit(FieldValue::int(self.anaesthesia));
        visit(FieldValue::int(self.body_site));
        visit(FieldValue::text(&self.machine_codes));
        visit(FieldValue::text(&self.product_model));
        visit(FieldValue::int(self.reused));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.episode_key = parse_text(text),
            1 => self.seq = parse_int(text)?,
            2 => self.service_code = parse_text(text),
            3 => self.procedure_icd9 = parse_text(text),
            4 => self.supply_code = parse_text(text),
            5 => self.cost_group = parse_int(text)?,
            6 => self.supply_package = parse_text(text),
            7 => self.supply_name = parse_text(text),
            8 => self.service_name = parse_text(text),
            9 => self.fuel_code = parse_text(text),
            10 => self.unit = parse_text(text),
            11 => self.coverage_scope = parse_int(text)?,
            12 => self.quantity = parse_decimal(text)?,
            13 => self.unit_price_hospital = parse_decimal(text)?,
            14 => self.unit_price_insured = parse_decimal(text)?,
            15 => self.tender_info = parse_text(text),
            16 => self.service_rate_pct = parse_decimal(text)?,
            17 => self.insurance_rate_pct = parse_decimal(text)?,
            18 => self.amount_hospital = parse_decimal(text)?,
            19 => self.amount_insured = parse_decimal(text)?,
            20 => self.payment_ceiling = parse_decimal(text)?,
            21 => self.benefit_pct = parse_decimal(text)?,
            22 => self.other_state_budget = parse_decimal(text)?,
            23 => self.other_foreign_aid = parse_decimal(text)?,
            24 => self.other_domestic_aid = parse_decimal(text)?,
            25 => self.other_remaining = parse_decimal(text)?,
            26 => self.other_sources = parse_decimal(text)?,
            27 => self.patient_self_pay = parse_decimal(text)?,
            28 => self.patient_copay = parse_decimal(text)?,
            29 => self.fund_pays = parse_decimal(text)?,
            30 => self.department_codes = parse_text(text),
            31 => self.bed_codes = parse_text(text),
            32 => self.doctor_codes = parse_text(text),
            33 => self.performer_codes = parse_text(text),
            34 => self.icd10_codes = parse_text(text),
            35 => self.traditional_medicine_codes = parse_text(text),
            36 => self.ordered_at = parse_text(text),
            37 => self.performed_at = parse_text(text),
            38 => self.result_at = parse_text(text),
            39 => self.payment_method = parse_int(text)?,
            40 => self.war_wound = parse_int(text)?,
            41 => self.anaesthesia = parse_int(text)?,
            42 => self.body_site = parse_int(text)?,
            43 => self.machine_codes = parse_text(text),
            44 => self.product_model = parse_text(text),
            45 => self.reused = parse_int(text)?,
            46 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
