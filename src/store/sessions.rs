//! Web dashboard sessions: the SHA-256 of a browser's cookie token, the API key it acts as, and
//! when it ends.

use super::keys::{self, StoredKey};
use super::schema::dashboard_sessions;
use super::{AnyConnection, StoreError, now_ms};
use diesel::prelude::*;

/// Stores a session for `key_id` until `expires_at` (epoch ms), dropping every expired one.
pub fn open(conn: &mut AnyConnection, token_sha256: &str, key_id: &str, expires_at: i64) -> Result<(), StoreError> {
    let now = now_ms();
    diesel::delete(dashboard_sessions::table.filter(dashboard_sessions::expires_at.le(now))).execute(conn)?;
    diesel::insert_into(dashboard_sessions::table)
        .values((
            dashboard_sessions::token_sha256.eq(token_sha256),
            dashboard_sessions::key_id.eq(key_id),
            dashboard_sessions::created_at.eq(now),
            dashboard_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The active key of an unexpired session.
pub fn find(conn: &mut AnyConnection, token_sha256: &str) -> Result<Option<StoredKey>, StoreError> {
    let key_id: Option<String> = dashboard_sessions::table
        .find(token_sha256)
        .filter(dashboard_sessions::expires_at.gt(now_ms()))
        .select(dashboard_sessions::key_id)
        .first(conn)
        .optional()?;
    match key_id {
        Some(id) => keys::find_active(conn, &id),
        None => Ok(None),
    }
}

pub fn close(conn: &mut AnyConnection, token_sha256: &str) -> Result<(), StoreError> {
    diesel::delete(dashboard_sessions::table.find(token_sha256)).execute(conn)?;
    Ok(())
}
