//! Bed days against the time the patient actually stayed (BHYT-FORMATS §d 21): one bed charged
//! twice for the same hours, and more bed days than the stay's length allows.
//!
//! A bed-day line (MA_NHOM 14–16) holds the bed from NGAY_YL to NGAY_KQ, or for SO_LUONG days
//! when NGAY_KQ is not given. The stay counts from the inpatient admission (NGAY_VAO_NOI_TRU,
//! else NGAY_VAO) to NGAY_RA.

use super::Findings;
use crate::domain::Episode;
use crate::domain::records::EpisodeSummary;
use crate::domain::time::{format_datetime, parse_datetime};
use chrono::{Duration, NaiveDateTime};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

const BED_GROUPS: std::ops::RangeInclusive<u32> = 14..=16;
/// KET_QUA_DTRI: unchanged, worse, died, grave prognosis taken home.
const GRAVE_OUTCOMES: &[u32] = &[3, 4, 5, 6];
/// MA_LOAI_RV: transferred, absconded, discharged at the patient's request.
const EARLY_DISCHARGES: &[u32] = &[2, 3, 4];

struct BedSpell<'a> {
    line: usize,
    beds: Vec<&'a str>,
    departments: Vec<&'a str>,
    from: NaiveDateTime,
    until: NaiveDateTime,
}

fn codes(v: &Option<String>) -> Vec<&str> {
    v.as_deref().unwrap_or_default().split(';').map(str::trim).filter(|c| !c.is_empty()).collect()
}

fn shares(a: &[&str], b: &[&str]) -> bool {
    a.iter().any(|x| b.contains(x))
}

pub(super) fn check(e: &Episode, findings: &mut Findings<'_>) {
    let mut spells = Vec::new();
    let mut bed_days = Decimal::ZERO;
    for (i, l) in e.services.iter().enumerate() {
        if !l.cost_group.is_some_and(|g| BED_GROUPS.contains(&g)) {
            continue;
        }
        let days = l.quantity.unwrap_or(Decimal::ONE);
        bed_days += days;
        let Some(from) = l.ordered_at.as_deref().and_then(parse_datetime) else { continue };
        let until = l.result_at.as_deref().and_then(parse_datetime).filter(|k| *k > from).unwrap_or_else(|| {
            let minutes = (days * Decimal::from(24 * 60)).round().to_i64().unwrap_or(0);
            from + Duration::minutes(minutes.max(1))
        });
        spells.push(BedSpell {
            line: i,
            beds: codes(&l.bed_codes),
            departments: codes(&l.department_codes),
            from,
            until,
        });
    }
    bed_overlap(&spells, findings);
    if bed_days.is_zero() {
        return;
    }
    let s = &e.summary;
    let start = s.inpatient_admitted_at.as_deref().or(s.admitted_at.as_deref()).and_then(parse_datetime);
    let Some((start, end)) = start.zip(s.discharged_at.as_deref().and_then(parse_datetime)) else { return };
    if end < start {
        return;
    }
    let stay = Stayed { minutes: (end - start).num_minutes(), bed_days };
    if stay.minutes < 4 * 60 {
        bed_under_4_hours(&stay, findings);
    } else if stay.minutes < 24 * 60 {
        bed_days_under_24_hours(&stay, findings);
    } else {
        bed_days_last_day(&stay, s, findings);
    }
}

/// The same bed of the same department charged twice for the same hours.
fn bed_overlap(spells: &[BedSpell<'_>], findings: &mut Findings<'_>) {
    for (n, a) in spells.iter().enumerate() {
        let clash = spells[..n].iter().find(|b| {
            shares(&a.beds, &b.beds) && shares(&a.departments, &b.departments) && a.from < b.until && b.from < a.until
        });
        if let Some(b) = clash {
            findings.add(
                "BED_OVERLAP",
                format!("services[{}].NGAY_YL", a.line),
                format!(
                    "bed {} of {} from {} overlaps services[{}] ({} to {})",
                    a.beds.join(";"),
                    a.departments.join(";"),
                    format_datetime(a.from),
                    b.line,
                    format_datetime(b.from),
                    format_datetime(b.until)
                ),
                Some(format_datetime(a.from)),
            );
        }
    }
}

/// How long the stay was and how many bed days it carries.
struct Stayed {
    minutes: i64,
    bed_days: Decimal,
}

impl Stayed {
    fn text(&self) -> String {
        format!("a stay of {}h{:02}", self.minutes / 60, self.minutes % 60)
    }
}

fn bed_under_4_hours(stay: &Stayed, findings: &mut Findings<'_>) {
    let (text, bed_days) = (stay.text(), stay.bed_days);
    findings.add(
        "BED_UNDER_4_HOURS",
        "services",
        format!("{text} carries {bed_days} bed days; under 4 hours no bed is charged"),
        Some(bed_days.to_string()),
    );
}

fn bed_days_under_24_hours(stay: &Stayed, findings: &mut Findings<'_>) {
    let (text, bed_days) = (stay.text(), stay.bed_days);
    if bed_days > Decimal::ONE {
        findings.add(
            "BED_DAYS_UNDER_24_HOURS",
            "services",
            format!("{text} carries {bed_days} bed days; from 4 to 24 hours at most 1"),
            Some(bed_days.to_string()),
        );
    }
}

/// A last day under 4 hours is not a bed day, unless the patient left gravely ill.
fn bed_days_last_day(stay: &Stayed, s: &EpisodeSummary, findings: &mut Findings<'_>) {
    let left_over = stay.minutes % (24 * 60);
    let exempt = s.outcome.is_some_and(|o| GRAVE_OUTCOMES.contains(&o))
        && s.discharge_type.is_some_and(|t| EARLY_DISCHARGES.contains(&t));
    if let Some(days) = s.treatment_days
        && stay.bed_days >= Decimal::from(days)
        && left_over < 4 * 60
        && !exempt
    {
        findings.add(
            "BED_DAYS_LAST_DAY",
            "services",
            format!(
                "{} carries {} bed days for SO_NGAY_DTRI {days}: the last day has {}h{:02}, under 4 hours",
                stay.text(),
                stay.bed_days,
                left_over / 60,
                left_over % 60
            ),
            Some(stay.bed_days.to_string()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::records::{EpisodeSummary, ServiceLine};
    use crate::validation::{Catalogue, Findings};

    fn bed(at: &str, bed: &str, quantity: i64) -> ServiceLine {
        ServiceLine {
            cost_group: Some(15),
            quantity: Some(Decimal::from(quantity)),
            bed_codes: Some(bed.to_owned()),
            department_codes: Some("K03".to_owned()),
            ordered_at: Some(at.to_owned()),
            ..ServiceLine::default()
        }
    }

    fn episode(arrival: &str, discharge: &str, days: u32, beds: Vec<ServiceLine>) -> Episode {
        Episode {
            summary: EpisodeSummary {
                visit_type: Some("03".to_owned()),
                admitted_at: Some(arrival.to_owned()),
                discharged_at: Some(discharge.to_owned()),
                treatment_days: Some(days),
                outcome: Some(1),
                discharge_type: Some(1),
                ..EpisodeSummary::default()
            },
            services: beds,
            ..Episode::default()
        }
    }

    fn rules(e: &Episode) -> Vec<String> {
        let catalogue = Catalogue::builtin();
        let mut findings = Findings::new(&catalogue, Default::default());
        check(e, &mut findings);
        findings.violations.into_iter().map(|v| v.rule).collect()
    }

    #[test]
    fn the_same_bed_twice_in_the_same_hours_overlaps() {
        let beds = vec![bed("202603010800", "H001", 1), bed("202603011400", "H001", 1)];
        assert_eq!(rules(&episode("202603010800", "202603031000", 3, beds)), ["BED_OVERLAP"]);
        // Consecutive days, or another bed, or another department, do not.
        let mut beds =
            vec![bed("202603010800", "H001", 1), bed("202603020800", "H001", 1), bed("202603011400", "H002", 1)];
        let mut moved = bed("202603011400", "H001", 1);
        moved.department_codes = Some("K19".to_owned());
        beds.push(moved);
        assert!(!rules(&episode("202603010800", "202603031000", 3, beds)).contains(&"BED_OVERLAP".to_owned()));
        // NGAY_KQ ends a spell early: a bed given back at noon can be charged again in the afternoon.
        let mut morning = bed("202603010800", "H001", 1);
        morning.result_at = Some("202603011200".to_owned());
        let beds = vec![morning, bed("202603011300", "H001", 1)];
        assert!(rules(&episode("202603010800", "202603031000", 3, beds)).is_empty());
    }

    #[test]
    fn short_stays_limit_the_bed_days() {
        let one = || vec![bed("202603010800", "H001", 1)];
        assert_eq!(rules(&episode("202603010800", "202603011159", 1, one())), ["BED_UNDER_4_HOURS"]);
        assert!(rules(&episode("202603010800", "202603011200", 1, one())).is_empty());
        let two = vec![bed("202603010800", "H001", 1), bed("202603011700", "H002", 1)];
        assert_eq!(rules(&episode("202603010800", "202603020759", 2, two)), ["BED_DAYS_UNDER_24_HOURS"]);
    }

    #[test]
    fn the_last_day_counts_from_four_hours_unless_the_patient_left_gravely() {
        let three =
            || vec![bed("202603010800", "H001", 1), bed("202603020800", "H001", 1), bed("202603030800", "H001", 1)];
        // 2 days and 3 hours: the third calendar day is not a bed day.
        assert_eq!(rules(&episode("202603010800", "202603031100", 3, three())), ["BED_DAYS_LAST_DAY"]);
        // 2 days and 4 hours: it is.
        assert!(rules(&episode("202603010800", "202603031200", 3, three())).is_empty());
        // Two bed days for the same stay are fine.
        let two = vec![bed("202603010800", "H001", 1), bed("202603020800", "H001", 1)];
        assert!(rules(&episode("202603010800", "202603031100", 3, two)).is_empty());
        // Died after transfer: the day counts.
        let mut e = episode("202603010800", "202603031100", 3, three());
        e.summary.outcome = Some(5);
        e.summary.discharge_type = Some(2);
        assert!(rules(&e).is_empty());
    }
}
