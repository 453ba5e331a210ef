//! Insurance cards of the summary (XML1): structure of each card number, the four parallel
//! `;`-lists, validity periods, and the citizen id.

use super::Findings;
use crate::domain::Episode;
use crate::domain::card::{CardNumber, mask};
use crate::domain::time;

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
            findings.add(
                e.part.rule_code(),
                format!("summary.MA_THE_BHYT[{i}]"),
                e.message.replace(card, &mask(card)),
                Some(mask(card)),
            );
        }
    }
    if !cards.is_empty() && [facilities.len(), from.len(), to.len()].iter().any(|n| *n != cards.len()) {
        findings.add(
            "CARD_LIST_MISMATCH",
            "summary.MA_THE_BHYT",
            format!(
                "{} card(s) but {} MA_DKBD, {} GT_THE_TU and {} GT_THE_DEN; the four lists are parallel",
                cards.len(),
                facilities.len(),
                from.len(),
                to.len()
            ),
            None,
        );
    }

    let mut periods = Vec::new();
    for (i, (f, t)) in from.iter().zip(to.iter()).enumerate() {
        let (pf, pt) = (time::parse_date(f), time::parse_date(t));
        if pf.is_none() {
            findings.add(
                "FIELD_DATE_FORMAT",
                format!("summary.GT_THE_TU[{i}]"),
                "GT_THE_TU must be a real date written yyyyMMdd",
                Some((*f).to_owned()),
            );
        }
        if pt.is_none() {
            findings.add(
                "FIELD_DATE_FORMAT",
                format!("summary.GT_THE_DEN[{i}]"),
                "GT_THE_DEN must be a real date written yyyyMMdd",
                Some((*t).to_owned()),
            );
        }
        if let (Some(pf), Some(pt)) = (pf, pt) {
            if pf > pt {
                findings.add(
                    "CARD_VALIDITY_ORDER",
                    format!("summary.GT_THE_TU[{i}]"),
                    format!("card valid from {f} is after valid to {t}"),
                    Some(format!("{f}-{t}")),
                );
            }
            periods.push((pf, pt));
        }
    }
    let arrival = s.admitted_at.as_deref().and_then(time::parse_datetime).map(|t| t.date());
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

    if let Some(id) = s.citizen_id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
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
}
