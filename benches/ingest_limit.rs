//! The storage limit that durable ingest is compared with: the same episode JSON bytes inserted
//! as plain rows (`id`, `payload`) into the same database, through the same connection pool,
//! pragmas and single-writer lock, committed in the same batch sizes: 100 rows per transaction
//! from 4 writers (the batch figure), and one row per transaction from 64 writers (what single
//! POSTs would cost if each committed alone).
//!
//! `cargo bench --bench ingest_limit` (SQLite in a temporary folder);
//! `cargo bench --bench ingest_limit -- --database postgres://postgres@127.0.0.1:5432/bench_limit`
//! (created if missing); `--seconds N` per run (default 10).

use diesel::connection::SimpleConnection;
use hisgate::store::{Backend, Db, StoreError};
use hisgate::synthetic::{EpisodeGenerator, GenOptions};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn options() -> (Option<String>, f64) {
    let (mut database, mut seconds) = (None, 10.0);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--database" => database = args.next(),
            "--seconds" => seconds = args.next().and_then(|v| v.parse().ok()).expect("--seconds N"),
            // `cargo bench` passes `--bench`.
            _ => {}
        }
    }
    (database, seconds)
}

/// Creates the PostgreSQL database of `url` if it does not exist.
fn create_postgres_database(url: &str) {
    let (server, name) = url.rsplit_once('/').expect("a database name in the URL");
    let admin = Db::connect(&format!("{server}/postgres")).expect("the postgres database");
    let exists = admin
        .read_blocking(|c| {
            use diesel::prelude::*;
            Ok(diesel::dsl::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
                "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
            )))
            .get_result::<bool>(c)?)
        })
        .expect("pg_database answers");
    if !exists {
        admin.read_blocking(|c| Ok(c.batch_execute(&format!("CREATE DATABASE {name}"))?)).expect("CREATE DATABASE");
    }
}

/// Inserts `rows_per_commit` rows per transaction from `writers` threads for `seconds`; rows/s.
fn run(db: &Db, payloads: &[String], rows_per_commit: usize, writers: usize, seconds: f64) -> f64 {
    db.write_blocking(|c| Ok(c.batch_execute("DELETE FROM limit_rows")?)).expect("emptied");
    let next = AtomicUsize::new(0);
    let stop = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..writers {
            scope.spawn(|| {
                while Instant::now() < stop {
                    let first = next.fetch_add(rows_per_commit, Ordering::Relaxed);
                    let values: Vec<String> = (first..first + rows_per_commit)
                        .map(|n| format!("('{n}', '{}')", payloads[n % payloads.len()]))
                        .collect();
                    let sql = format!("INSERT INTO limit_rows (id, payload) VALUES {}", values.join(","));
                    db.write_blocking(|c| Ok(c.batch_execute(&sql)?)).expect("insert");
                }
            });
        }
    });
    let rows: i64 = db
        .read_blocking(|c| {
            use diesel::prelude::*;
            Ok(diesel::dsl::select(diesel::dsl::sql::<diesel::sql_types::BigInt>("(SELECT count(*) FROM limit_rows)"))
                .get_result(c)?)
        })
        .expect("count");
    rows as f64 / started.elapsed().as_secs_f64()
}

fn main() -> Result<(), StoreError> {
    let (database, seconds) = options();
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let url = database.unwrap_or_else(|| format!("sqlite://{}", scratch.path().join("limit.db").display()));
    if url.starts_with("postgres") {
        create_postgres_database(&url);
    }
    let db = Db::connect(&url)?;
    let table = match db.backend() {
        Backend::Sqlite => "CREATE TABLE limit_rows (id TEXT PRIMARY KEY, payload TEXT NOT NULL)",
        // As the gateway stores episode JSON (migration 000011).
        Backend::Postgres => "CREATE TABLE limit_rows (id TEXT PRIMARY KEY, payload TEXT COMPRESSION lz4 NOT NULL)",
    };
    db.write_blocking(|c| Ok(c.batch_execute(&format!("DROP TABLE IF EXISTS limit_rows; {table}"))?))?;
    // The load scripts' episodes: the generator's mix for one facility.
    let payloads: Vec<String> = EpisodeGenerator::new(GenOptions { seed: 1, facility: Some("83001".to_owned()) })
        .take(20_000)
        .map(|e| serde_json::to_string(&e).expect("serialises").replace('\'', "''"))
        .collect();
    let average = payloads.iter().map(String::len).sum::<usize>() / payloads.len();
    println!("{url}: episodes of {average} bytes of JSON on average, {seconds} s per run");
    let batch = run(&db, &payloads, 100, 4, seconds);
    println!("100 rows per commit, 4 writers: {batch:.0} rows/s");
    let single = run(&db, &payloads, 1, 64, seconds);
    println!("1 row per commit, 64 writers: {single:.0} rows/s");
    db.write_blocking(|c| Ok(c.batch_execute("DROP TABLE limit_rows")?))?;
    Ok(())
}
