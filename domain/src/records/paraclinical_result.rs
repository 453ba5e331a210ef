//! One paraclinical (lab or imaging) result indicator (XML4, `CHI_TIET_CLS`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// One paraclinical (lab or imaging) result indicator (XML4, `CHI_TIET_CLS`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParaclinicalResult {
    /// `MA_LK`: treatment-episode key, the same in every table of one episode.
    #[serde(rename = "MA_LK", default, skip_serializing_if = "Option::is_none")]
    pub episode_key: Option<String>,
    /// `STT`: sequence number, from 1.
    #[serde(rename = "STT", default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u32>,
    /// `MA_DICH_VU`: service code.
    #[serde(rename = "MA_DICH_VU", default, skip_serializing_if = "Option::is_none")]
    pub service_code: Option<String>,
    /// `MA_CHI_SO`: indicator code.
    #[serde(rename = "MA_CHI_SO", default, skip_serializing_if = "Option::is_none")]
    pub indicator_code: Option<String>,
    /// `TEN_CHI_SO`: indicator name.
    #[serde(rename = "TEN_CHI_SO", default, skip_serializing_if = "Option::is_none")]
    pub indicator_name: Option<String>,
    /// `GIA_TRI`: result value.
    #[serde(rename = "GIA_TRI", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `DON_VI_DO`: unit of measure.
    #[serde(rename = "DON_VI_DO", default, skip_serializing_if = "Option::is_none")]
    pub unit_of_measure: Option<String>,
    /// `MO_TA`: reader's description.
    #[serde(rename = "MO_TA", default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `KET_LUAN`: reader's conclusion.
    #[serde(rename = "KET_LUAN", default, skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<String>,
    /// `NGAY_KQ`: result time `yyyyMMddHHmm`.
    #[serde(rename = "NGAY_KQ", default, skip_serializing_if = "Option::is_none")]
    pub result_at: Option<String>,
    /// `MA_BS_DOC_KQ`: health id of the reading clinician.
    #[serde(rename = "MA_BS_DOC_KQ", default, skip_serializing_if = "Option::is_none")]
    pub reader_id: Option<String>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for ParaclinicalResult {
    fn table(&self) -> Table {
        Table::Xml4
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::int(self.seq));
        visit(FieldValue::text(&self.service_code));
        visit(FieldValue::text(&self.indicator_code));
        visit(FieldValue::text(&self.indicator_name));
        visit(FieldValue::text(&self.value));
        visit(FieldValue::text(&self.unit_of_measure));
        visit(FieldValue::text(&self.description));
        visit(FieldValue::text(&self.conclusion));
        visit(FieldValue::text(&self.result_at));
        visit(FieldValue::text(&self.reader_id));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.episode_key = parse_text(text),
            1 => self.seq = parse_int(text)?,
            2 => self.service_code = parse_text(text),
            3 => self.indicator_code = parse_text(text),
            4 => self.indicator_name = parse_text(text),
            5 => self.value = parse_text(text),
            6 => self.unit_of_measure = parse_text(text),
            7 => self.description = parse_text(text),
            8 => self.conclusion = parse_text(text),
            9 => self.result_at = parse_text(text),
            10 => self.reader_id = parse_text(text),
            11 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
