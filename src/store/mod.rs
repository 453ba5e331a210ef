//! Storage: diesel over SQLite (embedded default) or PostgreSQL, chosen by the URL scheme.
//!
//! Queries common to both backends go through one `AnyConnection`; SQLite runs one writer at a
//! time (a process-wide lock, since SQLite serves a single instance), PostgreSQL many.

/// Runs `$body` on the backend's own connection `$c`, for what diesel's MultiConnection cannot
/// express: batch inserts, `ON CONFLICT`, `RETURNING`.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match &mut *$conn {
            $crate::store::AnyConnection::Sqlite($c) => $body,
            $crate::store::AnyConnection::Postgresql($c) => $body,
        }
    };
}

/// Multi-row `INSERT` of `$rows` (a slice or `Vec` of `Insertable`s), `$chunk` rows per
/// statement.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr, $chunk:expr) => {
        for chunk in $rows.chunks($chunk) {
            on_backend!($conn, |c| diesel::insert_into($table).values(chunk).execute(c))?;
        }
    };
}

/// The ids of up to `$limit` due jobs of `$destinations` in queue table `$queue` (a schema
/// module with `id`, `status`, `destination`, `lease_until`, `next_attempt_at`), in the order
/// they are to go: jobs in flight whose lease ran out (their worker died) first, then pending jobs
/// by the time they became due.
///
/// Each destination is read on its own along the queue's due index (status, destination,
/// next_attempt_at, id), so a lease reads at most `limit` rows per destination however long the
/// queue behind a portal has grown; one query over every due job had to sort them all first.
/// On PostgreSQL the rows read are locked (`FOR UPDATE SKIP LOCKED`) until the lease commits, and
/// a row another transaction holds (a check-in lease beside it, an answer being recorded) is
/// skipped rather than waited for.
/// Evaluates to `(expired, pending)` id lists.
macro_rules! due_job_ids {
    ($conn:expr, $queue:ident, $destinations:expr, $now:expr, $limit:expr) => {{
        macro_rules! load_locking {
            ($query:expr) => {
                match &mut *$conn {
                    $crate::store::AnyConnection::Postgresql(pg) => $query.for_update().skip_locked().load(pg),
                    $crate::store::AnyConnection::Sqlite(sqlite) => $query.load(sqlite),
                }
            };
        }
        let expired = $queue::table
            .select($queue::id)
            .filter($queue::status.eq($crate::vocabulary::JobStatus::InFlight))
            .filter($queue::lease_until.lt($now))
            .filter($queue::destination.eq_any($destinations))
            .order($queue::id)
            .limit($limit);
        let expired: Vec<i64> = load_locking!(expired)?;
        let room = $limit - expired.len() as i64;
        let mut pending: Vec<(i64, i64)> = Vec::new();
        for destination in $destinations.iter().filter(|_| room > 0) {
            let query = $queue::table
                .select(($queue::next_attempt_at, $queue::id))
                .filter($queue::status.eq($crate::vocabulary::JobStatus::Pending))
                .filter($queue::destination.eq(destination))
                .filter($queue::next_attempt_at.le($now))
                .order(($queue::next_attempt_at, $queue::id))
                .limit(room);
            let rows: Vec<(i64, i64)> = load_locking!(query)?;
            pending.extend(rows);
        }
        pending.sort_unstable();
        let pending: Vec<i64> = pending.into_iter().take(room.max(0) as usize).map(|(_, id)| id).collect();
        (expired, pending)
    }};
}

pub mod alerts;
pub mod audit;
pub mod check_ins;
pub mod claims;
pub mod events;
pub mod facilities;
pub mod front_door;
pub mod jobs;
pub mod keys;
pub mod outbox;
pub mod payload;
pub mod reference;
pub mod results;
pub mod rules;
mod schema;
pub mod sessions;
pub mod signatures;
pub mod space;
pub mod stats;
pub mod webhooks;
pub mod worklist;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, CustomizeConnection, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::sync::Arc;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("the database task was cancelled")]
    Cancelled,
    #[error(transparent)]
    Sealed(#[from] crate::vault::VaultError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the database is, parsed from `HISGATE_DATABASE_URL`.
#[derive(Debug, Clone)]
struct Location {
    backend: Backend,
    /// What diesel's `establish` takes: a file path for SQLite, the URL for PostgreSQL.
    target: String,
}

impl Location {
    fn parse(url: &str) -> Result<Self, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            return Ok(Location { backend: Backend::Sqlite, target: path.to_owned() });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Location { backend: Backend::Postgres, target: url.to_owned() });
        }
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}

struct Manager(Location);

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        match self.0.backend {
            Backend::Sqlite => diesel::SqliteConnection::establish(&self.0.target).map(AnyConnection::Sqlite),
            Backend::Postgres => diesel::PgConnection::establish(&self.0.target).map(AnyConnection::Postgresql),
        }
        .map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

/// SQLite settings for a durable, concurrent embedded store: WAL, fsync at every commit, foreign
/// keys; and incremental auto-vacuum, which takes effect only on a new file and must come before
/// WAL to do so (see `space.rs`).
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<AnyConnection, r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        if let AnyConnection::Sqlite(c) = conn {
            c.batch_execute(
                "PRAGMA busy_timeout = 5000; PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                 PRAGMA foreign_keys = ON;",
            )
            .map_err(r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

type Pool = r2d2::Pool<Manager>;

/// The database: a connection pool and, for SQLite, the single-writer lock.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
    write_lock: Arc<std::sync::Mutex<()>>,
}

impl Db {
    /// Connects (creating an SQLite file if needed) and runs pending migrations.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let location = Location::parse(url)?;
        let backend = location.backend;
        let size = match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let pool = r2d2::Pool::builder()
            .max_size(size)
            .connection_timeout(std::time::Duration::from_secs(10))
            .connection_customizer(Box::new(SqlitePragmas))
            .build(Manager(location))?;
        let db = Db { pool, backend, write_lock: Arc::new(std::sync::Mutex::new(())) };
        db.migrate()?;
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.get()?;
        if self.backend == Backend::Sqlite && !space::incremental_sqlite(&mut conn)? {
            tracing::warn!(
                "this SQLite file predates incremental vacuum: retention frees space inside it but the file does not \
                 shrink; run `hisgate migrate` once while the gateway is stopped"
            );
        }
        let result = match &mut *conn {
            AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
            AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        };
        result.map_err(|e| StoreError::Migration(e.to_string()))?;
        if self.backend == Backend::Postgres
            && let Err(e) = space::ensure_partitions(&mut conn)
        {
            // Another instance creating them at the same moment; the payloads land in the default
            // partition meanwhile.
            tracing::warn!(error = %e, "the month partitions of episode_payloads were not created");
        }
        Ok(())
    }

    /// Runs a read on a pooled connection, off the async runtime.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || f(&mut *pool.get()?)).await.map_err(|_| StoreError::Cancelled)?
    }

    /// [`Db::read`] in one read-only transaction: every statement of `f` sees the same snapshot
    /// (PostgreSQL `REPEATABLE READ`; on SQLite a read transaction), so a record read in several
    /// statements is never half before and half after a writer's commit.
    pub async fn snapshot<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
    {
        self.read(|conn| {
            conn.transaction(|c| {
                if matches!(c, AnyConnection::Postgresql(_)) {
                    diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(c)?;
                }
                f(c)
            })
        })
        .await
    }

    /// The blocking form of [`Db::read`], for start-up and the command line.
    pub fn read_blocking<T>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        f(&mut *self.pool.get()?)
    }

    /// Runs `f` in one transaction, off the async runtime; committed when `f` returns `Ok`.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f)).await.map_err(|_| StoreError::Cancelled)?
    }

    /// [`Db::write`] tried up to three times: for recording what a portal already answered, where
    /// a deadlock or serialisation failure on PostgreSQL must not leave the job to be sent again.
    pub async fn write_retrying<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Fn(&mut AnyConnection) -> Result<T, StoreError> + Send + Sync + Clone + 'static,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.write(f.clone()).await {
                Err(StoreError::Database(e)) if attempt < 3 => {
                    tracing::warn!(error = %e, attempt, "database write failed; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
                }
                other => return other,
            }
        }
    }

    /// The blocking form of [`Db::write`], for the command line.
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    {
        let mut conn = self.pool.get()?;
        let _writer = match self.backend {
            Backend::Sqlite => Some(self.write_lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())),
            Backend::Postgres => None,
        };
        (*conn).transaction(f)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read(|c| c.batch_execute("SELECT 1").map_err(StoreError::from)).await
    }
}

/// Milliseconds since the Unix epoch, the time unit of every stored timestamp.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
