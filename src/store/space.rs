//! Giving the space of dropped payloads back to the file system.
//!
//! SQLite: the file is kept in incremental auto-vacuum, so that after retention a
//! `PRAGMA incremental_vacuum` moves the freed pages to the end and cuts them off, and a WAL
//! checkpoint writes that to the file: live rows are never rewritten. A database created before
//! this setting is converted once by `hisgate migrate` (a full `VACUUM`, while the gateway is
//! stopped). PostgreSQL: the payloads are partitioned by month of receipt; a past month's
//! partition whose rows retention has all deleted is dropped, giving its files back, and a plain
//! `VACUUM` (no rewrite, no lock that stops ingest) makes the space of the other deleted rows
//! reusable.

use super::{AnyConnection, Backend, Db, StoreError};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn number(conn: &mut AnyConnection, sql: &str) -> Result<i64, StoreError> {
    Ok(on_backend!(conn, |c| diesel::sql_query(sql).get_result::<Number>(c))?.n)
}

/// SQLite's `auto_vacuum` value for incremental vacuum.
const INCREMENTAL: i64 = 2;

/// Whether an SQLite database is in incremental auto-vacuum (a new file is: every connection asks
/// for it before anything is written, the only moment it takes without a rewrite).
pub(super) fn incremental_sqlite(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    Ok(number(conn, "SELECT auto_vacuum AS n FROM pragma_auto_vacuum")? == INCREMENTAL)
}

/// Bytes the database takes on disk: SQLite's pages (its WAL checkpointed first), PostgreSQL's
/// `pg_database_size`.
fn size_on_disk(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    match conn {
        AnyConnection::Sqlite(_) => {
            number(conn, "SELECT page_count * page_size AS n FROM pragma_page_count, pragma_page_size")
        }
        AnyConnection::Postgresql(_) => number(conn, "SELECT pg_database_size(current_database()) AS n"),
    }
}

/// The PostgreSQL partition of month `m` (YYYYMM).
fn partition(m: i32) -> String {
    format!("episode_payloads_{m}")
}

fn next_month(m: i32) -> i32 {
    if m % 100 == 12 { (m / 100 + 1) * 100 + 1 } else { m + 1 }
}

/// Creates the PostgreSQL partitions of `episode_payloads` for this month and the next two (a
/// payload of a month without one would land in the default partition, which no retention frees).
pub(super) fn ensure_partitions(conn: &mut AnyConnection) -> Result<(), StoreError> {
    let mut month = super::payload::month_of(super::now_ms());
    for _ in 0..3 {
        let next = next_month(month);
        conn.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {} PARTITION OF episode_payloads FOR VALUES FROM ({month}) TO ({next})",
            partition(month)
        ))?;
        month = next;
    }
    Ok(())
}

/// Drops the partitions of past months whose payloads retention has all deleted; how many.
fn drop_empty_partitions(conn: &mut AnyConnection) -> Result<usize, StoreError> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let current = super::payload::month_of(super::now_ms());
    let AnyConnection::Postgresql(pg) = conn else { return Ok(0) };
    let partitions: Vec<Name> = diesel::sql_query(
        "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'episode_payloads'",
    )
    .load(pg)?;
    let mut dropped = 0;
    for Name { name } in partitions {
        let Some(month) = name.strip_prefix("episode_payloads_").and_then(|m| m.parse::<i32>().ok()) else { continue };
        if month >= current {
            continue;
        }
        let empty = diesel::sql_query(format!("SELECT count(*) AS n FROM (SELECT 1 FROM {name} LIMIT 1) AS any_row"))
            .get_result::<Number>(pg)?
            .n
            == 0;
        if empty {
            pg.batch_execute(&format!("DROP TABLE {name}"))?;
            dropped += 1;
        }
    }
    Ok(dropped)
}

/// The database's size before and after giving freed space back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reclaimed {
    pub before: i64,
    pub after: i64,
}

impl Db {
    /// Gives the space freed by dropped payloads back to the file system (see the module).
    pub async fn reclaim_space(&self) -> Result<Reclaimed, StoreError> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.pool.get()?;
            let before = size_on_disk(&mut conn)?;
            match db.backend {
                Backend::Sqlite => {
                    let _writer = db.write_lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    conn.batch_execute("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);")?;
                }
                Backend::Postgres => {
                    if let Err(e) = ensure_partitions(&mut conn) {
                        tracing::warn!(error = %e, "the month partitions of episode_payloads were not created");
                    }
                    let dropped = drop_empty_partitions(&mut conn)?;
                    if dropped > 0 {
                        tracing::info!(dropped, "emptied month partitions of episode_payloads dropped");
                    }
                    // Outside a transaction, and without a lock that stops ingest.
                    conn.batch_execute("VACUUM episode_payloads")?;
                }
            }
            let after = size_on_disk(&mut conn)?;
            Ok(Reclaimed { before, after })
        })
        .await
        .map_err(|_| StoreError::Cancelled)?
    }

    /// Rewrites the tables of stored records from their live rows only (SQLite `VACUUM`,
    /// PostgreSQL `VACUUM FULL`), so that no byte of a value overwritten since (one stored in
    /// clear before it was sealed) stays in the files. Locks them while it runs: for `hisgate
    /// migrate`, while no gateway uses the database.
    pub fn rewrite_stored_records(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.get()?;
        match self.backend {
            Backend::Sqlite => conn.batch_execute("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?,
            Backend::Postgres => conn.batch_execute("VACUUM FULL episode_payloads; VACUUM FULL check_ins;")?,
        }
        Ok(())
    }

    /// Converts an SQLite database made before incremental vacuum (a full `VACUUM`: run it while
    /// no gateway uses the file); whether it had to.
    pub fn convert_to_incremental_vacuum(&self) -> Result<bool, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(false);
        }
        let mut conn = self.pool.get()?;
        if incremental_sqlite(&mut conn)? {
            return Ok(false);
        }
        // The connection already asked for incremental auto-vacuum; VACUUM applies it.
        conn.batch_execute("VACUUM")?;
        Ok(true)
    }
}
