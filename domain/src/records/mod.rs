//! One struct per QĐ 130/4750 table; each field keeps its official element name on the wire.
//!
//! Each table is declared once, with [`record!`], as its fields in appendix order: the Rust name, the
//! kind the wire format writes it as (`text`, `int`, `money`, `price`, `number`) and the official element
//! name (with the name an earlier revision used, where one is still accepted). The struct with its serde
//! names, the visitor and the setter all come from that list; the test below checks it against
//! `schemas/qd130_4750_fields.csv`.

/// Declares one table's record: the struct (every field optional, serialised under its wire name and
/// left out when absent), and its [`Record`] implementation in the same field order.
macro_rules! record {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident: $table:ident {
            $(
                $(#[doc = $field_doc:literal])*
                $field:ident: $kind:ident = $wire:literal $(| $alias:literal)?,
            )*
        }
    ) => {
        record!(@fields [$(#[doc = $doc])* $name] []
            $( [$(#[doc = $field_doc])*] $field $kind $wire [$($alias)?] )*);

        impl Record for $name {
            fn table(&self) -> Table {
                Table::$table
            }

            fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>)) {
                $( visit(FieldValue::$kind(&self.$field)); )*
            }

            fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError> {
                // Each field's position as a constant, so that the match below is a jump table
                // (the XML reader assigns every field of every record through it).
                #[allow(non_camel_case_types)]
                enum Position {
                    $($field),*
                }
                struct At;
                #[allow(non_upper_case_globals)]
                impl At {
                    $(const $field: usize = Position::$field as usize;)*
                }
                match index {
                    $(At::$field => self.$field = parse::$kind(text)?,)*
                    _ => return Err(AssignError::NoSuchField(index)),
                }
                Ok(())
            }
        }
    };
    // One field at a time into the struct body: the kind decides the Rust type and, for decimals,
    // the exact-text serde and the schema type.
    (@fields $head:tt [$($done:tt)*] [$($doc:tt)*] $field:ident text $wire:literal [$($alias:literal)?] $($rest:tt)*) => {
        record!(@fields $head [$($done)*
            $($doc)*
            #[serde(rename = $wire, $(alias = $alias,)? default, skip_serializing_if = "Option::is_none")]
            pub $field: Option<String>,
        ] $($rest)*);
    };
    (@fields $head:tt [$($done:tt)*] [$($doc:tt)*] $field:ident int $wire:literal [] $($rest:tt)*) => {
        record!(@fields $head [$($done)*
            $($doc)*
            #[serde(rename = $wire, default, skip_serializing_if = "Option::is_none")]
            pub $field: Option<u32>,
        ] $($rest)*);
    };
    (@fields $head:tt [$($done:tt)*] [$($doc:tt)*] $field:ident $decimal:ident $wire:literal [] $($rest:tt)*) => {
        record!(@fields $head [$($done)*
            $($doc)*
            #[schema(value_type = Option<String>)]
            #[serde(rename = $wire, default, skip_serializing_if = "Option::is_none", with = "crate::decimal::opt")]
            pub $field: Option<Decimal>,
        ] $($rest)*);
    };
    (@fields [$(#[doc = $doc:literal])* $name:ident] [$($done:tt)*]) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($done)*
        }
    };
}

mod birth_certificate;
mod check_in;
mod discharge_certificate;
mod drug_line;
mod hiv_care;
mod medical_assessment;
mod paraclinical_result;
mod pregnancy_leave;
mod progress_note;
mod record_summary;
mod reexam_appointment;
mod referral_letter;
mod service_line;
mod sick_leave;
mod summary;
mod tuberculosis;

pub use birth_certificate::BirthCertificate;
pub use check_in::CheckIn;
pub use discharge_certificate::DischargeCertificate;
pub use drug_line::DrugLine;
pub use hiv_care::HivCareRecord;
pub use medical_assessment::MedicalAssessment;
pub use paraclinical_result::ParaclinicalResult;
pub use pregnancy_leave::PregnancyLeaveCertificate;
pub use progress_note::ProgressNote;
pub use record_summary::MedicalRecordSummary;
pub use reexam_appointment::ReexamAppointment;
pub use referral_letter::ReferralLetter;
pub use service_line::ServiceLine;
pub use sick_leave::SickLeaveCertificate;
pub use summary::EpisodeSummary;
pub use tuberculosis::TuberculosisTreatment;

use rust_decimal::Decimal;

mod prelude {
    pub use super::{AssignError, FieldValue, Record, Table, parse};
    pub use rust_decimal::Decimal;
    pub use serde::{Deserialize, Serialize};
    pub use utoipa::ToSchema;
}

/// The tables of QĐ 130 as amended by QĐ 4750 (`LOAIHOSO` XML1 … XML15, and the XML0 check-in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Table {
    CheckIn,
    Xml1,
    Xml2,
    Xml3,
    Xml4,
    Xml5,
    Xml6,
    Xml7,
    Xml8,
    Xml9,
    Xml10,
    Xml11,
    Xml12,
    Xml13,
    Xml14,
    Xml15,
}

impl Table {
    pub const ALL: [Table; 16] = [
        Table::CheckIn,
        Table::Xml1,
        Table::Xml2,
        Table::Xml3,
        Table::Xml4,
        Table::Xml5,
        Table::Xml6,
        Table::Xml7,
        Table::Xml8,
        Table::Xml9,
        Table::Xml10,
        Table::Xml11,
        Table::Xml12,
        Table::Xml13,
        Table::Xml14,
        Table::Xml15,
    ];

    /// The table's name in the field specification (`schemas/qd130_4750_fields.csv`), which is also
    /// the `LOAIHOSO` of a `FILEHOSO` (except the check-in, which travels alone).
    pub fn spec_name(self) -> &'static str {
        match self {
            Table::CheckIn => "CHECKIN",
            Table::Xml1 => "XML1",
            Table::Xml2 => "XML2",
            Table::Xml3 => "XML3",
            Table::Xml4 => "XML4",
            Table::Xml5 => "XML5",
            Table::Xml6 => "XML6",
            Table::Xml7 => "XML7",
            Table::Xml8 => "XML8",
            Table::Xml9 => "XML9",
            Table::Xml10 => "XML10",
            Table::Xml11 => "XML11",
            Table::Xml12 => "XML12",
            Table::Xml13 => "XML13",
            Table::Xml14 => "XML14",
            Table::Xml15 => "XML15",
        }
    }
}

/// One field value as a record yields it, typed by how the wire format writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    Absent,
    Text(&'a str),
    Int(u32),
    /// Money: 2 decimals on the wire.
    Money(&'a Decimal),
    /// Quantities and unit prices: 3 decimals on the wire.
    Price(&'a Decimal),
    /// Percentages and other plain numbers: written as they are.
    Number(&'a Decimal),
}

impl<'a> FieldValue<'a> {
    pub fn text(v: &'a Option<String>) -> Self {
        v.as_deref().map_or(FieldValue::Absent, FieldValue::Text)
    }
    pub fn int(v: &Option<u32>) -> Self {
        v.map_or(FieldValue::Absent, FieldValue::Int)
    }
    pub fn money(v: &'a Option<Decimal>) -> Self {
        v.as_ref().map_or(FieldValue::Absent, FieldValue::Money)
    }
    pub fn price(v: &'a Option<Decimal>) -> Self {
        v.as_ref().map_or(FieldValue::Absent, FieldValue::Price)
    }
    pub fn number(v: &'a Option<Decimal>) -> Self {
        v.as_ref().map_or(FieldValue::Absent, FieldValue::Number)
    }

    /// Empty text counts as absent: QĐ 130 has no distinction between the two.
    pub fn is_absent(&self) -> bool {
        matches!(self, FieldValue::Absent) || matches!(self, FieldValue::Text(t) if t.trim().is_empty())
    }

    /// The value as the wire format writes it (`150000.00`, `2.000`, `01`).
    pub fn to_wire(&self) -> Option<String> {
        use crate::decimal::format_fixed;
        match self {
            FieldValue::Absent => None,
            FieldValue::Text(t) => Some((*t).to_owned()),
            FieldValue::Int(n) => Some(n.to_string()),
            FieldValue::Money(d) => Some(format_fixed(d, 2)),
            FieldValue::Price(d) => Some(format_fixed(d, 3)),
            FieldValue::Number(d) => Some(d.normalize().to_string()),
        }
    }
}

/// A record of one table: it yields its fields in the appendix order of that table, and takes
/// them back from their wire text (the XML reader fills records this way).
pub trait Record {
    fn table(&self) -> Table;
    fn visit<'a>(&'a self, visit: &mut dyn FnMut(FieldValue<'a>));
    /// Sets field number `index` (appendix order) from its wire text; empty text means absent.
    fn assign(&mut self, index: usize, text: &str) -> Result<(), AssignError>;
}

/// Why a wire value cannot go into a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignError {
    #[error("the table has no field number {0}")]
    NoSuchField(usize),
    #[error("`{0}` is not a whole number")]
    NotAWholeNumber(String),
    #[error("`{0}` is not a decimal number")]
    NotADecimal(String),
}

/// Wire text to a field's value, one function per field kind; empty text means absent.
pub mod parse {
    use super::AssignError;
    use rust_decimal::Decimal;

    pub fn text(text: &str) -> Result<Option<String>, AssignError> {
        Ok((!text.is_empty()).then(|| text.to_owned()))
    }

    pub fn int(text: &str) -> Result<Option<u32>, AssignError> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse().map(Some).map_err(|_| AssignError::NotAWholeNumber(text.to_owned()))
    }

    pub fn money(text: &str) -> Result<Option<Decimal>, AssignError> {
        decimal(text)
    }

    pub fn price(text: &str) -> Result<Option<Decimal>, AssignError> {
        decimal(text)
    }

    pub fn number(text: &str) -> Result<Option<Decimal>, AssignError> {
        decimal(text)
    }

    fn decimal(text: &str) -> Result<Option<Decimal>, AssignError> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<Decimal>().map(Some).map_err(|_| AssignError::NotADecimal(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{self, DataType, FieldKind};

    /// Builds a JSON object holding every field of `table` (per the spec CSV), so that
    /// `deny_unknown_fields` proves each spec field exists in the struct.
    fn full_record(table: Table) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for f in spec::fields(table) {
            let v = match f.data_type {
                DataType::Number if f.name != "SO_CCCD" => serde_json::json!(1),
                _ => serde_json::json!("1"),
            };
            map.insert(f.name.clone(), v);
        }
        serde_json::Value::Object(map)
    }

    fn check<R: Record + Default + serde::Serialize + serde::de::DeserializeOwned>(table: Table) {
        let record: R = serde_json::from_value(full_record(table)).expect("every spec field parses");
        assert_eq!(record.table(), table);
        let back = serde_json::to_value(&record).unwrap();
        let names: Vec<&String> = back.as_object().unwrap().keys().collect();
        let spec_names: Vec<&String> = spec::fields(table).iter().map(|f| &f.name).collect();
        assert_eq!(names, spec_names, "serde order of {table:?} follows the appendix");
        let mut wire = Vec::new();
        let mut kinds = Vec::new();
        record.visit(&mut |v| {
            kinds.push(match v {
                FieldValue::Text(_) => FieldKind::Text,
                FieldValue::Int(_) => FieldKind::Int,
                FieldValue::Money(_) => FieldKind::Money,
                FieldValue::Price(_) => FieldKind::Price,
                FieldValue::Number(_) => FieldKind::Number,
                FieldValue::Absent => unreachable!("every field is set"),
            });
            wire.push(v.to_wire().expect("every field is set"));
        });
        let spec_kinds: Vec<FieldKind> = spec::fields(table).iter().map(|f| f.kind()).collect();
        assert_eq!(kinds, spec_kinds, "the Rust types of {table:?} follow the specification's kinds");
        assert_eq!(wire.len(), spec_names.len(), "visit yields every field of {table:?}");
        let mut copy = R::default();
        for (i, text) in wire.iter().enumerate() {
            copy.assign(i, text).expect("a wire value assigns back");
        }
        assert_eq!(serde_json::to_value(&copy).unwrap(), back, "assign is the inverse of visit for {table:?}");
        assert_eq!(copy.assign(spec_names.len(), "1"), Err(AssignError::NoSuchField(spec_names.len())));
    }

    #[test]
    fn every_struct_matches_the_field_specification() {
        check::<CheckIn>(Table::CheckIn);
        check::<EpisodeSummary>(Table::Xml1);
        check::<DrugLine>(Table::Xml2);
        check::<ServiceLine>(Table::Xml3);
        check::<ParaclinicalResult>(Table::Xml4);
        check::<ProgressNote>(Table::Xml5);
        check::<HivCareRecord>(Table::Xml6);
        check::<DischargeCertificate>(Table::Xml7);
        check::<MedicalRecordSummary>(Table::Xml8);
        check::<BirthCertificate>(Table::Xml9);
        check::<PregnancyLeaveCertificate>(Table::Xml10);
        check::<SickLeaveCertificate>(Table::Xml11);
        check::<MedicalAssessment>(Table::Xml12);
        check::<ReferralLetter>(Table::Xml13);
        check::<ReexamAppointment>(Table::Xml14);
        check::<TuberculosisTreatment>(Table::Xml15);
    }
}
