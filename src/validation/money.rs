//! The money identities of QĐ 130 (BHYT-FORMATS §c): per line, then the summary totals.
//! Every comparison is exact after rounding to 2 decimals, as the portal checks.

use super::Findings;
use crate::domain::Episode;
use crate::domain::decimal::round_money;
use rust_decimal::Decimal;

/// Supply lines (medical supplies in and outside the list), whose amounts make `T_VTYT`.
const SUPPLY_GROUPS: &[u32] = &[10, 11];

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// The amounts of one line, whichever table it comes from.
struct Line<'a> {
    path: String,
    amount_hospital: Option<&'a Decimal>,
    amount_insured: Option<&'a Decimal>,
    self_pay: Option<&'a Decimal>,
    copay: Option<&'a Decimal>,
    fund: Option<&'a Decimal>,
    other: Option<&'a Decimal>,
    other_parts: [Option<&'a Decimal>; 4],
    fee_for_service: bool,
    supply: bool,
    drug: bool,
}

fn sum<'a>(values: impl Iterator<Item = Option<&'a Decimal>>) -> Decimal {
    values.flatten().copied().sum()
}

fn mismatch(
    findings: &mut Findings<'_>,
    rule: &'static str,
    path: String,
    name: &str,
    expected: Decimal,
    actual: &Decimal,
) {
    findings.add(
        rule,
        path,
        format!("{name} should be {} (computed), not {}", round_money(expected), actual.normalize()),
        Some(actual.normalize().to_string()),
    );
}

/// `field` of the line or table at `at` should be `expected` (to the cent): `rule` otherwise.
fn compare(
    findings: &mut Findings<'_>,
    rule: &'static str,
    at: &str,
    field: &str,
    expected: Decimal,
    actual: &Decimal,
) {
    if round_money(expected) != round_money(*actual) {
        mismatch(findings, rule, format!("{at}.{field}"), field, expected, actual);
    }
}

pub(super) fn check(episode: &Episode, findings: &mut Findings<'_>) {
    let mut lines = drug_lines(episode, findings);
    lines.extend(service_lines(episode, findings));
    line_splits(&lines, findings);
    summary_totals(episode, &lines, findings);
}

/// Each drug line's amounts (XML2: quantity × price, × the insured rate), and its [`Line`].
fn drug_lines<'a>(episode: &'a Episode, findings: &mut Findings<'_>) -> Vec<Line<'a>> {
    let mut lines = Vec::with_capacity(episode.drugs.len());
    for (i, l) in episode.drugs.iter().enumerate() {
        let path = format!("drugs[{i}]");
        if let (Some(q), Some(p)) = (l.quantity, l.unit_price) {
            if let Some(bv) = &l.amount_hospital {
                compare(findings, "LINE_AMOUNT_HOSPITAL", &path, "THANH_TIEN_BV", q * p, bv);
            }
            if let (Some(bh), Some(rate)) = (&l.amount_insured, l.insurance_rate_pct) {
                compare(findings, "LINE_AMOUNT_INSURED", &path, "THANH_TIEN_BH", q * p * rate / HUNDRED, bh);
            }
        }
        lines.push(Line {
            path,
            amount_hospital: l.amount_hospital.as_ref(),
            amount_insured: l.amount_insured.as_ref(),
            self_pay: l.patient_self_pay.as_ref(),
            copay: l.patient_copay.as_ref(),
            fund: l.fund_pays.as_ref(),
            other: l.other_sources.as_ref(),
            other_parts: [
                l.other_state_budget.as_ref(),
                l.other_foreign_aid.as_ref(),
                l.other_domestic_aid.as_ref(),
                l.other_remaining.as_ref(),
            ],
            fee_for_service: l.payment_method == Some(1),
            supply: false,
            drug: true,
        });
    }
    lines
}

/// Each service line's amounts (XML3: also × the service rate), and its [`Line`].
fn service_lines<'a>(episode: &'a Episode, findings: &mut Findings<'_>) -> Vec<Line<'a>> {
    let mut lines = Vec::with_capacity(episode.services.len());
    for (i, l) in episode.services.iter().enumerate() {
        let path = format!("services[{i}]");
        let service_rate = l.service_rate_pct.unwrap_or(HUNDRED);
        if let Some(q) = l.quantity {
            if let (Some(p), Some(bv)) = (l.unit_price_hospital, &l.amount_hospital) {
                compare(findings, "LINE_AMOUNT_HOSPITAL", &path, "THANH_TIEN_BV", q * p * service_rate / HUNDRED, bv);
            }
            if let (Some(p), Some(rate), Some(bh)) = (l.unit_price_insured, l.insurance_rate_pct, &l.amount_insured) {
                let expected = q * p * rate / HUNDRED * service_rate / HUNDRED;
                compare(findings, "LINE_AMOUNT_INSURED", &path, "THANH_TIEN_BH", expected, bh);
            }
        }
        lines.push(Line {
            path,
            amount_hospital: l.amount_hospital.as_ref(),
            amount_insured: l.amount_insured.as_ref(),
            self_pay: l.patient_self_pay.as_ref(),
            copay: l.patient_copay.as_ref(),
            fund: l.fund_pays.as_ref(),
            other: l.other_sources.as_ref(),
            other_parts: [
                l.other_state_budget.as_ref(),
                l.other_foreign_aid.as_ref(),
                l.other_domestic_aid.as_ref(),
                l.other_remaining.as_ref(),
            ],
            fee_for_service: l.payment_method == Some(1),
            supply: l.cost_group.is_some_and(|g| SUPPLY_GROUPS.contains(&g)),
            drug: false,
        });
    }
    lines
}

/// Every line's other sources add up to `T_NGUONKHAC`, and its payers to `THANH_TIEN_BV`.
fn line_splits(lines: &[Line<'_>], findings: &mut Findings<'_>) {
    for l in lines {
        if let Some(other) = l.other
            && l.other_parts.iter().any(Option::is_some)
        {
            compare(
                findings,
                "LINE_OTHER_SOURCES_SUM",
                &l.path,
                "T_NGUONKHAC",
                sum(l.other_parts.iter().copied()),
                other,
            );
        }
        if let Some(bv) = l.amount_hospital
            && [l.self_pay, l.copay, l.fund, l.other].iter().any(Option::is_some)
        {
            let split = sum([l.self_pay, l.copay, l.fund, l.other].into_iter());
            if round_money(split) != round_money(*bv) {
                findings.add(
                    "LINE_SPLIT",
                    format!("{}.THANH_TIEN_BV", l.path),
                    format!(
                        "THANH_TIEN_BV {} is not T_BNTT + T_BNCCT + T_BHTT + T_NGUONKHAC = {}",
                        bv.normalize(),
                        round_money(split)
                    ),
                    Some(bv.normalize().to_string()),
                );
            }
        }
    }
}

/// The summary's totals (XML1) are the sums of the lines', and `T_BHTT` is `T_TONGCHI_BH - T_BNCCT`.
fn summary_totals(episode: &Episode, lines: &[Line<'_>], findings: &mut Findings<'_>) {
    let s = &episode.summary;
    let totals: [(&'static str, &str, &Option<Decimal>, Decimal); 8] = [
        ("TOTAL_T_THUOC", "T_THUOC", &s.total_drugs, sum(lines.iter().filter(|l| l.drug).map(|l| l.amount_hospital))),
        (
            "TOTAL_T_VTYT",
            "T_VTYT",
            &s.total_supplies,
            sum(lines.iter().filter(|l| l.supply).map(|l| l.amount_hospital)),
        ),
        ("TOTAL_T_TONGCHI_BV", "T_TONGCHI_BV", &s.total_cost_hospital, sum(lines.iter().map(|l| l.amount_hospital))),
        ("TOTAL_T_TONGCHI_BH", "T_TONGCHI_BH", &s.total_cost_insured, sum(lines.iter().map(|l| l.amount_insured))),
        ("TOTAL_T_BNTT", "T_BNTT", &s.patient_self_pay, sum(lines.iter().map(|l| l.self_pay))),
        ("TOTAL_T_BNCCT", "T_BNCCT", &s.patient_copay, sum(lines.iter().map(|l| l.copay))),
        ("TOTAL_T_NGUONKHAC", "T_NGUONKHAC", &s.other_sources, sum(lines.iter().map(|l| l.other))),
        (
            "TOTAL_T_BHTT_GDV",
            "T_BHTT_GDV",
            &s.fund_pays_fee_for_service,
            sum(lines.iter().filter(|l| l.fee_for_service).map(|l| l.fund)),
        ),
    ];
    for (rule, name, stated, computed) in totals {
        if let Some(stated) = stated {
            compare(findings, rule, "summary", name, computed, stated);
        }
    }
    if let (Some(fund), Some(insured), Some(copay)) = (&s.fund_pays, s.total_cost_insured, s.patient_copay) {
        let expected = insured - copay;
        if round_money(expected) != round_money(*fund) {
            mismatch(
                findings,
                "TOTAL_T_BHTT",
                "summary.T_BHTT".to_owned(),
                "T_BHTT (T_TONGCHI_BH - T_BNCCT)",
                expected,
                fund,
            );
        }
    }
}
