//! `/api/v1/claims`: push one episode or a batch, read a claim, list claims.

use super::{IngestService, ItemResult, Receipt, parse_episode, prepare};
use crate::auth::Principal;
use crate::domain::Episode;
use crate::formats::xml130;
use crate::http::{ApiError, Problem, next_page, page_limit, read_body};
use crate::ingest::dossiers::{self, DossierIngestError, DossierReport};
use crate::store::claims::{self, ClaimFilter, ClaimSummary, SubmissionInfo, TimelineEvent, VersionInfo};
use crate::validation::Violation;
use crate::vocabulary::{ClaimId, ClaimStatus, FacilityCode};
use actix_web::{HttpResponse, get, http::header, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::UtoipaApp;

pub fn routes<T: crate::http::AppFactory>(app: UtoipaApp<T>) -> UtoipaApp<T> {
    super::check_in_routes::routes(app)
        .service(post_claim)
        .service(post_batch)
        .service(post_dossier)
        .service(get_claim)
        .service(get_claim_xml130)
        .service(get_claim_fhir)
        .service(list_claims)
}

fn accepted(receipt: &Receipt) -> HttpResponse {
    HttpResponse::Accepted().insert_header((header::LOCATION, format!("/api/v1/claims/{}", receipt.id))).json(receipt)
}

/// Accept one treatment episode.
///
/// The episode, its warnings and its outbox entries are committed before the answer. The same
/// content again returns the same id (`outcome: unchanged`); changed content becomes a new version.
#[utoipa::path(
    tag = "claims",
    request_body(content = Episode, content_type = "application/json"),
    responses(
        (status = 202, description = "Stored and queued", body = Receipt),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another facility's episode", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Critical rule violations", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/claims")]
async fn post_claim(
    service: web::Data<IngestService>,
    principal: Principal,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload, service.settings.max_body_bytes).await?;
    let episode = parse_episode(&body)?;
    let prepared = service.prepare_noted(&principal, &episode).await?;
    let result = service.store(&principal, vec![prepared]).await?.pop();
    let receipt = result.ok_or_else(|| ApiError::Internal("the store returned no result".into()))??;
    tracing::info!(claim = %receipt.id, version = receipt.version, facility = episode.facility_code(), outcome = ?receipt.outcome, "episode accepted");
    Ok(accepted(&receipt))
}

#[derive(Deserialize, ToSchema)]
struct BatchRequest {
    /// Episodes in the native JSON format; each is judged on its own.
    #[schema(value_type = Vec<Episode>)]
    episodes: Vec<Box<serde_json::value::RawValue>>,
}

#[derive(Serialize, ToSchema)]
struct BatchResponse {
    accepted: usize,
    rejected: usize,
    items: Vec<ItemResult>,
}

/// Accept up to `max_batch` episodes; a bad item never rejects the good ones.
///
/// Good items are committed together, in one transaction, before the answer.
#[utoipa::path(
    tag = "claims",
    request_body(content = BatchRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "One result per item", body = BatchResponse),
        (status = 400, description = "Malformed JSON or too many items", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown API key", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/claims/batch")]
async fn post_batch(
    service: web::Data<IngestService>,
    principal: Principal,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload, service.settings.max_body_bytes).await?;
    let request: BatchRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!(
            "invalid batch at line {}, column {}: {e} (expected {{\"episodes\": [...]}})",
            e.line(),
            e.column()
        ))
    })?;
    let max = service.settings.max_batch;
    if request.episodes.len() > max {
        return Err(ApiError::BadRequest(format!(
            "a batch holds at most {max} episodes; this one has {}",
            request.episodes.len()
        )));
    }
    let (catalogue, reference, profile) = service.rules();
    let items = request
        .episodes
        .iter()
        .map(|raw| {
            let parsed = parse_episode(raw.get().as_bytes());
            let ma_lk = parsed.as_ref().ok().map(|e| e.episode_key().to_owned()).filter(|k| !k.is_empty());
            let facility = parsed.as_ref().ok().map(|e| e.facility_code().to_owned()).filter(|f| !f.is_empty());
            (
                ma_lk,
                facility,
                parsed.and_then(|e| prepare(&catalogue, &reference, profile, &service.vault, &principal, &e)),
            )
        })
        .collect();
    let items = service.store_items(&principal, items).await?;
    let accepted = items.iter().filter(|i| i.status == 202).count();
    Ok(HttpResponse::Ok().json(BatchResponse { accepted, rejected: items.len() - accepted, items }))
}

/// A stored claim with its versions, timeline and submissions.
#[derive(Serialize, ToSchema)]
struct ClaimDetail {
    #[serde(flatten)]
    claim: ClaimSummary,
    /// Warnings of the current version.
    warnings: Vec<Violation>,
    versions: Vec<VersionInfo>,
    timeline: Vec<TimelineEvent>,
    submissions: Vec<SubmissionInfo>,
    /// Sensitive tables left out of `episode`: this key is not granted them (`--sensitive`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    withheld: Vec<&'static str>,
    /// The current version's episode, as stored.
    #[schema(value_type = Option<Episode>)]
    episode: Option<serde_json::Value>,
}

/// Read one claim.
#[utoipa::path(
    tag = "claims",
    params(("id" = String, Path, description = "Claim id")),
    responses(
        (status = 200, description = "The claim", body = ClaimDetail),
        (status = 401, description = "No or unknown API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another facility's claim", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such claim", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/claims/{id}")]
async fn get_claim(
    service: web::Data<IngestService>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let record = service.readable_claim(&principal, &id).await?;
    let corrupt = |what: &str, e: serde_json::Error| ApiError::Internal(format!("stored {what} of claim {id}: {e}"));
    let warnings = match record.versions.iter().find(|v| v.version == record.claim.current_version) {
        Some(v) => serde_json::from_str(&v.warnings_json).map_err(|e| corrupt("warnings", e))?,
        None => Vec::new(),
    };
    let mut episode: Option<Episode> = record
        .episode
        .open(&service.vault)?
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| corrupt("episode", e))?;
    let withheld = episode.as_mut().map(|e| service.shown_to(&principal, e)).unwrap_or_default();
    service.audit_claim_read(&principal, &id, "claim", &record.claim.facility_code, &withheld).await;
    let episode = episode.map(|e| serde_json::to_value(e).map_err(|e| corrupt("episode", e))).transpose()?;
    Ok(HttpResponse::Ok().json(ClaimDetail {
        claim: record.claim,
        warnings,
        versions: record.versions,
        timeline: record.timeline,
        submissions: record.submissions,
        withheld: withheld.tables.iter().map(|t| t.spec_name()).collect(),
        episode,
    }))
}

#[derive(Deserialize, IntoParams)]
struct ListQuery {
    /// Facility code (`MA_CSKCB`); a facility key sees only its own.
    facility: Option<String>,
    status: Option<ClaimStatus>,
    /// Received at or after: `YYYY-MM-DD` (Vietnam time) or RFC 3339.
    from: Option<String>,
    /// Received before: `YYYY-MM-DD` (Vietnam time) or RFC 3339.
    to: Option<String>,
    /// Page size, 1–500 (default 50).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct ClaimPage {
    items: Vec<ClaimSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<ClaimId>,
}

/// List claims, newest first, with filters and cursor pagination.
#[utoipa::path(
    tag = "claims",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of claims", body = ClaimPage),
        (status = 400, description = "Bad filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another facility's claims", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/claims")]
async fn list_claims(
    service: web::Data<IngestService>,
    principal: Principal,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = page_limit(q.limit)?;
    let filter = ClaimFilter {
        facility: principal.readable_facility(q.facility.map(FacilityCode::from))?,
        status: q.status,
        received_from: q.from.as_deref().map(|t| crate::http::parse_instant("from", t)).transpose()?,
        received_to: q.to.as_deref().map(|t| crate::http::parse_instant("to", t)).transpose()?,
        before_id: q.cursor,
        limit: limit + 1,
    };
    let listed = filter.facility.as_ref().map_or("*", FacilityCode::as_str).to_owned();
    let mut items = service.db.read(move |conn| claims::list(conn, &filter)).await?;
    let next_cursor = next_page(&mut items, limit, |c| c.id.clone());
    let ids: Vec<&str> = items.iter().map(|c| c.id.as_str()).collect();
    crate::audit::record_read(&service.audit, &principal, "claims.list", &listed, serde_json::json!({ "ids": ids }))
        .await;
    Ok(HttpResponse::Ok().json(ClaimPage { items, next_cursor }))
}

/// Accept a `GIAMDINHHS` file (QĐ 130/4750 XML, as a HIS exports it): one result per `HOSO`.
///
/// The envelope is checked first (well-formed, `SOLUONGHOSO` equal to the number of `HOSO`, the
/// facility allowed for this key); then each `HOSO` is validated and stored like a JSON episode.
#[utoipa::path(
    tag = "claims",
    request_body(content = String, content_type = "application/xml", description = "A GIAMDINHHS file"),
    responses(
        (status = 200, description = "One result per HOSO", body = DossierReport),
        (status = 400, description = "The envelope is refused", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another facility's file", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/dossiers")]
async fn post_dossier(
    service: web::Data<IngestService>,
    principal: Principal,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload, service.settings.max_body_bytes).await?.freeze();
    let report = dossiers::ingest_file(&service, &principal, body, &|_, _| {}).await?;
    tracing::info!(facility = %report.facility, hoso = report.count, accepted = report.accepted, "dossier file ingested");
    Ok(HttpResponse::Ok().json(report))
}

/// The stored claim as a `GIAMDINHHS` file with one `HOSO` (QĐ 130/4750 XML).
#[utoipa::path(
    tag = "claims",
    params(("id" = String, Path, description = "Claim id")),
    responses(
        (status = 200, description = "The dossier", content_type = "application/xml", body = String),
        (status = 403, description = "Another facility's claim", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such claim, or its content was dropped by retention", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/claims/{id}/xml130")]
async fn get_claim_xml130(
    service: web::Data<IngestService>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (record, episode, withheld) = service.stored_episode(&principal, &id).await?;
    let today = crate::domain::time::vietnam_today();
    let facility = &record.claim.facility_code;
    let (signer, profile) = (service.signers.get(facility), service.settings.bhxh_protocol.profile);
    // A remote signer signs only what the dispatcher sends, after its holder confirms: the file
    // shown here is unsigned, and says so in a header.
    let remote = signer.is_some_and(|s| s.is_remote());
    let signer = signer.filter(|_| !remote);
    let signed = xml130::signed_envelope(facility, today, std::slice::from_ref(&episode), signer, None, profile)
        .map_err(|e| ApiError::Internal(format!("signing claim {id}: {e}")))?;
    service.audit_claim_read(&principal, &id, "xml130", facility, &withheld).await;
    let mut answer = HttpResponse::Ok();
    if remote {
        answer.insert_header(("X-Hisgate-Unsigned", "the facility signs remotely; files are signed when sent"));
    }
    Ok(answer.content_type("application/xml; charset=utf-8").body(signed))
}

/// The stored claim as a FHIR R4 transaction Bundle (the form `POST /fhir/r4` takes).
#[utoipa::path(
    tag = "claims",
    params(("id" = String, Path, description = "Claim id")),
    responses(
        (status = 200, description = "The Bundle", content_type = "application/fhir+json", body = Object),
        (status = 403, description = "Another facility's claim", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such claim, or its content was dropped by retention", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/claims/{id}/fhir")]
async fn get_claim_fhir(
    service: web::Data<IngestService>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (record, episode, withheld) = service.stored_episode(&principal, &id).await?;
    service.audit_claim_read(&principal, &id, "fhir", &record.claim.facility_code, &withheld).await;
    Ok(HttpResponse::Ok()
        .content_type("application/fhir+json; charset=utf-8")
        .body(hisgate_fhir::episode_bundle(&episode).to_string()))
}

impl From<DossierIngestError> for ApiError {
    fn from(e: DossierIngestError) -> Self {
        match e {
            DossierIngestError::Refused(_) => ApiError::BadRequest(e.to_string()),
            DossierIngestError::Forbidden(m) => ApiError::Forbidden(m),
            DossierIngestError::Store(s) => s.into(),
        }
    }
}
