//! `/api/v1/claims`: push one episode or a batch, read a claim, list claims.

use super::{ItemResult, Receipt, parse_episode, prepare, prepare_noted, store, store_items};
use crate::auth::Principal;
use crate::domain::Episode;
use crate::domain::records::Table;
use crate::formats::xml130;
use crate::http::{ApiError, AppState, Problem, next_page, page_limit, read_body, readable_facility};
use crate::ingest::dossiers::{self, DossierReport};
use crate::store::claims::{self, ClaimFilter, ClaimSummary, SubmissionInfo, TimelineEvent, VersionInfo};
use crate::validation::Violation;
use actix_web::{HttpResponse, get, http::header, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::UtoipaApp;

pub fn routes<T: crate::http::AppFactory>(app: UtoipaApp<T>) -> UtoipaApp<T> {
    super::check_ins::routes(app)
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
    state: web::Data<AppState>,
    principal: Principal,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload, state.settings.max_body_bytes).await?;
    let episode = parse_episode(&body)?;
    let prepared = prepare_noted(&state, &principal, &episode).await?;
    let result = store(&state, &principal, vec![prepared]).await?.pop();
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
    state: web::Data<AppState>,
    principal: Principal,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload, state.settings.max_body_bytes).await?;
    let request: BatchRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!(
            "invalid batch at line {}, column {}: {e} (expected {{\"episodes\": [...]}})",
            e.line(),
            e.column()
        ))
    })?;
    let max = state.settings.max_batch;
    if request.episodes.len() > max {
        return Err(ApiError::BadRequest(format!(
            "a batch holds at most {max} episodes; this one has {}",
            request.episodes.len()
        )));
    }
    let (catalogue, reference) = (state.catalogue.current(), state.reference.current());
    let profile = state.settings.bhxh_protocol.profile;
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
                parsed.and_then(|e| {
                    prepare(&catalogue, &reference, profile, &state.vault, &principal, &e).map_err(ApiError::from)
                }),
            )
        })
        .collect();
    let items = store_items(&state, &principal, items).await?;
    let accepted = items.iter().filter(|i| i.status == 202).count();
    Ok(HttpResponse::Ok().json(BatchResponse { accepted, rejected: items.len() - accepted, items }))
}

/// Loads a claim the caller may read: 404 when there is none, 403 when it is another facility's.
pub(crate) async fn readable_claim(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<claims::ClaimRecord, ApiError> {
    let lookup = id.to_owned();
    let record = state
        .db
        .snapshot(move |conn| claims::find(conn, &lookup))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no claim with id `{id}`")))?;
    if !principal.may_read(&record.claim.facility_code) {
        return Err(ApiError::Forbidden(format!(
            "claim {id} belongs to facility {}, which this key may not read",
            record.claim.facility_code
        )));
    }
    Ok(record)
}

/// A readable claim and its current episode (refused once retention dropped the content).
pub(crate) async fn stored_episode(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(claims::ClaimRecord, Episode, Withheld), ApiError> {
    let record = readable_claim(state, principal, id).await?;
    let json = record
        .episode
        .open(&state.vault)?
        .ok_or_else(|| ApiError::NotFound(format!("the content of claim {id} is no longer kept")))?;
    let mut episode =
        serde_json::from_str(&json).map_err(|e| ApiError::Internal(format!("stored episode of claim {id}: {e}")))?;
    let withheld = shown_to(state, principal, &mut episode);
    Ok((record, episode, withheld))
}

/// The sensitive tables an episode had, and whether the reader saw them.
#[derive(Debug, Default)]
pub(crate) struct Withheld {
    /// Left out: the reader is not granted them.
    pub tables: Vec<Table>,
    /// Shown to a reader granted them.
    pub shown: Vec<Table>,
}

/// Audits a read of claim `id` of `facility` in the form `view` (`claim`, `xml130`, `fhir`,
/// `fhir_claim`), saying which sensitive tables were withheld or shown.
pub(crate) async fn audit_claim_read(
    state: &AppState,
    principal: &Principal,
    id: &str,
    view: &'static str,
    facility: &str,
    withheld: &Withheld,
) {
    let names = |tables: &[Table]| tables.iter().map(|t| t.spec_name()).collect::<Vec<_>>();
    let mut detail = serde_json::json!({ "view": view, "facility": facility });
    if !withheld.tables.is_empty() {
        detail["withheld"] = serde_json::json!(names(&withheld.tables));
    }
    if !withheld.shown.is_empty() {
        detail["sensitive_shown"] = serde_json::json!(names(&withheld.shown));
    }
    crate::audit::record_read(state, principal, "claim.read", id, detail).await;
}

/// The episode as `principal` may see it: the sensitive tables (`HISGATE_SENSITIVE_TABLES`) only
/// for a key granted them.
fn shown_to(state: &AppState, principal: &Principal, episode: &mut Episode) -> Withheld {
    let sensitive = &state.settings.sensitive_tables;
    if principal.sensitive_reader {
        return Withheld { tables: Vec::new(), shown: sensitive.iter().copied().filter(|t| episode.has(*t)).collect() };
    }
    Withheld { tables: episode.withhold(sensitive), shown: Vec::new() }
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let record = readable_claim(&state, &principal, &id).await?;
    let corrupt = |what: &str, e: serde_json::Error| ApiError::Internal(format!("stored {what} of claim {id}: {e}"));
    let warnings = match record.versions.iter().find(|v| v.version == record.claim.current_version) {
        Some(v) => serde_json::from_str(&v.warnings_json).map_err(|e| corrupt("warnings", e))?,
        None => Vec::new(),
    };
    let mut episode: Option<Episode> = record
        .episode
        .open(&state.vault)?
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| corrupt("episode", e))?;
    let withheld = episode.as_mut().map(|e| shown_to(&state, &principal, e)).unwrap_or_default();
    audit_claim_read(&state, &principal, &id, "claim", &record.claim.facility_code, &withheld).await;
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
    /// Claim status, e.g. `queued`.
    status: Option<String>,
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
    next_cursor: Option<String>,
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
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = page_limit(q.limit)?;
    let filter = ClaimFilter {
        facility: readable_facility(&principal, q.facility)?,
        status: q.status,
        received_from: q.from.as_deref().map(|t| crate::http::parse_instant("from", t)).transpose()?,
        received_to: q.to.as_deref().map(|t| crate::http::parse_instant("to", t)).transpose()?,
        before_id: q.cursor,
        limit: limit + 1,
    };
    let listed = filter.facility.clone().unwrap_or_else(|| "*".to_owned());
    let mut items = state.db.read(move |conn| claims::list(conn, &filter)).await?;
    let next_cursor = next_page(&mut items, limit, |c| c.id.clone());
    let ids: Vec<&str> = items.iter().map(|c| c.id.as_str()).collect();
    crate::audit::record_read(&state, &principal, "claims.list", &listed, serde_json::json!({ "ids": ids })).await;
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
    state: web::Data<AppState>,
    principal: Principal,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload, state.settings.max_body_bytes).await?.freeze();
    let report = dossiers::ingest_file(&state, &principal, body, &|_, _| {}).await?;
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (record, episode, withheld) = stored_episode(&state, &principal, &id).await?;
    let today = crate::domain::time::vietnam_today();
    let facility = &record.claim.facility_code;
    let (signer, profile) = (state.signers.get(facility), state.settings.bhxh_protocol.profile);
    let signed = xml130::signed_envelope(facility, today, std::slice::from_ref(&episode), signer, profile)
        .map_err(|e| ApiError::Internal(format!("signing claim {id}: {e}")))?;
    audit_claim_read(&state, &principal, &id, "xml130", facility, &withheld).await;
    Ok(HttpResponse::Ok().content_type("application/xml; charset=utf-8").body(signed))
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (record, episode, withheld) = stored_episode(&state, &principal, &id).await?;
    audit_claim_read(&state, &principal, &id, "fhir", &record.claim.facility_code, &withheld).await;
    Ok(HttpResponse::Ok()
        .content_type("application/fhir+json; charset=utf-8")
        .body(hisgate_fhir::episode_bundle(&episode).to_string()))
}
