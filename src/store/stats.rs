//! The connectivity figures of the Department of Health, for the province or one facility, over a
//! period of days: the funnel from receipt to the portals' decisions, volume per day, the delay
//! from the end of a visit to the portal's acknowledgement, ageing of unresolved claims, and the
//! reasons behind refusals.
//!
//! Everything that adds up is a [`Tally`]. A day whose snapshot was taken after it ended
//! (`daily_snapshots`) is read from its stored tallies (`facility_daily`); any other day (today,
//! or a day the snapshot job has not reached) is counted from the claims. Both give the same
//! numbers (tested), and a year of a province costs a few thousand stored rows instead of millions.

use super::schema::{
    claim_outcomes, claim_versions, claims, daily_snapshots, facilities, facility_daily, ingest_rejections, outbox,
    submission_errors,
};
use super::webhooks::Notice;
use super::{AnyConnection, StoreError, now_ms};
use crate::domain::time::{day_start_ms, vietnam_day};
use crate::domain::violation::Violation;
use crate::vocabulary::{ClaimStatus, Destination, JobStatus, WebhookEvent};
use chrono::NaiveDate;
use diesel::connection::DefaultLoadingMode;
use diesel::pg::PgRowByRowLoadingMode;
use diesel::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

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
    /// Episodes refused at ingest (critical rules).
    pub refused_at_ingest: i32,
}

const DAY_MS: i64 = 86_400_000;

/// An episode refused at ingest.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub facility_code: String,
    /// `MA_LK`, when the episode had one.
    pub episode_key: Option<String>,
    /// The critical rules it broke, values bounded and masked as in the answer.
    pub violations: Vec<Violation>,
}

/// Most violations of a refusal kept for the worklist and its callback (`violations_total`
/// counts them all).
const REFUSAL_VIOLATIONS_TOLD: usize = 50;

fn told(refusal: &Refusal) -> &[Violation] {
    &refusal.violations[..refusal.violations.len().min(REFUSAL_VIOLATIONS_TOLD)]
}

/// Notes episodes refused at ingest (for the figures and the facility's worklist), and tells their
/// facilities' HIS (`claim.refused`).
pub fn record_rejections(conn: &mut AnyConnection, refusals: &[Refusal]) -> Result<(), StoreError> {
    let at = now_ms();
    for refusal in refusals {
        let rules: Vec<&str> = refusal.violations.iter().map(|v| v.rule.as_str()).collect();
        diesel::insert_into(ingest_rejections::table)
            .values((
                ingest_rejections::facility_code.eq(&refusal.facility_code),
                ingest_rejections::episode_key.eq(&refusal.episode_key),
                ingest_rejections::at.eq(at),
                ingest_rejections::rules_json.eq(serde_json::to_string(&rules).unwrap_or_default()),
                ingest_rejections::violations_json.eq(serde_json::to_string(&told(refusal)).ok()),
            ))
            .execute(conn)?;
    }
    let notices = refusals
        .iter()
        .map(|r| Notice {
            facility_code: r.facility_code.clone(),
            event: WebhookEvent::ClaimRefused,
            claim_id: None,
            episode_key: r.episode_key.clone(),
            version: None,
            at,
            detail: serde_json::json!({ "violations": told(r), "violations_total": r.violations.len() }),
        })
        .collect();
    super::webhooks::enqueue(conn, notices)
}

/// Received → valid → submitted → decided, over the period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Funnel {
    /// Episodes that arrived: accepted plus refused at ingest.
    pub received: u64,
    /// Refused at ingest (critical rules).
    pub refused_at_ingest: u64,
    /// Accepted and stored (claim versions).
    pub valid: u64,
    /// Taken by the BHXH portal (`maGiaoDich` received).
    pub submitted: u64,
    pub accepted: u64,
    pub partially_approved: u64,
    pub rejected: u64,
    pub dead_lettered: u64,
}

/// The delay from the end of a visit (`NGAY_RA`) to BHXH's acknowledgement, to three significant
/// digits of minutes (exact below 1,000 minutes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Delay {
    pub samples: u64,
    pub median_seconds: Option<u64>,
    pub p90_seconds: Option<u64>,
}

/// Claims not yet decided, by days since the gateway received them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Ageing {
    pub days_0_7: u64,
    pub days_8_15: u64,
    pub days_16_30: u64,
    pub over_30_days: u64,
}

/// One reason with its count and the cumulative share of the Pareto list (per cent).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Reason {
    pub code: String,
    pub count: u64,
    pub cumulative_percent: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Figures {
    pub funnel: Funnel,
    /// `rejected / (accepted + partially_approved + rejected)`, per cent; none before a decision.
    pub rejection_rate_percent: Option<f64>,
    /// Accepted claim versions per day (`YYYY-MM-DD`, Vietnam time).
    pub per_day: BTreeMap<String, u64>,
    /// The same per ISO week (`YYYY-Www`).
    pub per_week: BTreeMap<String, u64>,
    /// The same per month (`YYYY-MM`).
    pub per_month: BTreeMap<String, u64>,
    pub delay_to_acknowledgement: Delay,
    pub ageing: Ageing,
    /// Critical rules behind refusals at ingest, most frequent first (top 10).
    pub top_validation_rules: Vec<Reason>,
    /// The portal's error codes and appraisal reasons, most frequent first (top 10).
    pub top_portal_reasons: Vec<Reason>,
    /// When the last episode was accepted (epoch ms), whenever that was.
    pub last_received_at: Option<i64>,
    /// When a portal last acknowledged a file (epoch ms), whenever that was.
    pub last_acknowledged_at: Option<i64>,
}

fn pareto(counts: &BTreeMap<String, u64>) -> Vec<Reason> {
    let total: u64 = counts.values().sum();
    let mut list: Vec<(&String, u64)> = counts.iter().map(|(k, v)| (k, *v)).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut running = 0;
    list.into_iter()
        .take(10)
        .map(|(code, count)| {
            running += count;
            let share = if total == 0 { 0.0 } else { running as f64 * 100.0 / total as f64 };
            Reason { code: code.clone(), count, cumulative_percent: (share * 10.0).round() / 10.0 }
        })
        .collect()
}

/// A delay in minutes kept to three significant digits: exact below 1,000 minutes (16 h 40 min),
/// within 1 % above, so that a day's delays fit in a few hundred counters.
fn delay_bucket(delay_ms: i64) -> i64 {
    let mut minutes = delay_ms.max(0) / 60_000;
    let mut scale = 1;
    while minutes >= 1000 {
        minutes /= 10;
        scale *= 10;
    }
    minutes * scale
}

/// The `p`th percentile of a histogram of delay buckets, in seconds.
fn percentile(histogram: &BTreeMap<i64, u64>, p: u64) -> Option<u64> {
    let total: u64 = histogram.values().sum();
    if total == 0 {
        return None;
    }
    let rank = (total - 1) * p / 100;
    let mut seen = 0;
    histogram.iter().find_map(|(minutes, n)| {
        seen += n;
        (seen > rank).then_some(*minutes as u64 * 60)
    })
}

/// What happened in an interval, for one facility or several: the part of the figures that adds
/// up across days and facilities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Claim versions accepted.
    pub valid: u64,
    pub refused_at_ingest: u64,
    /// Submissions any portal took (BHXH and MoH).
    pub submitted_anywhere: u64,
    pub accepted: u64,
    pub partially_approved: u64,
    pub rejected: u64,
    pub dead_lettered: u64,
    /// Σ claimed and approved `T_BHTT` of BHXH's decisions, in hundredths of a đồng.
    pub claimed_cents: i64,
    pub approved_cents: i64,
    /// Valid episodes per Vietnamese day.
    pub per_day: BTreeMap<NaiveDate, u64>,
    /// The critical rules behind refusals at ingest.
    pub rules: BTreeMap<String, u64>,
    /// The portals' appraisal reasons and error codes.
    pub reasons: BTreeMap<String, u64>,
    /// BHXH submissions by delay from discharge ([`delay_bucket`] minutes).
    pub delays: BTreeMap<i64, u64>,
    /// The latest acknowledgement by any portal (epoch ms).
    pub last_sent_at: Option<i64>,
}

fn add_counts<K: Ord + Clone>(into: &mut BTreeMap<K, u64>, from: &BTreeMap<K, u64>) {
    for (k, n) in from {
        *into.entry(k.clone()).or_default() += n;
    }
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.valid += other.valid;
        self.refused_at_ingest += other.refused_at_ingest;
        self.submitted_anywhere += other.submitted_anywhere;
        self.accepted += other.accepted;
        self.partially_approved += other.partially_approved;
        self.rejected += other.rejected;
        self.dead_lettered += other.dead_lettered;
        self.claimed_cents += other.claimed_cents;
        self.approved_cents += other.approved_cents;
        add_counts(&mut self.per_day, &other.per_day);
        add_counts(&mut self.rules, &other.rules);
        add_counts(&mut self.reasons, &other.reasons);
        add_counts(&mut self.delays, &other.delays);
        self.last_sent_at = self.last_sent_at.max(other.last_sent_at);
    }

    /// Submissions BHXH took.
    pub fn submitted(&self) -> u64 {
        self.delays.values().sum()
    }

    fn funnel(&self) -> Funnel {
        Funnel {
            received: self.valid + self.refused_at_ingest,
            refused_at_ingest: self.refused_at_ingest,
            valid: self.valid,
            submitted: self.submitted(),
            accepted: self.accepted,
            partially_approved: self.partially_approved,
            rejected: self.rejected,
            dead_lettered: self.dead_lettered,
        }
    }
}

/// Runs `$query` (built anew for each backend, so it may be boxed) and hands each `$row` to
/// `$body` as the database returns it: SQLite steps through its result, PostgreSQL is read in
/// libpq's row-by-row mode, without which libpq holds a whole result in memory before the first row.
macro_rules! for_each_row {
    ($conn:expr, $query:expr, $row:ty, |$r:pat_param| $body:block) => {
        match &mut *$conn {
            AnyConnection::Sqlite(c) => {
                for row in $query.load_iter::<$row, DefaultLoadingMode>(c)? {
                    let $r = row?;
                    $body
                }
            }
            AnyConnection::Postgresql(c) => {
                for row in $query.load_iter::<$row, PgRowByRowLoadingMode>(c)? {
                    let $r = row?;
                    $body
                }
            }
        }
    };
}

/// `$query`, boxed, narrowed to the facility of `$facility` (an `&Option<String>`) when one is
/// given, by `$column` (by default the facility of the claim the query is joined with).
macro_rules! of_facility {
    ($facility:expr, $query:expr) => {
        of_facility!($facility, $query, claims::facility_code)
    };
    ($facility:expr, $query:expr, $column:expr) => {
        match $facility {
            Some(code) => $query.into_boxed().filter($column.eq(code.clone())),
            None => $query.into_boxed(),
        }
    };
}

/// Counts `[from, to)` (epoch ms) from the claims, per facility (only `facility` when given),
/// folding the rows as they come: what it holds is a tally per facility, however many claims the
/// interval has. (Grouping in SQL instead was 5 times slower on SQLite over a year of a million
/// claims: it sorts every row.)
pub fn count_interval(
    conn: &mut AnyConnection,
    facility: Option<&str>,
    from: i64,
    to: i64,
) -> Result<BTreeMap<String, Tally>, StoreError> {
    let mut all: BTreeMap<String, Tally> = BTreeMap::new();
    let fac = facility.map(str::to_owned);
    let strings = |json: &str| serde_json::from_str::<Vec<String>>(json).unwrap_or_default();

    for_each_row!(
        conn,
        of_facility!(
            &fac,
            claim_versions::table
                .inner_join(claims::table)
                .filter(claim_versions::received_at.ge(from).and(claim_versions::received_at.lt(to)))
                .select((claims::facility_code, claim_versions::received_at))
        ),
        (String, i64),
        |(code, at)| {
            let t = all.entry(code).or_default();
            t.valid += 1;
            *t.per_day.entry(vietnam_day(at)).or_default() += 1;
        }
    );

    for_each_row!(
        conn,
        of_facility!(
            &fac,
            ingest_rejections::table
                .filter(ingest_rejections::at.ge(from).and(ingest_rejections::at.lt(to)))
                .select((ingest_rejections::facility_code, ingest_rejections::rules_json)),
            ingest_rejections::facility_code
        ),
        (String, String),
        |(code, json)| {
            let t = all.entry(code).or_default();
            t.refused_at_ingest += 1;
            for rule in strings(&json) {
                *t.rules.entry(rule).or_default() += 1;
            }
        }
    );

    for_each_row!(
        conn,
        of_facility!(
            &fac,
            outbox::table
                .inner_join(claim_versions::table.inner_join(claims::table))
                .filter(outbox::sent_at.ge(from).and(outbox::sent_at.lt(to)))
                .select((claims::facility_code, outbox::destination, outbox::sent_at, claim_versions::discharged_at))
        ),
        (String, Destination, Option<i64>, i64),
        |(code, destination, sent, discharged)| {
            let t = all.entry(code).or_default();
            t.submitted_anywhere += 1;
            t.last_sent_at = t.last_sent_at.max(sent);
            if let (Destination::Bhxh, Some(sent)) = (destination, sent) {
                *t.delays.entry(delay_bucket(sent - discharged)).or_default() += 1;
            }
        }
    );

    for_each_row!(
        conn,
        of_facility!(
            &fac,
            claim_outcomes::table
                .inner_join(outbox::table.inner_join(claim_versions::table.inner_join(claims::table)))
                .filter(claim_outcomes::decided_at.ge(from).and(claim_outcomes::decided_at.lt(to)))
                .select((
                    claims::facility_code,
                    claim_outcomes::status,
                    claim_outcomes::reasons_json,
                    claim_outcomes::claimed_cents,
                    claim_outcomes::approved_cents,
                ))
        ),
        (String, JobStatus, String, i64, i64),
        |(code, state, json, claimed, approved)| {
            let t = all.entry(code).or_default();
            match state {
                JobStatus::Accepted => t.accepted += 1,
                JobStatus::PartiallyApproved => t.partially_approved += 1,
                _ => t.rejected += 1,
            }
            t.claimed_cents += claimed;
            t.approved_cents += approved;
            for reason in strings(&json) {
                *t.reasons.entry(reason).or_default() += 1;
            }
        }
    );

    for_each_row!(
        conn,
        of_facility!(
            &fac,
            submission_errors::table
                .inner_join(outbox::table.inner_join(claim_versions::table.inner_join(claims::table)))
                .filter(submission_errors::at.ge(from).and(submission_errors::at.lt(to)))
                .select((claims::facility_code, submission_errors::code))
        ),
        (String, String),
        |(code, error)| {
            *all.entry(code).or_default().reasons.entry(error).or_default() += 1;
        }
    );

    for_each_row!(
        conn,
        of_facility!(
            &fac,
            outbox::table
                .inner_join(claim_versions::table.inner_join(claims::table))
                .filter(outbox::status.eq(JobStatus::DeadLetter))
                .filter(outbox::updated_at.ge(from).and(outbox::updated_at.lt(to)))
                .select(claims::facility_code)
        ),
        String,
        |code| {
            all.entry(code).or_default().dead_lettered += 1;
        }
    );
    Ok(all)
}

fn to_json<K: ToString>(counts: &BTreeMap<K, u64>) -> String {
    let map: serde_json::Map<String, serde_json::Value> =
        counts.iter().map(|(k, n)| (k.to_string(), serde_json::Value::from(*n))).collect();
    serde_json::Value::Object(map).to_string()
}

fn from_json<K: serde::de::DeserializeOwned + Ord>(json: &str) -> Result<BTreeMap<K, u64>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("facility_daily counts `{json}`: {e}")))
}

/// Counts `day` from the claims and stores each facility's tally in `facility_daily` (replacing
/// the day's rows); a day that has ended is then marked final in `daily_snapshots`. Returns the
/// rows written.
pub fn store_day(conn: &mut AnyConnection, day: NaiveDate) -> Result<Vec<FacilityDay>, StoreError> {
    let (from, to) = (day_start_ms(day), day_start_ms(day) + DAY_MS);
    let tallies = count_interval(conn, None, from, to)?;
    let label = day.format("%Y-%m-%d").to_string();
    let now = now_ms();
    let int = |n: u64| i32::try_from(n).unwrap_or(i32::MAX);
    diesel::delete(facility_daily::table.filter(facility_daily::day.eq(&label))).execute(conn)?;
    let mut rows = Vec::with_capacity(tallies.len());
    for (facility_code, t) in tallies {
        let row = FacilityDay {
            facility_code,
            day: label.clone(),
            received: int(t.valid),
            submitted: int(t.submitted_anywhere),
            accepted: int(t.accepted),
            partially_approved: int(t.partially_approved),
            rejected: int(t.rejected),
            dead_lettered: int(t.dead_lettered),
            claimed_cents: t.claimed_cents,
            approved_cents: t.approved_cents,
            computed_at: now,
            refused_at_ingest: int(t.refused_at_ingest),
        };
        diesel::insert_into(facility_daily::table)
            .values((
                facility_daily::facility_code.eq(&row.facility_code),
                facility_daily::day.eq(&row.day),
                facility_daily::received.eq(row.received),
                facility_daily::submitted.eq(row.submitted),
                facility_daily::accepted.eq(row.accepted),
                facility_daily::partially_approved.eq(row.partially_approved),
                facility_daily::rejected.eq(row.rejected),
                facility_daily::dead_lettered.eq(row.dead_lettered),
                facility_daily::claimed_cents.eq(row.claimed_cents),
                facility_daily::approved_cents.eq(row.approved_cents),
                facility_daily::computed_at.eq(row.computed_at),
                facility_daily::refused_at_ingest.eq(row.refused_at_ingest),
                facility_daily::rules_json.eq(to_json(&t.rules)),
                facility_daily::reasons_json.eq(to_json(&t.reasons)),
                facility_daily::delays_json.eq(to_json(&t.delays)),
                facility_daily::last_sent_at.eq(t.last_sent_at),
            ))
            .execute(conn)?;
        rows.push(row);
    }
    diesel::delete(daily_snapshots::table.filter(daily_snapshots::day.eq(&label))).execute(conn)?;
    if now >= to {
        diesel::insert_into(daily_snapshots::table)
            .values((daily_snapshots::day.eq(&label), daily_snapshots::computed_at.eq(now)))
            .execute(conn)?;
    }
    Ok(rows)
}

/// Days of `[from, to]` whose stored tallies are final.
pub fn final_days(conn: &mut AnyConnection, from: NaiveDate, to: NaiveDate) -> Result<BTreeSet<NaiveDate>, StoreError> {
    let days: Vec<String> = daily_snapshots::table
        .filter(daily_snapshots::day.ge(from.format("%Y-%m-%d").to_string()))
        .filter(daily_snapshots::day.le(to.format("%Y-%m-%d").to_string()))
        .select(daily_snapshots::day)
        .load(conn)?;
    Ok(days.iter().filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).collect())
}

/// A `facility_daily` row: the day's figures and what the tallies keep beside them.
#[derive(Queryable)]
pub(super) struct StoredDay {
    pub figures: FacilityDay,
    pub rules_json: String,
    pub reasons_json: String,
    pub delays_json: String,
    pub last_sent_at: Option<i64>,
}

/// The stored rows of the days `[from, to]`, of one facility or all, by facility and day.
pub(super) fn stored_rows(
    conn: &mut AnyConnection,
    facility: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<StoredDay>, StoreError> {
    let mut q = facility_daily::table
        .filter(facility_daily::day.ge(from.format("%Y-%m-%d").to_string()))
        .filter(facility_daily::day.le(to.format("%Y-%m-%d").to_string()))
        .select((
            (
                facility_daily::facility_code,
                facility_daily::day,
                facility_daily::received,
                facility_daily::submitted,
                facility_daily::accepted,
                facility_daily::partially_approved,
                facility_daily::rejected,
                facility_daily::dead_lettered,
                facility_daily::claimed_cents,
                facility_daily::approved_cents,
                facility_daily::computed_at,
                facility_daily::refused_at_ingest,
            ),
            facility_daily::rules_json,
            facility_daily::reasons_json,
            facility_daily::delays_json,
            facility_daily::last_sent_at,
        ))
        .order((facility_daily::facility_code, facility_daily::day))
        .into_boxed();
    if let Some(code) = facility {
        q = q.filter(facility_daily::facility_code.eq(code.to_owned()));
    }
    Ok(q.load(conn)?)
}

/// The tallies of `[from, to]` per facility: stored final days plus the other days counted from
/// the claims.
pub fn tally_days(
    conn: &mut AnyConnection,
    facility: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<String, Tally>, StoreError> {
    let stored_days = final_days(conn, from, to)?;
    let mut all: BTreeMap<String, Tally> = BTreeMap::new();
    if !stored_days.is_empty() {
        let n = |v: i32| v.max(0) as u64;
        for row in stored_rows(conn, facility, from, to)? {
            let f = row.figures;
            let Some(day) = NaiveDate::parse_from_str(&f.day, "%Y-%m-%d").ok().filter(|d| stored_days.contains(d))
            else {
                continue;
            };
            all.entry(f.facility_code).or_default().add(&Tally {
                valid: n(f.received),
                refused_at_ingest: n(f.refused_at_ingest),
                submitted_anywhere: n(f.submitted),
                accepted: n(f.accepted),
                partially_approved: n(f.partially_approved),
                rejected: n(f.rejected),
                dead_lettered: n(f.dead_lettered),
                claimed_cents: f.claimed_cents,
                approved_cents: f.approved_cents,
                per_day: if f.received > 0 { BTreeMap::from([(day, n(f.received))]) } else { BTreeMap::new() },
                rules: from_json(&row.rules_json)?,
                reasons: from_json(&row.reasons_json)?,
                delays: from_json(&row.delays_json)?,
                last_sent_at: row.last_sent_at,
            });
        }
    }
    // The other days, in runs of consecutive days: one count each.
    let mut day = from;
    while day <= to {
        if stored_days.contains(&day) {
            day += chrono::Duration::days(1);
            continue;
        }
        let start = day;
        while day <= to && !stored_days.contains(&day) {
            day += chrono::Duration::days(1);
        }
        for (code, t) in count_interval(conn, facility, day_start_ms(start), day_start_ms(day))? {
            all.entry(code).or_default().add(&t);
        }
    }
    Ok(all)
}

/// The figures of the days `[from, to]` (Vietnam time) for one facility, or for every facility.
pub fn figures(
    conn: &mut AnyConnection,
    facility: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Figures, StoreError> {
    let mut t = Tally::default();
    for part in tally_days(conn, facility, from, to)?.values() {
        t.add(part);
    }
    let mut f = Figures { funnel: t.funnel(), ..Figures::default() };
    for (day, n) in &t.per_day {
        f.per_day.insert(day.format("%Y-%m-%d").to_string(), *n);
        *f.per_week.entry(day.format("%G-W%V").to_string()).or_default() += n;
        *f.per_month.entry(day.format("%Y-%m").to_string()).or_default() += n;
    }
    f.rejection_rate_percent = rejection_rate(&f.funnel);
    f.delay_to_acknowledgement = Delay {
        samples: t.submitted(),
        median_seconds: percentile(&t.delays, 50),
        p90_seconds: percentile(&t.delays, 90),
    };
    f.top_validation_rules = pareto(&t.rules);
    f.top_portal_reasons = pareto(&t.reasons);

    // The state now, whatever the period: unresolved claims by age, the latest receipt and
    // acknowledgement.
    let fac = facility.map(str::to_owned);
    let now = now_ms();
    for_each_row!(
        conn,
        of_facility!(
            &fac,
            claims::table
                .filter(claims::status.eq_any([ClaimStatus::Queued, ClaimStatus::Submitted]))
                .select(claims::received_at)
        ),
        i64,
        |at| {
            match (now - at) / DAY_MS {
                0..=7 => f.ageing.days_0_7 += 1,
                8..=15 => f.ageing.days_8_15 += 1,
                16..=30 => f.ageing.days_16_30 += 1,
                _ => f.ageing.over_30_days += 1,
            }
        }
    );
    f.last_received_at = match &fac {
        Some(code) => last_received(conn, code)?,
        None => claims::table.select(claims::received_at).order(claims::received_at.desc()).first(conn).optional()?,
    };
    f.last_acknowledged_at = last_acknowledged(conn, facility)?;
    Ok(f)
}

/// When a portal last acknowledged a file (of `facility`, or of any): the latest the snapshots
/// saw, or a later one counted from the submissions since the last final day.
fn last_acknowledged(conn: &mut AnyConnection, facility: Option<&str>) -> Result<Option<i64>, StoreError> {
    let mut stored = facility_daily::table.select(diesel::dsl::max(facility_daily::last_sent_at)).into_boxed();
    let mut q = outbox::table
        .inner_join(claim_versions::table.inner_join(claims::table))
        .select(outbox::sent_at)
        .order(outbox::sent_at.desc())
        .into_boxed();
    if let Some(code) = facility {
        stored = stored.filter(facility_daily::facility_code.eq(code.to_owned()));
        q = q.filter(claims::facility_code.eq(code.to_owned()));
    }
    let latest_final: Option<String> =
        daily_snapshots::table.select(diesel::dsl::max(daily_snapshots::day)).first(conn)?;
    let since = latest_final
        .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        .map_or(0, |d| day_start_ms(d) + DAY_MS);
    let stored: Option<i64> = stored.first(conn)?;
    let live: Option<i64> = q.filter(outbox::sent_at.ge(since)).first::<Option<i64>>(conn).optional()?.flatten();
    Ok(stored.max(live))
}

/// When a facility's latest episode was accepted (one index look-up).
fn last_received(conn: &mut AnyConnection, code: &str) -> Result<Option<i64>, StoreError> {
    Ok(claims::table
        .filter(claims::facility_code.eq(code))
        .select(claims::received_at)
        .order(claims::received_at.desc())
        .first(conn)
        .optional()?)
}

/// A live facility that has sent nothing since `since` (epoch ms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SilentFacility {
    pub code: String,
    pub name: String,
    /// Epoch ms of its last accepted episode; none if it never sent one.
    pub last_received_at: Option<i64>,
}

pub fn silent_facilities(conn: &mut AnyConnection, since: i64) -> Result<Vec<SilentFacility>, StoreError> {
    let live: Vec<(String, String)> = facilities::table
        .filter(facilities::status.eq("live"))
        .select((facilities::code, facilities::name))
        .order(facilities::code)
        .load(conn)?;
    let mut silent = Vec::new();
    for (code, name) in live {
        let last = last_received(conn, &code)?;
        if last.is_none_or(|at| at < since) {
            silent.push(SilentFacility { code, name, last_received_at: last });
        }
    }
    Ok(silent)
}

/// Counts by a name.
pub type Counts = BTreeMap<String, u64>;

/// Registered facilities by kind and by status.
pub fn facility_counts(conn: &mut AnyConnection) -> Result<(Counts, Counts), StoreError> {
    let mut by_kind = BTreeMap::new();
    let mut by_status = BTreeMap::new();
    for (kind, state) in
        facilities::table.select((facilities::kind, facilities::status)).load::<(String, String)>(conn)?
    {
        *by_kind.entry(kind).or_default() += 1;
        *by_status.entry(state).or_default() += 1;
    }
    Ok((by_kind, by_status))
}

/// Submissions dead-lettered since `since` (epoch ms), per facility.
pub fn dead_letters_per_facility(conn: &mut AnyConnection, since: i64) -> Result<BTreeMap<String, u32>, StoreError> {
    let rows: Vec<(String, i64)> = outbox::table
        .inner_join(claim_versions::table.inner_join(claims::table))
        .filter(outbox::status.eq(JobStatus::DeadLetter))
        .filter(outbox::updated_at.ge(since))
        .group_by(claims::facility_code)
        .select((claims::facility_code, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().map(|(code, n)| (code, u32::try_from(n).unwrap_or(u32::MAX))).collect())
}

/// What one facility did over a period: the funnel's counts, as in [`Figures`], and its latest
/// accepted episode whenever that was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Activity {
    pub funnel: Funnel,
    pub last_received_at: Option<i64>,
}

impl Activity {
    /// `rejected / decided`, per cent, as in [`Figures::rejection_rate_percent`].
    pub fn rejection_rate_percent(&self) -> Option<f64> {
        rejection_rate(&self.funnel)
    }
}

fn rejection_rate(f: &Funnel) -> Option<f64> {
    let decided = f.accepted + f.partially_approved + f.rejected;
    (decided > 0).then(|| (f.rejected as f64 * 1000.0 / decided as f64).round() / 10.0)
}

/// Every registered facility's [`Activity`] over the days `[from, to]`.
pub fn activity_per_facility(
    conn: &mut AnyConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<String, Activity>, StoreError> {
    let mut tallies = tally_days(conn, None, from, to)?;
    let codes: Vec<String> = facilities::table.select(facilities::code).load(conn)?;
    let mut all = BTreeMap::new();
    for code in codes {
        let funnel = tallies.remove(&code).map(|t| t.funnel()).unwrap_or_default();
        let last_received_at = last_received(conn, &code)?;
        all.insert(code, Activity { funnel, last_received_at });
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_keep_three_significant_digits_of_minutes() {
        let minutes = |m: i64| delay_bucket(m * 60_000 + 59_999);
        assert_eq!((minutes(0), minutes(999), minutes(1000)), (0, 999, 1000));
        assert_eq!((minutes(12_345), minutes(123_456)), (12_300, 123_000));
        assert_eq!(delay_bucket(-5_000), 0, "a receipt before the discharge counts as no delay");
    }

    #[test]
    fn percentiles_come_from_the_histogram_in_seconds() {
        let histogram = BTreeMap::from([(10, 5), (20, 4), (500, 1)]);
        assert_eq!(percentile(&histogram, 50), Some(600));
        assert_eq!(percentile(&histogram, 90), Some(1200));
        assert_eq!(percentile(&histogram, 100), Some(30_000));
        assert_eq!(percentile(&BTreeMap::new(), 50), None);
    }

    #[test]
    fn tallies_add_up_and_keep_the_latest_acknowledgement() {
        let a = Tally { valid: 2, delays: BTreeMap::from([(10, 1)]), last_sent_at: Some(5), ..Tally::default() };
        let b = Tally { valid: 3, delays: BTreeMap::from([(10, 2), (30, 1)]), last_sent_at: None, ..Tally::default() };
        let mut sum = a.clone();
        sum.add(&b);
        assert_eq!((sum.valid, sum.submitted(), sum.last_sent_at), (5, 4, Some(5)));
        assert_eq!(sum.funnel().received, 5);
        assert_eq!(from_json::<i64>(&to_json(&sum.delays)).unwrap(), sum.delays, "stored and read back");
    }
}
