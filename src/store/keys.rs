//! API keys: only a SHA-256 of the secret is stored; the key itself is shown once at creation.

use super::schema::api_keys;
use super::{AnyConnection, StoreError, now_ms};
use crate::vocabulary::{FacilityCode, Role};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct StoredKey {
    pub id: String,
    pub secret_sha256: String,
    /// A [`Role`], read as text: a key of a role this version does not know authenticates no one.
    pub role: String,
    pub facility_code: Option<FacilityCode>,
    pub label: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// Granted to read the sensitive tables (`HISGATE_SENSITIVE_TABLES`).
    pub sensitive_reader: bool,
}

pub fn insert(
    conn: &mut AnyConnection,
    id: &str,
    secret_sha256: &str,
    role: Role,
    facility_code: Option<&str>,
    label: &str,
    sensitive_reader: bool,
) -> Result<(), StoreError> {
    diesel::insert_into(api_keys::table)
        .values(StoredKey {
            id: id.to_owned(),
            secret_sha256: secret_sha256.to_owned(),
            role: role.as_str().to_owned(),
            facility_code: facility_code.map(FacilityCode::from),
            label: label.to_owned(),
            created_at: now_ms(),
            revoked_at: None,
            sensitive_reader,
        })
        .execute(conn)?;
    Ok(())
}

/// The active (not revoked) key with this id.
pub fn find_active(conn: &mut AnyConnection, id: &str) -> Result<Option<StoredKey>, StoreError> {
    Ok(api_keys::table
        .find(id)
        .filter(api_keys::revoked_at.is_null())
        .select(StoredKey::as_select())
        .first(conn)
        .optional()?)
}

/// Marks an active key revoked; `false` if there is none with this id.
pub fn revoke(conn: &mut AnyConnection, id: &str) -> Result<bool, StoreError> {
    let changed = diesel::update(api_keys::table.find(id).filter(api_keys::revoked_at.is_null()))
        .set(api_keys::revoked_at.eq(now_ms()))
        .execute(conn)?;
    Ok(changed == 1)
}
