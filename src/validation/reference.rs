//! Rules that need the reference catalogues (danh mục, see `crate::reference`): ICD-10 and
//! traditional-medicine codes, the facility's approved drugs, services and supplies with their
//! prices, the approved staff, the national facility list, administrative units and occupations
//! (BHYT-FORMATS §d 5, 7, 10, 14, 15, 17–19, 23). A list that is not loaded is not checked.

use super::Findings;
use crate::domain::Episode;
use crate::reference::{AdminLevel, AdminUnit, ReferenceData};
use std::collections::{HashMap, HashSet};

/// Drugs the checkers do not look up (QLBV `drug_*_not_check`): herbal and in-house preparations,
/// oxygen and nitric oxide.
fn drug_exempt(code: &str) -> bool {
    code.starts_with("05V") || code.starts_with("05C") || code.starts_with("HD") || matches!(code, "40.17" | "40.573")
}

fn list(v: &Option<String>) -> impl Iterator<Item = &str> {
    v.as_deref().unwrap_or_default().split(';').map(str::trim).filter(|c| !c.is_empty())
}

/// A residence's province, district and commune: each a unit of its level, each inside the one before.
fn check_residence(
    at: &str,
    codes: [&Option<String>; 3],
    units: &HashMap<String, AdminUnit>,
    findings: &mut Findings<'_>,
) {
    let levels = [
        ("MATINH_CU_TRU", AdminLevel::Province),
        ("MAHUYEN_CU_TRU", AdminLevel::District),
        ("MAXA_CU_TRU", AdminLevel::Commune),
    ];
    let mut above: Option<&str> = None;
    for ((field, level), code) in levels.into_iter().zip(codes) {
        let Some(code) = code.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
            above = None;
            continue;
        };
        match units.get(code).filter(|u| u.level == level) {
            None => {
                findings.add(
                    "ADMIN_UNIT_UNKNOWN",
                    format!("{at}.{field}"),
                    format!("{code} is not a {} of the administrative-unit catalogue", level.word()),
                    Some(code.to_owned()),
                );
                above = None;
            }
            Some(unit) => {
                if let Some(above) = above
                    && unit.parent.as_deref() != Some(above)
                {
                    findings.add(
                        "ADMIN_UNIT_NESTING",
                        format!("{at}.{field}"),
                        format!("{code} is not inside {above}"),
                        Some(code.to_owned()),
                    );
                }
                above = Some(code);
            }
        }
    }
}

/// Reports each code of the `;`-list `codes` that the list `known` (named `list_name`) lacks.
/// `path` is written out only for a finding: most lines have none.
fn unknown_codes(
    findings: &mut Findings<'_>,
    rule: &'static str,
    path: impl std::fmt::Display,
    codes: &Option<String>,
    known: &HashSet<String>,
    list_name: &str,
) {
    for code in list(codes).filter(|c| !known.contains(*c)) {
        findings.add(rule, &path, format!("{code} is not in the {list_name}"), Some(code.to_owned()));
    }
}

pub(super) fn check(e: &Episode, reference: &ReferenceData, findings: &mut Findings<'_>) {
    if let Some(icd10) = &reference.icd10 {
        let s = &e.summary;
        for (field, codes) in [("MA_BENH_CHINH", &s.main_icd10), ("MA_BENH_KT", &s.secondary_icd10)] {
            unknown_codes(findings, "ICD10_UNKNOWN", format_args!("summary.{field}"), codes, icd10, "ICD-10 catalogue");
        }
    }
    if let Some(yhct) = &reference.icd_yhct {
        let s = &e.summary;
        if let Some(main) = s.main_icd10.as_deref().map(str::trim).filter(|c| yhct.contains(*c)) {
            findings.add(
                "MAIN_DIAGNOSIS_YHCT",
                "summary.MA_BENH_CHINH",
                format!(
                    "{main} is a traditional-medicine code; MA_BENH_CHINH takes ICD-10 (YHCT codes go in MA_BENH_YHCT)"
                ),
                Some(main.to_owned()),
            );
        }
        let list_name = "traditional-medicine (YHCT) catalogue";
        unknown_codes(
            findings,
            "YHCT_CODE_UNKNOWN",
            "summary.MA_BENH_YHCT",
            &s.traditional_medicine_codes,
            yhct,
            list_name,
        );
        for (i, l) in e.services.iter().enumerate() {
            let path = format_args!("services[{i}].MA_BENH_YHCT");
            unknown_codes(findings, "YHCT_CODE_UNKNOWN", path, &l.traditional_medicine_codes, yhct, list_name);
        }
    }
    if let Some(facilities) = &reference.facilities {
        let s = &e.summary;
        for (field, codes) in
            [("MA_DKBD", &s.primary_care_facilities), ("MA_NOI_DI", &s.referred_from), ("MA_NOI_DEN", &s.referred_to)]
        {
            let path = format_args!("summary.{field}");
            unknown_codes(findings, "FACILITY_NOT_IN_CATALOGUE", path, codes, facilities, "national facility list");
        }
    }
    if let Some(units) = &reference.admin_units {
        let s = &e.summary;
        let places = std::iter::once(("summary".to_owned(), &s.province_code, &s.district_code, &s.commune_code))
            .chain(e.birth_certificates.iter().enumerate().map(|(i, b)| {
                (format!("birth_certificates[{i}]"), &b.province_code, &b.district_code, &b.commune_code)
            }));
        for (at, province, district, commune) in places {
            check_residence(&at, [province, district, commune], units, findings);
        }
    }
    if let Some(occupations) = &reference.occupations
        && let Some(code) = e.summary.occupation_code.as_deref().map(str::trim).filter(|c| !c.is_empty())
        && !occupations.contains(code)
    {
        findings.add(
            "OCCUPATION_UNKNOWN",
            "summary.MA_NGHE_NGHIEP",
            format!("{code} is not in the occupation catalogue"),
            Some(code.to_owned()),
        );
    }
    let approved = reference.approved_for(e.facility_code());
    if let Some(drugs) = approved.drugs {
        for (i, l) in e.drugs.iter().enumerate() {
            let Some(code) = l.drug_code.as_deref().map(str::trim).filter(|c| !c.is_empty() && !drug_exempt(c)) else {
                continue;
            };
            match drugs.get(code) {
                None => findings.add(
                    "DRUG_NOT_APPROVED",
                    format!("drugs[{i}].MA_THUOC"),
                    format!("{code} is not in the approved drug list"),
                    Some(code.to_owned()),
                ),
                Some(approved) => {
                    if l.unit_price.is_some_and(|p| p > approved.max_price) {
                        findings.add(
                            "DRUG_PRICE_ABOVE_APPROVED",
                            format!("drugs[{i}].DON_GIA"),
                            format!("DON_GIA is above the approved {}", approved.max_price),
                            l.unit_price.map(|p| p.to_string()),
                        );
                    }
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
            }
        }
    }
    for (i, l) in e.services.iter().enumerate() {
        let supply = l.cost_group.is_some_and(|g| g == 10 || g == 11);
        let (catalogue, code, rule_missing, field) = if supply {
            (approved.supplies, &l.supply_code, "SUPPLY_NOT_APPROVED", "MA_VAT_TU")
        } else {
            (approved.services, &l.service_code, "SERVICE_NOT_APPROVED", "MA_DICH_VU")
        };
        let (Some(catalogue), Some(code)) = (catalogue, code.as_deref().map(str::trim).filter(|c| !c.is_empty()))
        else {
            continue;
        };
        match catalogue.get(code) {
            None => findings.add(
                rule_missing,
                format!("services[{i}].{field}"),
                format!("{code} is not in the approved list"),
                Some(code.to_owned()),
            ),
            Some(approved) if l.unit_price_insured.is_some_and(|p| p > approved.max_price) => findings.add(
                "ITEM_PRICE_ABOVE_APPROVED",
                format!("services[{i}].DON_GIA_BH"),
                format!("DON_GIA_BH is above the approved {}", approved.max_price),
                l.unit_price_insured.map(|p| p.to_string()),
            ),
            Some(_) => {}
        }
    }
    if let Some(staff) = approved.staff {
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
}
