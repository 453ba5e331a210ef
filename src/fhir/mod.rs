//! The FHIR R4 face of the gateway (`/fhir/r4`): episodes as transaction Bundles through the same
//! validation and store as JSON, the stored Claim, its ClaimResponse (the appraisal outcome), card
//! checks as CoverageEligibilityRequest, and the CapabilityStatement. Every error is an
//! OperationOutcome. The mapping itself is the `hisgate-fhir` crate (`fhir/`).

use crate::auth::Principal;
use crate::config::Settings;
use crate::domain::Episode;
use crate::domain::card::IdentifierKind;
use crate::eligibility::{EligibilityRequest, EligibilityService, Lookup};
use crate::http::{ApiError, read_body};
use crate::ingest::{IngestService, Rejection};
use crate::store::Db;
use crate::store::claims::AcceptOutcome;
use crate::store::outbox;
use crate::vocabulary::{Destination, JobStatus};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use hisgate_fhir::{Adjudication, EligibilityView, LineAdjudication, OutcomeIssue};
use serde_json::{Value, json};

const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";

/// A response in FHIR JSON.
fn fhir(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status).content_type(FHIR_JSON).body(body.to_string())
}

/// An error as an OperationOutcome with the status it would have had in the JSON API.
pub struct FhirError(Box<HttpResponse>);

impl From<ApiError> for FhirError {
    fn from(e: ApiError) -> Self {
        let status = e.status_code();
        if matches!(e, ApiError::Unavailable(_) | ApiError::Internal(_)) {
            tracing::error!(error = %e, "FHIR request failed");
        }
        let problem = e.problem();
        let code = match status.as_u16() {
            400 => "invalid",
            401 => "login",
            403 => "forbidden",
            404 => "not-found",
            406 => "not-supported",
            413 => "too-costly",
            422 => "business-rule",
            429 => "throttled",
            503 => "transient",
            _ => "exception",
        };
        let mut issues: Vec<OutcomeIssue<'_>> = problem
            .violations
            .iter()
            .map(|v| OutcomeIssue {
                severity: if v.severity == crate::validation::Severity::Critical { "error" } else { "warning" },
                code,
                rule: Some(&v.rule),
                message: &v.message,
                location: Some(&v.path),
            })
            .collect();
        if issues.is_empty() {
            issues.push(OutcomeIssue { severity: "error", code, rule: None, message: &problem.detail, location: None });
        }
        FhirError(Box::new(fhir(status, &hisgate_fhir::operation_outcome(&issues))))
    }
}

impl From<Rejection> for FhirError {
    fn from(r: Rejection) -> Self {
        ApiError::from(r).into()
    }
}

fn invalid(issues: &[hisgate_fhir::Issue]) -> FhirError {
    FhirError(Box::new(fhir(StatusCode::BAD_REQUEST, &hisgate_fhir::issues_outcome(issues))))
}

/// `_format` and `Accept`: JSON only (the FHIR model here has no XML form).
fn negotiate(req: &HttpRequest) -> Result<(), FhirError> {
    let format = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.get("_format").cloned());
    let json_ok = |t: &str| t.contains("json") || t.contains("*/*");
    let refused = match format {
        Some(f) => !json_ok(&f),
        None => req.headers().get("accept").and_then(|a| a.to_str().ok()).is_some_and(|a| !json_ok(a)),
    };
    if refused {
        let outcome = hisgate_fhir::operation_outcome(&[OutcomeIssue {
            severity: "error",
            code: "not-supported",
            rule: None,
            message: "only FHIR JSON is served: _format=json or Accept: application/fhir+json",
            location: None,
        }]);
        return Err(FhirError(Box::new(fhir(StatusCode::NOT_ACCEPTABLE, &outcome))));
    }
    Ok(())
}

fn respond(result: Result<HttpResponse, FhirError>) -> HttpResponse {
    result.unwrap_or_else(|FhirError(response)| *response)
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `POST /fhir/r4`: one episode as a transaction Bundle.
async fn transaction(
    ingest: web::Data<IngestService>,
    settings: web::Data<Settings>,
    req: HttpRequest,
    principal: Result<Principal, ApiError>,
    payload: web::Payload,
) -> HttpResponse {
    respond(
        async move {
            negotiate(&req)?;
            let principal = principal?;
            let body = read_body(payload, settings.max_body_bytes).await?;
            let hisgate_fhir::BundleEpisode { episode, entry_types } =
                hisgate_fhir::read_episode_bundle(&body).map_err(|issues| invalid(&issues))?;
            let prepared = ingest.prepare_noted(&principal, &episode).await?;
            let receipt = ingest
                .store(&principal, vec![prepared])
                .await
                .map_err(ApiError::from)?
                .pop()
                .ok_or_else(|| ApiError::Internal("the store returned no result".into()))??;
            tracing::info!(claim = %receipt.id, version = receipt.version, "FHIR episode accepted");
            let warnings: Vec<OutcomeIssue<'_>> = receipt
                .warnings
                .iter()
                .map(|w| OutcomeIssue {
                    severity: "warning",
                    code: "business-rule",
                    rule: Some(&w.rule),
                    message: &w.message,
                    location: Some(&w.path),
                })
                .collect();
            let entries: Vec<Value> = entry_types
            .iter()
            .map(|resource_type| {
                if resource_type == "Claim" {
                    let mut response = json!({
                        "status": if receipt.outcome == AcceptOutcome::Unchanged { "200 OK" } else { "201 Created" },
                        "location": format!("Claim/{}/_history/{}", receipt.id, receipt.version),
                    });
                    if !warnings.is_empty() {
                        response["outcome"] = hisgate_fhir::operation_outcome(&warnings);
                    }
                    json!({ "response": response })
                } else {
                    // Stored as part of the claim, not as a resource of its own.
                    json!({ "response": { "status": "200 OK" } })
                }
            })
            .collect();
            Ok(fhir(
                StatusCode::OK,
                &json!({ "resourceType": "Bundle", "type": "transaction-response", "entry": entries }),
            ))
        }
        .await,
    )
}

/// `GET /fhir/r4/metadata`.
async fn metadata(req: HttpRequest) -> HttpResponse {
    respond(
        negotiate(&req).map(|()| {
            fhir(StatusCode::OK, &hisgate_fhir::capability_statement(env!("CARGO_PKG_VERSION"), &now_rfc3339()))
        }),
    )
}

/// `GET /fhir/r4/Claim/{id}`.
async fn read_claim(
    ingest: web::Data<IngestService>,
    req: HttpRequest,
    principal: Result<Principal, ApiError>,
    id: web::Path<String>,
) -> HttpResponse {
    respond(
        async move {
            negotiate(&req)?;
            let principal = principal?;
            let (record, episode, withheld) = ingest.stored_episode(&principal, &id).await?;
            let facility = &record.claim.facility_code;
            ingest.audit_claim_read(&principal, &id, "fhir_claim", facility, &withheld).await;
            Ok(fhir(StatusCode::OK, &hisgate_fhir::standalone_claim(&episode, &id)))
        }
        .await,
    )
}

/// The Claim item sequence of each (table, STT) line: drugs first, then services, as written.
fn item_sequences(episode: &Episode) -> Vec<((&'static str, String), usize)> {
    let drugs = episode.drugs.iter().map(|d| ("XML2", d.seq.map(|s| s.to_string()).unwrap_or_default()));
    let services = episode.services.iter().map(|s| ("XML3", s.seq.map(|s| s.to_string()).unwrap_or_default()));
    drugs.chain(services).enumerate().map(|(i, key)| (key, i + 1)).collect()
}

fn cents_text(cents: i64) -> String {
    crate::domain::decimal::format_fixed(&rust_decimal::Decimal::new(cents, 2), 2)
}

/// `GET /fhir/r4/ClaimResponse?request=Claim/{id}`: a searchset with the appraisal of the claim's
/// current version (empty while it is not appraised).
async fn search_claim_responses(
    ingest: web::Data<IngestService>,
    db: web::Data<Db>,
    req: HttpRequest,
    principal: Result<Principal, ApiError>,
    query: web::Query<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    respond(
        async move {
            negotiate(&req)?;
            let principal = principal?;
            let request = query
                .get("request")
                .ok_or_else(|| ApiError::BadRequest("the search needs request=Claim/{id}".into()))?;
            let id = request.strip_prefix("Claim/").unwrap_or(request).to_owned();
            let (record, episode, _) = ingest.stored_episode(&principal, &id).await?;
            let facility = record.claim.facility_code.clone();
            let submission = record
                .submissions
                .iter()
                .filter(|s| s.destination == Destination::Bhxh && s.version == record.claim.current_version)
                .max_by_key(|s| s.id)
                .cloned();
            let mut entries = Vec::new();
            if let Some(s) = submission {
                let (stored, errors) = db.read(move |c| outbox::outcome_of(c, s.id)).await.map_err(ApiError::from)?;
                let (outcome, disposition) = match (&stored, s.status) {
                    (Some(o), _) if o.status == JobStatus::Accepted => ("complete", "accepted by the BHXH appraisal"),
                    (Some(o), _) if o.status == JobStatus::PartiallyApproved => {
                        ("partial", "partially approved by the BHXH appraisal")
                    }
                    (Some(_), _) => ("error", "rejected by the BHXH appraisal"),
                    (None, JobStatus::DeadLetter) => ("error", "the portal refused the dossier"),
                    (None, _) => ("queued", "not appraised yet"),
                };
                let sequences = item_sequences(&episode);
                let lines = stored
                    .as_ref()
                    .and_then(|o| o.lines.as_array().cloned())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|l| {
                        let key = (l["table"].as_str()?, l["stt"].as_str()?.to_owned());
                        let sequence = sequences.iter().find(|(k, _)| k.0 == key.0 && k.1 == key.1)?.1;
                        Some(LineAdjudication {
                            sequence,
                            claimed: l["claimed_cents"].as_i64().map(cents_text),
                            approved: l["approved_cents"].as_i64().map(cents_text),
                            reason: l["reason"].as_str().map(str::to_owned),
                        })
                    })
                    .collect();
                let mut all_errors = errors;
                if let Some(o) = &stored {
                    all_errors.extend(o.reasons.iter().map(|r| ("appraisal".to_owned(), r.clone())));
                }
                let patient = json!({
                    "identifier": {
                        "system": hisgate_fhir::uris::facility_system(hisgate_fhir::uris::SID_PATIENT, &facility),
                        "value": episode.summary.patient_id.clone().unwrap_or_default(),
                    }
                });
                let created = stored
                    .as_ref()
                    .and_then(|o| chrono::DateTime::from_timestamp_millis(o.decided_at))
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_else(now_rfc3339);
                let response = hisgate_fhir::claim_response(&Adjudication {
                    claim_reference: &format!("Claim/{id}"),
                    patient,
                    facility: &facility,
                    episode_key: episode.episode_key(),
                    outcome,
                    disposition,
                    created: &created,
                    claimed_total: stored.as_ref().map(|o| cents_text(o.claimed_cents)),
                    approved_total: stored.as_ref().map(|o| cents_text(o.approved_cents)),
                    lines,
                    errors: all_errors,
                });
                entries.push(json!({ "fullUrl": format!("ClaimResponse/{id}-{}", s.version), "resource": response,
                                 "search": { "mode": "match" } }));
            }
            Ok(fhir(
                StatusCode::OK,
                &json!({ "resourceType": "Bundle", "type": "searchset", "total": entries.len(), "entry": entries }),
            ))
        }
        .await,
    )
}

/// `POST /fhir/r4/CoverageEligibilityRequest`: a card check through the eligibility service.
async fn coverage_eligibility(
    eligibility: web::Data<EligibilityService>,
    req: HttpRequest,
    principal: Result<Principal, ApiError>,
    payload: web::Payload,
) -> HttpResponse {
    respond(
        async move {
            negotiate(&req)?;
            let principal = principal?;
            let body = read_body(payload, 1024 * 1024).await?;
            let question = hisgate_fhir::read_eligibility_request(&body).map_err(|issues| invalid(&issues))?;
            let request = EligibilityRequest {
                card_number: Some(question.card_number),
                citizen_id: None,
                social_insurance_number: None,
                full_name: question.full_name,
                birth_date: question.birth_date,
                visit_date: question.visit_date,
                facility: question.facility,
            };
            eligibility.admit(&principal.key_id, 1).map_err(ApiError::from)?;
            // The Coverage names its card by the card system only.
            let mut lookup = Lookup::check(&request, &[IdentifierKind::Card]).map_err(ApiError::from)?;
            crate::eligibility::routes::authorise(&principal, &mut lookup).map_err(ApiError::from)?;
            let answer = eligibility.check(&lookup, &principal).await.map_err(ApiError::from)?;
            let raw: Value = serde_json::from_slice(&body).unwrap_or_default();
            let eligible = serde_json::to_value(answer.eligible).ok();
            let response = hisgate_fhir::coverage_eligibility_response(&EligibilityView {
                card_number: answer.card_number.as_deref().unwrap_or_default(),
                eligible: eligible.as_ref().and_then(Value::as_str).unwrap_or("check_documents"),
                code: &answer.code,
                meaning: &answer.meaning_vi,
                valid_from: answer.valid_from.map(|d| d.to_string()),
                valid_to: answer.valid_to.map(|d| d.to_string()),
                primary_care_facility: answer.primary_care_facility.as_deref(),
                created: &now_rfc3339(),
                request: raw,
            });
            Ok(fhir(StatusCode::OK, &response))
        }
        .await,
    )
}

/// The `/fhir/r4` routes (outside the OpenAPI document, which describes the JSON API).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/fhir/r4", web::post().to(transaction))
        .route("/fhir/r4/", web::post().to(transaction))
        .route("/fhir/r4/metadata", web::get().to(metadata))
        .route("/fhir/r4/Claim/{id}", web::get().to(read_claim))
        .route("/fhir/r4/ClaimResponse", web::get().to(search_claim_responses))
        .route("/fhir/r4/CoverageEligibilityRequest", web::post().to(coverage_eligibility));
}

#[cfg(test)]
mod tests;
