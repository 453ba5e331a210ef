//! Files waiting for a facility's remote signing service. The dispatcher asks the service to sign a
//! file's `SignedInfo` and stores the request with what makes the file again — its digest and its
//! date — and sets its jobs aside (`awaiting_signature`); the poller leases due requests, and once
//! the key holder has answered either puts the jobs back in the queue with the signature at hand
//! or fails them with the reason. Everything is in the database: a restart loses no wait.

use super::outbox::{self, Job};
use super::schema::{outbox as outbox_table, signature_requests};
use super::{AnyConnection, StoreError, now_ms};
use crate::vocabulary::{JobStatus, SignatureStatus};
use diesel::prelude::*;

/// A request to a remote signing service, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signature_requests)]
pub struct SignatureRequest {
    pub id: i64,
    pub facility_code: String,
    /// The file's `DigestValue` (base64): the file written again must have the same.
    pub document_digest: String,
    /// The file's `NGAYLAP` (`YYYYMMDD`).
    pub file_date: String,
    /// The service's transaction id.
    pub transaction_id: String,
    pub status: SignatureStatus,
    /// The signature value (base64), once signed.
    pub signature: Option<String>,
    pub reason: Option<String>,
    pub created_at: i64,
    /// After this the request counts as expired, whatever the service says.
    pub deadline_at: i64,
}

/// A request the service has just taken.
pub struct NewRequest<'a> {
    pub facility_code: &'a str,
    pub document_digest: &'a str,
    pub file_date: &'a str,
    pub transaction_id: &'a str,
    pub deadline_at: i64,
    pub first_poll_at: i64,
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<SignatureRequest>, StoreError> {
    Ok(signature_requests::table.find(id).select(SignatureRequest::as_select()).first(conn).optional()?)
}

/// The latest request of `facility` for the file with `digest` still good — awaiting the holder
/// or signed — so that the same file (the BHXH and MoH copies of one pass, a retried file) is
/// signed once.
pub fn reusable(
    conn: &mut AnyConnection,
    facility: &str,
    digest: &str,
) -> Result<Option<SignatureRequest>, StoreError> {
    Ok(signature_requests::table
        .filter(signature_requests::facility_code.eq(facility))
        .filter(signature_requests::document_digest.eq(digest))
        .filter(signature_requests::status.eq_any([SignatureStatus::Awaiting, SignatureStatus::Signed]))
        .order(signature_requests::id.desc())
        .select(SignatureRequest::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a new request; its id.
pub fn insert(conn: &mut AnyConnection, r: &NewRequest) -> Result<i64, StoreError> {
    let now = now_ms();
    let row = (
        signature_requests::facility_code.eq(r.facility_code),
        signature_requests::document_digest.eq(r.document_digest),
        signature_requests::file_date.eq(r.file_date),
        signature_requests::transaction_id.eq(r.transaction_id),
        signature_requests::status.eq(SignatureStatus::Awaiting),
        signature_requests::created_at.eq(now),
        signature_requests::deadline_at.eq(r.deadline_at),
        signature_requests::next_poll_at.eq(r.first_poll_at),
        signature_requests::updated_at.eq(now),
    );
    Ok(on_backend!(conn, |c| diesel::insert_into(signature_requests::table)
        .values(row)
        .returning(signature_requests::id)
        .get_result::<i64>(c))?)
}

/// The leased `jobs` wait for request `id`: set aside until it is answered, or back in the queue
/// at once when it is `signed` already.
pub fn attach(conn: &mut AnyConnection, id: i64, signed: bool, jobs: &[Job]) -> Result<(), StoreError> {
    let ids: Vec<i64> = jobs.iter().map(|j| j.outbox_id).collect();
    let now = now_ms();
    let state = if signed { JobStatus::Pending } else { JobStatus::AwaitingSignature };
    diesel::update(
        outbox_table::table.filter(outbox_table::id.eq_any(&ids)).filter(outbox_table::status.eq(JobStatus::InFlight)),
    )
    .set((
        outbox_table::status.eq(state),
        outbox_table::signature_request_id.eq(id),
        outbox_table::next_attempt_at.eq(now),
        outbox_table::lease_until.eq(None::<i64>),
        outbox_table::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Up to `limit` requests awaiting an answer whose poll is due, each leased to the caller until
/// `now + lease_ms` (its next poll): another instance does not ask for it meanwhile.
pub fn lease_due(conn: &mut AnyConnection, limit: i64, lease_ms: i64) -> Result<Vec<SignatureRequest>, StoreError> {
    let now = now_ms();
    let due: Vec<i64> = signature_requests::table
        .filter(signature_requests::status.eq(SignatureStatus::Awaiting))
        .filter(signature_requests::next_poll_at.le(now))
        .order(signature_requests::next_poll_at)
        .limit(limit)
        .select(signature_requests::id)
        .load(conn)?;
    let mut leased = Vec::with_capacity(due.len());
    for id in due {
        // Taken only if no one moved its poll since it was read.
        let taken = diesel::update(
            signature_requests::table
                .find(id)
                .filter(signature_requests::status.eq(SignatureStatus::Awaiting))
                .filter(signature_requests::next_poll_at.le(now)),
        )
        .set((signature_requests::next_poll_at.eq(now + lease_ms), signature_requests::updated_at.eq(now)))
        .execute(conn)?;
        if taken == 1 {
            leased.extend(get(conn, id)?);
        }
    }
    Ok(leased)
}

/// Settles request `id`, if it still awaits an answer (another instance may have settled it):
/// `status` with the signature or the reason. Whether this call settled it.
fn settle(
    conn: &mut AnyConnection,
    id: i64,
    status: SignatureStatus,
    signature: Option<&str>,
    reason: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    let settled = diesel::update(
        signature_requests::table.find(id).filter(signature_requests::status.eq(SignatureStatus::Awaiting)),
    )
    .set((
        signature_requests::status.eq(status),
        signature_requests::signature.eq(signature),
        signature_requests::reason.eq(reason),
        signature_requests::settled_at.eq(now),
        signature_requests::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(settled == 1)
}

/// The key holder signed: the request keeps the signature and its jobs go back to the queue, due
/// now. Returns how many jobs were waiting.
pub fn settle_signed(conn: &mut AnyConnection, id: i64, signature: &str) -> Result<usize, StoreError> {
    let now = now_ms();
    if !settle(conn, id, SignatureStatus::Signed, Some(signature), None, now)? {
        return Ok(0);
    }
    Ok(diesel::update(
        outbox_table::table
            .filter(outbox_table::signature_request_id.eq(id))
            .filter(outbox_table::status.eq(JobStatus::AwaitingSignature)),
    )
    .set((
        outbox_table::status.eq(JobStatus::Pending),
        outbox_table::next_attempt_at.eq(now),
        outbox_table::updated_at.eq(now),
    ))
    .execute(conn)?)
}

/// Refused or expired: the request is settled with `reason`; answers the jobs that waited for it,
/// for the caller to fail by the retry policy.
pub fn settle_failed(
    conn: &mut AnyConnection,
    id: i64,
    status: SignatureStatus,
    reason: &str,
) -> Result<Vec<Job>, StoreError> {
    if !settle(conn, id, status, None, Some(reason), now_ms())? {
        return Ok(Vec::new());
    }
    let waiting: Vec<i64> = outbox_table::table
        .filter(outbox_table::signature_request_id.eq(id))
        .filter(outbox_table::status.eq(JobStatus::AwaitingSignature))
        .select(outbox_table::id)
        .load(conn)?;
    outbox::jobs(conn, &waiting)
}

/// Per facility, the requests refused or expired since `since` with no request signed after them:
/// the facility's files are not going out (the DoH's `signature_failing` alert).
pub fn failing_per_facility(conn: &mut AnyConnection, since: i64) -> Result<Vec<(String, i64, String)>, StoreError> {
    let failed: Vec<(String, i64, Option<String>)> = signature_requests::table
        .filter(signature_requests::status.eq_any([SignatureStatus::Refused, SignatureStatus::Expired]))
        .filter(signature_requests::settled_at.ge(since))
        .order(signature_requests::id)
        .select((signature_requests::facility_code, signature_requests::id, signature_requests::reason))
        .load(conn)?;
    let mut found: Vec<(String, i64, String)> = Vec::new();
    for (facility, id, reason) in failed {
        let signed_later = signature_requests::table
            .filter(signature_requests::facility_code.eq(&facility))
            .filter(signature_requests::status.eq(SignatureStatus::Signed))
            .filter(signature_requests::id.gt(id))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if signed_later {
            continue;
        }
        match found.iter_mut().find(|(f, ..)| *f == facility) {
            Some(entry) => {
                entry.1 += 1;
                entry.2 = reason.unwrap_or_default();
            }
            None => found.push((facility, 1, reason.unwrap_or_default())),
        }
    }
    Ok(found)
}

/// Drops the requests settled before `before` that no job still waiting to be sent refers to
/// (the retention job). Returns how many.
pub fn drop_settled_before(conn: &mut AnyConnection, before: i64) -> Result<usize, StoreError> {
    let unsent = [JobStatus::Pending, JobStatus::InFlight, JobStatus::AwaitingSignature];
    let still_needed = outbox_table::table
        .filter(outbox_table::signature_request_id.eq(signature_requests::id.nullable()))
        .filter(outbox_table::status.eq_any(unsent));
    Ok(diesel::delete(
        signature_requests::table
            .filter(signature_requests::settled_at.lt(before))
            .filter(signature_requests::status.ne(SignatureStatus::Awaiting))
            .filter(diesel::dsl::not(diesel::dsl::exists(still_needed))),
    )
    .execute(conn)?)
}
