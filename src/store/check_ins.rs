//! Check-ins (XML0, `CHI_TIEU_TRANG_THAI_KCB`) and their own queue (`check_in_outbox`): one job per
//! (check-in, destination), leased like the dossiers' but read apart from them, so that a backlog of
//! dossiers never delays a real-time check-in.

use super::audit::Actor;
use super::payload::{Payload, check_in_payload};
use super::schema::{check_in_outbox, check_ins, claims};
use super::webhooks::Notice;
use super::{AnyConnection, StoreError, audit, now_ms};
use crate::vault::{Sealed, Vault};
use crate::vocabulary::{CheckInId, ClaimId, Destination, FacilityCode, JobStatus, WebhookEvent};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;

/// A check-in ready for the store; `id` is derived from the facility and the content, so the same
/// check-in sent twice is one row.
#[derive(Debug, Clone)]
pub struct NewCheckIn {
    pub id: CheckInId,
    pub facility_code: FacilityCode,
    /// `MA_LK`.
    pub episode_key: String,
    /// The check-in's JSON, sealed for the row bound by `id`.
    pub record: Sealed,
    /// `NGAY_YL` (epoch ms), the order the check-in reports.
    pub ordered_at: i64,
}

#[derive(Insertable)]
#[diesel(table_name = check_ins)]
struct CheckInInsert<'a> {
    id: &'a str,
    facility_code: &'a str,
    episode_key: &'a str,
    record_json: &'a str,
    sealed_with: &'a str,
    ordered_at: i64,
    received_at: i64,
    received_by: &'a str,
}

/// Most check-in rows in one statement (7 binds each, under both backends' bind limits).
const ROWS_PER_STATEMENT: usize = 500;

/// Stores the check-ins not stored yet, each with a pending job per destination and an audit row,
/// in the caller's transaction; whether a check-in came alone or inside an episode, it is queued
/// once. Returns, per item, whether it was new.
pub fn accept_all(
    conn: &mut AnyConnection,
    items: &[(&NewCheckIn, &Actor)],
    destinations: &[Destination],
) -> Result<Vec<bool>, StoreError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let now = now_ms();
    let mut rows: Vec<CheckInInsert> = items
        .iter()
        .map(|(item, actor)| CheckInInsert {
            id: &item.id,
            facility_code: &item.facility_code,
            episode_key: &item.episode_key,
            record_json: &item.record.text,
            sealed_with: super::payload::key_column(&item.record),
            ordered_at: item.ordered_at,
            received_at: now,
            received_by: &actor.key_id,
        })
        .collect();
    // In id order, so that two PostgreSQL transactions storing the same check-ins wait for each
    // other in the same order and never deadlock; a check-in named twice is stored once.
    rows.sort_by(|a, b| a.id.cmp(b.id));
    rows.dedup_by(|a, b| a.id == b.id);
    // Two instances storing the same check-in at once make one row.
    let mut created: HashSet<String> = HashSet::with_capacity(rows.len());
    match &mut *conn {
        AnyConnection::Postgresql(c) => {
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let inserted: Vec<String> = diesel::insert_into(check_ins::table)
                    .values(chunk)
                    .on_conflict_do_nothing()
                    .returning(check_ins::id)
                    .get_results(c)?;
                created.extend(inserted);
            }
        }
        // As for claims: row by row on SQLite, where a statement costs no round trip.
        AnyConnection::Sqlite(c) => {
            for row in &rows {
                if diesel::insert_into(check_ins::table).values(row).on_conflict_do_nothing().execute(c)? == 1 {
                    created.insert(row.id.to_owned());
                }
            }
        }
    }
    let mut first = HashSet::with_capacity(created.len());
    let new: Vec<&(&NewCheckIn, &Actor)> =
        items.iter().filter(|(item, _)| created.contains(item.id.as_str()) && first.insert(item.id.as_str())).collect();
    let jobs: Vec<_> = new
        .iter()
        .flat_map(|(item, _)| {
            destinations.iter().map(move |d| {
                (
                    check_in_outbox::check_in_id.eq(item.id.as_str()),
                    check_in_outbox::destination.eq(*d),
                    check_in_outbox::status.eq(JobStatus::Pending),
                    check_in_outbox::next_attempt_at.eq(now),
                    check_in_outbox::created_at.eq(now),
                    check_in_outbox::updated_at.eq(now),
                )
            })
        })
        .collect();
    insert_rows!(conn, check_in_outbox::table, jobs, ROWS_PER_STATEMENT);
    let audit: Vec<_> = new
        .iter()
        .map(|(item, actor)| audit::AuditEntry {
            actor: &actor.key_id,
            role: actor.role.as_str(),
            action: "check_in.accept",
            target: &item.id,
            detail: serde_json::json!({ "facility": item.facility_code, "episode_key": item.episode_key }),
        })
        .collect();
    audit::record_all(conn, &audit)?;
    let mut reported = HashSet::with_capacity(created.len());
    Ok(items.iter().map(|(item, _)| created.contains(item.id.as_str()) && reported.insert(item.id.as_str())).collect())
}

/// A check-in job handed to the dispatcher.
#[derive(Debug, Clone, Queryable)]
pub struct CheckInJob {
    pub outbox_id: i64,
    pub destination: Destination,
    pub attempts: i32,
    pub check_in_id: CheckInId,
    pub facility_code: FacilityCode,
    pub episode_key: String,
    pub record: Payload,
    /// When the gateway accepted it (epoch ms).
    pub received_at: i64,
    /// Set when an earlier sending got no answer: the portal may hold it already.
    pub uncertain_since: Option<i64>,
}

/// Leases up to `limit` due check-in jobs of `destinations` to `worker` until `now + lease_ms`:
/// jobs whose lease ran out first (taken over as uncertain), then the pending ones in the order
/// they became due, each destination read along `check_in_outbox_due`.
pub fn lease(
    conn: &mut AnyConnection,
    destinations: &[Destination],
    worker: &str,
    limit: i64,
    lease_ms: i64,
) -> Result<Vec<CheckInJob>, StoreError> {
    let now = now_ms();
    let (expired, pending) = due_job_ids!(conn, check_in_outbox, destinations, now, limit);
    let ids: Vec<i64> = expired.iter().chain(&pending).copied().collect();
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
            check_in_outbox::status.eq(JobStatus::InFlight),
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
            check_in_payload(),
            check_ins::received_at,
            check_in_outbox::uncertain_since,
        ))
        .load(conn)?)
}

/// What became of one leased check-in job.
#[derive(Debug, Clone)]
pub enum CheckInResult {
    /// The portal took it (or its receipt list shows it took it) under this transaction id.
    Delivered { transaction_id: String },
    /// A failed attempt: pending again at `retry_at`, or a dead letter when `None`; an unanswered
    /// one is also marked uncertain, so that its receipt is looked up before it goes again.
    Failed { error: String, retry_at: Option<i64>, uncertain: bool },
    /// Given back untried (the portal's circuit is open, or its receipts could not be read),
    /// pending again at `at`.
    Released { at: i64 },
}

/// Records a pass's results in one transaction: a check-in lane writes once per pass, not once
/// per check-in, so its writes do not crowd out ingest's.
pub fn record(conn: &mut AnyConnection, results: &[(CheckInJob, CheckInResult)]) -> Result<(), StoreError> {
    let now = now_ms();
    let mut released: Vec<(i64, Vec<i64>)> = Vec::new();
    let mut sent: Vec<Notice> = Vec::new();
    for (job, result) in results {
        match result {
            CheckInResult::Delivered { transaction_id } => sent.extend(mark_delivered(conn, job, transaction_id, now)?),
            CheckInResult::Failed { error, retry_at, uncertain } => {
                mark_failed(conn, job, error, *retry_at, *uncertain, now)?
            }
            CheckInResult::Released { at } => match released.iter_mut().find(|(t, _)| t == at) {
                Some((_, ids)) => ids.push(job.outbox_id),
                None => released.push((*at, vec![job.outbox_id])),
            },
        }
    }
    for (at, ids) in released {
        diesel::update(
            check_in_outbox::table
                .filter(check_in_outbox::id.eq_any(&ids))
                .filter(check_in_outbox::status.eq(JobStatus::InFlight)),
        )
        .set((
            check_in_outbox::status.eq(JobStatus::Pending),
            check_in_outbox::next_attempt_at.eq(at),
            check_in_outbox::lease_until.eq(None::<i64>),
            check_in_outbox::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    // One endpoint lookup for the pass's check-ins, not one per check-in.
    super::webhooks::enqueue(conn, sent)
}

/// Marks the sending delivered; the callback to tell of it, unless another instance's answer
/// was recorded first.
fn mark_delivered(
    conn: &mut AnyConnection,
    job: &CheckInJob,
    transaction_id: &str,
    now: i64,
) -> Result<Option<Notice>, StoreError> {
    let delivered = diesel::update(
        check_in_outbox::table.find(job.outbox_id).filter(check_in_outbox::status.eq(JobStatus::InFlight)),
    )
    .set((
        check_in_outbox::status.eq(JobStatus::Delivered),
        check_in_outbox::transaction_id.eq(transaction_id),
        check_in_outbox::attempts.eq(job.attempts + 1),
        check_in_outbox::sent_at.eq(now),
        check_in_outbox::lease_until.eq(None::<i64>),
        check_in_outbox::last_error.eq(None::<String>),
        check_in_outbox::uncertain_since.eq(None::<i64>),
        check_in_outbox::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok((delivered > 0).then(|| Notice {
        facility_code: job.facility_code.to_string(),
        event: WebhookEvent::CheckInSent,
        claim_id: None,
        episode_key: Some(job.episode_key.clone()),
        version: None,
        at: now,
        detail: serde_json::json!({
            "check_in_id": job.check_in_id, "destination": job.destination, "transaction_id": transaction_id,
        }),
    }))
}

fn mark_failed(
    conn: &mut AnyConnection,
    job: &CheckInJob,
    error: &str,
    retry_at: Option<i64>,
    uncertain: bool,
    now: i64,
) -> Result<(), StoreError> {
    let state = if retry_at.is_some() { JobStatus::Pending } else { JobStatus::DeadLetter };
    let uncertain_since = job.uncertain_since.or(uncertain.then_some(now));
    diesel::update(check_in_outbox::table.find(job.outbox_id).filter(check_in_outbox::status.eq(JobStatus::InFlight)))
        .set((
            check_in_outbox::status.eq(state),
            check_in_outbox::attempts.eq(job.attempts + 1),
            check_in_outbox::next_attempt_at.eq(retry_at.unwrap_or(now)),
            check_in_outbox::lease_until.eq(None::<i64>),
            check_in_outbox::last_error.eq(error),
            check_in_outbox::uncertain_since.eq(uncertain_since),
            check_in_outbox::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// One destination's sending of a check-in.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable)]
pub struct CheckInSubmission {
    pub destination: Destination,
    pub status: JobStatus,
    pub attempts: i32,
    pub transaction_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// A stored check-in as listed.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable)]
pub struct CheckInSummary {
    pub id: CheckInId,
    pub facility_code: FacilityCode,
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
    pub claim_id: Option<ClaimId>,
    /// The check-in as stored (the XML0 fields, official names).
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
    pub submissions: Vec<CheckInSubmission>,
}

pub fn find(conn: &mut AnyConnection, vault: &Vault, id: &CheckInId) -> Result<Option<CheckInRecord>, StoreError> {
    let row: Option<(CheckInSummary, Payload)> = check_ins::table
        .find(id.as_str())
        .select((
            (
                check_ins::id,
                check_ins::facility_code,
                check_ins::episode_key,
                check_ins::ordered_at,
                check_ins::received_at,
            ),
            check_in_payload(),
        ))
        .first(conn)
        .optional()?;
    let Some((summary, payload)) = row else { return Ok(None) };
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
    let record_json = payload.open(vault)?.unwrap_or_default();
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
