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
mod routes;
mod stay;
mod structure;

pub use crate::domain::violation::{Severity, Violation, bounded};
pub use catalogue::{Catalogue, CatalogueHandle, Rule};
pub use routes::routes;

use crate::domain::{Episode, personal};

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
/// gives its rule and the same bounds and masking as every other; `None` for a rule the catalogue
/// does not have.
pub fn finding(
    catalogue: &Catalogue,
    rule: &'static str,
    path: String,
    message: String,
    value: Option<String>,
) -> Option<Violation> {
    catalogue.get(rule)?;
    let mut findings = Findings::new(catalogue, Profile::default());
    findings.add(rule, path, message, value);
    findings.violations.pop()
}

/// Most characters of a value a violation repeats; a longer one is cut and its length said.
pub const VALUE_CHARS: usize = 64;
/// Most characters of a message or path (messages may quote a value).
pub const TEXT_CHARS: usize = 256;
/// Violations of one rule listed per episode; the rest are counted in one more.
pub const PER_RULE: usize = 20;

/// The field a violation's path ends in: `summary.MA_THE_BHYT[1]` → `MA_THE_BHYT`.
fn field_of(path: &str) -> Option<&str> {
    let last = path.rsplit('.').next()?;
    Some(last.split('[').next().unwrap_or(last))
}

/// Collects violations, taking each rule's severity from the catalogue; every text is bounded
/// and each rule listed at most [`PER_RULE`] times.
pub(crate) struct Findings<'c> {
    catalogue: &'c Catalogue,
    /// The amendment whose field sizes apply.
    profile: Profile,
    /// The code lists the coded fields are checked against.
    codes: &'c CodeLists,
    /// The days the lists in force are chosen by.
    days: Days,
    violations: Vec<Violation>,
    /// Violations of a rule past [`PER_RULE`]: (rule, how many).
    unlisted: Vec<(&'static str, usize)>,
}

impl<'c> Findings<'c> {
    /// Findings with no code lists (the rules that need none).
    fn new(catalogue: &'c Catalogue, profile: Profile) -> Self {
        static NO_CODES: std::sync::LazyLock<CodeLists> = std::sync::LazyLock::new(CodeLists::default);
        let codes = &*NO_CODES;
        Findings { catalogue, profile, codes, days: Days::default(), violations: Vec::new(), unlisted: Vec::new() }
    }

    fn with_codes(self, codes: &'c CodeLists, days: Days) -> Self {
        Findings { codes, days, ..self }
    }

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
        if self.violations.iter().filter(|v| v.rule == rule).count() >= PER_RULE {
            match self.unlisted.iter_mut().find(|(r, _)| *r == rule) {
                Some((_, n)) => *n += 1,
                None => self.unlisted.push((rule, 1)),
            }
            return;
        }
        let (path, mut message) = (path.to_string(), message.into());
        // A personal field's value is shown masked, in the message as in the value.
        let kind = field_of(&path).and_then(personal::personal);
        let value = match (value, kind) {
            (Some(v), Some(kind)) => {
                let masked = personal::mask(kind, &v);
                if v.trim().chars().count() >= 3 {
                    message = message.replace(v.trim(), &masked);
                }
                Some(masked)
            }
            (v, None) => v,
            (None, Some(_)) => None,
        };
        self.violations.push(Violation {
            rule: rule.to_owned(),
            severity: entry.severity,
            path: bounded(&path, TEXT_CHARS),
            message: bounded(&message, TEXT_CHARS),
            value: value.map(|v| bounded(&v, VALUE_CHARS)),
        });
    }

    /// The violations, with one more per rule that broke more than [`PER_RULE`] times saying how
    /// many were not listed.
    fn finish(mut self) -> Report {
        for (rule, n) in std::mem::take(&mut self.unlisted) {
            let severity = self.catalogue.get(rule).map_or(Severity::Critical, |r| r.severity);
            self.violations.push(Violation {
                rule: rule.to_owned(),
                severity,
                path: "…".to_owned(),
                message: format!("and {n} more violations of this rule, not listed"),
                value: None,
            });
        }
        Report { violations: self.violations }
    }
}

use crate::domain::spec::Profile;
use crate::reference::{CodeLists, ReferenceData};
use chrono::NaiveDate;

/// The days that choose which list entries are in force for an episode: its arrival (`NGAY_VAO`)
/// for most, the end of treatment (`NGAY_RA`) for what is decided at discharge.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Days {
    pub admission: Option<NaiveDate>,
    pub discharge: Option<NaiveDate>,
}

impl Days {
    fn of(admitted_at: Option<&str>, discharged_at: Option<&str>) -> Self {
        let day = |t: Option<&str>| t.and_then(|t| crate::domain::time::parse_datetime(t.trim())).map(|t| t.date());
        Days { admission: day(admitted_at), discharge: day(discharged_at) }
    }
}

/// Validates one episode under the field rules of `profile`; the catalogue-dependent rules run
/// for the reference lists loaded, each judged by the entries in force on the episode's dates.
pub fn validate(episode: &Episode, catalogue: &Catalogue, reference: &ReferenceData, profile: Profile) -> Report {
    let s = &episode.summary;
    let days = Days::of(s.admitted_at.as_deref(), s.discharged_at.as_deref());
    let mut findings = Findings::new(catalogue, profile).with_codes(&reference.code_lists, days);
    fields::check(episode, &mut findings);
    structure::check(episode, &mut findings);
    card::check(episode, &mut findings);
    patient::check(episode, &mut findings);
    stay::check(episode, &mut findings);
    money::check(episode, &mut findings);
    deep::check(episode, &mut findings);
    beds::check(episode, &mut findings);
    reference::check(episode, reference, &mut findings);
    findings.finish()
}

/// Validates one check-in sent on its own (`check_ins[index]` in the paths): its fields under the
/// rules of `profile`, and the one-item rule.
pub fn validate_check_in(
    check_in: &crate::domain::records::CheckIn,
    index: usize,
    catalogue: &Catalogue,
    codes: &CodeLists,
    profile: Profile,
) -> Report {
    let days = Days::of(check_in.admitted_at.as_deref(), None);
    let mut findings = Findings::new(catalogue, profile).with_codes(codes, days);
    let path = crate::domain::episode::RecordPath { section: "check_ins", index: Some(index) };
    fields::check_record(path, check_in, &mut findings);
    structure::checkin_single_item(index, check_in, &mut findings);
    findings.finish()
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

    #[test]
    fn what_a_violation_repeats_is_bounded() {
        assert_eq!(bounded("ngắn", 64), "ngắn");
        let long = "Ấ".repeat(4 * 1024 * 1024);
        assert_eq!(bounded(&long, 64), format!("{}… (4194304 characters)", "Ấ".repeat(64)));
        let catalogue = Catalogue::builtin();
        let mut findings = Findings::new(&catalogue, Profile::default());
        for i in 0..100 {
            findings.add(
                "EPISODE_KEY_MISMATCH",
                format!("drugs[{i}].MA_LK"),
                format!("MA_LK must be `{long}`"),
                Some(long.clone()),
            );
        }
        let report = findings.finish();
        assert_eq!(report.violations.len(), PER_RULE + 1);
        assert!(report.violations.iter().all(|v| v.message.chars().count() < 300));
        assert!(report.violations.iter().all(|v| v.value.as_deref().is_none_or(|x| x.chars().count() < 90)));
        assert_eq!(report.violations[PER_RULE].message, "and 80 more violations of this rule, not listed");
        assert_eq!(report.violations[PER_RULE].severity, Severity::Critical);
    }
}
