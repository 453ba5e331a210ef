//! What the scheduled jobs read and write: the daily per-facility snapshot, retention of settled
//! payloads, and the record of job runs.
//!
//! Aggregation happens in Rust over one day's rows rather than in SQL, because `SUM` of a
//! `BIGINT` has a different type on SQLite and PostgreSQL.

use super::outbox::status;
use super::schema::{claim_events, claim_outcomes, claim_versions, claims, facility_daily, job_runs, outbox};
use super::{AnyConnection, StoreError, now_ms};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

const DAY_MS: i64 = 86_400_000;
/// Vietnam is UTC+7 all year; days and settlement months are Vietnamese days.
const VIETNAM_OFFSET_MS: i64 = 7 * 3_600_000;

/// Epoch milliseconds of 00:00 (UTC+7) of `day`.
pub fn day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp_millis()) - VIETNAM_OFFSET_MS
}

/// The Vietnamese calendar day of an instant.
pub fn vietnam_day(at_ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(at_ms + VIETNAM_OFFSET_MS).map(|t| t.date_naive()).unwrap_or_default()
}

/// One facility's day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema, Queryable)]
pub struct FacilityDay {
    pub facility_code: String,
    /// `YYYY-MM-DD` (UTC+7).
    pub day: String,
    /// Claim versions the gateway accepted.
    pub received: i32,
    /// Submissions a portal took (BHXH `maGiaoDich` or MoH receipt).
    pub submitted: i32,
    pub accepted: i32,
    pub partially_approved: i32,
    pub rejected: i32,
    pub dead_lettered: i32,
    /// Claimed and approved `T_BHTT` of the day's BHXH decisions, in hundredths of a đồng.
    pub claimed_cents: i64,
    pub approved_cents: i64,
    pub computed_at: i64,
}

/// Computes every facility's figures for `day` from the claims and submissions and replaces the
/// stored snapshot of that day (running it twice gives the same rows). Returns the rows written.
pub fn snapshot_day(conn: &mut AnyConnection, day: NaiveDate) -> Result<Vec<FacilityDay>, StoreError> {
    let (from, to) = (day_start_ms(day), day_start_ms(day) + DAY_MS);
    let mut rows: BTreeMap<String, FacilityDay> = BTreeMap::new();
    let label = day.format("%Y-%m-%d").to_string();
    fn row<'a>(rows: &'a mut BTreeMap<String, FacilityDay>, label: &str, facility: String) -> &'a mut FacilityDay {
        rows.entry(facility.clone()).or_insert_with(|| FacilityDay {
            facility_code: facility,
            day: label.to_owned(),
            ..FacilityDay::default()
        })
    }
    let received: Vec<String> = claim_versions::table
        .inner_join(claims::table)
        .filter(claim_versions::received_at.ge(from).and(claim_versions::received_at.lt(to)))
        .select(claims::facility_code)
        .load(conn)?;
    for f in received {
        row(&mut rows, &label, f).received += 1;
    }
    let submitted: Vec<String> = outbox::table
        .inner_join(claim_versions::table.inner_join(claims::table))
        .filter(outbox::sent_at.ge(from).and(outbox::sent_at.lt(to)))
        .select(claims::facility_code)
        .load(conn)?;
    for f in submitted {
        row(&mut rows, &label, f).submitted += 1;
    }
    let dead: Vec<String> = outbox::table
        .inner_join(claim_versions::table.inner_join(claims::table))
        .filter(outbox::status.eq(status::DEAD_LETTER))
        .filter(outbox::updated_at.ge(from).and(outbox::updated_at.lt(to)))
        .select(claims::facility_code)
        .load(conn)?;
    for f in dead {
        row(&mut rows, &label, f).dead_lettered += 1;
    }
    let decided: Vec<(String, String, i64, i64)> = claim_outcomes::table
        .inner_join(outbox::table.inner_join(claim_versions::table.inner_join(claims::table)))
        .filter(claim_outcomes::decided_at.ge(from).and(claim_outcomes::decided_at.lt(to)))
        .select((
            claims::facility_code,
            claim_outcomes::status,
            claim_outcomes::claimed_cents,
            claim_outcomes::approved_cents,
        ))
        .load(conn)?;
    for (f, state, claimed, approved) in decided {
        let r = row(&mut rows, &label, f);
        match state.as_str() {
            status::ACCEPTED => r.accepted += 1,
            status::PARTIALLY_APPROVED => r.partially_approved += 1,
            _ => r.rejected += 1,
        }
        r.claimed_cents += claimed;
        r.approved_cents += approved;
    }
    let now = now_ms();
    let rows: Vec<FacilityDay> = rows.into_values().map(|r| FacilityDay { computed_at: now, ..r }).collect();
    diesel::delete(facility_daily::table.filter(facility_daily::day.eq(&label))).execute(conn)?;
    for r in &rows {
        diesel::insert_into(facility_daily::table)
            .values((
                facility_daily::facility_code.eq(&r.facility_code),
                facility_daily::day.eq(&r.day),
                facility_daily::received.eq(r.received),
                facility_daily::submitted.eq(r.submitted),
                facility_daily::accepted.eq(r.accepted),
                facility_daily::partially_approved.eq(r.partially_approved),
                facility_daily::rejected.eq(r.rejected),
                facility_daily::dead_lettered.eq(r.dead_lettered),
                facility_daily::claimed_cents.eq(r.claimed_cents),
                facility_daily::approved_cents.eq(r.approved_cents),
                facility_daily::computed_at.eq(r.computed_at),
            ))
            .execute(conn)?;
    }
    Ok(rows)
}

/// The stored snapshot rows of one day.
pub fn daily(conn: &mut AnyConnection, day: NaiveDate) -> Result<Vec<FacilityDay>, StoreError> {
    Ok(facility_daily::table
        .filter(facility_daily::day.eq(day.format("%Y-%m-%d").to_string()))
        .order(facility_daily::facility_code)
        .load(conn)?)
}

/// Drops the stored episode of every version of claims that are settled (BHXH decided, nothing
/// queued or in flight to any portal) and have not changed since `older_than`. The claim row, its
/// versions' figures, events, outcomes and audit stay. Returns how many versions were emptied.
pub fn drop_settled_payloads(conn: &mut AnyConnection, older_than: i64, limit: i64) -> Result<usize, StoreError> {
    let settled: Vec<String> = claims::table
        .filter(claims::status.eq_any([status::ACCEPTED, status::PARTIALLY_APPROVED, status::REJECTED]))
        .filter(claims::updated_at.lt(older_than))
        .filter(diesel::dsl::exists(
            claim_versions::table
                .filter(claim_versions::claim_id.eq(claims::id))
                .filter(claim_versions::episode_json.is_not_null()),
        ))
        // Still queued or in flight to some portal: the payload is needed.
        .filter(diesel::dsl::not(diesel::dsl::exists(
            outbox::table
                .inner_join(claim_versions::table)
                .filter(claim_versions::claim_id.eq(claims::id))
                .filter(outbox::status.eq_any([status::PENDING, status::IN_FLIGHT])),
        )))
        .select(claims::id)
        .order(claims::updated_at)
        .limit(limit)
        .load(conn)?;
    let now = now_ms();
    let mut dropped = 0;
    for claim_id in &settled {
        let versions: Vec<i32> = claim_versions::table
            .filter(claim_versions::claim_id.eq(claim_id))
            .filter(claim_versions::episode_json.is_not_null())
            .select(claim_versions::version)
            .load(conn)?;
        let n = diesel::update(
            claim_versions::table
                .filter(claim_versions::claim_id.eq(claim_id))
                .filter(claim_versions::episode_json.is_not_null()),
        )
        .set((claim_versions::episode_json.eq(None::<String>), claim_versions::payload_dropped_at.eq(now)))
        .execute(conn)?;
        for version in versions {
            diesel::insert_into(claim_events::table)
                .values((
                    claim_events::claim_id.eq(claim_id),
                    claim_events::version.eq(version),
                    claim_events::at.eq(now),
                    claim_events::kind.eq("payload_dropped"),
                    claim_events::detail.eq(serde_json::json!({ "reason": "retention" }).to_string()),
                ))
                .execute(conn)?;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_vietnamese_days() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 28).expect("a date");
        // 00:00 in Vietnam is 17:00 UTC the day before.
        assert_eq!(day_start_ms(day), 1_795_798_800_000);
        assert_eq!(vietnam_day(day_start_ms(day)), day);
        assert_eq!(vietnam_day(day_start_ms(day) - 1), day.pred_opt().expect("a date"));
    }
}
