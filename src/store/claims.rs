//! Claims: one row per episode (facility + `MA_LK`), one row per version of its content, the
//! timeline of what happened to it, and its outbox entries, all written in one transaction.

pub use super::audit::Actor;
use super::events::{self, ClaimEvent};
use super::payload::{Payload, PayloadInsert, version_payload};
use super::schema::{claim_events, claim_versions, claims, episode_payloads, outbox};
use super::{AnyConnection, StoreError, audit, now_ms};
use crate::vault::Sealed;
use crate::vocabulary::{ClaimEventKind, ClaimId, ClaimStatus, Destination, FacilityCode, JobStatus};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// A validated episode ready to be stored, with what the store indexes about it.
#[derive(Debug, Clone)]
pub struct NewClaimVersion {
    pub facility_code: FacilityCode,
    pub episode_key: String,
    pub content_sha256: String,
    /// The episode's JSON, sealed for the row bound by `content_sha256`.
    pub episode: Sealed,
    pub warnings_json: String,
    pub visit_type: String,
    pub admitted_at: i64,
    pub discharged_at: i64,
    pub settlement_year: Option<i32>,
    pub settlement_month: Option<i32>,
    pub total_cost_cents: i64,
    pub claimed_cents: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AcceptOutcome {
    /// First time this facility sent this `MA_LK`.
    Created,
    /// The content changed: a new version supersedes the previous one.
    NewVersion,
    /// The same content again: nothing was written.
    Unchanged,
}

#[derive(Debug, Clone, Serialize)]
pub struct Accepted {
    pub claim_id: ClaimId,
    pub version: i32,
    pub status: ClaimStatus,
    pub outcome: AcceptOutcome,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = claims)]
struct ClaimRow {
    id: ClaimId,
    current_version: i32,
    status: ClaimStatus,
}

#[derive(Insertable)]
#[diesel(table_name = claims)]
struct ClaimInsert<'a> {
    id: &'a str,
    facility_code: &'a str,
    episode_key: &'a str,
    current_version: i32,
    status: ClaimStatus,
    received_at: i64,
    updated_at: i64,
}

#[derive(Insertable)]
#[diesel(table_name = claim_versions)]
struct VersionInsert<'a> {
    claim_id: &'a str,
    version: i32,
    content_sha256: &'a str,
    warnings_json: &'a str,
    visit_type: &'a str,
    admitted_at: i64,
    discharged_at: i64,
    settlement_year: Option<i32>,
    settlement_month: Option<i32>,
    total_cost_cents: i64,
    claimed_cents: i64,
    received_at: i64,
    received_by: &'a str,
}

impl<'a> VersionInsert<'a> {
    /// About what the row adds to a statement: its warnings and a few hundred bytes of the rest.
    fn bytes(&self) -> usize {
        self.warnings_json.len() + 256
    }

    fn of(claim_id: &'a str, version: i32, new: &'a NewClaimVersion, actor: &'a Actor, now: i64) -> Self {
        VersionInsert {
            claim_id,
            version,
            content_sha256: &new.content_sha256,
            warnings_json: &new.warnings_json,
            visit_type: &new.visit_type,
            admitted_at: new.admitted_at,
            discharged_at: new.discharged_at,
            settlement_year: new.settlement_year,
            settlement_month: new.settlement_month,
            total_cost_cents: new.total_cost_cents,
            claimed_cents: new.claimed_cents,
            received_at: now,
            received_by: &actor.key_id,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct OutboxInsert {
    claim_version_id: i64,
    destination: Destination,
    status: JobStatus,
    attempts: i32,
    next_attempt_at: i64,
    created_at: i64,
    updated_at: i64,
}

impl OutboxInsert {
    fn pending(claim_version_id: i64, destination: Destination, now: i64) -> Self {
        OutboxInsert {
            claim_version_id,
            destination,
            status: JobStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Stores episode versions (idempotently), each with its outbox entries, timeline event and
/// audit row; one result per item, in order. Call inside a write transaction.
///
/// Episodes new to the store are written with one multi-row `INSERT` per table (what makes
/// batches and shared commits cheap on PostgreSQL, where every statement is a round trip); the
/// claims' `INSERT … ON CONFLICT DO NOTHING RETURNING` tells which were new, so no lookup scans
/// the store first. An episode already stored, or named a second time in `items`, takes the
/// one-by-one path after them, in order, so that a later item sees what an earlier one wrote.
pub fn accept_all(
    conn: &mut AnyConnection,
    items: &[(&NewClaimVersion, &Actor)],
    destinations: &[Destination],
) -> Result<Vec<Accepted>, StoreError> {
    let mut seen = HashSet::new();
    let (first, repeated): (Vec<usize>, Vec<usize>) = (0..items.len()).partition(|&i| {
        let new = items[i].0;
        seen.insert((new.facility_code.as_str(), new.episode_key.as_str()))
    });
    let mut results: Vec<Option<Accepted>> = vec![None; items.len()];
    let created = create_all(conn, &first.iter().map(|&i| items[i]).collect::<Vec<_>>(), destinations)?;
    for (i, accepted) in first.into_iter().zip(created) {
        results[i] = accepted;
    }
    let stored: Vec<usize> = (0..items.len()).filter(|i| results[*i].is_none()).collect();
    debug_assert!(repeated.iter().all(|i| stored.contains(i)));
    for i in stored {
        let (new, actor) = items[i];
        results[i] = Some(accept_stored(conn, new, actor, destinations)?);
    }
    Ok(results.into_iter().flatten().collect())
}

/// Most rows in one statement: keeps every multi-row `INSERT` under both backends' bind limits
/// (SQLite 32,766, PostgreSQL 65,535 parameters; the widest row here has 14).
const ROWS_PER_STATEMENT: usize = 500;

/// Most episode bytes in one statement. libpq keeps each pooled connection's send buffer as large
/// as the largest statement it has sent, for the connection's life: 500 episodes of ~10 KB in one
/// statement would leave up to 8 MB on each of the 16 connections.
const BYTES_PER_STATEMENT: usize = 256 * 1024;

/// `rows` in runs of at most [`ROWS_PER_STATEMENT`] rows and, beyond a run's first row, at most
/// [`BYTES_PER_STATEMENT`] of `size`.
fn statements<T>(rows: &[T], size: impl Fn(&T) -> usize) -> Vec<&[T]> {
    let mut runs = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, row) in rows.iter().enumerate() {
        let n = size(row);
        if i > start && (i - start == ROWS_PER_STATEMENT || bytes + n > BYTES_PER_STATEMENT) {
            runs.push(&rows[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += n;
    }
    if start < rows.len() {
        runs.push(&rows[start..]);
    }
    runs
}

/// Writes the episodes of `items` that are new to the store (`items` are distinct); `None` for
/// each one the store already holds.
fn create_all(
    conn: &mut AnyConnection,
    items: &[(&NewClaimVersion, &Actor)],
    destinations: &[Destination],
) -> Result<Vec<Option<Accepted>>, StoreError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let now = now_ms();
    let ids: Vec<String> = items.iter().map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let mut claim_rows: Vec<_> = items
        .iter()
        .zip(&ids)
        .map(|((new, _), id)| ClaimInsert {
            id,
            facility_code: &new.facility_code,
            episode_key: &new.episode_key,
            current_version: 1,
            status: ClaimStatus::Queued,
            received_at: now,
            updated_at: now,
        })
        .collect();
    // In key order, so that two PostgreSQL transactions inserting the same new episodes wait for
    // each other in the same order and never deadlock.
    claim_rows.sort_by(|a, b| (a.facility_code, a.episode_key).cmp(&(b.facility_code, b.episode_key)));
    let mut created = HashSet::with_capacity(ids.len());
    match &mut *conn {
        AnyConnection::Postgresql(c) => {
            for chunk in claim_rows.chunks(ROWS_PER_STATEMENT) {
                let inserted: Vec<String> = diesel::insert_into(claims::table)
                    .values(chunk)
                    .on_conflict_do_nothing()
                    .returning(claims::id)
                    .get_results(c)?;
                created.extend(inserted);
            }
        }
        // diesel inserts row by row on SQLite and takes a `RETURNING` without a row for an error;
        // each row's count says the same, and statements cost no round trip there.
        AnyConnection::Sqlite(c) => {
            for row in &claim_rows {
                if diesel::insert_into(claims::table).values(row).on_conflict_do_nothing().execute(c)? == 1 {
                    created.insert(row.id.to_owned());
                }
            }
        }
    }
    let new: Vec<(&(&NewClaimVersion, &Actor), &String)> =
        items.iter().zip(&ids).filter(|(_, id)| created.contains(*id)).collect();
    let versions: Vec<_> = new.iter().map(|((item, actor), id)| VersionInsert::of(id, 1, item, actor, now)).collect();
    let mut version_ids: HashMap<String, i64> = HashMap::with_capacity(new.len());
    for chunk in statements(&versions, VersionInsert::bytes) {
        let inserted: Vec<(String, i64)> = on_backend!(conn, |c| diesel::insert_into(claim_versions::table)
            .values(chunk)
            .returning((claim_versions::claim_id, claim_versions::id))
            .get_results(c))?;
        version_ids.extend(inserted);
    }
    let mut jobs = Vec::with_capacity(new.len() * destinations.len());
    let mut payloads = Vec::with_capacity(new.len());
    for ((item, _), id) in &new {
        let version_id =
            *version_ids.get(*id).ok_or_else(|| StoreError::Corrupt(format!("claim {id} has no version 1")))?;
        jobs.extend(destinations.iter().map(|d| OutboxInsert::pending(version_id, *d, now)));
        payloads.push(PayloadInsert::of(version_id, now, &item.episode));
    }
    for chunk in statements(&payloads, |p| p.body.len() + 64) {
        on_backend!(conn, |c| diesel::insert_into(episode_payloads::table).values(chunk).execute(c))?;
    }
    insert_rows!(conn, outbox::table, jobs, ROWS_PER_STATEMENT);
    let events: Vec<_> = new
        .iter()
        .map(|((_, actor), id)| ClaimEvent {
            claim_id: id,
            version: 1,
            at: now,
            kind: ClaimEventKind::Received,
            detail: received_detail(actor, destinations),
        })
        .collect();
    events::record(conn, &events)?;
    let audit: Vec<_> = new
        .iter()
        .map(|((item, actor), id)| audit::AuditEntry {
            actor: &actor.key_id,
            role: actor.role.as_str(),
            action: "claim.accept",
            target: id,
            detail: audit_detail(item, 1),
        })
        .collect();
    audit::record_all(conn, &audit)?;
    Ok(ids
        .into_iter()
        .map(|claim_id| {
            let created = created.contains(&claim_id);
            let accepted = Accepted {
                claim_id: claim_id.into(),
                version: 1,
                status: ClaimStatus::Queued,
                outcome: AcceptOutcome::Created,
            };
            created.then_some(accepted)
        })
        .collect())
}

/// Stores a new version of an episode the store already holds (idempotently: the same content
/// writes nothing), with its outbox entries, timeline event and audit row.
fn accept_stored(
    conn: &mut AnyConnection,
    new: &NewClaimVersion,
    actor: &Actor,
    destinations: &[Destination],
) -> Result<Accepted, StoreError> {
    let now = now_ms();
    let claim: ClaimRow = claims::table
        .filter(claims::facility_code.eq(&new.facility_code))
        .filter(claims::episode_key.eq(&new.episode_key))
        .select(ClaimRow::as_select())
        .first(conn)?;
    // The same lock, taken first, as the dispatcher and reconciler take.
    lock_claim(conn, &claim.id)?;
    let current_hash: String = claim_versions::table
        .filter(claim_versions::claim_id.eq(&claim.id))
        .filter(claim_versions::version.eq(claim.current_version))
        .select(claim_versions::content_sha256)
        .first(conn)?;
    if current_hash == new.content_sha256 {
        return Ok(Accepted {
            claim_id: claim.id,
            version: claim.current_version,
            status: claim.status,
            outcome: AcceptOutcome::Unchanged,
        });
    }
    supersede(conn, &claim.id, claim.current_version, now)?;
    let (claim_id, version) = (claim.id, claim.current_version + 1);
    diesel::update(claims::table.find(&claim_id))
        .set((claims::current_version.eq(version), claims::status.eq(ClaimStatus::Queued), claims::updated_at.eq(now)))
        .execute(conn)?;
    diesel::insert_into(claim_versions::table)
        .values(VersionInsert::of(&claim_id, version, new, actor, now))
        .execute(conn)?;
    let version_id: i64 = claim_versions::table
        .filter(claim_versions::claim_id.eq(&claim_id))
        .filter(claim_versions::version.eq(version))
        .select(claim_versions::id)
        .first(conn)?;
    diesel::insert_into(episode_payloads::table)
        .values(PayloadInsert::of(version_id, now, &new.episode))
        .execute(conn)?;
    let jobs: Vec<_> = destinations.iter().map(|d| OutboxInsert::pending(version_id, *d, now)).collect();
    insert_rows!(conn, outbox::table, jobs, ROWS_PER_STATEMENT);
    event(conn, &claim_id, version, now, ClaimEventKind::NewVersion, received_detail(actor, destinations))?;
    audit::record(
        conn,
        audit::AuditEntry {
            actor: &actor.key_id,
            role: actor.role.as_str(),
            action: "claim.new_version",
            target: &claim_id,
            detail: audit_detail(new, version),
        },
    )?;
    Ok(Accepted { claim_id, version, status: ClaimStatus::Queued, outcome: AcceptOutcome::NewVersion })
}

/// The timeline detail of a received version: who sent it and where it goes.
fn received_detail(actor: &Actor, destinations: &[Destination]) -> serde_json::Value {
    serde_json::json!({ "by": actor.key_id, "destinations": destinations })
}

/// The audit detail of a stored version.
fn audit_detail(new: &NewClaimVersion, version: i32) -> serde_json::Value {
    serde_json::json!({ "facility": new.facility_code, "version": version, "content_sha256": new.content_sha256 })
}

/// Marks the current version superseded and withdraws its unsent outbox entries.
fn supersede(conn: &mut AnyConnection, claim_id: &str, version: i32, now: i64) -> Result<(), StoreError> {
    diesel::update(
        claim_versions::table.filter(claim_versions::claim_id.eq(claim_id)).filter(claim_versions::version.eq(version)),
    )
    .set(claim_versions::superseded_at.eq(now))
    .execute(conn)?;
    let version_id = claim_versions::table
        .filter(claim_versions::claim_id.eq(claim_id))
        .filter(claim_versions::version.eq(version))
        .select(claim_versions::id);
    let withdrawn = diesel::update(
        outbox::table.filter(outbox::claim_version_id.eq_any(version_id)).filter(outbox::status.eq(JobStatus::Pending)),
    )
    .set((outbox::status.eq(JobStatus::Superseded), outbox::updated_at.eq(now)))
    .execute(conn)?;
    event(
        conn,
        claim_id,
        version,
        now,
        ClaimEventKind::Superseded,
        serde_json::json!({ "withdrawn_submissions": withdrawn }),
    )
}

fn event(
    conn: &mut AnyConnection,
    claim_id: &str,
    version: i32,
    at: i64,
    kind: ClaimEventKind,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    events::record(conn, &[ClaimEvent { claim_id, version, at, kind, detail }])
}

/// A claim as lists show it.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = claims)]
pub struct ClaimSummary {
    pub id: ClaimId,
    pub facility_code: FacilityCode,
    /// `MA_LK`.
    pub episode_key: String,
    pub current_version: i32,
    pub status: ClaimStatus,
    /// Epoch milliseconds.
    pub received_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = claim_versions)]
pub struct VersionInfo {
    pub version: i32,
    pub content_sha256: String,
    #[serde(skip)]
    pub warnings_json: String,
    pub received_at: i64,
    pub received_by: String,
    pub superseded_at: Option<i64>,
    pub claimed_cents: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = claim_events)]
pub struct TimelineEvent {
    pub version: i32,
    pub at: i64,
    pub kind: ClaimEventKind,
    #[schema(value_type = String)]
    pub detail: String,
}

#[derive(Debug, Clone, Queryable, Serialize, ToSchema)]
pub struct SubmissionInfo {
    pub id: i64,
    pub version: i32,
    pub destination: Destination,
    pub status: JobStatus,
    pub attempts: i32,
    pub transaction_id: Option<String>,
    pub last_error: Option<String>,
}

/// Everything stored about one claim.
#[derive(Debug, Clone)]
pub struct ClaimRecord {
    pub claim: ClaimSummary,
    pub versions: Vec<VersionInfo>,
    pub timeline: Vec<TimelineEvent>,
    pub submissions: Vec<SubmissionInfo>,
    /// The current version's episode (dropped by retention after a while).
    pub episode: Payload,
}

pub fn find(conn: &mut AnyConnection, id: &ClaimId) -> Result<Option<ClaimRecord>, StoreError> {
    let Some(claim) = claims::table.find(id).select(ClaimSummary::as_select()).first(conn).optional()? else {
        return Ok(None);
    };
    let versions = claim_versions::table
        .filter(claim_versions::claim_id.eq(id))
        .order(claim_versions::version.asc())
        .select(VersionInfo::as_select())
        .load(conn)?;
    let timeline = claim_events::table
        .filter(claim_events::claim_id.eq(id))
        .order(claim_events::id.asc())
        .select(TimelineEvent::as_select())
        .load(conn)?;
    let submissions = outbox::table
        .inner_join(claim_versions::table)
        .filter(claim_versions::claim_id.eq(id))
        .order(outbox::id.asc())
        .select((
            outbox::id,
            claim_versions::version,
            outbox::destination,
            outbox::status,
            outbox::attempts,
            outbox::transaction_id,
            outbox::last_error,
        ))
        .load::<SubmissionInfo>(conn)?;
    let episode = claim_versions::table
        .left_join(episode_payloads::table)
        .filter(claim_versions::claim_id.eq(id))
        .filter(claim_versions::version.eq(claim.current_version))
        .select(version_payload())
        .first(conn)?;
    Ok(Some(ClaimRecord { claim, versions, timeline, submissions, episode }))
}

/// Filters of the claim list; times are epoch milliseconds of receipt.
#[derive(Debug, Clone, Default)]
pub struct ClaimFilter {
    pub facility: Option<FacilityCode>,
    pub status: Option<ClaimStatus>,
    pub received_from: Option<i64>,
    pub received_to: Option<i64>,
    /// Claims older than this id (ids grow with time): the page cursor.
    pub before_id: Option<String>,
    pub limit: i64,
}

/// Newest first.
pub fn list(conn: &mut AnyConnection, filter: &ClaimFilter) -> Result<Vec<ClaimSummary>, StoreError> {
    let mut query = claims::table.select(ClaimSummary::as_select()).into_boxed();
    if let Some(f) = &filter.facility {
        query = query.filter(claims::facility_code.eq(f.clone()));
    }
    if let Some(s) = &filter.status {
        query = query.filter(claims::status.eq(*s));
    }
    if let Some(from) = filter.received_from {
        query = query.filter(claims::received_at.ge(from));
    }
    if let Some(to) = filter.received_to {
        query = query.filter(claims::received_at.lt(to));
    }
    if let Some(before) = &filter.before_id {
        query = query.filter(claims::id.lt(before.clone()));
    }
    Ok(query.order(claims::id.desc()).limit(filter.limit).load(conn)?)
}

/// Counts per table, for tests and operations: (claims, versions, outbox entries).
pub fn counts(conn: &mut AnyConnection) -> Result<(i64, i64, i64), StoreError> {
    Ok((
        claims::table.count().get_result(conn)?,
        claim_versions::table.count().get_result(conn)?,
        outbox::table.count().get_result(conn)?,
    ))
}

/// A claim version whose card the background check has not looked at yet.
#[derive(Debug, Clone, Queryable)]
pub struct UncheckedCard {
    pub version_id: i64,
    pub claim_id: String,
    pub version: i32,
    pub episode: Payload,
}

/// Current versions received since `since` whose card has not been checked, oldest first.
pub fn unchecked_cards(conn: &mut AnyConnection, since: i64, limit: i64) -> Result<Vec<UncheckedCard>, StoreError> {
    Ok(claim_versions::table
        .left_join(episode_payloads::table)
        .filter(claim_versions::card_checked_at.is_null())
        .filter(claim_versions::superseded_at.is_null())
        .filter(claim_versions::received_at.ge(since))
        .order(claim_versions::id)
        .limit(limit)
        .select((claim_versions::id, claim_versions::claim_id, claim_versions::version, version_payload()))
        .load(conn)?)
}

/// Records the background card check of a version: the portal's code, and a warning added to
/// the version's warnings when the card is not valid.
pub fn record_card_check(
    conn: &mut AnyConnection,
    card: &UncheckedCard,
    code: &str,
    warning: Option<&serde_json::Value>,
) -> Result<(), StoreError> {
    let now = now_ms();
    if let Some(warning) = warning {
        let current: String =
            claim_versions::table.find(card.version_id).select(claim_versions::warnings_json).first(conn)?;
        let mut warnings: Vec<serde_json::Value> =
            serde_json::from_str(&current).map_err(|e| StoreError::Corrupt(format!("warnings of a version: {e}")))?;
        warnings.push(warning.clone());
        let updated = serde_json::Value::Array(warnings).to_string();
        diesel::update(claim_versions::table.find(card.version_id))
            .set(claim_versions::warnings_json.eq(updated))
            .execute(conn)?;
    }
    diesel::update(claim_versions::table.find(card.version_id))
        .set((claim_versions::card_checked_at.eq(now), claim_versions::card_check_code.eq(code)))
        .execute(conn)?;
    event(
        conn,
        &card.claim_id,
        card.version,
        now,
        ClaimEventKind::CardChecked,
        serde_json::json!({ "code": code, "valid": warning.is_none() }),
    )
}

/// Locks the claim row for the rest of the transaction (PostgreSQL; SQLite writers are serialised
/// already) and returns its current version. Every writer that settles a submission takes this
/// lock first, before any row that references the claim, and writers handle claims in claim-id
/// order: so two of them never compute the status from a view without the other's change, and
/// never deadlock upgrading the foreign-key locks their inserts take.
pub fn lock_claim(conn: &mut AnyConnection, claim_id: &ClaimId) -> Result<i32, StoreError> {
    Ok(match conn {
        AnyConnection::Postgresql(pg) => {
            claims::table.find(claim_id).select(claims::current_version).for_update().first(pg)?
        }
        AnyConnection::Sqlite(_) => claims::table.find(claim_id).select(claims::current_version).first(conn)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_stop_at_the_row_or_byte_limit_and_keep_every_row_in_order() {
        let rows: Vec<usize> = (0..1200).collect();
        let runs = statements(&rows, |_| 10);
        assert_eq!(runs.iter().map(|r| r.len()).collect::<Vec<_>>(), [500, 500, 200]);
        let big = [100 * 1024, 100 * 1024, 100 * 1024, 300 * 1024, 1];
        let runs = statements(&big, |n| *n);
        assert_eq!(runs, [&big[..2], &big[2..3], &big[3..4], &big[4..]], "a row over the budget goes alone");
        assert_eq!(runs.concat(), big);
        assert!(statements(&[] as &[usize], |n| *n).is_empty());
    }
}
