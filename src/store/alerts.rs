//! Stored alerts: raised once per kind and facility while their cause lasts, then resolved.

use super::schema::alerts;
use super::{AnyConnection, StoreError, now_ms};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = alerts)]
pub struct Alert {
    pub id: i64,
    /// `facility_silent`, `dead_letter_spike`, `certificate_expiring`, `callbacks_failing`,
    /// `signature_failing` or
    /// `appraisal_api_missing`.
    pub kind: String,
    pub facility_code: Option<String>,
    pub raised_at: i64,
    pub detail: String,
    pub resolved_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

/// A condition found true now: (kind, facility, what to say).
pub type Finding = (String, Option<String>, String);

/// Raises an alert for each finding without an open one, and resolves the open alerts of `kinds`
/// whose cause is gone. Returns the alerts raised.
pub fn reconcile(conn: &mut AnyConnection, kinds: &[&str], findings: &[Finding]) -> Result<Vec<Alert>, StoreError> {
    let now = now_ms();
    let open: Vec<Alert> = alerts::table
        .filter(alerts::resolved_at.is_null())
        .filter(alerts::kind.eq_any(kinds))
        .select(Alert::as_select())
        .load(conn)?;
    let same = |a: &Alert, (kind, facility, _): &Finding| a.kind == *kind && a.facility_code == *facility;
    let gone: Vec<i64> = open.iter().filter(|a| !findings.iter().any(|f| same(a, f))).map(|a| a.id).collect();
    if !gone.is_empty() {
        diesel::update(alerts::table.filter(alerts::id.eq_any(&gone)))
            .set(alerts::resolved_at.eq(now))
            .execute(conn)?;
    }
    let mut raised = Vec::new();
    for finding in findings.iter().filter(|f| !open.iter().any(|a| same(a, f))) {
        let (kind, facility, detail) = finding;
        diesel::insert_into(alerts::table)
            .values((
                alerts::kind.eq(kind),
                alerts::facility_code.eq(facility),
                alerts::raised_at.eq(now),
                alerts::detail.eq(detail),
            ))
            .execute(conn)?;
        raised.push(
            alerts::table
                .filter(alerts::kind.eq(kind))
                .filter(alerts::resolved_at.is_null())
                .order(alerts::id.desc())
                .select(Alert::as_select())
                .first(conn)?,
        );
    }
    Ok(raised)
}

/// Raises one alert of `kind` unless one is open already (a condition no job resolves, such as a
/// portal service found missing). Returns whether it was raised.
pub fn raise_once(
    conn: &mut AnyConnection,
    kind: &str,
    facility: Option<&str>,
    detail: &str,
) -> Result<bool, StoreError> {
    let open: i64 =
        alerts::table.filter(alerts::kind.eq(kind)).filter(alerts::resolved_at.is_null()).count().get_result(conn)?;
    if open > 0 {
        return Ok(false);
    }
    diesel::insert_into(alerts::table)
        .values((
            alerts::kind.eq(kind),
            alerts::facility_code.eq(facility),
            alerts::raised_at.eq(now_ms()),
            alerts::detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Open alerts first, newest first; closed ones only when asked.
pub fn list(conn: &mut AnyConnection, include_resolved: bool, limit: i64) -> Result<Vec<Alert>, StoreError> {
    let mut q = alerts::table.select(Alert::as_select()).into_boxed();
    if !include_resolved {
        q = q.filter(alerts::resolved_at.is_null());
    }
    Ok(q.order(alerts::id.desc()).limit(limit).load(conn)?)
}

/// Alerts the webhook has not taken yet.
pub fn undelivered(conn: &mut AnyConnection) -> Result<Vec<Alert>, StoreError> {
    Ok(alerts::table
        .filter(alerts::delivered_at.is_null())
        .filter(alerts::resolved_at.is_null())
        .order(alerts::id)
        .select(Alert::as_select())
        .load(conn)?)
}

pub fn mark_delivered(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    diesel::update(alerts::table.find(id)).set(alerts::delivered_at.eq(now_ms())).execute(conn)?;
    Ok(())
}
