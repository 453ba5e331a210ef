//! One paraclinical (lab or imaging) result indicator (XML4, `CHI_TIET_CLS`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// One paraclinical (lab or imaging) result indicator (XML4, `CHI_TIET_CLS`).
    pub struct ParaclinicalResult: Xml4 {
        /// `MA_LK`: treatment-episode key, the same in every table of one episode.
        episode_key: text = "MA_LK",
        /// `STT`: sequence number, from 1.
        seq: int = "STT",
        /// `MA_DICH_VU`: service code.
        service_code: text = "MA_DICH_VU",
        /// `MA_CHI_SO`: indicator code.
        indicator_code: text = "MA_CHI_SO",
        /// `TEN_CHI_SO`: indicator name.
        indicator_name: text = "TEN_CHI_SO",
        /// `GIA_TRI`: result value.
        value: text = "GIA_TRI",
        /// `DON_VI_DO`: unit of measure.
        unit_of_measure: text = "DON_VI_DO",
        /// `MO_TA`: reader's description.
        description: text = "MO_TA",
        /// `KET_LUAN`: reader's conclusion.
        conclusion: text = "KET_LUAN",
        /// `NGAY_KQ`: result time `yyyyMMddHHmm`.
        result_at: text = "NGAY_KQ",
        /// `MA_BS_DOC_KQ`: health id of the reading clinician.
        reader_id: text = "MA_BS_DOC_KQ",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
