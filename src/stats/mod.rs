//! `/api/v1/stats/summary` and `/api/v1/facilities/{code}/stats`: what the Department of Health
//! watches — who sends, how much, how late, what is refused (figures in `store::stats`).

use crate::auth::{Principal, Role};
use crate::http::{ApiError, AppState, Problem};
use crate::store::facilities::{self, Facility};
use crate::store::jobs::{day_start_ms, vietnam_day};
use crate::store::now_ms;
use crate::store::stats::{self, Figures, SilentFacility};
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
struct PeriodQuery {
    /// First day, `YYYY-MM-DD` (Vietnam time); 30 days before `to` by default.
    from: Option<String>,
    /// Last day, included; today by default.
    to: Option<String>,
    /// A live facility that sent nothing for this many days is silent (default 7).
    silent_days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

fn period(q: &PeriodQuery) -> Result<(Period, i64, i64), ApiError> {
    let date = |name: &str, v: &Option<String>| {
        v.as_deref()
            .map(|t| {
                NaiveDate::parse_from_str(t, "%Y-%m-%d")
                    .map_err(|_| ApiError::BadRequest(format!("{name}: `{t}` is not a date YYYY-MM-DD")))
            })
            .transpose()
    };
    let to = date("to", &q.to)?.unwrap_or_else(|| vietnam_day(now_ms()));
    let from = date("from", &q.from)?.unwrap_or(to - chrono::Duration::days(30));
    if from > to {
        return Err(ApiError::BadRequest(format!("from ({from}) is after to ({to})")));
    }
    Ok((Period { from, to }, day_start_ms(from), day_start_ms(to) + 86_400_000))
}

#[derive(Serialize, ToSchema)]
struct FacilityCounts {
    total: u64,
    by_kind: BTreeMap<String, u64>,
    by_status: BTreeMap<String, u64>,
}

#[derive(Serialize, ToSchema)]
struct Summary {
    period: Period,
    facilities: FacilityCounts,
    figures: Figures,
    /// Live facilities that sent nothing for `silent_days`.
    silent: Vec<SilentFacility>,
}

/// The province at a glance (DoH and admin keys).
#[utoipa::path(
    tag = "stats",
    params(PeriodQuery),
    responses(
        (status = 200, description = "Figures of the period", body = Summary),
        (status = 400, description = "A bad date", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a DoH or admin key", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/stats/summary")]
async fn summary(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require_staff("see the province's figures")?;
    let (period, from, to) = period(&query)?;
    let silent_since = now_ms() - i64::from(query.silent_days.unwrap_or(7)) * 86_400_000;
    let (figures, (by_kind, by_status), silent) = state
        .db
        .read(move |c| {
            Ok((
                stats::figures(c, None, from, to)?,
                stats::facility_counts(c)?,
                stats::silent_facilities(c, silent_since)?,
            ))
        })
        .await?;
    let total = by_kind.values().sum();
    Ok(HttpResponse::Ok().json(Summary {
        period,
        facilities: FacilityCounts { total, by_kind, by_status },
        figures,
        silent,
    }))
}

#[derive(Serialize, ToSchema)]
struct FacilityStats {
    facility: Facility,
    period: Period,
    figures: Figures,
}

/// One facility's figures (DoH and admin keys, or the facility's own key).
#[utoipa::path(
    tag = "stats",
    params(("code" = String, Path, description = "MA_CSKCB"), PeriodQuery),
    responses(
        (status = 200, description = "Figures of the period", body = FacilityStats),
        (status = 403, description = "Another facility", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not registered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/facilities/{code}/stats")]
async fn facility_stats(
    state: web::Data<AppState>,
    principal: Principal,
    code: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = code.into_inner();
    if !principal.may_read(&code) || principal.role == Role::Eligibility {
        return Err(ApiError::Forbidden(format!("this key may not read facility {code}")));
    }
    let (period, from, to) = period(&query)?;
    let lookup = code.clone();
    let (facility, figures) = state
        .db
        .read(move |c| Ok((facilities::find(c, &lookup)?, stats::figures(c, Some(&lookup), from, to)?)))
        .await?;
    let facility = facility.ok_or_else(|| ApiError::NotFound(format!("no facility {code} is registered")))?;
    Ok(HttpResponse::Ok().json(FacilityStats { facility, period, figures }))
}

#[derive(Deserialize, IntoParams)]
struct AlertQuery {
    /// Include resolved alerts.
    all: Option<bool>,
}

/// Alerts: facilities gone silent, dead-letter spikes, certificates close to expiry (DoH and
/// admin keys); open ones unless `all=true`.
#[utoipa::path(
    tag = "stats",
    params(AlertQuery),
    responses(
        (status = 200, description = "Newest first", body = [crate::store::alerts::Alert]),
        (status = 403, description = "Not a DoH or admin key", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/alerts")]
async fn list_alerts(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<AlertQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require_staff("see the alerts")?;
    let all = query.all.unwrap_or(false);
    Ok(HttpResponse::Ok().json(state.db.read(move |c| crate::store::alerts::list(c, all, 500)).await?))
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(summary).service(facility_stats).service(list_alerts)
}
