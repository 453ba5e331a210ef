//! Rules that need the reference catalogues (danh mục): ICD-10 and traditional-medicine codes, the
//! facility's approved drugs, services and supplies with their prices, the approved staff, the
//! national facility list, administrative units and occupations (BHYT-FORMATS §d 5, 7, 10, 14,
//! 15, 17–19, 23). The lists are loaded from CSV files (see `catalogues/`); a list that is not
//! loaded is not checked.

use super::Findings;
use crate::domain::Episode;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::path::Path;

#[derive(Debug, Clone)]
pub struct ApprovedDrug {
    pub name: String,
    pub strength: String,
    pub registration: String,
    pub max_price: Decimal,
}

#[derive(Debug, Clone)]
pub struct ApprovedItem {
    pub name: String,
    pub max_price: Decimal,
}

/// The level of an administrative unit; codes have 2 (province), 3 (district) or 5 (commune) digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminLevel {
    Province,
    District,
    Commune,
}

impl AdminLevel {
    const ALL: [AdminLevel; 3] = [AdminLevel::Province, AdminLevel::District, AdminLevel::Commune];

    /// The word of the catalogue's `level` column.
    pub fn word(self) -> &'static str {
        match self {
            AdminLevel::Province => "province",
            AdminLevel::District => "district",
            AdminLevel::Commune => "commune",
        }
    }
}

#[derive(Debug, Clone)]
pub struct AdminUnit {
    pub level: AdminLevel,
    /// The province of a district, the district of a commune.
    pub parent: Option<String>,
}

/// The reference catalogues in force; each is `None` when not loaded.
#[derive(Debug, Clone, Default)]
pub struct ReferenceData {
    pub icd10: Option<HashSet<String>>,
    /// Traditional-medicine (YHCT) disease codes, the list MA_BENH_YHCT draws from.
    pub icd_yhct: Option<HashSet<String>>,
    pub drugs: Option<HashMap<String, ApprovedDrug>>,
    pub services: Option<HashMap<String, ApprovedItem>>,
    pub supplies: Option<HashMap<String, ApprovedItem>>,
    pub staff: Option<HashSet<String>>,
    /// The national list of health facilities (MA_CSKCB codes).
    pub facilities: Option<HashSet<String>>,
    /// Provinces, districts and communes.
    pub admin_units: Option<HashMap<String, AdminUnit>>,
    pub occupations: Option<HashSet<String>>,
}

#[derive(Debug, thiserror::Error)]
#[error("reference catalogue {file}: {message}")]
pub struct ReferenceError {
    pub file: String,
    pub message: String,
}

fn rows(file: &str, text: &str, columns: usize) -> Result<Vec<Vec<String>>, ReferenceError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .enumerate()
        .map(|(i, r)| {
            let r = r.map_err(|e| ReferenceError { file: file.to_owned(), message: e.to_string() })?;
            if r.len() < columns {
                return Err(ReferenceError {
                    file: file.to_owned(),
                    message: format!("row {} has {} columns, {columns} expected", i + 2, r.len()),
                });
            }
            Ok(r.iter().map(|c| c.trim().to_owned()).collect())
        })
        .collect()
}

fn price(file: &str, text: &str) -> Result<Decimal, ReferenceError> {
    text.parse().map_err(|_| ReferenceError { file: file.to_owned(), message: format!("`{text}` is not a price") })
}

fn codes(file: &str, text: &str) -> Result<HashSet<String>, ReferenceError> {
    Ok(rows(file, text, 1)?.into_iter().map(|r| r[0].clone()).collect())
}

fn items(file: &str, text: &str) -> Result<HashMap<String, ApprovedItem>, ReferenceError> {
    rows(file, text, 3)?
        .into_iter()
        .map(|r| Ok((r[0].clone(), ApprovedItem { name: r[1].clone(), max_price: price(file, &r[2])? })))
        .collect()
}

fn drugs(file: &str, text: &str) -> Result<HashMap<String, ApprovedDrug>, ReferenceError> {
    rows(file, text, 5)?
        .into_iter()
        .map(|r| {
            let drug = ApprovedDrug {
                name: r[1].clone(),
                strength: r[2].clone(),
                registration: r[3].clone(),
                max_price: price(file, &r[4])?,
            };
            Ok((r[0].clone(), drug))
        })
        .collect()
}

/// `code,name,level,parent`, where a district's parent is its province and a commune's its district.
fn admin_units(file: &str, text: &str) -> Result<HashMap<String, AdminUnit>, ReferenceError> {
    let units: HashMap<String, AdminUnit> = rows(file, text, 4)?
        .into_iter()
        .map(|r| {
            let level = AdminLevel::ALL.into_iter().find(|l| l.word() == r[2]).ok_or_else(|| ReferenceError {
                file: file.to_owned(),
                message: format!("{}: level `{}` is not province, district or commune", r[0], r[2]),
            })?;
            let parent = Some(r[3].clone()).filter(|p| !p.is_empty());
            Ok((r[0].clone(), AdminUnit { level, parent }))
        })
        .collect::<Result<_, _>>()?;
    for (code, unit) in &units {
        let expected = match unit.level {
            AdminLevel::Province => None,
            AdminLevel::District => Some(AdminLevel::Province),
            AdminLevel::Commune => Some(AdminLevel::District),
        };
        let found = unit.parent.as_ref().and_then(|p| units.get(p)).map(|p| p.level);
        if found != expected {
            return Err(ReferenceError {
                file: file.to_owned(),
                message: match expected {
                    Some(level) => format!("{code}: its parent must be a {} of this file", level.word()),
                    None => format!("{code}: a province has no parent"),
                },
            });
        }
    }
    Ok(units)
}

impl ReferenceData {
    /// The catalogues of `dir`, or none (catalogue rules off) without a folder.
    pub fn load(dir: Option<&Path>) -> Result<Self, ReferenceError> {
        dir.map_or_else(|| Ok(ReferenceData::default()), Self::load_dir)
    }

    /// Reads the catalogue files of `dir` (`catalogues/README.md` lists them); a missing file leaves
    /// its list unchecked.
    pub fn load_dir(dir: &Path) -> Result<Self, ReferenceError> {
        Self::from_files(|name| match std::fs::read_to_string(dir.join(name)) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ReferenceError { file: name.to_owned(), message: e.to_string() }),
        })
    }

    fn from_files(read: impl Fn(&str) -> Result<Option<String>, ReferenceError>) -> Result<Self, ReferenceError> {
        fn parse_file<T>(
            read: &impl Fn(&str) -> Result<Option<String>, ReferenceError>,
            file: &str,
            parse: fn(&str, &str) -> Result<T, ReferenceError>,
        ) -> Result<Option<T>, ReferenceError> {
            read(file)?.map(|text| parse(file, &text)).transpose()
        }
        Ok(ReferenceData {
            icd10: parse_file(&read, "icd10.csv", codes)?,
            icd_yhct: parse_file(&read, "icd_yhct.csv", codes)?,
            drugs: parse_file(&read, "drugs.csv", drugs)?,
            services: parse_file(&read, "services.csv", items)?,
            supplies: parse_file(&read, "supplies.csv", items)?,
            staff: parse_file(&read, "staff.csv", codes)?,
            facilities: parse_file(&read, "facilities.csv", codes)?,
            admin_units: parse_file(&read, "admin_units.csv", admin_units)?,
            occupations: parse_file(&read, "occupations.csv", codes)?,
        })
    }

    /// The sample catalogues shipped in `catalogues/` (tests and the demo).
    pub fn sample() -> Self {
        Self::from_files(|name| {
            Ok(Some(
                match name {
                    "icd10.csv" => include_str!("../../catalogues/icd10.csv"),
                    "icd_yhct.csv" => include_str!("../../catalogues/icd_yhct.csv"),
                    "drugs.csv" => include_str!("../../catalogues/drugs.csv"),
                    "services.csv" => include_str!("../../catalogues/services.csv"),
                    "supplies.csv" => include_str!("../../catalogues/supplies.csv"),
                    "staff.csv" => include_str!("../../catalogues/staff.csv"),
                    "facilities.csv" => include_str!("../../catalogues/facilities.csv"),
                    "admin_units.csv" => include_str!("../../catalogues/admin_units.csv"),
                    "occupations.csv" => include_str!("../../catalogues/occupations.csv"),
                    _ => return Ok(None),
                }
                .to_owned(),
            ))
        })
        .expect("the shipped sample catalogues are well-formed")
    }
}

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
fn unknown_codes(
    findings: &mut Findings<'_>,
    rule: &'static str,
    path: &str,
    codes: &Option<String>,
    known: &HashSet<String>,
    list_name: &str,
) {
    for code in list(codes).filter(|c| !known.contains(*c)) {
        findings.add(rule, path, format!("{code} is not in the {list_name}"), Some(code.to_owned()));
    }
}

pub(super) fn check(e: &Episode, reference: &ReferenceData, findings: &mut Findings<'_>) {
    if let Some(icd10) = &reference.icd10 {
        let s = &e.summary;
        for (field, codes) in [("MA_BENH_CHINH", &s.main_icd10), ("MA_BENH_KT", &s.secondary_icd10)] {
            unknown_codes(findings, "ICD10_UNKNOWN", &format!("summary.{field}"), codes, icd10, "ICD-10 catalogue");
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
        let lines = e.services.iter().enumerate().map(|(i, l)| (format!("services[{i}].MA_BENH_YHCT"), l));
        for (path, codes) in std::iter::once(("summary.MA_BENH_YHCT".to_owned(), &s.traditional_medicine_codes))
            .chain(lines.map(|(p, l)| (p, &l.traditional_medicine_codes)))
        {
            unknown_codes(findings, "YHCT_CODE_UNKNOWN", &path, codes, yhct, "traditional-medicine (YHCT) catalogue");
        }
    }
    if let Some(facilities) = &reference.facilities {
        let s = &e.summary;
        for (field, codes) in
            [("MA_DKBD", &s.primary_care_facilities), ("MA_NOI_DI", &s.referred_from), ("MA_NOI_DEN", &s.referred_to)]
        {
            let path = format!("summary.{field}");
            unknown_codes(findings, "FACILITY_NOT_IN_CATALOGUE", &path, codes, facilities, "national facility list");
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
    if let Some(drugs) = &reference.drugs {
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
            (&reference.supplies, &l.supply_code, "SUPPLY_NOT_APPROVED", "MA_VAT_TU")
        } else {
            (&reference.services, &l.service_code, "SERVICE_NOT_APPROVED", "MA_DICH_VU")
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
    if let Some(staff) = &reference.staff {
        let unknown = |path: String, codes: &Option<String>, findings: &mut Findings<'_>| {
            unknown_codes(findings, "STAFF_NOT_APPROVED", &path, codes, staff, "approved staff list");
        };
        for (i, l) in e.drugs.iter().enumerate() {
            unknown(format!("drugs[{i}].MA_BAC_SI"), &l.doctor_codes, findings);
        }
        for (i, l) in e.services.iter().enumerate() {
            unknown(format!("services[{i}].MA_BAC_SI"), &l.doctor_codes, findings);
            unknown(format!("services[{i}].NGUOI_THUC_HIEN"), &l.performer_codes, findings);
        }
        for (i, r) in e.paraclinical_results.iter().enumerate() {
            unknown(format!("paraclinical_results[{i}].MA_BS_DOC_KQ"), &r.reader_id, findings);
        }
        for (i, n) in e.progress_notes.iter().enumerate() {
            unknown(format!("progress_notes[{i}].NGUOI_THUC_HIEN"), &n.performer_codes, findings);
        }
    }
}
