//! Sick-leave certificate for social-insurance benefit (XML11, form CT07).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// Sick-leave certificate for social-insurance benefit (XML11, form CT07).
    pub struct SickLeaveCertificate: Xml11 {
        /// `MA_LK`: treatment-episode key, the same in every table of one episode.
        episode_key: text = "MA_LK",
        /// `SO_CT`: document number.
        document_number: text = "SO_CT",
        /// `SO_SERI`: serial number.
        serial: text = "SO_SERI",
        /// `SO_KCB`: visit number.
        visit_number: text = "SO_KCB",
        /// `DON_VI`: employer or unit.
        employer: text = "DON_VI",
        /// `MA_BHXH`: social-insurance id (10 digits).
        social_insurance_id: text = "MA_BHXH",
        /// `MA_THE_BHYT`: insurance card number(s), 15 characters each, `;`-separated.
        card_numbers: text = "MA_THE_BHYT",
        /// `CHAN_DOAN_RV`: discharge diagnosis text.
        discharge_diagnosis: text = "CHAN_DOAN_RV",
        /// `PP_DIEUTRI`: treatment methods.
        treatment_methods: text = "PP_DIEUTRI",
        /// `MA_DINH_CHI_THAI`: `1` when a pregnancy was terminated.
        pregnancy_terminated: int = "MA_DINH_CHI_THAI",
        /// `NGUYENNHAN_DINHCHI`: cause of termination.
        termination_cause: text = "NGUYENNHAN_DINHCHI",
        /// `TUOI_THAI`: gestational age in weeks.
        gestational_weeks: int = "TUOI_THAI",
        /// `SO_NGAY_NGHI`: days of leave.
        leave_days: int = "SO_NGAY_NGHI",
        /// `TU_NGAY`: from date `yyyyMMdd`.
        from_date: text = "TU_NGAY",
        /// `DEN_NGAY`: to date `yyyyMMdd`.
        to_date: text = "DEN_NGAY",
        /// `HO_TEN_CHA`: father's name.
        father_name: text = "HO_TEN_CHA",
        /// `HO_TEN_ME`: mother's name.
        mother_name: text = "HO_TEN_ME",
        /// `MA_TTDV`: health id of the facility head or authorised signer.
        head_of_facility_id: text = "MA_TTDV",
        /// `MA_BS`: doctor id.
        doctor_id: text = "MA_BS",
        /// `NGAY_CT`: document date `yyyyMMdd`.
        issued_on: text = "NGAY_CT",
        /// `MA_THE_TAM`: temporary card number.
        temporary_card: text = "MA_THE_TAM",
        /// `MAU_SO`: form code (CT07).
        form_code: text = "MAU_SO",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
