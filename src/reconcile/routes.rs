//! `/api/v1/reconciliation`: the settlement view per facility and month (`NAM_QT`/`THANG_QT`).

use super::import::{self, ImportError, ImportFailure, ImportReport};
use crate::auth::Principal;
use crate::config::Settings;
use crate::domain::decimal::format_fixed;
use crate::http::{ApiError, Problem, read_body};
use crate::store::Db;
use crate::store::outbox::{self, SettlementRow};
use crate::vocabulary::ClaimStatus;
use crate::vocabulary::{FacilityCode, Role};
use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
struct SettlementQuery {
    facility: Option<String>,
    /// `NAM_QT`.
    year: i32,
    /// `THANG_QT`.
    month: i32,
}

/// Counts and sums of one facility's claims of the month (or of all, in `total`).
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Settlement {
    pub facility: String,
    pub claims: u64,
    /// Σ `T_BHTT` claimed, 2 decimals.
    pub claimed: String,
    /// Σ approved by the appraisal, 2 decimals.
    pub approved: String,
    pub accepted: u64,
    pub partially_approved: u64,
    pub rejected: u64,
    /// Not yet appraised (queued, submitted).
    pub pending: u64,
    pub dead_lettered: u64,
    #[serde(skip)]
    claimed_cents: i64,
    #[serde(skip)]
    approved_cents: i64,
}

impl Settlement {
    fn add(&mut self, row: &SettlementRow) {
        self.claims += 1;
        self.claimed_cents += row.claimed_cents;
        self.approved_cents += row.approved_cents.unwrap_or(0);
        match row.status {
            ClaimStatus::Accepted => self.accepted += 1,
            ClaimStatus::PartiallyApproved => self.partially_approved += 1,
            ClaimStatus::Rejected => self.rejected += 1,
            ClaimStatus::DeadLetter => self.dead_lettered += 1,
            _ => self.pending += 1,
        }
        self.claimed = format_fixed(&Decimal::new(self.claimed_cents, 2), 2);
        self.approved = format_fixed(&Decimal::new(self.approved_cents, 2), 2);
    }
}

#[derive(Serialize, ToSchema)]
struct SettlementView {
    year: i32,
    month: i32,
    facilities: Vec<Settlement>,
    total: Settlement,
}

/// The settlement view of a month: per facility and in total. `Accept: text/csv` for CSV.
#[utoipa::path(
    tag = "reconciliation",
    params(SettlementQuery),
    responses(
        (status = 200, description = "Per facility and in total", body = SettlementView),
        (status = 400, description = "Bad month", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another facility", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/reconciliation")]
async fn settlement(
    req: HttpRequest,
    db: web::Data<Db>,
    principal: Principal,
    query: web::Query<SettlementQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    if !(1..=12).contains(&q.month) || !(2000..=2100).contains(&q.year) {
        return Err(ApiError::BadRequest(format!("year {} / month {} is not a settlement month", q.year, q.month)));
    }
    let facility = principal.readable_facility(q.facility.map(FacilityCode::from))?;
    let (year, month) = (q.year, q.month);
    let rows = db.read(move |c| outbox::settlement(c, facility.as_deref(), year, month)).await?;
    let mut by_facility: BTreeMap<String, Settlement> = BTreeMap::new();
    let mut total = Settlement { facility: "*".to_owned(), ..Settlement::default() };
    for row in &rows {
        by_facility
            .entry(row.facility_code.clone())
            .or_insert_with(|| Settlement { facility: row.facility_code.clone(), ..Settlement::default() })
            .add(row);
        total.add(row);
    }
    total.claimed = format_fixed(&Decimal::new(total.claimed_cents, 2), 2);
    total.approved = format_fixed(&Decimal::new(total.approved_cents, 2), 2);
    let facilities: Vec<Settlement> = by_facility.into_values().collect();
    let wants_csv =
        req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/csv"));
    if wants_csv {
        let mut out = csv::Writer::from_writer(Vec::new());
        let header = [
            "year",
            "month",
            "facility",
            "claims",
            "claimed",
            "approved",
            "accepted",
            "partially_approved",
            "rejected",
            "pending",
            "dead_lettered",
        ];
        let csv_error = |e: csv::Error| ApiError::Internal(e.to_string());
        out.write_record(header).map_err(csv_error)?;
        for s in facilities.iter().chain(std::iter::once(&total)) {
            out.write_record([
                year.to_string(),
                month.to_string(),
                s.facility.clone(),
                s.claims.to_string(),
                s.claimed.clone(),
                s.approved.clone(),
                s.accepted.to_string(),
                s.partially_approved.to_string(),
                s.rejected.to_string(),
                s.pending.to_string(),
                s.dead_lettered.to_string(),
            ])
            .map_err(csv_error)?;
        }
        let bytes = out.into_inner().map_err(|e| ApiError::Internal(e.to_string()))?;
        return Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").body(bytes));
    }
    Ok(HttpResponse::Ok().json(SettlementView { year, month, facilities, total }))
}

#[derive(Deserialize, IntoParams)]
struct ImportQuery {
    /// Settle only this facility's claims; a facility key is always held to its own.
    facility: Option<String>,
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        ApiError::InvalidInput {
            detail: format!("the result file is refused, nothing was imported: {e}"),
            violations: Vec::new(),
        }
    }
}

/// Import an appraisal result file downloaded from the BHXH portal.
///
/// CSV (`,` `;` or tab; UTF-8, with or without BOM) or XLSX (first sheet), one row per `MA_LK`
/// with the approved amount (the claimed amount and the reason optional), and optionally one row
/// per line (`BANG`, `STT_CHI_TIET`). Columns are found by header (`[result_columns]` in the
/// TOML; Vietnamese defaults). The whole file is checked first; one bad row refuses it, naming
/// the row. Each record settles its claim's awaited BHXH submission as a polled appraisal does;
/// `MA_LK` that match no claim, or a claim not yet at BHXH or already settled, are listed.
#[utoipa::path(
    tag = "reconciliation",
    params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "CSV or XLSX result file"),
    responses(
        (status = 200, description = "What the file settled, and what it named that could not be", body = ImportReport),
        (status = 400, description = "The file is refused (which row, which column, why); nothing was imported", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown API key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "This key may not import results (or not for that facility)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/reconciliation/import")]
async fn import_results(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    principal: Principal,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let asked = query.into_inner().facility.map(FacilityCode::from);
    let scope = match principal.role {
        Role::Facility => {
            let own = principal.facility.clone();
            if asked.is_some() && asked != own {
                return Err(ApiError::Forbidden("a facility key imports results of its own facility only".into()));
            }
            own
        }
        Role::Doh | Role::Admin => asked,
        Role::Eligibility => return Err(ApiError::Forbidden("role `eligibility` may not import results".into())),
    };
    let body = read_body(payload, settings.max_body_bytes).await?.freeze();
    let columns = settings.result_columns.clone();
    let report = import::import_file(&db, body, columns, scope, principal.actor()).await.map_err(|e| match e {
        ImportFailure::File(e) => ApiError::from(e),
        ImportFailure::Store(e) => ApiError::from(e),
    })?;
    tracing::info!(
        rows = report.rows,
        settled = report.settled,
        unknown = report.unknown.count,
        "result file imported"
    );
    Ok(HttpResponse::Ok().json(report))
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(settlement).service(import_results)
}
