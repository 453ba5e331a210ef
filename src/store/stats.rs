//! The connectivity figures of the Department of Health, for the province or one facility, over a
//! period: the funnel from receipt to the portals' decisions, volume per day, the delay from the
//! end of a visit to the portal's acknowledgement, ageing of unresolved claims, and the reasons
//! behind refusals. Rows are read narrow and counted here, the same way on both backends.

use super::jobs::vietnam_day;
use super::outbox::status;
use super::schema::{claim_outcomes, claim_versions, claims, facilities, ingest_rejections, outbox, submission_errors};
use super::{AnyConnection, StoreError, now_ms};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

const DAY_MS: i64 = 86_400_000;

/// Narrows a boxed query joined with `claims` to one facility, when one is given.
macro_rules! of_facility {
    ($query:expr, $facility:expr) => {
        match $facility {
            Some(code) => $query.filter(claims::facility_code.eq(code.clone())),
            None => $query,
        }
    };
}

/// Notes episodes refused at ingest: (facility, `MA_LK`, the critical rules broken).
pub fn record_rejections(
    conn: &mut AnyConnection,
    rows: &[(String, Option<String>, Vec<String>)],
) -> Result<(), StoreError> {
    let at = now_ms();
    for (facility, key, rules) in rows {
        diesel::insert_into(ingest_rejections::table)
            .values((
                ingest_rejections::facility_code.eq(facility),
                ingest_rejections::episode_key.eq(key),
                ingest_rejections::at.eq(at),
                ingest_rejections::rules_json.eq(serde_json::to_string(rules).unwrap_or_default()),
            ))
            .execute(conn)?;
    }
    Ok(())
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

/// The delay from the end of a visit (`NGAY_RA`) to BHXH's acknowledgement.
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

fn pareto(counts: BTreeMap<String, u64>) -> Vec<Reason> {
    let total: u64 = counts.values().sum();
    let mut list: Vec<(String, u64)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut running = 0;
    list.into_iter()
        .take(10)
        .map(|(code, count)| {
            running += count;
            let share = if total == 0 { 0.0 } else { running as f64 * 100.0 / total as f64 };
            Reason { code, count, cumulative_percent: (share * 10.0).round() / 10.0 }
        })
        .collect()
}

fn percentile(sorted: &[i64], p: usize) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (sorted.len() - 1) * p / 100;
    Some(sorted[rank].max(0) as u64 / 1000)
}

/// The figures of `[from, to)` (epoch ms) for one facility, or for every facility.
pub fn figures(conn: &mut AnyConnection, facility: Option<&str>, from: i64, to: i64) -> Result<Figures, StoreError> {
    let mut f = Figures::default();
    let fac = facility.map(str::to_owned);

    let q = claim_versions::table
        .inner_join(claims::table)
        .filter(claim_versions::received_at.ge(from).and(claim_versions::received_at.lt(to)))
        .select(claim_versions::received_at)
        .into_boxed();
    let q = of_facility!(q, &fac);
    for at in q.load::<i64>(conn)? {
        f.funnel.valid += 1;
        let day = vietnam_day(at);
        *f.per_day.entry(day.format("%Y-%m-%d").to_string()).or_default() += 1;
        *f.per_week.entry(day.format("%G-W%V").to_string()).or_default() += 1;
        *f.per_month.entry(day.format("%Y-%m").to_string()).or_default() += 1;
    }

    let mut q = ingest_rejections::table
        .filter(ingest_rejections::at.ge(from).and(ingest_rejections::at.lt(to)))
        .select(ingest_rejections::rules_json)
        .into_boxed();
    if let Some(code) = &fac {
        q = q.filter(ingest_rejections::facility_code.eq(code.clone()));
    }
    let mut rules: BTreeMap<String, u64> = BTreeMap::new();
    for json in q.load::<String>(conn)? {
        f.funnel.refused_at_ingest += 1;
        for rule in serde_json::from_str::<Vec<String>>(&json).unwrap_or_default() {
            *rules.entry(rule).or_default() += 1;
        }
    }
    f.top_validation_rules = pareto(rules);
    f.funnel.received = f.funnel.valid + f.funnel.refused_at_ingest;

    let q = outbox::table
        .inner_join(claim_versions::table.inner_join(claims::table))
        .filter(outbox::destination.eq(crate::queue::BHXH))
        .filter(outbox::sent_at.ge(from).and(outbox::sent_at.lt(to)))
        .select((outbox::sent_at, claim_versions::discharged_at))
        .into_boxed();
    let q = of_facility!(q, &fac);
    let mut delays: Vec<i64> = q
        .load::<(Option<i64>, i64)>(conn)?
        .into_iter()
        .filter_map(|(sent, discharged)| sent.map(|s| s - discharged))
        .collect();
    f.funnel.submitted = delays.len() as u64;
    delays.sort_unstable();
    f.delay_to_acknowledgement = Delay {
        samples: delays.len() as u64,
        median_seconds: percentile(&delays, 50),
        p90_seconds: percentile(&delays, 90),
    };

    let q = claim_outcomes::table
        .inner_join(outbox::table.inner_join(claim_versions::table.inner_join(claims::table)))
        .filter(claim_outcomes::decided_at.ge(from).and(claim_outcomes::decided_at.lt(to)))
        .select((claim_outcomes::status, claim_outcomes::reasons_json))
        .into_boxed();
    let q = of_facility!(q, &fac);
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    for (state, json) in q.load::<(String, String)>(conn)? {
        match state.as_str() {
            status::ACCEPTED => f.funnel.accepted += 1,
            status::PARTIALLY_APPROVED => f.funnel.partially_approved += 1,
            _ => f.funnel.rejected += 1,
        }
        for reason in serde_json::from_str::<Vec<String>>(&json).unwrap_or_default() {
            *reasons.entry(reason).or_default() += 1;
        }
    }
    f.rejection_rate_percent = rejection_rate(&f.funnel);

    let q = submission_errors::table
        .inner_join(outbox::table.inner_join(claim_versions::table.inner_join(claims::table)))
        .filter(submission_errors::at.ge(from).and(submission_errors::at.lt(to)))
        .select(submission_errors::code)
        .into_boxed();
    let q = of_facility!(q, &fac);
    for code in q.load::<String>(conn)? {
        *reasons.entry(code).or_default() += 1;
    }
    f.top_portal_reasons = pareto(reasons);

    let q = outbox::table
        .inner_join(claim_versions::table.inner_join(claims::table))
        .filter(outbox::status.eq(status::DEAD_LETTER))
        .filter(outbox::updated_at.ge(from).and(outbox::updated_at.lt(to)))
        .select(outbox::id)
        .into_boxed();
    let q = of_facility!(q, &fac);
    f.funnel.dead_lettered = q.load::<i64>(conn)?.len() as u64;

    let now = now_ms();
    let q =
        claims::table.filter(claims::status.eq_any(["queued", "submitted"])).select(claims::received_at).into_boxed();
    let q = of_facility!(q, &fac);
    for at in q.load::<i64>(conn)? {
        match (now - at) / DAY_MS {
            0..=7 => f.ageing.days_0_7 += 1,
            8..=15 => f.ageing.days_8_15 += 1,
            16..=30 => f.ageing.days_16_30 += 1,
            _ => f.ageing.over_30_days += 1,
        }
    }

    let q = claims::table.select(claims::received_at).order(claims::received_at.desc()).into_boxed();
    let q = of_facility!(q, &fac);
    f.last_received_at = q.first::<i64>(conn).optional()?;
    let q = outbox::table
        .inner_join(claim_versions::table.inner_join(claims::table))
        .filter(outbox::sent_at.is_not_null())
        .select(outbox::sent_at)
        .order(outbox::sent_at.desc())
        .into_boxed();
    let q = of_facility!(q, &fac);
    f.last_acknowledged_at = q.first::<Option<i64>>(conn).optional()?.flatten();
    Ok(f)
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
        .load(conn)?;
    let last: BTreeMap<String, i64> = claims::table
        .group_by(claims::facility_code)
        .select((claims::facility_code, diesel::dsl::max(claims::received_at)))
        .load::<(String, Option<i64>)>(conn)?
        .into_iter()
        .filter_map(|(code, at)| at.map(|at| (code, at)))
        .collect();
    Ok(live
        .into_iter()
        .filter(|(code, _)| last.get(code).is_none_or(|at| *at < since))
        .map(|(code, name)| SilentFacility { last_received_at: last.get(&code).copied(), code, name })
        .collect())
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
    let mut per_facility = BTreeMap::new();
    for code in outbox::table
        .inner_join(claim_versions::table.inner_join(claims::table))
        .filter(outbox::status.eq(status::DEAD_LETTER))
        .filter(outbox::updated_at.ge(since))
        .select(claims::facility_code)
        .load::<String>(conn)?
    {
        *per_facility.entry(code).or_default() += 1;
    }
    Ok(per_facility)
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

/// Every facility's [`Activity`] over `[from, to)` (epoch ms), counted by the database.
pub fn activity_per_facility(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
) -> Result<BTreeMap<String, Activity>, StoreError> {
    use diesel::dsl::{count_star, max};
    let mut all: BTreeMap<String, Activity> = BTreeMap::new();
    // Counts the rows of `$query` per `$code` column into the funnel's `$field`.
    macro_rules! count_into {
        ($query:expr, $code:expr, $field:ident) => {
            let rows: Vec<(String, i64)> = $query.group_by($code).select(($code, count_star())).load(conn)?;
            for (code, n) in rows {
                all.entry(code).or_default().funnel.$field = n.max(0) as u64;
            }
        };
    }
    count_into!(
        claim_versions::table
            .inner_join(claims::table)
            .filter(claim_versions::received_at.ge(from).and(claim_versions::received_at.lt(to))),
        claims::facility_code,
        valid
    );
    count_into!(
        ingest_rejections::table.filter(ingest_rejections::at.ge(from).and(ingest_rejections::at.lt(to))),
        ingest_rejections::facility_code,
        refused_at_ingest
    );
    count_into!(
        outbox::table
            .inner_join(claim_versions::table.inner_join(claims::table))
            .filter(outbox::destination.eq(crate::queue::BHXH))
            .filter(outbox::sent_at.ge(from).and(outbox::sent_at.lt(to))),
        claims::facility_code,
        submitted
    );
    count_into!(
        outbox::table
            .inner_join(claim_versions::table.inner_join(claims::table))
            .filter(outbox::status.eq(status::DEAD_LETTER))
            .filter(outbox::updated_at.ge(from).and(outbox::updated_at.lt(to))),
        claims::facility_code,
        dead_lettered
    );
    let decided: Vec<(String, String, i64)> = claim_outcomes::table
        .inner_join(outbox::table.inner_join(claim_versions::table.inner_join(claims::table)))
        .filter(claim_outcomes::decided_at.ge(from).and(claim_outcomes::decided_at.lt(to)))
        .group_by((claims::facility_code, claim_outcomes::status))
        .select((claims::facility_code, claim_outcomes::status, count_star()))
        .load(conn)?;
    for (code, state, n) in decided {
        let f = &mut all.entry(code).or_default().funnel;
        let n = n.max(0) as u64;
        match state.as_str() {
            status::ACCEPTED => f.accepted += n,
            status::PARTIALLY_APPROVED => f.partially_approved += n,
            _ => f.rejected += n,
        }
    }
    for activity in all.values_mut() {
        activity.funnel.received = activity.funnel.valid + activity.funnel.refused_at_ingest;
    }
    let last: Vec<(String, Option<i64>)> = claims::table
        .group_by(claims::facility_code)
        .select((claims::facility_code, max(claims::received_at)))
        .load(conn)?;
    for (code, at) in last {
        all.entry(code).or_default().last_received_at = at;
    }
    Ok(all)
}
