//! Reading a list from CSV: the header its kind names (`ListKind::columns`), one row per code.
//! Errors name the row (as a spreadsheet numbers it: the header is row 1), the column and the value.

use super::{AdminLevel, Entry, ListKind};
use std::collections::HashMap;

/// The entries of `text`, a CSV list of kind `kind`; every error is refused, nothing half-read.
pub fn parse(kind: ListKind, text: &str) -> Result<Vec<Entry>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = ::csv::ReaderBuilder::new().trim(::csv::Trim::All).from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().map_err(|e| format!("header: {e}"))?.iter().map(str::to_owned).collect();
    let expected = kind.columns();
    if header.len() < expected.len() || header.iter().zip(expected).any(|(h, e)| h != e) {
        return Err(format!(
            "the header is `{}`; a {} list has `{}`",
            header.join(","),
            kind.name(),
            expected.join(",")
        ));
    }
    let mut entries: Vec<Entry> = Vec::new();
    let mut rows_of: HashMap<String, usize> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| format!("row {row}: {e}"))?;
        let cell = |column: &str| {
            let at = expected.iter().position(|c| *c == column).expect("a column of this kind");
            record.get(at).unwrap_or_default().to_owned()
        };
        let code = cell("code");
        if code.is_empty() {
            return Err(format!("row {row}: the code is empty"));
        }
        if let Some(first) = rows_of.insert(code.clone(), row) {
            return Err(format!("row {row}: code {code} repeats row {first}"));
        }
        let mut entry = Entry {
            code,
            name: cell("name"),
            strength: None,
            registration: None,
            max_price: None,
            level: None,
            parent: None,
        };
        if expected.contains(&"max_price") {
            let text = cell("max_price");
            let price = text.parse().ok().filter(|p: &rust_decimal::Decimal| !p.is_sign_negative());
            entry.max_price = Some(price.ok_or_else(|| format!("row {row}: max_price `{text}` is not a price"))?);
        }
        if kind == ListKind::Drugs {
            entry.strength = Some(cell("strength"));
            entry.registration = Some(cell("registration"));
        }
        if kind == ListKind::AdminUnits {
            let word = cell("level");
            let level = AdminLevel::parse(&word)
                .ok_or_else(|| format!("row {row}: level `{word}` is not province, district or commune"))?;
            entry.level = Some(level);
            entry.parent = Some(cell("parent")).filter(|p| !p.is_empty());
        }
        entries.push(entry);
    }
    if kind == ListKind::AdminUnits {
        check_nesting(&entries, &rows_of)?;
    }
    Ok(entries)
}

/// The entries as a CSV list of kind `kind`, in the columns `parse` reads.
pub fn to_csv(kind: ListKind, entries: &[Entry]) -> Result<Vec<u8>, ::csv::Error> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(kind.columns())?;
    for e in entries {
        let price = e.max_price.map(|p| p.to_string()).unwrap_or_default();
        let record: Vec<&str> = kind
            .columns()
            .iter()
            .map(|column| match *column {
                "code" => e.code.as_str(),
                "name" => e.name.as_str(),
                "strength" => e.strength.as_deref().unwrap_or_default(),
                "registration" => e.registration.as_deref().unwrap_or_default(),
                "max_price" => price.as_str(),
                "level" => e.level.map(AdminLevel::word).unwrap_or_default(),
                _ => e.parent.as_deref().unwrap_or_default(),
            })
            .collect();
        writer.write_record(record)?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

/// A district's parent must be a province of the list, a commune's a district; a province has none.
fn check_nesting(units: &[Entry], rows_of: &HashMap<String, usize>) -> Result<(), String> {
    let levels: HashMap<&str, Option<AdminLevel>> = units.iter().map(|u| (u.code.as_str(), u.level)).collect();
    for unit in units {
        let expected = match unit.level {
            Some(AdminLevel::District) => Some(AdminLevel::Province),
            Some(AdminLevel::Commune) => Some(AdminLevel::District),
            _ => None,
        };
        let found = unit.parent.as_deref().map(|p| levels.get(p).copied().flatten());
        let ok = match expected {
            None => found.is_none(),
            Some(level) => found == Some(Some(level)),
        };
        if !ok {
            let row = rows_of.get(&unit.code).copied().unwrap_or_default();
            return Err(match expected {
                Some(level) => format!("row {row}: {}: its parent must be a {} of this list", unit.code, level.word()),
                None => format!("row {row}: {}: a province has no parent", unit.code),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_mistake_names_its_row_and_value() {
        let cases = [
            (ListKind::Drugs, "code,name\nX,Y\n", "a drugs list has `code,name,strength,registration,max_price`"),
            (ListKind::Services, "code,name,max_price\nS1,Khám,12\nS1,Khám,13\n", "row 3: code S1 repeats row 2"),
            (ListKind::Services, "code,name,max_price\nS1,Khám,abc\n", "row 2: max_price `abc` is not a price"),
            (ListKind::Supplies, "code,name,max_price\nS1,Bơm,-1\n", "row 2: max_price `-1` is not a price"),
            (ListKind::Icd10, "code,name\n,Không mã\n", "row 2: the code is empty"),
            (ListKind::AdminUnits, "code,name,level,parent\n83,T,state,\n", "row 2: level `state`"),
            (
                ListKind::AdminUnits,
                "code,name,level,parent\n829,H,district,83\n",
                "row 2: 829: its parent must be a province",
            ),
            (ListKind::AdminUnits, "code,name,level,parent\n83,T,province,84\n", "row 2: 83: a province has no parent"),
        ];
        for (kind, text, expected) in cases {
            let error = parse(kind, text).expect_err(text);
            assert!(error.contains(expected), "{text}: {error}");
        }
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
