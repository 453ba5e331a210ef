//! Rules that need the reference catalogues (danh mục): ICD-10, the facility's approved drugs,
//! services and supplies with their prices, and the approved staff (BHYT-FORMATS §d 10, 14, 15,
//! 17–19, 23). The lists are loaded from CSV files (see `catalogues/`); a list that is not loaded
//! is not checked.

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

/// The reference catalogues in force; each is `None` when not loaded.
#[derive(Debug, Clone, Default)]
pub struct ReferenceData {
    pub icd10: Option<HashSet<String>>,
    pub drugs: Option<HashMap<String, ApprovedDrug>>,
    pub services: Option<HashMap<String, ApprovedItem>>,
    pub supplies: Option<HashMap<String, ApprovedItem>>,
    pub staff: Option<HashSet<String>>,
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

impl ReferenceData {
    /// The catalogues of `dir`, or none (catalogue rules off) without a folder.
    pub fn load(dir: Option<&Path>) -> Result<Self, ReferenceError> {
        dir.map_or_else(|| Ok(ReferenceData::default()), Self::load_dir)
    }

    /// Reads `icd10.csv`, `drugs.csv`, `services.csv`, `supplies.csv` and `staff.csv` from `dir`;
    /// a missing file leaves its list unchecked.
    pub fn load_dir(dir: &Path) -> Result<Self, ReferenceError> {
        let read = |name: &str| -> Result<Option<String>, ReferenceError> {
            match std::fs::read_to_string(dir.join(name)) {
                Ok(t) => Ok(Some(t)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(ReferenceError { file: name.to_owned(), message: e.to_string() }),
            }
        };
        Self::from_texts(
            read("icd10.csv")?.as_deref(),
            read("drugs.csv")?.as_deref(),
            read("services.csv")?.as_deref(),
            read("supplies.csv")?.as_deref(),
            read("staff.csv")?.as_deref(),
        )
    }

    fn from_texts(
        icd10: Option<&str>,
        drugs: Option<&str>,
        services: Option<&str>,
        supplies: Option<&str>,
        staff: Option<&str>,
    ) -> Result<Self, ReferenceError> {
        let codes = |file: &str, text: &str| -> Result<HashSet<String>, ReferenceError> {
            Ok(rows(file, text, 1)?.into_iter().map(|r| r[0].clone()).collect())
        };
        let items = |file: &str, text: &str| -> Result<HashMap<String, ApprovedItem>, ReferenceError> {
            rows(file, text, 3)?
                .into_iter()
                .map(|r| Ok((r[0].clone(), ApprovedItem { name: r[1].clone(), max_price: price(file, &r[2])? })))
                .collect()
        };
        Ok(ReferenceData {
            icd10: icd10.map(|t| codes("icd10.csv", t)).transpose()?,
            drugs: drugs
                .map(|t| {
                    rows("drugs.csv", t, 5)?
                        .into_iter()
                        .map(|r| {
                            Ok((
                                r[0].clone(),
                                ApprovedDrug {
                                    name: r[1].clone(),
                                    strength: r[2].clone(),
                                    registration: r[3].clone(),
                                    max_price: price("drugs.csv", &r[4])?,
                                },
                            ))
                        })
                        .collect::<Result<_, _>>()
                })
                .transpose()?,
            services: services.map(|t| items("services.csv", t)).transpose()?,
            supplies: supplies.map(|t| items("supplies.csv", t)).transpose()?,
            staff: staff.map(|t| codes("staff.csv", t)).transpose()?,
        })
    }

    /// The sample catalogues shipped in `catalogues/` (tests and the demo).
    pub fn sample() -> Self {
        Self::from_texts(
            Some(include_str!("../../catalogues/icd10.csv")),
            Some(include_str!("../../catalogues/drugs.csv")),
            Some(include_str!("../../catalogues/services.csv")),
            Some(include_str!("../../catalogues/supplies.csv")),
            Some(include_str!("../../catalogues/staff.csv")),
        )
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

pub(super) fn check(e: &Episode, reference: &ReferenceData, findings: &mut Findings<'_>) {
    if let Some(icd10) = &reference.icd10 {
        let s = &e.summary;
        for (field, codes) in [("MA_BENH_CHINH", &s.main_icd10), ("MA_BENH_KT", &s.secondary_icd10)] {
            for code in list(codes).filter(|c| !icd10.contains(*c)) {
                findings.add(
                    "ICD10_UNKNOWN",
                    format!("summary.{field}"),
                    format!("{code} is not in the ICD-10 catalogue"),
                    Some(code.to_owned()),
                );
            }
        }
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
            for code in list(codes).filter(|c| !staff.contains(*c)) {
                findings.add(
                    "STAFF_NOT_APPROVED",
                    path.clone(),
                    format!("{code} is not in the approved staff list"),
                    Some(code.to_owned()),
                );
            }
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
