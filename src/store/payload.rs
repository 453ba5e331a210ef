//! Stored episodes and check-ins, sealed by the [`Vault`] (`claim_versions.episode_json`,
//! `check_ins.record_json`) with the master key's id beside them (`sealed_with`): `''` in clear,
//! `NULL` when nothing is stored any more.

use super::schema::{check_ins, claim_versions};
use super::{AnyConnection, StoreError};
use crate::vault::{Sealed, Vault};
use diesel::prelude::*;

/// The columns of a claim version's [`Payload`].
pub(super) const VERSION_PAYLOAD: (
    claim_versions::episode_json,
    claim_versions::sealed_with,
    claim_versions::content_sha256,
) = (claim_versions::episode_json, claim_versions::sealed_with, claim_versions::content_sha256);

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
    /// Whether rows may remain (the batch was full).
    pub more: bool,
}

/// Re-wraps up to `limit` stored episodes and check-ins not sealed under the vault's current key
/// (sealing those stored in clear). Each row is written only if it is still as read, so two
/// instances doing this at once, or a retention pass, never lose a value.
pub fn rewrap(conn: &mut AnyConnection, vault: &Vault, limit: i64) -> Result<Rewrapped, StoreError> {
    let Some(current) = vault.current_key() else { return Ok(Rewrapped::default()) };
    let current = current.as_str();
    let versions: Vec<(i64, Payload)> = claim_versions::table
        .filter(claim_versions::sealed_with.lt(current).or(claim_versions::sealed_with.gt(current)))
        .order(claim_versions::id)
        .limit(limit)
        .select((claim_versions::id, VERSION_PAYLOAD))
        .load(conn)?;
    let mut done = Rewrapped { rows: 0, more: versions.len() as i64 == limit };
    for (id, payload) in &versions {
        let (Some(text), Some(key)) = (&payload.text, &payload.sealed_with) else { continue };
        let Some(new) = vault.rewrap(text, Some(key).filter(|k| *k != CLEAR).map(String::as_str), &payload.binding)?
        else {
            continue;
        };
        done.rows += diesel::update(claim_versions::table.find(id).filter(claim_versions::sealed_with.eq(key)))
            .set((claim_versions::episode_json.eq(&new.text), claim_versions::sealed_with.eq(key_column(&new))))
            .execute(conn)?;
    }
    let check_ins: Vec<(String, Payload)> = check_ins::table
        .filter(check_ins::sealed_with.lt(current).or(check_ins::sealed_with.gt(current)))
        .order(check_ins::id)
        .limit(limit)
        .select((check_ins::id, check_in_payload()))
        .load(conn)?;
    done.more |= check_ins.len() as i64 == limit;
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
    Ok(done)
}

/// How many stored values each master key wraps (`""` in clear), for `hisgate keys status`.
pub fn count_by_key(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>, StoreError> {
    use diesel::dsl::count_star;
    let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
    let versions: Vec<(Option<String>, i64)> = claim_versions::table
        .filter(claim_versions::sealed_with.is_not_null())
        .group_by(claim_versions::sealed_with)
        .select((claim_versions::sealed_with, count_star()))
        .load(conn)?;
    let check_ins: Vec<(Option<String>, i64)> = check_ins::table
        .filter(check_ins::sealed_with.is_not_null())
        .group_by(check_ins::sealed_with)
        .select((check_ins::sealed_with, count_star()))
        .load(conn)?;
    for (key, n) in versions.into_iter().chain(check_ins) {
        *counts.entry(key.unwrap_or_default()).or_default() += n;
    }
    Ok(counts.into_iter().collect())
}
