//! Rules that need the reference catalogues (danh mục, see `crate::reference`): ICD-10 and
//! traditional-medicine codes, the facility's approved drugs, services and supplies with their
//! prices, the approved staff, the national facility list, administrative units and occupations
//! (BHYT-FORMATS §d 5, 7, 10, 14, 15, 17–19, 23). A list that is not loaded is not checked.

use super::Findings;
use crate::domain::Episode;
use crate::domain::records::{DrugLine, EpisodeSummary, ServiceLine};
use crate::reference::{
    AdminLevel, AdminUnit, Approved, ApprovedDrug, Codes, DISTRICTS_ABOLISHED, Dated, Lookup, ReferenceData, dated,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Drugs the checkers do not look up (QLBV `drug_*_not_check`): herbal and in-house preparations,
/// oxygen and nitric oxide.
fn drug_exempt(code: &str) -> bool {
    code.starts_with("05V") || code.starts_with("05C") || code.starts_with("HD") || matches!(code, "40.17" | "40.573")
}

fn list(v: &Option<String>) -> impl Iterator<Item = &str> {
    v.as_deref().unwrap_or_default().split(';').map(str::trim).filter(|c| !c.is_empty())
}

/// Why `code` is not in force in `list_name` on `day`, or `None` when it is.
fn absence<T>(lookup: &Lookup<'_, T>, code: &str, list_name: &str, day: Option<NaiveDate>) -> Option<String> {
    match lookup {
        Lookup::InForce(_) => None,
        Lookup::Unknown => Some(format!("{code} is not in the {list_name}")),
        Lookup::OutOfForce(periods) => {
            let on = day.map(|d| format!(" (the episode is of {d})")).unwrap_or_default();
            Some(format!("{code} is in the {list_name} only {}{on}", dated::periods_text(periods)))
        }
    }
}

/// A residence's province, district and commune, each a unit in force on `day`: before districts
/// were abolished each inside the one before; since, the commune inside the province, and
/// MAHUYEN_CU_TRU not checked (what BHXH expects there is not known: REGULATORY-2026.md §3.4).
fn check_residence(
    at: &str,
    codes: [&Option<String>; 3],
    reference: &ReferenceData,
    units: &Dated<AdminUnit>,
    findings: &mut Findings<'_>,
) {
    let day = findings.days.admission;
    let two_levels = day.is_some_and(|d| d >= DISTRICTS_ABOLISHED);
    let [province, district, commune] = codes.map(|c| c.as_deref().map(str::trim).filter(|c| !c.is_empty()));
    let district = district.filter(|_| !two_levels);
    let lists = (reference, units);
    let mut unit = |field: &str, code: &str, level: AdminLevel| {
        admin_unit_unknown(&format!("{at}.{field}"), code, level, lists, findings)
    };
    let province_unit = province.and_then(|c| unit("MATINH_CU_TRU", c, AdminLevel::Province).map(|u| (c, u)));
    let district_unit = district.and_then(|c| unit("MAHUYEN_CU_TRU", c, AdminLevel::District).map(|u| (c, u)));
    let commune_unit = commune.and_then(|c| unit("MAXA_CU_TRU", c, AdminLevel::Commune).map(|u| (c, u)));
    let province = province_unit.map(|(code, _)| code);
    if let Some((code, found)) = district_unit {
        admin_unit_nesting(&format!("{at}.MAHUYEN_CU_TRU"), code, found.parent.as_deref(), province, findings);
    }
    let Some((code, found)) = commune_unit else { return };
    let path = format!("{at}.MAXA_CU_TRU");
    if two_levels {
        admin_unit_nesting(&path, code, found.parent.as_deref(), province, findings);
    } else if district.is_some() {
        admin_unit_nesting(&path, code, found.parent.as_deref(), district_unit.map(|(code, _)| code), findings);
    } else {
        // A commune given without its district must still lie, through its district, in the
        // province given.
        let through = found.parent.as_deref().and_then(|d| units.get(d, day)).and_then(|d| d.parent.as_deref());
        if through.is_some() {
            admin_unit_nesting(&path, code, through, province, findings);
        }
    }
}

/// A residence's unit that is not one of `level` in force on the episode's day (saying what
/// replaced it, where the successors are loaded); the unit when it is.
fn admin_unit_unknown<'u>(
    path: &str,
    code: &str,
    level: AdminLevel,
    (reference, units): (&ReferenceData, &'u Dated<AdminUnit>),
    findings: &mut Findings<'_>,
) -> Option<&'u AdminUnit> {
    let day = findings.days.admission;
    let lookup = units.lookup(code, day);
    let message = match &lookup {
        Lookup::InForce(unit) if unit.level == level => return Some(*unit),
        Lookup::InForce(_) => format!("{code} is not a {} of the administrative-unit catalogue", level.word()),
        other => {
            let why = absence(other, code, "administrative-unit catalogue", day).unwrap_or_default();
            match reference.admin_unit_successors.as_ref().and_then(|s| s.get(code, day)) {
                Some(successor) => format!("{why}; it was replaced by {successor}"),
                None => why,
            }
        }
    };
    findings.add("ADMIN_UNIT_UNKNOWN", path, message, Some(code.to_owned()));
    None
}

/// A unit whose parent is not the unit above it that the residence gives (when that one is known).
fn admin_unit_nesting(path: &str, code: &str, parent: Option<&str>, above: Option<&str>, findings: &mut Findings<'_>) {
    if let Some(above) = above
        && parent != Some(above)
    {
        findings.add("ADMIN_UNIT_NESTING", path, format!("{code} is not inside {above}"), Some(code.to_owned()));
    }
}

/// Why `code` is missing from a list it should be in force in (`absence` of a code not found).
fn why_absent<T>(lookup: &Lookup<'_, T>, code: &str, list_name: &str, day: Option<NaiveDate>) -> String {
    absence(lookup, code, list_name, day).unwrap_or_default()
}

/// Reports each code of the `;`-list `codes` that the list `known` (named `list_name`) lacks on
/// the episode's day. `path` is written out only for a finding: most lines have none.
fn unknown_codes(
    findings: &mut Findings<'_>,
    rule: &'static str,
    path: impl std::fmt::Display,
    codes: &Option<String>,
    known: &Codes,
    list_name: &str,
) {
    let day = findings.days.admission;
    for code in list(codes) {
        if let Some(message) = absence(&known.lookup(code, day), code, list_name, day) {
            findings.add(rule, &path, message, Some(code.to_owned()));
        }
    }
}

pub(super) fn check(e: &Episode, reference: &ReferenceData, findings: &mut Findings<'_>) {
    let day = findings.days.admission;
    let s = &e.summary;
    if let Some(icd10) = &reference.icd10 {
        icd10_unknown(s, icd10, findings);
    }
    if let Some(yhct) = &reference.icd_yhct {
        main_diagnosis_yhct(s, yhct, day, findings);
        yhct_code_unknown(e, yhct, findings);
    }
    if let Some(facilities) = &reference.facilities {
        facility_not_in_catalogue(s, facilities, findings);
    }
    if let Some(units) = &reference.admin_units {
        let places = std::iter::once(("summary".to_owned(), &s.province_code, &s.district_code, &s.commune_code))
            .chain(e.birth_certificates.iter().enumerate().map(|(i, b)| {
                (format!("birth_certificates[{i}]"), &b.province_code, &b.district_code, &b.commune_code)
            }));
        for (at, province, district, commune) in places {
            check_residence(&at, [province, district, commune], reference, units, findings);
        }
    }
    if let Some(occupations) = &reference.occupations {
        occupation_unknown(s, occupations, findings);
    }
    let approved = reference.approved_for(e.facility_code());
    if let Some(drugs) = approved.drugs {
        approved_drugs(e, drugs, day, findings);
    }
    approved_items(e, &approved, day, findings);
    if let Some(staff) = approved.staff {
        staff_not_approved(e, staff, findings);
    }
}

fn icd10_unknown(s: &EpisodeSummary, icd10: &Codes, findings: &mut Findings<'_>) {
    for (field, codes) in [("MA_BENH_CHINH", &s.main_icd10), ("MA_BENH_KT", &s.secondary_icd10)] {
        unknown_codes(findings, "ICD10_UNKNOWN", format_args!("summary.{field}"), codes, icd10, "ICD-10 catalogue");
    }
}

/// The main diagnosis takes ICD-10; a traditional-medicine code belongs in MA_BENH_YHCT.
fn main_diagnosis_yhct(s: &EpisodeSummary, yhct: &Codes, day: Option<NaiveDate>, findings: &mut Findings<'_>) {
    if let Some(main) = s.main_icd10.as_deref().map(str::trim).filter(|c| yhct.contains(c, day)) {
        findings.add(
            "MAIN_DIAGNOSIS_YHCT",
            "summary.MA_BENH_CHINH",
            format!(
                "{main} is a traditional-medicine code; MA_BENH_CHINH takes ICD-10 (YHCT codes go in MA_BENH_YHCT)"
            ),
            Some(main.to_owned()),
        );
    }
}

fn yhct_code_unknown(e: &Episode, yhct: &Codes, findings: &mut Findings<'_>) {
    let list_name = "traditional-medicine (YHCT) catalogue";
    let codes = &e.summary.traditional_medicine_codes;
    unknown_codes(findings, "YHCT_CODE_UNKNOWN", "summary.MA_BENH_YHCT", codes, yhct, list_name);
    for (i, l) in e.services.iter().enumerate() {
        let path = format_args!("services[{i}].MA_BENH_YHCT");
        unknown_codes(findings, "YHCT_CODE_UNKNOWN", path, &l.traditional_medicine_codes, yhct, list_name);
    }
}

/// The facilities the summary names (registration, referral from and to) in the national list.
fn facility_not_in_catalogue(s: &EpisodeSummary, facilities: &Codes, findings: &mut Findings<'_>) {
    for (field, codes) in
        [("MA_DKBD", &s.primary_care_facilities), ("MA_NOI_DI", &s.referred_from), ("MA_NOI_DEN", &s.referred_to)]
    {
        let path = format_args!("summary.{field}");
        unknown_codes(findings, "FACILITY_NOT_IN_CATALOGUE", path, codes, facilities, "national facility list");
    }
}

fn occupation_unknown(s: &EpisodeSummary, occupations: &Codes, findings: &mut Findings<'_>) {
    let (path, codes) = ("summary.MA_NGHE_NGHIEP", &s.occupation_code);
    unknown_codes(findings, "OCCUPATION_UNKNOWN", path, codes, occupations, "occupation catalogue");
}

/// Each drug line against the facility's approved drug list: in force, its price and details.
fn approved_drugs(e: &Episode, drugs: &Dated<ApprovedDrug>, day: Option<NaiveDate>, findings: &mut Findings<'_>) {
    for (i, l) in e.drugs.iter().enumerate() {
        let Some(code) = l.drug_code.as_deref().map(str::trim).filter(|c| !c.is_empty() && !drug_exempt(c)) else {
            continue;
        };
        match drugs.lookup(code, day) {
            Lookup::InForce(approved) => {
                drug_price_above_approved(i, l, approved, findings);
                drug_details_mismatch(i, l, code, approved, findings);
            }
            absent => drug_not_approved(i, code, why_absent(&absent, code, "approved drug list", day), findings),
        }
    }
}

fn drug_price_above_approved(i: usize, l: &DrugLine, approved: &ApprovedDrug, findings: &mut Findings<'_>) {
    if l.unit_price.is_some_and(|p| p > approved.max_price) {
        findings.add(
            "DRUG_PRICE_ABOVE_APPROVED",
            format!("drugs[{i}].DON_GIA"),
            format!("DON_GIA is above the approved {}", approved.max_price),
            l.unit_price.map(|p| p.to_string()),
        );
    }
}

/// The line's name, strength and registration number are the approved list's.
fn drug_details_mismatch(i: usize, l: &DrugLine, code: &str, approved: &ApprovedDrug, findings: &mut Findings<'_>) {
    let differs = [
        (l.drug_name.as_deref(), approved.name.as_str()),
        (l.strength.as_deref(), approved.strength.as_str()),
        (l.registration_number.as_deref(), approved.registration.as_str()),
    ]
    .iter()
    .any(|(given, expected)| given.is_some_and(|g| g.trim() != *expected));
    if differs {
        findings.add(
            "DRUG_DETAILS_MISMATCH",
            format!("drugs[{i}]"),
            format!("name, strength or registration differ from the approved list for {code}"),
            None,
        );
    }
}

fn drug_not_approved(i: usize, code: &str, why: String, findings: &mut Findings<'_>) {
    findings.add("DRUG_NOT_APPROVED", format!("drugs[{i}].MA_THUOC"), why, Some(code.to_owned()));
}

/// Each service or supply line against the facility's approved services or supplies: in force, its price.
fn approved_items(e: &Episode, approved: &Approved<'_>, day: Option<NaiveDate>, findings: &mut Findings<'_>) {
    for (i, l) in e.services.iter().enumerate() {
        let supply = l.cost_group.is_some_and(|g| g == 10 || g == 11);
        let (catalogue, code) =
            if supply { (approved.supplies, &l.supply_code) } else { (approved.services, &l.service_code) };
        let (Some(catalogue), Some(code)) = (catalogue, code.as_deref().map(str::trim).filter(|c| !c.is_empty()))
        else {
            continue;
        };
        match catalogue.lookup(code, day) {
            Lookup::InForce(approved) => item_price_above_approved(i, l, approved.max_price, findings),
            absent => {
                let why = why_absent(&absent, code, "approved list", day);
                match supply {
                    true => supply_not_approved(i, code, why, findings),
                    false => service_not_approved(i, code, why, findings),
                }
            }
        }
    }
}

fn item_price_above_approved(i: usize, l: &ServiceLine, max_price: Decimal, findings: &mut Findings<'_>) {
    if l.unit_price_insured.is_some_and(|p| p > max_price) {
        findings.add(
            "ITEM_PRICE_ABOVE_APPROVED",
            format!("services[{i}].DON_GIA_BH"),
            format!("DON_GIA_BH is above the approved {max_price}"),
            l.unit_price_insured.map(|p| p.to_string()),
        );
    }
}

fn supply_not_approved(i: usize, code: &str, why: String, findings: &mut Findings<'_>) {
    findings.add("SUPPLY_NOT_APPROVED", format!("services[{i}].MA_VAT_TU"), why, Some(code.to_owned()));
}

fn service_not_approved(i: usize, code: &str, why: String, findings: &mut Findings<'_>) {
    findings.add("SERVICE_NOT_APPROVED", format!("services[{i}].MA_DICH_VU"), why, Some(code.to_owned()));
}

/// The staff codes of every table against the facility's approved staff.
fn staff_not_approved(e: &Episode, staff: &Codes, findings: &mut Findings<'_>) {
    let unknown = |path: &dyn std::fmt::Display, codes: &Option<String>, findings: &mut Findings<'_>| {
        unknown_codes(findings, "STAFF_NOT_APPROVED", path, codes, staff, "approved staff list");
    };
    for (i, l) in e.drugs.iter().enumerate() {
        unknown(&format_args!("drugs[{i}].MA_BAC_SI"), &l.doctor_codes, findings);
    }
    for (i, l) in e.services.iter().enumerate() {
        unknown(&format_args!("services[{i}].MA_BAC_SI"), &l.doctor_codes, findings);
        unknown(&format_args!("services[{i}].NGUOI_THUC_HIEN"), &l.performer_codes, findings);
    }
    for (i, r) in e.paraclinical_results.iter().enumerate() {
        unknown(&format_args!("paraclinical_results[{i}].MA_BS_DOC_KQ"), &r.reader_id, findings);
    }
    for (i, n) in e.progress_notes.iter().enumerate() {
        unknown(&format_args!("progress_notes[{i}].NGUOI_THUC_HIEN"), &n.performer_codes, findings);
    }
    // The doctors who sign the certificates (XML7, 10, 11), the referral (XML13) and the
    // re-examination appointment (XML14).
    let signers = [
        ("discharge_certificate.MA_BS", e.discharge_certificate.as_ref().map(|c| &c.doctor_id)),
        ("pregnancy_leave.MA_BS", e.pregnancy_leave.as_ref().map(|c| &c.doctor_id)),
        ("sick_leave.MA_BS", e.sick_leave.as_ref().map(|c| &c.doctor_id)),
        ("referral_letter.MA_BAC_SI", e.referral_letter.as_ref().map(|r| &r.doctor_codes)),
        ("reexam_appointment.MA_BAC_SI", e.reexam_appointment.as_ref().map(|r| &r.doctor_codes)),
    ];
    for (path, codes) in signers {
        if let Some(codes) = codes {
            unknown(&path, codes, findings);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::Episode;
    use crate::domain::records::EpisodeSummary;
    use crate::reference::ReferenceData;
    use crate::validation::{Catalogue, validate};

    /// The rules an episode of `day` living at (province, district, commune) breaks on its address.
    fn address_rules(day: &str, province: &str, district: &str, commune: &str) -> Vec<(String, String)> {
        let some = |t: &str| Some(t.to_owned()).filter(|t| !t.is_empty());
        let episode = Episode {
            summary: EpisodeSummary {
                admitted_at: some(&format!("{day}0800")),
                discharged_at: some(&format!("{day}1100")),
                province_code: some(province),
                district_code: some(district),
                commune_code: some(commune),
                ..EpisodeSummary::default()
            },
            ..Episode::default()
        };
        let report = validate(&episode, &Catalogue::builtin(), &ReferenceData::sample(), Default::default());
        report
            .violations
            .into_iter()
            .filter(|v| v.path.contains("CU_TRU"))
            .map(|v| (v.rule, format!("{}: {}", v.path, v.message)))
            .collect()
    }

    #[test]
    fn residences_have_three_levels_before_july_2025_and_two_since() {
        assert_eq!(address_rules("20250630", "83", "829", "28700"), [], "the old three levels, in force");
        assert_eq!(address_rules("20250701", "86", "", "28700"), [], "province and commune, no district");
        assert_eq!(address_rules("20260301", "86", "829", "28700"), [], "a district still written is not checked");

        let old_after = address_rules("20250701", "83", "829", "28700");
        assert_eq!(old_after.len(), 1, "{old_after:?}");
        assert_eq!(old_after[0].0, "ADMIN_UNIT_UNKNOWN");
        assert!(
            old_after[0].1.contains("only until 2025-06-30") && old_after[0].1.contains("replaced by 86"),
            "{old_after:?}"
        );

        let new_before = address_rules("20250630", "86", "", "28700");
        let rules: Vec<&str> = new_before.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(rules, ["FIELD_REQUIRED", "ADMIN_UNIT_NESTING"], "{new_before:?}");
        assert!(new_before[0].1.starts_with("summary.MAHUYEN_CU_TRU"), "{new_before:?}");

        let elsewhere = address_rules("20260301", "86", "", "99999");
        assert_eq!(elsewhere.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(), ["ADMIN_UNIT_UNKNOWN"]);
    }
}
