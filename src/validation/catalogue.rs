//! The rule catalogue: every rule's stable code, severity and description, kept as data
//! (`catalogue.csv` beside this file) so that people can read and review it without the code.

use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

const CATALOGUE_CSV: &str = include_str!("catalogue.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks the episode: it is refused with 422 and never submitted.
    Critical,
    /// Stored with the episode and shown to the facility; the episode is accepted.
    Warning,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rule {
    pub code: String,
    pub severity: Severity,
    pub category: String,
    pub description: String,
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
                let severity = match &row[1] {
                    "critical" => Severity::Critical,
                    "warning" => Severity::Warning,
                    other => panic!("catalogue.csv: unknown severity `{other}`"),
                };
                let rule = Rule {
                    code: row[0].to_owned(),
                    severity,
                    category: row[2].to_owned(),
                    description: row[3].to_owned(),
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
}
