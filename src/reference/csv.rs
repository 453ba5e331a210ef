//! Reading a list from CSV: the header its kind names (`ListKind::columns`), then optionally
//! `valid_from` and `valid_to` (`YYYY-MM-DD`, inclusive, empty for open), one row per code and
//! period. Errors name the row (as a spreadsheet numbers it: the header is row 1), the column and
//! the value.

use super::dated::Validity;
use super::{AdminLevel, Entry, ListKind};
use chrono::NaiveDate;
use std::collections::HashMap;

/// The optional columns every kind may have, after its own.
const VALIDITY_COLUMNS: [&str; 2] = ["valid_from", "valid_to"];

/// The entries of `text`, a CSV list of kind `kind`; every error is refused, nothing half-read.
pub fn parse(kind: ListKind, text: &str) -> Result<Vec<Entry>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = ::csv::ReaderBuilder::new().trim(::csv::Trim::All).from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().map_err(|e| format!("header: {e}"))?.iter().map(str::to_owned).collect();
    let expected = kind.columns();
    if header.len() < expected.len() || header.iter().zip(expected).any(|(h, e)| h != e) {
        return Err(format!(
            "the header is `{}`; a {} list has `{}` (then optionally `valid_from,valid_to`)",
            header.join(","),
            kind.name(),
            expected.join(",")
        ));
    }
    let validity_at = VALIDITY_COLUMNS.map(|c| header.iter().position(|h| h == c));
    let mut entries: Vec<Entry> = Vec::new();
    let mut rows_of: HashMap<(Option<String>, String), Vec<usize>> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| format!("row {row}: {e}"))?;
        let cell = |column: &str| {
            let at = expected.iter().position(|c| *c == column).expect("a column of this kind");
            record.get(at).unwrap_or_default().to_owned()
        };
        let mut entry = Entry::new(cell("code"), cell("name"));
        if entry.code.is_empty() {
            return Err(format!("row {row}: the code is empty"));
        }
        entry.valid = validity(&record, validity_at, row)?;
        read_kind_columns(kind, &mut entry, &cell, row)?;
        let key = (entry.field.clone(), entry.code.clone());
        let earlier = rows_of.entry(key).or_default();
        if let Some(first) = earlier.iter().find(|&&r| entries[r - 2].valid.overlaps(&entry.valid)) {
            let when = if entry.valid == Validity::default() { String::new() } else { format!(" {}", entry.valid) };
            return Err(format!("row {row}: code {}{when} repeats row {first} (their periods overlap)", entry.code));
        }
        earlier.push(row);
        entries.push(entry);
    }
    if kind == ListKind::AdminUnits {
        check_nesting(&entries)?;
    }
    Ok(entries)
}

/// The columns only some kinds have.
fn read_kind_columns(
    kind: ListKind,
    entry: &mut Entry,
    cell: &dyn Fn(&str) -> String,
    row: usize,
) -> Result<(), String> {
    if kind.columns().contains(&"max_price") {
        let text = cell("max_price");
        let price = text.parse().ok().filter(|p: &rust_decimal::Decimal| !p.is_sign_negative());
        entry.max_price = Some(price.ok_or_else(|| format!("row {row}: max_price `{text}` is not a price"))?);
    }
    match kind {
        ListKind::Drugs => {
            entry.strength = Some(cell("strength"));
            entry.registration = Some(cell("registration"));
        }
        ListKind::AdminUnits => {
            let word = cell("level");
            let level = AdminLevel::parse(&word)
                .ok_or_else(|| format!("row {row}: level `{word}` is not province, district or commune"))?;
            entry.level = Some(level);
            entry.parent = Some(cell("parent")).filter(|p| !p.is_empty());
        }
        ListKind::AdminUnitSuccessors => {
            let successor = cell("successor");
            if successor.is_empty() {
                return Err(format!("row {row}: {} has no successor", entry.code));
            }
            entry.successor = Some(successor);
        }
        ListKind::CodeLists => {
            let field = cell("field");
            if !crate::domain::spec::is_field(&field) {
                return Err(format!("row {row}: `{field}` is not a field of the QĐ 130 tables"));
            }
            entry.field = Some(field);
            entry.uncertain = match cell("status").as_str() {
                "" => false,
                "uncertain" => true,
                other => return Err(format!("row {row}: status `{other}` is neither empty nor `uncertain`")),
            };
        }
        _ => {}
    }
    Ok(())
}

fn validity(record: &::csv::StringRecord, at: [Option<usize>; 2], row: usize) -> Result<Validity, String> {
    let day = |i: usize| -> Result<Option<NaiveDate>, String> {
        let text = at[i].and_then(|a| record.get(a)).unwrap_or_default();
        if text.is_empty() {
            return Ok(None);
        }
        let column = VALIDITY_COLUMNS[i];
        text.parse().map(Some).map_err(|_| format!("row {row}: {column} `{text}` is not a date YYYY-MM-DD"))
    };
    let valid = Validity { from: day(0)?, to: day(1)? };
    if let (Some(from), Some(to)) = (valid.from, valid.to)
        && to < from
    {
        return Err(format!("row {row}: valid_to {to} is before valid_from {from}"));
    }
    Ok(valid)
}

/// The entries as a CSV list of kind `kind`, in the columns `parse` reads (the validity columns
/// only when an entry has dates).
pub fn to_csv(kind: ListKind, entries: &[Entry]) -> Result<Vec<u8>, ::csv::Error> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let dated = entries.iter().any(|e| e.valid != Validity::default());
    let validity_columns: &[&str] = if dated { &VALIDITY_COLUMNS } else { &[] };
    writer.write_record(kind.columns().iter().chain(validity_columns))?;
    for e in entries {
        let price = e.max_price.map(|p| p.to_string()).unwrap_or_default();
        let mut record: Vec<&str> = kind
            .columns()
            .iter()
            .map(|column| match *column {
                "code" => e.code.as_str(),
                "name" => e.name.as_str(),
                "strength" => e.strength.as_deref().unwrap_or_default(),
                "registration" => e.registration.as_deref().unwrap_or_default(),
                "max_price" => price.as_str(),
                "level" => e.level.map(AdminLevel::word).unwrap_or_default(),
                "field" => e.field.as_deref().unwrap_or_default(),
                "status" if e.uncertain => "uncertain",
                "successor" => e.successor.as_deref().unwrap_or_default(),
                "parent" => e.parent.as_deref().unwrap_or_default(),
                _ => "",
            })
            .collect();
        let [from, to] = e.valid.bounds_text();
        if dated {
            record.extend([from.as_str(), to.as_str()]);
        }
        writer.write_record(record)?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

/// A district's parent must be a province of the list, a commune's a district or (since districts
/// were abolished on 2025-07-01) a province; a province has none. The parent must be in force
/// when its unit begins to be.
fn check_nesting(units: &[Entry]) -> Result<(), String> {
    let mut by_code: HashMap<&str, Vec<&Entry>> = HashMap::new();
    for unit in units {
        by_code.entry(unit.code.as_str()).or_default().push(unit);
    }
    for (i, unit) in units.iter().enumerate() {
        let row = i + 2;
        let expected: &[AdminLevel] = match unit.level {
            Some(AdminLevel::District) => &[AdminLevel::Province],
            Some(AdminLevel::Commune) => &[AdminLevel::District, AdminLevel::Province],
            _ => &[],
        };
        let Some(parent) = unit.parent.as_deref() else {
            if expected.is_empty() {
                continue;
            }
            return Err(format!("row {row}: {}: a {} needs a parent", unit.code, level_word(unit)));
        };
        if expected.is_empty() {
            return Err(format!("row {row}: {}: a province has no parent", unit.code));
        }
        let overlapping = |p: &&&Entry| p.valid.overlaps(&unit.valid);
        let found = by_code.get(parent).and_then(|ps| ps.iter().find(overlapping)).and_then(|p| p.level);
        if !found.is_some_and(|l| expected.contains(&l)) {
            let wanted = expected.iter().map(|l| l.word()).collect::<Vec<_>>().join(" or ");
            return Err(format!(
                "row {row}: {}: its parent must be a {wanted} of this list in force with it",
                unit.code
            ));
        }
    }
    Ok(())
}

fn level_word(unit: &Entry) -> &'static str {
    unit.level.map_or("unit", AdminLevel::word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_mistake_names_its_row_and_value() {
        let cases = [
            (ListKind::Drugs, "code,name\nX,Y\n", "a drugs list has `code,name,strength,registration,max_price`"),
            (ListKind::Services, "code,name,max_price\nS1,Khám,12\nS1,Khám,13\n", "row 3: code S1 repeats row 2"),
            (
                ListKind::Services,
                "code,name,max_price,valid_from,valid_to\nS1,Khám,12,,2026-01-31\nS1,Khám,13,2026-01-31,\n",
                "row 3: code S1 from 2026-01-31 repeats row 2 (their periods overlap)",
            ),
            (ListKind::Icd10, "code,name,valid_from\nA09,Tiêu chảy,2026-13-01\n", "row 2: valid_from `2026-13-01`"),
            (
                ListKind::Icd10,
                "code,name,valid_from,valid_to\nA09,T,2026-02-01,2026-01-01\n",
                "valid_to 2026-01-01 is before",
            ),
            (ListKind::CodeLists, "field,code,name,status\nMA_LOAI_XYZ,1,X,\n", "row 2: `MA_LOAI_XYZ` is not a field"),
            (ListKind::CodeLists, "field,code,name,status\nMA_LOAI_RV,1,X,maybe\n", "row 2: status `maybe`"),
            (ListKind::AdminUnitSuccessors, "code,name,successor\n83,Bến Tre,\n", "row 2: 83 has no successor"),
            (ListKind::Services, "code,name,max_price\nS1,Khám,abc\n", "row 2: max_price `abc` is not a price"),
            (ListKind::Supplies, "code,name,max_price\nS1,Bơm,-1\n", "row 2: max_price `-1` is not a price"),
            (ListKind::Icd10, "code,name\n,Không mã\n", "row 2: the code is empty"),
            (ListKind::AdminUnits, "code,name,level,parent\n83,T,state,\n", "row 2: level `state`"),
            (
                ListKind::AdminUnits,
                "code,name,level,parent\n829,H,district,83\n",
                "row 2: 829: its parent must be a province of this list in force with it",
            ),
            (ListKind::AdminUnits, "code,name,level,parent\n83,T,province,84\n", "row 2: 83: a province has no parent"),
        ];
        for (kind, text, expected) in cases {
            let error = parse(kind, text).expect_err(text);
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn a_code_may_come_back_for_another_period_and_a_commune_may_move_to_its_province() {
        let text = "code,name,level,parent,valid_from,valid_to\n83,Bến Tre,province,,,2025-06-30\n\
                    829,H,district,83,,2025-06-30\n86,Vĩnh Long,province,,,\n\
                    28700,X,commune,829,,2025-06-30\n28700,X,commune,86,2025-07-01,\n";
        let units = parse(ListKind::AdminUnits, text).expect("a valid two-period list");
        assert_eq!(units.len(), 5);
        let late_parent = "code,name,level,parent,valid_from,valid_to\n83,T,province,,,2025-06-30\n\
                           28700,X,commune,83,2025-07-01,\n";
        let error = parse(ListKind::AdminUnits, late_parent).expect_err("83 is gone when 28700 begins");
        assert!(error.contains("row 3: 28700: its parent must be a district or province"), "{error}");
        let codes = "field,code,name,status,valid_from,valid_to\nMA_DOITUONG_KCB,7.1,Lĩnh thuốc,,,2025-12-31\n\
                     MA_DOITUONG_KCB,7.1,?,uncertain,2026-01-01,\nMA_LOAI_RV,7.1,Khác,,,\n";
        let entries = parse(ListKind::CodeLists, codes).expect("the same code in two fields and two periods");
        assert!(entries[1].uncertain && !entries[0].uncertain);
        assert_eq!(entries[2].field.as_deref(), Some("MA_LOAI_RV"));
    }

    #[test]
    fn every_sample_list_survives_writing_and_reading_back() {
        for (kind, entries) in crate::reference::sample_lists() {
            let text = to_csv(kind, &entries).expect("writable");
            let back = parse(kind, std::str::from_utf8(&text).expect("UTF-8")).expect("readable");
            assert_eq!(back, entries, "{}", kind.name());
        }
    }

    #[test]
    fn a_bom_spaces_and_extra_columns_are_accepted() {
        let text = "\u{feff}code, name ,max_price,note\n 02.1896 , Khám Nội , 38700.50 ,x\n";
        let entries = parse(ListKind::Services, text).expect("a valid list");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].code, "02.1896");
        assert_eq!(entries[0].name, "Khám Nội");
        assert_eq!(entries[0].max_price, Some("38700.50".parse().expect("a decimal")));
    }
}
