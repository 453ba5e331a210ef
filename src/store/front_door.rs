//! Accounts and sessions of the BHXH-compatible front door (`/bhxh`). Only digests and slow hashes
//! are stored: an account's argon2id hash of its password's MD5, and a session's SHA-256 of its
//! tokens and of the MD5 given at login.

use super::schema::{
    claim_outcomes, claim_versions, claims, front_door_accounts, front_door_receipts, front_door_sessions, outbox,
    submission_errors,
};
use super::{AnyConnection, StoreError, now_ms};
use crate::vocabulary::{ClaimId, Destination, FacilityCode, JobStatus};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = front_door_accounts)]
pub struct StoredAccount {
    pub username: String,
    /// Set for a facility's account: the only facility it sends for.
    pub facility_code: Option<FacilityCode>,
    /// Set for a Department of Health account: the province (2 digits) whose facilities it sends for.
    pub province_code: Option<String>,
    /// argon2id (PHC string) of the uppercase hex MD5 of the password.
    pub password_hash: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A session `token/take` opened, as stored (digests only).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = front_door_sessions)]
pub struct StoredSession {
    pub access_token_sha256: String,
    pub id_token_sha256: String,
    pub password_sha256: String,
    pub username: String,
    pub expires_at: i64,
}

/// Stores a new account; `false` when the username is taken (by an active or a revoked account).
pub fn insert_account(conn: &mut AnyConnection, account: &StoredAccount) -> Result<bool, StoreError> {
    let taken: i64 = front_door_accounts::table.find(&account.username).count().get_result(conn)?;
    if taken > 0 {
        return Ok(false);
    }
    diesel::insert_into(front_door_accounts::table).values(account).execute(conn)?;
    Ok(true)
}

/// The account of `username`, unless it is revoked.
pub fn find_active_account(conn: &mut AnyConnection, username: &str) -> Result<Option<StoredAccount>, StoreError> {
    Ok(front_door_accounts::table
        .find(username)
        .filter(front_door_accounts::revoked_at.is_null())
        .select(StoredAccount::as_select())
        .first(conn)
        .optional()?)
}

/// Revokes an account and ends its sessions; `false` when there was no active account of that name.
pub fn revoke_account(conn: &mut AnyConnection, username: &str) -> Result<bool, StoreError> {
    let revoked = diesel::update(front_door_accounts::table.find(username))
        .filter(front_door_accounts::revoked_at.is_null())
        .set(front_door_accounts::revoked_at.eq(now_ms()))
        .execute(conn)?;
    diesel::delete(front_door_sessions::table.filter(front_door_sessions::username.eq(username))).execute(conn)?;
    Ok(revoked == 1)
}

/// Stores a session, dropping every expired one.
pub fn open_session(conn: &mut AnyConnection, session: &StoredSession) -> Result<(), StoreError> {
    diesel::delete(front_door_sessions::table.filter(front_door_sessions::expires_at.le(now_ms()))).execute(conn)?;
    diesel::insert_into(front_door_sessions::table).values(session).execute(conn)?;
    Ok(())
}

/// The unexpired session of an access token's digest, with its account (unless revoked).
pub fn find_session(
    conn: &mut AnyConnection,
    access_token_sha256: &str,
) -> Result<Option<(StoredSession, StoredAccount)>, StoreError> {
    Ok(front_door_sessions::table
        .inner_join(front_door_accounts::table)
        .filter(front_door_sessions::access_token_sha256.eq(access_token_sha256))
        .filter(front_door_sessions::expires_at.gt(now_ms()))
        .filter(front_door_accounts::revoked_at.is_null())
        .select((StoredSession::as_select(), StoredAccount::as_select()))
        .first(conn)
        .optional()?)
}

/// What a front-door submission was answered, kept for its error list.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = front_door_receipts)]
pub struct StoredReceipt {
    /// `maGiaoDich`.
    pub transaction_id: String,
    pub username: String,
    pub facility_code: FacilityCode,
    pub received_at: i64,
    /// JSON: the errors ingest found, as `nhanChiTietLoiHS` lists them.
    pub errors: String,
    /// JSON: the ids of the claims stored.
    pub claims: String,
}

pub fn insert_receipt(conn: &mut AnyConnection, receipt: &StoredReceipt) -> Result<(), StoreError> {
    diesel::insert_into(front_door_receipts::table).values(receipt).execute(conn)?;
    Ok(())
}

/// Drops the receipts of submissions received before `cutoff` (epoch ms): their error lists are
/// not asked for any more. How many were dropped.
pub fn drop_receipts_before(conn: &mut AnyConnection, cutoff: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(front_door_receipts::table.filter(front_door_receipts::received_at.lt(cutoff))).execute(conn)?)
}

pub fn find_receipt(conn: &mut AnyConnection, transaction_id: &str) -> Result<Option<StoredReceipt>, StoreError> {
    Ok(front_door_receipts::table.find(transaction_id).select(StoredReceipt::as_select()).first(conn).optional()?)
}

/// What a portal said against a claim: `MA_LK`, which portal, its code, and either its words (an
/// error it listed) or the appraisal the code is a reason of (rejected or partially approved).
#[derive(Debug, Clone)]
pub struct PortalError {
    pub episode_key: String,
    pub destination: Destination,
    pub code: String,
    pub message: String,
    pub appraisal: Option<JobStatus>,
}

/// The errors the portals listed for the sendings of these claims, then the reasons of their
/// appraisals that were not a full acceptance, oldest first.
pub fn portal_errors(conn: &mut AnyConnection, claim_ids: &[ClaimId]) -> Result<Vec<PortalError>, StoreError> {
    let listed: Vec<(String, Destination, String, String)> = submission_errors::table
        .inner_join(outbox::table.inner_join(claim_versions::table.inner_join(claims::table)))
        .filter(claims::id.eq_any(claim_ids))
        .order(submission_errors::id)
        .select((claims::episode_key, outbox::destination, submission_errors::code, submission_errors::message))
        .load(conn)?;
    let appraised: Vec<(String, Destination, JobStatus, String)> = claim_outcomes::table
        .inner_join(outbox::table.inner_join(claim_versions::table.inner_join(claims::table)))
        .filter(claims::id.eq_any(claim_ids))
        .filter(claim_outcomes::status.ne(JobStatus::Accepted))
        .order(claim_outcomes::id)
        .select((claims::episode_key, outbox::destination, claim_outcomes::status, claim_outcomes::reasons_json))
        .load(conn)?;
    let mut errors: Vec<PortalError> = listed
        .into_iter()
        .map(|(episode_key, destination, code, message)| PortalError {
            episode_key,
            destination,
            code,
            message,
            appraisal: None,
        })
        .collect();
    for (episode_key, destination, status, reasons) in appraised {
        let reasons: Vec<String> = serde_json::from_str(&reasons)
            .map_err(|e| StoreError::Corrupt(format!("reasons of an outcome of {episode_key}: {e}")))?;
        errors.extend(reasons.into_iter().map(|code| PortalError {
            episode_key: episode_key.clone(),
            destination,
            code,
            message: String::new(),
            appraisal: Some(status),
        }));
    }
    Ok(errors)
}
