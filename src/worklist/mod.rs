//! The facility worklist: what a facility must act on — episodes refused at ingest, claims with
//! portal errors, rejected, partially approved (with the cut lines) or dead-lettered — newest
//! first, each problem of hisgate's rules explained from the catalogue in Vietnamese with its fix.
//! `GET /api/v1/worklist` and the dashboard's worklist page both read [`worklist_of`], so the page
//! and the API cannot disagree.

use crate::auth::Principal;
use crate::domain::time::day_start_ms;
use crate::http::{ApiError, Problem, page_limit};
use crate::stats::Period;
use crate::store::worklist::{self, WorkFilter, WorkItem};
use crate::store::{Db, StoreError};
use crate::validation::{Catalogue, CatalogueHandle};
use crate::vocabulary::{FacilityCode, WorkKind};
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// What a worklist is asked for.
pub struct WorklistQuery {
    /// None: every facility (DoH and admin keys).
    pub facility: Option<FacilityCode>,
    pub period: Period,
    pub kind: Option<WorkKind>,
    /// Part of a `MA_LK`.
    pub episode_key: Option<String>,
    pub limit: usize,
}

/// A problem with what the catalogue says of its rule, when it is one of hisgate's.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Explained {
    #[serde(flatten)]
    pub problem: worklist::WorkProblem,
    /// The rule, in Vietnamese.
    pub description_vi: Option<String>,
    /// How to correct it, in Vietnamese.
    pub fix_vi: Option<String>,
    /// The rule, in English.
    pub description_en: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Entry {
    #[serde(flatten)]
    pub item: WorkItem,
    /// What to correct.
    pub problems: Vec<Explained>,
}

/// Items of each kind.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct WorkCounts {
    pub refused: usize,
    pub portal_errors: usize,
    pub rejected: usize,
    pub partially_approved: usize,
    pub dead_lettered: usize,
}

impl WorkCounts {
    /// The count of `kind`, to read or to add to.
    pub fn of(&mut self, kind: WorkKind) -> &mut usize {
        match kind {
            WorkKind::Refused => &mut self.refused,
            WorkKind::PortalErrors => &mut self.portal_errors,
            WorkKind::Rejected => &mut self.rejected,
            WorkKind::PartiallyApproved => &mut self.partially_approved,
            WorkKind::DeadLettered => &mut self.dead_lettered,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Worklist {
    pub period: Period,
    /// Items of each kind in the period (of the facility asked for), whatever `kind` and `q` say.
    pub counts: WorkCounts,
    /// Items that match `kind` and `q`; `items` holds the newest `limit` of them.
    pub matching: usize,
    pub items: Vec<Entry>,
}

fn explain(catalogue: &Catalogue, problem: worklist::WorkProblem) -> Explained {
    let rule = (problem.source == "hisgate").then(|| catalogue.get(&problem.code)).flatten();
    Explained {
        description_vi: rule.map(|r| r.description_vi.clone()),
        fix_vi: rule.map(|r| r.fix_vi.clone()),
        description_en: rule.map(|r| r.description.clone()),
        problem,
    }
}

/// The worklist asked for.
pub async fn worklist_of(db: &Db, catalogue: &Catalogue, query: WorklistQuery) -> Result<Worklist, StoreError> {
    let filter = WorkFilter {
        facility: query.facility,
        from: day_start_ms(query.period.from),
        to: day_start_ms(query.period.to + chrono::Duration::days(1)),
    };
    let all = db.read(move |c| worklist::items(c, &filter)).await?;
    let mut counts = WorkCounts::default();
    for item in &all {
        *counts.of(item.kind) += 1;
    }
    let wanted = |item: &WorkItem| {
        query.kind.is_none_or(|k| item.kind == k)
            && query.episode_key.as_deref().is_none_or(|q| item.episode_key.as_deref().is_some_and(|k| k.contains(q)))
    };
    let matching: Vec<WorkItem> = all.into_iter().filter(wanted).collect();
    let total = matching.len();
    let items = matching
        .into_iter()
        .take(query.limit)
        .map(|mut item| {
            let problems = std::mem::take(&mut item.problems);
            Entry { problems: problems.into_iter().map(|p| explain(catalogue, p)).collect(), item }
        })
        .collect();
    Ok(Worklist { period: query.period, counts, matching: total, items })
}

#[derive(Deserialize, IntoParams)]
struct ListQuery {
    /// A facility code; a facility key reads its own only.
    facility: Option<String>,
    kind: Option<WorkKind>,
    /// First day, `YYYY-MM-DD` (Vietnam time); 30 days before `to` by default.
    from: Option<String>,
    /// Last day, included; today by default.
    to: Option<String>,
    /// Part of a `MA_LK`.
    q: Option<String>,
    /// Items listed, 1–500 (default 100); `counts` and `matching` count them all.
    limit: Option<i64>,
}

/// What a facility must act on, newest first: refused at ingest, portal errors, rejected,
/// partially approved, dead-lettered.
#[utoipa::path(
    tag = "worklist",
    params(ListQuery),
    responses(
        (status = 200, description = "The worklist", body = Worklist),
        (status = 400, description = "Not a period or a limit", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another facility's worklist", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/worklist")]
async fn list(
    db: web::Data<Db>,
    catalogue: web::Data<CatalogueHandle>,
    principal: Principal,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = page_limit(Some(q.limit.unwrap_or(100)))? as usize;
    let query = WorklistQuery {
        facility: principal.readable_facility(q.facility.map(FacilityCode::from))?,
        period: Period::parse(q.from.as_deref(), q.to.as_deref())?,
        kind: q.kind,
        episode_key: q.q.filter(|s| !s.is_empty()),
        limit,
    };
    Ok(HttpResponse::Ok().json(worklist_of(&db, &catalogue.current(), query).await?))
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(list)
}
