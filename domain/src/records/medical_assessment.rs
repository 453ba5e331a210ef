//! Medical-assessment council record (XML12, `GIAM_DINH_YKHOA`); sent on its own, not inside an episode.
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

record! {
    /// Medical-assessment council record (XML12, `GIAM_DINH_YKHOA`); sent on its own, not inside an episode.
    pub struct MedicalAssessment: Xml12 {
        /// `NGUOI_CHU_TRI`: council chair.
        chair: text = "NGUOI_CHU_TRI",
        /// `CHUC_VU`: chair position.
        chair_position: int = "CHUC_VU",
        /// `NGAY_HOP`: council meeting date.
        met_on: text = "NGAY_HOP",
        /// `HO_TEN`: full name.
        full_name: text = "HO_TEN",
        /// `NGAY_SINH`: birth date (`yyyyMMddHHmm`, unknown parts `0000`).
        birth_date: text = "NGAY_SINH",
        /// `SO_CCCD`: citizen-id, old id or passport number.
        citizen_id: text = "SO_CCCD",
        /// `NGAY_CAP_CCCD`: citizen-id issue date.
        citizen_id_issued_on: text = "NGAY_CAP_CCCD",
        /// `NOI_CAP_CCCD`: citizen-id issuer.
        citizen_id_issued_by: text = "NOI_CAP_CCCD",
        /// `DIA_CHI`: residence address.
        address: text = "DIA_CHI",
        /// `MATINH_CU_TRU`: province code of residence.
        province_code: text = "MATINH_CU_TRU",
        /// `MAHUYEN_CU_TRU`: district code of residence.
        district_code: text = "MAHUYEN_CU_TRU",
        /// `MAXA_CU_TRU`: commune code of residence.
        commune_code: text = "MAXA_CU_TRU",
        /// `MA_BHXH`: social-insurance id (10 digits).
        social_insurance_id: text = "MA_BHXH",
        /// `MA_THE_BHYT`: insurance card number(s), 15 characters each, `;`-separated.
        card_numbers: text = "MA_THE_BHYT",
        /// `NGHE_NGHIEP`: occupation.
        occupation: text = "NGHE_NGHIEP",
        /// `DIEN_THOAI`: contact phone.
        phone: text = "DIEN_THOAI",
        /// `MA_DOI_TUONG`: beneficiary category.
        beneficiary_category: text = "MA_DOI_TUONG",
        /// `KHAM_GIAM_DINH`: assessment kind.
        assessment_kind: int = "KHAM_GIAM_DINH",
        /// `SO_BIEN_BAN`: minutes number.
        minutes_number: text = "SO_BIEN_BAN",
        /// `TYLE_TTCT_CU`: previous impairment %.
        previous_impairment_pct: number = "TYLE_TTCT_CU",
        /// `DANG_HUONG_CHE_DO`: current benefit regime.
        current_benefit: text = "DANG_HUONG_CHE_DO",
        /// `NGAY_CHUNG_TU`: document date.
        document_date: text = "NGAY_CHUNG_TU",
        /// `SO_GIAY_GIOI_THIEU`: introduction letter number.
        introduction_number: text = "SO_GIAY_GIOI_THIEU",
        /// `NGAY_DE_NGHI`: request date.
        requested_on: text = "NGAY_DE_NGHI",
        /// `MA_DONVI`: unit code.
        unit_code: text = "MA_DONVI",
        /// `GIOI_THIEU_CUA`: introduced by.
        introduced_by: text = "GIOI_THIEU_CUA",
        /// `KET_QUA_KHAM`: examination result.
        examination_result: text = "KET_QUA_KHAM",
        /// `SO_VAN_BAN_CAN_CU`: basis document number.
        basis_document: text = "SO_VAN_BAN_CAN_CU",
        /// `TYLE_TTCT_MOI`: new impairment %.
        new_impairment_pct: number = "TYLE_TTCT_MOI",
        /// `TONG_TYLE_TTCT`: total impairment %.
        total_impairment_pct: number = "TONG_TYLE_TTCT",
        /// `DANG_KHUYETTAT`: disability kind.
        disability_kind: int = "DANG_KHUYETTAT",
        /// `MUC_DO_KHUYETTAT`: disability level.
        disability_level: int = "MUC_DO_KHUYETTAT",
        /// `DE_NGHI`: recommendation.
        recommendation: text = "DE_NGHI",
        /// `DUOC_XACDINH`: determination.
        determination: text = "DUOC_XACDINH",
        /// `DU_PHONG`: reserved.
        reserved: text = "DU_PHONG",
    }
}
