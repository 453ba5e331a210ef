//! One drug, blood or blood-product line (XML2, `CHI_TIET_THUOC`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// One drug, blood or blood-product line (XML2, `CHI_TIET_THUOC`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrugLine {
    /// `MA_LK`: treatment-episode key, the same in every table of one episode.
    #[serde(rename = "MA_LK", default, skip_serializing_if = "Option::is_none")]
    pub episode_key: Option<String>,
    /// `STT`: sequence number, from 1.
    #[serde(rename = "STT", default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u32>,
    /// `MA_THUOC`: drug (active-ingredient) code.
    #[serde(rename = "MA_THUOC", default, skip_serializing_if = "Option::is_none")]
    pub drug_code: Option<String>,
    /// `MA_PP_CHEBIEN`: herbal processing-method code.
    #[serde(rename = "MA_PP_CHEBIEN", default, skip_serializing_if = "Option::is_none")]
    pub herbal_processing_code: Option<String>,
    /// `MA_CSKCB_THUOC`: origin facility of a transferred drug.
    #[serde(rename = "MA_CSKCB_THUOC", default, skip_serializing_if = "Option::is_none")]
    pub drug_origin_facility: Option<String>,
    /// `MA_NHOM`: cost group (MA_NHOM 1–19).
    #[serde(rename = "MA_NHOM", default, skip_serializing_if = "Option::is_none")]
    pub cost_group: Option<u32>,
    /// `TEN_THUOC`: drug name.
    #[serde(rename = "TEN_THUOC", default, skip_serializing_if = "Option::is_none")]
    pub drug_name: Option<String>,
    /// `DON_VI_TINH`: unit.
    #[serde(rename = "DON_VI_TINH", default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// `HAM_LUONG`: strength.
    #[serde(rename = "HAM_LUONG", default, skip_serializing_if = "Option::is_none")]
    pub strength: Option<String>,
    /// `DUONG_DUNG`: route of administration code.
    #[serde(rename = "DUONG_DUNG", default, skip_serializing_if = "Option::is_none")]
    pub route_code: Option<String>,
    /// `DANG_BAO_CHE`: dosage form.
    #[serde(rename = "DANG_BAO_CHE", default, skip_serializing_if = "Option::is_none")]
    pub dosage_form: Option<String>,
    /// `LIEU_DUNG`: dosage.
    #[serde(rename = "LIEU_DUNG", default, skip_serializing_if = "Option::is_none")]
    pub dosage: Option<String>,
    /// `CACH_DUNG`: prescriber instructions.
    #[serde(rename = "CACH_DUNG", default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// `SO_DANG_KY`: registration number.
    #[serde(rename = "SO_DANG_KY", default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    /// `TT_THAU`: tender information `QĐ;Gnn;Nnn;yyyy`.
    #[serde(rename = "TT_THAU", default, skip_serializing_if = "Option::is_none")]
    pub tender_info: Option<String>,
    /// `PHAM_VI`: scope: 1 in list, 2 outside, 3 outside but paid for army/police.
    #[serde(rename = "PHAM_VI", default, skip_serializing_if = "Option::is_none")]
    pub coverage_scope: Option<u32>,
    /// `TYLE_TT_BH`: BHYT payment ratio %.
    #[serde(rename = "TYLE_TT_BH", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub insurance_rate_pct: Option<Decimal>,
    /// `SO_LUONG`: quantity.
    #[serde(rename = "SO_LUONG", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub quantity: Option<Decimal>,
    /// `DON_GIA`: unit price.
    #[serde(rename = "DON_GIA", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub unit_price: Option<Decimal>,
    /// `THANH_TIEN_BV`: line amount at the hospital price.
    #[serde(rename = "THANH_TIEN_BV", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub amount_hospital: Option<Decimal>,
    /// `THANH_TIEN_BH`: line amount at the insured price.
    #[serde(rename = "THANH_TIEN_BH", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub amount_insured: Option<Decimal>,
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
    /// `MUC_HUONG`: benefit level % applied.
    #[serde(rename = "MUC_HUONG", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub benefit_pct: Option<Decimal>,
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
    /// `MA_BAC_SI`: clinician code(s).
    #[serde(rename = "MA_BAC_SI", default, skip_serializing_if = "Option::is_none")]
    pub doctor_codes: Option<String>,
    /// `MA_DICH_VU`: service code.
    #[serde(rename = "MA_DICH_VU", default, skip_serializing_if = "Option::is_none")]
    pub service_code: Option<String>,
    /// `NGAY_YL`: order time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_YL", default, skip_serializing_if = "Option::is_none")]
    pub ordered_at: Option<String>,
    /// `NGAY_TH_YL`: execution time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_TH_YL", default, skip_serializing_if = "Option::is_none")]
    pub performed_at: Option<String>,
    /// `MA_PTTT`: payment method: 1 fee-for-service, 2 capitation, 3 DRG.
    #[serde(rename = "MA_PTTT", default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<u32>,
    /// `NGUON_CTRA`: funding source 1–4.
    #[serde(rename = "NGUON_CTRA", default, skip_serializing_if = "Option::is_none")]
    pub funding_source: Option<u32>,
    /// `VET_THUONG_TP`: `1` for a recurrent war wound.
    #[serde(rename = "VET_THUONG_TP", default, skip_serializing_if = "Option::is_none")]
    pub war_wound: Option<u32>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for DrugLine {
    fn table(&self) -> Table {
        Table::Xml2
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::int(self.seq));
        visit(FieldValue::text(&self.drug_code));
        visit(FieldValue::text(&self.herbal_processing_code));
        visit(FieldValue::text(&self.drug_origin_facility));
        visit(FieldValue::int(self.cost_group));
        visit(FieldValue::text(&self.drug_name));
        visit(FieldValue::text(&self.unit));
        visit(FieldValue::text(&self.strength));
        visit(FieldValue::text(&self.route_code));
        visit(FieldValue::text(&self.dosage_form));
        visit(FieldValue::text(&self.dosage));
        visit(FieldValue::text(&self.instructions));
        visit(FieldValue::text(&self.registration_number));
        visit(FieldValue::text(&self.tender_info));
        visit(FieldValue::int(self.coverage_scope));
        visit(FieldValue::number(&self.insurance_rate_pct));
        visit(FieldValue::price(&self.quantity));
        visit(FieldValue::price(&self.unit_price));
        visit(FieldValue::money(&self.amount_hospital));
        visit(FieldValue::money(&self.amount_insured));
        visit(FieldValue::money(&self.other_state_budget));
        visit(FieldValue::money(&self.other_foreign_aid));
        visit(FieldValue::money(&self.other_domestic_aid));
        visit(FieldValue::money(&self.other_remaining));
        visit(FieldValue::money(&self.other_sources));
        visit(FieldValue::number(&self.benefit_pct));
        visit(FieldValue::money(&self.patient_self_pay));
        visit(FieldValue::money(&self.patient_copay));
        visit(FieldValue::money(&self.fund_pays));
        visit(FieldValue::text(&self.department_codes));
        visit(FieldValue::text(&self.doctor_codes));
        visit(FieldValue::text(&self.service_code));
        visit(FieldValue::text(&self.ordered_at));
        visit(FieldValue::text(&self.performed_at));
        visit(FieldValue::int(self.payment_method));
        visit(FieldValue::int(self.funding_source));
        visit(FieldValue::int(self.war_wound));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.episode_key = parse_text(text),
            1 => self.seq = parse_int(text)?,
            2 => self.drug_code = parse_text(text),
            3 => self.herbal_processing_code = parse_text(text),
            4 => self.drug_origin_facility = parse_text(text),
            5 => self.cost_group = parse_int(text)?,
            6 => self.drug_name = parse_text(text),
            7 => self.unit = parse_text(text),
            8 => self.strength = parse_text(text),
            9 => self.route_code = parse_text(text),
            10 => self.dosage_form = parse_text(text),
            11 => self.dosage = parse_text(text),
            12 => self.instructions = parse_text(text),
            13 => self.registration_number = parse_text(text),
            14 => self.tender_info = parse_text(text),
            15 => self.coverage_scope = parse_int(text)?,
            16 => self.insurance_rate_pct = parse_decimal(text)?,
            17 => self.quantity = parse_decimal(text)?,
            18 => self.unit_price = parse_decimal(text)?,
            19 => self.amount_hospital = parse_decimal(text)?,
            20 => self.amount_insured = parse_decimal(text)?,
            21 => self.other_state_budget = parse_decimal(text)?,
            22 => self.other_foreign_aid = parse_decimal(text)?,
            23 => self.other_domestic_aid = parse_decimal(text)?,
            24 => self.other_remaining = parse_decimal(text)?,
            25 => self.other_sources = parse_decimal(text)?,
            26 => self.benefit_pct = parse_decimal(text)?,
            27 => self.patient_self_pay = parse_decimal(text)?,
            28 => self.patient_copay = parse_decimal(text)?,
            29 => self.fund_pays = parse_decimal(text)?,
            30 => self.department_codes = parse_text(text),
            31 => self.doctor_codes = parse_text(text),
            32 => self.service_code = parse_text(text),
            33 => self.ordered_at = parse_text(text),
            34 => self.performed_at = parse_text(text),
            35 => self.payment_method = parse_int(text)?,
            36 => self.funding_source = parse_int(text)?,
            37 => self.war_wound = parse_int(text)?,
            38 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
