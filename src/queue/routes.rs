//! `/api/v1/submissions` and `/api/v1/queue`: what was sent where, replays, the kill switch.

use super::QueueControl;
use crate::auth::Principal;
use crate::http::{ApiError, Problem, next_page, page_limit};
use crate::portal::guard::CircuitView;
use crate::store::Db;
use crate::store::audit::{self, AuditEntry};
use crate::store::outbox::{self, Depth, Submission, SubmissionFilter};
use crate::vocabulary::{Destination, FacilityCode, JobStatus, Role};
use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
struct SubmissionQuery {
    facility: Option<String>,
    status: Option<JobStatus>,
    destination: Option<Destination>,
    /// Page size, 1–500 (default 50).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<i64>,
}

#[derive(Serialize, ToSchema)]
struct SubmissionPage {
    items: Vec<Submission>,
    next_cursor: Option<i64>,
}

/// List submissions (one per claim version and destination, plus replays), newest first.
#[utoipa::path(
    tag = "queue",
    params(SubmissionQuery),
    responses(
        (status = 200, description = "A page of submissions", body = SubmissionPage),
        (status = 403, description = "Another facility's submissions", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/submissions")]
async fn list_submissions(
    db: web::Data<Db>,
    principal: Principal,
    query: web::Query<SubmissionQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = page_limit(q.limit)?;
    let filter = SubmissionFilter {
        facility: principal.readable_facility(q.facility.map(FacilityCode::from))?,
        status: q.status,
        destination: q.destination,
        before_id: q.cursor,
        limit: limit + 1,
    };
    let mut items = db.read(move |c| outbox::list(c, &filter)).await?;
    let next_cursor = next_page(&mut items, limit, |s| s.id);
    Ok(HttpResponse::Ok().json(SubmissionPage { items, next_cursor }))
}

#[derive(Serialize, ToSchema)]
struct Replay {
    /// The new submission.
    id: i64,
    replay_of: i64,
}

/// Send a dead-lettered submission again (admin, or the facility's own key once it fixed the
/// cause): a new submission linked to the original.
#[utoipa::path(
    tag = "queue",
    params(("id" = i64, Path, description = "Submission id")),
    responses(
        (status = 202, description = "Queued again", body = Replay),
        (status = 403, description = "Neither an admin key nor the facility's own", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such submission", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not dead-lettered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/submissions/{id}/retry")]
async fn retry_submission(
    queue: web::Data<QueueControl>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    if !matches!(principal.role, Role::Admin | Role::Facility) {
        return Err(ApiError::Forbidden("only an admin key or the facility's own key may replay submissions".into()));
    }
    let id = id.into_inner();
    let (actor, role) = (principal.key_id.clone(), principal.role);
    let replayed = queue
        .db
        .write(move |c| {
            let Some(original) = outbox::find(c, id)? else {
                return Ok(Err(ApiError::NotFound(format!("no submission {id}"))));
            };
            if !principal.may_write_for(original.facility_code.as_str()) {
                return Ok(Err(ApiError::Forbidden(format!(
                    "this key replays facility {}'s submissions only",
                    principal.facility.as_ref().map_or("(none)", |f| f.as_str())
                ))));
            }
            if original.status != JobStatus::DeadLetter {
                return Ok(Err(ApiError::Conflict(format!(
                    "submission {id} is {}, not dead_letter: only dead letters are replayed",
                    original.status
                ))));
            }
            Ok(Ok(super::replay_audited(c, &original, &actor, role)?))
        })
        .await??;
    queue.dispatch_wake.notify_one();
    Ok(HttpResponse::Accepted().json(Replay { id: replayed, replay_of: id }))
}

#[derive(Serialize, ToSchema)]
struct QueueState {
    paused: bool,
    depth: Vec<Depth>,
    /// The circuit breaker of each portal this instance sends to (`closed`, `open`, `trial`).
    circuits: std::collections::BTreeMap<Destination, CircuitView>,
}

async fn set_paused(queue: &QueueControl, principal: &Principal, paused: bool) -> Result<HttpResponse, ApiError> {
    principal.require_admin("pause or resume the queue")?;
    let actor = principal.key_id.clone();
    let depth = queue
        .db
        .write(move |c| {
            outbox::set_paused(c, paused)?;
            audit::record(
                c,
                AuditEntry {
                    actor: &actor,
                    role: Role::Admin.as_str(),
                    action: if paused { "queue.pause" } else { "queue.resume" },
                    target: "queue",
                    detail: serde_json::json!({}),
                },
            )?;
            outbox::depth(c)
        })
        .await?;
    queue.dispatch_wake.notify_one();
    tracing::warn!(paused, "queue kill switch changed");
    Ok(HttpResponse::Ok().json(QueueState { paused, depth, circuits: queue.portals.circuits() }))
}

/// Stop sending to the portals (every instance); ingest continues and the queue fills.
#[utoipa::path(tag = "queue", responses((status = 200, description = "Paused", body = QueueState)))]
#[post("/api/v1/queue/pause")]
async fn pause(queue: web::Data<QueueControl>, principal: Principal) -> Result<HttpResponse, ApiError> {
    set_paused(&queue, &principal, true).await
}

/// Start sending again.
#[utoipa::path(tag = "queue", responses((status = 200, description = "Resumed", body = QueueState)))]
#[post("/api/v1/queue/resume")]
async fn resume(queue: web::Data<QueueControl>, principal: Principal) -> Result<HttpResponse, ApiError> {
    set_paused(&queue, &principal, false).await
}

/// Whether the queue is paused, and its depth by destination and state.
#[utoipa::path(tag = "queue", responses((status = 200, description = "Queue state", body = QueueState)))]
#[get("/api/v1/queue")]
async fn queue_state(queue: web::Data<QueueControl>, principal: Principal) -> Result<HttpResponse, ApiError> {
    principal.require_staff("see the queue")?;
    let (paused, depth) = queue.db.read(|c| Ok((outbox::is_paused(c)?, outbox::depth(c)?))).await?;
    Ok(HttpResponse::Ok().json(QueueState { paused, depth, circuits: queue.portals.circuits() }))
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(list_submissions).service(retry_submission).service(pause).service(resume).service(queue_state)
}
