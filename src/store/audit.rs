//! The audit log: who wrote what, when. Every write through the API or the CLI adds a row.

use super::schema::audit_log;
use super::{AnyConnection, StoreError, now_ms};
use diesel::prelude::*;

#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    /// The API key id, or `cli` for the command line.
    pub actor: &'a str,
    pub role: &'a str,
    /// What happened, e.g. `claim.accept`, `claim.new_version`, `key.create`.
    pub action: &'a str,
    pub target: &'a str,
    pub detail: serde_json::Value,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewRow<'a> {
    at: i64,
    actor: &'a str,
    role: &'a str,
    action: &'a str,
    target: &'a str,
    detail: String,
}

pub fn record(conn: &mut AnyConnection, entry: AuditEntry<'_>) -> Result<(), StoreError> {
    diesel::insert_into(audit_log::table)
        .values(NewRow {
            at: now_ms(),
            actor: entry.actor,
            role: entry.role,
            action: entry.action,
            target: entry.target,
            detail: entry.detail.to_string(),
        })
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// The entries about one target, oldest first.
pub fn for_target(conn: &mut AnyConnection, target: &str) -> Result<Vec<AuditRow>, StoreError> {
    Ok(audit_log::table
        .filter(audit_log::target.eq(target))
        .order(audit_log::id.asc())
        .select(AuditRow::as_select())
        .load(conn)?)
}
