//! Check-ins (XML0, `CHI_TIEU_TRANG_THAI_KCB`) and their own queue (`check_in_outbox`): one job per
//! (check-in, destination), leased like the dossiers' but read apart from them, so that a backlog of
//! dossiers never delays a real-time check-in.

use super::claims::Actor;
use super::schema::{check_in_outbox, check_ins, claims};
use super::{AnyConnection, StoreError, audit, now_ms};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// Check-in queue states.
pub mod status {
    pub const PENDING: &str = "pending";
    pub const IN_FLIGHT: &str = "in_flight";
    /// The portal took it; a check-in awaits no decision.
    pub const DELIVERED: &str = "delivered";
    pub const DEAD_LETTER: &str = "dead_letter";
}

/// A check-in ready for the store; `id` is derived from the facility and the content, so the same
/// check-in sent twice is one row.
#[derive(Debug, Clone)]
pub struct NewCheckIn {
    pub id: String,
    pub facility_code: String,
    /// `MA_LK`.
    pub episode_key: String,
    pub record_json: String,
    /// `NGAY_YL` (epoch ms), the order the check-in reports.
    pub ordered_at: i64,
}

/// Stores the check-ins not stored yet, each with a pending job per destination and an audit row,
/// in the caller's transaction. Returns, per item, whether it was new.
pub fn accept_all(
    conn: &mut AnyConnection,
    items: &[NewCheckIn],
    actor: &Actor,
    destinations: &[String],
) -> Result<Vec<bool>, StoreError> {
    let now = now_ms();
    let mut created = Vec::with_capacity(items.len());
    for item in items {
        let row = (
            check_ins::id.eq(&item.id),
            check_ins::facility_code.eq(&item.facility_code),
            check_ins::episode_key.eq(&item.episode_key),
            check_ins::record_json.eq(&item.record_json),
            check_ins::ordered_at.eq(item.ordered_at),
            check_ins::received_at.eq(now),
            check_ins::received_by.eq(&actor.key_id),
        );
        // Two instances storing the same check-in at once make one row.
        let inserted = on_backend!(conn, |c| diesel::insert_into(check_ins::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
        created.push(inserted == 1);
    }
    let jobs: Vec<_> = items
        .iter()
        .zip(&created)
        .filter(|(_, new)| **new)
        .flat_map(|(item, _)| {
            destinations.iter().map(move |d| {
                (
                    check_in_outbox::check_in_id.eq(item.id.as_str()),
                    check_in_outbox::destination.eq(d.as_str()),
                    check_in_outbox::status.eq(status::PENDING),
                    check_in_outbox::next_attempt_at.eq(now),
                    check_in_outbox::created_at.eq(now),
                    check_in_outbox::updated_at.eq(now),
                )
            })
        })
        .collect();
    insert_rows!(conn, check_in_outbox::table, jobs, 500);
    let audit: Vec<_> = items
        .iter()
        .zip(&created)
        .filter(|(_, new)| **new)
        .map(|(item, _)| audit::AuditEntry {
            actor: &actor.key_id,
            role: &actor.role,
            action: "check_in.accept",
            target: &item.id,
            detail: serde_json::json!({ "facility": item.facility_code, "episode_key": item.episode_key }),
        })
        .collect();
    audit::record_all(conn, &audit)?;
    Ok(created)
}

/// A check-in job handed to the dispatcher.
#[derive(Debug, Clone, Queryable)]
pub struct CheckInJob {
    pub outbox_id: i64,
    pub destination: String,
    pub attempts: i32,
    pub check_in_id: String,
    pub facility_code: String,
    pub episode_key: String,
    pub record_json: String,
    /// When the gateway accepted it (epoch ms).
    pub received_at: i64,
    /// Set when an earlier sending got no answer: the portal may hold it already.
    pub uncertain_since: Option<i64>,
}

/// Loads `query`; on PostgreSQL its rows are locked, skipping rows another instance holds.
macro_rules! load_locking {
    ($conn:expr, $query:expr) => {
        match $conn {
            AnyConnection::Postgresql(pg) => $query.for_update().skip_locked().load(pg),
            AnyConnection::Sqlite(sqlite) => $query.load(sqlite),
        }
    };
}

/// Leases up to `limit` due check-in jobs of `destinations` to `worker` until `now + lease_ms`:
/// jobs whose lease ran out first (taken over as uncertain), then the pending ones in the order
/// they became due, each destination read along `check_in_outbox_due`.
pub fn lease(
    conn: &mut AnyConnection,
    destinations: &[String],
    worker: &str,
    limit: i64,
    lease_ms: i64,
) -> Result<Vec<CheckInJob>, StoreError> {
    let now = now_ms();
    let expired_query = check_in_outbox::table
        .select(check_in_outbox::id)
        .filter(check_in_outbox::status.eq(status::IN_FLIGHT))
        .filter(check_in_outbox::lease_until.lt(now))
        .filter(check_in_outbox::destination.eq_any(destinations))
        .order(check_in_outbox::id)
        .limit(limit);
    let expired: Vec<i64> = load_locking!(&mut *conn, expired_query)?;
    let mut pending: Vec<(i64, i64)> = Vec::new();
    let room = limit - expired.len() as i64;
    for destination in destinations.iter().filter(|_| room > 0) {
        let query = check_in_outbox::table
            .select((check_in_outbox::next_attempt_at, check_in_outbox::id))
            .filter(check_in_outbox::status.eq(status::PENDING))
            .filter(check_in_outbox::destination.eq(destination))
            .filter(check_in_outbox::next_attempt_at.le(now))
            .order((check_in_outbox::next_attempt_at, check_in_outbox::id))
            .limit(room);
        let rows: Vec<(i64, i64)> = load_locking!(&mut *conn, query)?;
        pending.extend(rows);
    }
    pending.sort_unstable();
    let ids: Vec<i64> =
        expired.iter().copied().chain(pending.into_iter().take(room.max(0) as usize).map(|(_, id)| id)).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    if !expired.is_empty() {
        diesel::update(
            check_in_outbox::table
                .filter(check_in_outbox::id.eq_any(&expired))
                .filter(check_in_outbox::uncertain_since.is_null()),
        )
        .set(check_in_outbox::uncertain_since.eq(now))
        .execute(conn)?;
    }
    diesel::update(check_in_outbox::table.filter(check_in_outbox::id.eq_any(&ids)))
        .set((
            check_in_outbox::status.eq(status::IN_FLIGHT),
            check_in_outbox::lease_until.eq(now + lease_ms),
            check_in_outbox::leased_by.eq(worker),
            check_in_outbox::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(check_in_outbox::table
        .inner_join(check_ins::table)
        .filter(check_in_outbox::id.eq_any(&ids))
        .order(check_in_outbox::id)
        .select((
            check_in_outbox::id,
            check_in_outbox::destination,
            check_in_outbox::attempts,
            check_ins::id,
            check_ins::facility_code,
            check_ins::episode_key,
            check_ins::record_json,
            check_ins::received_at,
            check_in_outbox::uncertain_since,
        ))
        .load(conn)?)
}

/// The portal took the check-in under `transaction_id`.
pub fn mark_delivered(conn: &mut AnyConnection, job: &CheckInJob, transaction_id: &str) -> Result<(), StoreError> {
    let now = now_ms();
    diesel::update(check_in_outbox::table.find(job.outbox_id).filter(check_in_outbox::status.eq(status::IN_FLIGHT)))
        .set((
            check_in_outbox::status.eq(status::DELIVERED),
            check_in_outbox::transaction_id.eq(transaction_id),
            check_in_outbox::attempts.eq(job.attempts + 1),
            check_in_outbox::sent_at.eq(now),
            check_in_outbox::lease_until.eq(None::<i64>),
            check_in_outbox::last_error.eq(None::<String>),
            check_in_outbox::uncertain_since.eq(None::<i64>),
            check_in_outbox::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A failed attempt: pending again at `retry_at`, or a dead letter when `retry_at` is `None`; an
/// unanswered one is also marked uncertain.
pub fn mark_failed(
    conn: &mut AnyConnection,
    job: &CheckInJob,
    error: &str,
    retry_at: Option<i64>,
    uncertain: bool,
) -> Result<(), StoreError> {
    let now = now_ms();
    let state = if retry_at.is_some() { status::PENDING } else { status::DEAD_LETTER };
    diesel::update(check_in_outbox::table.find(job.outbox_id).filter(check_in_outbox::status.eq(status::IN_FLIGHT)))
        .set((
            check_in_outbox::status.eq(state),
            check_in_outbox::attempts.eq(job.attempts + 1),
            check_in_outbox::next_attempt_at.eq(retry_at.unwrap_or(now)),
            check_in_outbox::lease_until.eq(None::<i64>),
            check_in_outbox::last_error.eq(error),
            check_in_outbox::updated_at.eq(now),
        ))
        .execute(conn)?;
    if uncertain {
        diesel::update(check_in_outbox::table.find(job.outbox_id).filter(check_in_outbox::uncertain_since.is_null()))
            .set(check_in_outbox::uncertain_since.eq(now))
            .execute(conn)?;
    }
    Ok(())
}

/// Gives leased jobs back untried (the portal's circuit is open), pending again at `at`.
pub fn release(conn: &mut AnyConnection, jobs: &[CheckInJob], at: i64) -> Result<(), StoreError> {
    let ids: Vec<i64> = jobs.iter().map(|j| j.outbox_id).collect();
    diesel::update(
        check_in_outbox::table
            .filter(check_in_outbox::id.eq_any(&ids))
            .filter(check_in_outbox::status.eq(status::IN_FLIGHT)),
    )
    .set((
        check_in_outbox::status.eq(status::PENDING),
        check_in_outbox::next_attempt_at.eq(at),
        check_in_outbox::lease_until.eq(None::<i64>),
        check_in_outbox::updated_at.eq(now_ms()),
    ))
    .execute(conn)?;
    Ok(())
}

/// One destination's sending of a check-in.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable)]
pub struct CheckInSubmission {
    pub destination: String,
    pub status: String,
    pub attempts: i32,
    pub transaction_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// A stored check-in as listed.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable)]
pub struct CheckInSummary {
    pub id: String,
    pub facility_code: String,
    /// `MA_LK`.
    pub episode_key: String,
    /// `NGAY_YL`, epoch ms.
    pub ordered_at: i64,
    pub received_at: i64,
}

/// A stored check-in with its record, its sendings and the claim of its `MA_LK`, once the dossier
/// has arrived.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckInRecord {
    #[serde(flatten)]
    pub summary: CheckInSummary,
    pub claim_id: Option<String>,
    /// The check-in as stored (the XML0 fields, official names).
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
    pub submissions: Vec<CheckInSubmission>,
}

pub fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<CheckInRecord>, StoreError> {
    let row: Option<(CheckInSummary, String)> = check_ins::table
        .find(id)
        .select((
            (
                check_ins::id,
                check_ins::facility_code,
                check_ins::episode_key,
                check_ins::ordered_at,
                check_ins::received_at,
            ),
            check_ins::record_json,
        ))
        .first(conn)
        .optional()?;
    let Some((summary, record_json)) = row else { return Ok(None) };
    let claim_id = claims::table
        .filter(claims::facility_code.eq(&summary.facility_code))
        .filter(claims::episode_key.eq(&summary.episode_key))
        .select(claims::id)
        .first(conn)
        .optional()?;
    let submissions = check_in_outbox::table
        .filter(check_in_outbox::check_in_id.eq(id))
        .order(check_in_outbox::id)
        .select((
            check_in_outbox::destination,
            check_in_outbox::status,
            check_in_outbox::attempts,
            check_in_outbox::transaction_id,
            check_in_outbox::last_error,
            check_in_outbox::created_at,
            check_in_outbox::sent_at,
        ))
        .load(conn)?;
    let record = serde_json::from_str(&record_json)
        .map_err(|e| StoreError::Corrupt(format!("stored check-in {}: {e}", summary.id)))?;
    Ok(Some(CheckInRecord { summary, claim_id, record, submissions }))
}

/// Check-ins received in `[from, to)` (epoch ms), of one facility or all, newest first.
pub fn list(
    conn: &mut AnyConnection,
    facility: Option<&str>,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<CheckInSummary>, StoreError> {
    let mut query = check_ins::table
        .filter(check_ins::received_at.ge(from))
        .filter(check_ins::received_at.lt(to))
        .select((
            check_ins::id,
            check_ins::facility_code,
            check_ins::episode_key,
            check_ins::ordered_at,
            check_ins::received_at,
        ))
        .into_boxed();
    if let Some(f) = facility {
        query = query.filter(check_ins::facility_code.eq(f.to_owned()));
    }
    Ok(query.order((check_ins::received_at.desc(), check_ins::id.desc())).limit(limit).load(conn)?)
}
