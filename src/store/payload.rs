//! Stored episodes and check-ins, sealed by the [`Vault`] (`episode_payloads.body`,
//! `check_ins.record_json`) with the master key's id beside them (`sealed_with`, `''` in clear).
//! An episode's payload has a table of its own, which retention deletes from (see `space.rs`).

use super::schema::{check_ins, claim_versions, episode_payloads};
use super::{AnyConnection, StoreError};
use crate::vault::{Sealed, Vault};
use diesel::prelude::*;

/// The columns of a claim version's [`Payload`], from `claim_versions` left-joined with
/// `episode_payloads`.
pub(super) fn version_payload() -> (
    diesel::dsl::Nullable<episode_payloads::body>,
    diesel::dsl::Nullable<episode_payloads::sealed_with>,
    claim_versions::content_sha256,
) {
    (episode_payloads::body.nullable(), episode_payloads::sealed_with.nullable(), claim_versions::content_sha256)
}

/// The `episode_payloads` row of a new version.
#[derive(Insertable)]
#[diesel(table_name = episode_payloads)]
pub(super) struct PayloadInsert<'a> {
    pub version_id: i64,
    /// YYYYMM of receipt, Vietnam time: PostgreSQL's partition.
    pub month: i32,
    pub sealed_with: &'a str,
    pub body: &'a str,
}

impl<'a> PayloadInsert<'a> {
    pub fn of(version_id: i64, received_at: i64, sealed: &'a Sealed) -> Self {
        PayloadInsert { version_id, month: month_of(received_at), sealed_with: key_column(sealed), body: &sealed.text }
    }
}

/// YYYYMM of an instant, Vietnam time.
pub(super) fn month_of(ms: i64) -> i32 {
    use chrono::Datelike;
    let day = crate::domain::time::vietnam_day(ms);
    day.year() * 100 + day.month() as i32
}

/// The columns of a check-in's [`Payload`].
pub(super) fn check_in_payload()
-> (diesel::dsl::Nullable<check_ins::record_json>, check_ins::sealed_with, check_ins::id) {
    (check_ins::record_json.nullable(), check_ins::sealed_with, check_ins::id)
}

/// `sealed_with` of a value stored in clear.
const CLEAR: &str = "";

/// The `sealed_with` column of a value.
pub(super) fn key_column(sealed: &Sealed) -> &str {
    sealed.key.as_deref().unwrap_or(CLEAR)
}

/// A stored value as read: its text (absent once retention dropped it), the key column, and the
/// clear value that binds it to its row (a version's content digest, a check-in's id).
#[derive(Debug, Clone, Queryable)]
pub struct Payload {
    text: Option<String>,
    sealed_with: Option<String>,
    binding: String,
}

impl Payload {
    /// The clear text; `None` once retention dropped it.
    pub fn open(&self, vault: &Vault) -> Result<Option<String>, StoreError> {
        let Some(text) = &self.text else { return Ok(None) };
        let key = self.sealed_with.as_deref().filter(|k| *k != CLEAR);
        Ok(Some(vault.open(text, key, &self.binding)?))
    }

    /// Whether retention dropped the value.
    pub fn is_dropped(&self) -> bool {
        self.text.is_none()
    }
}

/// What the rows not under the current master key came to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rewrapped {
    /// Re-wrapped under the current key, or sealed for the first time.
    pub rows: usize,
    /// Of those, the ones that had been stored in clear.
    pub cleared: usize,
    /// Whether rows may remain (the batch was full).
    pub more: bool,
}

/// Re-wraps up to `limit` stored episodes and check-ins not sealed under the vault's current key
/// (sealing those stored in clear). Each row is written only if it is still as read, so two
/// instances doing this at once, or a retention pass, never lose a value.
pub fn rewrap(conn: &mut AnyConnection, vault: &Vault, limit: i64) -> Result<Rewrapped, StoreError> {
    let Some(current) = vault.current_key() else { return Ok(Rewrapped::default()) };
    let current = current.as_str();
    let versions: Vec<(i64, Payload)> = episode_payloads::table
        .inner_join(claim_versions::table)
        .filter(episode_payloads::sealed_with.lt(current).or(episode_payloads::sealed_with.gt(current)))
        .order(episode_payloads::version_id)
        .limit(limit)
        .select((episode_payloads::version_id, version_payload()))
        .load(conn)?;
    let mut done = Rewrapped { more: versions.len() as i64 == limit, ..Rewrapped::default() };
    let clear_before = versions.iter().filter(|(_, p)| p.sealed_with.as_deref() == Some(CLEAR)).count();
    // SQLite leaves the bytes of an overwritten value in the file unless told to zero them: a
    // value that was in clear must not stay readable there.
    let zeroing = clear_before > 0 && matches!(conn, AnyConnection::Sqlite(_));
    if zeroing {
        diesel::connection::SimpleConnection::batch_execute(conn, "PRAGMA secure_delete = ON")?;
    }
    done.cleared += clear_before;
    for (id, payload) in &versions {
        let (Some(text), Some(key)) = (&payload.text, &payload.sealed_with) else { continue };
        let Some(new) = vault.rewrap(text, Some(key).filter(|k| *k != CLEAR).map(String::as_str), &payload.binding)?
        else {
            continue;
        };
        let row = episode_payloads::table.filter(episode_payloads::version_id.eq(id));
        done.rows += diesel::update(row.filter(episode_payloads::sealed_with.eq(key)))
            .set((episode_payloads::body.eq(&new.text), episode_payloads::sealed_with.eq(key_column(&new))))
            .execute(conn)?;
    }
    let check_ins: Vec<(String, Payload)> = check_ins::table
        .filter(check_ins::sealed_with.lt(current).or(check_ins::sealed_with.gt(current)))
        .order(check_ins::id)
        .limit(limit)
        .select((check_ins::id, check_in_payload()))
        .load(conn)?;
    done.more |= check_ins.len() as i64 == limit;
    let clear_check_ins = check_ins.iter().filter(|(_, p)| p.sealed_with.as_deref() == Some(CLEAR)).count();
    let zeroing = zeroing || (clear_check_ins > 0 && matches!(conn, AnyConnection::Sqlite(_)));
    if zeroing {
        diesel::connection::SimpleConnection::batch_execute(conn, "PRAGMA secure_delete = ON")?;
    }
    done.cleared += clear_check_ins;
    for (id, payload) in &check_ins {
        let (Some(text), Some(key)) = (&payload.text, &payload.sealed_with) else { continue };
        let Some(new) = vault.rewrap(text, Some(key).filter(|k| *k != CLEAR).map(String::as_str), &payload.binding)?
        else {
            continue;
        };
        done.rows += diesel::update(check_ins::table.find(id).filter(check_ins::sealed_with.eq(key)))
            .set((check_ins::record_json.eq(&new.text), check_ins::sealed_with.eq(key_column(&new))))
            .execute(conn)?;
    }
    if zeroing {
        diesel::connection::SimpleConnection::batch_execute(conn, "PRAGMA secure_delete = OFF")?;
    }
    Ok(done)
}

/// Bytes of stored episodes (as stored: sealed), for the retention figures.
pub fn stored_bytes(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    let sum = diesel::dsl::sql::<diesel::sql_types::BigInt>("COALESCE(SUM(LENGTH(body)), 0)");
    Ok(episode_payloads::table.select(sum).first(conn)?)
}

/// How many stored values each master key wraps (`""` in clear), for `hisgate keys status`.
pub fn count_by_key(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>, StoreError> {
    use diesel::dsl::count_star;
    let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
    let versions: Vec<(String, i64)> = episode_payloads::table
        .group_by(episode_payloads::sealed_with)
        .select((episode_payloads::sealed_with, count_star()))
        .load(conn)?;
    let check_ins: Vec<(Option<String>, i64)> = check_ins::table
        .filter(check_ins::sealed_with.is_not_null())
        .group_by(check_ins::sealed_with)
        .select((check_ins::sealed_with, count_star()))
        .load(conn)?;
    for (key, n) in versions.into_iter().chain(check_ins.into_iter().map(|(k, n)| (k.unwrap_or_default(), n))) {
        *counts.entry(key).or_default() += n;
    }
    Ok(counts.into_iter().collect())
}
