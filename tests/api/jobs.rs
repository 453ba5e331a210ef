//! The scheduled jobs, run on demand through the admin endpoint: lease sweeping, the daily
//! per-facility snapshot and retention of settled payloads.

use crate::dispatch::{clean_appraisal, fast, send, settle};
use crate::helpers::{Backend, FACILITY, OTHER_FACILITY, TestApp, dossiers_only, episodes, spawn_app_with};
use crate::on_both_backends;
use hisgate::store::{now_ms, outbox};
use hisgate::vocabulary::Destination;
use mocks::bhxh::BhxhConfig;
use mocks::moh::MohConfig;
use rust_decimal::Decimal;
use serde_json::Value;

on_both_backends!(
    the_daily_snapshot_counts_each_facility_s_day,
    retention_drops_settled_payloads_and_keeps_the_record,
    retention_gives_the_space_back_to_the_file_system
);

/// Runs a job now through the admin endpoint; it must succeed.
pub async fn run(app: &TestApp, job: &str) -> Value {
    let response =
        app.client.post(app.url(&format!("/api/v1/jobs/{job}/run"))).bearer_auth(&app.admin_key).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let result: Value = response.json().await.unwrap();
    assert_eq!(result["ok"], true, "{result}");
    result
}

#[actix_web::test]
async fn jobs_are_listed_run_by_admins_only_and_audited() {
    let Some(app) = spawn_app_with(Backend::Sqlite, "jobs_are_listed_run_by_admins_only_and_audited", |_| {}).await
    else {
        return;
    };
    let listed: Value = app.get("/api/v1/jobs", &app.doh_key).await.json().await.unwrap();
    let names: Vec<&str> = listed.as_array().unwrap().iter().map(|j| j["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["lease_sweep", "token_refresh", "daily_snapshot", "retention", "card_check", "alerts", "rewrap"]
    );
    assert_eq!(listed[2]["schedule"], "0 10 0 * * *");
    assert_eq!(app.get("/api/v1/jobs", &app.facility_key).await.status(), 403);
    let by_doh = app.client.post(app.url("/api/v1/jobs/retention/run")).bearer_auth(&app.doh_key).send().await.unwrap();
    assert_eq!(by_doh.status(), 403);
    let unknown = app.client.post(app.url("/api/v1/jobs/vacuum/run")).bearer_auth(&app.admin_key).send().await.unwrap();
    assert_eq!(unknown.status(), 404);

    let result = run(&app, "token_refresh").await;
    assert_eq!(result["detail"], "sessions renewed: none", "no portal is configured here");
    let listed: Value = app.get("/api/v1/jobs", &app.admin_key).await.json().await.unwrap();
    let runs = listed[1]["recent_runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["ok"], true);
    let audit = app.db.read(|c| hisgate::store::audit::for_target(c, "token_refresh")).await.unwrap();
    assert_eq!(audit.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(), ["job.run"]);
}

/// A job left in flight by a worker that stopped goes back to the queue, marked uncertain.
#[actix_web::test]
async fn the_lease_sweep_requeues_jobs_of_stopped_workers_as_uncertain() {
    let Some(app) =
        spawn_app_with(Backend::Sqlite, "the_lease_sweep_requeues_jobs_of_stopped_workers_as_uncertain", |s| {
            s.dispatch.enabled = false;
            s.destinations = vec![Destination::Bhxh];
        })
        .await
    else {
        return;
    };
    let episode = dossiers_only(episodes(FACILITY, 70, 1)).remove(0);
    assert_eq!(app.post_claim(&app.facility_key, &episode).await.status(), 202);
    let destinations = vec![Destination::Bhxh];
    // A lease that has already run out: its worker is gone.
    let leased = app.db.write(move |c| outbox::claim(c, &destinations, "gone", 10, -1)).await.unwrap();
    assert_eq!(leased.len(), 1);
    let result = run(&app, "lease_sweep").await;
    assert_eq!(result["detail"], "1 expired leases returned to the queue");
    let page: Value = app.get("/api/v1/submissions", &app.admin_key).await.json().await.unwrap();
    assert_eq!(page["items"][0]["status"], "pending");
    assert!(page["items"][0]["uncertain_since"].as_i64().is_some(), "{page}");
    assert_eq!(run(&app, "lease_sweep").await["detail"], "0 expired leases returned to the queue");
}

async fn the_daily_snapshot_counts_each_facility_s_day(backend: Backend) {
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), ..BhxhConfig::default() }, "127.0.0.1:0")
        .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) =
        spawn_app_with(backend, "the_daily_snapshot_counts_each_facility_s_day", |s| fast(s, &bhxh, &moh)).await
    else {
        return;
    };
    let (sent, mut ids) = send(&app, 71, 6).await;
    let other = episodes(OTHER_FACILITY, 72, 3);
    for e in &other {
        let r: Value = app.post_claim(&app.other_facility_key, e).await.json().await.unwrap();
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    settle(&app, &ids).await;
    run(&app, "daily_snapshot").await;
    let today = hisgate::domain::time::vietnam_day(now_ms());
    let path = format!("/api/v1/snapshots/daily?day={}", today.format("%Y-%m-%d"));
    let rows: Value = app.get(&path, &app.doh_key).await.json().await.unwrap();
    let claimed = |eps: &[hisgate::domain::Episode]| -> i64 {
        let total: Decimal = eps.iter().map(|e| e.summary.fund_pays.unwrap_or_default()).sum();
        (total * Decimal::from(100)).try_into().unwrap()
    };
    for (facility, eps) in [(FACILITY, &sent), (OTHER_FACILITY, &other)] {
        let row = rows.as_array().unwrap().iter().find(|r| r["facility_code"] == facility).expect("a row");
        let n = eps.len() as i64;
        assert_eq!(row["received"], n, "{row}");
        assert_eq!(row["submitted"], 2 * n, "BHXH and MoH: {row}");
        assert_eq!(row["accepted"], n, "{row}");
        assert_eq!((row["rejected"].as_i64(), row["dead_lettered"].as_i64()), (Some(0), Some(0)));
        assert_eq!(row["claimed_cents"], claimed(eps), "Σ T_BHTT of the day's decisions");
        assert_eq!(row["approved_cents"], row["claimed_cents"], "a clean appraisal approves all");
    }
    // Idempotent: a second run (another instance, a retry) writes the same figures.
    run(&app, "daily_snapshot").await;
    let again: Value = app.get(&path, &app.doh_key).await.json().await.unwrap();
    let strip = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.as_object_mut().unwrap().remove("computed_at");
                r
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&rows), strip(&again));
    assert_eq!(app.get(&path, &app.facility_key).await.status(), 403);
    assert_eq!(app.get("/api/v1/snapshots/daily?day=28-11-2026", &app.doh_key).await.status(), 400);
}

async fn retention_drops_settled_payloads_and_keeps_the_record(backend: Backend) {
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), ..BhxhConfig::default() }, "127.0.0.1:0")
        .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) = spawn_app_with(backend, "retention_drops_settled_payloads_and_keeps_the_record", |s| {
        fast(s, &bhxh, &moh);
        s.jobs.retention_days = 0;
    })
    .await
    else {
        return;
    };
    let (_, ids) = send(&app, 73, 3).await;
    settle(&app, &ids).await;
    // A front-door submission's receipt goes with the retention period too.
    let db = app.db.clone();
    let account = tokio::task::spawn_blocking(move || {
        let scope = hisgate::auth::accounts::AccountScope::Facility(crate::helpers::FACILITY.into());
        hisgate::auth::accounts::create_account(&db, scope, None, "test").unwrap()
    })
    .await
    .unwrap();
    let receipt = hisgate::store::front_door::StoredReceipt {
        transaction_id: "T1".into(),
        username: account.username,
        facility_code: crate::helpers::FACILITY.into(),
        received_at: hisgate::store::now_ms(),
        errors: "[]".into(),
        claims: "[]".into(),
    };
    app.db.write(move |c| hisgate::store::front_door::insert_receipt(c, &receipt)).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let result = run(&app, "retention").await;
    let detail = result["detail"].as_str().unwrap();
    assert!(detail.starts_with("stored episodes dropped from 3 claim versions settled before the cut-off"), "{detail}");
    assert!(detail.contains("; 1 front-door receipts received before it dropped"), "{detail}");
    let kept = app.db.read(|c| hisgate::store::front_door::find_receipt(c, "T1")).await.unwrap();
    assert!(kept.is_none(), "the receipt is gone");
    for id in &ids {
        let claim: Value = app.get(&format!("/api/v1/claims/{id}"), &app.doh_key).await.json().await.unwrap();
        assert_eq!(claim["status"], "accepted", "the record stays");
        assert!(claim["episode"].is_null(), "the payload is gone");
        let kinds: Vec<&str> =
            claim["timeline"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"payload_dropped") && kinds.contains(&"appraised"), "{kinds:?}");
        assert_eq!(app.get(&format!("/api/v1/claims/{id}/xml130"), &app.doh_key).await.status(), 404);
    }
    let again = run(&app, "retention").await;
    let detail = again["detail"].as_str().unwrap();
    assert!(detail.starts_with("stored episodes dropped from 0 claim versions settled before the cut-off"), "{detail}");
}

/// Bytes the test's database takes on disk: the SQLite file and its WAL after a checkpoint, or
/// PostgreSQL's size of the database.
async fn size_on_disk(app: &TestApp) -> i64 {
    let url = app.settings.database_url.clone();
    if let Some(path) = url.strip_prefix("sqlite://") {
        app.db
            .read(|c| {
                diesel::connection::SimpleConnection::batch_execute(c, "PRAGMA wal_checkpoint(TRUNCATE)")
                    .map_err(Into::into)
            })
            .await
            .unwrap();
        let size = |suffix: &str| std::fs::metadata(format!("{path}{suffix}")).map_or(0, |m| m.len() as i64);
        return size("") + size("-wal");
    }
    tokio::task::spawn_blocking(move || {
        use diesel::{Connection, RunQueryDsl};
        #[derive(diesel::QueryableByName)]
        struct Size {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut c = diesel::PgConnection::establish(&url).unwrap();
        diesel::sql_query("SELECT pg_database_size(current_database()) AS n").get_result::<Size>(&mut c).unwrap().n
    })
    .await
    .unwrap()
}

async fn retention_gives_the_space_back_to_the_file_system(backend: Backend) {
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), ..BhxhConfig::default() }, "127.0.0.1:0")
        .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) = spawn_app_with(backend, "retention_gives_the_space_back_to_the_file_system", |s| {
        fast(s, &bhxh, &moh);
        s.jobs.retention_days = 0;
    })
    .await
    else {
        return;
    };
    let (_, ids) = send(&app, 74, 40).await;
    settle(&app, &ids).await;
    let stored = app.db.read(hisgate::store::payload::stored_bytes).await.unwrap();
    let postgres = app.settings.database_url.starts_with("postgres");
    if postgres {
        // As if they had come in January: their month's partition is emptied, then dropped.
        sql(
            &app,
            "CREATE TABLE episode_payloads_202601 PARTITION OF episode_payloads FOR VALUES FROM (202601) TO (202602)",
        )
        .await;
        sql(&app, "UPDATE episode_payloads SET month = 202601").await;
        sql(&app, "VACUUM episode_payloads").await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let before = size_on_disk(&app).await;
    let result = run(&app, "retention").await;
    let after = size_on_disk(&app).await;
    assert!(
        before - after >= stored / 2,
        "{before} bytes before, {after} after, with {stored} bytes of stored episodes dropped: {result}"
    );
    assert_eq!(app.db.read(hisgate::store::payload::stored_bytes).await.unwrap(), 0);
    if postgres {
        let gone = app
            .db
            .read(|c| {
                diesel::connection::SimpleConnection::batch_execute(c, "SELECT 1 FROM episode_payloads_202601")
                    .map_err(Into::into)
            })
            .await;
        assert!(gone.is_err(), "January's emptied partition is dropped");
    }
}

/// Runs a statement on the test's database, outside a transaction.
async fn sql(app: &TestApp, statement: &'static str) {
    app.db
        .read(move |c| diesel::connection::SimpleConnection::batch_execute(c, statement).map_err(Into::into))
        .await
        .unwrap();
}
