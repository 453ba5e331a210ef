//! The field specification of QĐ 130/4750, read from `schemas/qd130_4750_fields.csv`.
//!
//! That CSV is the single source of truth for names, order, types, sizes and required flags;
//! validation reads sizes and required flags from here rather than restating them in code.

use super::records::Table;
use std::collections::HashMap;
use std::sync::LazyLock;

const SPEC_CSV: &str = include_str!("../../schemas/qd130_4750_fields.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataType {
    /// `Chuỗi`: text.
    String,
    /// `Số`: a number.
    Number,
}

/// Whether the validation sheet of QĐ 4750 requires a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// Marked `x`.
    Always,
    /// Required under a condition the sheet states in words (kept verbatim); the rules that
    /// implement these conditions live in `validation::fields`.
    Conditional(String),
    Optional,
}

/// How the canonical model holds a field, which decides how the wire writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// A whole number (codes, counts, sequence numbers).
    Int,
    /// Money: 2 decimals.
    Money,
    /// Quantities and unit prices: 3 decimals.
    Price,
    /// Percentages and weights: as many decimals as they have.
    Number,
}

/// Which amendment of QĐ 130 a file follows: it decides the portal's endpoints and the field sizes.
///
/// QĐ 3176/QĐ-BYT (29/10/2024) amends the tables of QĐ 4750 and is applied by everyone from
/// 01/01/2025 (REGULATORY-2026.md §1.1, VERIFIED), so it is the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
pub enum Profile {
    /// QĐ 4750/QĐ-BYT (29/12/2023): `checkInKcbQd4750`, `guiHoSoXmlQD4750`.
    #[serde(rename = "4750")]
    Qd4750,
    /// QĐ 3176/QĐ-BYT: `checkInKcbQd3176`, `guiHoSoXmlQD3176`, the sizes of its appendix.
    #[default]
    #[serde(rename = "3176")]
    Qd3176,
}

impl Profile {
    pub fn parse(text: &str) -> Option<Profile> {
        match text.trim() {
            "4750" => Some(Profile::Qd4750),
            "3176" => Some(Profile::Qd3176),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Qd4750 => "4750",
            Profile::Qd3176 => "3176",
        }
    }
}

/// Fields whose size in the QĐ 3176 appendix carries no amendment note and so may be a typing
/// error (REGULATORY-2026.md §1.2: UNCERTAIN which one the portal enforces). For these the QĐ 4750
/// size stays the limit and going past the 3176 size is only a warning.
const UNCERTAIN_3176_SIZES: [(Table, &str); 4] =
    [(Table::Xml3, "TT_THAU"), (Table::Xml6, "MA_XU_TRI"), (Table::Xml13, "NGAY_VAO"), (Table::Xml13, "NGAY_RA")];

#[derive(Debug, Clone)]
pub struct FieldSpec {
    pub name: String,
    pub data_type: DataType,
    /// Maximum size after QĐ 4750; `None` for unbounded (`n`).
    pub max_len: Option<usize>,
    /// Maximum size in the QĐ 3176 appendix (the CSV's `max_3176_draft`, which equals the signed
    /// text); `None` for unbounded.
    pub max_len_3176: Option<usize>,
    /// The 3176 size is uncertain (see [`UNCERTAIN_3176_SIZES`]).
    pub uncertain_3176: bool,
    /// The element's name in the QĐ 3176 appendix (the CSV's `field_3176`): the same as `name` but
    /// for XML13, where QĐ 3176 renames three fields and removes two (`None`; REGULATORY-2026.md
    /// §1.2, VERIFIED).
    pub name_3176: Option<String>,
    pub requirement: Requirement,
}

/// The day Vietnam's district level ended (Law 72/2025/QH15 on local government, VERIFIED in
/// REGULATORY-2026.md §3.1): residences since have a province and a commune only.
pub const DISTRICTS_ABOLISHED: chrono::NaiveDate = match chrono::NaiveDate::from_ymd_opt(2025, 7, 1) {
    Some(day) => day,
    None => panic!("a real date"),
};

impl FieldSpec {
    /// The first day a field the validation sheet marks required stops being so, where a later
    /// law ended what it records: the district of a residence (`MAHUYEN_CU_TRU`) since districts
    /// were abolished.
    pub fn required_until(&self) -> Option<chrono::NaiveDate> {
        (self.name == "MAHUYEN_CU_TRU").then_some(DISTRICTS_ABOLISHED)
    }

    /// The element's name under `profile`; `None` when that amendment has no such field.
    pub fn wire_name(&self, profile: Profile) -> Option<&str> {
        match profile {
            Profile::Qd4750 => Some(&self.name),
            Profile::Qd3176 => self.name_3176.as_deref(),
        }
    }

    /// The size that refuses a value under `profile`.
    pub fn limit(&self, profile: Profile) -> Option<usize> {
        match profile {
            Profile::Qd4750 => self.max_len,
            Profile::Qd3176 if self.uncertain_3176 => self.max_len,
            Profile::Qd3176 => self.max_len_3176,
        }
    }

    /// A smaller size that only warns under `profile` (an uncertain 3176 size below the 4750 one).
    pub fn advisory_limit(&self, profile: Profile) -> Option<usize> {
        let smaller = |l: usize| self.max_len.is_none_or(|m| l < m);
        match profile {
            Profile::Qd3176 if self.uncertain_3176 => self.max_len_3176.filter(|l| smaller(*l)),
            _ => None,
        }
    }

    /// The kind of value, from the type and size of the appendix (citizen ids are text even
    /// where the appendix types them as numbers: leading zeros matter).
    pub fn kind(&self) -> FieldKind {
        let name = self.name.as_str();
        match self.data_type {
            DataType::String => FieldKind::Text,
            DataType::Number if name == "SO_CCCD" => FieldKind::Text,
            DataType::Number if matches!(name, "DON_GIA" | "DON_GIA_BV" | "DON_GIA_BH" | "SO_LUONG") => {
                FieldKind::Price
            }
            DataType::Number
                if matches!(
                    name,
                    "TYLE_TT_BH"
                        | "TYLE_TT_DV"
                        | "MUC_HUONG"
                        | "CAN_NANG_CON"
                        | "TYLE_TTCT_CU"
                        | "TYLE_TTCT_MOI"
                        | "TONG_TYLE_TTCT"
                ) =>
            {
                FieldKind::Number
            }
            DataType::Number if self.max_len == Some(15) => FieldKind::Money,
            DataType::Number => FieldKind::Int,
        }
    }
}

static SPEC: LazyLock<HashMap<Table, Vec<FieldSpec>>> = LazyLock::new(|| {
    let mut reader = csv::Reader::from_reader(SPEC_CSV.as_bytes());
    let mut spec: HashMap<Table, Vec<FieldSpec>> = HashMap::new();
    for row in reader.records() {
        let row = row.expect("schemas/qd130_4750_fields.csv is well-formed CSV");
        let table = Table::ALL
            .into_iter()
            .find(|t| t.spec_name() == &row[0])
            .expect("known table name in the field specification");
        let required = row[7].trim();
        spec.entry(table).or_default().push(FieldSpec {
            name: row[2].to_owned(),
            data_type: if &row[5] == "Number" { DataType::Number } else { DataType::String },
            max_len: row[6].parse().ok(),
            max_len_3176: row[9].parse().ok(),
            uncertain_3176: UNCERTAIN_3176_SIZES.contains(&(table, &row[2])),
            name_3176: Some(row[10].trim()).filter(|n| !n.is_empty()).map(str::to_owned),
            requirement: match required {
                "x" => Requirement::Always,
                "" => Requirement::Optional,
                other => Requirement::Conditional(other.to_owned()),
            },
        });
    }
    spec
});

/// The fields of one table, in appendix order.
pub fn fields(table: Table) -> &'static [FieldSpec] {
    SPEC.get(&table).map(Vec::as_slice).unwrap_or_default()
}

static INDEX: LazyLock<HashMap<(Table, &'static str), usize>> = LazyLock::new(|| {
    let names = |f: &'static FieldSpec| std::iter::once(f.name.as_str()).chain(f.name_3176.as_deref());
    Table::ALL
        .into_iter()
        .flat_map(|t| fields(t).iter().enumerate().flat_map(move |(i, f)| names(f).map(move |n| ((t, n), i))))
        .collect()
});

/// The position of a field in its table's appendix order, by its name under either amendment.
pub fn field_index(table: Table, name: &str) -> Option<usize> {
    INDEX.get(&(table, name)).copied()
}

/// Whether some table has a field of this name (under either amendment).
pub fn is_field(name: &str) -> bool {
    Table::ALL.into_iter().any(|t| field_index(t, name).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_covers_every_table() {
        let counts: Vec<usize> = Table::ALL.iter().map(|t| fields(*t).len()).collect();
        assert_eq!(counts, [26, 66, 39, 47, 12, 9, 47, 26, 22, 35, 13, 23, 35, 39, 22, 20]);
        let t_bhtt = fields(Table::Xml1).iter().find(|f| f.name == "T_BHTT").unwrap();
        assert_eq!(t_bhtt.data_type, DataType::Number);
        assert_eq!(t_bhtt.max_len, Some(15));
        assert_eq!(t_bhtt.requirement, Requirement::Always);
        let lydo = fields(Table::Xml1).iter().find(|f| f.name == "LY_DO_VNT").unwrap();
        assert_eq!(lydo.max_len, None);
    }

    #[test]
    fn each_profile_has_its_sizes_and_uncertain_ones_only_warn() {
        let field = |t: Table, n: &str| fields(t).iter().find(|f| f.name == n).unwrap().clone();
        let occupation = field(Table::Xml1, "MA_NGHE_NGHIEP");
        assert_eq!((occupation.limit(Profile::Qd4750), occupation.limit(Profile::Qd3176)), (Some(5), Some(2)));
        let cccd = field(Table::Xml1, "SO_CCCD");
        assert_eq!((cccd.limit(Profile::Qd4750), cccd.limit(Profile::Qd3176)), (Some(15), None));
        let tender = field(Table::Xml3, "TT_THAU");
        assert_eq!(tender.limit(Profile::Qd3176), Some(50));
        assert_eq!(tender.advisory_limit(Profile::Qd3176), Some(25));
        assert_eq!(tender.advisory_limit(Profile::Qd4750), None);
        let arrival = field(Table::Xml13, "NGAY_VAO");
        assert_eq!((arrival.limit(Profile::Qd3176), arrival.advisory_limit(Profile::Qd3176)), (Some(12), None));
        assert_eq!(Profile::default(), Profile::Qd3176);
    }

    #[test]
    fn qd3176_renames_and_removes_xml13_fields_and_either_name_finds_them() {
        let names = |p: Profile| fields(Table::Xml13).iter().filter_map(|f| f.wire_name(p)).collect::<Vec<_>>();
        let (old, new) = (names(Profile::Qd4750), names(Profile::Qd3176));
        assert_eq!((old.len(), new.len()), (39, 37));
        assert_eq!((old[5], new[5]), ("MA_NOI_DI", "MA_CSKCB_DI"));
        assert!(new.contains(&"TINH_TRANG_CT") && !new.contains(&"TEN_DICH_VU") && !new.contains(&"TEN_THUOC"));
        assert_eq!(field_index(Table::Xml13, "MA_CSKCB_DEN"), field_index(Table::Xml13, "MA_NOI_DEN"));
        assert_eq!(field_index(Table::Xml13, "TINH_TRANG_CT"), Some(29));
        let renamed_elsewhere = Table::ALL
            .iter()
            .filter(|t| **t != Table::Xml13)
            .flat_map(|t| fields(*t))
            .filter(|f| f.wire_name(Profile::Qd3176) != Some(f.name.as_str()))
            .count();
        assert_eq!(renamed_elsewhere, 0);
        assert_eq!(Profile::parse("4750"), Some(Profile::Qd4750));
    }
}
