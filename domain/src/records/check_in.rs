//! Check-in status message (XML0, `TRANG_THAI_KCB`): the patient has started receiving care.
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// Check-in status message (XML0, `TRANG_THAI_KCB`): the patient has started receiving care.
    pub struct CheckIn: CheckIn {
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
        /// `NGAY_SINH`: birth date (`yyyyMMddHHmm`, unknown parts `0000`).
        birth_date: text = "NGAY_SINH",
        /// `GIOI_TINH`: sex: 1 male, 2 female, 3 undetermined.
        sex: int = "GIOI_TINH",
        /// `MA_THE_BHYT`: insurance card number(s), 15 characters each, `;`-separated.
        card_numbers: text = "MA_THE_BHYT",
        /// `MA_DKBD`: registered primary-care facility code(s), parallel to the cards.
        primary_care_facilities: text = "MA_DKBD",
        /// `GT_THE_TU`: card valid-from date(s) `yyyyMMdd`, parallel to the cards.
        card_valid_from: text = "GT_THE_TU",
        /// `GT_THE_DEN`: card valid-to date(s) `yyyyMMdd`, parallel to the cards.
        card_valid_to: text = "GT_THE_DEN",
        /// `MA_DOITUONG_KCB`: visit object / route code (1.1, 2, 3.6 …).
        visit_route: text = "MA_DOITUONG_KCB",
        /// `NGAY_VAO`: arrival time `yyyyMMddHHmm`.
        admitted_at: text = "NGAY_VAO",
        /// `NGAY_VAO_NOI_TRU`: inpatient-admission time `yyyyMMddHHmm`.
        inpatient_admitted_at: text = "NGAY_VAO_NOI_TRU",
        /// `LY_DO_VNT`: reason for inpatient admission.
        inpatient_reason: text = "LY_DO_VNT",
        /// `MA_LY_DO_VNT`: inpatient-admission reason code.
        inpatient_reason_code: text = "MA_LY_DO_VNT",
        /// `MA_LOAI_KCB`: visit type 01–09.
        visit_type: text = "MA_LOAI_KCB",
        /// `MA_CSKCB`: treating facility code (5 characters).
        facility_code: text = "MA_CSKCB",
        /// `MA_DICH_VU`: service code.
        service_code: text = "MA_DICH_VU",
        /// `TEN_DICH_VU`: service name.
        service_name: text = "TEN_DICH_VU",
        /// `MA_THUOC`: drug (active-ingredient) code.
        drug_code: text = "MA_THUOC",
        /// `TEN_THUOC`: drug name.
        drug_name: text = "TEN_THUOC",
        /// `MA_VAT_TU`: medical-supply code.
        supply_code: text = "MA_VAT_TU",
        /// `TEN_VAT_TU`: medical-supply name.
        supply_name: text = "TEN_VAT_TU",
        /// `NGAY_YL`: order time `yyyyMMddHHmm`.
        ordered_at: text = "NGAY_YL",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
