//! Tuberculosis treatment record (XML15, `CHITIET_DIEUTRI_BENHLAO`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// Tuberculosis treatment record (XML15, `CHITIET_DIEUTRI_BENHLAO`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TuberculosisTreatment {
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
    /// `PHANLOAI_LAO_VITRI`: TB classification by site.
    #[serde(rename = "PHANLOAI_LAO_VITRI", default, skip_serializing_if = "Option::is_none")]
    pub tb_site_class: Option<u32>,
    /// `PHANLOAI_LAO_TS`: TB classification by history.
    #[serde(rename = "PHANLOAI_LAO_TS", default, skip_serializing_if = "Option::is_none")]
    pub tb_history_class: Option<u32>,
    /// `PHANLOAI_LAO_HIV`: TB classification by HIV status.
    #[serde(rename = "PHANLOAI_LAO_HIV", default, skip_serializing_if = "Option::is_none")]
    pub tb_hiv_class: Option<u32>,
    /// `PHANLOAI_LAO_VK`: TB classification by bacteriology.
    #[serde(rename = "PHANLOAI_LAO_VK", default, skip_serializing_if = "Option::is_none")]
    pub tb_bacteriology_class: Option<u32>,
    /// `PHANLOAI_LAO_KT`: TB classification by drug resistance.
    #[serde(rename = "PHANLOAI_LAO_KT", default, skip_serializing_if = "Option::is_none")]
    pub tb_resistance_class: Option<u32>,
    /// `LOAI_DTRI_LAO`: tuberculosis treatment type.
    #[serde(rename = "LOAI_DTRI_LAO", default, skip_serializing_if = "Option::is_none")]
    pub tb_treatment_type: Option<u32>,
    /// `NGAYBD_DTRI_LAO`: tuberculosis treatment start.
    #[serde(rename = "NGAYBD_DTRI_LAO", default, skip_serializing_if = "Option::is_none")]
    pub tb_started_on: Option<String>,
    /// `PHACDO_DTRI_LAO`: tuberculosis regimen.
    #[serde(rename = "PHACDO_DTRI_LAO", default, skip_serializing_if = "Option::is_none")]
    pub tb_regimen: Option<u32>,
    /// `NGAYKT_DTRI_LAO`: tuberculosis treatment end.
    #[serde(rename = "NGAYKT_DTRI_LAO", default, skip_serializing_if = "Option::is_none")]
    pub tb_ended_on: Option<String>,
    /// `KET_QUA_DTRI_LAO`: TB treatment outcome.
    #[serde(rename = "KET_QUA_DTRI_LAO", default, skip_serializing_if = "Option::is_none")]
    pub tb_outcome: Option<u32>,
    /// `MA_CSKCB`: treating facility code (5 characters).
    #[serde(rename = "MA_CSKCB", default, skip_serializing_if = "Option::is_none")]
    pub facility_code: Option<String>,
    /// `NGAYKD_HIV`: HIV confirmation date.
    #[serde(rename = "NGAYKD_HIV", default, skip_serializing_if = "Option::is_none")]
    pub hiv_confirmed_on: Option<String>,
    /// `BDDT_ARV`: ARV start date.
    #[serde(rename = "BDDT_ARV", default, skip_serializing_if = "Option::is_none")]
    pub arv_started_on: Option<String>,
    /// `NGAY_BAT_DAU_DT_CTX`: co-trimoxazole start date.
    #[serde(rename = "NGAY_BAT_DAU_DT_CTX", default, skip_serializing_if = "Option::is_none")]
    pub ctx_started_on: Option<String>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for TuberculosisTreatment {
    fn table(&self) -> Table {
        Table::Xml15
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::int(self.seq));
        visit(FieldValue::text(&self.patient_id));
        visit(FieldValue::text(&self.full_name));
        visit(FieldValue::text(&self.citizen_id));
        visit(FieldValue::int(self.tb_site_class));
        visit(FieldValue::int(self.tb_history_class));
        visit(FieldValue::int(self.tb_hiv_class));
        visit(FieldValue::int(self.tb_bacteriology_class));
        visit(FieldValue::int(self.tb_resistance_class));
        visit(FieldValue::int(self.tb_treatment_type));
        visit(FieldValue::text(&self.tb_started_on));
        visit(FieldValue::int(self.tb_regimen));
        visit(FieldValue::text(&self.tb_ended_on));
        visit(FieldValue::int(self.tb_outcome));
        visit(FieldValue::text(&self.facility_code));
        visit(FieldValue::text(&self.hiv_confirmed_on));
        visit(FieldValue::text(&self.arv_started_on));
        visit(FieldValue::text(&self.ctx_started_on));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.episode_key = parse_text(text),
            1 => self.seq = parse_int(text)?,
            2 => self.patient_id = parse_text(text),
            3 => self.full_name = parse_text(text),
            4 => self.citizen_id = parse_text(text),
            5 => self.tb_site_class = parse_int(text)?,
            6 => self.tb_history_class = parse_int(text)?,
            7 => self.tb_hiv_class = parse_int(text)?,
            8 => self.tb_bacteriology_class = parse_int(text)?,
            9 => self.tb_resistance_class = parse_int(text)?,
            10 => self.tb_treatment_type = parse_int(text)?,
            11 => self.tb_started_on = parse_text(text),
            12 => self.tb_regimen = parse_int(text)?,
            13 => self.tb_ended_on = parse_text(text),
            14 => self.tb_outcome = parse_int(text)?,
            15 => self.facility_code = parse_text(text),
            16 => self.hiv_confirmed_on = parse_text(text),
            17 => self.arv_started_on = parse_text(text),
            18 => self.ctx_started_on = parse_text(text),
            19 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
