//! Birth certificate, one per child (XML9, `DU_LIEU_GIAY_CHUNG_SINH`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// Birth certificate, one per child (XML9, `DU_LIEU_GIAY_CHUNG_SINH`).
    pub struct BirthCertificate: Xml9 {
        /// `MA_LK`: treatment-episode key, the same in every table of one episode.
        episode_key: text = "MA_LK",
        /// `MA_BHXH_NND`: caregiver's social-insurance id.
        mother_social_insurance_id: text = "MA_BHXH_NND",
        /// `MA_THE_NND`: caregiver's card number.
        mother_card: text = "MA_THE_NND",
        /// `HO_TEN_NND`: caregiver's (mother's) name.
        mother_name: text = "HO_TEN_NND",
        /// `NGAYSINH_NND`: caregiver's birth date.
        mother_birth_date: text = "NGAYSINH_NND",
        /// `MA_DANTOC_NND`: caregiver's ethnic-group code.
        mother_ethnicity: text = "MA_DANTOC_NND",
        /// `SO_CCCD_NND`: caregiver's citizen id.
        mother_citizen_id: text = "SO_CCCD_NND",
        /// `NGAYCAP_CCCD_NND`: issue date of the caregiver's citizen id.
        mother_citizen_id_issued_on: text = "NGAYCAP_CCCD_NND",
        /// `NOICAP_CCCD_NND`: issuer of the caregiver's citizen id.
        mother_citizen_id_issued_by: text = "NOICAP_CCCD_NND",
        /// `NOI_CU_TRU_NND`: caregiver's residence.
        mother_residence: text = "NOI_CU_TRU_NND",
        /// `MA_QUOCTICH`: nationality code.
        nationality_code: text = "MA_QUOCTICH",
        /// `MATINH_CU_TRU`: province code of residence.
        province_code: text = "MATINH_CU_TRU",
        /// `MAHUYEN_CU_TRU`: district code of residence.
        district_code: text = "MAHUYEN_CU_TRU",
        /// `MAXA_CU_TRU`: commune code of residence.
        commune_code: text = "MAXA_CU_TRU",
        /// `HO_TEN_CHA`: father's name.
        father_name: text = "HO_TEN_CHA",
        /// `MA_THE_TAM`: temporary card number.
        temporary_card: text = "MA_THE_TAM",
        /// `HO_TEN_CON`: child's name.
        child_name: text = "HO_TEN_CON",
        /// `GIOI_TINH_CON`: child's sex.
        child_sex: int = "GIOI_TINH_CON",
        /// `SO_CON`: number of children.
        children_count: int = "SO_CON",
        /// `LAN_SINH`: birth number.
        birth_number: int = "LAN_SINH",
        /// `SO_CON_SONG`: number of live children.
        live_children: int = "SO_CON_SONG",
        /// `CAN_NANG_CON`: newborn weight(s) in grams.
        newborn_weight_g: number = "CAN_NANG_CON",
        /// `NGAY_SINH_CON`: child's birth time.
        child_born_at: text = "NGAY_SINH_CON",
        /// `NOI_SINH_CON`: child's birth place.
        child_birth_place: text = "NOI_SINH_CON",
        /// `TINH_TRANG_CON`: child's condition.
        child_condition: text = "TINH_TRANG_CON",
        /// `SINHCON_PHAUTHUAT`: `1` for a caesarean delivery.
        caesarean: int = "SINHCON_PHAUTHUAT",
        /// `SINHCON_DUOI32TUAN`: `1` when born before 32 weeks.
        before_32_weeks: int = "SINHCON_DUOI32TUAN",
        /// `GHI_CHU`: note.
        note: text = "GHI_CHU",
        /// `NGUOI_DO_DE`: birth attendant.
        delivered_by: text = "NGUOI_DO_DE",
        /// `NGUOI_GHI_PHIEU`: recorder.
        recorded_by: text = "NGUOI_GHI_PHIEU",
        /// `NGAY_CT`: document date `yyyyMMdd`.
        issued_on: text = "NGAY_CT",
        /// `SO`: certificate number.
        number: text = "SO",
        /// `QUYEN_SO`: certificate book number.
        book_number: text = "QUYEN_SO",
        /// `MA_TTDV`: health id of the facility head or authorised signer.
        head_of_facility_id: text = "MA_TTDV",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
