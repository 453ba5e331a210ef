//! The reference catalogues as stored: one row per list (`reference_lists`) and one per code
//! (`reference_entries`). `facility` is `""` for national and shared lists.

use super::schema::{reference_entries, reference_lists};
use super::{AnyConnection, StoreError, now_ms};
use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = reference_lists)]
pub struct ListInfo {
    /// The list's name, e.g. `drugs`.
    pub list: String,
    /// The facility (MA_CSKCB) whose own list this is; empty for a national or shared list.
    pub facility: String,
    pub entries: i64,
    /// SHA-256 of the CSV it was loaded from.
    pub sha256: String,
    /// Milliseconds since the Unix epoch.
    pub loaded_at: i64,
    /// The key (or `seed`, `cli`) that loaded it.
    pub loaded_by: String,
    /// The list's versions as JSON (`reference::Version`s); the routes show them parsed.
    #[serde(skip)]
    pub versions: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = reference_entries)]
pub struct StoredEntry {
    pub list: String,
    pub facility: String,
    /// The coded field of a code-list entry; empty elsewhere.
    pub field: String,
    pub code: String,
    /// `YYYY-MM-DD`, empty for open.
    pub valid_from: String,
    pub valid_to: String,
    pub name: String,
    pub strength: Option<String>,
    pub registration: Option<String>,
    /// An exact decimal, as text.
    pub max_price: Option<String>,
    pub level: Option<String>,
    pub parent: Option<String>,
    pub successor: Option<String>,
    /// `uncertain`, or nothing.
    pub status: Option<String>,
}

/// Every stored list, by name and facility.
pub fn lists(conn: &mut AnyConnection) -> Result<Vec<ListInfo>, StoreError> {
    Ok(reference_lists::table
        .select(ListInfo::as_select())
        .order((reference_lists::list, reference_lists::facility))
        .load(conn)?)
}

/// Calls `f` with every stored entry, one row at a time.
pub fn for_each_entry(conn: &mut AnyConnection, mut f: impl FnMut(StoredEntry)) -> Result<(), StoreError> {
    let order =
        (reference_entries::list, reference_entries::facility, reference_entries::field, reference_entries::code);
    let rows = reference_entries::table.select(StoredEntry::as_select()).order(order);
    for row in rows.load_iter::<_, DefaultLoadingMode>(conn)? {
        f(row?);
    }
    Ok(())
}

/// The entries of one list, by field, code and period.
pub fn entries_of(conn: &mut AnyConnection, list: &str, facility: &str) -> Result<Vec<StoredEntry>, StoreError> {
    Ok(reference_entries::table
        .filter(reference_entries::list.eq(list).and(reference_entries::facility.eq(facility)))
        .select(StoredEntry::as_select())
        .order((reference_entries::field, reference_entries::code, reference_entries::valid_from))
        .load(conn)?)
}

/// Replaces the list `list` of `facility` with `rows`; run it inside a transaction.
pub fn replace(
    conn: &mut AnyConnection,
    list: &str,
    facility: &str,
    rows: &[StoredEntry],
    sha256: &str,
    by: &str,
    versions: &str,
) -> Result<ListInfo, StoreError> {
    remove(conn, list, facility)?;
    // Fourteen columns a row: 100 rows stay under SQLite's and PostgreSQL's parameter limits.
    insert_rows!(conn, reference_entries::table, rows, 100);
    let info = ListInfo {
        list: list.to_owned(),
        facility: facility.to_owned(),
        entries: rows.len() as i64,
        sha256: sha256.to_owned(),
        loaded_at: now_ms(),
        loaded_by: by.to_owned(),
        versions: versions.to_owned(),
    };
    diesel::insert_into(reference_lists::table).values(&info).execute(conn)?;
    Ok(info)
}

/// Removes the list `list` of `facility`; whether there was one.
pub fn remove(conn: &mut AnyConnection, list: &str, facility: &str) -> Result<bool, StoreError> {
    diesel::delete(
        reference_entries::table.filter(reference_entries::list.eq(list).and(reference_entries::facility.eq(facility))),
    )
    .execute(conn)?;
    let removed = diesel::delete(reference_lists::table.find((list, facility))).execute(conn)?;
    Ok(removed > 0)
}
