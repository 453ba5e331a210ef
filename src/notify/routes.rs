//! The callbacks' API: a facility's endpoint (`/api/v1/facilities/{code}/webhook`: admin keys set
//! and remove it; the secret is shown once, when set) and the deliveries
//! (`/api/v1/webhooks/deliveries`: a facility key lists its own; admin keys replay a dead letter).

use crate::auth::Principal;
use crate::config::Settings;
use crate::http::{ApiError, Problem, next_page, page_limit};
use crate::store::audit::{self, AuditEntry};
use crate::store::facilities;
use crate::store::webhooks::{self, DeliveryFilter, DeliverySummary};
use crate::store::{AnyConnection, Db, StoreError};
use crate::vault::Vault;
use crate::vocabulary::{DeliveryStatus, FacilityCode, Role};
use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Longest endpoint URL taken.
const URL_CHARS: usize = 2000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EndpointInput {
    /// Where the facility's HIS takes callbacks: `https://…` (plain `http://` only where
    /// `HISGATE_WEBHOOKS_ALLOW_HTTP` is set).
    url: String,
}

/// A facility's endpoint as set: the secret appears in this answer only.
#[derive(Serialize, ToSchema)]
struct EndpointSet {
    facility_code: FacilityCode,
    url: String,
    /// The HMAC-SHA256 key of the `X-Hisgate-Signature` header (docs/WEBHOOKS.md), 64 hex
    /// characters; a new one at every `PUT`. Kept sealed: it cannot be read back.
    secret: String,
}

#[derive(Serialize, ToSchema)]
struct Endpoint {
    facility_code: FacilityCode,
    url: String,
    created_at: i64,
    updated_at: i64,
}

/// The audit row of an admin's change to callbacks.
fn admin_audit(
    c: &mut AnyConnection,
    actor: &str,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    audit::record(c, AuditEntry { actor, role: Role::Admin.as_str(), action, target, detail })
}

/// Checks an endpoint URL: absolute, HTTPS (or HTTP where allowed), no credentials in it.
fn checked_url(text: &str, allow_http: bool) -> Result<String, ApiError> {
    let text = text.trim();
    if text.chars().count() > URL_CHARS {
        return Err(ApiError::BadRequest(format!("`url` is longer than {URL_CHARS} characters")));
    }
    let url = reqwest::Url::parse(text).map_err(|e| ApiError::BadRequest(format!("`url` is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(ApiError::BadRequest(
                "`url` must be https:// (plain http:// only where HISGATE_WEBHOOKS_ALLOW_HTTP is set)".into(),
            ));
        }
        other => return Err(ApiError::BadRequest(format!("`url` must be https://, not {other}://"))),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ApiError::BadRequest("`url` names no host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::BadRequest(
            "`url` must carry no credentials: the signature tells the HIS the call is hisgate's".into(),
        ));
    }
    Ok(url.into())
}

/// Set a facility's callback endpoint (admin): a new signing secret is made and shown once.
#[utoipa::path(
    tag = "webhooks",
    params(("code" = String, Path, description = "Facility code (MA_CSKCB)")),
    request_body = EndpointInput,
    responses(
        (status = 200, description = "Set; the secret is in this answer only", body = EndpointSet),
        (status = 400, description = "Not an acceptable URL", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such facility in the registry", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/api/v1/facilities/{code}/webhook")]
async fn set_endpoint(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    settings: web::Data<Settings>,
    principal: Principal,
    code: web::Path<String>,
    input: web::Json<EndpointInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require_admin("set a facility's callback endpoint")?;
    let facility = FacilityCode::from(code.into_inner());
    let url = checked_url(&input.url, settings.webhooks.allow_http)?;
    let secret = crate::digest::random_hex(32);
    let sealed = vault.seal(&secret, facility.as_str());
    let actor = principal.key_id.clone();
    let (code, stored_url) = (facility.clone(), url.clone());
    db.write(move |c| {
        if facilities::find(c, code.as_str())?.is_none() {
            return Ok(Err(ApiError::NotFound(format!("no facility {code} in the registry"))));
        }
        webhooks::set_endpoint(c, &code, &stored_url, &sealed.text, sealed.key.as_deref())?;
        admin_audit(c, &actor, "webhook.set", code.as_str(), serde_json::json!({ "url": stored_url }))?;
        Ok(Ok(()))
    })
    .await??;
    Ok(HttpResponse::Ok().json(EndpointSet { facility_code: facility, url, secret }))
}

/// A facility's callback endpoint (without its secret).
#[utoipa::path(
    tag = "webhooks",
    params(("code" = String, Path, description = "Facility code (MA_CSKCB)")),
    responses(
        (status = 200, description = "The endpoint", body = Endpoint),
        (status = 404, description = "The facility has no endpoint", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/facilities/{code}/webhook")]
async fn get_endpoint(
    db: web::Data<Db>,
    principal: Principal,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let facility = principal
        .readable_facility(Some(FacilityCode::from(code.into_inner())))?
        .ok_or_else(|| ApiError::Forbidden("this key reads no facility".into()))?;
    let code = facility.clone();
    let stored = db.read(move |c| webhooks::endpoint(c, &code)).await?;
    let stored = stored.ok_or_else(|| ApiError::NotFound(format!("facility {facility} has no callback endpoint")))?;
    Ok(HttpResponse::Ok().json(Endpoint {
        facility_code: stored.facility_code,
        url: stored.url,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
    }))
}

/// Remove a facility's callback endpoint (admin); its undelivered callbacks are given up.
#[utoipa::path(
    tag = "webhooks",
    params(("code" = String, Path, description = "Facility code (MA_CSKCB)")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "The facility has no endpoint", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api/v1/facilities/{code}/webhook")]
async fn remove_endpoint(
    db: web::Data<Db>,
    principal: Principal,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require_admin("remove a facility's callback endpoint")?;
    let facility = FacilityCode::from(code.into_inner());
    let actor = principal.key_id.clone();
    let code = facility.clone();
    let removed = db
        .write(move |c| {
            let removed = webhooks::remove_endpoint(c, &code)?;
            if removed {
                admin_audit(c, &actor, "webhook.remove", code.as_str(), serde_json::json!({}))?;
            }
            Ok(removed)
        })
        .await?;
    if !removed {
        return Err(ApiError::NotFound(format!("facility {facility} has no callback endpoint")));
    }
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
struct DeliveryQuery {
    facility: Option<String>,
    status: Option<DeliveryStatus>,
    /// Page size, 1–500 (default 50).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<i64>,
}

#[derive(Serialize, ToSchema)]
struct DeliveryPage {
    items: Vec<DeliverySummary>,
    next_cursor: Option<i64>,
}

/// List callbacks to the HIS, newest first: a facility key sees its own.
#[utoipa::path(
    tag = "webhooks",
    params(DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 403, description = "Another facility's deliveries", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/webhooks/deliveries")]
async fn list_deliveries(
    db: web::Data<Db>,
    principal: Principal,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = page_limit(q.limit)?;
    let filter = DeliveryFilter {
        facility: principal.readable_facility(q.facility.map(FacilityCode::from))?,
        status: q.status,
        before_id: q.cursor,
        limit: limit + 1,
    };
    let mut items = db.read(move |c| webhooks::list(c, &filter)).await?;
    let next_cursor = next_page(&mut items, limit, |d| d.id);
    Ok(HttpResponse::Ok().json(DeliveryPage { items, next_cursor }))
}

#[derive(Serialize, ToSchema)]
struct Replayed {
    event_id: String,
    status: DeliveryStatus,
}

/// Post a dead-lettered callback again (admin): the same event id and body, with a new day to
/// be delivered in.
#[utoipa::path(
    tag = "webhooks",
    params(("event_id" = String, Path, description = "The callback's event id")),
    responses(
        (status = 202, description = "Queued again", body = Replayed),
        (status = 404, description = "No such callback", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not dead-lettered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/webhooks/deliveries/{event_id}/replay")]
async fn replay_delivery(
    db: web::Data<Db>,
    principal: Principal,
    event_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require_admin("replay callbacks")?;
    let event_id = event_id.into_inner();
    let actor = principal.key_id.clone();
    let id = event_id.clone();
    db.write(move |c| {
        let Some((facility, status)) = webhooks::replay(c, &id)? else {
            return Ok(Err(ApiError::NotFound(format!("no callback {}", crate::validation::bounded(&id, 60)))));
        };
        if status != DeliveryStatus::DeadLetter {
            return Ok(Err(ApiError::Conflict(format!(
                "callback {id} is {status}, not dead_letter: only dead letters are replayed"
            ))));
        }
        admin_audit(c, &actor, "webhook.replay", facility.as_str(), serde_json::json!({ "event_id": id }))?;
        Ok(Ok(()))
    })
    .await??;
    Ok(HttpResponse::Accepted().json(Replayed { event_id, status: DeliveryStatus::Pending }))
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(set_endpoint)
        .service(get_endpoint)
        .service(remove_endpoint)
        .service(list_deliveries)
        .service(replay_delivery)
}
