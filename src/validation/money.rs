//! The money identities of QĐ 130 (BHYT-FORMATS §c): per line, then the summary totals.
//! Every comparison is exact after rounding to 2 decimals, as the portal checks.

use super::Findings;
use crate::domain::Episode;
use crate::domain::decimal::round_money;
use crate::domain::records::{DrugLine, EpisodeSummary, ServiceLine};
use rust_decimal::Decimal;

/// Supply lines (medical supplies in and outside the list), whose amounts make `T_VTYT`.
const SUPPLY_GROUPS: &[u32] = &[10, 11];

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// The amounts of one line, whichever table it comes from.
struct Line<'a> {
    path: String,
    amount_hospital: Option<&'a Decimal>,
    amount_insured: Option<&'a Decimal>,
    /// What `THANH_TIEN_BV` and `THANH_TIEN_BH` should be, from quantity, prices and rates.
    expected_hospital: Option<Decimal>,
    expected_insured: Option<Decimal>,
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
    let mut lines = drug_lines(episode);
    lines.extend(service_lines(episode));
    for line in &lines {
        line_amount_hospital(line, findings);
        line_amount_insured(line, findings);
    }
    for line in &lines {
        line_other_sources_sum(line, findings);
        line_split(line, findings);
    }
    let (s, lines) = (&episode.summary, lines.as_slice());
    total_t_thuoc(s, lines, findings);
    total_t_vtyt(s, lines, findings);
    total_t_tongchi_bv(s, lines, findings);
    total_t_tongchi_bh(s, lines, findings);
    total_t_bntt(s, lines, findings);
    total_t_bncct(s, lines, findings);
    total_t_nguonkhac(s, lines, findings);
    total_t_bhtt_gdv(s, lines, findings);
    total_t_bhtt(s, findings);
}

/// The [`Line`] of a drug or service line `$l`: its amounts and payers, which both tables name
/// alike, with what differs between them given.
macro_rules! money_line {
    ($l:expr, $path:expr, expected: ($hospital:expr, $insured:expr), supply: $supply:expr, drug: $drug:expr) => {
        Line {
            path: $path,
            amount_hospital: $l.amount_hospital.as_ref(),
            amount_insured: $l.amount_insured.as_ref(),
            expected_hospital: $hospital,
            expected_insured: $insured,
            self_pay: $l.patient_self_pay.as_ref(),
            copay: $l.patient_copay.as_ref(),
            fund: $l.fund_pays.as_ref(),
            other: $l.other_sources.as_ref(),
            other_parts: [
                $l.other_state_budget.as_ref(),
                $l.other_foreign_aid.as_ref(),
                $l.other_domestic_aid.as_ref(),
                $l.other_remaining.as_ref(),
            ],
            fee_for_service: $l.payment_method == Some(1),
            supply: $supply,
            drug: $drug,
        }
    };
}

/// Each drug line's [`Line`] (XML2: quantity × price, × the insured rate).
fn drug_lines(episode: &Episode) -> Vec<Line<'_>> {
    episode.drugs.iter().enumerate().map(drug_line).collect()
}

fn drug_line((i, l): (usize, &DrugLine)) -> Line<'_> {
    let cost = l.quantity.zip(l.unit_price).map(|(q, p)| q * p);
    let insured = cost.zip(l.insurance_rate_pct).map(|(c, rate)| c * rate / HUNDRED);
    money_line!(l, format!("drugs[{i}]"), expected: (cost, insured), supply: false, drug: true)
}

/// Each service line's [`Line`] (XML3: also × the service rate).
fn service_lines(episode: &Episode) -> Vec<Line<'_>> {
    episode.services.iter().enumerate().map(service_line).collect()
}

fn service_line((i, l): (usize, &ServiceLine)) -> Line<'_> {
    let service_rate = l.service_rate_pct.unwrap_or(HUNDRED);
    let hospital = l.quantity.zip(l.unit_price_hospital).map(|(q, p)| q * p * service_rate / HUNDRED);
    let insured = l.quantity.zip(l.unit_price_insured).zip(l.insurance_rate_pct);
    let insured = insured.map(|((q, p), rate)| q * p * rate / HUNDRED * service_rate / HUNDRED);
    let supply = l.cost_group.is_some_and(|g| SUPPLY_GROUPS.contains(&g));
    money_line!(l, format!("services[{i}]"), expected: (hospital, insured), supply: supply, drug: false)
}

fn line_amount_hospital(l: &Line<'_>, findings: &mut Findings<'_>) {
    if let (Some(expected), Some(bv)) = (l.expected_hospital, l.amount_hospital) {
        compare(findings, "LINE_AMOUNT_HOSPITAL", &l.path, "THANH_TIEN_BV", expected, bv);
    }
}

fn line_amount_insured(l: &Line<'_>, findings: &mut Findings<'_>) {
    if let (Some(expected), Some(bh)) = (l.expected_insured, l.amount_insured) {
        compare(findings, "LINE_AMOUNT_INSURED", &l.path, "THANH_TIEN_BH", expected, bh);
    }
}

/// A line's other sources add up to its `T_NGUONKHAC`.
fn line_other_sources_sum(l: &Line<'_>, findings: &mut Findings<'_>) {
    if let Some(other) = l.other
        && l.other_parts.iter().any(Option::is_some)
    {
        let parts = sum(l.other_parts.iter().copied());
        compare(findings, "LINE_OTHER_SOURCES_SUM", &l.path, "T_NGUONKHAC", parts, other);
    }
}

/// A line's payers add up to its `THANH_TIEN_BV`.
fn line_split(l: &Line<'_>, findings: &mut Findings<'_>) {
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

/// A total the summary states (XML1, `field`) against the sum of its lines.
fn total(findings: &mut Findings<'_>, rule: &'static str, field: &str, stated: &Option<Decimal>, computed: Decimal) {
    if let Some(stated) = stated {
        compare(findings, rule, "summary", field, computed, stated);
    }
}

fn total_t_thuoc(s: &EpisodeSummary, lines: &[Line<'_>], findings: &mut Findings<'_>) {
    let computed = sum(lines.iter().filter(|l| l.drug).map(|l| l.amount_hospital));
    total(findings, "TOTAL_T_THUOC", "T_THUOC", &s.total_drugs, computed);
}

fn total_t_vtyt(s: &EpisodeSummary, lines: &[Line<'_>], findings: &mut Findings<'_>) {
    let computed = sum(lines.iter().filter(|l| l.supply).map(|l| l.amount_hospital));
    total(findings, "TOTAL_T_VTYT", "T_VTYT", &s.total_supplies, computed);
}

fn total_t_tongchi_bv(s: &EpisodeSummary, lines: &[Line<'_>], findings: &mut Findings<'_>) {
    let computed = sum(lines.iter().map(|l| l.amount_hospital));
    total(findings, "TOTAL_T_TONGCHI_BV", "T_TONGCHI_BV", &s.total_cost_hospital, computed);
}

fn total_t_tongchi_bh(s: &EpisodeSummary, lines: &[Line<'_>], findings: &mut Findings<'_>) {
    let computed = sum(lines.iter().map(|l| l.amount_insured));
    total(findings, "TOTAL_T_TONGCHI_BH", "T_TONGCHI_BH", &s.total_cost_insured, computed);
}

fn total_t_bntt(s: &EpisodeSummary, lines: &[Line<'_>], findings: &mut Findings<'_>) {
    total(findings, "TOTAL_T_BNTT", "T_BNTT", &s.patient_self_pay, sum(lines.iter().map(|l| l.self_pay)));
}

fn total_t_bncct(s: &EpisodeSummary, lines: &[Line<'_>], findings: &mut Findings<'_>) {
    total(findings, "TOTAL_T_BNCCT", "T_BNCCT", &s.patient_copay, sum(lines.iter().map(|l| l.copay)));
}

fn total_t_nguonkhac(s: &EpisodeSummary, lines: &[Line<'_>], findings: &mut Findings<'_>) {
    total(findings, "TOTAL_T_NGUONKHAC", "T_NGUONKHAC", &s.other_sources, sum(lines.iter().map(|l| l.other)));
}

/// The fund's share of the lines paid per service (`PHUONG_THUC_TT` 1).
fn total_t_bhtt_gdv(s: &EpisodeSummary, lines: &[Line<'_>], findings: &mut Findings<'_>) {
    let computed = sum(lines.iter().filter(|l| l.fee_for_service).map(|l| l.fund));
    total(findings, "TOTAL_T_BHTT_GDV", "T_BHTT_GDV", &s.fund_pays_fee_for_service, computed);
}

/// `T_BHTT` is `T_TONGCHI_BH - T_BNCCT`.
fn total_t_bhtt(s: &EpisodeSummary, findings: &mut Findings<'_>) {
    if let (Some(fund), Some(insured), Some(copay)) = (&s.fund_pays, s.total_cost_insured, s.patient_copay) {
        let expected = insured - copay;
        if round_money(expected) != round_money(*fund) {
            let name = "T_BHTT (T_TONGCHI_BH - T_BNCCT)";
            mismatch(findings, "TOTAL_T_BHTT", "summary.T_BHTT".to_owned(), name, expected, fund);
        }
    }
}
