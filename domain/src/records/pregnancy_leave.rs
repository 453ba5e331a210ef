//! Pregnancy-rest certificate (XML10, `CHI_TIEU_DU_LIEU_GIAY_NGHI_DUONG_THAI`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// Pregnancy-rest certificate (XML10, `CHI_TIEU_DU_LIEU_GIAY_NGHI_DUONG_THAI`).
    pub struct PregnancyLeaveCertificate: Xml10 {
        /// `MA_LK`: treatment-episode key, the same in every table of one episode.
        episode_key: text = "MA_LK",
        /// `SO_SERI`: serial number.
        serial: text = "SO_SERI",
        /// `SO_CT`: document number.
        document_number: text = "SO_CT",
        /// `SO_NGAY`: number of days.
        days: int = "SO_NGAY",
        /// `DON_VI`: employer or unit.
        employer: text = "DON_VI",
        /// `CHAN_DOAN_RV`: discharge diagnosis text.
        discharge_diagnosis: text = "CHAN_DOAN_RV",
        /// `TU_NGAY`: from date `yyyyMMdd`.
        from_date: text = "TU_NGAY",
        /// `DEN_NGAY`: to date `yyyyMMdd`.
        to_date: text = "DEN_NGAY",
        /// `MA_TTDV`: health id of the facility head or authorised signer.
        head_of_facility_id: text = "MA_TTDV",
        /// `TEN_BS`: doctor name.
        doctor_name: text = "TEN_BS",
        /// `MA_BS`: doctor id.
        doctor_id: text = "MA_BS",
        /// `NGAY_CT`: document date `yyyyMMdd`.
        issued_on: text = "NGAY_CT",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
