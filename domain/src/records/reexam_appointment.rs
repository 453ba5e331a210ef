//! Re-examination appointment (XML14, `CHI_TIEU_GIAYHEN_KHAMLAI`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// Re-examination appointment (XML14, `CHI_TIEU_GIAYHEN_KHAMLAI`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReexamAppointment {
    /// `MA_LK`: treatment-episode key, the same in every table of one episode.
    #[serde(rename = "MA_LK", default, skip_serializing_if = "Option::is_none")]
    pub episode_key: Option<String>,
    /// `SO_GIAYHEN_KL`: appointment number.
    #[serde(rename = "SO_GIAYHEN_KL", default, skip_serializing_if = "Option::is_none")]
    pub appointment_number: Option<String>,
    /// `MA_CSKCB`: treating facility code (5 characters).
    #[serde(rename = "MA_CSKCB", default, skip_serializing_if = "Option::is_none")]
    pub facility_code: Option<String>,
    /// `HO_TEN`: full name.
    #[serde(rename = "HO_TEN", default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// `NGAY_SINH`: birth date (`yyyyMMddHHmm`, unknown parts `0000`).
    #[serde(rename = "NGAY_SINH", default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// `GIOI_TINH`: sex: 1 male, 2 female, 3 undetermined.
    #[serde(rename = "GIOI_TINH", default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<u32>,
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
    /// `NGAY_HEN_KL`: re-examination date.
    #[serde(rename = "NGAY_HEN_KL", default, skip_serializing_if = "Option::is_none")]
    pub reexam_on: Option<String>,
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
    /// `MA_DOITUONG_KCB`: visit object / route code (1.1, 2, 3.6 …).
    #[serde(rename = "MA_DOITUONG_KCB", default, skip_serializing_if = "Option::is_none")]
    pub visit_route: Option<String>,
    /// `MA_BAC_SI`: clinician code(s).
    #[serde(rename = "MA_BAC_SI", default, skip_serializing_if = "Option::is_none")]
    pub doctor_codes: Option<String>,
    /// `MA_TTDV`: health id of the facility head or authorised signer.
    #[serde(rename = "MA_TTDV", default, skip_serializing_if = "Option::is_none")]
    pub head_of_facility_id: Option<String>,
    /// `NGAY_CT`: document date `yyyyMMdd`.
    #[serde(rename = "NGAY_CT", default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<String>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for ReexamAppointment {
    fn table(&self) -> Table {
        Table::Xml14
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::text(&self.appointment_number));
        visit(FieldValue::text(&self.facility_code));
        visit(FieldValue::text(&self.full_name));
        visit(FieldValue::text(&self.birth_date));
        visit(FieldValue::int(self.sex));
        visit(FieldValue::text(&self.address));
        visit(FieldValue::text(&self.card_numbers));
        visit(FieldValue::text(&self.card_valid_to));
        visit(FieldValue::text(&self.admitted_at));
        visit(FieldValue::text(&self.inpatient_admitted_at));
        visit(FieldValue::text(&self.discharged_at));
        visit(FieldValue::text(&self.reexam_on));
        visit(FieldValue::text(&self.discharge_diagnosis));
        visit(FieldValue::text(&self.main_icd10));
        visit(FieldValue::text(&self.secondary_icd10));
        visit(FieldValue::text(&self.traditional_medicine_codes));
        visit(FieldValue::text(&self.visit_route));
        visit(FieldValue::text(&self.doctor_codes));
        visit(FieldValue::text(&self.head_of_facility_id));
        visit(FieldValue::text(&self.issued_on));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.episode_key = parse_text(text),
            1 => self.appointment_number = parse_text(text),
            2 => self.facility_code = parse_text(text),
            3 => self.full_name = parse_text(text),
            4 => self.birth_date = parse_text(text),
            5 => self.sex = parse_int(text)?,
            6 => self.address = parse_text(text),
            7 => self.card_numbers = parse_text(text),
            8 => self.card_valid_to = parse_text(text),
            9 => self.admitted_at = parse_text(text),
            10 => self.inpatient_admitted_at = parse_text(text),
            11 => self.discharged_at = parse_text(text),
            12 => self.reexam_on = parse_text(text),
            13 => self.discharge_diagnosis = parse_text(text),
            14 => self.main_icd10 = parse_text(text),
            15 => self.secondary_icd10 = parse_text(text),
            16 => self.traditional_medicine_codes = parse_text(text),
            17 => self.visit_route = parse_text(text),
            18 => self.doctor_codes = parse_text(text),
            19 => self.head_of_facility_id = parse_text(text),
            20 => self.issued_on = parse_text(text),
            21 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
