//! The check-in endpoints: `POST /api/v1/checkins` (one check-in, `{"checkins": [...]}`, or a
//! `CHI_TIEU_TRANG_THAI_KCB` document, stored before the `202`), and reading them back.

use super::IngestService;
use super::check_ins::{CheckInReceipt, read_check_ins};
use crate::auth::Principal;
use crate::domain::records::CheckIn;
use crate::http::{ApiError, Problem, page_limit, read_body};
use crate::store::check_ins::{self, CheckInRecord, CheckInSummary};
use crate::vocabulary::{CheckInId, FacilityCode};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
struct CheckInReceipts {
    items: Vec<CheckInReceipt>,
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
    let xml = req.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("xml"));
    let (items, listed) = read_check_ins(&body, xml)?;
    let receipts = service.accept_check_ins(&principal, &items).await?;
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
    let (asked, vault) = (CheckInId::from(id.as_str()), service.vault.clone());
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
    let facility = principal.readable_facility(q.facility.map(FacilityCode::from))?;
    let from = q.from.as_deref().map(|t| crate::http::parse_instant("from", t)).transpose()?.unwrap_or(0);
    let to = q.to.as_deref().map(|t| crate::http::parse_instant("to", t)).transpose()?.unwrap_or(i64::MAX);
    let listed = facility.as_deref().unwrap_or("*").to_owned();
    let items = service.db.read(move |c| check_ins::list(c, facility.as_deref(), from, to, limit)).await?;
    let ids: Vec<&str> = items.iter().map(|c| c.id.as_str()).collect();
    crate::audit::record_read(&service.audit, &principal, "checkins.list", &listed, serde_json::json!({ "ids": ids }))
        .await;
    Ok(HttpResponse::Ok().json(CheckInList { items }))
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(post_check_ins).service(get_check_in).service(list_check_ins)
}
