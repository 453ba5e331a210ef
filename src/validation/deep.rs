//! The checkers' deeper rules (BHYT-FORMATS §d) that need no external catalogue: episode
//! structure, referral and route, inpatient admission, line details (tender info, machines,
//! surgery, duplicate procedures, beds, exam fees, ceilings), results, notes and certificates.

use super::Findings;
use crate::domain::Episode;
use crate::domain::records::{
    EpisodeSummary, ParaclinicalResult, ReferralLetter, ServiceLine, SickLeaveCertificate, Table,
};
use crate::domain::spec::{self, Profile};
use crate::domain::time::{parse_date, parse_datetime};
use chrono::NaiveDateTime;
use rust_decimal::Decimal;

const INPATIENT: &[&str] = &["03", "04", "09"];
/// The outpatient examination department (MA_KHOA; QLBV's site setting, K01 by default).
const EXAM_DEPARTMENT: &str = "K01";

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// `QĐ;Gnn;Nnn;yyyy`: a decision number, package G1–G99 (G0 allowed for supplies), group N1–N99, year.
fn tender_ok(value: &str, allow_zero: bool) -> bool {
    let parts: Vec<&str> = value.split(';').collect();
    let numbered = |p: &str, prefix: char, min: u32| {
        p.strip_prefix(prefix).and_then(|n| n.parse::<u32>().ok()).is_some_and(|n| (min..=99).contains(&n))
    };
    parts.len() == 4
        && !parts[0].trim().is_empty()
        && numbered(parts[1], 'G', u32::from(!allow_zero))
        && numbered(parts[2], 'N', u32::from(!allow_zero))
        && parts[3].len() == 4
        && parts[3].bytes().all(|b| b.is_ascii_digit())
}

/// `XX.n.YYYYY.Z`: machine group (two or three capitals), funding source n, the facility's own code,
/// serial. A machine of source 3… (joint venture, lease) may have no facility part: `XX.3….Z`, as
/// QLBV's checker accepts it (its second branch does not look at YYYYY). QĐ 3176 made the
/// temporary form `XX.n.Z` (REGULATORY-2026.md §1.3, VERIFIED); under it the older form, which
/// exports made before it still carry, is accepted too.
fn machine_ok(code: &str, facility: &str, profile: Profile) -> bool {
    let mut parts = code.splitn(3, '.');
    let (Some(group), Some(source), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let group_ok = (2..=3).contains(&group.chars().count()) && group.chars().all(char::is_uppercase);
    let serial_ok = |z: &str| !z.is_empty() && z.bytes().all(|b| b.is_ascii_alphanumeric());
    group_ok
        && match source {
            "1" | "2" if profile == Profile::Qd3176 && serial_ok(rest) => true,
            "1" | "2" => rest.split_once('.').is_some_and(|(owner, serial)| owner == facility && serial_ok(serial)),
            s if s.starts_with('3') => !rest.is_empty() && !s.contains(char::is_whitespace),
            _ => false,
        }
}

fn bed_ok(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 4 && matches!(b[0], b'H' | b'T' | b'C' | b'K') && b[1..].iter().all(u8::is_ascii_digit)
}

/// An XML13 field's element name under `profile` (QĐ 3176 renamed some).
fn referral_field_name(name: &'static str, profile: Profile) -> &'static str {
    spec::fields(Table::Xml13).iter().find(|f| f.name == name).and_then(|f| f.wire_name(profile)).unwrap_or(name)
}

/// What the rules about dates and inpatient stays need to know of the episode's stay.
struct Stay<'a> {
    /// `MA_LOAI_KCB`.
    visit_type: &'a str,
    inpatient: bool,
    arrival: Option<NaiveDateTime>,
    discharge: Option<NaiveDateTime>,
}

impl<'a> Stay<'a> {
    fn of(e: &'a Episode) -> Self {
        let s = &e.summary;
        let visit_type = text(&s.visit_type).unwrap_or_default();
        Stay {
            visit_type,
            inpatient: INPATIENT.contains(&visit_type),
            arrival: s.admitted_at.as_deref().and_then(parse_datetime),
            discharge: s.discharged_at.as_deref().and_then(parse_datetime),
        }
    }

    /// Is `t` between arrival and discharge (where they are known)?
    fn inside(&self, t: NaiveDateTime) -> bool {
        self.arrival.is_none_or(|a| t >= a) && self.discharge.is_none_or(|d| t <= d)
    }
}

pub(super) fn check(e: &Episode, findings: &mut Findings<'_>) {
    let stay = Stay::of(e);
    let s = &e.summary;
    inpatient_without_discharge_certificate(e, &stay, findings);
    if let Some(r) = &e.referral_letter {
        referral_fields_mismatch(r, s, findings);
    }
    referral_number_required(s, findings);
    off_route_at_own_facility(s, findings);
    off_route_exam_department_orders(e, &stay, findings);
    secondary_diagnoses_too_many(s, findings);
    inpatient_admission_fields(s, &stay, findings);
    for (i, l) in e.drugs.iter().enumerate() {
        let at = |f: &str| format!("drugs[{i}].{f}");
        tender_info_format(&at, &l.tender_info, false, findings);
        executed_before_ordered(findings, at("NGAY_TH_YL"), &l.ordered_at, &l.performed_at);
    }
    let facility = text(&s.facility_code).unwrap_or_default();
    for (i, l) in e.services.iter().enumerate() {
        service_line(i, l, &stay, facility, findings);
    }
    procedure_duplicate(e, findings);
    exam_fees_inpatient(e, &stay, findings);
    for (i, r) in e.paraclinical_results.iter().enumerate() {
        result_reader_required(i, r, findings);
        imaging_conclusion(i, r, e, findings);
    }
    note_outside_stay(e, &stay, findings);
    record_summary_too_long(e, findings);
    pregnancy_leave_too_long(e, findings);
    if let Some(c) = &e.sick_leave {
        sick_leave_form(c, findings);
        sick_leave_dates(c, &stay, findings);
    }
    reexam_not_after_discharge(e, &stay, findings);
}

/// An inpatient stay's discharge certificate.
fn inpatient_without_discharge_certificate(e: &Episode, stay: &Stay<'_>, findings: &mut Findings<'_>) {
    if stay.inpatient && e.discharge_certificate.is_none() && e.summary.discharge_type != Some(3) {
        findings.add(
            "INPATIENT_WITHOUT_DISCHARGE_CERTIFICATE",
            "discharge_certificate",
            format!("MA_LOAI_KCB {} needs a discharge certificate (XML7)", stay.visit_type),
            None,
        );
    }
}

/// The referral letter (XML13) agrees with the summary.
fn referral_fields_mismatch(r: &ReferralLetter, s: &EpisodeSummary, findings: &mut Findings<'_>) {
    let pairs: [(&str, Option<&str>, Option<&str>); 8] = [
        ("MA_CSKCB", text(&r.facility_code), text(&s.facility_code)),
        ("MA_NOI_DI", text(&r.referred_from), text(&s.referred_from)),
        ("MA_NOI_DEN", text(&r.referred_to), text(&s.referred_to)),
        ("HO_TEN", text(&r.full_name), text(&s.full_name)),
        ("NGAY_SINH", text(&r.birth_date), text(&s.birth_date)),
        ("MA_THE_BHYT", text(&r.card_numbers), text(&s.card_numbers)),
        ("NGAY_VAO", text(&r.admitted_at), text(&s.admitted_at)),
        ("MA_BENH_CHINH", text(&r.main_icd10), text(&s.main_icd10)),
    ];
    for (field, letter, summary) in pairs {
        // QĐ 3176's MA_CSKCB_DI lists every referring facility (`;`): XML1's must be one of them.
        let agrees = |l: &str, x: &str| match field {
            "MA_NOI_DI" => l.split(';').any(|code| code.trim() == x),
            _ => l == x,
        };
        if let (Some(l), Some(x)) = (letter, summary)
            && !agrees(l, x)
        {
            let name = referral_field_name(field, findings.profile);
            let theirs = crate::domain::personal::shown(field, x);
            findings.add(
                "REFERRAL_FIELDS_MISMATCH",
                format!("referral_letter.{name}"),
                format!("{name} of the referral letter must agree with XML1's `{theirs}`"),
                Some(l.to_owned()),
            );
        }
    }
    if r.sex.is_some() && s.sex.is_some() && r.sex != s.sex {
        findings.add("REFERRAL_FIELDS_MISMATCH", "referral_letter.GIOI_TINH", "GIOI_TINH must equal XML1's", None);
    }
    if r.discharge_type.is_some() && s.discharge_type.is_some() && r.discharge_type != s.discharge_type {
        findings.add("REFERRAL_FIELDS_MISMATCH", "referral_letter.MA_LOAI_RV", "MA_LOAI_RV must equal XML1's", None);
    }
}

fn referral_number_required(s: &EpisodeSummary, findings: &mut Findings<'_>) {
    if text(&s.referred_from).is_some() && text(&s.referral_number).is_none() {
        findings.add(
            "REFERRAL_NUMBER_REQUIRED",
            "summary.GIAY_CHUYEN_TUYEN",
            "a referred patient (MA_NOI_DI set) needs the referral number GIAY_CHUYEN_TUYEN",
            None,
        );
    }
}

/// An off-route visit (MA_DOITUONG_KCB 3…).
fn off_route(s: &EpisodeSummary) -> bool {
    text(&s.visit_route).is_some_and(|r| r.starts_with('3'))
}

fn off_route_at_own_facility(s: &EpisodeSummary, findings: &mut Findings<'_>) {
    let first_registration = text(&s.primary_care_facilities).and_then(|l| l.split(';').next()).map(str::trim);
    if off_route(s) && first_registration.is_some() && first_registration == text(&s.facility_code) {
        findings.add(
            "OFF_ROUTE_AT_OWN_FACILITY",
            "summary.MA_DOITUONG_KCB",
            "an off-route visit cannot happen at the facility where the card is registered",
            text(&s.visit_route).map(str::to_owned),
        );
    }
}

/// An off-route inpatient's orders (but the examination fee) do not come from the examination
/// department.
fn off_route_exam_department_orders(e: &Episode, stay: &Stay<'_>, findings: &mut Findings<'_>) {
    if !(off_route(&e.summary) && stay.inpatient) {
        return;
    }
    let from_exam = |departments: &Option<String>| {
        departments.as_deref().is_some_and(|d| d.split(';').any(|k| k.trim() == EXAM_DEPARTMENT))
    };
    let drugs = e.drugs.iter().enumerate().filter(|(_, l)| from_exam(&l.department_codes));
    let services =
        e.services.iter().enumerate().filter(|(_, l)| l.cost_group != Some(13) && from_exam(&l.department_codes));
    let lines = drugs.map(|(i, _)| format!("drugs[{i}]")).chain(services.map(|(i, _)| format!("services[{i}]")));
    for at in lines {
        findings.add(
            "OFF_ROUTE_EXAM_DEPARTMENT_ORDERS",
            format!("{at}.MA_KHOA"),
            format!("an off-route inpatient's orders cannot come from the examination department {EXAM_DEPARTMENT}"),
            Some(EXAM_DEPARTMENT.to_owned()),
        );
    }
}

fn secondary_diagnoses_too_many(s: &EpisodeSummary, findings: &mut Findings<'_>) {
    if let Some(codes) = text(&s.secondary_icd10) {
        let n = codes.split(';').filter(|c| !c.trim().is_empty()).count();
        if n > 12 {
            findings.add("SECONDARY_DIAGNOSES_TOO_MANY", "summary.MA_BENH_KT", format!("{n} codes; at most 12"), None);
        }
    }
}

fn inpatient_admission_fields(s: &EpisodeSummary, stay: &Stay<'_>, findings: &mut Findings<'_>) {
    if !stay.inpatient {
        return;
    }
    let missing: Vec<&str> = [
        ("LY_DO_VNT", &s.inpatient_reason),
        ("MA_LY_DO_VNT", &s.inpatient_reason_code),
        ("NGAY_VAO_NOI_TRU", &s.inpatient_admitted_at),
        ("PP_DIEU_TRI", &s.treatment_method),
    ]
    .into_iter()
    .filter(|(_, v)| text(v).is_none())
    .map(|(n, _)| n)
    .collect();
    if !missing.is_empty() {
        findings.add(
            "INPATIENT_ADMISSION_FIELDS",
            "summary",
            format!("an inpatient stay (MA_LOAI_KCB {}) needs {}", stay.visit_type, missing.join(", ")),
            None,
        );
    }
}

/// A line performed before it was ordered.
fn executed_before_ordered(
    findings: &mut Findings<'_>,
    at: String,
    ordered: &Option<String>,
    performed: &Option<String>,
) {
    if let (Some(o), Some(p)) =
        (ordered.as_deref().and_then(parse_datetime), performed.as_deref().and_then(parse_datetime))
        && p < o
    {
        findings.add("EXECUTED_BEFORE_ORDERED", at, "NGAY_TH_YL is before NGAY_YL", performed.clone());
    }
}

/// The path of a line's field: `services[3].MA_MAY`.
type LineAt<'a> = &'a dyn Fn(&str) -> String;

/// A line's tender information (`TT_THAU`); supplies may name package and group 0.
fn tender_info_format(at: LineAt<'_>, tender_info: &Option<String>, allow_zero: bool, findings: &mut Findings<'_>) {
    if let Some(t) = text(tender_info)
        && !tender_ok(t, allow_zero)
    {
        findings.add(
            "TENDER_INFO_FORMAT",
            at("TT_THAU"),
            "TT_THAU must be 'decision;Gnn;Nnn;yyyy'",
            Some(t.to_owned()),
        );
    }
}

/// One service line's own rules: tender, times, supply package, machines, surgery, results,
/// ceiling, supplies outside the list and beds.
fn service_line(i: usize, l: &ServiceLine, stay: &Stay<'_>, facility: &str, findings: &mut Findings<'_>) {
    let at = |f: &str| format!("services[{i}].{f}");
    tender_info_format(&at, &l.tender_info, true, findings);
    executed_before_ordered(findings, at("NGAY_TH_YL"), &l.ordered_at, &l.performed_at);
    supply_package_format(&at, l, findings);
    machine_code_format(&at, l, facility, findings);
    surgery_fields(&at, l, findings);
    result_outside_stay(&at, l, stay, findings);
    ceiling_exceeded(&at, l, findings);
    supply_outside_list(&at, l, findings);
    if l.cost_group.is_some_and(|g| (14..=16).contains(&g)) {
        bed_not_allowed(&at, l, stay, findings);
        bed_code_format(&at, l, findings);
        bed_quantity(&at, l, findings);
    }
}

fn supply_package_format(at: LineAt<'_>, l: &ServiceLine, findings: &mut Findings<'_>) {
    if let Some(p) = text(&l.supply_package) {
        let ok = p.strip_prefix('G').and_then(|n| n.parse::<u32>().ok()).is_some_and(|n| (1..=999).contains(&n));
        if !ok {
            findings.add("SUPPLY_PACKAGE_FORMAT", at("GOI_VTYT"), "GOI_VTYT must be G1-G999", Some(p.to_owned()));
        }
    }
}

/// Tests and imaging (MA_NHOM 1–3) name the machines that made them.
fn machine_code_format(at: LineAt<'_>, l: &ServiceLine, facility: &str, findings: &mut Findings<'_>) {
    let group = l.cost_group.unwrap_or(0);
    if ![1, 2, 3].contains(&group) {
        return;
    }
    let codes = text(&l.machine_codes);
    let profile = findings.profile;
    if !codes.is_some_and(|c| c.split(';').all(|m| machine_ok(m.trim(), facility, profile))) {
        let form = match profile {
            Profile::Qd3176 => format!("'XX.n.Z' (QĐ 3176; or 'XX.n.{facility}.Z')"),
            Profile::Qd4750 => format!("'XX.n.{facility}.Z' (or 'XX.3….Z')"),
        };
        findings.add(
            "MACHINE_CODE_FORMAT",
            at("MA_MAY"),
            format!("MA_MAY must be {form} for MA_NHOM {group}"),
            codes.map(str::to_owned),
        );
    }
}

fn surgery_fields(at: LineAt<'_>, l: &ServiceLine, findings: &mut Findings<'_>) {
    if l.cost_group == Some(8)
        && (!l.anaesthesia.is_some_and(|p| (1..=4).contains(&p)) || l.quantity.is_some_and(|q| q > Decimal::ONE))
    {
        findings.add(
            "SURGERY_FIELDS",
            at("PP_VO_CAM"),
            "a surgery line needs PP_VO_CAM 1-4 and SO_LUONG at most 1",
            None,
        );
    }
}

fn result_outside_stay(at: LineAt<'_>, l: &ServiceLine, stay: &Stay<'_>, findings: &mut Findings<'_>) {
    if let Some(k) = l.result_at.as_deref().and_then(parse_datetime) {
        let ordered = l.ordered_at.as_deref().and_then(parse_datetime);
        if !stay.inside(k) || ordered.is_some_and(|o| k < o) {
            findings.add(
                "RESULT_OUTSIDE_STAY",
                at("NGAY_KQ"),
                "NGAY_KQ must be inside the stay and after NGAY_YL",
                l.result_at.clone(),
            );
        }
    }
}

fn ceiling_exceeded(at: LineAt<'_>, l: &ServiceLine, findings: &mut Findings<'_>) {
    if let (Some(ceiling), Some(fund)) = (l.payment_ceiling, l.fund_pays)
        && fund > ceiling
    {
        findings.add(
            "CEILING_EXCEEDED",
            at("T_BHTT"),
            format!("T_BHTT {fund} is above the ceiling T_TRANTT {ceiling}"),
            Some(fund.to_string()),
        );
    }
}

fn supply_outside_list(at: LineAt<'_>, l: &ServiceLine, findings: &mut Findings<'_>) {
    if l.cost_group == Some(11) {
        findings.add(
            "SUPPLY_OUTSIDE_LIST",
            at("MA_NHOM"),
            "a supply outside the list or paid by ratio (MA_NHOM 11) is appraised case by case",
            text(&l.supply_code).map(str::to_owned),
        );
    }
}

/// No bed days on an examination or outpatient visit.
fn bed_not_allowed(at: LineAt<'_>, l: &ServiceLine, stay: &Stay<'_>, findings: &mut Findings<'_>) {
    if matches!(stay.visit_type, "01" | "02") {
        findings.add(
            "BED_NOT_ALLOWED",
            at("MA_NHOM"),
            format!("no bed days on MA_LOAI_KCB {}", stay.visit_type),
            l.cost_group.map(|g| g.to_string()),
        );
    }
}

fn bed_code_format(at: LineAt<'_>, l: &ServiceLine, findings: &mut Findings<'_>) {
    if let Some(beds) = text(&l.bed_codes)
        && !beds.split(';').all(|b| bed_ok(b.trim()))
    {
        findings.add(
            "BED_CODE_FORMAT",
            at("MA_GIUONG"),
            "MA_GIUONG must be H/T/C/K and three digits",
            Some(beds.to_owned()),
        );
    }
}

/// One bed-day order per day.
fn bed_quantity(at: LineAt<'_>, l: &ServiceLine, findings: &mut Findings<'_>) {
    if l.quantity.is_some_and(|q| q > Decimal::ONE) {
        findings.add(
            "BED_QUANTITY",
            at("SO_LUONG"),
            "one bed-day order per day: SO_LUONG at most 1",
            l.quantity.map(|q| q.to_string()),
        );
    }
}

/// The same procedure or surgery (MA_NHOM 8, 18) ordered twice at the same time.
fn procedure_duplicate(e: &Episode, findings: &mut Findings<'_>) {
    let mut procedures: Vec<(&str, &str, usize)> = Vec::new();
    for (i, l) in e.services.iter().enumerate() {
        if matches!(l.cost_group, Some(8 | 18))
            && let (Some(code), Some(ordered)) = (text(&l.service_code), text(&l.ordered_at))
        {
            if let Some((_, _, first)) = procedures.iter().find(|(c, o, _)| *c == code && *o == ordered) {
                findings.add(
                    "PROCEDURE_DUPLICATE",
                    format!("services[{i}].MA_DICH_VU"),
                    format!("the same procedure was ordered at {ordered} in services[{first}]"),
                    Some(code.to_owned()),
                );
            } else {
                procedures.push((code, ordered, i));
            }
        }
    }
}

fn exam_fees_inpatient(e: &Episode, stay: &Stay<'_>, findings: &mut Findings<'_>) {
    let exam_fees = e.services.iter().filter(|l| l.cost_group == Some(13)).count();
    if stay.inpatient && exam_fees > 1 {
        findings.add(
            "EXAM_FEES_INPATIENT",
            "services",
            format!("{exam_fees} examination fees; an inpatient stay carries at most one"),
            None,
        );
    }
}

fn result_reader_required(i: usize, r: &ParaclinicalResult, findings: &mut Findings<'_>) {
    if text(&r.value).is_some() && text(&r.reader_id).is_none() {
        findings.add(
            "RESULT_READER_REQUIRED",
            format!("paraclinical_results[{i}].MA_BS_DOC_KQ"),
            "a result needs its reading clinician",
            None,
        );
    }
}

/// An imaging result (of a MA_NHOM 2 service) says what was seen or concluded.
fn imaging_conclusion(i: usize, r: &ParaclinicalResult, e: &Episode, findings: &mut Findings<'_>) {
    let imaging = e
        .services
        .iter()
        .any(|l| l.cost_group == Some(2) && l.service_code.is_some() && l.service_code == r.service_code);
    if imaging && text(&r.description).is_none() && text(&r.conclusion).is_none() {
        findings.add(
            "IMAGING_CONCLUSION",
            format!("paraclinical_results[{i}].KET_LUAN"),
            "an imaging result needs MO_TA or KET_LUAN",
            None,
        );
    }
}

fn note_outside_stay(e: &Episode, stay: &Stay<'_>, findings: &mut Findings<'_>) {
    for (i, n) in e.progress_notes.iter().enumerate() {
        if let Some(t) = n.noted_at.as_deref().and_then(parse_datetime)
            && !stay.inside(t)
        {
            findings.add(
                "NOTE_OUTSIDE_STAY",
                format!("progress_notes[{i}].THOI_DIEM_DBLS"),
                "the note is outside the stay",
                n.noted_at.clone(),
            );
        }
    }
}

fn record_summary_too_long(e: &Episode, findings: &mut Findings<'_>) {
    if let Some(summary) = &e.record_summary
        && let Some(t) = text(&summary.results_summary)
        && t.chars().count() > 4000
    {
        findings.add(
            "RECORD_SUMMARY_TOO_LONG",
            "record_summary.TOMTAT_KQ",
            "TOMTAT_KQ may have at most 4000 characters",
            None,
        );
    }
}

fn pregnancy_leave_too_long(e: &Episode, findings: &mut Findings<'_>) {
    if let Some(p) = &e.pregnancy_leave
        && p.days.is_some_and(|d| d > 180)
    {
        findings.add(
            "PREGNANCY_LEAVE_TOO_LONG",
            "pregnancy_leave.SO_NGAY",
            "at most 180 days",
            p.days.map(|d| d.to_string()),
        );
    }
}

fn reexam_not_after_discharge(e: &Episode, stay: &Stay<'_>, findings: &mut Findings<'_>) {
    if let Some(a) = &e.reexam_appointment
        && let Some(on) = text(&a.reexam_on)
        && let Some(d) = stay.discharge
    {
        let day = parse_date(&on[..on.len().min(8)]);
        if day.is_some_and(|day| day <= d.date()) {
            findings.add(
                "REEXAM_NOT_AFTER_DISCHARGE",
                "reexam_appointment.NGAY_HEN_KL",
                "the re-examination must be after NGAY_RA",
                Some(on.to_owned()),
            );
        }
    }
}

/// The sick-leave certificate (XML11) is on form CT07 with well-formed numbers.
fn sick_leave_form(c: &SickLeaveCertificate, findings: &mut Findings<'_>) {
    let form_ok = text(&c.form_code) == Some("CT07");
    let bhxh_ok = text(&c.social_insurance_id).is_none_or(|m| m.len() == 10 && m.bytes().all(|b| b.is_ascii_digit()));
    let cards_ok = text(&c.card_numbers).is_none_or(|l| l.split(';').all(|x| x.trim().chars().count() == 15));
    if !(form_ok && bhxh_ok && cards_ok) {
        findings.add(
            "SICK_LEAVE_FORM",
            "sick_leave",
            "MAU_SO must be CT07, MA_BHXH 10 digits, card numbers 15 characters",
            None,
        );
    }
}

/// The sick leave overlaps the stay.
fn sick_leave_dates(c: &SickLeaveCertificate, stay: &Stay<'_>, findings: &mut Findings<'_>) {
    let from = text(&c.from_date).and_then(parse_date);
    let to = text(&c.to_date).and_then(parse_date);
    let early = from.zip(stay.discharge).is_some_and(|(f, d)| f > d.date());
    let late = to.zip(stay.arrival).is_some_and(|(t, a)| t < a.date());
    if early || late {
        findings.add(
            "SICK_LEAVE_DATES",
            "sick_leave.TU_NGAY",
            "TU_NGAY must be ≤ NGAY_RA and DEN_NGAY ≥ NGAY_VAO",
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::machine_ok;
    use crate::domain::spec::Profile;

    #[test]
    fn machine_codes_name_the_own_facility_unless_the_source_is_3() {
        for ok in ["XQ.1.83001.1", "MRI.2.83001.A7", "SA.3.00123", "XQ.3.83999.2", "XN.3NT.12", "ĐT.1.83001.3"] {
            assert!(machine_ok(ok, "83001", Profile::Qd4750), "{ok}");
            assert!(machine_ok(ok, "83001", Profile::Qd3176), "{ok} is still accepted under QĐ 3176");
        }
        for bad in ["XQ.1.83002.1", "XQ.1.83001", "xq.1.83001.1", "XQ.4.83001.1", "XQ.3.", "XQ.3", "XQ.1.83001.1 2"] {
            assert!(!machine_ok(bad, "83001", Profile::Qd4750), "{bad}");
        }
    }

    #[test]
    fn qd3176_drops_the_facility_part() {
        for ok in ["XQ.1.1", "DN.2.A7", "MRI.1.83001"] {
            assert!(machine_ok(ok, "83001", Profile::Qd3176), "{ok}");
            assert!(ok == "MRI.1.83001" || !machine_ok(ok, "83001", Profile::Qd4750), "{ok} is QĐ 3176's form");
        }
        for bad in ["XQ.1.83002.1", "XQ.1.", "XQ.1.1 2", "xq.1.1", "XQ.4.1"] {
            assert!(!machine_ok(bad, "83001", Profile::Qd3176), "{bad}");
        }
    }
}
