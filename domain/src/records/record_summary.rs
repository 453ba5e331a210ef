//! Medical-record summary (XML8, `CHI_TIEU_DU_LIEU_TOM_TAT_HO_SO_BENH_AN`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// Medical-record summary (XML8, `CHI_TIEU_DU_LIEU_TOM_TAT_HO_SO_BENH_AN`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedicalRecordSummary {
    /// `MA_LK`: treatment-episode key, the same in every table of one episode.
    #[serde(rename = "MA_LK", default, skip_serializing_if = "Option::is_none")]
    pub episode_key: Option<String>,
    /// `MA_LOAI_KCB`: visit type 01–09.
    #[serde(rename = "MA_LOAI_KCB", default, skip_serializing_if = "Option::is_none")]
    pub visit_type: Option<String>,
    /// `HO_TEN_CHA`: father's name.
    #[serde(rename = "HO_TEN_CHA", default, skip_serializing_if = "Option::is_none")]
    pub father_name: Option<String>,
    /// `HO_TEN_ME`: mother's name.
    #[serde(rename = "HO_TEN_ME", default, skip_serializing_if = "Option::is_none")]
    pub mother_name: Option<String>,
    /// `NGUOI_GIAM_HO`: guardian.
    #[serde(rename = "NGUOI_GIAM_HO", default, skip_serializing_if = "Option::is_none")]
    pub guardian: Option<String>,
    /// `DON_VI`: employer or unit.
    #[serde(rename = "DON_VI", default, skip_serializing_if = "Option::is_none")]
    pub employer: Option<String>,
    /// `NGAY_VAO`: arrival time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_VAO", default, skip_serializing_if = "Option::is_none")]
    pub admitted_at: Option<String>,
    /// `NGAY_RA`: end of treatment `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_RA", default, skip_serializing_if = "Option::is_none")]
    pub discharged_at: Option<String>,
    /// `CHAN_DOAN_VAO`: preliminary diagnosis at intake.
    #[serde(rename = "CHAN_DOAN_VAO", default, skip_serializing_if = "Option::is_none")]
    pub admission_diagnosis: Option<String>,
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
    /// `NGAY_SINHCON`: delivery date.
    #[serde(rename = "NGAY_SINHCON", default, skip_serializing_if = "Option::is_none")]
    pub delivered_on: Option<String>,
    /// `NGAY_CONCHET`: date of stillbirth.
    #[serde(rename = "NGAY_CONCHET", default, skip_serializing_if = "Option::is_none")]
    pub stillbirth_on: Option<String>,
    /// `SO_CONCHET`: number of stillbirths.
    #[serde(rename = "SO_CONCHET", default, skip_serializing_if = "Option::is_none")]
    pub stillbirths: Option<u32>,
    /// `KET_QUA_DTRI`: treatment outcome 1–8.
    #[serde(rename = "KET_QUA_DTRI", default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<u32>,
    /// `GHI_CHU`: note.
    #[serde(rename = "GHI_CHU", default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `MA_TTDV`: health id of the facility head or authorised signer.
    #[serde(rename = "MA_TTDV", default, skip_serializing_if = "Option::is_none")]
    pub head_of_facility_id: Option<String>,
    /// `NGAY_CT`: document date `yyyyMMdd`.
    #[serde(rename = "NGAY_CT", default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<String>,
    /// `MA_THE_TAM`: temporary card number.
    #[serde(rename = "MA_THE_TAM", default, skip_serializing_if = "Option::is_none")]
    pub temporary_card: Option<String>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for MedicalRecordSummary {
    fn table(&self) -> Table {
        Table::Xml8
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::text(&self.visit_type));
        visit(FieldValue::text(&self.father_name));
        visit(FieldValue::text(&self.mother_name));
        visit(FieldValue::text(&self.guardian));
        visit(FieldValue::text(&self.employer));
        visit(FieldValue::text(&self.admitted_at));
        visit(FieldValue::text(&self.discharged_at));
        visit(FieldValue::text(&self.admission_diagnosis));
        visit(FieldValue::text(&self.discharge_diagnosis));
        visit(FieldValue::text(&self.disease_course));
        visit(FieldValue::text(&self.results_summary));
        visit(FieldValue::text(&self.treatment_methods));
        visit(FieldValue::text(&self.delivered_on));
        visit(FieldValue::text(&self.stillbirth_on));
        visit(FieldValue::int(self.stillbirths));
        visit(FieldValue::int(self.outcome));
        visit(FieldValue::text(&self.note));
        visit(FieldValue::text(&self.head_of_facility_id));
        visit(FieldValue::text(&self.issued_on));
        visit(FieldValue::text(&self.temporary_card));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.episode_key = parse_text(text),
            1 => self.visit_type = parse_text(text),
            2 => self.father_name = parse_text(text),
            3 => self.mother_name = parse_text(text),
            4 => self.guardian = parse_text(text),
            5 => self.employer = parse_text(text),
            6 => self.admitted_at = parse_text(text),
            7 => self.discharged_at = parse_text(text),
            8 => self.admission_diagnosis = parse_text(text),
            9 => self.discharge_diagnosis = parse_text(text),
            10 => self.disease_course = parse_text(text),
            11 => self.results_summary = parse_text(text),
            12 => self.treatment_methods = parse_text(text),
            13 => self.delivered_on = parse_text(text),
            14 => self.stillbirth_on = parse_text(text),
            15 => self.stillbirths = parse_int(text)?,
            16 => self.outcome = parse_int(text)?,
            17 => self.note = parse_text(text),
            18 => self.head_of_facility_id = parse_text(text),
            19 => self.issued_on = parse_text(text),
            20 => self.temporary_card = parse_text(text),
            21 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
