//! Pregnancy-rest certificate (XML10, `CHI_TIEU_DU_LIEU_GIAY_NGHI_DUONG_THAI`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// Pregnancy-rest certificate (XML10, `CHI_TIEU_DU_LIEU_GIAY_NGHI_DUONG_THAI`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PregnancyLeaveCertificate {
    /// `MA_LK`: treatment-episode key, the same in every table of one episode.
    #[serde(rename = "MA_LK", default, skip_serializing_if = "Option::is_none")]
    pub episode_key: Option<String>,
    /// `SO_SERI`: serial number.
    #[serde(rename = "SO_SERI", default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// `SO_CT`: document number.
    #[serde(rename = "SO_CT", default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
    /// `SO_NGAY`: number of days.
    #[serde(rename = "SO_NGAY", default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// `DON_VI`: employer or unit.
    #[serde(rename = "DON_VI", default, skip_serializing_if = "Option::is_none")]
    pub employer: Option<String>,
    /// `CHAN_DOAN_RV`: discharge diagnosis text.
    #[serde(rename = "CHAN_DOAN_RV", default, skip_serializing_if = "Option::is_none")]
    pub discharge_diagnosis: Option<String>,
    /// `TU_NGAY`: from date `yyyyMMdd`.
    #[serde(rename = "TU_NGAY", default, skip_serializing_if = "Option::is_none")]
    pub from_date: Option<String>,
    /// `DEN_NGAY`: to date `yyyyMMdd`.
    #[serde(rename = "DEN_NGAY", default, skip_serializing_if = "Option::is_none")]
    pub to_date: Option<String>,
    /// `MA_TTDV`: health id of the facility head or authorised signer.
    #[serde(rename = "MA_TTDV", default, skip_serializing_if = "Option::is_none")]
    pub head_of_facility_id: Option<String>,
    /// `TEN_BS`: doctor name.
    #[serde(rename = "TEN_BS", default, skip_serializing_if = "Option::is_none")]
    pub doctor_name: Option<String>,
    /// `MA_BS`: doctor id.
    #[serde(rename = "MA_BS", default, skip_serializing_if = "Option::is_none")]
    pub doctor_id: Option<String>,
    /// `NGAY_CT`: document date `yyyyMMdd`.
    #[serde(rename = "NGAY_CT", default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<String>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for PregnancyLeaveCertificate {
    fn table(&self) -> Table {
        Table::Xml10
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::text(&self.serial));
        visit(FieldValue::text(&self.document_number));
        visit(FieldValue::int(self.days));
        visit(FieldValue::text(&self.employer));
        visit(FieldValue::text(&self.discharge_diagnosis));
        visit(FieldValue::text(&self.from_date));
        visit(FieldValue::text(&self.to_date));
        visit(FieldValue::text(&self.head_of_facility_id));
        visit(FieldValue::text(&self.doctor_name));
        visit(FieldValue::text(&self.doctor_id));
        visit(FieldValue::text(&self.issued_on));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.episode_key = parse_text(text),
            1 => self.serial = parse_text(text),
            2 => self.document_number = parse_text(text),
            3 => self.days = parse_int(text)?,
            4 => self.employer = parse_text(text),
            5 => self.discharge_diagnosis = parse_text(text),
            6 => self.from_date = parse_text(text),
            7 => self.to_date = parse_text(text),
            8 => self.head_of_facility_id = parse_text(text),
            9 => self.doctor_name = parse_text(text),
            10 => self.doctor_id = parse_text(text),
            11 => self.issued_on = parse_text(text),
            12 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
