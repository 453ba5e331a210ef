//! Discharge certificate (XML7, `CHI_TIEU_DU_LIEU_GIAY_RA_VIEN`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// Discharge certificate (XML7, `CHI_TIEU_DU_LIEU_GIAY_RA_VIEN`).
    pub struct DischargeCertificate: Xml7 {
        /// `MA_LK`: treatment-episode key, the same in every table of one episode.
        episode_key: text = "MA_LK",
        /// `SO_LUU_TRU`: archive number.
        archive_number: text = "SO_LUU_TRU",
        /// `MA_YTE`: health record id.
        health_record_id: text = "MA_YTE",
        /// `MA_KHOA_RV`: discharging department.
        discharge_department: text = "MA_KHOA_RV",
        /// `NGAY_VAO`: arrival time `yyyyMMddHHmm`.
        admitted_at: text = "NGAY_VAO",
        /// `NGAY_RA`: end of treatment `yyyyMMddHHmm`.
        discharged_at: text = "NGAY_RA",
        /// `MA_DINH_CHI_THAI`: `1` when a pregnancy was terminated.
        pregnancy_terminated: int = "MA_DINH_CHI_THAI",
        /// `NGUYENNHAN_DINHCHI`: cause of termination.
        termination_cause: text = "NGUYENNHAN_DINHCHI",
        /// `THOIGIAN_DINHCHI`: termination time.
        terminated_at: text = "THOIGIAN_DINHCHI",
        /// `TUOI_THAI`: gestational age in weeks.
        gestational_weeks: int = "TUOI_THAI",
        /// `CHAN_DOAN_RV`: discharge diagnosis text.
        discharge_diagnosis: text = "CHAN_DOAN_RV",
        /// `PP_DIEUTRI`: treatment methods.
        treatment_methods: text = "PP_DIEUTRI",
        /// `GHI_CHU`: note.
        note: text = "GHI_CHU",
        /// `MA_TTDV`: health id of the facility head or authorised signer.
        head_of_facility_id: text = "MA_TTDV",
        /// `MA_BS`: doctor id.
        doctor_id: text = "MA_BS",
        /// `TEN_BS`: doctor name.
        doctor_name: text = "TEN_BS",
        /// `NGAY_CT`: document date `yyyyMMdd`.
        issued_on: text = "NGAY_CT",
        /// `MA_CHA`: father's insurance id.
        father_id: text = "MA_CHA",
        /// `MA_ME`: mother's insurance id.
        mother_id: text = "MA_ME",
        /// `MA_THE_TAM`: temporary card number.
        temporary_card: text = "MA_THE_TAM",
        /// `HO_TEN_CHA`: father's name.
        father_name: text = "HO_TEN_CHA",
        /// `HO_TEN_ME`: mother's name.
        mother_name: text = "HO_TEN_ME",
        /// `SO_NGAY_NGHI`: days of leave.
        leave_days: int = "SO_NGAY_NGHI",
        /// `NGOAITRU_TUNGAY`: outpatient treatment from.
        outpatient_from: text = "NGOAITRU_TUNGAY",
        /// `NGOAITRU_DENNGAY`: outpatient treatment to.
        outpatient_to: text = "NGOAITRU_DENNGAY",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
