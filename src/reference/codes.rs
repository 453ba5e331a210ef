//! The code lists of the coded fields (`GIOI_TINH`, `MA_DOITUONG_KCB`, `MA_LOAI_KCB`, `MA_LOAI_RV`,
//! `MA_NHOM`, …) as dated data: a field is checked against the codes in force on the episode's
//! date, and a field with no list is not checked (load one, e.g. `MA_KHOA`, to check it).
//!
//! hisgate ships `catalogues/code_lists.csv`, built from the official texts that
//! REGULATORY-2026.md names: QĐ 130/4750's enumerations, QĐ 3276/QĐ-BYT's `MA_DOITUONG_KCB` (the
//! codes it dropped stay in force until its transition ends on 2025-12-31, its new ones since
//! 2025-07-01; 7.1 is `uncertain` after that, as the portal's acceptance of it is not known) and
//! QĐ 1804/QĐ-BYT's `MA_LOAI_KCB` 10–16 from 2026-08-01. A deployment replaces it with
//! `hisgate catalogue load code_lists FILE`.

use super::Entry;
use super::dated::Dated;
use crate::domain::records::Table;
use crate::domain::spec;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

/// The code lists shipped with hisgate.
pub const SHIPPED_CSV: &str = include_str!("../../catalogues/code_lists.csv");

/// The `status` of an entry whose standing is uncertain.
pub const UNCERTAIN: &str = "uncertain";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeInfo {
    pub name: String,
    /// The code's standing is uncertain: using it is a warning, not a refusal.
    pub uncertain: bool,
}

/// Each coded field's list, by the field's official name, and by its place in the field
/// specification (what validation asks for each value, without hashing the name).
#[derive(Debug, Clone, Default)]
pub struct CodeLists {
    lists: Vec<Dated<CodeInfo>>,
    by_field: HashMap<String, usize>,
    /// `[table][field position]` → the field's list.
    by_position: Vec<Vec<Option<usize>>>,
}

static SHIPPED: LazyLock<Arc<CodeLists>> = LazyLock::new(|| {
    let entries =
        super::parse(super::ListKind::CodeLists, SHIPPED_CSV).expect("the shipped code lists are well-formed");
    Arc::new(CodeLists::from_entries(entries))
});

impl CodeLists {
    pub fn from_entries(entries: Vec<Entry>) -> Self {
        let mut rows: HashMap<String, Vec<(String, super::Validity, CodeInfo)>> = HashMap::new();
        for e in entries {
            let info = CodeInfo { name: e.name, uncertain: e.uncertain };
            rows.entry(e.field.unwrap_or_default()).or_default().push((e.code, e.valid, info));
        }
        let (mut lists, mut by_field) = (Vec::new(), HashMap::new());
        for (field, rows) in rows {
            by_field.insert(field, lists.len());
            lists.push(rows.into_iter().collect());
        }
        let by_position = Table::ALL
            .into_iter()
            .map(|t| spec::fields(t).iter().map(|f| by_field.get(&f.name).copied()).collect())
            .collect();
        CodeLists { lists, by_field, by_position }
    }

    /// The lists shipped with hisgate (`catalogues/code_lists.csv`).
    pub fn shipped() -> Arc<CodeLists> {
        SHIPPED.clone()
    }

    /// The list of the field `name`, if it has one.
    pub fn of(&self, name: &str) -> Option<&Dated<CodeInfo>> {
        self.by_field.get(name).map(|&i| &self.lists[i])
    }

    /// The list of the field at `position` in `table`'s specification, if it has one.
    pub fn at(&self, table: Table, position: usize) -> Option<&Dated<CodeInfo>> {
        let slot = self.by_position.get(table as usize)?.get(position)?;
        slot.map(|i| &self.lists[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::Lookup;

    #[test]
    fn the_shipped_lists_follow_the_texts_in_force() {
        let lists = CodeLists::shipped();
        let day = |d: &str| d.parse().ok();
        let routes = lists.of("MA_DOITUONG_KCB").expect("a list of visit routes");
        assert!(routes.contains("1.10", day("2025-12-31")), "QĐ 3276's transition");
        assert!(matches!(routes.lookup("1.10", day("2026-01-01")), Lookup::OutOfForce(_)));
        assert!(!routes.contains("1.13", day("2025-06-30")) && routes.contains("1.13", day("2025-07-01")));
        assert!(routes.get("7.1", day("2026-03-01")).is_some_and(|c| c.uncertain));
        assert_eq!(routes.codes_in_force(day("2026-03-01")).filter(|c| *c != "7.1").count(), 27, "QĐ 3276 PL1");
        let visit_types = lists.of("MA_LOAI_KCB").expect("a list of visit types");
        assert_eq!(visit_types.codes_in_force(day("2026-07-31")).count(), 9);
        assert_eq!(visit_types.codes_in_force(day("2026-08-01")).count(), 16, "QĐ 1804");
        assert!(lists.of("MA_KHOA").is_none(), "not shipped: not checked until loaded");
        for table in Table::ALL {
            for (position, field) in spec::fields(table).iter().enumerate() {
                let by_name = lists.of(&field.name).map(|l| l as *const _);
                assert_eq!(lists.at(table, position).map(|l| l as *const _), by_name, "{}", field.name);
            }
        }
    }
}
