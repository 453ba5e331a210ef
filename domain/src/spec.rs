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

#[derive(Debug, Clone)]
pub struct FieldSpec {
    pub name: String,
    pub data_type: DataType,
    /// Maximum size after QĐ 4750; `None` for unbounded (`n`).
    pub max_len: Option<usize>,
    pub requirement: Requirement,
}

impl FieldSpec {
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
    Table::ALL
        .into_iter()
        .flat_map(|t| fields(t).iter().enumerate().map(move |(i, f)| ((t, f.name.as_str()), i)))
        .collect()
});

/// The position of a field in its table's appendix order.
pub fn field_index(table: Table, name: &str) -> Option<usize> {
    INDEX.get(&(table, name)).copied()
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
}
