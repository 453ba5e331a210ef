//! `/api/v1/stats/summary` and `/api/v1/facilities/{code}/stats`: what the Department of Health
//! watches — who sends, how much, how late, what is refused (figures in `store::stats`).

use crate::auth::Principal;
use crate::domain::time::vietnam_day;
use crate::http::{ApiError, Problem};
use crate::store::facilities::{self, Facility, FacilityFilter};
use crate::store::stats::{self, Activity, Figures, SilentFacility};
use crate::store::{Db, StoreError, now_ms};
use crate::vocabulary::Role;
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

/// The longest period a figure may cover: three years (a page lists every day of its period).
pub const MAX_PERIOD_DAYS: i64 = 1096;

/// The days a figure covers (Vietnam time, both included).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// `from`/`to` as `YYYY-MM-DD`; `to` is today and `from` 30 days earlier when not given.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Period, PeriodError> {
        let date = |name: &'static str, v: Option<&str>| {
            v.filter(|t| !t.is_empty())
                .map(|t| {
                    NaiveDate::parse_from_str(t, "%Y-%m-%d")
                        .map_err(|_| PeriodError::NotADate { name, value: t.to_owned() })
                })
                .transpose()
        };
        let to = date("to", to)?.unwrap_or_else(|| vietnam_day(now_ms()));
        let from = date("from", from)?.unwrap_or(to - chrono::Duration::days(30));
        if from > to {
            return Err(PeriodError::Reversed { from, to });
        }
        if (to - from).num_days() >= MAX_PERIOD_DAYS {
            return Err(PeriodError::TooLong { from, to });
        }
        Ok(Period { from, to })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PeriodError {
    #[error("{name}: `{value}` is not a date YYYY-MM-DD")]
    NotADate { name: &'static str, value: String },
    #[error("from ({from}) is after to ({to})")]
    Reversed { from: NaiveDate, to: NaiveDate },
    #[error("{from} to {to} is longer than {MAX_PERIOD_DAYS} days")]
    TooLong { from: NaiveDate, to: NaiveDate },
}

impl From<PeriodError> for ApiError {
    fn from(e: PeriodError) -> Self {
        ApiError::BadRequest(e.to_string())
    }
}

#[derive(Serialize, ToSchema)]
pub struct FacilityCounts {
    pub total: u64,
    pub by_kind: BTreeMap<String, u64>,
    pub by_status: BTreeMap<String, u64>,
}

#[derive(Serialize, ToSchema)]
pub struct Summary {
    pub period: Period,
    pub facilities: FacilityCounts,
    pub figures: Figures,
    /// Live facilities that sent nothing for `silent_days`.
    pub silent: Vec<SilentFacility>,
}

/// The province's figures of `period`, as the API and the dashboard show them.
pub async fn summary_of(db: &Db, period: Period, silent_days: u32) -> Result<Summary, StoreError> {
    let silent_since = now_ms() - i64::from(silent_days) * 86_400_000;
    let (figures, (by_kind, by_status), silent) = db
        .read(move |c| {
            Ok((
                stats::figures(c, None, period.from, period.to)?,
                stats::facility_counts(c)?,
                stats::silent_facilities(c, silent_since)?,
            ))
        })
        .await?;
    let total = by_kind.values().sum();
    Ok(Summary { period, facilities: FacilityCounts { total, by_kind, by_status }, figures, silent })
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
    db: web::Data<Db>,
    principal: Principal,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require_staff("see the province's figures")?;
    let period = Period::parse(query.from.as_deref(), query.to.as_deref())?;
    Ok(HttpResponse::Ok().json(summary_of(&db, period, query.silent_days.unwrap_or(7)).await?))
}

#[derive(Serialize, ToSchema)]
pub struct FacilityStats {
    pub facility: Facility,
    pub period: Period,
    pub figures: Figures,
}

/// One facility's figures of `period`; none if it is not registered.
pub async fn facility_stats_of(db: &Db, code: &str, period: Period) -> Result<Option<FacilityStats>, StoreError> {
    let code = code.to_owned();
    let (facility, figures) = db
        .read(move |c| Ok((facilities::find(c, &code)?, stats::figures(c, Some(&code), period.from, period.to)?)))
        .await?;
    Ok(facility.map(|facility| FacilityStats { facility, period, figures }))
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
    db: web::Data<Db>,
    principal: Principal,
    code: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let code = code.into_inner();
    if !principal.may_read(&code) || principal.role == Role::Eligibility {
        return Err(ApiError::Forbidden(format!("this key may not read facility {code}")));
    }
    let period = Period::parse(query.from.as_deref(), query.to.as_deref())?;
    let found = facility_stats_of(&db, &code, period).await?;
    Ok(HttpResponse::Ok().json(found.ok_or_else(|| ApiError::NotFound(format!("no facility {code} is registered")))?))
}

#[derive(Deserialize, IntoParams)]
struct ActivityQuery {
    /// First day, `YYYY-MM-DD` (Vietnam time); 30 days before `to` by default.
    from: Option<String>,
    /// Last day, included; today by default.
    to: Option<String>,
    /// Only facilities of this kind.
    kind: Option<String>,
    /// Only facilities with this status.
    status: Option<String>,
    /// Only facilities of this district (the level abolished on 2025-07-01).
    district: Option<String>,
    /// Only facilities of this commune or ward.
    commune: Option<String>,
}

/// A registered facility and what it did over the period.
#[derive(Serialize, ToSchema)]
pub struct FacilityRow {
    pub facility: Facility,
    pub activity: Activity,
}

#[derive(Serialize, ToSchema)]
pub struct FacilityList {
    pub period: Period,
    pub facilities: Vec<FacilityRow>,
}

/// Every registered facility matching `filter` with its activity over `period`, by code.
pub async fn facility_list_of(db: &Db, filter: FacilityFilter, period: Period) -> Result<FacilityList, StoreError> {
    let (registered, mut activity) = db
        .read(move |c| Ok((facilities::list(c, &filter)?, stats::activity_per_facility(c, period.from, period.to)?)))
        .await?;
    let facilities = registered
        .into_iter()
        .map(|facility| {
            let activity = activity.remove(&facility.code).unwrap_or_default();
            FacilityRow { facility, activity }
        })
        .collect();
    Ok(FacilityList { period, facilities })
}

/// Every facility's activity over the period in one list (DoH and admin keys).
#[utoipa::path(
    tag = "stats",
    params(ActivityQuery),
    responses(
        (status = 200, description = "Registered facilities by code", body = FacilityList),
        (status = 400, description = "A bad date", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a DoH or admin key", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/stats/facilities")]
async fn facility_list(
    db: web::Data<Db>,
    principal: Principal,
    query: web::Query<ActivityQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require_staff("see every facility's figures")?;
    let period = Period::parse(query.from.as_deref(), query.to.as_deref())?;
    let query = query.into_inner();
    let filter =
        FacilityFilter { kind: query.kind, status: query.status, district: query.district, commune: query.commune };
    Ok(HttpResponse::Ok().json(facility_list_of(&db, filter, period).await?))
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
    db: web::Data<Db>,
    principal: Principal,
    query: web::Query<AlertQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require_staff("see the alerts")?;
    let all = query.all.unwrap_or(false);
    Ok(HttpResponse::Ok().json(db.read(move |c| crate::store::alerts::list(c, all, 500)).await?))
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(summary).service(facility_list).service(facility_stats).service(list_alerts)
}
