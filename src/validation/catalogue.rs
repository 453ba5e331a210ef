//! The rule catalogue: every rule's stable code, severity and description (in English, and in
//! Vietnamese with how to correct it), kept as data (`catalogue.csv` beside this file) so that
//! people can read and review it without the code.

use crate::domain::violation::Severity;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

const CATALOGUE_CSV: &str = include_str!("catalogue.csv");

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rule {
    pub code: String,
    pub severity: Severity,
    pub category: String,
    pub description: String,
    /// The rule in Vietnamese, as the facility's staff read it on their worklist.
    pub description_vi: String,
    /// How to correct what breaks it, in Vietnamese.
    pub fix_vi: String,
}

#[derive(Debug, Clone)]
pub struct Catalogue {
    rules: BTreeMap<String, Rule>,
}

impl Catalogue {
    /// The catalogue shipped with hisgate.
    pub fn builtin() -> Self {
        let mut reader = csv::Reader::from_reader(CATALOGUE_CSV.as_bytes());
        let rules = reader
            .records()
            .map(|row| {
                let row = row.expect("catalogue.csv is well-formed CSV");
                let severity =
                    Severity::parse(&row[1]).unwrap_or_else(|| panic!("catalogue.csv: unknown severity `{}`", &row[1]));
                let rule = Rule {
                    code: row[0].to_owned(),
                    severity,
                    category: row[2].to_owned(),
                    description: row[3].to_owned(),
                    description_vi: row[4].to_owned(),
                    fix_vi: row[5].to_owned(),
                };
                (rule.code.clone(), rule)
            })
            .collect();
        Catalogue { rules }
    }

    pub fn get(&self, code: &str) -> Option<&Rule> {
        self.rules.get(code)
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.values()
    }

    /// Whether an administrator may lower a rule to a warning: not `FACILITY_UNKNOWN`, since
    /// without a registered facility the claim cannot be stored at all.
    pub fn may_warn(code: &str) -> bool {
        code != "FACILITY_UNKNOWN"
    }

    /// The shipped catalogue with administrators' severities applied (unknown codes are ignored:
    /// a rule may have been retired since).
    pub fn with_overrides(&self, overrides: &[(String, String)]) -> Catalogue {
        let mut rules = self.rules.clone();
        for (code, severity) in overrides {
            if let (Some(rule), Some(severity)) = (rules.get_mut(code), Severity::parse(severity)) {
                rule.severity = severity;
            }
        }
        Catalogue { rules }
    }
}

/// The catalogue in force, shared by every request and replaceable at run time.
#[derive(Clone)]
pub struct CatalogueHandle(std::sync::Arc<std::sync::RwLock<std::sync::Arc<Catalogue>>>);

impl CatalogueHandle {
    pub fn new(catalogue: Catalogue) -> Self {
        CatalogueHandle(std::sync::Arc::new(std::sync::RwLock::new(std::sync::Arc::new(catalogue))))
    }

    pub fn current(&self) -> std::sync::Arc<Catalogue> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn replace(&self, catalogue: Catalogue) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = std::sync::Arc::new(catalogue);
    }
}
