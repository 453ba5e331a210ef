//! What the scheduled jobs read and write: the daily per-facility snapshot, retention of settled
//! payloads, and the record of job runs.
//!
//! The snapshot's counting is `stats::count_interval`, the same as the figures' own.

use super::events::ClaimEvent;
use super::schema::{claim_versions, claims, episode_payloads, job_runs, outbox};
use super::stats::{self, FacilityDay};
use super::{AnyConnection, StoreError, now_ms};
use crate::vocabulary::{ClaimEventKind, ClaimStatus, JobStatus};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// Counts every facility's `day` from the claims and replaces the stored snapshot of that day
/// (running it twice gives the same rows); a day that has ended becomes final, and the figures
/// read it from the snapshot from then on. Returns the rows written.
pub fn snapshot_day(conn: &mut AnyConnection, day: NaiveDate) -> Result<Vec<FacilityDay>, StoreError> {
    stats::store_day(conn, day)
}

/// The ended days of the last `days` before `today` that are not final yet: days the job missed,
/// or the history from before the gateway took snapshots.
pub fn unfinished_days(conn: &mut AnyConnection, today: NaiveDate, days: i64) -> Result<Vec<NaiveDate>, StoreError> {
    let first = today - chrono::Duration::days(days);
    let yesterday = today - chrono::Duration::days(1);
    let done = stats::final_days(conn, first, yesterday)?;
    Ok(first.iter_days().take_while(|d| *d <= yesterday).filter(|d| !done.contains(d)).collect())
}

/// The stored snapshot rows of one day.
pub fn daily(conn: &mut AnyConnection, day: NaiveDate) -> Result<Vec<FacilityDay>, StoreError> {
    Ok(stats::stored_rows(conn, None, day, day)?.into_iter().map(|r| r.figures).collect())
}

/// Drops the stored episode of every version of claims that are settled (BHXH decided, nothing
/// queued or in flight to any portal) and have not changed since `older_than`. The claim row, its
/// versions' figures, events, outcomes and audit stay. Returns how many versions were emptied.
pub fn drop_settled_payloads(conn: &mut AnyConnection, older_than: i64, limit: i64) -> Result<usize, StoreError> {
    let settled: Vec<String> = claims::table
        .filter(claims::status.eq_any([ClaimStatus::Accepted, ClaimStatus::PartiallyApproved, ClaimStatus::Rejected]))
        .filter(claims::updated_at.lt(older_than))
        .filter(diesel::dsl::exists(
            episode_payloads::table.inner_join(claim_versions::table).filter(claim_versions::claim_id.eq(claims::id)),
        ))
        // Still queued or in flight to some portal: the payload is needed.
        .filter(diesel::dsl::not(diesel::dsl::exists(
            outbox::table
                .inner_join(claim_versions::table)
                .filter(claim_versions::claim_id.eq(claims::id))
                .filter(outbox::status.eq_any([JobStatus::Pending, JobStatus::InFlight])),
        )))
        .select(claims::id)
        .order(claims::updated_at)
        .limit(limit)
        .load(conn)?;
    let now = now_ms();
    let mut dropped = 0;
    for claim_id in &settled {
        let versions: Vec<(i64, i32)> = episode_payloads::table
            .inner_join(claim_versions::table)
            .filter(claim_versions::claim_id.eq(claim_id))
            .select((claim_versions::id, claim_versions::version))
            .load(conn)?;
        let ids: Vec<i64> = versions.iter().map(|(id, _)| *id).collect();
        let n =
            diesel::delete(episode_payloads::table.filter(episode_payloads::version_id.eq_any(&ids))).execute(conn)?;
        diesel::update(claim_versions::table.filter(claim_versions::id.eq_any(&ids)))
            .set(claim_versions::payload_dropped_at.eq(now))
            .execute(conn)?;
        let events: Vec<ClaimEvent> = versions
            .iter()
            .map(|(_, version)| ClaimEvent {
                claim_id,
                version: *version,
                at: now,
                kind: ClaimEventKind::PayloadDropped,
                detail: serde_json::json!({ "reason": "retention" }),
            })
            .collect();
        super::events::record(conn, &events)?;
        dropped += n;
    }
    Ok(dropped)
}

/// One run of a scheduled job, by any instance.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable)]
pub struct JobRun {
    pub id: i64,
    pub job: String,
    pub instance: String,
    pub started_at: i64,
    pub finished_at: i64,
    pub ok: bool,
    /// What the run did, or why it failed.
    pub detail: String,
}

pub fn record_run(
    conn: &mut AnyConnection,
    job: &str,
    instance: &str,
    started_at: i64,
    ok: bool,
    detail: &str,
) -> Result<(), StoreError> {
    diesel::insert_into(job_runs::table)
        .values((
            job_runs::job.eq(job),
            job_runs::instance.eq(instance),
            job_runs::started_at.eq(started_at),
            job_runs::finished_at.eq(now_ms()),
            job_runs::ok.eq(ok),
            job_runs::detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// The latest runs of `job`, newest first.
pub fn recent_runs(conn: &mut AnyConnection, job: &str, limit: i64) -> Result<Vec<JobRun>, StoreError> {
    Ok(job_runs::table.filter(job_runs::job.eq(job)).order(job_runs::id.desc()).limit(limit).load(conn)?)
}
