//! Check-in status message (XML0, `TRANG_THAI_KCB`): the patient has started receiving care.
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// Check-in status message (XML0, `TRANG_THAI_KCB`): the patient has started receiving care.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckIn {
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
    /// `MA_DOITUONG_KCB`: visit object / route code (1.1, 2, 3.6 …).
    #[serde(rename = "MA_DOITUONG_KCB", default, skip_serializing_if = "Option::is_none")]
    pub visit_route: Option<String>,
    /// `NGAY_VAO`: arrival time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_VAO", default, skip_serializing_if = "Option::is_none")]
    pub admitted_at: Option<String>,
    /// `NGAY_VAO_NOI_TRU`: inpatient-admission time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_VAO_NOI_TRU", default, skip_serializing_if = "Option::is_none")]
    pub inpatient_admitted_at: Option<String>,
    /// `LY_DO_VNT`: reason for inpatient admission.
    #[serde(rename = "LY_DO_VNT", default, skip_serializing_if = "Option::is_none")]
    pub inpatient_reason: Option<String>,
    /// `MA_LY_DO_VNT`: inpatient-admission reason code.
    #[serde(rename = "MA_LY_DO_VNT", default, skip_serializing_if = "Option::is_none")]
    pub inpatient_reason_code: Option<String>,
    /// `MA_LOAI_KCB`: visit type 01–09.
    #[serde(rename = "MA_LOAI_KCB", default, skip_serializing_if = "Option::is_none")]
    pub visit_type: Option<String>,
    /// `MA_CSKCB`: treating facility code (5 characters).
    #[serde(rename = "MA_CSKCB", default, skip_serializing_if = "Option::is_none")]
    pub facility_code: Option<String>,
    /// `MA_DICH_VU`: service code.
    #[serde(rename = "MA_DICH_VU", default, skip_serializing_if = "Option::is_none")]
    pub service_code: Option<String>,
    /// `TEN_DICH_VU`: service name.
    #[serde(rename = "TEN_DICH_VU", default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// `MA_THUOC`: drug (active-ingredient) code.
    #[serde(rename = "MA_THUOC", default, skip_serializing_if = "Option::is_none")]
    pub drug_code: Option<String>,
    /// `TEN_THUOC`: drug name.
    #[serde(rename = "TEN_THUOC", default, skip_serializing_if = "Option::is_none")]
    pub drug_name: Option<String>,
    /// `MA_VAT_TU`: medical-supply code.
    #[serde(rename = "MA_VAT_TU", default, skip_serializing_if = "Option::is_none")]
    pub supply_code: Option<String>,
    /// `TEN_VAT_TU`: medical-supply name.
    #[serde(rename = "TEN_VAT_TU", default, skip_serializing_if = "Option::is_none")]
    pub supply_name: Option<String>,
    /// `NGAY_YL`: order time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_YL", default, skip_serializing_if = "Option::is_none")]
    pub ordered_at: Option<String>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for CheckIn {
    fn table(&self) -> Table {
        Table::CheckIn
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::int(self.seq));
        visit(FieldValue::text(&self.patient_id));
        visit(FieldValue::text(&self.full_name));
        visit(FieldValue::text(&self.citizen_id));
        visit(FieldValue::text(&self.birth_date));
        visit(FieldValue::int(self.sex));
        visit(FieldValue::text(&self.card_numbers));
        visit(FieldValue::text(&self.primary_care_facilities));
        visit(FieldValue::text(&self.card_valid_from));
        visit(FieldValue::text(&self.card_valid_to));
        visit(FieldValue::text(&self.visit_route));
        visit(FieldValue::text(&self.admitted_at));
        visit(FieldValue::text(&self.inpatient_admitted_at));
        visit(FieldValue::text(&self.inpatient_reason));
        visit(FieldValue::text(&self.inpatient_reason_code));
        visit(FieldValue::text(&self.visit_type));
        visit(FieldValue::text(&self.facility_code));
        visit(FieldValue::text(&self.service_code));
        visit(FieldValue::text(&self.service_name));
        visit(FieldValue::text(&self.drug_code));
        visit(FieldValue::text(&self.drug_name));
        visit(FieldValue::text(&self.supply_code));
        visit(FieldValue::text(&self.supply_name));
        visit(FieldValue::text(&self.ordered_at));
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
            7 => self.card_numbers = parse_text(text),
            8 => self.primary_care_facilities = parse_text(text),
            9 => self.card_valid_from = parse_text(text),
            10 => self.card_valid_to = parse_text(text),
            11 => self.visit_route = parse_text(text),
            12 => self.admitted_at = parse_text(text),
            13 => self.inpatient_admitted_at = parse_text(text),
            14 => self.inpatient_reason = parse_text(text),
            15 => self.inpatient_reason_code = parse_text(text),
            16 => self.visit_type = parse_text(text),
            17 => self.facility_code = parse_text(text),
            18 => self.service_code = parse_text(text),
            19 => self.service_name = parse_text(text),
            20 => self.drug_code = parse_text(text),
            21 => self.drug_name = parse_text(text),
            22 => self.supply_code = parse_text(text),
            23 => self.supply_name = parse_text(text),
            24 => self.ordered_at = parse_text(text),
            25 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
