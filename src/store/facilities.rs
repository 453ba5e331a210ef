//! The facility registry (minimal until the DoH registry lands): code, name, kind, status.

use super::schema::facilities;
use super::{AnyConnection, StoreError, now_ms};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = facilities)]
pub struct Facility {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub created_at: i64,
}

pub fn find(conn: &mut AnyConnection, code: &str) -> Result<Option<Facility>, StoreError> {
    Ok(facilities::table.find(code).select(Facility::as_select()).first(conn).optional()?)
}

/// Registers a facility unless its code is already known; returns whether it was new.
pub fn register(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    kind: &str,
    status: &str,
) -> Result<bool, StoreError> {
    if find(conn, code)?.is_some() {
        return Ok(false);
    }
    diesel::insert_into(facilities::table)
        .values(Facility {
            code: code.to_owned(),
            name: name.to_owned(),
            kind: kind.to_owned(),
            status: status.to_owned(),
            created_at: now_ms(),
        })
        .execute(conn)?;
    Ok(true)
}
