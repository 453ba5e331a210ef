//! Insurance cards of the summary (XML1): structure of each card number, the four parallel
//! `;`-lists, validity periods, and the citizen id.

use super::{Findings, fields};
use crate::domain::Episode;
use crate::domain::card::{CardNumber, mask};
use crate::domain::time;
use chrono::NaiveDate;

fn list(value: &Option<String>) -> Vec<&str> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.split(';').map(str::trim).collect())
        .unwrap_or_default()
}

pub(super) fn check(episode: &Episode, findings: &mut Findings<'_>) {
    let s = &episode.summary;
    let cards = list(&s.card_numbers);
    let facilities = list(&s.primary_care_facilities);
    let from = list(&s.card_valid_from);
    let to = list(&s.card_valid_to);

    for (i, card) in cards.iter().enumerate() {
        if let Err(e) = CardNumber::parse(card) {
            let message = e.message.replace(card, &mask(card));
            findings.add(e.rule, format!("summary.MA_THE_BHYT[{i}]"), message, Some(mask(card)));
        }
    }
    card_list_mismatch(cards.len(), [facilities.len(), from.len(), to.len()], findings);
    let mut periods = Vec::new();
    for (i, (f, t)) in from.iter().zip(to.iter()).enumerate() {
        let (pf, pt) = (time::parse_date(f), time::parse_date(t));
        if pf.is_none() {
            fields::field_date_format(format_args!("summary.GT_THE_TU[{i}]"), "GT_THE_TU", f, false, findings);
        }
        if pt.is_none() {
            fields::field_date_format(format_args!("summary.GT_THE_DEN[{i}]"), "GT_THE_DEN", t, false, findings);
        }
        if let (Some(pf), Some(pt)) = (pf, pt) {
            card_validity_order(i, (f, pf), (t, pt), findings);
            periods.push((pf, pt));
        }
    }
    card_not_valid_during_visit(s.admitted_at.as_deref(), &periods, findings);
    citizen_id_format(s.citizen_id.as_deref(), findings);
    scope_armed_forces_card(episode, &cards, findings);
}

/// The four `;`-lists (cards, MA_DKBD, GT_THE_TU, GT_THE_DEN) are parallel.
fn card_list_mismatch(cards: usize, [facilities, from, to]: [usize; 3], findings: &mut Findings<'_>) {
    if cards > 0 && [facilities, from, to].iter().any(|n| *n != cards) {
        let message = format!(
            "{cards} card(s) but {facilities} MA_DKBD, {from} GT_THE_TU and {to} GT_THE_DEN; the four lists are parallel"
        );
        findings.add("CARD_LIST_MISMATCH", "summary.MA_THE_BHYT", message, None);
    }
}

fn card_validity_order(
    i: usize,
    (from, from_day): (&str, NaiveDate),
    (to, to_day): (&str, NaiveDate),
    findings: &mut Findings<'_>,
) {
    if from_day > to_day {
        findings.add(
            "CARD_VALIDITY_ORDER",
            format!("summary.GT_THE_TU[{i}]"),
            format!("card valid from {from} is after valid to {to}"),
            Some(format!("{from}-{to}")),
        );
    }
}

/// No card's period holds the day of arrival.
fn card_not_valid_during_visit(
    admitted_at: Option<&str>,
    periods: &[(NaiveDate, NaiveDate)],
    findings: &mut Findings<'_>,
) {
    let arrival = admitted_at.and_then(time::parse_datetime).map(|t| t.date());
    if let Some(day) = arrival
        && !periods.is_empty()
        && !periods.iter().any(|(f, t)| *f <= day && day <= *t)
    {
        findings.add(
            "CARD_NOT_VALID_DURING_VISIT",
            "summary.GT_THE_DEN",
            format!("no listed card is valid on the day of arrival {}", time::format_date(day)),
            None,
        );
    }
}

fn citizen_id_format(citizen_id: Option<&str>, findings: &mut Findings<'_>) {
    let Some(id) = citizen_id.map(str::trim).filter(|id| !id.is_empty()) else {
        return;
    };
    let digits = id.bytes().all(|b| b.is_ascii_digit()) && (id.len() == 9 || id.len() == 12);
    let passport =
        id.len() == 8 && id.as_bytes()[0].is_ascii_uppercase() && id.bytes().skip(1).all(|b| b.is_ascii_digit());
    if !digits && !passport {
        findings.add(
            "CITIZEN_ID_FORMAT",
            "summary.SO_CCCD",
            "SO_CCCD should be 9 or 12 digits, or a passport number (one capital letter and 7 digits)",
            Some(mask(id)),
        );
    }
}

/// Card prefixes of the armed forces (army QN, police CA, cipher CY), whose holders' items outside
/// the BHYT list are paid by their ministry: PHAM_VI 3 (NĐ 70/2015).
const ARMED_FORCES_CARDS: [&str; 3] = ["QN", "CA", "CY"];

/// PHAM_VI 3 belongs to armed-forces cards, and their out-of-list lines take 3, not 2 (the QLBV
/// site rule).
fn scope_armed_forces_card(episode: &Episode, cards: &[&str], findings: &mut Findings<'_>) {
    let armed = cards.iter().any(|c| ARMED_FORCES_CARDS.iter().any(|p| c.starts_with(p)));
    let drugs = episode.drugs.iter().map(|l| ("drugs", l.coverage_scope));
    let services = episode.services.iter().map(|l| ("services", l.coverage_scope));
    // Numbered within each table, as the paths of the other rules are.
    let lines = drugs.enumerate().chain(services.enumerate());
    for (i, (table, scope)) in lines {
        let message = match (armed, scope) {
            (true, Some(2)) => "an armed-forces card (QN, CA, CY): an item outside the list is PHAM_VI 3, not 2",
            (false, Some(3)) => "PHAM_VI 3 (paid for the army, police and cipher) needs a QN, CA or CY card",
            _ => continue,
        };
        findings.add(
            "SCOPE_ARMED_FORCES_CARD",
            format_args!("{table}[{i}].PHAM_VI"),
            message,
            scope.map(|s| s.to_string()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::records::{DrugLine, EpisodeSummary, ServiceLine};
    use crate::validation::Catalogue;

    fn scope_findings(card: &str, drug_scope: u32, service_scope: u32) -> Vec<String> {
        let episode = Episode {
            summary: EpisodeSummary { card_numbers: Some(card.to_owned()), ..EpisodeSummary::default() },
            drugs: vec![DrugLine { coverage_scope: Some(drug_scope), ..DrugLine::default() }],
            services: vec![ServiceLine { coverage_scope: Some(service_scope), ..ServiceLine::default() }],
            ..Episode::default()
        };
        let catalogue = Catalogue::builtin();
        let mut findings = Findings::new(&catalogue, Default::default());
        scope_armed_forces_card(&episode, &list(&episode.summary.card_numbers), &mut findings);
        findings.violations.into_iter().map(|v| v.path).collect()
    }

    #[test]
    fn scope_3_goes_with_armed_forces_cards_only() {
        assert_eq!(scope_findings("HS4839999990010", 3, 1), ["drugs[0].PHAM_VI"]);
        assert_eq!(scope_findings("HS4839999990010", 2, 1), Vec::<String>::new());
        assert_eq!(scope_findings("QN5979799999999", 2, 3), ["drugs[0].PHAM_VI"]);
        assert_eq!(scope_findings("HS4839999990010;CA5979799999999", 3, 3), Vec::<String>::new());
        assert_eq!(scope_findings("CY5979799999999", 1, 2), ["services[0].PHAM_VI"]);
    }
}
