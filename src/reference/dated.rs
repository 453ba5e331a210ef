//! Entries in force by date. Every list entry carries `valid_from` and `valid_to` (both inclusive,
//! either open), a code may have entries for several periods (a price, a name, a parent that
//! changed), and an episode is judged by the entries in force on its own dates.

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// The days an entry is in force, both inclusive; `None` is open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Validity {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Validity {
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= day) && self.to.is_none_or(|t| day <= t)
    }

    /// `valid_from` and `valid_to` as the CSV and the store write them: `YYYY-MM-DD`, empty for open.
    pub fn bounds_text(&self) -> [String; 2] {
        [self.from, self.to].map(|d| d.map(|d| d.to_string()).unwrap_or_default())
    }

    pub fn overlaps(&self, other: &Validity) -> bool {
        let starts_before_other_ends = match (self.from, other.to) {
            (Some(from), Some(to)) => from <= to,
            _ => true,
        };
        let ends_after_other_starts = match (self.to, other.from) {
            (Some(to), Some(from)) => from <= to,
            _ => true,
        };
        starts_before_other_ends && ends_after_other_starts
    }
}

impl std::fmt::Display for Validity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.from, self.to) {
            (None, None) => write!(f, "at all times"),
            (Some(from), None) => write!(f, "from {from}"),
            (None, Some(to)) => write!(f, "until {to}"),
            (Some(from), Some(to)) => write!(f, "from {from} to {to}"),
        }
    }
}

/// The periods a code is in force, as a refusal says them: "from 2025-07-01 and until …".
pub fn periods_text(periods: &[Validity]) -> String {
    periods.iter().map(ToString::to_string).collect::<Vec<_>>().join(" and ")
}

/// What a list says of a code on a day.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup<'a, T> {
    InForce(&'a T),
    /// The list has the code, but not on that day: the periods it has it.
    OutOfForce(Vec<Validity>),
    Unknown,
}

/// A list of codes, each with entries for one or more periods that do not overlap (the CSV reader
/// refuses overlaps), in the order they were loaded.
#[derive(Debug, Clone)]
pub struct Dated<T> {
    entries: Vec<(String, Validity, T)>,
    by_code: HashMap<String, Vec<usize>>,
}

impl<T> Default for Dated<T> {
    fn default() -> Self {
        Dated { entries: Vec::new(), by_code: HashMap::new() }
    }
}

impl<T> FromIterator<(String, Validity, T)> for Dated<T> {
    fn from_iter<I: IntoIterator<Item = (String, Validity, T)>>(iter: I) -> Self {
        let entries: Vec<(String, Validity, T)> = iter.into_iter().collect();
        let mut by_code: HashMap<String, Vec<usize>> = HashMap::with_capacity(entries.len());
        for (i, (code, _, _)) in entries.iter().enumerate() {
            by_code.entry(code.clone()).or_default().push(i);
        }
        Dated { entries, by_code }
    }
}

impl<T> Dated<T> {
    /// The entry of `code` in force on `day`; without a day (an episode whose dates do not
    /// parse, which other rules report), the code's last entry.
    pub fn lookup(&self, code: &str, day: Option<NaiveDate>) -> Lookup<'_, T> {
        let Some(rows) = self.by_code.get(code) else {
            return Lookup::Unknown;
        };
        let found = match day {
            Some(day) => rows.iter().find(|&&i| self.entries[i].1.covers(day)),
            None => rows.last(),
        };
        match found {
            Some(&i) => Lookup::InForce(&self.entries[i].2),
            None => Lookup::OutOfForce(rows.iter().map(|&i| self.entries[i].1).collect()),
        }
    }

    pub fn get(&self, code: &str, day: Option<NaiveDate>) -> Option<&T> {
        match self.lookup(code, day) {
            Lookup::InForce(entry) => Some(entry),
            _ => None,
        }
    }

    pub fn contains(&self, code: &str, day: Option<NaiveDate>) -> bool {
        self.get(code, day).is_some()
    }

    /// The codes in force on `day` (every code without a day), in the order they were loaded.
    pub fn codes_in_force(&self, day: Option<NaiveDate>) -> impl Iterator<Item = &str> {
        self.entries.iter().filter(move |(_, v, _)| day.is_none_or(|d| v.covers(d))).map(|(c, _, _)| c.as_str())
    }
}

/// One version of a list: a span of days over which the same entries are in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct Version {
    /// For the code lists: the field (e.g. `MA_LOAI_KCB`) this version is of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// First day (`YYYY-MM-DD`); absent: since always.
    pub valid_from: Option<NaiveDate>,
    /// Last day; absent: still in force.
    pub valid_to: Option<NaiveDate>,
    /// How many entries are in force over this span.
    pub entries: usize,
}

/// The versions of a list of entries with these periods: the spans between the days on which an
/// entry comes into force or leaves it, each with how many entries are in force then.
pub fn versions(field: Option<&str>, periods: &[Validity]) -> Vec<Version> {
    let mut edges: Vec<NaiveDate> = periods
        .iter()
        .flat_map(|v| [v.from, v.to.and_then(|t| t.checked_add_signed(Duration::days(1)))])
        .flatten()
        .collect();
    edges.sort_unstable();
    edges.dedup();
    let starts = std::iter::once(None).chain(edges.iter().copied().map(Some));
    let ends = edges.iter().map(|e| Some(*e - Duration::days(1))).chain(std::iter::once(None));
    let mut spans: Vec<Version> = starts
        .zip(ends)
        .map(|(from, to)| {
            let span = Validity { from, to };
            let entries = periods.iter().filter(|p| p.overlaps(&span)).count();
            Version { field: field.map(str::to_owned), valid_from: from, valid_to: to, entries }
        })
        .collect();
    // Nothing was in force before the first entry began or after the last one ended.
    while spans.first().is_some_and(|s| s.entries == 0) {
        spans.remove(0);
    }
    while spans.last().is_some_and(|s| s.entries == 0) {
        spans.pop();
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    fn period(from: Option<&str>, to: Option<&str>) -> Validity {
        Validity { from: from.map(day), to: to.map(day) }
    }

    #[test]
    fn each_day_is_judged_by_the_entry_in_force_then() {
        let list: Dated<&str> = [
            ("83".to_owned(), period(None, Some("2025-06-30")), "Bến Tre"),
            ("86".to_owned(), period(None, Some("2025-06-30")), "Vĩnh Long (old)"),
            ("86".to_owned(), period(Some("2025-07-01"), None), "Vĩnh Long"),
        ]
        .into_iter()
        .collect();
        assert_eq!(list.lookup("83", Some(day("2025-06-30"))), Lookup::InForce(&"Bến Tre"));
        assert_eq!(
            list.lookup("83", Some(day("2025-07-01"))),
            Lookup::OutOfForce(vec![period(None, Some("2025-06-30"))])
        );
        assert_eq!(list.get("86", Some(day("2025-07-01"))), Some(&"Vĩnh Long"));
        assert_eq!(list.get("86", Some(day("2020-01-01"))), Some(&"Vĩnh Long (old)"));
        assert_eq!(list.get("86", None), Some(&"Vĩnh Long"), "no day: the latest entry");
        assert_eq!(list.lookup("99", Some(day("2025-07-01"))), Lookup::Unknown);
        assert_eq!(list.codes_in_force(Some(day("2026-01-01"))).collect::<Vec<_>>(), ["86"]);
    }

    #[test]
    fn a_list_has_one_version_per_span_with_the_same_entries() {
        let periods = [
            period(None, None),
            period(None, Some("2026-07-31")),
            period(Some("2026-08-01"), None),
            period(Some("2026-08-01"), None),
        ];
        let spans: Vec<(Option<NaiveDate>, Option<NaiveDate>, usize)> =
            versions(None, &periods).into_iter().map(|v| (v.valid_from, v.valid_to, v.entries)).collect();
        assert_eq!(spans, [(None, Some(day("2026-07-31")), 2), (Some(day("2026-08-01")), None, 3)]);
        let later = versions(Some("X"), &[period(Some("2025-07-01"), None)]);
        assert_eq!(later.len(), 1, "nothing before the first entry: {later:?}");
        assert_eq!(later[0].field.as_deref(), Some("X"));
        assert_eq!(versions(None, &[period(None, None)])[0].valid_to, None);
    }

    #[test]
    fn periods_overlap_unless_one_ends_before_the_other_begins() {
        assert!(period(None, None).overlaps(&period(Some("2025-07-01"), None)));
        assert!(!period(None, Some("2025-06-30")).overlaps(&period(Some("2025-07-01"), None)));
        assert!(period(None, Some("2025-07-01")).overlaps(&period(Some("2025-07-01"), None)));
        assert_eq!(period(Some("2025-07-01"), None).to_string(), "from 2025-07-01");
    }
}
