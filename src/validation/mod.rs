//! First-layer validation of an episode against QĐ 130/4750: field sizes, types, code lists and
//! required flags (from the field specification), card structure, dates, and the money identities.
//!
//! Each finding names its rule (a stable code of the catalogue), the field path, a message and the
//! offending value. Severity comes from the catalogue, not from the code that found it.

mod beds;
mod card;
pub mod catalogue;
mod deep;
mod fields;
mod money;
mod patient;
mod reference;
mod stay;
mod structure;

pub use catalogue::{Catalogue, CatalogueHandle, Rule, Severity};

use crate::domain::Episode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Violation {
    pub rule: String,
    pub severity: Severity,
    /// Where in the episode, e.g. `drugs[3].THANH_TIEN_BV`.
    pub path: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Severity::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("unknown severity `{text}`")))
    }
}

/// Everything validation found in one episode.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub violations: Vec<Violation>,
}

impl Report {
    pub fn has_critical(&self) -> bool {
        self.violations.iter().any(|v| v.severity == Severity::Critical)
    }

    pub fn warnings(&self) -> Vec<Violation> {
        self.violations.iter().filter(|v| v.severity == Severity::Warning).cloned().collect()
    }
}

/// A finding made outside the rules (what reading a file noticed), with the severity the catalogue
/// gives its rule; `None` for a rule the catalogue does not have.
pub fn finding(
    catalogue: &Catalogue,
    rule: &str,
    path: String,
    message: String,
    value: Option<String>,
) -> Option<Violation> {
    let entry = catalogue.get(rule)?;
    Some(Violation { rule: rule.to_owned(), severity: entry.severity, path, message, value })
}

/// Collects violations, taking each rule's severity from the catalogue.
pub(crate) struct Findings<'c> {
    catalogue: &'c Catalogue,
    /// The amendment whose field sizes apply.
    profile: Profile,
    violations: Vec<Violation>,
}

impl Findings<'_> {
    pub(crate) fn add(
        &mut self,
        rule: &'static str,
        path: impl std::fmt::Display,
        message: impl Into<String>,
        value: Option<String>,
    ) {
        let Some(entry) = self.catalogue.get(rule) else {
            debug_assert!(false, "rule `{rule}` is missing from catalogue.csv");
            return;
        };
        self.violations.push(Violation {
            rule: rule.to_owned(),
            severity: entry.severity,
            path: path.to_string(),
            message: message.into(),
            value,
        });
    }
}

use crate::domain::spec::Profile;
use crate::reference::ReferenceData;

/// Validates one episode under the field rules of `profile`; the catalogue-dependent rules run
/// for the reference lists loaded.
pub fn validate(episode: &Episode, catalogue: &Catalogue, reference: &ReferenceData, profile: Profile) -> Report {
    let mut findings = Findings { catalogue, profile, violations: Vec::new() };
    fields::check(episode, &mut findings);
    structure::check(episode, &mut findings);
    card::check(episode, &mut findings);
    patient::check(episode, &mut findings);
    stay::check(episode, &mut findings);
    money::check(episode, &mut findings);
    deep::check(episode, &mut findings);
    beds::check(episode, &mut findings);
    reference::check(episode, reference, &mut findings);
    Report { violations: findings.violations }
}

/// Validates one check-in sent on its own (`check_ins[index]` in the paths): its fields under the
/// rules of `profile`, and the one-item rule.
pub fn validate_check_in(
    check_in: &crate::domain::records::CheckIn,
    index: usize,
    catalogue: &Catalogue,
    profile: Profile,
) -> Report {
    let mut findings = Findings { catalogue, profile, violations: Vec::new() };
    let path = crate::domain::episode::RecordPath { section: "check_ins", index: Some(index) };
    fields::check_record(path, check_in, &mut findings);
    structure::check_in_items(index, check_in, &mut findings);
    Report { violations: findings.violations }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_well_formed() {
        let c = Catalogue::builtin();
        assert!(c.rules().count() >= 40);
        assert_eq!(c.get("TOTAL_T_BHTT").unwrap().severity, Severity::Critical);
        assert_eq!(c.get("STAY_TREATMENT_DAYS").unwrap().severity, Severity::Warning);
    }
}
