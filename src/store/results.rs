//! What an imported appraisal result file finds: for each `MA_LK` it names, the claim and where
//! its current version's BHXH submission stands.

use super::outbox::SentSubmission;
use super::schema::{claim_versions, claims, outbox};
use super::{AnyConnection, StoreError};
use crate::vocabulary::{ClaimId, Destination, FacilityCode, JobStatus};
use diesel::prelude::*;

/// Where the BHXH submission of one claim's current version stands.
#[derive(Debug, Clone)]
pub enum SubmissionState {
    /// Sent and awaiting its appraisal: a result settles it.
    Awaiting(SentSubmission),
    /// Already settled (accepted, partially approved or rejected).
    Decided,
    /// Not received by BHXH (queued, in flight, failed, or not queued for BHXH at all).
    NotSent,
}

/// A claim a result file names, by facility and `MA_LK`.
#[derive(Debug, Clone)]
pub struct NamedClaim {
    pub facility_code: FacilityCode,
    pub episode_key: String,
    pub state: SubmissionState,
}

type Row = (ClaimId, FacilityCode, String, i32, i64, i64, Option<i64>, Option<JobStatus>, Option<String>, Option<i64>);

/// Most keys in one query, under both backends' bind limits.
const KEYS_PER_QUERY: usize = 500;

/// The claims with these `MA_LK` (of `facility`, or of any facility), each with the state of its
/// current version's latest BHXH submission.
pub fn named_claims(
    conn: &mut AnyConnection,
    facility: Option<&str>,
    episode_keys: &[&str],
) -> Result<Vec<NamedClaim>, StoreError> {
    let mut found = Vec::new();
    for chunk in episode_keys.chunks(KEYS_PER_QUERY) {
        let mut query = claims::table
            .inner_join(
                claim_versions::table.on(claim_versions::claim_id
                    .eq(claims::id)
                    .and(claim_versions::version.eq(claims::current_version))),
            )
            .left_join(
                outbox::table
                    .on(outbox::claim_version_id.eq(claim_versions::id).and(outbox::destination.eq(Destination::Bhxh))),
            )
            .filter(claims::episode_key.eq_any(chunk))
            .select((
                claims::id,
                claims::facility_code,
                claims::episode_key,
                claims::current_version,
                claim_versions::id,
                claim_versions::claimed_cents,
                outbox::id.nullable(),
                outbox::status.nullable(),
                outbox::transaction_id.nullable(),
                outbox::sent_at.nullable(),
            ))
            .order((claims::id, outbox::id.nullable()))
            .into_boxed();
        if let Some(f) = facility {
            query = query.filter(claims::facility_code.eq(f.to_owned()));
        }
        let rows: Vec<Row> = query.load(conn)?;
        // Replays come after the attempts they replace: the last submission of a claim counts.
        let mut last: Vec<NamedClaim> = Vec::new();
        for row in rows {
            let (
                claim_id,
                facility_code,
                episode_key,
                version,
                version_id,
                claimed_cents,
                outbox_id,
                state,
                transaction,
                sent_at,
            ) = row;
            let state = match (outbox_id, state, transaction, sent_at) {
                (Some(outbox_id), Some(JobStatus::Sent), Some(transaction_id), Some(sent_at)) => {
                    SubmissionState::Awaiting(SentSubmission {
                        outbox_id,
                        claim_version_id: version_id,
                        claim_id,
                        version,
                        facility_code: facility_code.clone(),
                        episode_key: episode_key.clone(),
                        transaction_id,
                        sent_at,
                        claimed_cents,
                    })
                }
                (_, Some(JobStatus::Accepted | JobStatus::PartiallyApproved | JobStatus::Rejected), ..) => {
                    SubmissionState::Decided
                }
                _ => SubmissionState::NotSent,
            };
            match last.last_mut().filter(|n| n.facility_code == facility_code && n.episode_key == episode_key) {
                Some(named) => named.state = state,
                None => last.push(NamedClaim { facility_code, episode_key, state }),
            }
        }
        found.extend(last);
    }
    Ok(found)
}
