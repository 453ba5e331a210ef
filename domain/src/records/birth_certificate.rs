//! Birth certificate, one per child (XML9, `DU_LIEU_GIAY_CHUNG_SINH`).
//!
//! Fields are in the order of the QĐ 130/4750 appendix; the serde names are the official
//! element names, which are also the JSON names of the ingest API.

use super::prelude::*;

/// Birth certificate, one per child (XML9, `DU_LIEU_GIAY_CHUNG_SINH`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BirthCertificate {
    /// `MA_LK`: treatment-episode key, the same in every table of one episode.
    #[serde(rename = "MA_LK", default, skip_serializing_if = "Option::is_none")]
    pub episode_key: Option<String>,
    /// `MA_BHXH_NND`: caregiver's social-insurance id.
    #[serde(rename = "MA_BHXH_NND", default, skip_serializing_if = "Option::is_none")]
    pub mother_social_insurance_id: Option<String>,
    /// `MA_THE_NND`: caregiver's card number.
    #[serde(rename = "MA_THE_NND", default, skip_serializing_if = "Option::is_none")]
    pub mother_card: Option<String>,
    /// `HO_TEN_NND`: caregiver's (mother's) name.
    #[serde(rename = "HO_TEN_NND", default, skip_serializing_if = "Option::is_none")]
    pub mother_name: Option<String>,
    /// `NGAYSINH_NND`: caregiver's birth date.
    #[serde(rename = "NGAYSINH_NND", default, skip_serializing_if = "Option::is_none")]
    pub mother_birth_date: Option<String>,
    /// `MA_DANTOC_NND`: caregiver's ethnic-group code.
    #[serde(rename = "MA_DANTOC_NND", default, skip_serializing_if = "Option::is_none")]
    pub mother_ethnicity: Option<String>,
    /// `SO_CCCD_NND`: caregiver's citizen id.
    #[serde(rename = "SO_CCCD_NND", default, skip_serializing_if = "Option::is_none")]
    pub mother_citizen_id: Option<String>,
    /// `NGAYCAP_CCCD_NND`: issue date of the caregiver's citizen id.
    #[serde(rename = "NGAYCAP_CCCD_NND", default, skip_serializing_if = "Option::is_none")]
    pub mother_citizen_id_issued_on: Option<String>,
    /// `NOICAP_CCCD_NND`: issuer of the caregiver's citizen id.
    #[serde(rename = "NOICAP_CCCD_NND", default, skip_serializing_if = "Option::is_none")]
    pub mother_citizen_id_issued_by: Option<String>,
    /// `NOI_CU_TRU_NND`: caregiver's residence.
    #[serde(rename = "NOI_CU_TRU_NND", default, skip_serializing_if = "Option::is_none")]
    pub mother_residence: Option<String>,
    /// `MA_QUOCTICH`: nationality code.
    #[serde(rename = "MA_QUOCTICH", default, skip_serializing_if = "Option::is_none")]
    pub nationality_code: Option<String>,
    /// `MATINH_CU_TRU`: province code of residence.
    #[serde(rename = "MATINH_CU_TRU", default, skip_serializing_if = "Option::is_none")]
    pub province_code: Option<String>,
    /// `MAHUYEN_CU_TRU`: district code of residence.
    #[serde(rename = "MAHUYEN_CU_TRU", default, skip_serializing_if = "Option::is_none")]
    pub district_code: Option<String>,
    /// `MAXA_CU_TRU`: commune code of residence.
    #[serde(rename = "MAXA_CU_TRU", default, skip_serializing_if = "Option::is_none")]
    pub commune_code: Option<String>,
    /// `HO_TEN_CHA`: father's name.
    #[serde(rename = "HO_TEN_CHA", default, skip_serializing_if = "Option::is_none")]
    pub father_name: Option<String>,
    /// `MA_THE_TAM`: temporary card number.
    #[serde(rename = "MA_THE_TAM", default, skip_serializing_if = "Option::is_none")]
    pub temporary_card: Option<String>,
    /// `HO_TEN_CON`: child's name.
    #[serde(rename = "HO_TEN_CON", default, skip_serializing_if = "Option::is_none")]
    pub child_name: Option<String>,
    /// `GIOI_TINH_CON`: child's sex.
    #[serde(rename = "GIOI_TINH_CON", default, skip_serializing_if = "Option::is_none")]
    pub child_sex: Option<u32>,
    /// `SO_CON`: number of children.
    #[serde(rename = "SO_CON", default, skip_serializing_if = "Option::is_none")]
    pub children_count: Option<u32>,
    /// `LAN_SINH`: birth number.
    #[serde(rename = "LAN_SINH", default, skip_serializing_if = "Option::is_none")]
    pub birth_number: Option<u32>,
    /// `SO_CON_SONG`: number of live children.
    #[serde(rename = "SO_CON_SONG", default, skip_serializing_if = "Option::is_none")]
    pub live_children: Option<u32>,
    /// `CAN_NANG_CON`: newborn weight(s) in grams.
    #[serde(rename = "CAN_NANG_CON", default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
    #[schema(value_type = Option<String>)]
    pub newborn_weight_g: Option<Decimal>,
    /// `NGAY_SINH_CON`: child's birth time.
    #[serde(rename = "NGAY_SINH_CON", default, skip_serializing_if = "Option::is_none")]
    pub child_born_at: Option<String>,
    /// `NOI_SINH_CON`: child's birth place.
    #[serde(rename = "NOI_SINH_CON", default, skip_serializing_if = "Option::is_none")]
    pub child_birth_place: Option<String>,
    /// `TINH_TRANG_CON`: child's condition.
    #[serde(rename = "TINH_TRANG_CON", default, skip_serializing_if = "Option::is_none")]
    pub child_condition: Option<String>,
    /// `SINHCON_PHAUTHUAT`: `1` for a caesarean delivery.
    #[serde(rename = "SINHCON_PHAUTHUAT", default, skip_serializing_if = "Option::is_none")]
    pub caesarean: Option<u32>,
    /// `SINHCON_DUOI32TUAN`: `1` when born before 32 weeks.
    #[serde(rename = "SINHCON_DUOI32TUAN", default, skip_serializing_if = "Option::is_none")]
    pub before_32_weeks: Option<u32>,
    /// `GHI_CHU`: note.
    #[serde(rename = "GHI_CHU", default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `NGUOI_DO_DE`: birth attendant.
    #[serde(rename = "NGUOI_DO_DE", default, skip_serializing_if = "Option::is_none")]
    pub delivered_by: Option<String>,
    /// `NGUOI_GHI_PHIEU`: recorder.
    #[serde(rename = "NGUOI_GHI_PHIEU", default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
    /// `NGAY_CT`: document date `yyyyMMdd`.
    #[serde(rename = "NGAY_CT", default, skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<String>,
    /// `SO`: certificate number.
    #[serde(rename = "SO", default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// `QUYEN_SO`: certificate book number.
    #[serde(rename = "QUYEN_SO", default, skip_serializing_if = "Option::is_none")]
    pub book_number: Option<String>,
    /// `MA_TTDV`: health id of the facility head or authorised signer.
    #[serde(rename = "MA_TTDV", default, skip_serializing_if = "Option::is_none")]
    pub head_of_facility_id: Option<String>,
    /// `DU_PHONG`: reserved.
    #[serde(rename = "DU_PHONG", default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<String>,
}

impl Record for BirthCertificate {
    fn table(&self) -> Table {
        Table::Xml9
    }

    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
        visit(FieldValue::text(&self.episode_key));
        visit(FieldValue::text(&self.mother_social_insurance_id));
        visit(FieldValue::text(&self.mother_card));
        visit(FieldValue::text(&self.mother_name));
        visit(FieldValue::text(&self.mother_birth_date));
        visit(FieldValue::text(&self.mother_ethnicity));
        visit(FieldValue::text(&self.mother_citizen_id));
        visit(FieldValue::text(&self.mother_citizen_id_issued_on));
        visit(FieldValue::text(&self.mother_citizen_id_issued_by));
        visit(FieldValue::text(&self.mother_residence));
        visit(FieldValue::text(&self.nationality_code));
        visit(FieldValue::text(&self.province_code));
        visit(FieldValue::text(&self.district_code));
        visit(FieldValue::text(&self.commune_code));
        visit(FieldValue::text(&self.father_name));
        visit(FieldValue::text(&self.temporary_card));
        visit(FieldValue::text(&self.child_name));
        visit(FieldValue::int(self.child_sex));
        visit(FieldValue::int(self.children_count));
        visit(FieldValue::int(self.birth_number));
        visit(FieldValue::int(self.live_children));
        visit(FieldValue::number(&self.newborn_weight_g));
        visit(FieldValue::text(&self.child_born_at));
        visit(FieldValue::text(&self.child_birth_place));
        visit(FieldValue::text(&self.child_condition));
        visit(FieldValue::int(self.caesarean));
        visit(FieldValue::int(self.before_32_weeks));
        visit(FieldValue::text(&self.note));
        visit(FieldValue::text(&self.delivered_by));
        visit(FieldValue::text(&self.recorded_by));
        visit(FieldValue::text(&self.issued_on));
        visit(FieldValue::text(&self.number));
        visit(FieldValue::text(&self.book_number));
        visit(FieldValue::text(&self.head_of_facility_id));
        visit(FieldValue::text(&self.reserved));
    }

    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
        match index {
            0 => self.episode_key = parse_text(text),
            1 => self.mother_social_insurance_id = parse_text(text),
            2 => self.mother_card = parse_text(text),
            3 => self.mother_name = parse_text(text),
            4 => self.mother_birth_date = parse_text(text),
            5 => self.mother_ethnicity = parse_text(text),
            6 => self.mother_citizen_id = parse_text(text),
            7 => self.mother_citizen_id_issued_on = parse_text(text),
            8 => self.mother_citizen_id_issued_by = parse_text(text),
            9 => self.mother_residence = parse_text(text),
            10 => self.nationality_code = parse_text(text),
            11 => self.province_code = parse_text(text),
            12 => self.district_code = parse_text(text),
            13 => self.commune_code = parse_text(text),
            14 => self.father_name = parse_text(text),
            15 => self.temporary_card = parse_text(text),
            16 => self.child_name = parse_text(text),
            17 => self.child_sex = parse_int(text)?,
            18 => self.children_count = parse_int(text)?,
            19 => self.birth_number = parse_int(text)?,
            20 => self.live_children = parse_int(text)?,
            21 => self.newborn_weight_g = parse_decimal(text)?,
            22 => self.child_born_at = parse_text(text),
            23 => self.child_birth_place = parse_text(text),
            24 => self.child_condition = parse_text(text),
            25 => self.caesarean = parse_int(text)?,
            26 => self.before_32_weeks = parse_int(text)?,
            27 => self.note = parse_text(text),
            28 => self.delivered_by = parse_text(text),
            29 => self.recorded_by = parse_text(text),
            30 => self.issued_on = parse_text(text),
            31 => self.number = parse_text(text),
            32 => self.book_number = parse_text(text),
            33 => self.head_of_facility_id = parse_text(text),
            34 => self.reserved = parse_text(text),
            _ => return Err(AssignError::NoSuchField(index)),
        }
        Ok(())
    }
}
