//! `/api/v1/jobs`: the scheduled jobs, their recent runs, and running one now (admin);
//! `/api/v1/snapshots/daily`: what the daily snapshot stored.

use super::{JobContext, JobKind};
use crate::auth::Principal;
use crate::http::{ApiError, Problem};
use crate::store::Db;
use crate::store::audit::{self, AuditEntry};
use crate::store::jobs::{self, JobRun};
use crate::store::stats::FacilityDay;
use crate::vocabulary::Role;
use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
struct JobView {
    name: &'static str,
    /// Cron expression with seconds, Vietnam time.
    schedule: String,
    /// The latest runs by any instance, newest first.
    recent_runs: Vec<JobRun>,
}

/// The scheduled jobs and their last runs.
#[utoipa::path(
    tag = "jobs",
    responses(
        (status = 200, description = "Every job", body = [JobView]),
        (status = 403, description = "Not an admin or DoH key", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/jobs")]
async fn list_jobs(
    db: web::Data<Db>,
    jobs: web::Data<JobContext>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    principal.require_staff("see the jobs")?;
    let runs = db
        .read(|c| JobKind::ALL.iter().map(|k| jobs::recent_runs(c, k.name(), 10)).collect::<Result<Vec<_>, _>>())
        .await?;
    let views: Vec<JobView> = JobKind::ALL
        .into_iter()
        .zip(runs)
        .map(|(k, recent_runs)| JobView {
            name: k.name(),
            schedule: k.schedule(&jobs.settings).to_owned(),
            recent_runs,
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Serialize, ToSchema)]
struct RunResult {
    name: &'static str,
    ok: bool,
    detail: String,
}

/// Run a job now (admin; audited).
#[utoipa::path(
    tag = "jobs",
    params(("name" = String, Path, description = "`lease_sweep`, `token_refresh`, `daily_snapshot`, `retention`, `card_check`, `alerts` or `rewrap`")),
    responses(
        (status = 200, description = "The run's result (`ok` false when it failed)", body = RunResult),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such job", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A run of this job is in progress here", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/jobs/{name}/run")]
async fn run_job(
    db: web::Data<Db>,
    jobs: web::Data<JobContext>,
    principal: Principal,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require_admin("run a job")?;
    let kind = JobKind::from_name(&name).ok_or_else(|| ApiError::NotFound(format!("no job named {name}")))?;
    let actor = principal.key_id.clone();
    db.write(move |c| {
        audit::record(
            c,
            AuditEntry {
                actor: &actor,
                role: Role::Admin.as_str(),
                action: "job.run",
                target: kind.name(),
                detail: serde_json::json!({}),
            },
        )
    })
    .await?;
    match jobs.run(kind).await {
        None => Err(ApiError::Conflict(format!("{} is already running", kind.name()))),
        Some(Ok(detail)) => Ok(HttpResponse::Ok().json(RunResult { name: kind.name(), ok: true, detail })),
        Some(Err(detail)) => Ok(HttpResponse::Ok().json(RunResult { name: kind.name(), ok: false, detail })),
    }
}

#[derive(Deserialize, IntoParams)]
struct DayQuery {
    /// `YYYY-MM-DD` (Vietnam time).
    day: String,
}

/// Per-facility figures of one day, as the daily snapshot job stored them.
#[utoipa::path(
    tag = "jobs",
    params(DayQuery),
    responses(
        (status = 200, description = "One row per facility with activity that day", body = [FacilityDay]),
        (status = 400, description = "Not a date", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or DoH key", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/snapshots/daily")]
async fn daily_snapshot(
    db: web::Data<Db>,
    principal: Principal,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require_staff("see the daily snapshots")?;
    let day = chrono::NaiveDate::parse_from_str(&query.day, "%Y-%m-%d")
        .map_err(|_| ApiError::BadRequest(format!("day: `{}` is not a date YYYY-MM-DD", query.day)))?;
    let rows = db.read(move |c| jobs::daily(c, day)).await?;
    Ok(HttpResponse::Ok().json(rows))
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(list_jobs).service(run_job).service(daily_snapshot)
}
