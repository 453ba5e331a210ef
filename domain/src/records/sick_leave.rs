//! Sick-leave certificate for social-insurance benefit (XML11, form CT07).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// Sick-leave certificate for social-insurance benefit (XML11, form CT07).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SickLeaveCertificate {
    /// `MA_LK`: treatment-episode key, the same in every table of one episode.
    #[serde(rename = "MA_LK", default, skip_serializing_if = "Option::is_none")]
    pub episode_key: Option<String>,
    /// `SO_CT`: document number.
    #[serde(rename = "SO_CT", default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
    /// `SO_SERI`: serial number.
    #[serde(rename = "SO_SERI", default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// `SO_KCB`: visit number.
    #[serde(rename = "SO_KCB", default, skip_serializing_if = "Option::is_none")]
    pub visit_number: Option<String>,
    /// `DON_VI`: employer or unit.
    #[serde(rename = "DON_VI", default, skip_serializing_if = "Option::is_none")]
    pub employer: Option<String>,
    /// `MA_BHXH`: social-insurance id (10 digits).
    #[serde(rename = "MA_BHXH", default, skip_serializing_if = "Option::is_none")]
    pub social_insurance_id: Option<String>,
    /// `MA_THE_BHYT`: insurance card number(s), 15 characters each, `;`-separated.
    #[serde(rename = "MA_THE_BHYT", default, skip_serializing_if = "Option::is_none")]
    pub card_numbers: Option<String>,
    /// `CHAN_DOAN_RV`: discharge diagnosis text.
    #[serde(rename = "CHAN_DOAN_RV", default, skip_serializing_if = "Option::is_none")]
    pub discharge_diagnosis: Option<String>,
    /// `PP_DIEUTRI`: treatment methods.
    #[serde(rename = "PP_DIEUTRI", default, skip_serializing_if = "Option::is_none")]
    pub treatment_methods: Option<String>,
    /// `MA_DINH_CHI_THAI`: `1` when a pregnancy was terminated.
    #[serde(rename = "MA_DINH_CHI_THAI", default, skip_serializing_if = "Option::is_none")]
    pub pregnancy_terminated: Option<u32>,
    /// `NGUYENNHAN_DINHCHI`: cause of termination.
    #[serde(rename = "NGUYENNHAN_DINHCHI", default, skip_serializing_if = "Option::is_none")]
    pub termination_cause: Option<String>,
    /// `TUOI_THAI`: gestational age in weeks.
    #[serde(rename = "TUOI_THAI", default, skip_serializing_if = "Option::is_none")]
    pub gestational_weeks: Option<u32>,
    /// `SO_NGAY_NGHI`: days of leave.
    #[serde(rename = "SO_NGAY_NGHI", default, skip_serializing_if = "Option::is_none")]
    pub leave_days: Option<u32>,
    /// `TU_NGAY`: from date `yyyyMMdd`.
    #[serde(rename = "TU_NGAY", default, skip_serializing_if = "Option::is_none")]
    pub from_date: Option<String>,
    /// `DEN_NGAY`: to date `yyyyMMdd`.
    #[serde(rename = "DEN_NGAY", default, skip_serializing_if = "Option::is_none")]
    pub to_date: Option<String>,
    /// `HO_TEN_CHA`: father's name.
    #[serde(rename = "HO_TEN_CHA", default, skip_serializing_if = "Option::is_none")]
    pub father_name: Option<String>,
    /// `HO_TEN_ME`: mother's name.
    #[serde(rename = "HO_TEN_ME", default, skip_serializing_if = "Option::is_none")]
    pub mother_name: Option<String>,
    /// `MA_TTDV`: health id of the facility head or authorised signer.
    #[serde(rename = "MA_TTDV", default, skip_serializing_if = "Option::is_none")]
    pub head_of_facility_id: Option<String>,
    /// `MA_BS`: doctor id.
    #[serde(rename = "MA_BS", default, skip_serializing_if = "Option::is_none")]
    pub doctor_id: Option<String>,
    /// `NGAY_CT`: document date `yyyyMMdd`.
    #[serde(rename = "NGAY_CT", default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<String>,
    /// `MA_THE_TAM`: temporary card number.
    #[serde(rename = "MA_THE_TAM", default, skip_serializing_if = "Option::is_none")]
    pub temporary_card: Option<String>,
    /// `MAU_SO`: form code (CT07).
    #[serde(rename = "MAU_SO", default, skip_serializing_if = "Option::is_none")]
    pub form_code: Option<String>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for SickLeaveCertificate {
    fn table(&self) -> Table {
        Table::Xml11
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::text(&self.document_number));
        visit(FieldValue::text(&self.serial));
        visit(FieldValue::text(&self.visit_number));
        visit(FieldValue::text(&self.employer));
        visit(FieldValue::text(&self.social_insurance_id));
        visit(FieldValue::text(&self.card_numbers));
        visit(FieldValue::text(&self.discharge_diagnosis));
        visit(FieldValue::text(&self.treatment_methods));
        visit(FieldValue::int(self.pregnancy_terminated));
        visit(FieldValue::text(&self.termination_cause));
        visit(FieldValue::int(self.gestational_weeks));
        visit(FieldValue::int(self.leave_days));
        visit(FieldValue::text(&self.from_date));
        visit(FieldValue::text(&self.to_date));
        visit(FieldValue::text(&self.father_name));
        visit(FieldValue::text(&self.mother_name));
        visit(FieldValue::text(&self.head_of_facility_id));
        visit(FieldValue::text(&self.doctor_id));
        visit(FieldValue::text(&self.issued_on));
        visit(FieldValue::text(&self.temporary_card));
        visit(FieldValue::text(&self.form_code));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.episode_key = parse_text(text),
            1 => self.document_number = parse_text(text),
            2 => self.serial = parse_text(text),
            3 => self.visit_number = parse_text(text),
            4 => self.employer = parse_text(text),
            5 => self.social_insurance_id = parse_text(text),
            6 => self.card_numbers = parse_text(text),
            7 => self.discharge_diagnosis = parse_text(text),
            8 => self.treatment_methods = parse_text(text),
            9 => self.pregnancy_terminated = parse_int(text)?,
            10 => self.termination_cause = parse_text(text),
            11 => self.gestational_weeks = parse_int(text)?,
            12 => self.leave_days = parse_int(text)?,
            13 => self.from_date = parse_text(text),
            14 => self.to_date = parse_text(text),
            15 => self.father_name = parse_text(text),
            16 => self.mother_name = parse_text(text),
            17 => self.head_of_facility_id = parse_text(text),
            18 => self.doctor_id = parse_text(text),
            19 => self.issued_on = parse_text(text),
            20 => self.temporary_card = parse_text(text),
            21 => self.form_code = parse_text(text),
            22 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
