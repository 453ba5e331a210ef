//! Re-examination appointment (XML14, `CHI_TIEU_GIAYHEN_KHAMLAI`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// Re-examination appointment (XML14, `CHI_TIEU_GIAYHEN_KHAMLAI`).
    pub struct ReexamAppointment: Xml14 {
        /// `MA_LK`: treatment-episode key, the same in every table of one episode.
        episode_key: text = "MA_LK",
        /// `SO_GIAYHEN_KL`: appointment number.
        appointment_number: text = "SO_GIAYHEN_KL",
        /// `MA_CSKCB`: treating facility code (5 characters).
        facility_code: text = "MA_CSKCB",
        /// `HO_TEN`: full name.
        full_name: text = "HO_TEN",
        /// `NGAY_SINH`: birth date (`yyyyMMddHHmm`, unknown parts `0000`).
        birth_date: text = "NGAY_SINH",
        /// `GIOI_TINH`: sex: 1 male, 2 female, 3 undetermined.
        sex: int = "GIOI_TINH",
        /// `DIA_CHI`: residence address.
        address: text = "DIA_CHI",
        /// `MA_THE_BHYT`: insurance card number(s), 15 characters each, `;`-separated.
        card_numbers: text = "MA_THE_BHYT",
        /// `GT_THE_DEN`: card valid-to date(s) `yyyyMMdd`, parallel to the cards.
        card_valid_to: text = "GT_THE_DEN",
        /// `NGAY_VAO`: arrival time `yyyyMMddHHmm`.
        admitted_at: text = "NGAY_VAO",
        /// `NGAY_VAO_NOI_TRU`: inpatient-admission time `yyyyMMddHHmm`.
        inpatient_admitted_at: text = "NGAY_VAO_NOI_TRU",
        /// `NGAY_RA`: end of treatment `yyyyMMddHHmm`.
        discharged_at: text = "NGAY_RA",
        /// `NGAY_HEN_KL`: re-examination date.
        reexam_on: text = "NGAY_HEN_KL",
        /// `CHAN_DOAN_RV`: discharge diagnosis text.
        discharge_diagnosis: text = "CHAN_DOAN_RV",
        /// `MA_BENH_CHINH`: main diagnosis, ICD-10.
        main_icd10: text = "MA_BENH_CHINH",
        /// `MA_BENH_KT`: secondary diagnoses, ICD-10, `;`-separated.
        secondary_icd10: text = "MA_BENH_KT",
        /// `MA_BENH_YHCT`: traditional-medicine disease codes.
        traditional_medicine_codes: text = "MA_BENH_YHCT",
        /// `MA_DOITUONG_KCB`: visit object / route code (1.1, 2, 3.6 …).
        visit_route: text = "MA_DOITUONG_KCB",
        /// `MA_BAC_SI`: clinician code(s).
        doctor_codes: text = "MA_BAC_SI",
        /// `MA_TTDV`: health id of the facility head or authorised signer.
        head_of_facility_id: text = "MA_TTDV",
        /// `NGAY_CT`: document date `yyyyMMdd`.
        issued_on: text = "NGAY_CT",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
