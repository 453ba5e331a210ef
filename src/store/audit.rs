//! The audit log: who wrote or read what, when. Every write through the API or the CLI adds a
//! row, and so does every read of personal data (written in batches by an [`AuditSink`]).

use super::schema::audit_log;
use super::{AnyConnection, StoreError, now_ms};
use crate::vocabulary::Role;
use diesel::prelude::*;

/// Who is writing, for the audit log and `received_by`.
#[derive(Debug, Clone)]
pub struct Actor {
    pub key_id: String,
    pub role: Role,
}

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

/// Records several entries at once (a multi-row `INSERT`).
pub fn record_all(conn: &mut AnyConnection, entries: &[AuditEntry<'_>]) -> Result<(), StoreError> {
    let at = now_ms();
    let rows: Vec<_> = entries
        .iter()
        .map(|e| NewRow {
            at,
            actor: e.actor,
            role: e.role,
            action: e.action,
            target: e.target,
            detail: e.detail.to_string(),
        })
        .collect();
    insert_rows!(conn, audit_log::table, rows, 200);
    Ok(())
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

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
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

/// Which entries a search wants; every part optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Any of these targets (none: every target).
    pub targets: Vec<String>,
    /// At or after, milliseconds since the Unix epoch.
    pub from: Option<i64>,
    /// Before.
    pub to: Option<i64>,
    /// Entries older than this id (the previous page's last).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// The entries matching `filter`, newest first.
pub fn search(conn: &mut AnyConnection, filter: &AuditFilter) -> Result<Vec<AuditRow>, StoreError> {
    let mut q = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(v) = &filter.actor {
        q = q.filter(audit_log::actor.eq(v.clone()));
    }
    if let Some(v) = &filter.action {
        q = q.filter(audit_log::action.eq(v.clone()));
    }
    if !filter.targets.is_empty() {
        q = q.filter(audit_log::target.eq_any(filter.targets.clone()));
    }
    if let Some(v) = filter.from {
        q = q.filter(audit_log::at.ge(v));
    }
    if let Some(v) = filter.to {
        q = q.filter(audit_log::at.lt(v));
    }
    if let Some(v) = filter.before_id {
        q = q.filter(audit_log::id.lt(v));
    }
    Ok(q.order(audit_log::id.desc()).limit(filter.limit).load(conn)?)
}

/// An entry made where no transaction is at hand (reads that must be audited, such as card
/// lookups), written later by an [`AuditSink`].
#[derive(Debug, Clone)]
pub struct PendingEntry {
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub action: &'static str,
    pub target: String,
    pub detail: serde_json::Value,
}

/// Most entries written in one transaction.
const SINK_BATCH: usize = 1000;
/// How long an entry may wait for its batch.
const SINK_DELAY: std::time::Duration = std::time::Duration::from_millis(100);

/// Writes audit entries of high-rate reads in batches: one transaction per 100 ms or 1000
/// entries, instead of one per request. An entry reaches the table within about 100 ms; a crash
/// loses at most the entries of that window.
#[derive(Clone)]
pub struct AuditSink {
    sender: tokio::sync::mpsc::Sender<PendingEntry>,
}

impl AuditSink {
    /// Starts the writer on the current runtime; it stops once every sink is dropped, after
    /// writing what it holds.
    pub fn start(db: super::Db) -> Self {
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<PendingEntry>(SINK_BATCH * 16);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(SINK_BATCH);
            while let Some(first) = receiver.recv().await {
                batch.push(first);
                let deadline = tokio::time::Instant::now() + SINK_DELAY;
                while batch.len() < SINK_BATCH {
                    match tokio::time::timeout_at(deadline, receiver.recv()).await {
                        Ok(Some(entry)) => batch.push(entry),
                        Ok(None) | Err(_) => break,
                    }
                }
                let rows = std::sync::Arc::new(std::mem::take(&mut batch));
                let count = rows.len();
                if let Err(e) = db.write_retrying(move |c| record_pending(c, &rows)).await {
                    metrics::counter!("hisgate_audit_entries_lost_total").increment(count as u64);
                    tracing::error!(error = %e, entries = count, "audit entries could not be written");
                }
            }
        });
        AuditSink { sender }
    }

    /// Queues an entry; waits only when the writer is more than a few batches behind.
    pub async fn record(&self, entry: PendingEntry) {
        if self.sender.send(entry).await.is_err() {
            tracing::error!("the audit writer has stopped; an entry was not written");
        }
    }
}

fn record_pending(conn: &mut AnyConnection, entries: &[PendingEntry]) -> Result<(), StoreError> {
    let rows: Vec<NewRow<'_>> = entries
        .iter()
        .map(|e| NewRow {
            at: e.at,
            actor: &e.actor,
            role: &e.role,
            action: e.action,
            target: &e.target,
            detail: e.detail.to_string(),
        })
        .collect();
    insert_rows!(conn, audit_log::table, rows, 200);
    Ok(())
}
