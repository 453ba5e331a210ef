//! Medical-assessment council record (XML12, `GIAM_DINH_YKHOA`); sent on its own, not inside an episode.
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// Medical-assessment council record (XML12, `GIAM_DINH_YKHOA`); sent on its own, not inside an episode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedicalAssessment {
    /// `NGUOI_CHU_TRI`: council chair.
    #[serde(rename = "NGUOI_CHU_TRI", default, skip_serializing_if = "Option::is_none")]
    pub chair: Option<String>,
    /// `CHUC_VU`: chair position.
    #[serde(rename = "CHUC_VU", default, skip_serializing_if = "Option::is_none")]
    pub chair_position: Option<u32>,
    /// `NGAY_HOP`: council meeting date.
    #[serde(rename = "NGAY_HOP", default, skip_serializing_if = "Option::is_none")]
    pub met_on: Option<String>,
    /// `HO_TEN`: full name.
    #[serde(rename = "HO_TEN", default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// `NGAY_SINH`: birth date (`yyyyMMddHHmm`, unknown parts `0000`).
    #[serde(rename = "NGAY_SINH", default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// `SO_CCCD`: citizen-id, old id or passport number.
    #[serde(rename = "SO_CCCD", default, skip_serializing_if = "Option::is_none")]
    pub citizen_id: Option<String>,
    /// `NGAY_CAP_CCCD`: citizen-id issue date.
    #[serde(rename = "NGAY_CAP_CCCD", default, skip_serializing_if = "Option::is_none")]
    pub citizen_id_issued_on: Option<String>,
    /// `NOI_CAP_CCCD`: citizen-id issuer.
    #[serde(rename = "NOI_CAP_CCCD", default, skip_serializing_if = "Option::is_none")]
    pub citizen_id_issued_by: Option<String>,
    /// `DIA_CHI`: residence address.
    #[serde(rename = "DIA_CHI", default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// `MATINH_CU_TRU`: province code of residence.
    #[serde(rename = "MATINH_CU_TRU", default, skip_serializing_if = "Option::is_none")]
    pub province_code: Option<String>,
    /// `MAHUYEN_CU_TRU`: district code of residence.
    #[serde(rename = "MAHUYEN_CU_TRU", default, skip_serializing_if = "Option::is_none")]
    pub district_code: Option<String>,
    /// `MAXA_CU_TRU`: commune code of residence.
    #[serde(rename = "MAXA_CU_TRU", default, skip_serializing_if = "Option::is_none")]
    pub commune_code: Option<String>,
    /// `MA_BHXH`: social-insurance id (10 digits).
    #[serde(rename = "MA_BHXH", default, skip_serializing_if = "Option::is_none")]
    pub social_insurance_id: Option<String>,
    /// `MA_THE_BHYT`: insurance card number(s), 15 characters each, `;`-separated.
    #[serde(rename = "MA_THE_BHYT", default, skip_serializing_if = "Option::is_none")]
    pub card_numbers: Option<String>,
    /// `NGHE_NGHIEP`: occupation.
    #[serde(rename = "NGHE_NGHIEP", default, skip_serializing_if = "Option::is_none")]
    pub occupation: Option<String>,
    /// `DIEN_THOAI`: contact phone.
    #[serde(rename = "DIEN_THOAI", default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `MA_DOI_TUONG`: beneficiary category.
    #[serde(rename = "MA_DOI_TUONG", default, skip_serializing_if = "Option::is_none")]
    pub beneficiary_category: Option<String>,
    /// `KHAM_GIAM_DINH`: assessment kind.
    #[serde(rename = "KHAM_GIAM_DINH", default, skip_serializing_if = "Option::is_none")]
    pub assessment_kind: Option<u32>,
    /// `SO_BIEN_BAN`: minutes number.
    #[serde(rename = "SO_BIEN_BAN", default, skip_serializing_if = "Option::is_none")]
    pub minutes_number: Option<String>,
    /// `TYLE_TTCT_CU`: previous impairment %.
    #[serde(rename = "TYLE_TTCT_CU", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub previous_impairment_pct: Option<Decimal>,
    /// `DANG_HUONG_CHE_DO`: current benefit regime.
    #[serde(rename = "DANG_HUONG_CHE_DO", default, skip_serializing_if = "Option::is_none")]
    pub current_benefit: Option<String>,
    /// `NGAY_CHUNG_TU`: document date.
    #[serde(rename = "NGAY_CHUNG_TU", default, skip_serializing_if = "Option::is_none")]
    pub document_date: Option<String>,
    /// `SO_GIAY_GIOI_THIEU`: introduction letter number.
    #[serde(rename = "SO_GIAY_GIOI_THIEU", default, skip_serializing_if = "Option::is_none")]
    pub introduction_number: Option<String>,
    /// `NGAY_DE_NGHI`: request date.
    #[serde(rename = "NGAY_DE_NGHI", default, skip_serializing_if = "Option::is_none")]
    pub requested_on: Option<String>,
    /// `MA_DONVI`: unit code.
    #[serde(rename = "MA_DONVI", default, skip_serializing_if = "Option::is_none")]
    pub unit_code: Option<String>,
    /// `GIOI_THIEU_CUA`: introduced by.
    #[serde(rename = "GIOI_THIEU_CUA", default, skip_serializing_if = "Option::is_none")]
    pub introduced_by: Option<String>,
    /// `KET_QUA_KHAM`: examination result.
    #[serde(rename = "KET_QUA_KHAM", default, skip_serializing_if = "Option::is_none")]
    pub examination_result: Option<String>,
    /// `SO_VAN_BAN_CAN_CU`: basis document number.
    #[serde(rename = "SO_VAN_BAN_CAN_CU", default, skip_serializing_if = "Option::is_none")]
    pub basis_document: Option<String>,
    /// `TYLE_TTCT_MOI`: new impairment %.
    #[serde(rename = "TYLE_TTCT_MOI", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub new_impairment_pct: Option<Decimal>,
    /// `TONG_TYLE_TTCT`: total impairment %.
    #[serde(rename = "TONG_TYLE_TTCT", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub total_impairment_pct: Option<Decimal>,
    /// `DANG_KHUYETTAT`: disability kind.
    #[serde(rename = "DANG_KHUYETTAT", default, skip_serializing_if = "Option::is_none")]
    pub disability_kind: Option<u32>,
    /// `MUC_DO_KHUYETTAT`: disability level.
    #[serde(rename = "MUC_DO_KHUYETTAT", default, skip_serializing_if = "Option::is_none")]
    pub disability_level: Option<u32>,
    /// `DE_NGHI`: recommendation.
    #[serde(rename = "DE_NGHI", default, skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<String>,
    /// `DUOC_XACDINH`: determination.
    #[serde(rename = "DUOC_XACDINH", default, skip_serializing_if = "Option::is_none")]
    pub determination: Option<String>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for MedicalAssessment {
    fn table(&self) -> Table {
        Table::Xml12
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.chair));
        visit(FieldValue::int(self.chair_position));
        visit(FieldValue::text(&self.met_on));
        visit(FieldValue::text(&self.full_name));
        visit(FieldValue::text(&self.birth_date));
        visit(FieldValue::text(&self.citizen_id));
        visit(FieldValue::text(&self.citizen_id_issued_on));
        visit(FieldValue::text(&self.citizen_id_issued_by));
        visit(FieldValue::text(&self.address));
        visit(FieldValue::text(&self.province_code));
        visit(FieldValue::text(&self.district_code));
        visit(FieldValue::text(&self.commune_code));
        visit(FieldValue::text(&self.social_insurance_id));
        visit(FieldValue::text(&self.card_numbers));
        visit(FieldValue::text(&self.occupation));
        visit(FieldValue::text(&self.phone));
        visit(FieldValue::text(&self.beneficiary_category));
        visit(FieldValue::int(self.assessment_kind));
        visit(FieldValue::text(&self.minutes_number));
        visit(FieldValue::number(&self.previous_impairment_pct));
        visit(FieldValue::text(&self.current_benefit));
        visit(FieldValue::text(&self.document_date));
        visit(FieldValue::text(&self.introduction_number));
        visit(FieldValue::text(&self.requested_on));
        visit(FieldValue::text(&self.unit_code));
        visit(FieldValue::text(&self.introduced_by));
        visit(FieldValue::text(&self.examination_result));
        visit(FieldValue::text(&self.basis_document));
        visit(FieldValue::number(&self.new_impairment_pct));
        visit(FieldValue::number(&self.total_impairment_pct));
        visit(FieldValue::int(self.disability_kind));
        visit(FieldValue::int(self.disability_level));
        visit(FieldValue::text(&self.recommendation));
        visit(FieldValue::text(&self.determination));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.chair = parse_text(text),
            1 => self.chair_position = parse_int(text)?,
            2 => self.met_on = parse_text(text),
            3 => self.full_name = parse_text(text),
            4 => self.birth_date = parse_text(text),
            5 => self.citizen_id = parse_text(text),
            6 => self.citizen_id_issued_on = parse_text(text),
            7 => self.citizen_id_issued_by = parse_text(text),
            8 => self.address = parse_text(text),
            9 => self.province_code = parse_text(text),
            10 => self.district_code = parse_text(text),
            11 => self.commune_code = parse_text(text),
            12 => self.social_insurance_id = parse_text(text),
            13 => self.card_numbers = parse_text(text),
            14 => self.occupation = parse_text(text),
            15 => self.phone = parse_text(text),
            16 => self.beneficiary_category = parse_text(text),
            17 => self.assessment_kind = parse_int(text)?,
            18 => self.minutes_number = parse_text(text),
            19 => self.previous_impairment_pct = parse_decimal(text)?,
            20 => self.current_benefit = parse_text(text),
            21 => self.document_date = parse_text(text),
            22 => self.introduction_number = parse_text(text),
            23 => self.requested_on = parse_text(text),
            24 => self.unit_code = parse_text(text),
            25 => self.introduced_by = parse_text(text),
            26 => self.examination_result = parse_text(text),
            27 => self.basis_document = parse_text(text),
            28 => self.new_impairment_pct = parse_decimal(text)?,
            29 => self.total_impairment_pct = parse_decimal(text)?,
            30 => self.disability_kind = parse_int(text)?,
            31 => self.disability_level = parse_int(text)?,
            32 => self.recommendation = parse_text(text),
            33 => self.determination = parse_text(text),
            34 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
