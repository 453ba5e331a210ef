//! Who read which patient's records. Every read of personal data — a claim and its episode, its
//! QĐ 130 file or FHIR Bundle, a check-in, a list of them, a card lookup, a dashboard page naming
//! patients' records — adds an audit row (written in batches, like the card lookups'), and
//! `GET /api/v1/audit` (admin and DoH keys) searches the rows, reads and writes alike.

use crate::auth::Principal;
use crate::http::{ApiError, Problem, next_page, page_limit, parse_instant};
use crate::store::Db;
use crate::store::audit::{AuditFilter, AuditRow, AuditSink, PendingEntry, search};
use crate::store::now_ms;
use crate::vault::Vault;
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Audits a read by `principal`: `action` (e.g. `claim.read`) of `target` (a record's id, or the
/// facility of a list), with `detail` (the view, the ids a list returned).
pub async fn record_read(
    audit: &AuditSink,
    principal: &Principal,
    action: &'static str,
    target: &str,
    detail: serde_json::Value,
) {
    let entry = PendingEntry {
        at: now_ms(),
        actor: principal.key_id.clone(),
        role: principal.role.as_str().to_owned(),
        action,
        target: target.to_owned(),
        detail,
    };
    audit.record(entry).await;
}

/// What a search for `target` looks for: the target itself and, since card lookups are audited
/// under a keyed digest of the card or citizen ID, its digest under every master key.
pub fn targets_named(vault: &crate::vault::Vault, target: Option<&str>) -> Vec<String> {
    target.map(|t| std::iter::once(t.to_owned()).chain(vault.digests(t)).collect()).unwrap_or_default()
}

#[derive(Deserialize, IntoParams)]
struct AuditQuery {
    /// The key id (or `cli`, `seed`, `job:…`) that acted.
    actor: Option<String>,
    /// E.g. `claim.read`, `claim.accept`, `eligibility.check`, `auth.failure`.
    action: Option<String>,
    /// A claim or check-in id, a card number or citizen ID (found by its keyed digest), a facility
    /// code, a client address…
    target: Option<String>,
    /// At or after: `YYYY-MM-DD` (Vietnam time) or RFC 3339.
    from: Option<String>,
    /// Before: `YYYY-MM-DD` (Vietnam time) or RFC 3339.
    to: Option<String>,
    /// Page size, 1–500 (default 50).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<i64>,
}

#[derive(Serialize, ToSchema)]
struct AuditPage {
    /// Newest first.
    items: Vec<AuditRow>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<i64>,
}

/// Search the audit log: who wrote or read what, when (admin and DoH keys).
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries, newest first", body = AuditPage),
        (status = 400, description = "A bad filter", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or DoH key", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/audit")]
async fn list_audit(
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    principal: Principal,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require_staff("read the audit log")?;
    let q = query.into_inner();
    let limit = page_limit(q.limit)?;
    let filter = AuditFilter {
        actor: q.actor,
        action: q.action,
        targets: targets_named(&vault, q.target.as_deref()),
        from: q.from.as_deref().map(|t| parse_instant("from", t)).transpose()?,
        to: q.to.as_deref().map(|t| parse_instant("to", t)).transpose()?,
        before_id: q.cursor,
        limit: limit + 1,
    };
    let mut items = db.read(move |c| search(c, &filter)).await?;
    let next_cursor = next_page(&mut items, limit, |row| row.id);
    Ok(HttpResponse::Ok().json(AuditPage { items, next_cursor }))
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(list_audit)
}
