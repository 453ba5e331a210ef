//! `POST /api/v1/eligibility` and `/api/v1/eligibility/batch`: card checks for reception desks
//! and HIS.

use super::{EligibilityAnswer, EligibilityError, EligibilityRequest, EligibilityService, Lookup};
use crate::auth::Principal;
use crate::config::Settings;
use crate::http::{ApiError, Problem};
use crate::vocabulary::Role;
use actix_web::{HttpResponse, post, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The roles that may look cards up, and the facility a lookup is made for.
pub(crate) fn authorise(principal: &Principal, lookup: &mut Lookup) -> Result<(), EligibilityError> {
    match principal.role {
        Role::Eligibility | Role::Admin => Ok(()),
        Role::Facility => {
            let own = principal.facility.as_deref().unwrap_or_default();
            match lookup.facility() {
                Some(asked) if asked != own => {
                    Err(EligibilityError::Forbidden(format!("a key of facility {own} cannot look up for {asked}")))
                }
                _ => {
                    lookup.set_facility(own.to_owned());
                    Ok(())
                }
            }
        }
        Role::Doh => Err(EligibilityError::Forbidden("card lookups need an eligibility, facility or admin key".into())),
    }
}

/// Check one BHYT card with the BHXH portal (cached; the last known answer, marked stale, when the
/// portal is down).
#[utoipa::path(
    tag = "eligibility",
    request_body = EligibilityRequest,
    responses(
        (status = 200, description = "The normalised answer", body = EligibilityAnswer),
        (status = 400, description = "A value is not valid (which part of the card, which date)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed for this key or facility", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "This key's lookups per minute are used up", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The portal's answer could not be used", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The portal is unavailable (no earlier answer known), or the gateway's lookup officer or account is refused", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/eligibility")]
async fn check(
    eligibility: web::Data<EligibilityService>,
    settings: web::Data<Settings>,
    principal: Principal,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = crate::http::read_body(payload, settings.max_body_bytes).await?;
    let request: EligibilityRequest = crate::http::parse_json(&body)?;
    eligibility.admit(&principal.key_id, 1)?;
    let answer = eligibility.check_request(&principal, &request).await?;
    Ok(HttpResponse::Ok().json(answer))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    checks: Vec<EligibilityRequest>,
}

/// The answer to one card of a batch: `answer`, or `error` as a problem document.
#[derive(Serialize, ToSchema)]
struct BatchItem {
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<EligibilityAnswer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Problem>,
}

#[derive(Serialize, ToSchema)]
struct BatchResult {
    results: Vec<BatchItem>,
}

/// Check a list of cards (a reception list); one result per card, in order.
#[utoipa::path(
    tag = "eligibility",
    request_body = BatchRequest,
    responses(
        (status = 200, description = "One result per card", body = BatchResult),
        (status = 400, description = "Not a list of checks, or longer than the limit", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "This key's lookups per minute are used up", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/eligibility/batch")]
async fn check_batch(
    eligibility: web::Data<EligibilityService>,
    settings: web::Data<Settings>,
    principal: Principal,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = crate::http::read_body(payload, settings.max_body_bytes).await?;
    let request: BatchRequest = crate::http::parse_json(&body)?;
    let max = eligibility.max_batch();
    if request.checks.is_empty() || request.checks.len() > max {
        return Err(ApiError::BadRequest(format!(
            "checks: between 1 and {max} cards per batch, {} given",
            request.checks.len()
        )));
    }
    eligibility.admit(&principal.key_id, request.checks.len() as u32)?;
    let service = &eligibility;
    let principal = &principal;
    let results: Vec<BatchItem> = futures_util::stream::iter(request.checks.iter().enumerate())
        .map(|(index, r)| async move {
            match service.check_request(principal, r).await {
                Ok(answer) => BatchItem { index, answer: Some(answer), error: None },
                Err(e) => BatchItem { index, answer: None, error: Some(ApiError::from(e).problem()) },
            }
        })
        .buffered(EligibilityService::BATCH_CONCURRENCY)
        .collect()
        .await;
    Ok(HttpResponse::Ok().json(BatchResult { results }))
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(check).service(check_batch)
}
