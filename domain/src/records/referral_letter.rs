//! Referral letter to another facility (XML13, `CHI_TIEU_GIAYCHUYENTUYEN`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API. QĐ 3176 renamed three of them
//! (`MA_CSKCB_DI`, `MA_CSKCB_DEN`, `TINH_TRANG_CT`), taken as aliases, and removed `TEN_DICH_VU`
//! and `TEN_THUOC`, which the writer leaves out under that profile.

use super::prelude::*;

record! {
    /// Referral letter to another facility (XML13, `CHI_TIEU_GIAYCHUYENTUYEN`).
    pub struct ReferralLetter: Xml13 {
        /// `MA_LK`: treatment-episode key, the same in every table of one episode.
        episode_key: text = "MA_LK",
        /// `SO_HOSO`: record number.
        record_number: text = "SO_HOSO",
        /// `SO_CHUYENTUYEN`: referral serial number.
        referral_serial: text = "SO_CHUYENTUYEN",
        /// `GIAY_CHUYEN_TUYEN`: referral letter or re-exam appointment number.
        referral_number: text = "GIAY_CHUYEN_TUYEN",
        /// `MA_CSKCB`: treating facility code (5 characters).
        facility_code: text = "MA_CSKCB",
        /// `MA_NOI_DI` (QĐ 3176: `MA_CSKCB_DI`): referring facility code(s), `;`-separated under 3176.
        referred_from: text = "MA_NOI_DI" | "MA_CSKCB_DI",
        /// `MA_NOI_DEN` (QĐ 3176: `MA_CSKCB_DEN`): facility transferred to.
        referred_to: text = "MA_NOI_DEN" | "MA_CSKCB_DEN",
        /// `HO_TEN`: full name.
        full_name: text = "HO_TEN",
        /// `NGAY_SINH`: birth date (`yyyyMMddHHmm`, unknown parts `0000`).
        birth_date: text = "NGAY_SINH",
        /// `GIOI_TINH`: sex: 1 male, 2 female, 3 undetermined.
        sex: int = "GIOI_TINH",
        /// `MA_QUOCTICH`: nationality code.
        nationality_code: text = "MA_QUOCTICH",
        /// `MA_DANTOC`: ethnic-group code.
        ethnicity_code: text = "MA_DANTOC",
        /// `MA_NGHE_NGHIEP`: occupation code.
        occupation_code: text = "MA_NGHE_NGHIEP",
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
        /// `DAU_HIEU_LS`: clinical signs.
        clinical_signs: text = "DAU_HIEU_LS",
        /// `CHAN_DOAN_RV`: discharge diagnosis text.
        discharge_diagnosis: text = "CHAN_DOAN_RV",
        /// `QT_BENHLY`: course of the disease.
        disease_course: text = "QT_BENHLY",
        /// `TOMTAT_KQ`: summary of results.
        results_summary: text = "TOMTAT_KQ",
        /// `PP_DIEUTRI`: treatment methods.
        treatment_methods: text = "PP_DIEUTRI",
        /// `MA_BENH_CHINH`: main diagnosis, ICD-10.
        main_icd10: text = "MA_BENH_CHINH",
        /// `MA_BENH_KT`: secondary diagnoses, ICD-10, `;`-separated.
        secondary_icd10: text = "MA_BENH_KT",
        /// `MA_BENH_YHCT`: traditional-medicine disease codes.
        traditional_medicine_codes: text = "MA_BENH_YHCT",
        /// `TEN_DICH_VU` (removed by QĐ 3176): service name.
        service_name: text = "TEN_DICH_VU",
        /// `TEN_THUOC` (removed by QĐ 3176): drug name.
        drug_name: text = "TEN_THUOC",
        /// `PP_DIEU_TRI` (QĐ 3176: `TINH_TRANG_CT`): the patient's condition at transfer.
        condition_at_transfer: text = "PP_DIEU_TRI" | "TINH_TRANG_CT",
        /// `MA_LOAI_RV`: discharge type 1–5.
        discharge_type: int = "MA_LOAI_RV",
        /// `MA_LYDO_CT`: referral reason.
        referral_reason: int = "MA_LYDO_CT",
        /// `HUONG_DIEU_TRI`: treatment plan.
        treatment_plan: text = "HUONG_DIEU_TRI",
        /// `PHUONGTIEN_VC`: means of transport.
        transport: text = "PHUONGTIEN_VC",
        /// `HOTEN_NGUOI_HT`: escort's name.
        escort_name: text = "HOTEN_NGUOI_HT",
        /// `CHUCDANH_NGUOI_HT`: escort's title.
        escort_title: text = "CHUCDANH_NGUOI_HT",
        /// `MA_BAC_SI`: clinician code(s).
        doctor_codes: text = "MA_BAC_SI",
        /// `MA_TTDV`: health id of the facility head or authorised signer.
        head_of_facility_id: text = "MA_TTDV",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
