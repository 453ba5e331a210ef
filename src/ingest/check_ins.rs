//! Check-in ingest: `POST /api/v1/checkins` takes one check-in (the XML0 fields, official names),
//! `{"checkins": [...]}`, or a `CHI_TIEU_TRANG_THAI_KCB` document as HIS export it; each is
//! validated by the XML0 rules, scoped to the key's facility, and stored with its queue entries
//! before the `202`. The same content again is the same check-in (its id is derived from it).

use super::IngestService;
use crate::auth::Principal;
use crate::domain::Episode;
use crate::domain::records::{CheckIn, Table};
use crate::domain::time::{from_vietnam, parse_datetime};
use crate::formats::xml130;
use crate::http::{ApiError, Problem, page_limit, read_body};
use crate::store::check_ins::{self, CheckInRecord, CheckInSummary, NewCheckIn};
use crate::validation::{self, Violation};
use crate::vault::Vault;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use utoipa::{IntoParams, ToSchema};

/// Most check-ins in one request.
const MAX_CHECK_INS: usize = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckInBatch {
    checkins: Vec<CheckIn>,
}

/// Reads `T` from `value`, naming the path of the first error.
fn from_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        ApiError::BadRequest(format!("invalid check-in JSON at `{path}`: {}", e.into_inner()))
    })
}

/// What the caller hears for one accepted check-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInReceipt {
    pub id: String,
    /// `queued` (new) or `unchanged` (this content was stored before).
    pub status: &'static str,
    pub warnings: Vec<Violation>,
}

#[derive(Serialize, ToSchema)]
struct CheckInReceipts {
    items: Vec<CheckInReceipt>,
}

fn check_ins_of(req: &HttpRequest, body: &[u8]) -> Result<(Vec<CheckIn>, bool), ApiError> {
    let xml = req.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("xml"));
    if xml {
        let mut episode = Episode::default();
        xml130::read_table_document(Table::CheckIn, body, &mut episode)
            .map_err(|e| ApiError::BadRequest(format!("the CHI_TIEU_TRANG_THAI_KCB document is refused: {e}")))?;
        if episode.check_ins.is_empty() {
            return Err(ApiError::BadRequest("the document holds no TRANG_THAI_KCB".into()));
        }
        return Ok((episode.check_ins, true));
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))?;
    if value.get("checkins").is_some() {
        return Ok((from_json::<CheckInBatch>(value)?.checkins, true));
    }
    Ok((vec![from_json::<CheckIn>(value)?], false))
}

/// The store's row for check-in `c` of `facility`: its id is derived from the facility and the
/// content, so the same check-in, sent alone or inside its episode, is one row.
pub(super) fn new_check_in(c: &CheckIn, facility: &str, vault: &Vault) -> NewCheckIn {
    let record_json = serde_json::to_string(c).expect("a check-in always serialises");
    let digest = sha2::Sha256::digest(format!("{facility}\n{record_json}").as_bytes());
    let ordered_at = c.ordered_at.as_deref().and_then(parse_datetime).map_or(0, |t| from_vietnam(t).timestamp_millis());
    let id = format!("ci-{}", &hex::encode(digest)[..32]);
    NewCheckIn {
        record: vault.seal(&record_json, &id),
        id,
        facility_code: facility.to_owned(),
        episode_key: c.episode_key.as_deref().map(str::trim).unwrap_or_default().to_owned(),
        ordered_at,
    }
}

/// Validates and authorises each check-in; the first refusal refuses the request (nothing stored).
fn prepare(
    service: &IngestService,
    principal: &Principal,
    items: &[CheckIn],
) -> Result<Vec<(NewCheckIn, Vec<Violation>)>, ApiError> {
    let (catalogue, reference, profile) = service.rules();
    let mut prepared = Vec::with_capacity(items.len());
    for (i, c) in items.iter().enumerate() {
        let facility = c.facility_code.as_deref().map(str::trim).unwrap_or_default();
        if !facility.is_empty() && !principal.may_write_for(facility) {
            return Err(ApiError::Forbidden(format!(
                "check_ins[{i}].MA_CSKCB: this key may not send check-ins of facility `{facility}`"
            )));
        }
        let report = validation::validate_check_in(c, i, &catalogue, &reference.code_lists, profile);
        if report.has_critical() {
            let detail = format!("check_ins[{i}] breaks the XML0 rules");
            return Err(ApiError::Unprocessable { detail, violations: report.violations });
        }
        let new = new_check_in(c, facility, &service.vault);
        prepared.push((new, report.warnings()));
    }
    Ok(prepared)
}

/// Accept check-ins (XML0).
///
/// One check-in (JSON with the official field names), `{"checkins": [...]}`, or a
/// `CHI_TIEU_TRANG_THAI_KCB` document (`Content-Type: application/xml`). Stored with their queue
/// entries before the answer; sent ahead of every dossier, to BHXH and to the MoH HOC receiver.
#[utoipa::path(
    tag = "check-ins",
    request_body(content = CheckIn, content_type = "application/json"),
    responses(
        (status = 202, description = "Stored and queued: one receipt, or `{items}` for a list or a document", body = CheckInReceipt),
        (status = 400, description = "Malformed JSON or XML", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another facility's check-in", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Critical rule violations", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/checkins")]
async fn post_check_ins(
    req: HttpRequest,
    service: web::Data<IngestService>,
    principal: Principal,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload, service.settings.max_body_bytes).await?;
    let (items, listed) = check_ins_of(&req, &body)?;
    if items.len() > MAX_CHECK_INS {
        return Err(ApiError::BadRequest(format!(
            "at most {MAX_CHECK_INS} check-ins a request; this one has {}",
            items.len()
        )));
    }
    let prepared = prepare(&service, &principal, &items)?;
    let (rows, warnings): (Vec<NewCheckIn>, Vec<Vec<Violation>>) = prepared.into_iter().unzip();
    let actor = principal.actor();
    let destinations = service.settings.destinations.clone();
    let stored = rows.clone();
    let created = service
        .db
        .write_retrying(move |c| {
            let items: Vec<_> = stored.iter().map(|row| (row, &actor)).collect();
            check_ins::accept_all(c, &items, &destinations)
        })
        .await?;
    if created.iter().any(|new| *new) {
        service.dispatch_wake.notify_waiters();
    }
    let receipts: Vec<CheckInReceipt> = rows
        .into_iter()
        .zip(created)
        .zip(warnings)
        .map(|((row, new), warnings)| CheckInReceipt {
            id: row.id,
            status: if new { "queued" } else { "unchanged" },
            warnings,
        })
        .collect();
    tracing::info!(check_ins = receipts.len(), "check-ins accepted");
    if listed {
        return Ok(HttpResponse::Accepted().json(CheckInReceipts { items: receipts }));
    }
    Ok(HttpResponse::Accepted().json(&receipts[0]))
}

/// Read one check-in: its record, its sendings to each portal, and its claim once the dossier of
/// its `MA_LK` has arrived.
#[utoipa::path(
    tag = "check-ins",
    params(("id" = String, Path, description = "Check-in id")),
    responses(
        (status = 200, description = "The check-in", body = CheckInRecord),
        (status = 401, description = "No or unknown API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another facility's check-in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such check-in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/checkins/{id}")]
async fn get_check_in(
    service: web::Data<IngestService>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (asked, vault) = (id.clone(), service.vault.clone());
    let record = service.db.snapshot(move |c| check_ins::find(c, &vault, &asked)).await?;
    let record = record.ok_or_else(|| ApiError::NotFound(format!("no check-in {id}")))?;
    if !principal.may_read(&record.summary.facility_code) {
        return Err(ApiError::Forbidden(format!("check-in {id} belongs to another facility")));
    }
    let detail = serde_json::json!({ "facility": record.summary.facility_code });
    crate::audit::record_read(&service.audit, &principal, "checkin.read", &id, detail).await;
    Ok(HttpResponse::Ok().json(record))
}

#[derive(Deserialize, IntoParams)]
struct CheckInQuery {
    /// Facility code (`MA_CSKCB`); a facility key sees only its own.
    facility: Option<String>,
    /// Received at or after: `YYYY-MM-DD` (Vietnam time) or RFC 3339.
    from: Option<String>,
    /// Received before: `YYYY-MM-DD` (Vietnam time) or RFC 3339.
    to: Option<String>,
    /// At most this many, newest first, 1–500 (default 50).
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
struct CheckInList {
    items: Vec<CheckInSummary>,
}

/// Check-ins received, newest first.
#[utoipa::path(
    tag = "check-ins",
    params(CheckInQuery),
    responses(
        (status = 200, description = "Check-ins", body = CheckInList),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another facility", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/checkins")]
async fn list_check_ins(
    service: web::Data<IngestService>,
    principal: Principal,
    query: web::Query<CheckInQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = page_limit(q.limit)?;
    let facility = principal.readable_facility(q.facility)?;
    let from = q.from.as_deref().map(|t| crate::http::parse_instant("from", t)).transpose()?.unwrap_or(0);
    let to = q.to.as_deref().map(|t| crate::http::parse_instant("to", t)).transpose()?.unwrap_or(i64::MAX);
    let listed = facility.clone().unwrap_or_else(|| "*".to_owned());
    let items = service.db.read(move |c| check_ins::list(c, facility.as_deref(), from, to, limit)).await?;
    let ids: Vec<&str> = items.iter().map(|c| c.id.as_str()).collect();
    crate::audit::record_read(&service.audit, &principal, "checkins.list", &listed, serde_json::json!({ "ids": ids }))
        .await;
    Ok(HttpResponse::Ok().json(CheckInList { items }))
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(post_check_ins).service(get_check_in).service(list_check_ins)
}
