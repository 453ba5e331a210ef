//! The other resources the gateway answers with: OperationOutcome, CapabilityStatement,
//! ClaimResponse (the appraisal outcome of a claim) and CoverageEligibilityResponse (a card check),
//! and the reading of a CoverageEligibilityRequest.

use crate::read::Issue;
use crate::uris::*;
use crate::write::number;
use serde_json::{Value, json};

/// One issue of an OperationOutcome.
pub struct OutcomeIssue<'a> {
    /// `fatal`, `error`, `warning` or `information`.
    pub severity: &'a str,
    /// FHIR issue type: `invalid`, `structure`, `business-rule`, `forbidden`, `transient`…
    pub code: &'a str,
    /// hisgate's rule code, when a rule of the catalogue is broken.
    pub rule: Option<&'a str>,
    pub message: &'a str,
    /// Where: a FHIRPath-like location or a QĐ 130 field path.
    pub location: Option<&'a str>,
}

pub fn operation_outcome(issues: &[OutcomeIssue<'_>]) -> Value {
    let issues: Vec<Value> = issues
        .iter()
        .map(|i| {
            let mut v = json!({
                "severity": i.severity,
                "code": i.code,
                "diagnostics": i.message,
            });
            if let Some(rule) = i.rule {
                v["details"] = json!({ "coding": [{ "system": CS_RULE, "code": rule }], "text": i.message });
            }
            if let Some(location) = i.location {
                v["expression"] = json!([location]);
            }
            v
        })
        .collect();
    json!({ "resourceType": "OperationOutcome", "issue": issues })
}

/// The OperationOutcome of Bundle problems.
pub fn issues_outcome(issues: &[Issue]) -> Value {
    let list: Vec<OutcomeIssue<'_>> = issues
        .iter()
        .map(|i| OutcomeIssue {
            severity: "error",
            code: "invalid",
            rule: None,
            message: &i.message,
            location: Some(&i.path),
        })
        .collect();
    operation_outcome(&list)
}

/// What the server offers (`GET /fhir/r4/metadata`).
pub fn capability_statement(software_version: &str, date: &str) -> Value {
    let read_only = |t: &str| json!({ "type": t, "interaction": [{ "code": "read" }] });
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "kind": "instance",
        "software": { "name": "hisgate", "version": software_version },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "documentation": "Episodes are sent as a transaction Bundle to the base URL; one episode (one Claim) per Bundle.",
            "security": { "description": "API key as a bearer token (Authorization: Bearer hg_…)" },
            "resource": [
                read_only("Claim"),
                { "type": "ClaimResponse", "interaction": [{ "code": "search-type" }],
                  "searchParam": [{ "name": "request", "type": "reference" }] },
                { "type": "CoverageEligibilityRequest", "interaction": [{ "code": "create" }] },
            ],
            "interaction": [{ "code": "transaction" }],
        }],
    })
}

/// The appraisal of one claim line.
pub struct LineAdjudication {
    /// The Claim item's sequence.
    pub sequence: usize,
    pub claimed: Option<String>,
    pub approved: Option<String>,
    pub reason: Option<String>,
}

/// The portal's outcome of a claim, for a ClaimResponse.
pub struct Adjudication<'a> {
    pub claim_reference: &'a str,
    /// The Claim's patient as a FHIR Reference.
    pub patient: Value,
    pub facility: &'a str,
    pub episode_key: &'a str,
    /// `queued` (not yet appraised), `complete`, `error` (refused or rejected) or `partial`.
    pub outcome: &'a str,
    pub disposition: &'a str,
    pub created: &'a str,
    pub claimed_total: Option<String>,
    pub approved_total: Option<String>,
    pub lines: Vec<LineAdjudication>,
    /// Reasons and error codes the portal gave: (code, text).
    pub errors: Vec<(String, String)>,
}

fn money(v: &str) -> Value {
    json!({ "value": number(v), "currency": "VND" })
}

pub fn claim_response(a: &Adjudication<'_>) -> Value {
    let amount = |category: &str, value: &Option<String>| {
        value.as_deref().map(
            |v| json!({ "category": { "coding": [{ "system": ADJUDICATION, "code": category }] }, "amount": money(v) }),
        )
    };
    let items: Vec<Value> = a
        .lines
        .iter()
        .map(|l| {
            let mut adjudication: Vec<Value> =
                [amount("submitted", &l.claimed), amount("benefit", &l.approved)].into_iter().flatten().collect();
            if let Some(reason) = &l.reason {
                adjudication.push(json!({
                    "category": { "coding": [{ "system": ADJUDICATION, "code": "benefit" }] },
                    "reason": { "text": reason },
                }));
            }
            json!({ "itemSequence": l.sequence, "adjudication": adjudication })
        })
        .collect();
    let totals: Vec<Value> =
        [amount("submitted", &a.claimed_total), amount("benefit", &a.approved_total)].into_iter().flatten().collect();
    let mut response = json!({
        "resourceType": "ClaimResponse",
        "identifier": [{ "system": facility_system(SID_EPISODE, a.facility), "value": a.episode_key }],
        "status": "active",
        "type": { "coding": [{ "system": CLAIM_TYPE, "code": "institutional" }] },
        "use": "claim",
        "patient": a.patient,
        "created": a.created,
        "insurer": { "identifier": { "system": SID_PAYOR, "value": "BHXH" } },
        "request": { "reference": a.claim_reference },
        "outcome": a.outcome,
        "disposition": a.disposition,
    });
    if !items.is_empty() {
        response["item"] = Value::Array(items);
    }
    if !totals.is_empty() {
        response["total"] = Value::Array(totals);
    }
    if !a.errors.is_empty() {
        response["error"] = a
            .errors
            .iter()
            .map(|(code, text)| json!({ "code": { "coding": [{ "system": CS_PORTAL_ERROR, "code": code }], "text": text } }))
            .collect();
    }
    response
}

/// A card check as the eligibility service answered it, for a CoverageEligibilityResponse.
pub struct EligibilityView<'a> {
    pub card_number: &'a str,
    /// `yes`, `no` or `check_documents`.
    pub eligible: &'a str,
    pub code: &'a str,
    pub meaning: &'a str,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub primary_care_facility: Option<&'a str>,
    pub created: &'a str,
    pub request: Value,
}

pub fn coverage_eligibility_response(v: &EligibilityView<'_>) -> Value {
    let mut coverage = json!({ "identifier": [{ "system": SID_CARD, "value": v.card_number }] });
    if let (Some(start), Some(end)) = (&v.valid_from, &v.valid_to) {
        coverage["period"] = json!({ "start": start, "end": end });
    }
    let mut insurance = json!({
        "coverage": { "identifier": { "system": SID_CARD, "value": v.card_number }, "display": v.card_number },
        "inforce": v.eligible == "yes",
        "extension": [{ "url": CS_CARD_RESULT, "valueCoding": { "system": CS_CARD_RESULT, "code": v.code, "display": v.meaning } }],
    });
    if let Some(p) = v.primary_care_facility {
        insurance["item"] = json!([{
            "category": { "coding": [{ "system": COVERAGE_CLASS, "code": "plan" }] },
            "description": format!("registered primary-care facility {p}"),
        }]);
    }
    let mut response = json!({
        "resourceType": "CoverageEligibilityResponse",
        "status": "active",
        "purpose": ["validation"],
        "patient": v.request["patient"].clone(),
        "created": v.created,
        "request": { "identifier": { "system": SID_CARD, "value": v.card_number } },
        "outcome": "complete",
        "disposition": v.meaning,
        "insurer": { "identifier": { "system": SID_PAYOR, "value": "BHXH" } },
        "insurance": [insurance],
    });
    if v.eligible == "check_documents" {
        response["error"] =
            json!([{ "code": { "coding": [{ "system": CS_CARD_RESULT, "code": v.code }], "text": v.meaning } }]);
    }
    response
}

/// What a CoverageEligibilityRequest asks: the card, the holder and the visit date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityQuestion {
    pub card_number: String,
    pub full_name: String,
    /// `YYYY-MM-DD` or `YYYY`.
    pub birth_date: String,
    pub visit_date: Option<String>,
    pub facility: Option<String>,
}

/// Reads a CoverageEligibilityRequest whose patient and coverage are `contained` (or whose
/// coverage reference carries the card as an identifier).
pub fn eligibility_question(request: &Value) -> Result<EligibilityQuestion, Vec<Issue>> {
    let contained = |reference: &Value| -> Option<Value> {
        let id = reference["reference"].as_str()?.strip_prefix('#')?;
        request["contained"].as_array()?.iter().find(|r| r["id"] == id).cloned()
    };
    let mut issues = Vec::new();
    let patient = contained(&request["patient"]);
    if patient.is_none() {
        issues.push(Issue {
            path: "CoverageEligibilityRequest.patient".into(),
            message: "the patient must be a contained Patient (reference `#id`) with name and birthDate".into(),
        });
    }
    let coverage_ref = &request["insurance"][0]["coverage"];
    let card = contained(coverage_ref)
        .and_then(|c| {
            c["identifier"].as_array()?.iter().find(|i| i["system"] == SID_CARD)?["value"].as_str().map(str::to_owned)
        })
        .or_else(|| {
            (coverage_ref["identifier"]["system"] == SID_CARD)
                .then(|| coverage_ref["identifier"]["value"].as_str().map(str::to_owned))
                .flatten()
        });
    if card.is_none() {
        issues.push(Issue {
            path: "CoverageEligibilityRequest.insurance[0].coverage".into(),
            message: format!("the card number must be a Coverage identifier in {SID_CARD}"),
        });
    }
    let (Some(patient), Some(card)) = (patient, card) else {
        return Err(issues);
    };
    let name = &patient["name"][0];
    let full_name = name["text"].as_str().map(str::to_owned).or_else(|| {
        let given: Vec<&str> = name["given"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        Some(std::iter::once(name["family"].as_str()?).chain(given).collect::<Vec<_>>().join(" "))
    });
    let visit_date = request["servicedDate"].as_str().map(str::to_owned);
    let facility = request["provider"]["identifier"]["value"]
        .as_str()
        .filter(|_| request["provider"]["identifier"]["system"] == SID_FACILITY)
        .map(str::to_owned);
    Ok(EligibilityQuestion {
        card_number: card,
        full_name: full_name.unwrap_or_default(),
        birth_date: patient["birthDate"].as_str().unwrap_or_default().to_owned(),
        visit_date,
        facility,
    })
}
