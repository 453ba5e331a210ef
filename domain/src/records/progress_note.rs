//! One clinical progress note (XML5, `CHI_TIET_DIEN_BIEN_BENH`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// One clinical progress note (XML5, `CHI_TIET_DIEN_BIEN_BENH`).
    pub struct ProgressNote: Xml5 {
        /// `MA_LK`: treatment-episode key, the same in every table of one episode.
        episode_key: text = "MA_LK",
        /// `STT`: sequence number, from 1.
        seq: int = "STT",
        /// `DIEN_BIEN_LS`: clinical progress.
        progress: text = "DIEN_BIEN_LS",
        /// `GIAI_DOAN_BENH`: disease stage.
        disease_stage: text = "GIAI_DOAN_BENH",
        /// `HOI_CHAN`: consultation result.
        consultation: text = "HOI_CHAN",
        /// `PHAU_THUAT`: surgery or procedure.
        surgery: text = "PHAU_THUAT",
        /// `THOI_DIEM_DBLS`: note time `yyyyMMddHHmm`.
        noted_at: text = "THOI_DIEM_DBLS",
        /// `NGUOI_THUC_HIEN`: performing staff code(s).
        performer_codes: text = "NGUOI_THUC_HIEN",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
