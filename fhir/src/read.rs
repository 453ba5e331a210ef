//! FHIR transaction `Bundle` (JSON) → canonical episode. The Bundle has been checked against the
//! R4B model (fhir-sdk) before; this reads the elements `docs/fhir-mapping.md` maps, and the
//! field extensions hisgate writes, from the JSON itself so that decimals keep their exact text.

use crate::fields::{FieldError, Fields};
use crate::time::{birth_from_fhir, date_from_fhir, datetime_from_fhir};
use crate::uris::*;
use hisgate_domain::Episode;
use hisgate_domain::records::*;
use serde_json::Value;
use std::collections::HashMap;

/// A problem of an inbound Bundle: where (a FHIRPath-like location) and what.
pub type Issue = FieldError;

fn issue(path: impl Into<String>, message: impl Into<String>) -> Issue {
    FieldError { path: path.into(), message: message.into() }
}

/// The resources of a Bundle, by `fullUrl` and by `Type/id`.
struct Entries<'a> {
    all: Vec<(String, &'a Value)>,
    by_ref: HashMap<String, usize>,
}

impl<'a> Entries<'a> {
    fn of(bundle: &'a Value) -> Self {
        let mut all = Vec::new();
        let mut by_ref = HashMap::new();
        for (i, entry) in bundle["entry"].as_array().into_iter().flatten().enumerate() {
            let resource = &entry["resource"];
            let path = format!("Bundle.entry[{i}].resource");
            if let Some(url) = entry["fullUrl"].as_str() {
                by_ref.insert(url.to_owned(), all.len());
            }
            if let (Some(t), Some(id)) = (resource["resourceType"].as_str(), resource["id"].as_str()) {
                by_ref.insert(format!("{t}/{id}"), all.len());
            }
            all.push((path, resource));
        }
        Entries { all, by_ref }
    }

    fn of_type(&self, t: &str) -> impl Iterator<Item = &(String, &'a Value)> {
        self.all.iter().filter(move |(_, r)| r["resourceType"] == t)
    }

    fn resolve(&self, reference: &Value) -> Option<&(String, &'a Value)> {
        reference["reference"].as_str().and_then(|r| self.by_ref.get(r)).map(|i| &self.all[*i])
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The code of the first coding of `concept` in `system`.
fn code_in(concept: &Value, system: &str) -> Option<(String, Option<String>)> {
    concept["coding"]
        .as_array()?
        .iter()
        .find(|c| c["system"] == system)
        .and_then(|c| Some((text(&c["code"])?, text(&c["display"]))))
}

/// The value of the identifier in `system`, or in `system:<facility>` for a facility's own ids.
fn identifier(resource: &Value, system: &str) -> Option<String> {
    resource["identifier"]
        .as_array()?
        .iter()
        .find(|i| {
            i["system"]
                .as_str()
                .is_some_and(|s| s == system || s.strip_prefix(system).is_some_and(|r| r.starts_with(':')))
        })
        .and_then(|i| text(&i["value"]))
}

/// The table a `Basic` resource carries.
fn table_of(name: &str) -> Option<Table> {
    Table::ALL.into_iter().find(|t| t.spec_name() == name)
}

/// Reads the one episode of a transaction Bundle.
pub fn bundle_episode(bundle: &Value) -> Result<Episode, Vec<Issue>> {
    let entries = Entries::of(bundle);
    let (claim_path, claim) = the_claim(&entries)?;
    let mut issues = Vec::new();
    let mut s = Fields::from_extensions(Table::Xml1, claim);
    let patient = entries.resolve(&claim["patient"]).or_else(|| entries.of_type("Patient").next());
    let Some((patient_path, patient)) = patient else {
        return Err(vec![issue(format!("{claim_path}.patient"), "the Claim's patient is not in the Bundle")]);
    };
    let facility = entries.resolve(&claim["provider"]).and_then(|(_, o)| identifier(o, SID_FACILITY));
    if facility.is_none() {
        issues.push(issue(
            format!("{claim_path}.provider"),
            format!("the provider must be an Organization in the Bundle with an identifier in {SID_FACILITY}"),
        ));
    }
    s.put("MA_CSKCB", facility);
    let encounter = entries.of_type("Encounter").find(|(_, e)| {
        identifier(e, SID_EPISODE).is_some() && identifier(e, SID_EPISODE) == identifier(claim, SID_EPISODE)
    });
    let encounter = encounter.or_else(|| entries.of_type("Encounter").next());
    let key = identifier(claim, SID_EPISODE).or_else(|| encounter.and_then(|(_, e)| identifier(e, SID_EPISODE)));
    s.put("MA_LK", key);
    patient_fields(patient_path, patient, &mut s, &mut issues);
    coverage_fields(&entries, &claim_path, claim, &mut s, &mut issues);
    if let Some((path, e)) = encounter {
        encounter_fields(path, e, &mut s, &mut issues);
    }
    diagnosis_fields(&entries, claim, &mut s);
    s.put("T_TONGCHI_BV", text(&claim["total"]["value"]));

    let mut episode = Episode::default();
    match s.into_record::<EpisodeSummary>(&claim_path) {
        Ok(summary) => episode.summary = summary,
        Err(e) => issues.push(e),
    }
    claim_items(&claim_path, claim, &mut episode, &mut issues);
    observations(&entries, &mut episode, &mut issues);
    basic_records(&entries, &mut episode, &mut issues);
    if issues.is_empty() { Ok(episode) } else { Err(issues) }
}

/// The Bundle's one Claim, with its path.
fn the_claim<'a>(entries: &Entries<'a>) -> Result<(String, &'a Value), Vec<Issue>> {
    let claims: Vec<_> = entries.of_type("Claim").collect();
    match claims.as_slice() {
        [one] => Ok((one.0.clone(), one.1)),
        [] => Err(vec![issue("Bundle.entry", "the Bundle holds no Claim: one Claim per episode is required")]),
        many => Err(vec![issue(
            "Bundle.entry",
            format!("the Bundle holds {} Claims: send one episode per Bundle", many.len()),
        )]),
    }
}

/// XML1's patient fields from the Patient.
fn patient_fields(patient_path: &str, patient: &Value, s: &mut Fields, issues: &mut Vec<Issue>) {
    s.put("MA_BN", identifier(patient, SID_PATIENT));
    s.put("SO_CCCD", identifier(patient, SID_CITIZEN));
    s.put(
        "HO_TEN",
        patient["name"][0]["text"].as_str().map(str::to_owned).or_else(|| {
            let n = &patient["name"][0];
            let given: Vec<&str> = n["given"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let family = n["family"].as_str()?;
            // Vietnamese order: family name first.
            Some(std::iter::once(family).chain(given).collect::<Vec<_>>().join(" "))
        }),
    );
    s.put(
        "GIOI_TINH",
        match patient["gender"].as_str() {
            Some("male") => Some("1".to_owned()),
            Some("female") => Some("2".to_owned()),
            Some("unknown" | "other") => Some("3".to_owned()),
            _ => None,
        },
    );
    if let Some(date) = patient["birthDate"].as_str() {
        let time = patient["_birthDate"]["extension"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["url"] == EXT_BIRTH_TIME)
            .and_then(|e| e["valueDateTime"].as_str());
        match birth_from_fhir(date, time) {
            Some(b) => s.put("NGAY_SINH", Some(b)),
            None => {
                issues.push(issue(format!("{patient_path}.birthDate"), format!("`{date}` is not YYYY or YYYY-MM-DD")))
            }
        }
    }
    s.put("DIA_CHI", text(&patient["address"][0]["text"]));
    s.put(
        "DIEN_THOAI",
        patient["telecom"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["system"] == "phone")
            .and_then(|t| text(&t["value"])),
    );
}

/// The cards (`MA_THE_BHYT` and their registrations and validity) from the Coverages, in the
/// Claim's insurance order; a self-pay Coverage has no card.
fn coverage_fields(entries: &Entries<'_>, claim_path: &str, claim: &Value, s: &mut Fields, issues: &mut Vec<Issue>) {
    let mut insurance: Vec<&Value> = claim["insurance"].as_array().into_iter().flatten().collect();
    insurance.sort_by_key(|i| i["sequence"].as_u64().unwrap_or(0));
    let (mut cards, mut primary, mut from, mut to) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ins in insurance {
        let Some((path, coverage)) = entries.resolve(&ins["coverage"]) else {
            issues.push(issue(format!("{claim_path}.insurance"), "a coverage is not in the Bundle"));
            continue;
        };
        let Some(card) = identifier(coverage, SID_CARD) else { continue };
        cards.push(card);
        primary.push(
            coverage["class"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| code_in(&c["type"], COVERAGE_CLASS).is_some_and(|(k, _)| k == "plan"))
                .and_then(|c| text(&c["value"]))
                .unwrap_or_default(),
        );
        for (list, key) in [(&mut from, "start"), (&mut to, "end")] {
            let value = coverage["period"][key].as_str();
            // A dateTime is taken as its date.
            match value.map(|d| date_from_fhir(d.get(..10).unwrap_or(d))) {
                Some(Some(d)) => list.push(d),
                Some(None) => issues.push(issue(format!("{path}.period.{key}"), "not a date YYYY-MM-DD")),
                None => list.push(String::new()),
            }
        }
    }
    if !cards.is_empty() {
        s.put("MA_THE_BHYT", Some(cards.join(";")));
        for (name, values) in [("MA_DKBD", primary), ("GT_THE_TU", from), ("GT_THE_DEN", to)] {
            if values.iter().any(|v| !v.is_empty()) {
                s.put(name, Some(values.join(";")));
            }
        }
    }
}

/// Visit type, stay and discharge from the Encounter.
fn encounter_fields(path: &str, e: &Value, s: &mut Fields, issues: &mut Vec<Issue>) {
    s.put(
        "MA_LOAI_KCB",
        e["type"].as_array().into_iter().flatten().find_map(|t| code_in(t, CS_VISIT_TYPE)).map(|c| c.0),
    );
    for (name, key) in [("NGAY_VAO", "start"), ("NGAY_RA", "end")] {
        if let Some(t) = e["period"][key].as_str() {
            match datetime_from_fhir(t) {
                Some(v) => s.put(name, Some(v)),
                None => issues.push(issue(format!("{path}.period.{key}"), format!("`{t}` is not a FHIR dateTime"))),
            }
        }
    }
    s.put("LY_DO_VV", e["reasonCode"][0]["text"].as_str().map(str::to_owned));
    s.put("MA_LOAI_RV", code_in(&e["hospitalization"]["dischargeDisposition"], CS_DISCHARGE_TYPE).map(|c| c.0));
}

/// The principal and secondary diagnoses, in the Claim's order.
fn diagnosis_fields(entries: &Entries<'_>, claim: &Value, s: &mut Fields) {
    let mut diagnoses: Vec<&Value> = claim["diagnosis"].as_array().into_iter().flatten().collect();
    diagnoses.sort_by_key(|d| d["sequence"].as_u64().unwrap_or(0));
    let mut secondary = Vec::new();
    for (i, d) in diagnoses.iter().enumerate() {
        let principal = d["type"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| code_in(t, DIAGNOSIS_TYPE).is_some_and(|c| c.0 == "principal"))
            || (i == 0 && d["type"].is_null());
        let concept = match entries.resolve(&d["diagnosisReference"]) {
            Some((_, condition)) => &condition["code"],
            None => &d["diagnosisCodeableConcept"],
        };
        let code = code_in(concept, ICD10).map(|c| c.0);
        if principal {
            s.put("MA_BENH_CHINH", code);
            s.put("CHAN_DOAN_RV", text(&concept["text"]));
        } else if let Some(c) = code {
            secondary.push(c);
        }
    }
    if !secondary.is_empty() {
        s.put("MA_BENH_KT", Some(secondary.join(";")));
    }
}

/// The Claim's items: drug lines (XML2) and service lines (XML3).
fn claim_items(claim_path: &str, claim: &Value, episode: &mut Episode, issues: &mut Vec<Issue>) {
    for (i, item) in claim["item"].as_array().into_iter().flatten().enumerate() {
        let path = format!("{claim_path}.item[{i}]");
        let marked = item["extension"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["url"] == EXT_ITEM_TABLE)
            .and_then(|e| e["valueCode"].as_str());
        let product = &item["productOrService"];
        let is_drug = marked == Some("XML2") || (marked.is_none() && code_in(product, CS_DRUG).is_some());
        let table = if is_drug { Table::Xml2 } else { Table::Xml3 };
        let mut f = Fields::from_extensions(table, item);
        f.put("MA_NHOM", code_in(&item["category"], CS_COST_GROUP).map(|c| c.0));
        f.put("SO_LUONG", text(&item["quantity"]["value"]));
        f.put("THANH_TIEN_BV", text(&item["net"]["value"]));
        if is_drug {
            let (code, name) = code_in(product, CS_DRUG).unzip();
            f.put("MA_THUOC", code);
            f.put("TEN_THUOC", name.flatten().or_else(|| text(&product["text"]).filter(|t| t != "XML2")));
            f.put("DON_GIA", text(&item["unitPrice"]["value"]));
            match f.into_record::<DrugLine>(&path) {
                Ok(r) => episode.drugs.push(r),
                Err(e) => issues.push(e),
            }
        } else {
            let (service, service_name) = code_in(product, CS_SERVICE).unzip();
            let (supply, supply_name) = code_in(product, CS_SUPPLY).unzip();
            f.put("MA_DICH_VU", service);
            f.put("TEN_DICH_VU", service_name.flatten());
            f.put("MA_VAT_TU", supply);
            f.put("TEN_VAT_TU", supply_name.flatten());
            f.put("DON_GIA_BV", text(&item["unitPrice"]["value"]));
            match f.into_record::<ServiceLine>(&path) {
                Ok(r) => episode.services.push(r),
                Err(e) => issues.push(e),
            }
        }
    }
}

/// Paraclinical results (XML4) from the Observations.
fn observations(entries: &Entries<'_>, episode: &mut Episode, issues: &mut Vec<Issue>) {
    for (path, o) in entries.of_type("Observation") {
        let mut f = Fields::from_extensions(Table::Xml4, o);
        let (code, name) = code_in(&o["code"], CS_LAB_INDEX).unzip();
        f.put("MA_CHI_SO", code);
        f.put("TEN_CHI_SO", name.flatten().or_else(|| text(&o["code"]["text"])));
        f.put("GIA_TRI", text(&o["valueString"]).or_else(|| text(&o["valueQuantity"]["value"])));
        if let Some(t) = o["effectiveDateTime"].as_str() {
            match datetime_from_fhir(t) {
                Some(v) => f.put("NGAY_KQ", Some(v)),
                None => {
                    issues.push(issue(format!("{path}.effectiveDateTime"), format!("`{t}` is not a FHIR dateTime")))
                }
            }
        }
        match f.into_record::<ParaclinicalResult>(path) {
            Ok(r) => episode.paraclinical_results.push(r),
            Err(e) => issues.push(e),
        }
    }
}

/// The records carried whole by `Basic` resources, each naming its table.
fn basic_records(entries: &Entries<'_>, episode: &mut Episode, issues: &mut Vec<Issue>) {
    for (path, basic) in entries.of_type("Basic") {
        let Some(table) = code_in(&basic["code"], CS_TABLE).and_then(|(t, _)| table_of(&t)) else {
            issues.push(issue(
                format!("{path}.code"),
                format!("a Basic resource must name its QĐ 130 table in {CS_TABLE}"),
            ));
            continue;
        };
        if let Err(e) = add_record(episode, table, Fields::from_extensions(table, basic), path) {
            issues.push(e);
        }
    }
}

/// Puts a record carried whole by a `Basic` resource into its section of the episode.
fn add_record(episode: &mut Episode, table: Table, fields: Fields, path: &str) -> Result<(), Issue> {
    fn one<R>(slot: &mut Option<R>, record: R, path: &str) -> Result<(), Issue> {
        if slot.is_some() {
            return Err(issue(path, "this table holds one record per episode; the Bundle has two"));
        }
        *slot = Some(record);
        Ok(())
    }
    match table {
        Table::CheckIn => episode.check_ins.push(fields.into_record(path)?),
        Table::Xml5 => episode.progress_notes.push(fields.into_record(path)?),
        Table::Xml6 => episode.hiv_care.push(fields.into_record(path)?),
        Table::Xml7 => one(&mut episode.discharge_certificate, fields.into_record(path)?, path)?,
        Table::Xml8 => one(&mut episode.record_summary, fields.into_record(path)?, path)?,
        Table::Xml9 => episode.birth_certificates.push(fields.into_record(path)?),
        Table::Xml10 => one(&mut episode.pregnancy_leave, fields.into_record(path)?, path)?,
        Table::Xml11 => one(&mut episode.sick_leave, fields.into_record(path)?, path)?,
        Table::Xml13 => one(&mut episode.referral_letter, fields.into_record(path)?, path)?,
        Table::Xml14 => one(&mut episode.reexam_appointment, fields.into_record(path)?, path)?,
        Table::Xml15 => episode.tuberculosis.push(fields.into_record(path)?),
        Table::Xml1 | Table::Xml2 | Table::Xml3 | Table::Xml4 | Table::Xml12 => {
            return Err(issue(
                path,
                format!("{} is not carried by a Basic resource (see docs/fhir-mapping.md)", table.spec_name()),
            ));
        }
    }
    Ok(())
}
