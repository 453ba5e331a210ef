//! The stay: ordering of arrival, inpatient admission, discharge and birth; treatment days by visit
//! type; orders inside the stay.

use super::Findings;
use crate::domain::Episode;
use crate::domain::time;
use chrono::NaiveDateTime;

pub(super) fn check(episode: &Episode, findings: &mut Findings<'_>) {
    let s = &episode.summary;
    let arrival = s.admitted_at.as_deref().and_then(time::parse_datetime);
    let discharge = s.discharged_at.as_deref().and_then(time::parse_datetime);
    let inpatient = s.inpatient_admitted_at.as_deref().and_then(time::parse_datetime);
    let birth = s.birth_date.as_deref().filter(|b| time::is_valid_birth_date(b)).and_then(time::birth_lower_bound);
    let Some(a) = arrival else {
        return;
    };
    if let Some(i) = inpatient {
        stay_inpatient_before_arrival(a, i, findings);
    }
    if let Some(b) = birth {
        stay_birth_after_arrival(a, b, s.birth_date.as_deref(), findings);
    }
    let Some(d) = discharge else {
        return;
    };
    if d < a {
        stay_discharge_before_admission(a, d, findings);
        return;
    }
    let visit_type = s.visit_type.as_deref().map(str::trim).unwrap_or_default();
    let calendar_days = (d.date() - a.date()).num_days() + 1;
    stay_treatment_days(visit_type, calendar_days, s.treatment_days, findings);
    stay_outpatient_multi_day(visit_type, calendar_days, findings);
    order_outside_stay(episode, (a, d), findings);
}

fn stay_discharge_before_admission(a: NaiveDateTime, d: NaiveDateTime, findings: &mut Findings<'_>) {
    findings.add(
        "STAY_DISCHARGE_BEFORE_ADMISSION",
        "summary.NGAY_RA",
        format!("NGAY_RA {} is before NGAY_VAO {}", time::format_datetime(d), time::format_datetime(a)),
        Some(time::format_datetime(d)),
    );
}

fn stay_inpatient_before_arrival(a: NaiveDateTime, i: NaiveDateTime, findings: &mut Findings<'_>) {
    if i < a {
        findings.add(
            "STAY_INPATIENT_BEFORE_ARRIVAL",
            "summary.NGAY_VAO_NOI_TRU",
            format!("NGAY_VAO_NOI_TRU {} is before NGAY_VAO {}", time::format_datetime(i), time::format_datetime(a)),
            Some(time::format_datetime(i)),
        );
    }
}

fn stay_birth_after_arrival(a: NaiveDateTime, b: NaiveDateTime, written: Option<&str>, findings: &mut Findings<'_>) {
    if b > a {
        findings.add(
            "STAY_BIRTH_AFTER_ARRIVAL",
            "summary.NGAY_SINH",
            "NGAY_SINH is after NGAY_VAO",
            written.map(str::to_owned),
        );
    }
}

/// Examinations (MA_LOAI_KCB 01, 07, 09) count no treatment days; day care and inpatient stays
/// count the calendar days.
fn stay_treatment_days(visit_type: &str, calendar_days: i64, declared: Option<u32>, findings: &mut Findings<'_>) {
    let expected = match visit_type {
        "01" | "07" | "09" => Some(0),
        "02" | "03" | "04" | "06" => Some(calendar_days),
        _ => None,
    };
    if let (Some(expected), Some(actual)) = (expected, declared)
        && i64::from(actual) != expected
    {
        findings.add(
            "STAY_TREATMENT_DAYS",
            "summary.SO_NGAY_DTRI",
            format!("for MA_LOAI_KCB {visit_type} SO_NGAY_DTRI should be {expected}"),
            Some(actual.to_string()),
        );
    }
}

fn stay_outpatient_multi_day(visit_type: &str, calendar_days: i64, findings: &mut Findings<'_>) {
    if visit_type == "01" && calendar_days > 1 {
        findings.add(
            "STAY_OUTPATIENT_MULTI_DAY",
            "summary.NGAY_RA",
            format!("an examination visit (MA_LOAI_KCB 01) spans {calendar_days} days"),
            None,
        );
    }
}

fn order_outside_stay(episode: &Episode, (a, d): (NaiveDateTime, NaiveDateTime), findings: &mut Findings<'_>) {
    let drugs = episode.drugs.iter().enumerate().map(|(i, l)| ("drugs", i, &l.ordered_at));
    let services = episode.services.iter().enumerate().map(|(i, l)| ("services", i, &l.ordered_at));
    for (section, i, ordered) in drugs.chain(services) {
        if let Some(t) = ordered.as_deref().and_then(time::parse_datetime)
            && (t < a || t > d)
        {
            findings.add(
                "ORDER_OUTSIDE_STAY",
                format!("{section}[{i}].NGAY_YL"),
                "NGAY_YL is outside the stay [NGAY_VAO; NGAY_RA]",
                Some(time::format_datetime(t)),
            );
        }
    }
}
