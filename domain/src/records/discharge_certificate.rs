//! Discharge certificate (XML7, `CHI_TIEU_DU_LIEU_GIAY_RA_VIEN`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// Discharge certificate (XML7, `CHI_TIEU_DU_LIEU_GIAY_RA_VIEN`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DischargeCertificate {
    /// `MA_LK`: treatment-episode key, the same in every table of one episode.
    #[serde(rename = "MA_LK", default, skip_serializing_if = "Option::is_none")]
    pub episode_key: Option<String>,
    /// `SO_LUU_TRU`: archive number.
    #[serde(rename = "SO_LUU_TRU", default, skip_serializing_if = "Option::is_none")]
    pub archive_number: Option<String>,
    /// `MA_YTE`: health record id.
    #[serde(rename = "MA_YTE", default, skip_serializing_if = "Option::is_none")]
    pub health_record_id: Option<String>,
    /// `MA_KHOA_RV`: discharging department.
    #[serde(rename = "MA_KHOA_RV", default, skip_serializing_if = "Option::is_none")]
    pub discharge_department: Option<String>,
    /// `NGAY_VAO`: arrival time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_VAO", default, skip_serializing_if = "Option::is_none")]
    pub admitted_at: Option<String>,
    /// `NGAY_RA`: end of treatment `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_RA", default, skip_serializing_if = "Option::is_none")]
    pub discharged_at: Option<String>,
    /// `MA_DINH_CHI_THAI`: `1` when a pregnancy was terminated.
    #[serde(rename = "MA_DINH_CHI_THAI", default, skip_serializing_if = "Option::is_none")]
    pub pregnancy_terminated: Option<u32>,
    /// `NGUYENNHAN_DINHCHI`: cause of termination.
    #[serde(rename = "NGUYENNHAN_DINHCHI", default, skip_serializing_if = "Option::is_none")]
    pub termination_cause: Option<String>,
    /// `THOIGIAN_DINHCHI`: termination time.
    #[serde(rename = "THOIGIAN_DINHCHI", default, skip_serializing_if = "Option::is_none")]
    pub terminated_at: Option<String>,
    /// `TUOI_THAI`: gestational age in weeks.
    #[serde(rename = "TUOI_THAI", default, skip_serializing_if = "Option::is_none")]
    pub gestational_weeks: Option<u32>,
    /// `CHAN_DOAN_RV`: discharge diagnosis text.
    #[serde(rename = "CHAN_DOAN_RV", default, skip_serializing_if = "Option::is_none")]
    pub discharge_diagnosis: Option<String>,
    /// `PP_DIEUTRI`: treatment methods.
    #[serde(rename = "PP_DIEUTRI", default, skip_serializing_if = "Option::is_none")]
    pub treatment_methods: Option<String>,
    /// `GHI_CHU`: note.
    #[serde(rename = "GHI_CHU", default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `MA_TTDV`: health id of the facility head or authorised signer.
    #[serde(rename = "MA_TTDV", default, skip_serializing_if = "Option::is_none")]
    pub head_of_facility_id: Option<String>,
    /// `MA_BS`: doctor id.
    #[serde(rename = "MA_BS", default, skip_serializing_if = "Option::is_none")]
    pub doctor_id: Option<String>,
    /// `TEN_BS`: doctor name.
    #[serde(rename = "TEN_BS", default, skip_serializing_if = "Option::is_none")]
    pub doctor_name: Option<String>,
    /// `NGAY_CT`: document date `yyyyMMdd`.
    #[serde(rename = "NGAY_CT", default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<String>,
    /// `MA_CHA`: father's insurance id.
    #[serde(rename = "MA_CHA", default, skip_serializing_if = "Option::is_none")]
    pub father_id: Option<String>,
    /// `MA_ME`: mother's insurance id.
    #[serde(rename = "MA_ME", default, skip_serializing_if = "Option::is_none")]
    pub mother_id: Option<String>,
    /// `MA_THE_TAM`: temporary card number.
    #[serde(rename = "MA_THE_TAM", default, skip_serializing_if = "Option::is_none")]
    pub temporary_card: Option<String>,
    /// `HO_TEN_CHA`: father's name.
    #[serde(rename = "HO_TEN_CHA", default, skip_serializing_if = "Option::is_none")]
    pub father_name: Option<String>,
    /// `HO_TEN_ME`: mother's name.
    #[serde(rename = "HO_TEN_ME", default, skip_serializing_if = "Option::is_none")]
    pub mother_name: Option<String>,
    /// `SO_NGAY_NGHI`: days of leave.
    #[serde(rename = "SO_NGAY_NGHI", default, skip_serializing_if = "Option::is_none")]
    pub leave_days: Option<u32>,
    /// `NGOAITRU_TUNGAY`: outpatient treatment from.
    #[serde(rename = "NGOAITRU_TUNGAY", default, skip_serializing_if = "Option::is_none")]
    pub outpatient_from: Option<String>,
    /// `NGOAITRU_DENNGAY`: outpatient treatment to.
    #[serde(rename = "NGOAITRU_DENNGAY", default, skip_serializing_if = "Option::is_none")]
    pub outpatient_to: Option<String>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for DischargeCertificate {
    fn table(&self) -> Table {
        Table::Xml7
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::text(&self.archive_number));
        visit(FieldValue::text(&self.health_record_id));
        visit(FieldValue::text(&self.discharge_department));
        visit(FieldValue::text(&self.admitted_at));
        visit(FieldValue::text(&self.discharged_at));
        visit(FieldValue::int(self.pregnancy_terminated));
        visit(FieldValue::text(&self.termination_cause));
        visit(FieldValue::text(&self.terminated_at));
        visit(FieldValue::int(self.gestational_weeks));
        visit(FieldValue::text(&self.discharge_diagnosis));
        visit(FieldValue::text(&self.treatment_methods));
        visit(FieldValue::text(&self.note));
        visit(FieldValue::text(&self.head_of_facility_id));
        visit(FieldValue::text(&self.doctor_id));
        visit(FieldValue::text(&self.doctor_name));
        visit(FieldValue::text(&self.issued_on));
        visit(FieldValue::text(&self.father_id));
        visit(FieldValue::text(&self.mother_id));
        visit(FieldValue::text(&self.temporary_card));
        visit(FieldValue::text(&self.father_name));
        visit(FieldValue::text(&self.mother_name));
        visit(FieldValue::int(self.leave_days));
        visit(FieldValue::text(&self.outpatient_from));
        visit(FieldValue::text(&self.outpatient_to));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.episode_key = parse_text(text),
            1 => self.archive_number = parse_text(text),
            2 => self.health_record_id = parse_text(text),
            3 => self.discharge_department = parse_text(text),
            4 => self.admitted_at = parse_text(text),
            5 => self.discharged_at = parse_text(text),
            6 => self.pregnancy_terminated = parse_int(text)?,
            7 => self.termination_cause = parse_text(text),
            8 => self.terminated_at = parse_text(text),
            9 => self.gestational_weeks = parse_int(text)?,
            10 => self.discharge_diagnosis = parse_text(text),
            11 => self.treatment_methods = parse_text(text),
            12 => self.note = parse_text(text),
            13 => self.head_of_facility_id = parse_text(text),
            14 => self.doctor_id = parse_text(text),
            15 => self.doctor_name = parse_text(text),
            16 => self.issued_on = parse_text(text),
            17 => self.father_id = parse_text(text),
            18 => self.mother_id = parse_text(text),
            19 => self.temporary_card = parse_text(text),
            20 => self.father_name = parse_text(text),
            21 => self.mother_name = parse_text(text),
            22 => self.leave_days = parse_int(text)?,
            23 => self.outpatient_from = parse_text(text),
            24 => self.outpatient_to = parse_text(text),
            25 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
