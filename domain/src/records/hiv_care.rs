//! HIV/AIDS care and treatment record (XML6).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// HIV/AIDS care and treatment record (XML6).
    pub struct HivCareRecord: Xml6 {
        /// `MA_LK`: treatment-episode key, the same in every table of one episode.
        episode_key: text = "MA_LK",
        /// `MA_THE_BHYT`: insurance card number(s), 15 characters each, `;`-separated.
        card_numbers: text = "MA_THE_BHYT",
        /// `SO_CCCD`: citizen-id, old id or passport number.
        citizen_id: text = "SO_CCCD",
        /// `NGAY_SINH`: birth date (`yyyyMMddHHmm`, unknown parts `0000`).
        birth_date: text = "NGAY_SINH",
        /// `GIOI_TINH`: sex: 1 male, 2 female, 3 undetermined.
        sex: int = "GIOI_TINH",
        /// `DIA_CHI`: residence address.
        address: text = "DIA_CHI",
        /// `MATINH_CU_TRU`: province code of residence.
        province_code: text = "MATINH_CU_TRU",
        /// `MAHUYEN_CU_TRU`: district code of residence.
        district_code: text = "MAHUYEN_CU_TRU",
        /// `MAXA_CU_TRU`: commune code of residence.
        commune_code: text = "MAXA_CU_TRU",
        /// `NGAYKD_HIV`: HIV confirmation date.
        hiv_confirmed_on: text = "NGAYKD_HIV",
        /// `NOI_LAY_MAU_XN`: sampling site.
        sample_site: text = "NOI_LAY_MAU_XN",
        /// `NOI_XN_KD`: confirming laboratory.
        confirming_lab: text = "NOI_XN_KD",
        /// `NOI_BDDT_ARV`: facility where ARV treatment started.
        arv_start_site: text = "NOI_BDDT_ARV",
        /// `BDDT_ARV`: ARV start date.
        arv_started_on: text = "BDDT_ARV",
        /// `MA_PHAC_DO_DIEU_TRI_BD`: initial regimen code.
        initial_regimen: text = "MA_PHAC_DO_DIEU_TRI_BD",
        /// `MA_BAC_PHAC_DO_BD`: initial regimen line.
        initial_regimen_line: int = "MA_BAC_PHAC_DO_BD",
        /// `MA_LYDO_DTRI`: treatment reason code.
        treatment_reason: int = "MA_LYDO_DTRI",
        /// `LOAI_DTRI_LAO`: tuberculosis treatment type.
        tb_treatment_type: int = "LOAI_DTRI_LAO",
        /// `SANG_LOC_LAO`: tuberculosis screening.
        tb_screening: int = "SANG_LOC_LAO",
        /// `PHACDO_DTRI_LAO`: tuberculosis regimen.
        tb_regimen: int = "PHACDO_DTRI_LAO",
        /// `NGAYBD_DTRI_LAO`: tuberculosis treatment start.
        tb_started_on: text = "NGAYBD_DTRI_LAO",
        /// `NGAYKT_DTRI_LAO`: tuberculosis treatment end.
        tb_ended_on: text = "NGAYKT_DTRI_LAO",
        /// `KQ_DTRI_LAO`: tuberculosis treatment result.
        tb_result: int = "KQ_DTRI_LAO",
        /// `MA_LYDO_XNTL_VR`: viral-load test reason.
        viral_load_reason: int = "MA_LYDO_XNTL_VR",
        /// `NGAY_XN_TLVR`: viral-load test date.
        viral_load_tested_on: text = "NGAY_XN_TLVR",
        /// `KQ_XNTL_VR`: viral-load result.
        viral_load_result: int = "KQ_XNTL_VR",
        /// `NGAY_KQ_XN_TLVR`: viral-load result date.
        viral_load_result_on: text = "NGAY_KQ_XN_TLVR",
        /// `MA_LOAI_BN`: patient category.
        patient_category: int = "MA_LOAI_BN",
        /// `GIAI_DOAN_LAM_SANG`: clinical stage.
        clinical_stage: int = "GIAI_DOAN_LAM_SANG",
        /// `NHOM_DOI_TUONG`: population group.
        population_group: int = "NHOM_DOI_TUONG",
        /// `MA_TINH_TRANG_DK`: registration status code.
        registration_status: text = "MA_TINH_TRANG_DK",
        /// `LAN_XN_PCR`: PCR test number.
        pcr_test_number: int = "LAN_XN_PCR",
        /// `NGAY_XN_PCR`: PCR test date.
        pcr_tested_on: text = "NGAY_XN_PCR",
        /// `NGAY_KQ_XN_PCR`: PCR result date.
        pcr_result_on: text = "NGAY_KQ_XN_PCR",
        /// `MA_KQ_XN_PCR`: PCR result code.
        pcr_result: int = "MA_KQ_XN_PCR",
        /// `NGAY_NHAN_TT_MANG_THAI`: pregnancy reported date.
        pregnancy_reported_on: text = "NGAY_NHAN_TT_MANG_THAI",
        /// `NGAY_BAT_DAU_DT_CTX`: co-trimoxazole start date.
        ctx_started_on: text = "NGAY_BAT_DAU_DT_CTX",
        /// `MA_XU_TRI`: intervention code.
        intervention_code: text = "MA_XU_TRI",
        /// `NGAY_BAT_DAU_XU_TRI`: intervention start date.
        intervention_started_on: text = "NGAY_BAT_DAU_XU_TRI",
        /// `NGAY_KET_THUC_XU_TRI`: intervention end date.
        intervention_ended_on: text = "NGAY_KET_THUC_XU_TRI",
        /// `MA_PHAC_DO_DIEU_TRI`: regimen code.
        regimen: text = "MA_PHAC_DO_DIEU_TRI",
        /// `MA_BAC_PHAC_DO`: regimen line.
        regimen_line: int = "MA_BAC_PHAC_DO",
        /// `SO_NGAY_CAP_THUOC_ARV`: ARV days supplied.
        arv_days_supplied: int = "SO_NGAY_CAP_THUOC_ARV",
        /// `NGAY_CHUYEN_PHAC_DO`: regimen change date.
        regimen_changed_on: text = "NGAY_CHUYEN_PHAC_DO",
        /// `LY_DO_CHUYEN_PHAC_DO`: regimen change reason.
        regimen_change_reason: int = "LY_DO_CHUYEN_PHAC_DO",
        /// `MA_CSKCB`: treating facility code (5 characters).
        facility_code: text = "MA_CSKCB",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
