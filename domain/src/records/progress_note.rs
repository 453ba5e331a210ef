//! One clinical progress note (XML5, `CHI_TIET_DIEN_BIEN_BENH`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// One clinical progress note (XML5, `CHI_TIET_DIEN_BIEN_BENH`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressNote {
    /// `MA_LK`: treatment-episode key, the same in every table of one episode.
    #[serde(rename = "MA_LK", default, skip_serializing_if = "Option::is_none")]
    pub episode_key: Option<String>,
    /// `STT`: sequence number, from 1.
    #[serde(rename = "STT", default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u32>,
    /// `DIEN_BIEN_LS`: clinical progress.
    #[serde(rename = "DIEN_BIEN_LS", default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
    /// `GIAI_DOAN_BENH`: disease stage.
    #[serde(rename = "GIAI_DOAN_BENH", default, skip_serializing_if = "Option::is_none")]
    pub disease_stage: Option<String>,
    /// `HOI_CHAN`: consultation result.
    #[serde(rename = "HOI_CHAN", default, skip_serializing_if = "Option::is_none")]
    pub consultation: Option<String>,
    /// `PHAU_THUAT`: surgery or procedure.
    #[serde(rename = "PHAU_THUAT", default, skip_serializing_if = "Option::is_none")]
    pub surgery: Option<String>,
    /// `THOI_DIEM_DBLS`: note time `yyyyMMddHHmm`.
    #[serde(rename = "THOI_DIEM_DBLS", default, skip_serializing_if = "Option::is_none")]
    pub noted_at: Option<String>,
    /// `NGUOI_THUC_HIEN`: performing staff code(s).
    #[serde(rename = "NGUOI_THUC_HIEN", default, skip_serializing_if = "Option::is_none")]
    pub performer_codes: Option<String>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for ProgressNote {
    fn table(&self) -> Table {
        Table::Xml5
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::int(self.seq));
        visit(FieldValue::text(&self.progress));
        visit(FieldValue::text(&self.disease_stage));
        visit(FieldValue::text(&self.consultation));
        visit(FieldValue::text(&self.surgery));
        visit(FieldValue::text(&self.noted_at));
        visit(FieldValue::text(&self.performer_codes));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.episode_key = parse_text(text),
            1 => self.seq = parse_int(text)?,
            2 => self.progress = parse_text(text),
            3 => self.disease_stage = parse_text(text),
            4 => self.consultation = parse_text(text),
            5 => self.surgery = parse_text(text),
            6 => self.noted_at = parse_text(text),
            7 => self.performer_codes = parse_text(text),
            8 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
