//! Canonical episode → FHIR transaction `Bundle` (JSON). Which QĐ 130 field goes to which FHIR
//! element is in `docs/fhir-mapping.md`; every other field travels as an extension.

use crate::fields::Fields;
use crate::time::{birth_to_fhir, date_to_fhir, datetime_to_fhir};
use crate::uris::*;
use hisgate_domain::Episode;
use hisgate_domain::records::{Record, Table};
use serde_json::{Value, json};
use sha2::Digest;

/// A stable `urn:uuid:` for a resource of an episode, so the same episode gives the same Bundle.
pub(crate) fn entry_id(facility: &str, episode_key: &str, kind: &str, index: usize) -> String {
    let digest = sha2::Sha256::digest(format!("{facility}\u{1f}{episode_key}\u{1f}{kind}\u{1f}{index}").as_bytes());
    let h = hex_of(&digest[..16]);
    format!("urn:uuid:{}-{}-4{}-8{}-{}", &h[..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A JSON number from a decimal's wire text, kept exact (no float on the way).
pub(crate) fn number(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

fn coding(system: &str, code: &str) -> Value {
    json!({ "system": system, "code": code })
}

fn reference(id: &str) -> Value {
    json!({ "reference": id })
}

/// The Encounter class for `MA_LOAI_KCB` (v3 ActCode).
fn encounter_class(visit_type: Option<&str>) -> Value {
    let (code, display) = match visit_type {
        Some("03") => ("IMP", "inpatient encounter"),
        Some("04" | "09") => ("SS", "short stay"),
        Some("06") => ("OBSENC", "observation encounter"),
        _ => ("AMB", "ambulatory"),
    };
    json!({ "system": ACT_CODE, "code": code, "display": display })
}

fn with_extensions(mut resource: Value, fields: &Fields) -> Value {
    let mut extensions = resource["extension"].as_array().cloned().unwrap_or_default();
    extensions.extend(fields.extensions());
    if !extensions.is_empty() {
        resource["extension"] = Value::Array(extensions);
    }
    resource
}

/// Removes members that are `null`, empty arrays or empty objects, so the Bundle is valid FHIR
/// (which has no empty elements).
fn prune(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for v in map.values_mut() {
                prune(v);
            }
            map.retain(|_, v| match v {
                Value::Null => false,
                Value::Array(a) => !a.is_empty(),
                Value::Object(o) => !o.is_empty(),
                Value::String(s) => !s.is_empty(),
                _ => true,
            });
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                prune(v);
            }
            items.retain(|v| !matches!(v, Value::Null) && !matches!(v, Value::Object(o) if o.is_empty()));
        }
        _ => {}
    }
}

fn list(text: Option<String>) -> Vec<String> {
    text.map(|t| t.split(';').map(str::to_owned).collect()).unwrap_or_default()
}

struct Builder {
    facility: String,
    episode_key: String,
    entries: Vec<Value>,
}

impl Builder {
    fn add(&mut self, kind: &str, index: usize, resource: Value) -> String {
        let id = entry_id(&self.facility, &self.episode_key, kind, index);
        let mut resource = resource;
        prune(&mut resource);
        let resource_type = resource["resourceType"].as_str().unwrap_or_default().to_owned();
        self.entries.push(json!({
            "fullUrl": id, "resource": resource, "request": { "method": "POST", "url": resource_type },
        }));
        id
    }
}

/// Carries a whole record as a `Basic` resource (tables with no closer FHIR resource here).
fn basic(record: &dyn Record, patient: &str) -> Value {
    let fields = Fields::of(record);
    with_extensions(
        json!({
            "resourceType": "Basic",
            "code": { "coding": [coding(CS_TABLE, record.table().spec_name())] },
            "subject": reference(patient),
        }),
        &fields,
    )
}

/// The transaction Bundle of one episode.
pub fn episode_bundle(episode: &Episode) -> Value {
    let mut b = Builder {
        facility: episode.facility_code().to_owned(),
        episode_key: episode.episode_key().to_owned(),
        entries: Vec::new(),
    };
    let mut s = Fields::of(&episode.summary);
    s.take("MA_LK");
    let parties = parties(&mut b, &mut s);
    let coverages = coverages(&mut b, &mut s, &parties);
    let stay = encounter(&mut b, &mut s, &parties);
    let diagnoses = conditions(&mut b, &mut s, &parties, &stay);
    claim(&mut b, episode, &mut s, &parties, &stay, &coverages, &diagnoses);
    observations(&mut b, episode, &parties, &stay);
    basic_records(&mut b, episode, &parties);
    json!({ "resourceType": "Bundle", "type": "transaction", "entry": b.entries })
}

/// The ids of the facility, the payer and the patient.
struct Parties {
    facility: String,
    payor: String,
    patient: String,
}

/// The Encounter's id and what the Claim repeats of it.
struct Stay {
    encounter: String,
    admitted: Option<String>,
    discharged: Option<String>,
    institutional: bool,
}

/// The facility and BHXH as Organizations, and the Patient.
fn parties(b: &mut Builder, s: &mut Fields) -> Parties {
    let facility_code = s.take("MA_CSKCB");
    let facility = b.add(
        "Organization",
        0,
        json!({
            "resourceType": "Organization",
            "identifier": [{ "system": SID_FACILITY, "value": facility_code }],
            "active": true,
        }),
    );
    let payor = b.add(
        "Organization",
        1,
        json!({
            "resourceType": "Organization",
            "identifier": [{ "system": SID_PAYOR, "value": "BHXH" }],
            "name": "Bảo hiểm xã hội Việt Nam",
        }),
    );
    let patient_key = s.take("MA_BN");
    let gender = match s.get("GIOI_TINH") {
        Some("1") => Some("male"),
        Some("2") => Some("female"),
        Some("3") => Some("unknown"),
        _ => None,
    };
    if gender.is_some() {
        s.take("GIOI_TINH");
    }
    let birth = s.get("NGAY_SINH").and_then(birth_to_fhir);
    if birth.is_some() {
        s.take("NGAY_SINH");
    }
    let (birth_date, birth_time) = birth.unzip();
    let patient = b.add(
        "Patient",
        0,
        json!({
            "resourceType": "Patient",
            "identifier": [
                { "system": facility_system(SID_PATIENT, &b.facility), "value": patient_key },
                s.take("SO_CCCD").map(|id| json!({ "system": SID_CITIZEN, "value": id })),
            ],
            "name": [{ "text": s.take("HO_TEN") }],
            "gender": gender,
            "birthDate": birth_date,
            "_birthDate": birth_time.flatten().map(|t| json!({ "extension": [{ "url": EXT_BIRTH_TIME, "valueDateTime": t }] })),
            "address": [{ "text": s.take("DIA_CHI") }],
            "telecom": [s.take("DIEN_THOAI").map(|p| json!({ "system": "phone", "value": p }))],
        }),
    );
    Parties { facility, payor, patient }
}

/// One Coverage per card of the list (validation has made the four lists the same length), or a
/// self-pay Coverage.
fn coverages(b: &mut Builder, s: &mut Fields, parties: &Parties) -> Vec<String> {
    let (patient, payor) = (&parties.patient, &parties.payor);
    let cards = list(s.get("MA_THE_BHYT").map(str::to_owned));
    let same_length = |name: &str| s.get(name).is_none_or(|v| v.split(';').count() == cards.len());
    let mut coverages = Vec::new();
    if !cards.is_empty() && ["MA_DKBD", "GT_THE_TU", "GT_THE_DEN"].iter().all(|n| same_length(n)) {
        s.take("MA_THE_BHYT");
        let primary = list(s.take("MA_DKBD"));
        let from = list(s.take("GT_THE_TU"));
        let to = list(s.take("GT_THE_DEN"));
        for (i, card) in cards.iter().enumerate() {
            let at = |v: &Vec<String>| v.get(i).filter(|x| !x.is_empty()).cloned();
            let id = b.add(
                "Coverage",
                i,
                json!({
                    "resourceType": "Coverage",
                    "status": "active",
                    "identifier": [{ "system": SID_CARD, "value": card }],
                    "beneficiary": reference(patient),
                    "payor": [reference(payor)],
                    "period": { "start": at(&from).and_then(|d| date_to_fhir(&d)), "end": at(&to).and_then(|d| date_to_fhir(&d)) },
                    "class": [at(&primary).map(|p| json!({ "type": { "coding": [coding(COVERAGE_CLASS, "plan")] }, "value": p }))],
                }),
            );
            coverages.push(id);
        }
    } else {
        coverages.push(b.add(
            "Coverage",
            0,
            json!({
                "resourceType": "Coverage",
                "status": "active",
                "type": { "coding": [coding(COVERAGE_SELF_PAY, "pay")] },
                "beneficiary": reference(patient),
                "payor": [reference(patient)],
            }),
        ));
    }
    coverages
}

/// The Encounter: visit type, stay, reason and discharge.
fn encounter(b: &mut Builder, s: &mut Fields, parties: &Parties) -> Stay {
    let (patient, facility) = (&parties.patient, &parties.facility);
    let visit_type = s.take("MA_LOAI_KCB");
    let class = encounter_class(visit_type.as_deref());
    let institutional = class["code"] != "AMB";
    let admitted = s.get("NGAY_VAO").and_then(datetime_to_fhir);
    if admitted.is_some() {
        s.take("NGAY_VAO");
    }
    let discharged = s.get("NGAY_RA").and_then(datetime_to_fhir);
    if discharged.is_some() {
        s.take("NGAY_RA");
    }
    let encounter = b.add(
        "Encounter",
        0,
        json!({
            "resourceType": "Encounter",
            "identifier": [{ "system": facility_system(SID_EPISODE, &b.facility), "value": b.episode_key }],
            "status": if discharged.is_some() { "finished" } else { "in-progress" },
            "class": class,
            "type": [visit_type.map(|t| json!({ "coding": [coding(CS_VISIT_TYPE, &t)] }))],
            "subject": reference(patient),
            "period": { "start": admitted, "end": discharged },
            "reasonCode": [s.take("LY_DO_VV").map(|r| json!({ "text": r }))],
            "hospitalization": {
                "dischargeDisposition": s.take("MA_LOAI_RV").map(|c| json!({ "coding": [coding(CS_DISCHARGE_TYPE, &c)] })),
            },
            "serviceProvider": reference(facility),
        }),
    );
    Stay { encounter, admitted, discharged, institutional }
}

/// The principal and secondary diagnoses as Conditions, each with its role in the Claim.
fn conditions(b: &mut Builder, s: &mut Fields, parties: &Parties, stay: &Stay) -> Vec<(String, &'static str)> {
    let (patient, encounter) = (&parties.patient, &stay.encounter);
    let condition = |code: Option<String>, text: Option<String>| {
        json!({
            "resourceType": "Condition",
            "category": [{ "coding": [coding(CONDITION_CATEGORY, "encounter-diagnosis")] }],
            "code": { "coding": [code.map(|c| coding(ICD10, &c))], "text": text },
            "subject": reference(patient),
            "encounter": reference(encounter),
        })
    };
    let mut diagnoses = Vec::new();
    let main_code = s.take("MA_BENH_CHINH");
    let main_text = s.take("CHAN_DOAN_RV");
    if main_code.is_some() || main_text.is_some() {
        diagnoses.push((b.add("Condition", 0, condition(main_code, main_text)), "principal"));
    }
    for (i, code) in list(s.take("MA_BENH_KT")).into_iter().enumerate() {
        diagnoses.push((b.add("Condition", i + 1, condition(Some(code), None)), "discharge"));
    }
    diagnoses
}

/// The Claim: its items (drug and service lines), totals, and XML1's remaining fields as extensions.
fn claim(
    b: &mut Builder,
    episode: &Episode,
    s: &mut Fields,
    parties: &Parties,
    stay: &Stay,
    coverages: &[String],
    diagnoses: &[(String, &'static str)],
) {
    let (patient, facility, encounter) = (&parties.patient, &parties.facility, &stay.encounter);
    let (admitted, discharged, institutional) = (&stay.admitted, &stay.discharged, stay.institutional);
    let created = discharged.clone().or_else(|| admitted.clone()).unwrap_or_else(|| "1970-01-01".to_owned());
    let mut items = Vec::new();
    for drug in &episode.drugs {
        items.push(drug_item(drug, items.len() + 1, encounter));
    }
    for service in &episode.services {
        items.push(service_item(service, items.len() + 1, encounter));
    }
    let total = s.take("T_TONGCHI_BV");
    let claim = with_extensions(
        json!({
            "resourceType": "Claim",
            "identifier": [{ "system": facility_system(SID_EPISODE, &b.facility), "value": b.episode_key }],
            "status": "active",
            "type": { "coding": [coding(CLAIM_TYPE, if institutional { "institutional" } else { "professional" })] },
            "use": "claim",
            "patient": reference(patient),
            "created": created,
            "provider": reference(facility),
            "priority": { "coding": [coding(PROCESS_PRIORITY, "normal")] },
            "insurance": coverages.iter().enumerate().map(|(i, c)| json!({
                "sequence": i + 1, "focal": i == 0, "coverage": reference(c),
            })).collect::<Vec<_>>(),
            "diagnosis": diagnoses.iter().enumerate().map(|(i, (c, kind))| json!({
                "sequence": i + 1,
                "diagnosisReference": reference(c),
                "type": [{ "coding": [coding(DIAGNOSIS_TYPE, kind)] }],
            })).collect::<Vec<_>>(),
            "item": items,
            "total": total.map(|t| json!({ "value": number(&t), "currency": "VND" })),
        }),
        s,
    );
    b.add("Claim", 0, claim);
}

/// Paraclinical results (XML4) as Observations.
fn observations(b: &mut Builder, episode: &Episode, parties: &Parties, stay: &Stay) {
    let (patient, encounter) = (&parties.patient, &stay.encounter);
    for (i, result) in episode.paraclinical_results.iter().enumerate() {
        let mut f = Fields::of(result);
        let code = f.take("MA_CHI_SO");
        let name = f.take("TEN_CHI_SO");
        let mut code_element =
            json!({ "coding": [code.map(|c| json!({ "system": CS_LAB_INDEX, "code": c, "display": name.clone() }))] });
        if code_element["coding"][0].is_null() {
            // No index code: keep the name as text, or say which table the result is.
            code_element = match name {
                Some(n) => json!({ "text": n }),
                None => json!({ "coding": [coding(CS_TABLE, "XML4")] }),
            };
        }
        let effective = f.get("NGAY_KQ").and_then(datetime_to_fhir);
        if effective.is_some() {
            f.take("NGAY_KQ");
        }
        let observation = with_extensions(
            json!({
                "resourceType": "Observation",
                "status": "final",
                "category": [{ "coding": [coding(OBSERVATION_CATEGORY, "laboratory")] }],
                "code": code_element,
                "subject": reference(patient),
                "encounter": reference(encounter),
                "effectiveDateTime": effective,
                "valueString": f.take("GIA_TRI"),
            }),
            &f,
        );
        b.add("Observation", i, observation);
    }
}

/// The tables with no closer FHIR resource, each record as a `Basic`.
fn basic_records(b: &mut Builder, episode: &Episode, parties: &Parties) {
    let patient = &parties.patient;
    let mut others: Vec<&dyn Record> = Vec::new();
    others.extend(episode.check_ins.iter().map(|r| r as &dyn Record));
    others.extend(episode.progress_notes.iter().map(|r| r as &dyn Record));
    others.extend(episode.hiv_care.iter().map(|r| r as &dyn Record));
    others.extend(episode.discharge_certificate.iter().map(|r| r as &dyn Record));
    others.extend(episode.record_summary.iter().map(|r| r as &dyn Record));
    others.extend(episode.birth_certificates.iter().map(|r| r as &dyn Record));
    others.extend(episode.pregnancy_leave.iter().map(|r| r as &dyn Record));
    others.extend(episode.sick_leave.iter().map(|r| r as &dyn Record));
    others.extend(episode.referral_letter.iter().map(|r| r as &dyn Record));
    others.extend(episode.reexam_appointment.iter().map(|r| r as &dyn Record));
    others.extend(episode.tuberculosis.iter().map(|r| r as &dyn Record));
    for (i, record) in others.into_iter().enumerate() {
        b.add("Basic", i, basic(record, patient));
    }
}

fn item_table(table: Table) -> Value {
    json!({ "url": EXT_ITEM_TABLE, "valueCode": table.spec_name() })
}

fn money(value: Option<String>) -> Value {
    value.map_or(Value::Null, |v| json!({ "value": number(&v), "currency": "VND" }))
}

fn drug_item(drug: &dyn Record, sequence: usize, encounter: &str) -> Value {
    let mut f = Fields::of(drug);
    let code = f.take("MA_THUOC");
    let name = f.take("TEN_THUOC");
    let product = match code {
        Some(c) => json!({ "coding": [{ "system": CS_DRUG, "code": c, "display": name }] }),
        None => json!({ "text": name.unwrap_or_else(|| "XML2".to_owned()) }),
    };
    let item = json!({
        "extension": [item_table(Table::Xml2)],
        "sequence": sequence,
        "category": f.take("MA_NHOM").map(|g| json!({ "coding": [coding(CS_COST_GROUP, &g)] })),
        "productOrService": product,
        "encounter": [reference(encounter)],
        "quantity": f.take("SO_LUONG").map(|q| json!({ "value": number(&q) })),
        "unitPrice": money(f.take("DON_GIA")),
        "net": money(f.take("THANH_TIEN_BV")),
    });
    with_extensions(item, &f)
}

fn service_item(service: &dyn Record, sequence: usize, encounter: &str) -> Value {
    let mut f = Fields::of(service);
    let mut codings = Vec::new();
    if let Some(c) = f.take("MA_DICH_VU") {
        codings.push(json!({ "system": CS_SERVICE, "code": c, "display": f.take("TEN_DICH_VU") }));
    }
    if let Some(c) = f.take("MA_VAT_TU") {
        codings.push(json!({ "system": CS_SUPPLY, "code": c, "display": f.take("TEN_VAT_TU") }));
    }
    let product =
        if codings.is_empty() { json!({ "coding": [coding(CS_TABLE, "XML3")] }) } else { json!({ "coding": codings }) };
    let item = json!({
        "extension": [item_table(Table::Xml3)],
        "sequence": sequence,
        "category": f.take("MA_NHOM").map(|g| json!({ "coding": [coding(CS_COST_GROUP, &g)] })),
        "productOrService": product,
        "encounter": [reference(encounter)],
        "quantity": f.take("SO_LUONG").map(|q| json!({ "value": number(&q) })),
        "unitPrice": money(f.take("DON_GIA_BV")),
        "net": money(f.take("THANH_TIEN_BV")),
    });
    with_extensions(item, &f)
}

/// The Claim of an episode's Bundle as a resource on its own: `id` set, and the resources it
/// refers to (patient, provider, coverages, diagnoses, encounter…) `contained` and referred to
/// as `#id`, so that the Claim can be read outside its Bundle.
pub fn standalone_claim(bundle: &Value, id: &str) -> Option<Value> {
    let entries: Vec<&Value> = bundle["entry"].as_array()?.iter().collect();
    let find = |url: &str| entries.iter().find(|e| e["fullUrl"] == url).map(|e| e["resource"].clone());
    let mut claim = entries.iter().find(|e| e["resource"]["resourceType"] == "Claim")?["resource"].clone();
    let mut contained: Vec<(String, Value)> = Vec::new();
    fn relink(value: &mut Value, contained: &mut Vec<(String, Value)>, find: &dyn Fn(&str) -> Option<Value>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("reference").cloned()
                    && r.starts_with("urn:uuid:")
                {
                    let local = match contained.iter().position(|(url, _)| *url == r) {
                        Some(i) => format!("#r{}", i + 1),
                        None => match find(&r) {
                            Some(resource) => {
                                contained.push((r.clone(), resource));
                                let i = contained.len();
                                let mut resource = contained[i - 1].1.clone();
                                relink(&mut resource, contained, find);
                                contained[i - 1].1 = resource;
                                format!("#r{i}")
                            }
                            None => r.clone(),
                        },
                    };
                    map.insert("reference".to_owned(), Value::String(local));
                }
                for v in map.values_mut() {
                    relink(v, contained, find);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| relink(v, contained, find)),
            _ => {}
        }
    }
    relink(&mut claim, &mut contained, &find);
    let contained: Vec<Value> = contained
        .into_iter()
        .enumerate()
        .map(|(i, (_, mut r))| {
            r["id"] = json!(format!("r{}", i + 1));
            r
        })
        .collect();
    claim["id"] = json!(id);
    claim["contained"] = Value::Array(contained);
    Some(claim)
}
