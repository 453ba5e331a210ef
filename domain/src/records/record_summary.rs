//! Medical-record summary (XML8, `CHI_TIEU_DU_LIEU_TOM_TAT_HO_SO_BENH_AN`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// Medical-record summary (XML8, `CHI_TIEU_DU_LIEU_TOM_TAT_HO_SO_BENH_AN`).
    pub struct MedicalRecordSummary: Xml8 {
        /// `MA_LK`: treatment-episode key, the same in every table of one episode.
        episode_key: text = "MA_LK",
        /// `MA_LOAI_KCB`: visit type 01–09.
        visit_type: text = "MA_LOAI_KCB",
        /// `HO_TEN_CHA`: father's name.
        father_name: text = "HO_TEN_CHA",
        /// `HO_TEN_ME`: mother's name.
        mother_name: text = "HO_TEN_ME",
        /// `NGUOI_GIAM_HO`: guardian.
        guardian: text = "NGUOI_GIAM_HO",
        /// `DON_VI`: employer or unit.
        employer: text = "DON_VI",
        /// `NGAY_VAO`: arrival time `yyyyMMddHHmm`.
        admitted_at: text = "NGAY_VAO",
        /// `NGAY_RA`: end of treatment `yyyyMMddHHmm`.
        discharged_at: text = "NGAY_RA",
        /// `CHAN_DOAN_VAO`: preliminary diagnosis at intake.
        admission_diagnosis: text = "CHAN_DOAN_VAO",
        /// `CHAN_DOAN_RV`: discharge diagnosis text.
        discharge_diagnosis: text = "CHAN_DOAN_RV",
        /// `QT_BENHLY`: course of the disease.
        disease_course: text = "QT_BENHLY",
        /// `TOMTAT_KQ`: summary of results.
        results_summary: text = "TOMTAT_KQ",
        /// `PP_DIEUTRI`: treatment methods.
        treatment_methods: text = "PP_DIEUTRI",
        /// `NGAY_SINHCON`: delivery date.
        delivered_on: text = "NGAY_SINHCON",
        /// `NGAY_CONCHET`: date of stillbirth.
        stillbirth_on: text = "NGAY_CONCHET",
        /// `SO_CONCHET`: number of stillbirths.
        stillbirths: int = "SO_CONCHET",
        /// `KET_QUA_DTRI`: treatment outcome 1–8.
        outcome: int = "KET_QUA_DTRI",
        /// `GHI_CHU`: note.
        note: text = "GHI_CHU",
        /// `MA_TTDV`: health id of the facility head or authorised signer.
        head_of_facility_id: text = "MA_TTDV",
        /// `NGAY_CT`: document date `yyyyMMdd`.
        issued_on: text = "NGAY_CT",
        /// `MA_THE_TAM`: temporary card number.
        temporary_card: text = "MA_THE_TAM",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
