//! HIV/AIDS care and treatment record (XML6).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// HIV/AIDS care and treatment record (XML6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HivCareRecord {
    /// `MA_LK`: treatment-episode key, the same in every table of one episode.
    #[serde(rename = "MA_LK", default, skip_serializing_if = "Option::is_none")]
    pub episode_key: Option<String>,
    /// `MA_THE_BHYT`: insurance card number(s), 15 characters each, `;`-separated.
    #[serde(rename = "MA_THE_BHYT", default, skip_serializing_if = "Option::is_none")]
    pub card_numbers: Option<String>,
    /// `SO_CCCD`: citizen-id, old id or passport number.
    #[serde(rename = "SO_CCCD", default, skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
    /// `NGAY_SINH`: birth date (`yyyyMMddHHmm`, unknown parts `0000`).
    #[serde(rename = "NGAY_SINH", default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// `GIOI_TINH`: sex: 1 male, 2 female, 3 undetermined.
    #[serde(rename = "GIOI_TINH", default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<u32>,
    /// `DIA_CHI`: residence address.
    #[serde(rename = "DIA_CHI", default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// `MATINH_CU_TRU`: province code of residence.
    #[serde(rename = "MATINH_CU_TRU", default, skip_serializing_if = "Option::is_none")]
    pub province_code: Option<String>,
    /// `MAHUYEN_CU_TRU`: district code of residence.
    #[serde(rename = "MAHUYEN_CU_TRU", default, skip_serializing_if = "Option::is_none")]
    pub district_code: Option<String>,
    /// `MAXA_CU_TRU`: commune code of residence.
    #[serde(rename = "MAXA_CU_TRU", default, skip_serializing_if = "Option::is_none")]
    pub commune_code: Option<String>,
    /// `NGAYKD_HIV`: HIV confirmation date.
    #[serde(rename = "NGAYKD_HIV", default, skip_serializing_if = "Option::is_none")]
    pub hiv_confirmed_on: Option<String>,
    /// `NOI_LAY_MAU_XN`: sampling site.
    #[serde(rename = "NOI_LAY_MAU_XN", default, skip_serializing_if = "Option::is_none")]
    pub sample_site: Option<String>,
    /// `NOI_XN_KD`: confirming laboratory.
    #[serde(rename = "NOI_XN_KD", default, skip_serializing_if = "Option::is_none")]
    pub confirming_lab: Option<String>,
    /// `NOI_BDDT_ARV`: facility where ARV treatment started.
    #[serde(rename = "NOI_BDDT_ARV", default, skip_serializing_if = "Option::is_none")]
    pub arv_start_site: Option<String>,
    /// `BDDT_ARV`: ARV start date.
    #[serde(rename = "BDDT_ARV", default, skip_serializing_if = "Option::is_none")]
    pub arv_started_on: Option<String>,
    /// `MA_PHAC_DO_DIEU_TRI_BD`: initial regimen code.
    #[serde(rename = "MA_PHAC_DO_DIEU_TRI_BD", default, skip_serializing_if = "Option::is_none")]
    pub initial_regimen: Option<String>,
    /// `MA_BAC_PHAC_DO_BD`: initial regimen line.
    #[serde(rename = "MA_BAC_PHAC_DO_BD", default, skip_serializing_if = "Option::is_none")]
    pub initial_regimen_line: Option<u32>,
    /// `MA_LYDO_DTRI`: treatment reason code.
    #[serde(rename = "MA_LYDO_DTRI", default, skip_serializing_if = "Option::is_none")]
    pub treatment_reason: Option<u32>,
    /// `LOAI_DTRI_LAO`: tuberculosis treatment type.
    #[serde(rename = "LOAI_DTRI_LAO", default, skip_serializing_if = "Option::is_none")]
    pub tb_treatment_type: Option<u32>,
    /// `SANG_LOC_LAO`: tuberculosis screening.
    #[serde(rename = "SANG_LOC_LAO", default, skip_serializing_if = "Option::is_none")]
    pub tb_screening: Option<u32>,
    /// `PHACDO_DTRI_LAO`: tuberculosis regimen.
    #[serde(rename = "PHACDO_DTRI_LAO", default, skip_serializing_if = "Option::is_none")]
    pub tb_regimen: Option<u32>,
    /// `NGAYBD_DTRI_LAO`: tuberculosis treatment start.
    #[serde(rename = "NGAYBD_DTRI_LAO", default, skip_serializing_if = "Option::is_none")]
    pub tb_started_on: Option<String>,
    /// `NGAYKT_DTRI_LAO`: tuberculosis treatment end.
    #[serde(rename = "NGAYKT_DTRI_LAO", default, skip_serializing_if = "Option::is_none")]
    pub tb_ended_on: Option<String>,
    /// `KQ_DTRI_LAO`: tuberculosis treatment result.
    #[serde(rename = "KQ_DTRI_LAO", default, skip_serializing_if = "Option::is_none")]
    pub tb_result: Option<u32>,
    /// `MA_LYDO_XNTL_VR`: viral-load test reason.
    #[serde(rename = "MA_LYDO_XNTL_VR", default, skip_serializing_if = "Option::is_none")]
    pub viral_load_reason: Option<u32>,
    /// `NGAY_XN_TLVR`: viral-load test date.
    #[serde(rename = "NGAY_XN_TLVR", default, skip_serializing_if = "Option::is_none")]
    pub viral_load_tested_on: Option<String>,
    /// `KQ_XNTL_VR`: viral-load result.
    #[serde(rename = "KQ_XNTL_VR", default, skip_serializing_if = "Option::is_none")]
    pub viral_load_result: Option<u32>,
    /// `NGAY_KQ_XN_TLVR`: viral-load result date.
    #[serde(rename = "NGAY_KQ_XN_TLVR", default, skip_serializing_if = "Option::is_none")]
    pub viral_load_result_on: Option<String>,
    /// `MA_LOAI_BN`: patient category.
    #[serde(rename = "MA_LOAI_BN", default, skip_serializing_if = "Option::is_none")]
    pub patient_category: Option<u32>,
    /// `GIAI_DOAN_LAM_SANG`: clinical stage.
    #[serde(rename = "GIAI_DOAN_LAM_SANG", default, skip_serializing_if = "Option::is_none")]
    pub clinical_stage: Option<u32>,
    /// `NHOM_DOI_TUONG`: population group.
    #[serde(rename = "NHOM_DOI_TUONG", default, skip_serializing_if = "Option::is_none")]
    pub population_group: Option<u32>,
    /// `MA_TINH_TRANG_DK`: registration status code.
    #[serde(rename = "MA_TINH_TRANG_DK", default, skip_serializing_if = "Option::is_none")]
    pub registration_status: Option<String>,
    /// `LAN_XN_PCR`: PCR test number.
    #[serde(rename = "LAN_XN_PCR", default, skip_serializing_if = "Option::is_none")]
    pub pcr_test_number: Option<u32>,
    /// `NGAY_XN_PCR`: PCR test date.
    #[serde(rename = "NGAY_XN_PCR", default, skip_serializing_if = "Option::is_none")]
    pub pcr_tested_on: Option<String>,
    /// `NGAY_KQ_XN_PCR`: PCR result date.
    #[serde(rename = "NGAY_KQ_XN_PCR", default, skip_serializing_if = "Option::is_none")]
    pub pcr_result_on: Option<String>,
    /// `MA_KQ_XN_PCR`: PCR result code.
    #[serde(rename = "MA_KQ_XN_PCR", default, skip_serializing_if = "Option::is_none")]
    pub pcr_result: Option<u32>,
    /// `NGAY_NHAN_TT_MANG_THAI`: pregnancy reported date.
    #[serde(rename = "NGAY_NHAN_TT_MANG_THAI", default, skip_serializing_if = "Option::is_none")]
    pub pregnancy_reported_on: Option<String>,
    /// `NGAY_BAT_DAU_DT_CTX`: co-trimoxazole start date.
    #[serde(rename = "NGAY_BAT_DAU_DT_CTX", default, skip_serializing_if = "Option::is_none")]
    pub ctx_started_on: Option<String>,
    /// `MA_XU_TRI`: intervention code.
    #[serde(rename = "MA_XU_TRI", default, skip_serializing_if = "Option::is_none")]
    pub intervention_code: Option<String>,
    /// `NGAY_BAT_DAU_XU_TRI`: intervention start date.
    #[serde(rename = "NGAY_BAT_DAU_XU_TRI", default, skip_serializing_if = "Option::is_none")]
    pub intervention_started_on: Option<String>,
    /// `NGAY_KET_THUC_XU_TRI`: intervention end date.
    #[serde(rename = "NGAY_KET_THUC_XU_TRI", default, skip_serializing_if = "Option::is_none")]
    pub intervention_ended_on: Option<String>,
    /// `MA_PHAC_DO_DIEU_TRI`: regimen code.
    #[serde(rename = "MA_PHAC_DO_DIEU_TRI", default, skip_serializing_if = "Option::is_none")]
    pub regimen: Option<String>,
    /// `MA_BAC_PHAC_DO`: regimen line.
    #[serde(rename = "MA_BAC_PHAC_DO", default, skip_serializing_if = "Option::is_none")]
    pub regimen_line: Option<u32>,
    /// `SO_NGAY_CAP_THUOC_ARV`: ARV days supplied.
    #[serde(rename = "SO_NGAY_CAP_THUOC_ARV", default, skip_serializing_if = "Option::is_none")]
    pub arv_days_supplied: Option<u32>,
    /// `NGAY_CHUYEN_PHAC_DO`: regimen change date.
    #[serde(rename = "NGAY_CHUYEN_PHAC_DO", default, skip_serializing_if = "Option::is_none")]
    pub regimen_changed_on: Option<String>,
    /// `LY_DO_CHUYEN_PHAC_DO`: regimen change reason.
    #[serde(rename = "LY_DO_CHUYEN_PHAC_DO", default, skip_serializing_if = "Option::is_none")]
    pub regimen_change_reason: Option<u32>,
    /// `MA_CSKCB`: treating facility code (5 characters).
    #[serde(rename = "MA_CSKCB", default, skip_serializing_if = "Option::is_none")]
    pub facility_code: Option<String>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for HivCareRecord {
    fn table(&self) -> Table {
        Table::Xml6
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::text(&self.card_numbers));
        visit(FieldValue::text(&self.citizen_id));
        visit(FieldValue::text(&self.birth_date));
        visit(FieldValue::int(self.sex));
        visit(FieldValue::text(&self.address));
        visit(FieldValue::text(&self.province_code));
        visit(FieldValue::text(&self.district_code));
        visit(FieldValue::text(&self.commune_code));
        visit(FieldValue::text(&self.hiv_confirmed_on));
        visit(FieldValue::text(&self.sample_site));
        visit(FieldValue::text(&self.confirming_lab));
        visit(FieldValue::text(&self.arv_start_site));
        visit(FieldValue::text(&self.arv_started_on));
        visit(FieldValue::text(&self.initial_regimen));
        visit(FieldValue::int(self.initial_regimen_line));
        visit(FieldValue::int(self.treatment_reason));
        visit(FieldValue::int(self.tb_treatment_type));
        visit(FieldValue::int(self.tb_screening));
        visit(FieldValue::int(self.tb_regimen));
        visit(FieldValue::text(&self.tb_started_on));
        visit(FieldValue::text(&self.tb_ended_on));
        visit(FieldValue::int(self.tb_result));
        visit(FieldValue::int(self.viral_load_reason));
        visit(FieldValue::text(&self.viral_load_tested_on));
        visit(FieldValue::int(self.viral_load_result));
        visit(FieldValue::text(&self.viral_load_result_on));
        visit(FieldValue::int(self.patient_category));
        visit(FieldValue::int(self.clinical_stage));
        visit(FieldValue::int(self.population_group));
        visit(FieldValue::text(&self.registration_status));
        visit(FieldValue::int(self.pcr_test_number));
        visit(FieldValue::text(&self.pcr_tested_on));
        visit(FieldValue::text(&self.pcr_result_on));
        visit(FieldValue::int(self.pcr_result));
        visit(FieldValue::text(&self.pregnancy_reported_on));
        visit(FieldValue::text(&self.ctx_started_on));
        visit(FieldValue::text(&self.intervention_code));
        visit(FieldValue::text(&self.intervention_started_on));
        visit(FieldValue::text(&self.intervention_ended_on));
        visit(FieldValue::text(&self.regimen));
        visit(FieldValue::int(self.regimen_line));
        visit(FieldValue::int(self.arv_days_supplied));
        visit(FieldValue::text(&self.regimen_changed_on));
        visit(FieldValue::int(self.regimen_change_reason));
        visit(FieldValue::text(&self.facility_code));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.episode_key = parse_text(text),
            1 => self.card_numbers = parse_text(text),
            2 => self.citizen_id = parse_text(text),
            3 => self.birth_date = parse_text(text),
            4 => self.sex = parse_int(text)?,
            5 => self.address = parse_text(text),
            6 => self.province_code = parse_text(text),
            7 => self.district_code = parse_text(text),
            8 => self.commune_code = parse_text(text),
            9 => self.hiv_confirmed_on = parse_text(text),
            10 => self.sample_site = parse_text(text),
            11 => self.confirming_lab = parse_text(text),
            12 => self.arv_start_site = parse_text(text),
            13 => self.arv_started_on = parse_text(text),
            14 => self.initial_regimen = parse_text(text),
            15 => self.initial_regimen_line = parse_int(text)?,
            16 => self.treatment_reason = parse_int(text)?,
            17 => self.tb_treatment_type = parse_int(text)?,
            18 => self.tb_screening = parse_int(text)?,
            19 => self.tb_regimen = parse_int(text)?,
            20 => self.tb_started_on = parse_text(text),
            21 => self.tb_ended_on = parse_text(text),
            22 => self.tb_result = parse_int(text)?,
            23 => self.viral_load_reason = parse_int(text)?,
            24 => self.viral_load_tested_on = parse_text(text),
            25 => self.viral_load_result = parse_int(text)?,
            26 => self.viral_load_result_on = parse_text(text),
            27 => self.patient_category = parse_int(text)?,
            28 => self.clinical_stage = parse_int(text)?,
            29 => self.population_group = parse_int(text)?,
            30 => self.registration_status = parse_text(text),
            31 => self.pcr_test_number = parse_int(text)?,
            32 => self.pcr_tested_on = parse_text(text),
            33 => self.pcr_result_on = parse_text(text),
            34 => self.pcr_result = parse_int(text)?,
            35 => self.pregnancy_reported_on = parse_text(text),
            36 => self.ctx_started_on = parse_text(text),
            37 => self.intervention_code = parse_text(text),
            38 => self.intervention_started_on = parse_text(text),
            39 => self.intervention_ended_on = parse_text(text),
            40 => self.regimen = parse_text(text),
            41 => self.regimen_line = parse_int(text)?,
            42 => self.arv_days_supplied = parse_int(text)?,
            43 => self.regimen_changed_on = parse_text(text),
            44 => self.regimen_change_reason = parse_int(text)?,
            45 => self.facility_code = parse_text(text),
            46 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
