//! Generic field checks driven by the field specification: required flags, sizes, decimals,
//! code lists, percentages and date formats.

use super::Findings;
use crate::domain::Episode;
use crate::domain::episode::RecordPath;
use crate::domain::records::{FieldValue, Record, Table};
use crate::domain::spec::{self, DataType, FieldSpec, Requirement};
use crate::domain::time;
use crate::reference::{CodeInfo, Dated, Lookup, dated};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A condition under which the validation sheet requires a field (its words, made executable).
enum Condition {
    /// Another field of the record has a value.
    Present(&'static str),
    /// None of these fields has a value.
    AllAbsent(&'static [&'static str]),
    /// Another field's wire value is one of these.
    In(&'static str, &'static [&'static str]),
    /// Another field's wire value is not one of these (or is absent).
    NotIn(&'static str, &'static [&'static str]),
}

use Condition::*;

const SUPPLY_GROUPS: &[&str] = &["10", "11"];
const BLOOD_GROUPS: &[&str] = &["7", "17"];
const PERFORMED_GROUPS: &[&str] = &["1", "2", "3", "8", "18"];

/// The conditional requirements of the QĐ 4750 validation sheet. "As QĐ 4210" reads: drug lines
/// need a registration number (except blood) and a prescriber; service lines need the service code
/// and name, supply lines (MA_NHOM 10, 11) the supply code and name.
const CONDITIONS: &[(Table, &str, Condition)] = &[
    (Table::CheckIn, "LY_DO_VNT", Present("NGAY_VAO_NOI_TRU")),
    (Table::CheckIn, "MA_DICH_VU", AllAbsent(&["MA_THUOC", "MA_VAT_TU"])),
    (Table::CheckIn, "TEN_DICH_VU", Present("MA_DICH_VU")),
    (Table::CheckIn, "MA_THUOC", AllAbsent(&["MA_DICH_VU", "MA_VAT_TU"])),
    (Table::CheckIn, "TEN_THUOC", Present("MA_THUOC")),
    (Table::CheckIn, "MA_VAT_TU", AllAbsent(&["MA_DICH_VU", "MA_THUOC"])),
    (Table::CheckIn, "TEN_VAT_TU", Present("MA_VAT_TU")),
    (Table::Xml1, "LY_DO_VNT", Present("NGAY_VAO_NOI_TRU")),
    (Table::Xml2, "SO_DANG_KY", NotIn("MA_NHOM", BLOOD_GROUPS)),
    (Table::Xml2, "TT_THAU", NotIn("MA_NHOM", BLOOD_GROUPS)),
    (Table::Xml2, "MA_BAC_SI", NotIn("MA_NHOM", &[])),
    (Table::Xml3, "MA_DICH_VU", NotIn("MA_NHOM", SUPPLY_GROUPS)),
    (Table::Xml3, "TEN_DICH_VU", NotIn("MA_NHOM", SUPPLY_GROUPS)),
    (Table::Xml3, "MA_VAT_TU", In("MA_NHOM", SUPPLY_GROUPS)),
    (Table::Xml3, "TEN_VAT_TU", In("MA_NHOM", SUPPLY_GROUPS)),
    (Table::Xml3, "MA_XANG_DAU", In("MA_NHOM", &["12"])),
    (Table::Xml3, "TT_THAU", In("MA_NHOM", &["10"])),
    (Table::Xml3, "NGUOI_THUC_HIEN", In("MA_NHOM", PERFORMED_GROUPS)),
    (Table::Xml3, "NGAY_TH_YL", In("MA_NHOM", PERFORMED_GROUPS)),
    (Table::Xml4, "NGAY_KQ", Present("GIA_TRI")),
    (Table::Xml6, "PHACDO_DTRI_LAO", NotIn("LOAI_DTRI_LAO", &["0"])),
    (Table::Xml6, "NGAYBD_DTRI_LAO", NotIn("LOAI_DTRI_LAO", &["0"])),
    (Table::Xml6, "NGAYKT_DTRI_LAO", NotIn("LOAI_DTRI_LAO", &["0"])),
    (Table::Xml6, "LAN_XN_PCR", In("MA_TINH_TRANG_DK", &["1"])),
    (Table::Xml6, "NGAY_XN_PCR", In("MA_TINH_TRANG_DK", &["1"])),
    (Table::Xml6, "NGAY_KQ_XN_PCR", In("MA_TINH_TRANG_DK", &["1"])),
    (Table::Xml6, "MA_KQ_XN_PCR", In("MA_TINH_TRANG_DK", &["1"])),
    (Table::Xml6, "NGAY_BAT_DAU_XU_TRI", In("MA_XU_TRI", &["1"])),
    (Table::Xml6, "NGAY_KET_THUC_XU_TRI", In("MA_XU_TRI", &["1"])),
    (Table::Xml6, "SO_NGAY_CAP_THUOC_ARV", In("MA_XU_TRI", &["1"])),
    (Table::Xml6, "MA_BAC_PHAC_DO", In("MA_PHAC_DO_DIEU_TRI", &["KHAC"])),
    (Table::Xml7, "NGUYENNHAN_DINHCHI", In("MA_DINH_CHI_THAI", &["1"])),
    (Table::Xml7, "THOIGIAN_DINHCHI", In("MA_DINH_CHI_THAI", &["1"])),
    (Table::Xml7, "TUOI_THAI", In("MA_DINH_CHI_THAI", &["1"])),
    (Table::Xml11, "NGUYENNHAN_DINHCHI", In("MA_DINH_CHI_THAI", &["1"])),
    (Table::Xml11, "TUOI_THAI", In("MA_DINH_CHI_THAI", &["1"])),
];

/// Whether a field's code is decided when treatment ends (QĐ 3276: the visit route is set after
/// the visit; the discharge type and outcome at discharge), so that its list is the one in force
/// on `NGAY_RA`; every other field's list is the one in force on `NGAY_VAO`.
fn decided_at_discharge(name: &str) -> bool {
    matches!(name, "MA_DOITUONG_KCB" | "MA_LOAI_RV" | "KET_QUA_DTRI")
}

fn is_percentage(name: &str) -> bool {
    matches!(name, "TYLE_TT_BH" | "TYLE_TT_DV" | "MUC_HUONG" | "TYLE_TTCT_CU" | "TYLE_TTCT_MOI" | "TONG_TYLE_TTCT")
}

/// How a text field holding a date is written.
enum DateForm {
    Date,
    DateTime,
    Birth,
    DateOrDateTime,
}

fn date_form(field: &FieldSpec) -> Option<DateForm> {
    match (field.name.as_str(), field.data_type, field.max_len) {
        ("NGAY_SINH", _, Some(12)) => Some(DateForm::Birth),
        ("NGAY_MIEN_CCT" | "NGAY_HEN_KL", _, _) => Some(DateForm::DateOrDateTime),
        (_, DataType::String, Some(8)) => Some(DateForm::Date),
        (_, DataType::String, Some(12)) => Some(DateForm::DateTime),
        _ => None,
    }
}

pub(super) fn check(episode: &Episode, findings: &mut Findings<'_>) {
    episode.for_each_record(&mut |path, record| check_record(path, record, findings));
}

/// A field's path, e.g. `drugs[3].MA_THUOC`, formatted only when a violation needs it.
#[derive(Clone, Copy)]
struct At<'a> {
    record: RecordPath,
    field: &'a str,
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.record, self.field)
    }
}

pub(super) fn check_record(path: RecordPath, record: &dyn Record, findings: &mut Findings<'_>) {
    let table = record.table();
    let specs = spec::fields(table);
    let mut values: Vec<FieldValue<'_>> = Vec::with_capacity(specs.len());
    record.visit(&mut |v| values.push(v));
    let value_of = |name: &str| specs.iter().position(|f| f.name == name).map_or(FieldValue::Absent, |i| values[i]);
    let wire_of = |name: &str| value_of(name).to_wire().map(|s| s.trim().to_owned());

    let codes = findings.codes;
    for (position, (field, value)) in specs.iter().zip(values.iter()).enumerate() {
        let Some(name) = field.wire_name(findings.profile) else {
            if !value.is_absent() {
                field_not_in_profile(At { record: path, field: &field.name }, table, findings);
            }
            continue;
        };
        let at = At { record: path, field: name };
        if value.is_absent() {
            if field.required_until().is_some_and(|end| findings.days.admission.is_some_and(|d| d >= end)) {
                continue;
            }
            let required = match &field.requirement {
                Requirement::Always => Some(None),
                Requirement::Conditional(words) => CONDITIONS
                    .iter()
                    .find(|(t, f, _)| *t == table && *f == field.name)
                    .filter(|(_, _, condition)| match condition {
                        Present(other) => !value_of(other).is_absent(),
                        AllAbsent(others) => others.iter().all(|o| value_of(o).is_absent()),
                        In(other, set) => wire_of(other).is_some_and(|v| set.contains(&v.as_str())),
                        NotIn(other, set) => !wire_of(other).is_some_and(|v| set.contains(&v.as_str())),
                    })
                    .map(|_| Some(words.as_str())),
                Requirement::Optional => None,
            };
            if let Some(condition) = required {
                field_required(at, condition, findings);
            }
            continue;
        }
        check_value(at, field, value, codes.at(table, position), findings);
    }
}

/// A field the amendment in force does not have carries a value (it is left out of the file).
fn field_not_in_profile(at: At<'_>, table: Table, findings: &mut Findings<'_>) {
    let message = format!(
        "{} is not a field of {} under QĐ {}: it is left out of the file",
        at.field,
        table.spec_name(),
        findings.profile.as_str()
    );
    findings.add("FIELD_NOT_IN_PROFILE", at, message, None);
}

/// A required field is empty; `condition` is the validation sheet's words when it is required
/// only under them.
fn field_required(at: At<'_>, condition: Option<&str>, findings: &mut Findings<'_>) {
    let name = at.field;
    let message = match condition {
        None => format!("{name} is required"),
        Some(words) => format!("{name} is required here (QĐ 4750: {words})"),
    };
    findings.add("FIELD_REQUIRED", at, message, None);
}

/// A coded field's value against its list in force on the episode's day for that field.
fn check_code(at: At<'_>, field: &FieldSpec, code: &str, list: Option<&Dated<CodeInfo>>, findings: &mut Findings<'_>) {
    let Some(list) = list else {
        return;
    };
    let days = findings.days;
    let (day, other, day_field) = if decided_at_discharge(&field.name) {
        (days.discharge.or(days.admission), days.admission, "NGAY_RA")
    } else {
        (days.admission, days.discharge, "NGAY_VAO")
    };
    match list.lookup(code, day) {
        Lookup::InForce(info) => field_code_uncertain(at, code, info, findings),
        // A stay across the day its list changed: which list applies is not settled
        // (REGULATORY-2026.md §2.2), so the code of either end only warns.
        _ if other.is_some_and(|o| Some(o) != day && list.contains(code, Some(o))) => {
            field_code_list_boundary(at, code, findings)
        }
        lookup => field_code_unknown(at, code, lookup, list, (day, day_field), findings),
    }
}

/// A code in force whose acceptance the references mark uncertain.
fn field_code_uncertain(at: At<'_>, code: &str, info: &CodeInfo, findings: &mut Findings<'_>) {
    if info.uncertain {
        let message = format!("{} {code} may not be accepted: {}", at.field, info.name);
        findings.add("FIELD_CODE_UNCERTAIN", at, message, Some(code.to_owned()));
    }
}

/// A code in force on one end of a stay across the day its list changed, not on the other.
fn field_code_list_boundary(at: At<'_>, code: &str, findings: &mut Findings<'_>) {
    let message = format!("{} {code} is in force on one end of the stay but not the other: its list changed", at.field);
    findings.add("FIELD_CODE_LIST_BOUNDARY", at, message, Some(code.to_owned()));
}

/// A code not in its list, or not in force on `day` (named by the field the day comes from).
fn field_code_unknown(
    at: At<'_>,
    code: &str,
    lookup: Lookup<'_, CodeInfo>,
    list: &Dated<CodeInfo>,
    (day, day_field): (Option<NaiveDate>, &str),
    findings: &mut Findings<'_>,
) {
    let name = at.field;
    let message = match lookup {
        Lookup::InForce(_) => return,
        Lookup::OutOfForce(periods) => {
            let on = day.map(|d| format!(" ({day_field} {d})")).unwrap_or_default();
            format!("{name} {code} is in force only {}, not on the episode's day{on}", dated::periods_text(&periods))
        }
        Lookup::Unknown => {
            let mut codes: Vec<&str> = list.codes_in_force(day).collect();
            codes.dedup();
            format!("{name} must be one of {}", codes.join(", "))
        }
    };
    findings.add("FIELD_CODE_UNKNOWN", at, message, Some(code.to_owned()));
}

fn check_value(
    at: At<'_>,
    field: &FieldSpec,
    value: &FieldValue<'_>,
    list: Option<&Dated<CodeInfo>>,
    findings: &mut Findings<'_>,
) {
    match value {
        FieldValue::Text(text) => {
            field_invalid_character(at, text, findings);
            field_bidi_control(at, text, findings);
            if !field_too_long(at, field, text, findings) {
                field_size_uncertain(at, field, text, findings);
            }
            match date_form(field) {
                Some(DateForm::Birth) => field_birth_date_format(at, text, findings),
                Some(DateForm::DateTime) => field_datetime_format(at, text, findings),
                Some(form) => field_date_format(at, at.field, text, matches!(form, DateForm::DateOrDateTime), findings),
                None => {}
            }
            check_code(at, field, text.trim(), list, findings);
        }
        FieldValue::Int(n) => {
            field_number_too_large(at, field, value, findings);
            if list.is_some() {
                check_code(at, field, &n.to_string(), list, findings);
            }
        }
        FieldValue::Money(d) | FieldValue::Price(d) | FieldValue::Number(d) => {
            field_negative(at, d, findings);
            field_decimal_places(at, value, findings);
            if is_percentage(at.field) {
                field_percent_range(at, d, findings);
            } else {
                field_number_too_large(at, field, value, findings);
            }
        }
        FieldValue::Absent => {}
    }
}

/// A text with a control character XML 1.0 cannot carry.
fn field_invalid_character(at: At<'_>, text: &str, findings: &mut Findings<'_>) {
    if let Some(bad) = text.chars().find(|c| is_invalid_xml_char(*c)) {
        let message = format!("{} contains the character U+{:04X}, which XML 1.0 cannot carry", at.field, bad as u32);
        findings.add("FIELD_INVALID_CHARACTER", at, message, Some(text.to_owned()));
    }
}

/// A text with a bidirectional control, which shows it in another order than it is stored.
fn field_bidi_control(at: At<'_>, text: &str, findings: &mut Findings<'_>) {
    if let Some(bad) = text.chars().find(|c| is_bidi_control(*c)) {
        let message = format!(
            "{} contains the direction control U+{:04X}, which can make it read as another text",
            at.field, bad as u32
        );
        findings.add("FIELD_BIDI_CONTROL", at, message, Some(text.to_owned()));
    }
}

/// Whether a text is longer than `max` characters (bytes first: most texts are ASCII and far under
/// their size).
fn longer_than(text: &str, max: usize) -> bool {
    text.len() > max && text.chars().count() > max
}

/// A text over the size of the profile in force; whether it was.
fn field_too_long(at: At<'_>, field: &FieldSpec, text: &str, findings: &mut Findings<'_>) -> bool {
    let profile = findings.profile;
    let Some(max) = field.limit(profile).filter(|m| longer_than(text, *m)) else {
        return false;
    };
    let message = format!(
        "{} has {} characters; at most {max} are allowed (QĐ {})",
        at.field,
        text.chars().count(),
        profile.as_str()
    );
    findings.add("FIELD_TOO_LONG", at, message, Some(text.to_owned()));
    true
}

/// A text over a smaller size QĐ 3176 prints without an amendment note: it only warns.
fn field_size_uncertain(at: At<'_>, field: &FieldSpec, text: &str, findings: &mut Findings<'_>) {
    let Some(max) = field.advisory_limit(findings.profile).filter(|m| longer_than(text, *m)) else {
        return;
    };
    let allowed = field.max_len.map_or("any length".to_owned(), |m| m.to_string());
    let message = format!(
        "{} has {} characters; the QĐ 3176 appendix prints {max} without an amendment note, QĐ 4750 \
         allows {allowed}: whether the portal enforces {max} is not known",
        at.field,
        text.chars().count()
    );
    findings.add("FIELD_SIZE_UNCERTAIN", at, message, Some(text.to_owned()));
}

/// The decimals a money (2) or unit price (3) may have; other numbers are not limited.
fn places(value: &FieldValue<'_>) -> Option<u32> {
    match value {
        FieldValue::Money(_) => Some(2),
        FieldValue::Price(_) => Some(3),
        _ => None,
    }
}

fn field_negative(at: At<'_>, d: &Decimal, findings: &mut Findings<'_>) {
    if d.is_sign_negative() && !d.is_zero() {
        findings.add(
            "FIELD_NEGATIVE",
            at,
            format!("{} must not be negative", at.field),
            Some(d.normalize().to_string()),
        );
    }
}

fn field_decimal_places(at: At<'_>, value: &FieldValue<'_>, findings: &mut Findings<'_>) {
    let (FieldValue::Money(d) | FieldValue::Price(d)) = value else {
        return;
    };
    if let Some(places) = places(value).filter(|p| d.scale() > *p && d.normalize().scale() > *p) {
        let message = format!("{} may have at most {places} decimals", at.field);
        findings.add("FIELD_DECIMAL_PLACES", at, message, Some(d.normalize().to_string()));
    }
}

fn field_percent_range(at: At<'_>, d: &Decimal, findings: &mut Findings<'_>) {
    if *d < Decimal::ZERO || *d > Decimal::ONE_HUNDRED {
        let message = format!("{} must be between 0 and 100", at.field);
        findings.add("FIELD_PERCENT_RANGE", at, message, Some(d.normalize().to_string()));
    }
}

/// A number with more digits than the field's size (for a decimal, the size less its decimals,
/// before the point).
fn field_number_too_large(at: At<'_>, field: &FieldSpec, value: &FieldValue<'_>, findings: &mut Findings<'_>) {
    let limit = field.limit(findings.profile);
    let (message, shown) = match value {
        FieldValue::Int(n) => {
            let digits = n.checked_ilog10().unwrap_or(0) as usize + 1;
            let Some(max) = limit.filter(|max| digits > *max) else {
                return;
            };
            (format!("{} may have at most {max} digits", at.field), n.to_string())
        }
        FieldValue::Money(d) | FieldValue::Price(d) | FieldValue::Number(d) => {
            let allowed = limit.unwrap_or(28).saturating_sub(places(value).unwrap_or(0) as usize).min(28);
            if d.trunc().abs() < Decimal::from_i128_with_scale(10i128.pow(allowed as u32), 0) {
                return;
            }
            (
                format!("{} may have at most {allowed} digits before the decimal point", at.field),
                d.normalize().to_string(),
            )
        }
        FieldValue::Text(_) | FieldValue::Absent => return,
    };
    findings.add("FIELD_NUMBER_TOO_LARGE", at, message, Some(shown));
}

/// A date written `yyyyMMdd` (or, where the field allows either, `yyyyMMddHHmm`) that is not one;
/// `name` is the field's, `path` where it is.
pub(super) fn field_date_format(
    path: impl std::fmt::Display,
    name: &str,
    text: &str,
    or_date_time: bool,
    findings: &mut Findings<'_>,
) {
    let text = text.trim();
    let date_time = || or_date_time && time::parse_datetime(text).is_some();
    if time::parse_date(text).is_none() && !date_time() {
        let expected =
            if or_date_time { "date/time written yyyyMMdd or yyyyMMddHHmm" } else { "date written yyyyMMdd" };
        findings.add("FIELD_DATE_FORMAT", path, format!("{name} must be a real {expected}"), Some(text.to_owned()));
    }
}

fn field_datetime_format(at: At<'_>, text: &str, findings: &mut Findings<'_>) {
    let text = text.trim();
    if time::parse_datetime(text).is_none() {
        let message = format!("{} must be a real date/time written yyyyMMddHHmm", at.field);
        findings.add("FIELD_DATETIME_FORMAT", at, message, Some(text.to_owned()));
    }
}

fn field_birth_date_format(at: At<'_>, text: &str, findings: &mut Findings<'_>) {
    let text = text.trim();
    if !time::is_valid_birth_date(text) {
        let message = format!("{} must be a real date/time written yyyyMMddHHmm", at.field);
        findings.add("FIELD_BIRTH_DATE_FORMAT", at, message, Some(text.to_owned()));
    }
}

/// The embedding, override and isolate controls of the Unicode bidirectional algorithm: a name
/// holding one shows its letters in another order than they are stored (a "Trojan source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Control characters other than tab and line breaks, and the non-characters U+FFFE/U+FFFF.
fn is_invalid_xml_char(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use crate::domain::Episode;
    use crate::domain::records::EpisodeSummary;
    use crate::reference::ReferenceData;
    use crate::validation::{Catalogue, Severity, validate};

    /// The findings on MA_DOITUONG_KCB and MA_LOAI_KCB of a stay from `from` to `to` (yyyyMMdd).
    fn code_findings(from: &str, to: &str, route: &str, visit_type: &str) -> Vec<(String, Severity, String)> {
        let episode = Episode {
            summary: EpisodeSummary {
                admitted_at: Some(format!("{from}0800")),
                discharged_at: Some(format!("{to}1100")),
                visit_route: Some(route.to_owned()),
                visit_type: Some(visit_type.to_owned()),
                ..EpisodeSummary::default()
            },
            ..Episode::default()
        };
        let report = validate(&episode, &Catalogue::builtin(), &ReferenceData::default(), Default::default());
        let coded =
            |v: &crate::validation::Violation| v.path.ends_with("MA_DOITUONG_KCB") || v.path.ends_with("MA_LOAI_KCB");
        report.violations.into_iter().filter(coded).map(|v| (v.rule, v.severity, v.message)).collect()
    }

    #[test]
    fn a_code_is_judged_by_the_list_in_force_on_its_day() {
        assert_eq!(code_findings("20251230", "20251231", "1.10", "01"), [], "QĐ 824's code within the transition");
        let after = code_findings("20260102", "20260102", "1.10", "01");
        assert_eq!(after.len(), 1);
        assert_eq!((after[0].0.as_str(), after[0].1), ("FIELD_CODE_UNKNOWN", Severity::Critical));
        assert!(
            after[0].2.contains("in force only until 2025-12-31") && after[0].2.contains("NGAY_RA 2026-01-02"),
            "{after:?}"
        );
        assert_eq!(code_findings("20250701", "20250701", "1.13", "01"), [], "QĐ 3276's code since 2025-07-01");
        assert_eq!(code_findings("20250630", "20250630", "1.13", "01")[0].0, "FIELD_CODE_UNKNOWN");

        let uncertain = code_findings("20260301", "20260301", "7.1", "01");
        assert_eq!((uncertain[0].0.as_str(), uncertain[0].1), ("FIELD_CODE_UNCERTAIN", Severity::Warning));

        assert_eq!(code_findings("20260801", "20260801", "1.1", "14"), [], "QĐ 1804's telemedicine");
        let early = code_findings("20260731", "20260731", "1.1", "14");
        assert_eq!(early[0].0, "FIELD_CODE_UNKNOWN");
        assert!(early[0].2.contains("from 2026-08-01"), "{early:?}");
        let across = code_findings("20260730", "20260802", "1.1", "14");
        assert_eq!((across[0].0.as_str(), across[0].1), ("FIELD_CODE_LIST_BOUNDARY", Severity::Warning), "{across:?}");
        let unknown = code_findings("20260301", "20260301", "1.1", "99");
        assert!(unknown[0].2.starts_with("MA_LOAI_KCB must be one of 01, 02"), "{unknown:?}");
    }
}
