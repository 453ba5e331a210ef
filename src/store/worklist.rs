//! What a facility must act on: episodes refused at ingest and not since stored, and claims whose
//! current version BHXH rejected or approved in part, whose latest sending to a portal was
//! dead-lettered (even when BHXH accepted it: the Ministry's copy is missing), or for which a
//! portal listed errors not yet decided. Read by the worklist API and the dashboard alike.

use super::schema::{claim_outcomes, claim_versions, claims, ingest_rejections, outbox, submission_errors};
use super::{AnyConnection, StoreError};
use crate::domain::violation::Violation;
use crate::vocabulary::{ClaimId, ClaimStatus, Destination, FacilityCode, JobStatus, WorkKind};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use utoipa::ToSchema;

/// One thing to correct.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkProblem {
    /// Who found it: `hisgate` (a rule at ingest), `bhxh` or `moh`.
    pub source: String,
    /// A rule code of hisgate's catalogue, or the portal's error or reason code.
    pub code: String,
    /// Where in the episode (`drugs[3].THANH_TIEN_BV`), for hisgate's rules.
    pub field: Option<String>,
    pub message: String,
}

/// A line BHXH approved below what was claimed (amounts in hundredths of a đồng).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CutLine {
    /// `XML2`, `XML3`…
    pub table: String,
    /// The line's `STT`.
    pub stt: String,
    pub claimed_cents: i64,
    pub approved_cents: i64,
    pub reason: Option<String>,
}

/// One row of the worklist.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkItem {
    pub kind: WorkKind,
    pub facility_code: FacilityCode,
    /// None for a refused episode (nothing was stored).
    pub claim_id: Option<ClaimId>,
    /// `MA_LK`.
    pub episode_key: Option<String>,
    pub version: Option<i32>,
    /// When it became work (epoch ms): the refusal, or the claim's last change.
    pub at: i64,
    /// `T_BHTT` claimed, and what BHXH approved, in hundredths of a đồng.
    pub claimed_cents: Option<i64>,
    pub approved_cents: Option<i64>,
    /// Shown by the worklist with what the catalogue says of each (`worklist::Entry`).
    #[serde(skip)]
    pub problems: Vec<WorkProblem>,
    pub cut_lines: Vec<CutLine>,
    /// A sending of the current version is dead-lettered (its latest to a portal): once the cause
    /// is fixed it can be sent again.
    pub resendable: bool,
}

pub struct WorkFilter {
    pub facility: Option<FacilityCode>,
    /// `[from, to)`, epoch ms.
    pub from: i64,
    pub to: i64,
}

/// Every item of the period, newest first.
pub fn items(conn: &mut AnyConnection, f: &WorkFilter) -> Result<Vec<WorkItem>, StoreError> {
    let mut items = refusals(conn, f)?;
    items.extend(claims_to_act_on(conn, f)?);
    items.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.episode_key.cmp(&b.episode_key)));
    Ok(items)
}

/// A noted refusal: facility, `MA_LK`, when, its rule codes and its violations (JSON).
type RefusalRow = (String, Option<String>, i64, String, Option<String>);

/// The latest refusal of each (facility, `MA_LK`) in the period, unless a version of that
/// episode was stored after it.
fn refusals(conn: &mut AnyConnection, f: &WorkFilter) -> Result<Vec<WorkItem>, StoreError> {
    let mut query = ingest_rejections::table
        .filter(ingest_rejections::at.ge(f.from).and(ingest_rejections::at.lt(f.to)))
        .select((
            ingest_rejections::facility_code,
            ingest_rejections::episode_key,
            ingest_rejections::at,
            ingest_rejections::rules_json,
            ingest_rejections::violations_json,
        ))
        .order((ingest_rejections::at.desc(), ingest_rejections::id.desc()))
        .into_boxed();
    if let Some(facility) = &f.facility {
        query = query.filter(ingest_rejections::facility_code.eq(facility.as_str().to_owned()));
    }
    let rows: Vec<RefusalRow> = query.load(conn)?;
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let latest: Vec<RefusalRow> = rows
        .into_iter()
        .filter(|(facility, key, ..)| key.as_ref().is_none_or(|k| seen.insert((facility.clone(), k.clone()))))
        .collect();
    let keys: Vec<&str> = latest.iter().filter_map(|r| r.1.as_deref()).collect();
    let mut stored_since: HashMap<(String, String), i64> = HashMap::new();
    for chunk in keys.chunks(500) {
        let versions: Vec<(String, String, i64)> = claim_versions::table
            .inner_join(claims::table)
            .filter(claims::episode_key.eq_any(chunk))
            .select((claims::facility_code, claims::episode_key, claim_versions::received_at))
            .load(conn)?;
        for (facility, key, at) in versions {
            let entry = stored_since.entry((facility, key)).or_insert(at);
            *entry = (*entry).max(at);
        }
    }
    latest
        .into_iter()
        .filter(|(facility, key, at, ..)| {
            key.as_ref().is_none_or(|k| stored_since.get(&(facility.clone(), k.clone())).is_none_or(|s| s < at))
        })
        .map(|(facility, key, at, rules, violations)| {
            Ok(WorkItem {
                kind: WorkKind::Refused,
                facility_code: FacilityCode::from(facility),
                claim_id: None,
                episode_key: key,
                version: None,
                at,
                claimed_cents: None,
                approved_cents: None,
                problems: refusal_problems(&rules, violations.as_deref())?,
                cut_lines: Vec::new(),
                resendable: false,
            })
        })
        .collect()
}

/// A refusal's problems: its stored violations, or (noted before they were kept) its rule codes.
fn refusal_problems(rules: &str, violations: Option<&str>) -> Result<Vec<WorkProblem>, StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("a refusal at ingest: {e}"));
    let problem = |code: String, field: Option<String>, message: String| WorkProblem {
        source: "hisgate".to_owned(),
        code,
        field,
        message,
    };
    Ok(match violations {
        Some(text) => serde_json::from_str::<Vec<Violation>>(text)
            .map_err(corrupt)?
            .into_iter()
            .map(|v| problem(v.rule, Some(v.path), v.message))
            .collect(),
        None => serde_json::from_str::<Vec<String>>(rules)
            .map_err(corrupt)?
            .into_iter()
            .map(|code| problem(code, None, String::new()))
            .collect(),
    })
}

/// A claim's current version, as the worklist reads it.
type CurrentVersion = (String, String, String, i32, ClaimStatus, i64, i64, i64);

fn claims_to_act_on(conn: &mut AnyConnection, f: &WorkFilter) -> Result<Vec<WorkItem>, StoreError> {
    macro_rules! current_versions {
        () => {{
            let mut query = claims::table
                .inner_join(claim_versions::table.on(
                    claim_versions::claim_id.eq(claims::id).and(claim_versions::version.eq(claims::current_version)),
                ))
                .filter(claims::updated_at.ge(f.from).and(claims::updated_at.lt(f.to)))
                .into_boxed();
            if let Some(facility) = &f.facility {
                query = query.filter(claims::facility_code.eq(facility.as_str().to_owned()));
            }
            query
        }};
    }
    let columns = (
        claims::id,
        claims::facility_code,
        claims::episode_key,
        claims::current_version,
        claims::status,
        claims::updated_at,
        claim_versions::id,
        claim_versions::claimed_cents,
    );
    let settled = [ClaimStatus::Rejected, ClaimStatus::PartiallyApproved, ClaimStatus::DeadLetter];
    let mut rows: Vec<CurrentVersion> =
        current_versions!().filter(claims::status.eq_any(settled)).select(columns).load(conn)?;
    // Claims not decided against, whose portals listed errors or gave a sending up: the latest
    // sending per portal is told apart from replayed ones below.
    let with_errors = submission_errors::table.inner_join(outbox::table).select(outbox::claim_version_id);
    let dead = outbox::table.filter(outbox::status.eq(JobStatus::DeadLetter)).select(outbox::claim_version_id);
    let open = [ClaimStatus::Queued, ClaimStatus::Submitted, ClaimStatus::Accepted];
    for extra in [
        current_versions!().filter(claims::status.eq_any(open)).filter(claim_versions::id.eq_any(with_errors)),
        current_versions!().filter(claims::status.eq_any(open)).filter(claim_versions::id.eq_any(dead)),
    ] {
        for row in extra.select(columns).load::<CurrentVersion>(conn)? {
            if !rows.iter().any(|r| r.6 == row.6) {
                rows.push(row);
            }
        }
    }
    let version_ids: Vec<i64> = rows.iter().map(|r| r.6).collect();
    let details = Details::of(conn, &version_ids)?;
    let items: Vec<WorkItem> = rows.into_iter().map(|row| details.item(row)).collect::<Result<_, _>>()?;
    // A dead letter replayed since leaves nothing to do.
    Ok(items.into_iter().filter(|i| i.kind != WorkKind::PortalErrors || !i.problems.is_empty()).collect())
}

/// What the portals said of a set of versions.
#[derive(Default)]
struct Details {
    /// Per version: (destination, status, last error) of each sending, oldest first.
    sendings: HashMap<i64, Vec<(Destination, JobStatus, Option<String>)>>,
    /// Per version: (destination, code, message) of each listed error.
    errors: HashMap<i64, Vec<(Destination, String, String)>>,
    /// Per version: its latest appraisal (approved cents, reasons, lines).
    outcomes: HashMap<i64, (i64, String, String)>,
}

impl Details {
    fn of(conn: &mut AnyConnection, version_ids: &[i64]) -> Result<Details, StoreError> {
        let mut details = Details::default();
        for chunk in version_ids.chunks(500) {
            let sendings: Vec<(i64, Destination, JobStatus, Option<String>)> = outbox::table
                .filter(outbox::claim_version_id.eq_any(chunk))
                .order(outbox::id)
                .select((outbox::claim_version_id, outbox::destination, outbox::status, outbox::last_error))
                .load(conn)?;
            for (version, destination, status, error) in sendings {
                details.sendings.entry(version).or_default().push((destination, status, error));
            }
            let errors: Vec<(i64, Destination, String, String)> = submission_errors::table
                .inner_join(outbox::table)
                .filter(outbox::claim_version_id.eq_any(chunk))
                .order(submission_errors::id)
                .select((
                    outbox::claim_version_id,
                    outbox::destination,
                    submission_errors::code,
                    submission_errors::message,
                ))
                .load(conn)?;
            for (version, destination, code, message) in errors {
                details.errors.entry(version).or_default().push((destination, code, message));
            }
            let outcomes: Vec<(i64, i64, String, String)> = claim_outcomes::table
                .filter(claim_outcomes::claim_version_id.eq_any(chunk))
                .order(claim_outcomes::id)
                .select((
                    claim_outcomes::claim_version_id,
                    claim_outcomes::approved_cents,
                    claim_outcomes::reasons_json,
                    claim_outcomes::lines_json,
                ))
                .load(conn)?;
            for (version, approved, reasons, lines) in outcomes {
                details.outcomes.insert(version, (approved, reasons, lines));
            }
        }
        Ok(details)
    }

    fn item(&self, row: CurrentVersion) -> Result<WorkItem, StoreError> {
        let (id, facility, key, version, status, updated_at, version_id, claimed_cents) = row;
        let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("the appraisal of claim {id}: {e}"));
        let mut problems: Vec<WorkProblem> = self
            .errors
            .get(&version_id)
            .into_iter()
            .flatten()
            .map(|(destination, code, message)| WorkProblem {
                source: destination.to_string(),
                code: code.clone(),
                field: None,
                message: message.clone(),
            })
            .collect();
        let mut latest: BTreeMap<Destination, (JobStatus, Option<String>)> = BTreeMap::new();
        for (destination, state, error) in self.sendings.get(&version_id).into_iter().flatten() {
            latest.insert(*destination, (*state, error.clone()));
        }
        let dead: Vec<WorkProblem> = latest
            .into_iter()
            .filter(|(_, (state, _))| *state == JobStatus::DeadLetter)
            .map(|(destination, (_, error))| WorkProblem {
                source: destination.to_string(),
                code: JobStatus::DeadLetter.to_string(),
                field: None,
                message: error.unwrap_or_default(),
            })
            .collect();
        let resendable = !dead.is_empty();
        problems.extend(dead);
        let (mut approved_cents, mut cut_lines) = (None, Vec::new());
        if let Some((approved, reasons, lines)) = self.outcomes.get(&version_id) {
            approved_cents = Some(*approved);
            let reasons: Vec<String> = serde_json::from_str(reasons).map_err(corrupt)?;
            problems.extend(reasons.into_iter().map(|code| WorkProblem {
                source: Destination::Bhxh.to_string(),
                code,
                field: None,
                message: String::new(),
            }));
            let lines: Vec<serde_json::Value> = serde_json::from_str(lines).map_err(corrupt)?;
            cut_lines = lines.iter().filter_map(cut_line).collect();
        }
        let kind = match status {
            ClaimStatus::Rejected => WorkKind::Rejected,
            ClaimStatus::PartiallyApproved => WorkKind::PartiallyApproved,
            _ if resendable => WorkKind::DeadLettered,
            _ => WorkKind::PortalErrors,
        };
        Ok(WorkItem {
            kind,
            facility_code: FacilityCode::from(facility),
            claim_id: Some(ClaimId::from(id)),
            episode_key: Some(key),
            version: Some(version),
            at: updated_at,
            claimed_cents: Some(claimed_cents),
            approved_cents,
            problems,
            cut_lines,
            resendable,
        })
    }
}

/// A stored outcome line (`outbox::outcome_line`), when it was approved below its claim.
fn cut_line(line: &serde_json::Value) -> Option<CutLine> {
    let claimed_cents = line["claimed_cents"].as_i64()?;
    let approved_cents = line["approved_cents"].as_i64()?;
    (approved_cents < claimed_cents).then(|| CutLine {
        table: line["table"].as_str().unwrap_or_default().to_owned(),
        stt: line["stt"].as_str().unwrap_or_default().to_owned(),
        claimed_cents,
        approved_cents,
        reason: line["reason"].as_str().map(str::to_owned),
    })
}

/// The dead-lettered sendings of a claim's current version (the latest sending per destination),
/// which a resend queues again.
pub fn dead_letters_of(conn: &mut AnyConnection, claim: &ClaimId) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64, Destination, JobStatus)> = outbox::table
        .inner_join(claim_versions::table.inner_join(claims::table))
        .filter(claims::id.eq(claim.as_str()))
        .filter(claim_versions::version.eq(claims::current_version))
        .order(outbox::id)
        .select((outbox::id, outbox::destination, outbox::status))
        .load(conn)?;
    let mut latest: BTreeMap<Destination, (i64, JobStatus)> = BTreeMap::new();
    for (id, destination, status) in rows {
        latest.insert(destination, (id, status));
    }
    Ok(latest.into_values().filter(|(_, status)| *status == JobStatus::DeadLetter).map(|(id, _)| id).collect())
}
