//! The outbox: one job per (claim version, destination), claimed with a lease, and what the portals
//! answered. Claiming is a short transaction; the portal call happens after it commits.

use super::events::{self, ClaimEvent};
use super::schema::{
    claim_outcomes, claim_versions, claims, episode_payloads, outbox, queue_control, submission_errors,
};
use super::{AnyConnection, StoreError, now_ms};
use crate::vocabulary::{ClaimEventKind, ClaimId, ClaimStatus, Destination, FacilityCode, JobStatus};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A job handed to the dispatcher.
#[derive(Debug, Clone, Queryable)]
pub struct Job {
    pub outbox_id: i64,
    pub destination: Destination,
    pub attempts: i32,
    pub claim_id: ClaimId,
    pub version: i32,
    pub facility_code: FacilityCode,
    pub episode_key: String,
    pub episode: super::payload::Payload,
    /// Set when the version was superseded after the job was queued: cancel instead of sending.
    pub superseded_at: Option<i64>,
    /// When the gateway accepted the episode (epoch ms), for the acceptance-to-acknowledgement delay.
    pub received_at: i64,
    /// Set when an earlier sending got no answer: the portal may already hold the file.
    pub uncertain_since: Option<i64>,
    /// The remote signature its file waited for (`store::signatures`), if any.
    pub signature_request_id: Option<i64>,
}

/// How long a dossier held for its check-ins waits before it is looked at again, at least.
const CHECK_IN_HOLD_MS: i64 = 200;

/// The (claim, destination) pairs of `claim_ids` with a check-in still queued for that destination,
/// each with when to look at the dossier again: when the check-in is next due, but not sooner
/// than [`CHECK_IN_HOLD_MS`] from now, so that held jobs do not fill every lease meanwhile.
fn held_for_check_ins(
    conn: &mut AnyConnection,
    claim_ids: &[&String],
    now: i64,
) -> Result<std::collections::HashMap<(String, Destination), i64>, StoreError> {
    use super::schema::{check_in_outbox, check_ins};
    let rows: Vec<(String, Destination, i64)> =
        check_in_outbox::table
            .inner_join(check_ins::table)
            .inner_join(claims::table.on(
                claims::facility_code.eq(check_ins::facility_code).and(claims::episode_key.eq(check_ins::episode_key)),
            ))
            .filter(claims::id.eq_any(claim_ids))
            .filter(check_in_outbox::status.eq_any([JobStatus::Pending, JobStatus::InFlight]))
            .select((claims::id, check_in_outbox::destination, check_in_outbox::next_attempt_at))
            .load(conn)?;
    let mut held = std::collections::HashMap::new();
    for (claim, destination, due) in rows {
        let until = due.max(now + CHECK_IN_HOLD_MS);
        held.entry((claim, destination)).and_modify(|t: &mut i64| *t = (*t).max(until)).or_insert(until);
    }
    Ok(held)
}

/// Leases up to `limit` due jobs (pending and due, or in flight with an expired lease) of the
/// `destinations` to `worker` until `now + lease_ms`. Leases are taken one at a time, by every
/// worker of every instance sharing the queue (on PostgreSQL under an advisory lock, SQLite's
/// writers being serialised already): leases taken side by side with `SKIP LOCKED` split the due
/// jobs row by row, so the episodes of one file went out as several files, and a facility whose
/// key holder confirms each file was asked once per fragment.
///
/// A job waits while another job of the same claim and destination is in flight under a live
/// lease: a newer version follows the older one to the portal, never overtakes it. It also waits
/// while a check-in of its episode is still queued for its destination: the portal hears of the
/// visit before it receives its dossier. A job taken
/// over from a worker whose lease ran out is marked uncertain: that worker may have sent it.
pub fn claim(
    conn: &mut AnyConnection,
    destinations: &[Destination],
    worker: &str,
    limit: i64,
    lease_ms: i64,
) -> Result<Vec<Job>, StoreError> {
    lease_one_at_a_time(conn)?;
    let now = now_ms();
    let (mut locked, pending) = due_job_ids!(conn, outbox, destinations, now, limit);
    locked.extend(pending);
    if locked.is_empty() {
        return Ok(Vec::new());
    }
    let candidates: Vec<(i64, String, Destination, JobStatus)> = outbox::table
        .inner_join(claim_versions::table)
        .filter(outbox::id.eq_any(&locked))
        .select((outbox::id, claim_versions::claim_id, outbox::destination, outbox::status))
        .load(conn)?;
    let claim_ids: Vec<&String> = candidates.iter().map(|(_, claim, _, _)| claim).collect();
    let busy: std::collections::HashSet<(String, Destination)> = outbox::table
        .inner_join(claim_versions::table)
        .select((claim_versions::claim_id, outbox::destination))
        .filter(claim_versions::claim_id.eq_any(&claim_ids))
        .filter(outbox::status.eq(JobStatus::InFlight))
        .filter(outbox::lease_until.ge(now))
        .load::<(String, Destination)>(conn)?
        .into_iter()
        .collect();
    let held = held_for_check_ins(conn, &claim_ids, now)?;
    let held_jobs: Vec<(i64, i64)> = candidates
        .iter()
        .filter_map(|(id, claim, dest, _)| held.get(&(claim.clone(), *dest)).map(|until| (*id, *until)))
        .collect();
    for (id, until) in &held_jobs {
        diesel::update(outbox::table.find(id).filter(outbox::status.eq(JobStatus::Pending)))
            .set(outbox::next_attempt_at.eq(until))
            .execute(conn)?;
    }
    let (ids, taken_over): (Vec<i64>, Vec<i64>) = {
        let free: Vec<&(i64, String, Destination, JobStatus)> = candidates
            .iter()
            .filter(|(id, claim, dest, _)| {
                !busy.contains(&(claim.clone(), *dest)) && !held_jobs.iter().any(|(h, _)| h == id)
            })
            .collect();
        (
            free.iter().map(|(id, ..)| *id).collect(),
            free.iter().filter(|(.., state)| *state == JobStatus::InFlight).map(|(id, ..)| *id).collect(),
        )
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    if !taken_over.is_empty() {
        diesel::update(outbox::table.filter(outbox::id.eq_any(&taken_over)).filter(outbox::uncertain_since.is_null()))
            .set(outbox::uncertain_since.eq(now))
            .execute(conn)?;
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
        .set((
            outbox::status.eq(JobStatus::InFlight),
            outbox::lease_until.eq(now + lease_ms),
            outbox::leased_by.eq(worker),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)?;
    jobs(conn, &ids)
}

/// The advisory lock every outbox lease takes on PostgreSQL ("hisgate" in ASCII, then 1).
const LEASE_LOCK: i64 = 0x6869_7367_6174_6501;

/// Waits until no other transaction is taking a lease, and keeps the turn until this one ends.
fn lease_one_at_a_time(conn: &mut AnyConnection) -> Result<(), StoreError> {
    if let AnyConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(LEASE_LOCK)
            .execute(pg)?;
    }
    Ok(())
}

/// The jobs `ids` as the dispatcher handles them, in id order.
pub fn jobs(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Job>, StoreError> {
    Ok(outbox::table
        .inner_join(claim_versions::table.inner_join(claims::table).left_join(episode_payloads::table))
        .filter(outbox::id.eq_any(ids))
        .order(outbox::id)
        .select((
            outbox::id,
            outbox::destination,
            outbox::attempts,
            claims::id,
            claim_versions::version,
            claims::facility_code,
            claims::episode_key,
            super::payload::version_payload(),
            claim_versions::superseded_at,
            claim_versions::received_at,
            outbox::uncertain_since,
            outbox::signature_request_id,
        ))
        .load(conn)?)
}

/// Gives leased jobs back untried (the portal's circuit is open): pending again at `at`, with
/// no attempt counted.
pub fn release(conn: &mut AnyConnection, jobs: &[Job], at: i64) -> Result<(), StoreError> {
    let ids: Vec<i64> = jobs.iter().map(|j| j.outbox_id).collect();
    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)).filter(outbox::status.eq(JobStatus::InFlight)))
        .set((
            outbox::status.eq(JobStatus::Pending),
            outbox::next_attempt_at.eq(at),
            outbox::lease_until.eq(None::<i64>),
            outbox::updated_at.eq(now_ms()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Puts jobs in flight under an expired lease back to pending and marks them uncertain (their
/// worker stopped during the call, so the portal may hold the file). Returns how many.
pub fn sweep_expired_leases(conn: &mut AnyConnection) -> Result<usize, StoreError> {
    let now = now_ms();
    let expired = outbox::table
        .filter(outbox::status.eq(JobStatus::InFlight))
        .filter(outbox::lease_until.lt(now))
        .select(outbox::id)
        .load::<i64>(conn)?;
    if expired.is_empty() {
        return Ok(0);
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(&expired)).filter(outbox::uncertain_since.is_null()))
        .set(outbox::uncertain_since.eq(now))
        .execute(conn)?;
    Ok(diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(&expired))
            .filter(outbox::status.eq(JobStatus::InFlight))
            .filter(outbox::lease_until.lt(now)),
    )
    .set((
        outbox::status.eq(JobStatus::Pending),
        outbox::next_attempt_at.eq(now),
        outbox::lease_until.eq(None::<i64>),
        outbox::updated_at.eq(now),
    ))
    .execute(conn)?)
}

fn event(
    conn: &mut AnyConnection,
    claim_id: &str,
    version: i32,
    kind: ClaimEventKind,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    events::record(conn, &[ClaimEvent { claim_id, version, at: now_ms(), kind, detail }])
}

/// The portal took the file: `SENT` (BHXH, outcome awaited) or `DELIVERED` (MoH).
pub fn mark_sent(
    conn: &mut AnyConnection,
    job: &Job,
    transaction_id: &str,
    awaits_outcome: bool,
    first_poll_at: i64,
) -> Result<(), StoreError> {
    mark_all_sent(conn, std::slice::from_ref(job), transaction_id, awaits_outcome, first_poll_at)
}

/// Rows per statement where a statement names many rows: under SQLite's and PostgreSQL's limits
/// on bound parameters.
const ROWS_PER_STATEMENT: usize = 500;

/// [`mark_sent`] for every job of one file, in a few statements whatever the file's size (one
/// round trip per job made PostgreSQL's share of end-to-end dispatch larger than the gateway's):
/// the claims locked in id order, the jobs updated together, their events inserted together, the
/// claims' statuses recomputed together.
pub fn mark_all_sent(
    conn: &mut AnyConnection,
    jobs: &[Job],
    transaction_id: &str,
    awaits_outcome: bool,
    first_poll_at: i64,
) -> Result<(), StoreError> {
    let mut claim_ids: Vec<&str> = jobs.iter().map(|j| j.claim_id.as_str()).collect();
    claim_ids.sort_unstable();
    claim_ids.dedup();
    lock_claims(conn, &claim_ids)?;
    let now = now_ms();
    let state = if awaits_outcome { JobStatus::Sent } else { JobStatus::Delivered };
    let ids: Vec<i64> = jobs.iter().map(|j| j.outbox_id).collect();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        diesel::update(outbox::table.filter(outbox::id.eq_any(chunk)).filter(outbox::status.eq(JobStatus::InFlight)))
            .set((
                outbox::status.eq(state),
                outbox::transaction_id.eq(transaction_id),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::sent_at.eq(now),
                outbox::next_poll_at.eq(awaits_outcome.then_some(first_poll_at)),
                outbox::lease_until.eq(None::<i64>),
                outbox::last_error.eq(None::<String>),
                outbox::uncertain_since.eq(None::<i64>),
                outbox::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    let events: Vec<_> = jobs
        .iter()
        .map(|job| {
            let detail = serde_json::json!({
                "destination": job.destination, "transaction_id": transaction_id, "attempt": job.attempts + 1,
            });
            ClaimEvent {
                claim_id: &job.claim_id,
                version: job.version,
                at: now,
                kind: ClaimEventKind::Submitted,
                detail,
            }
        })
        .collect();
    events::record(conn, &events)?;
    refresh_claim_statuses(conn, &claim_ids)
}

/// A failed attempt: back to `PENDING` at `retry_at`, or `DEAD_LETTER` when `retry_at` is `None`.
/// The job was leased, or waited for a remote signature that was refused or expired.
pub fn mark_failed(
    conn: &mut AnyConnection,
    job: &Job,
    error: &str,
    refusal: Option<(&str, &str)>,
    retry_at: Option<i64>,
) -> Result<(), StoreError> {
    super::claims::lock_claim(conn, &job.claim_id)?;
    let now = now_ms();
    let state = if retry_at.is_some() { JobStatus::Pending } else { JobStatus::DeadLetter };
    let failing = [JobStatus::InFlight, JobStatus::AwaitingSignature];
    diesel::update(outbox::table.find(job.outbox_id).filter(outbox::status.eq_any(failing)))
        .set((
            outbox::status.eq(state),
            outbox::attempts.eq(job.attempts + 1),
            outbox::next_attempt_at.eq(retry_at.unwrap_or(now)),
            outbox::lease_until.eq(None::<i64>),
            outbox::last_error.eq(error),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)?;
    if let Some((code, message)) = refusal {
        record_error(conn, job.outbox_id, code, message)?;
    }
    let kind = if retry_at.is_some() { ClaimEventKind::AttemptFailed } else { ClaimEventKind::DeadLettered };
    event(
        conn,
        &job.claim_id,
        job.version,
        kind,
        serde_json::json!({ "destination": job.destination, "attempt": job.attempts + 1, "error": error }),
    )?;
    refresh_claim_status(conn, &job.claim_id)
}

/// An unanswered file was found in the portal's receipt list: sent, under the portal's transaction.
pub fn mark_found_received(
    conn: &mut AnyConnection,
    job: &Job,
    transaction_id: &str,
    first_poll_at: i64,
) -> Result<(), StoreError> {
    event(
        conn,
        &job.claim_id,
        job.version,
        ClaimEventKind::FoundReceived,
        serde_json::json!({ "destination": job.destination, "transaction_id": transaction_id }),
    )?;
    mark_sent(conn, job, transaction_id, true, first_poll_at)
}

/// The failed attempt got no answer: the portal may hold the file (see [`claim`]).
pub fn mark_uncertain(conn: &mut AnyConnection, job: &Job) -> Result<(), StoreError> {
    diesel::update(outbox::table.find(job.outbox_id).filter(outbox::uncertain_since.is_null()))
        .set(outbox::uncertain_since.eq(now_ms()))
        .execute(conn)?;
    Ok(())
}

/// The version was replaced while queued: withdraw the job.
pub fn mark_superseded(conn: &mut AnyConnection, job: &Job) -> Result<(), StoreError> {
    diesel::update(outbox::table.find(job.outbox_id).filter(outbox::status.eq(JobStatus::InFlight)))
        .set((
            outbox::status.eq(JobStatus::Superseded),
            outbox::lease_until.eq(None::<i64>),
            outbox::updated_at.eq(now_ms()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn record_error(conn: &mut AnyConnection, outbox_id: i64, code: &str, message: &str) -> Result<(), StoreError> {
    diesel::insert_into(submission_errors::table)
        .values((
            submission_errors::outbox_id.eq(outbox_id),
            submission_errors::code.eq(code),
            submission_errors::message.eq(message),
            submission_errors::at.eq(now_ms()),
        ))
        .execute(conn)?;
    Ok(())
}

/// BHXH's error list was read and named no error for the submission: the first time, the claim's
/// timeline (and its facility's HIS) hears that the portal holds the record.
pub fn confirm_received(conn: &mut AnyConnection, s: &SentSubmission) -> Result<(), StoreError> {
    super::claims::lock_claim(conn, &s.claim_id)?;
    let first = diesel::update(
        outbox::table
            .find(s.outbox_id)
            .filter(outbox::status.eq(JobStatus::Sent))
            .filter(outbox::portal_received_at.is_null()),
    )
    .set(outbox::portal_received_at.eq(now_ms()))
    .execute(conn)?;
    if first == 0 {
        return Ok(());
    }
    event(
        conn,
        &s.claim_id,
        s.version,
        ClaimEventKind::PortalReceived,
        serde_json::json!({ "destination": Destination::Bhxh, "transaction_id": s.transaction_id }),
    )
}

/// The errors BHXH listed for a submission (code, message), stored with one timeline event naming
/// them all, unless another instance settled it already. Call before [`record_outcome`] settles
/// it, so the timeline reads errors, then decision.
pub fn record_listed_errors(
    conn: &mut AnyConnection,
    s: &SentSubmission,
    errors: &[(String, String)],
) -> Result<(), StoreError> {
    super::claims::lock_claim(conn, &s.claim_id)?;
    let still_sent = outbox::table
        .find(s.outbox_id)
        .select(outbox::status)
        .first::<JobStatus>(conn)
        .optional()?
        .is_some_and(|status| status == JobStatus::Sent);
    if !still_sent {
        return Ok(());
    }
    for (code, message) in errors {
        record_error(conn, s.outbox_id, code, message)?;
    }
    let listed: Vec<serde_json::Value> =
        errors.iter().map(|(code, message)| serde_json::json!({ "code": code, "message": message })).collect();
    event(
        conn,
        &s.claim_id,
        s.version,
        ClaimEventKind::PortalErrors,
        serde_json::json!({ "destination": Destination::Bhxh, "transaction_id": s.transaction_id, "errors": listed }),
    )
}

/// A submission whose appraisal should be asked for now.
#[derive(Debug, Clone, Queryable)]
pub struct SentSubmission {
    pub outbox_id: i64,
    pub claim_version_id: i64,
    pub claim_id: ClaimId,
    pub version: i32,
    pub facility_code: FacilityCode,
    pub episode_key: String,
    pub transaction_id: String,
    /// When the portal took the file (epoch ms).
    pub sent_at: i64,
    /// `T_BHTT` of the version, in hundredths.
    pub claimed_cents: i64,
}

pub fn due_polls(conn: &mut AnyConnection, limit: i64) -> Result<Vec<SentSubmission>, StoreError> {
    let now = now_ms();
    // A sent submission always has its transaction id (`mark_sent` sets both).
    Ok(outbox::table
        .inner_join(claim_versions::table.inner_join(claims::table))
        .filter(outbox::status.eq(JobStatus::Sent))
        .filter(outbox::next_poll_at.le(now))
        .order(outbox::next_poll_at)
        .limit(limit)
        .select((
            outbox::id,
            outbox::claim_version_id,
            claims::id,
            claim_versions::version,
            claims::facility_code,
            claims::episode_key,
            outbox::transaction_id.assume_not_null(),
            outbox::sent_at.assume_not_null(),
            claim_versions::claimed_cents,
        ))
        .load(conn)?)
}

/// Stops asking about a submission: what the portal decides now comes from an imported result file.
pub fn stop_polling(conn: &mut AnyConnection, outbox_id: i64) -> Result<(), StoreError> {
    diesel::update(outbox::table.find(outbox_id)).set(outbox::next_poll_at.eq(None::<i64>)).execute(conn)?;
    Ok(())
}

pub fn postpone_poll(conn: &mut AnyConnection, outbox_id: i64, at: i64) -> Result<(), StoreError> {
    diesel::update(outbox::table.find(outbox_id)).set(outbox::next_poll_at.eq(at)).execute(conn)?;
    Ok(())
}

/// One line of an appraisal as stored in an outcome's `lines`: its table (`XML2`…), its `STT`
/// as the portal wrote it, the amounts in hundredths and the portal's reason.
pub fn outcome_line(
    table: &str,
    stt: &str,
    claimed_cents: i64,
    approved_cents: i64,
    reason: Option<&str>,
) -> serde_json::Value {
    serde_json::json!({
        "table": table, "stt": stt, "claimed_cents": claimed_cents, "approved_cents": approved_cents, "reason": reason,
    })
}

/// The appraisal of one submission, as reconciled.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `Accepted`, `PartiallyApproved` or `Rejected`.
    pub status: JobStatus,
    pub claimed_cents: i64,
    pub approved_cents: i64,
    pub reasons: Vec<String>,
    pub lines: serde_json::Value,
}

/// Stores the outcome and settles the submission. Another instance may have settled it first:
/// then nothing is written.
pub fn record_outcome(conn: &mut AnyConnection, s: &SentSubmission, outcome: &Outcome) -> Result<(), StoreError> {
    super::claims::lock_claim(conn, &s.claim_id)?;
    let now = now_ms();
    let settled = diesel::update(outbox::table.find(s.outbox_id).filter(outbox::status.eq(JobStatus::Sent)))
        .set((outbox::status.eq(outcome.status), outbox::next_poll_at.eq(None::<i64>), outbox::updated_at.eq(now)))
        .execute(conn)?;
    if settled == 0 {
        return Ok(());
    }
    diesel::insert_into(claim_outcomes::table)
        .values((
            claim_outcomes::outbox_id.eq(s.outbox_id),
            claim_outcomes::claim_version_id.eq(s.claim_version_id),
            claim_outcomes::transaction_id.eq(&s.transaction_id),
            claim_outcomes::status.eq(outcome.status),
            claim_outcomes::claimed_cents.eq(outcome.claimed_cents),
            claim_outcomes::approved_cents.eq(outcome.approved_cents),
            claim_outcomes::reasons_json.eq(serde_json::to_string(&outcome.reasons).expect("strings serialise")),
            claim_outcomes::lines_json.eq(outcome.lines.to_string()),
            claim_outcomes::decided_at.eq(now),
        ))
        .execute(conn)?;
    let cut_lines: Vec<&serde_json::Value> = outcome
        .lines
        .as_array()
        .map(|lines| lines.iter().filter(|l| l["approved_cents"].as_i64() < l["claimed_cents"].as_i64()).collect())
        .unwrap_or_default();
    let detail = serde_json::json!({
        "transaction_id": s.transaction_id,
        "status": outcome.status,
        "claimed_cents": outcome.claimed_cents,
        "approved_cents": outcome.approved_cents,
        "reasons": outcome.reasons,
        "cut_lines": cut_lines,
    });
    events::record(
        conn,
        &[ClaimEvent { claim_id: &s.claim_id, version: s.version, at: now, kind: ClaimEventKind::Appraised, detail }],
    )?;
    refresh_claim_status(conn, &s.claim_id)
}

/// Locks the claims `ids` (sorted, so that every writer locks in one order) on PostgreSQL; SQLite
/// has one writer at a time already.
fn lock_claims(conn: &mut AnyConnection, ids: &[&str]) -> Result<(), StoreError> {
    if let AnyConnection::Postgresql(pg) = conn {
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            claims::table
                .filter(claims::id.eq_any(chunk))
                .select(claims::id)
                .order(claims::id)
                .for_update()
                .load::<String>(pg)?;
        }
    }
    Ok(())
}

/// Recomputes a claim's status from the latest submission per destination of its current
/// version: the BHXH outcome when there is one, else dead-lettered, submitted or queued.
pub fn refresh_claim_status(conn: &mut AnyConnection, claim_id: &ClaimId) -> Result<(), StoreError> {
    super::claims::lock_claim(conn, claim_id)?;
    refresh_claim_statuses(conn, &[claim_id])
}

/// [`refresh_claim_status`] for many claims at once, already locked.
fn refresh_claim_statuses(conn: &mut AnyConnection, ids: &[&str]) -> Result<(), StoreError> {
    // Replays come later than the attempts they replace: the last row per destination counts.
    let mut latest: BTreeMap<String, BTreeMap<Destination, JobStatus>> =
        ids.iter().map(|id| ((*id).to_owned(), BTreeMap::new())).collect();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<(String, Destination, JobStatus)> = outbox::table
            .inner_join(claim_versions::table.inner_join(claims::table))
            .filter(claims::id.eq_any(chunk))
            .filter(claim_versions::version.eq(claims::current_version))
            .order((claims::id, outbox::id))
            .select((claims::id, outbox::destination, outbox::status))
            .load(conn)?;
        for (claim, destination, state) in rows {
            latest.entry(claim).or_default().insert(destination, state);
        }
    }
    let mut by_status: BTreeMap<ClaimStatus, Vec<String>> = BTreeMap::new();
    for (claim, latest) in latest {
        let has = |s: JobStatus| latest.values().any(|st| *st == s);
        let claim_status = match latest.get(&Destination::Bhxh) {
            Some(JobStatus::Accepted) => ClaimStatus::Accepted,
            Some(JobStatus::PartiallyApproved) => ClaimStatus::PartiallyApproved,
            Some(JobStatus::Rejected) => ClaimStatus::Rejected,
            _ if has(JobStatus::DeadLetter) => ClaimStatus::DeadLetter,
            _ if !latest.is_empty()
                && !has(JobStatus::Pending)
                && !has(JobStatus::InFlight)
                && !has(JobStatus::AwaitingSignature) =>
            {
                ClaimStatus::Submitted
            }
            _ => ClaimStatus::Queued,
        };
        by_status.entry(claim_status).or_default().push(claim);
    }
    let now = now_ms();
    for (claim_status, claims_of) in by_status {
        for chunk in claims_of.chunks(ROWS_PER_STATEMENT) {
            diesel::update(claims::table.filter(claims::id.eq_any(chunk)))
                .set((claims::status.eq(claim_status), claims::updated_at.eq(now)))
                .execute(conn)?;
        }
    }
    Ok(())
}

const PAUSED: &str = "paused";

pub fn is_paused(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    let value: Option<String> =
        queue_control::table.find(PAUSED).select(queue_control::value).first(conn).optional()?;
    Ok(value.as_deref() == Some("true"))
}

/// The kill switch: while paused no instance sends anything; ingest goes on.
pub fn set_paused(conn: &mut AnyConnection, paused: bool) -> Result<(), StoreError> {
    let value = if paused { "true" } else { "false" };
    let updated = diesel::update(queue_control::table.find(PAUSED))
        .set((queue_control::value.eq(value), queue_control::updated_at.eq(now_ms())))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(queue_control::table)
            .values((
                queue_control::name.eq(PAUSED),
                queue_control::value.eq(value),
                queue_control::updated_at.eq(now_ms()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Outbox entries per (destination, status), for metrics and the API.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Depth {
    pub destination: Destination,
    pub status: JobStatus,
    pub count: i64,
}

pub fn depth(conn: &mut AnyConnection) -> Result<Vec<Depth>, StoreError> {
    let rows: Vec<(Destination, JobStatus, i64)> = outbox::table
        .group_by((outbox::destination, outbox::status))
        .select((outbox::destination, outbox::status, diesel::dsl::count_star()))
        .order((outbox::destination, outbox::status))
        .load(conn)?;
    Ok(rows.into_iter().map(|(destination, status, count)| Depth { destination, status, count }).collect())
}

/// One submission as the API lists it.
#[derive(Debug, Clone, Queryable, Serialize, ToSchema)]
pub struct Submission {
    pub id: i64,
    pub claim_id: ClaimId,
    pub facility_code: FacilityCode,
    /// `MA_LK`.
    pub episode_key: String,
    pub version: i32,
    pub destination: Destination,
    pub status: JobStatus,
    pub attempts: i32,
    pub transaction_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
    /// The dead-lettered submission this one replays.
    pub replay_of: Option<i64>,
    /// Since when an unanswered sending leaves it unknown whether the portal holds the file (it
    /// is asked before the next sending).
    pub uncertain_since: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct SubmissionFilter {
    pub facility: Option<FacilityCode>,
    pub status: Option<JobStatus>,
    pub destination: Option<Destination>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Newest first.
pub fn list(conn: &mut AnyConnection, f: &SubmissionFilter) -> Result<Vec<Submission>, StoreError> {
    let mut q = outbox::table
        .inner_join(claim_versions::table.inner_join(claims::table))
        .select((
            outbox::id,
            claims::id,
            claims::facility_code,
            claims::episode_key,
            claim_versions::version,
            outbox::destination,
            outbox::status,
            outbox::attempts,
            outbox::transaction_id,
            outbox::last_error,
            outbox::created_at,
            outbox::updated_at,
            outbox::sent_at,
            outbox::replay_of,
            outbox::uncertain_since,
        ))
        .into_boxed();
    if let Some(v) = &f.facility {
        q = q.filter(claims::facility_code.eq(v.clone()));
    }
    if let Some(v) = &f.status {
        q = q.filter(outbox::status.eq(*v));
    }
    if let Some(v) = &f.destination {
        q = q.filter(outbox::destination.eq(*v));
    }
    if let Some(v) = f.before_id {
        q = q.filter(outbox::id.lt(v));
    }
    Ok(q.order(outbox::id.desc()).limit(f.limit).load(conn)?)
}

pub fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<Submission>, StoreError> {
    let Some(after) = id.checked_add(1) else { return Ok(None) };
    let found = list(conn, &SubmissionFilter { before_id: Some(after), limit: 1, ..SubmissionFilter::default() })?;
    Ok(found.into_iter().find(|s| s.id == id))
}

/// Queues a new attempt of a dead-lettered submission, linked to it by `replay_of`.
/// Returns the new submission's id.
pub fn replay(conn: &mut AnyConnection, original: &Submission) -> Result<i64, StoreError> {
    super::claims::lock_claim(conn, &original.claim_id)?;
    let now = now_ms();
    let (version_id, uncertain_since): (i64, Option<i64>) =
        outbox::table.find(original.id).select((outbox::claim_version_id, outbox::uncertain_since)).first(conn)?;
    diesel::insert_into(outbox::table)
        .values((
            outbox::claim_version_id.eq(version_id),
            // The original may have reached the portal unanswered: the replay asks before sending.
            outbox::uncertain_since.eq(uncertain_since),
            outbox::destination.eq(original.destination),
            outbox::status.eq(JobStatus::Pending),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
            outbox::updated_at.eq(now),
            outbox::replay_of.eq(original.id),
        ))
        .execute(conn)?;
    let id: i64 = outbox::table
        .filter(outbox::replay_of.eq(original.id))
        .select(outbox::id)
        .order(outbox::id.desc())
        .first(conn)?;
    events::record(
        conn,
        &[ClaimEvent {
            claim_id: &original.claim_id,
            version: original.version,
            at: now,
            kind: ClaimEventKind::ReplayQueued,
            detail: serde_json::json!({
                "submission": id, "replay_of": original.id, "destination": original.destination,
            }),
        }],
    )?;
    refresh_claim_status(conn, &original.claim_id)?;
    Ok(id)
}

/// One row of the settlement view: a claim's current version with its BHXH outcome, if any.
#[derive(Debug, Clone)]
pub struct SettlementRow {
    pub facility_code: String,
    pub status: ClaimStatus,
    pub claimed_cents: i64,
    pub approved_cents: Option<i64>,
}

/// The claims settled in `year`/`month` (`NAM_QT`/`THANG_QT`), optionally of one facility.
pub fn settlement(
    conn: &mut AnyConnection,
    facility: Option<&str>,
    year: i32,
    month: i32,
) -> Result<Vec<SettlementRow>, StoreError> {
    let mut q = claims::table
        .inner_join(
            claim_versions::table
                .on(claim_versions::claim_id.eq(claims::id).and(claim_versions::version.eq(claims::current_version))),
        )
        .left_join(claim_outcomes::table.on(claim_outcomes::claim_version_id.eq(claim_versions::id)))
        .filter(claim_versions::settlement_year.eq(year))
        .filter(claim_versions::settlement_month.eq(month))
        .select((
            claims::facility_code,
            claims::status,
            claim_versions::claimed_cents,
            claim_outcomes::approved_cents.nullable(),
        ))
        .into_boxed();
    if let Some(f) = facility {
        q = q.filter(claims::facility_code.eq(f.to_owned()));
    }
    let rows: Vec<(String, ClaimStatus, i64, Option<i64>)> = q.order(claim_outcomes::id.nullable()).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(facility_code, status, claimed_cents, approved_cents)| SettlementRow {
            facility_code,
            status,
            claimed_cents,
            approved_cents,
        })
        .collect())
}

/// An appraisal outcome as stored, with the errors listed for its submission.
#[derive(Debug, Clone)]
pub struct StoredOutcome {
    pub status: JobStatus,
    pub claimed_cents: i64,
    pub approved_cents: i64,
    pub reasons: Vec<String>,
    /// `[{table, stt, claimed_cents, approved_cents, reason}]`.
    pub lines: serde_json::Value,
    pub decided_at: i64,
}

/// Errors a portal listed: (code, message).
pub type PortalErrors = Vec<(String, String)>;

/// The outcome of a submission (if appraised) and the errors the portal listed for it.
pub fn outcome_of(
    conn: &mut AnyConnection,
    outbox_id: i64,
) -> Result<(Option<StoredOutcome>, PortalErrors), StoreError> {
    let row: Option<(JobStatus, i64, i64, String, String, i64)> = claim_outcomes::table
        .filter(claim_outcomes::outbox_id.eq(outbox_id))
        .select((
            claim_outcomes::status,
            claim_outcomes::claimed_cents,
            claim_outcomes::approved_cents,
            claim_outcomes::reasons_json,
            claim_outcomes::lines_json,
            claim_outcomes::decided_at,
        ))
        .first(conn)
        .optional()?;
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("outcome of submission {outbox_id}: {e}"));
    let outcome = row
        .map(|(status, claimed_cents, approved_cents, reasons, lines, decided_at)| {
            Ok::<_, StoreError>(StoredOutcome {
                status,
                claimed_cents,
                approved_cents,
                reasons: serde_json::from_str(&reasons).map_err(corrupt)?,
                lines: serde_json::from_str(&lines).map_err(corrupt)?,
                decided_at,
            })
        })
        .transpose()?;
    let errors = submission_errors::table
        .filter(submission_errors::outbox_id.eq(outbox_id))
        .order(submission_errors::id)
        .select((submission_errors::code, submission_errors::message))
        .load(conn)?;
    Ok((outcome, errors))
}
