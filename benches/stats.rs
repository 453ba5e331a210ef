//! The Department of Health's figures over a large store: fills a database with a year of claims
//! of the synthetic province (default one million), then times the summary, the facility list and
//! one hospital's figures, as the API and the dashboard compute them.
//!
//! `cargo bench --bench stats` (SQLite in a temporary directory);
//! `cargo bench --bench stats -- --claims 1000000 --database postgres://postgres@127.0.0.1:5432/bench_stats`
//! (the PostgreSQL database is created if missing and emptied first); `--database sqlite:///tmp/s.db`
//! keeps the SQLite file, and `--reuse` times an already filled database again.
//!
//! Rows are written with plain multi-row `INSERT`s shaped as the gateway writes them: per claim one
//! version, a BHXH and a MoH submission, BHXH's decision for most, some dead letters with their
//! error, and episodes refused at ingest. Stored payloads are left out, as retention drops them.

use hisgate::stats::{self, Period};
use hisgate::store::facilities::{self, FacilityFilter};
use hisgate::store::{Backend, Db, StoreError, jobs, now_ms};
use hisgate::synthetic::province::{self, FacilityKind};
use rand::{Rng, SeedableRng};
use std::time::Instant;

const DAY_MS: i64 = 86_400_000;
const ROWS_PER_STATEMENT: usize = 500;

struct Options {
    claims: usize,
    database: Option<String>,
    runs: usize,
    /// Time the figures of a database an earlier run filled.
    reuse: bool,
}

fn options() -> Options {
    let mut o = Options { claims: 1_000_000, database: None, runs: 5, reuse: false };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--claims" => o.claims = args.next().and_then(|v| v.parse().ok()).expect("--claims N"),
            "--database" => o.database = args.next(),
            "--runs" => o.runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--reuse" => o.reuse = true,
            // `cargo bench` passes `--bench`; other harness flags mean nothing here.
            _ => {}
        }
    }
    o
}

/// Appends rows to multi-row `INSERT`s, run when flushed (in one transaction).
struct Loader<'a> {
    db: &'a Db,
    table: &'static str,
    columns: &'static str,
    rows: Vec<String>,
    statements: Vec<String>,
}

impl<'a> Loader<'a> {
    fn new(db: &'a Db, table: &'static str, columns: &'static str) -> Self {
        Loader { db, table, columns, rows: Vec::new(), statements: Vec::new() }
    }

    fn push(&mut self, row: String) {
        self.rows.push(row);
        if self.rows.len() == ROWS_PER_STATEMENT {
            self.cut();
        }
    }

    fn cut(&mut self) {
        if !self.rows.is_empty() {
            self.statements.push(format!(
                "INSERT INTO {} ({}) VALUES {};",
                self.table,
                self.columns,
                self.rows.join(",")
            ));
            self.rows.clear();
        }
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        self.cut();
        let sql = std::mem::take(&mut self.statements).join("\n");
        self.db.write_blocking(|c| {
            use diesel::connection::SimpleConnection;
            c.batch_execute(&sql).map_err(StoreError::from)
        })
    }
}

fn fill(db: &Db, claims: usize) -> Result<(), StoreError> {
    let province = province::facilities();
    db.write_blocking(|c| {
        for (i, f) in province.iter().enumerate() {
            facilities::save(c, &f.registry_row(if i % 15 == 14 { "onboarding" } else { "live" }, "2026-01-01"))?;
        }
        Ok(())
    })?;
    // Hospitals send far more than commune stations; every 15th station is silent.
    let weights: Vec<(String, u32)> = province
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let w = match f.kind {
                FacilityKind::Tier2Hospital => 400,
                FacilityKind::HealthCentre => 200,
                FacilityKind::Polyclinic => 60,
                FacilityKind::CommuneStation if i % 15 == 14 => 0,
                FacilityKind::CommuneStation => 8,
            };
            (f.code.clone(), w)
        })
        .collect();
    let total_weight: u32 = weights.iter().map(|w| w.1).sum();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let now = now_ms();

    let mut claim_rows =
        Loader::new(db, "claims", "id, facility_code, episode_key, current_version, status, received_at, updated_at");
    let mut version_rows = Loader::new(
        db,
        "claim_versions",
        "id, claim_id, version, content_sha256, warnings_json, visit_type, admitted_at, discharged_at, \
         total_cost_cents, claimed_cents, received_at, received_by, payload_dropped_at",
    );
    let mut outbox_rows = Loader::new(
        db,
        "outbox",
        "id, claim_version_id, destination, status, attempts, next_attempt_at, transaction_id, created_at, \
         updated_at, sent_at",
    );
    let mut outcome_rows = Loader::new(
        db,
        "claim_outcomes",
        "id, outbox_id, claim_version_id, transaction_id, status, claimed_cents, approved_cents, reasons_json, \
         lines_json, decided_at",
    );
    let mut error_rows = Loader::new(db, "submission_errors", "id, outbox_id, code, message, at");
    let mut refusal_rows = Loader::new(db, "ingest_rejections", "id, facility_code, episode_key, at, rules_json");
    let (mut outcome_id, mut error_id) = (0, 0);

    for i in 0..claims {
        let mut pick = rng.random_range(0..total_weight);
        let facility = weights
            .iter()
            .find(|(_, w)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map_or("83001", |(code, _)| code.as_str());
        let received = now - rng.random_range(0..365 * DAY_MS);
        let discharged = received - rng.random_range(3_600_000..10 * DAY_MS);
        let claimed: i64 = rng.random_range(5_000_000..500_000_000);
        let roll: u32 = rng.random_range(0..1000);
        // 1 % waiting to be sent, 1 % dead letters, 3 % awaiting appraisal, the rest decided.
        let (status, sent, decided) = match roll {
            0..=9 => ("pending", None, None),
            10..=19 => ("dead_letter", None, None),
            20..=49 => ("sent", Some(received + 600_000), None),
            50..=849 => ("accepted", Some(received + 600_000), Some(received + 3_600_000)),
            850..=939 => ("partially_approved", Some(received + 600_000), Some(received + 3_600_000)),
            _ => ("rejected", Some(received + 600_000), Some(received + 3_600_000)),
        };
        let claim_status = match status {
            "pending" => "queued",
            "sent" => "submitted",
            "dead_letter" => "dead_letter",
            decided => decided,
        };
        let (version_id, bhxh_id, moh_id) = (i as i64 + 1, 2 * i as i64 + 1, 2 * i as i64 + 2);
        let updated = decided.or(sent).unwrap_or(received);
        claim_rows
            .push(format!("('bench-{i:08}', '{facility}', 'LK{i:010}', 1, '{claim_status}', {received}, {updated})"));
        version_rows.push(format!(
            "({version_id}, 'bench-{i:08}', 1, 'sha{i}', '[]', '03', {}, {discharged}, {claimed}, {claimed}, \
             {received}, 'bench', {updated})",
            discharged - 3 * DAY_MS
        ));
        let sql_time = |t: Option<i64>| t.map_or_else(|| "NULL".to_owned(), |t| t.to_string());
        let transaction = sent.map_or_else(|| "NULL".to_owned(), |_| format!("'GD{i:010}'"));
        outbox_rows.push(format!(
            "({bhxh_id}, {version_id}, 'bhxh', '{status}', 1, {received}, {transaction}, {received}, {updated}, {})",
            sql_time(sent)
        ));
        let moh_sent = (status != "pending").then_some(received + 300_000);
        outbox_rows.push(format!(
            "({moh_id}, {version_id}, 'moh', '{}', 1, {received}, {}, {received}, {received}, {})",
            if moh_sent.is_some() { "delivered" } else { "pending" },
            moh_sent.map_or_else(|| "NULL".to_owned(), |_| format!("'MOH{i:010}'")),
            sql_time(moh_sent)
        ));
        if let Some(at) = decided {
            outcome_id += 1;
            let (approved, reasons) = match status {
                "accepted" => (claimed, "[]"),
                "partially_approved" => (claimed / 2, "[\"XML2_THUOC_NGOAI_DANH_MUC\"]"),
                _ => (0, "[\"THE_HET_HAN\"]"),
            };
            outcome_rows.push(format!(
                "({outcome_id}, {bhxh_id}, {version_id}, 'GD{i:010}', '{status}', {claimed}, {approved}, '{reasons}', \
                 '[]', {at})"
            ));
        }
        if status == "dead_letter" {
            error_id += 1;
            error_rows.push(format!("({error_id}, {bhxh_id}, 'E401', 'MA_CSKCB not registered', {received})"));
        }
        if i % 50 == 0 {
            refusal_rows.push(format!(
                "({}, '{facility}', 'LKR{i:09}', {received}, '[\"CARD_LENGTH\",\"XML1_NGAY_RA\"]')",
                i / 50 + 1
            ));
        }
        // Parents before children, every 20,000 claims and at the end.
        if i % 20_000 == 19_999 || i + 1 == claims {
            for loader in [
                &mut claim_rows,
                &mut version_rows,
                &mut outbox_rows,
                &mut outcome_rows,
                &mut error_rows,
                &mut refusal_rows,
            ] {
                loader.flush()?;
            }
        }
    }
    if db.backend() == Backend::Postgres {
        // Sequences behind the explicit ids, and fresh planner statistics.
        db.write_blocking(|c| {
            use diesel::connection::SimpleConnection;
            c.batch_execute(
                "SELECT setval(pg_get_serial_sequence('claim_versions', 'id'), (SELECT max(id) FROM claim_versions));
                 SELECT setval(pg_get_serial_sequence('outbox', 'id'), (SELECT max(id) FROM outbox));
                 ANALYZE;",
            )
            .map_err(StoreError::from)
        })?;
    } else {
        db.write_blocking(|c| {
            use diesel::connection::SimpleConnection;
            c.batch_execute("ANALYZE;").map_err(StoreError::from)
        })?;
    }
    Ok(())
}

/// Runs `f` `runs` times; prints and returns the median and the slowest, in milliseconds.
fn time<T>(label: &str, runs: usize, mut f: impl FnMut() -> T) -> T {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!("{label:<44} median {:>8.1} ms   max {:>8.1} ms", times[times.len() / 2], times[times.len() - 1]);
    last.expect("at least one run")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = options();
    let dir = tempfile::tempdir()?;
    let url = match &o.database {
        Some(url) if o.reuse => url.clone(),
        Some(url) if url.starts_with("postgres") => {
            recreate_postgres(url)?;
            url.clone()
        }
        Some(url) => {
            let file = url.trim_start_matches("sqlite://");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{file}{suffix}"));
            }
            url.clone()
        }
        None => format!("sqlite://{}", dir.path().join("stats.db").display()),
    };
    let db = Db::connect(&url)?;
    let started = Instant::now();
    if !o.reuse {
        fill(&db, o.claims)?;
    }
    println!(
        "{} claims of {} facilities written to {:?} in {:.1} s",
        o.claims,
        province::facilities().len(),
        db.backend(),
        started.elapsed().as_secs_f64()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let today = hisgate::domain::time::vietnam_day(now_ms());
    let days = |n: i64| Period { from: today - chrono::Duration::days(n - 1), to: today };
    let month = days(30);
    let year = days(365);
    let busiest = "83001";
    let timings = |title: &str| -> Result<(), StoreError> {
        println!("{title}");
        let s = time("summary, 30 days", o.runs, || runtime.block_on(stats::summary_of(&db, month, 7)))?;
        println!("    received {} in 30 days", s.figures.funnel.received);
        let s = time("summary, 365 days", o.runs, || runtime.block_on(stats::summary_of(&db, year, 7)))?;
        println!("    received {} in 365 days", s.figures.funnel.received);
        time("facility list (154 rows), 30 days", o.runs, || {
            runtime.block_on(stats::facility_list_of(&db, FacilityFilter::default(), month))
        })?;
        time("facility list (154 rows), 365 days", o.runs, || {
            runtime.block_on(stats::facility_list_of(&db, FacilityFilter::default(), year))
        })?;
        let f = time("facility 83001, 30 days", o.runs, || {
            runtime.block_on(stats::facility_stats_of(&db, busiest, month))
        })?;
        println!("    83001 received {} in 30 days", f.map_or(0, |f| f.figures.funnel.received));
        time("facility 83001, 365 days", o.runs, || runtime.block_on(stats::facility_stats_of(&db, busiest, year)))?;
        time("commune station 83020, 30 days", o.runs, || {
            runtime.block_on(stats::facility_stats_of(&db, "83020", month))
        })?;
        Ok(())
    };
    if !o.reuse {
        timings("Every day counted from the claims (before the first snapshot):")?;
    }
    // What the daily snapshot job does on its first run over this history.
    let started = Instant::now();
    let unfinished = db.read_blocking(|c| jobs::unfinished_days(c, today, 400))?;
    for day in &unfinished {
        db.write_blocking(|c| jobs::snapshot_day(c, *day))?;
    }
    println!(
        "The snapshot job made {} ended days final in {:.1} s.",
        unfinished.len(),
        started.elapsed().as_secs_f64()
    );
    timings("Ended days read from the snapshots, today counted from the claims:")?;
    Ok(())
}

fn recreate_postgres(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    let (server, name) = url.rsplit_once('/').ok_or("a PostgreSQL URL ends with /database")?;
    let mut admin = PgConnection::establish(&format!("{server}/postgres"))?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin)?;
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
    Ok(())
}
