//! Tuberculosis treatment record (XML15, `CHITIET_DIEUTRI_BENHLAO`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// Tuberculosis treatment record (XML15, `CHITIET_DIEUTRI_BENHLAO`).
    pub struct TuberculosisTreatment: Xml15 {
        /// `MA_LK`: treatment-episode key, the same in every table of one episode.
        episode_key: text = "MA_LK",
        /// `STT`: sequence number, from 1.
        seq: int = "STT",
        /// `MA_BN`: patient id assigned by the facility.
        patient_id: text = "MA_BN",
        /// `HO_TEN`: full name.
        full_name: text = "HO_TEN",
        /// `SO_CCCD`: citizen-id, old id or passport number.
        citizen_id: text = "SO_CCCD",
        /// `PHANLOAI_LAO_VITRI`: TB classification by site.
        tb_site_class: int = "PHANLOAI_LAO_VITRI",
        /// `PHANLOAI_LAO_TS`: TB classification by history.
        tb_history_class: int = "PHANLOAI_LAO_TS",
        /// `PHANLOAI_LAO_HIV`: TB classification by HIV status.
        tb_hiv_class: int = "PHANLOAI_LAO_HIV",
        /// `PHANLOAI_LAO_VK`: TB classification by bacteriology.
        tb_bacteriology_class: int = "PHANLOAI_LAO_VK",
        /// `PHANLOAI_LAO_KT`: TB classification by drug resistance.
        tb_resistance_class: int = "PHANLOAI_LAO_KT",
        /// `LOAI_DTRI_LAO`: tuberculosis treatment type.
        tb_treatment_type: int = "LOAI_DTRI_LAO",
        /// `NGAYBD_DTRI_LAO`: tuberculosis treatment start.
        tb_started_on: text = "NGAYBD_DTRI_LAO",
        /// `PHACDO_DTRI_LAO`: tuberculosis regimen.
        tb_regimen: int = "PHACDO_DTRI_LAO",
        /// `NGAYKT_DTRI_LAO`: tuberculosis treatment end.
        tb_ended_on: text = "NGAYKT_DTRI_LAO",
        /// `KET_QUA_DTRI_LAO`: TB treatment outcome.
        tb_outcome: int = "KET_QUA_DTRI_LAO",
        /// `MA_CSKCB`: treating facility code (5 characters).
        facility_code: text = "MA_CSKCB",
        /// `NGAYKD_HIV`: HIV confirmation date.
        hiv_confirmed_on: text = "NGAYKD_HIV",
        /// `BDDT_ARV`: ARV start date.
        arv_started_on: text = "BDDT_ARV",
        /// `NGAY_BAT_DAU_DT_CTX`: co-trimoxazole start date.
        ctx_started_on: text = "NGAY_BAT_DAU_DT_CTX",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
