//! The dispatcher and reconciliation against the portal mocks, over real HTTP.

use crate::helpers::{Backend, FACILITY, TestApp, dossiers_only, episodes, spawn_app_with};
use crate::on_both_backends;
use hisgate::config::{AppraisalApi, BhxhProtocol, DispatchSettings, PortalSettings, Secret, Settings};
use hisgate::vocabulary::Destination;
use mocks::bhxh::{AppraisalConfig, BhxhConfig, BhxhMock};
use mocks::faults::{FaultConfig, OutageWindow};
use mocks::moh::{MohConfig, MohMock};
use serde_json::Value;
use std::time::{Duration, Instant};

on_both_backends!(
    every_episode_reaches_both_portals_exactly_once,
    faults_and_timeouts_are_retried_without_duplicates,
    answers_lost_after_processing_are_found_by_receipt_and_not_sent_again,
    a_new_version_follows_the_old_one_in_flight_and_never_overtakes_it,
    a_lease_takes_expired_leases_then_the_earliest_due_jobs_of_every_destination,
);

fn portal(url: &str, username: &str) -> PortalSettings {
    PortalSettings {
        url: Some(url.to_owned()),
        username: username.to_owned(),
        password: Secret::new("hisgate-demo"),
        // Unpaced, and a short cool-down: the fault tests inject long runs of failures.
        rate_per_second: 0,
        breaker_cooldown_ms: 200,
        ..PortalSettings::default()
    }
}

pub fn fast(settings: &mut Settings, bhxh: &BhxhMock, moh: &MohMock) {
    settings.bhxh = portal(bhxh.url(), "83_SYT");
    // The mock's modelled outcome query, and files of several HOSO (the tests of a single HOSO
    // per file and of reconciling without the query set their own).
    settings.bhxh_protocol =
        BhxhProtocol { appraisal_api: AppraisalApi::Modelled, hoso_per_file: Some(10), ..BhxhProtocol::default() };
    settings.moh = portal(moh.url(), "83_SYT");
    settings.dispatch = DispatchSettings {
        batch_size: 10,
        concurrency: 4,
        max_attempts: 60,
        tick_ms: 50,
        backoff_base_ms: 20,
        backoff_max_ms: 200,
        poll_interval_ms: 100,
        // A worker whose pass failed leaves its leases; others take them soon in tests.
        lease_ms: 15_000,
        // Generous: the suite runs on 2 loaded cores.
        http_timeout_ms: 10_000,
        ..DispatchSettings::default()
    };
}

pub fn clean_appraisal() -> AppraisalConfig {
    AppraisalConfig { delay_ms: 0, reject_rate: 0.0, partial_rate: 0.0, seed: 1 }
}

/// Waits until every listed claim has left `queued`/`submitted` (BHXH appraised) — or fails after 90 s.
pub async fn settle(app: &TestApp, ids: &[String]) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let mut claims = Vec::new();
        for id in ids {
            claims.push(app.get(&format!("/api/v1/claims/{id}"), &app.doh_key).await.json::<Value>().await.unwrap());
        }
        let done = claims.iter().all(|c| {
            let subs = c["submissions"].as_array().unwrap();
            subs.iter().all(|s| !matches!(s["status"].as_str(), Some("pending" | "in_flight" | "sent")))
        });
        if done {
            return claims;
        }
        assert!(
            Instant::now() < deadline,
            "claims did not settle: {:?}",
            claims.iter().map(|c| &c["submissions"]).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn send(app: &TestApp, seed: u64, n: usize) -> (Vec<hisgate::domain::Episode>, Vec<String>) {
    let sent = episodes(FACILITY, seed, n);
    let mut ids = Vec::new();
    for e in &sent {
        let r: Value = app.post_claim(&app.facility_key, e).await.json().await.unwrap();
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    (sent, ids)
}

async fn every_episode_reaches_both_portals_exactly_once(backend: Backend) {
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), ..BhxhConfig::default() }, "127.0.0.1:0")
        .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) =
        spawn_app_with(backend, "every_episode_reaches_both_portals_exactly_once", |s| fast(s, &bhxh, &moh)).await
    else {
        return;
    };
    let (sent, ids) = send(&app, 60, 25).await;
    let claims = settle(&app, &ids).await;
    for (e, c) in sent.iter().zip(&claims) {
        assert_eq!(c["status"], "accepted", "{c}");
        let by_dest: Vec<(&str, &str)> = c["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["destination"].as_str().unwrap(), s["status"].as_str().unwrap()))
            .collect();
        assert_eq!(by_dest, [("bhxh", "accepted"), ("moh", "delivered")]);
        assert!(c["submissions"][0]["transaction_id"].as_str().unwrap().starts_with("GD"));
        let b = bhxh.state.episode(e.episode_key()).expect("BHXH received it");
        assert_eq!((b.received, b.duplicates), (1, 0), "exactly once at BHXH");
        let m = moh.state.dossier(e.episode_key()).expect("MoH received it");
        assert_eq!((m.received, m.duplicates), (1, 0), "exactly once at MoH");
        let kinds: Vec<&str> = c["timeline"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"submitted") && kinds.contains(&"appraised"), "{kinds:?}");
    }
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    for name in [
        "hisgate_queue_depth{destination=\"bhxh\",status=\"accepted\"}",
        "hisgate_dispatch_attempts_total",
        "hisgate_acceptance_to_ack_seconds",
        "hisgate_portal_call_seconds",
        // A lease takes an episode's BHXH and MoH jobs together: the MoH file is the BHXH one.
        "hisgate_dispatch_files_reused_total",
    ] {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }
}

async fn faults_and_timeouts_are_retried_without_duplicates(backend: Backend) {
    // 30% answered 500, 5% hang past the gateway's timeout; both before the portal reads the request.
    let faults = FaultConfig { seed: 3, error_rate: 0.3, hang_rate: 0.05, hang_ms: 11_000, ..FaultConfig::default() };
    let bhxh = mocks::bhxh::start(
        BhxhConfig { appraisal: clean_appraisal(), faults: faults.clone(), ..BhxhConfig::default() },
        "127.0.0.1:0",
    )
    .unwrap();
    let moh = mocks::moh::start(MohConfig { faults, ..MohConfig::default() }, "127.0.0.1:0").unwrap();
    let Some(app) = spawn_app_with(backend, "faults_and_timeouts_are_retried_without_duplicates", |s| {
        fast(s, &bhxh, &moh);
        s.dispatch.batch_size = 3;
    })
    .await
    else {
        return;
    };
    let (sent, ids) = send(&app, 61, 30).await;
    let claims = settle(&app, &ids).await;
    for c in &claims {
        assert_eq!(c["status"], "accepted", "every episode ends acknowledged: {}", c["submissions"]);
    }
    for e in &sent {
        assert_eq!(bhxh.state.episode(e.episode_key()).map(|s| (s.received, s.duplicates)), Some((1, 0)));
        assert_eq!(moh.state.dossier(e.episode_key()).map(|s| (s.received, s.duplicates)), Some((1, 0)));
    }
    let stats = bhxh.state.faults.stats();
    assert!(stats.errors > 0 && stats.hangs > 0, "faults were injected: {stats:?}");
    let retried =
        claims.iter().any(|c| c["timeline"].as_array().unwrap().iter().any(|t| t["kind"] == "attempt_failed"));
    assert!(retried, "failed attempts show on the timeline");
}

#[actix_web::test]
async fn an_outage_holds_the_queue_and_it_drains_after() {
    let outage = FaultConfig { outages: vec![OutageWindow { start_ms: 0, end_ms: 1_500 }], ..FaultConfig::default() };
    let bhxh = mocks::bhxh::start(
        BhxhConfig { appraisal: clean_appraisal(), faults: outage.clone(), ..BhxhConfig::default() },
        "127.0.0.1:0",
    )
    .unwrap();
    let moh = mocks::moh::start(MohConfig { faults: outage, ..MohConfig::default() }, "127.0.0.1:0").unwrap();
    let app = spawn_app_with(Backend::Sqlite, "an_outage_holds_the_queue_and_it_drains_after", |s| {
        fast(s, &bhxh, &moh);
        s.dispatch.max_attempts = 200;
    })
    .await
    .unwrap();
    let (_, ids) = send(&app, 62, 8).await;
    let claims = settle(&app, &ids).await;
    assert!(claims.iter().all(|c| c["status"] == "accepted"), "nothing lost or dead-lettered");
    assert!(bhxh.state.faults.stats().outage_refusals > 0);
}

#[actix_web::test]
async fn rejections_and_partial_approvals_are_reconciled_with_the_portals_sums() {
    let appraisal = AppraisalConfig { delay_ms: 300, reject_rate: 0.3, partial_rate: 0.3, seed: 9 };
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal, ..BhxhConfig::default() }, "127.0.0.1:0").unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let app =
        spawn_app_with(Backend::Sqlite, "rejections_and_partial_approvals", |s| fast(s, &bhxh, &moh)).await.unwrap();
    let (sent, ids) = send(&app, 63, 30).await;
    let claims = settle(&app, &ids).await;
    let outcomes = bhxh.state.outcomes();
    let mut seen = std::collections::BTreeSet::new();
    for (e, c) in sent.iter().zip(&claims) {
        let portal = outcomes.iter().find(|o| o.ma_lk == e.episode_key()).unwrap();
        let expected = match portal.status {
            "CHAP_NHAN" => "accepted",
            "CHAP_NHAN_MOT_PHAN" => "partially_approved",
            _ => "rejected",
        };
        assert_eq!(c["status"], expected);
        seen.insert(expected);
    }
    assert_eq!(seen.len(), 3, "the mock's shares produce every outcome: {seen:?}");
    let approved_portal: rust_decimal::Decimal = outcomes.iter().map(|o| o.approved).sum();
    let approved_here: i64 = app
        .db
        .read(|c| {
            use diesel::prelude::*;
            Ok(diesel::sql_query("SELECT COALESCE(SUM(approved_cents), 0) AS total FROM claim_outcomes")
                .get_result::<Total>(c)?
                .total)
        })
        .await
        .unwrap();
    assert_eq!(rust_decimal::Decimal::new(approved_here, 2), approved_portal, "approved sums agree with the portal's");

    // The settlement view of the month agrees with the portal's own totals.
    let month = &sent[0].summary;
    let (year, m) = (month.settlement_year.unwrap(), month.settlement_month.unwrap());
    let in_month: Vec<&mocks::bhxh::Outcome> = outcomes
        .iter()
        .filter(|o| {
            sent.iter().any(|e| {
                e.episode_key() == o.ma_lk
                    && e.summary.settlement_year == Some(year)
                    && e.summary.settlement_month == Some(m)
            })
        })
        .collect();
    let view: Value =
        app.get(&format!("/api/v1/reconciliation?year={year}&month={m}"), &app.doh_key).await.json().await.unwrap();
    let total = &view["total"];
    assert_eq!(total["claims"].as_u64().unwrap() as usize, in_month.len());
    let claimed: rust_decimal::Decimal = in_month.iter().map(|o| o.claimed).sum();
    let approved: rust_decimal::Decimal = in_month.iter().map(|o| o.approved).sum();
    assert_eq!(total["claimed"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap(), claimed);
    assert_eq!(total["approved"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap(), approved);
    let rejected = in_month.iter().filter(|o| o.status == "TU_CHOI").count() as u64;
    assert_eq!(total["rejected"].as_u64().unwrap(), rejected);
    let csv = app
        .client
        .get(app.url(&format!("/api/v1/reconciliation?year={year}&month={m}&facility={FACILITY}")))
        .bearer_auth(&app.facility_key)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("year,month,facility,claims,claimed,approved"));
    assert!(lines[1].contains(&format!(",{FACILITY},{},{claimed}", in_month.len())), "{csv}");
    let foreign =
        app.get(&format!("/api/v1/reconciliation?year={year}&month={m}&facility=83002"), &app.facility_key).await;
    assert_eq!(foreign.status(), 403);
}

#[derive(diesel::QueryableByName)]
struct Total {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    total: i64,
}

#[actix_web::test]
async fn refused_files_go_to_the_dead_letters_with_the_reason() {
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), ..BhxhConfig::default() }, "127.0.0.1:0")
        .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let app = spawn_app_with(Backend::Sqlite, "refused_files_go_to_the_dead_letters_with_the_reason", |s| {
        fast(s, &bhxh, &moh);
        // An account of another facility: the portal answers 403 for every file of 83001.
        s.bhxh = portal(bhxh.url(), "83002_BV");
    })
    .await
    .unwrap();
    let (_, ids) = send(&app, 64, 4).await;
    let claims = settle(&app, &ids).await;
    for c in &claims {
        assert_eq!(c["status"], "dead_letter");
        assert_eq!(c["submissions"][0]["status"], "dead_letter");
        assert!(c["submissions"][0]["last_error"].as_str().unwrap().contains("403"));
        assert_eq!(c["submissions"][1]["status"], "delivered", "MoH is not affected");
    }
}

#[actix_web::test]
async fn attempts_run_out_into_dead_letters_and_an_admin_replays_them() {
    let failing = FaultConfig { error_rate: 1.0, ..FaultConfig::default() };
    let bhxh = mocks::bhxh::start(
        BhxhConfig { appraisal: clean_appraisal(), faults: failing, ..BhxhConfig::default() },
        "127.0.0.1:0",
    )
    .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let app = spawn_app_with(Backend::Sqlite, "attempts_run_out_into_dead_letters", |s| {
        fast(s, &bhxh, &moh);
        s.dispatch.max_attempts = 3;
    })
    .await
    .unwrap();
    let (_, ids) = send(&app, 65, 2).await;
    let claims = settle(&app, &ids).await;
    let dead = &claims[0]["submissions"][0];
    assert_eq!((dead["status"].as_str(), dead["attempts"].as_i64()), (Some("dead_letter"), Some(3)));
    assert_eq!(claims[0]["status"], "dead_letter");

    let listed: Value =
        app.get("/api/v1/submissions?status=dead_letter&destination=bhxh", &app.doh_key).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let original = dead["id"].as_i64().unwrap();
    let path = format!("/api/v1/submissions/{original}/retry");
    for key in [&app.doh_key, &app.other_facility_key] {
        let refused = app.client.post(app.url(&path)).bearer_auth(key).send().await.unwrap();
        assert_eq!(refused.status(), 403, "an admin or the facility's own key only");
    }

    bhxh.state.faults.set_config(FaultConfig::default());
    let replay = app.client.post(app.url(&path)).bearer_auth(&app.facility_key).send().await.unwrap();
    assert_eq!(replay.status(), 202);
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["replay_of"], original);
    let again = app
        .client
        .post(app.url(&format!("/api/v1/submissions/{}/retry", replay["id"])))
        .bearer_auth(&app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409, "only dead letters are replayed");
    // The largest id there is (found by schemathesis: it overflowed the lookup).
    let largest = app
        .client
        .post(app.url(&format!("/api/v1/submissions/{}/retry", i64::MAX)))
        .bearer_auth(&app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(largest.status(), 404);

    let claims = settle(&app, &ids[..1]).await;
    assert_eq!(claims[0]["status"], "accepted", "the replay went through");
    let subs = claims[0]["submissions"].as_array().unwrap();
    let replayed = subs.iter().find(|s| s["id"] == replay["id"]).unwrap();
    assert_eq!(replayed["status"], "accepted");
    assert!(claims[0]["timeline"].as_array().unwrap().iter().any(|t| t["kind"] == "replay_queued"));
    let id = ids[0].clone();
    let audit = app.db.read(move |c| hisgate::store::audit::for_target(c, &id)).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "submission.replay"), "replays are audited");
}

#[actix_web::test]
async fn the_kill_switch_holds_everything_until_resumed() {
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), ..BhxhConfig::default() }, "127.0.0.1:0")
        .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let app =
        spawn_app_with(Backend::Sqlite, "the_kill_switch_holds_everything_until_resumed", |s| fast(s, &bhxh, &moh))
            .await
            .unwrap();
    let pause = |key: String| {
        let (client, url) = (app.client.clone(), app.url("/api/v1/queue/pause"));
        async move { client.post(url).bearer_auth(key).send().await.unwrap() }
    };
    assert_eq!(pause(app.facility_key.clone()).await.status(), 403);
    let paused: Value = pause(app.admin_key.clone()).await.json().await.unwrap();
    assert_eq!(paused["paused"], true);
    let (sent, ids) = send(&app, 66, 5).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(sent.iter().all(|e| bhxh.state.episode(e.episode_key()).is_none()), "nothing leaves while paused");
    let queue: Value = app.get("/api/v1/queue", &app.doh_key).await.json().await.unwrap();
    assert!(queue["depth"].as_array().unwrap().iter().any(|d| d["status"] == "pending" && d["count"] == 5));
    let resumed = app.client.post(app.url("/api/v1/queue/resume")).bearer_auth(&app.admin_key).send().await.unwrap();
    assert_eq!(resumed.json::<Value>().await.unwrap()["paused"], false);
    let claims = settle(&app, &ids).await;
    assert!(claims.iter().all(|c| c["status"] == "accepted"));
    let audit = app.db.read(|c| hisgate::store::audit::for_target(c, "queue")).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["queue.pause", "queue.resume"]);
}

/// Two gateways on one PostgreSQL database share the queue: `FOR UPDATE SKIP LOCKED` leaves each
/// job to one of them, so no file is sent twice.
#[actix_web::test]
async fn two_instances_share_a_postgres_queue_without_double_sends() {
    let bhxh = mocks::bhxh::start(
        BhxhConfig {
            appraisal: clean_appraisal(),
            faults: FaultConfig {
                latency: Some(mocks::faults::Latency { min_ms: 5, max_ms: 30 }),
                ..FaultConfig::default()
            },
            ..BhxhConfig::default()
        },
        "127.0.0.1:0",
    )
    .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) =
        spawn_app_with(Backend::Postgres, "two_instances_share_a_postgres_queue_without_double_sends", |s| {
            fast(s, &bhxh, &moh);
            s.dispatch.batch_size = 2;
            s.dispatch.concurrency = 2;
        })
        .await
    else {
        return;
    };
    // Queue the backlog while sending is paused, then let both instances at it.
    app.client.post(app.url("/api/v1/queue/pause")).bearer_auth(&app.admin_key).send().await.unwrap();
    let second = app.another_instance().await;
    let (sent, ids) = send(&app, 67, 40).await;
    app.client.post(format!("{second}/api/v1/queue/resume")).bearer_auth(&app.admin_key).send().await.unwrap();
    let claims = settle(&app, &ids).await;
    assert!(claims.iter().all(|c| c["status"] == "accepted"));
    for e in &sent {
        assert_eq!(bhxh.state.episode(e.episode_key()).map(|s| (s.received, s.duplicates)), Some((1, 0)));
        assert_eq!(moh.state.dossier(e.episode_key()).map(|s| (s.received, s.duplicates)), Some((1, 0)));
    }
    let workers: std::collections::BTreeSet<String> = app
        .db
        .read(|c| {
            use diesel::prelude::*;
            Ok(diesel::sql_query("SELECT DISTINCT leased_by AS worker FROM outbox WHERE leased_by IS NOT NULL")
                .load::<Worker>(c)?
                .into_iter()
                .map(|w| w.worker)
                .collect())
        })
        .await
        .unwrap();
    assert_eq!(workers.len(), 2, "both instances dispatched part of the backlog");
}

#[derive(diesel::QueryableByName)]
struct Worker {
    #[diesel(sql_type = diesel::sql_types::Text)]
    worker: String,
}

/// The portal keeps a third of the files but the answer never arrives (504 after the work). The
/// gateway cannot tell those from files the portal never saw; it asks the receipt list before
/// sending again, so BHXH still holds each episode exactly once.
async fn answers_lost_after_processing_are_found_by_receipt_and_not_sent_again(backend: Backend) {
    let faults = FaultConfig { seed: 5, lost_reply_rate: 0.35, hang_ms: 50, ..FaultConfig::default() };
    let bhxh =
        mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), faults, ..BhxhConfig::default() }, "127.0.0.1:0")
            .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) =
        spawn_app_with(backend, "answers_lost_after_processing_are_found_by_receipt_and_not_sent_again", |s| {
            fast(s, &bhxh, &moh);
            s.dispatch.batch_size = 2;
        })
        .await
    else {
        return;
    };
    let (sent, ids) = send(&app, 62, 24).await;
    let claims = settle(&app, &ids).await;
    assert!(bhxh.state.faults.stats().lost_replies > 0, "the fault was exercised");
    for (e, c) in sent.iter().zip(&claims) {
        assert_eq!(c["status"], "accepted", "{}", c["submissions"]);
        let held = bhxh.state.episode(e.episode_key()).expect("BHXH received it");
        assert_eq!((held.received, held.duplicates), (1, 0), "exactly once at BHXH: {}", e.episode_key());
        assert_eq!(
            c["submissions"][0]["transaction_id"].as_str(),
            held.last_transaction.as_deref(),
            "the claim carries the transaction the portal holds"
        );
    }
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("hisgate_dispatch_found_received_total"), "some files were found by receipt");
}

/// Version 2 of a claim arriving while version 1 is in flight waits for it: the portal ends with
/// version 2, never with version 1 on top of it.
async fn a_new_version_follows_the_old_one_in_flight_and_never_overtakes_it(backend: Backend) {
    use hisgate::store::outbox;
    let Some(app) =
        spawn_app_with(backend, "a_new_version_follows_the_old_one_in_flight_and_never_overtakes_it", |s| {
            s.dispatch.enabled = false;
            s.destinations = vec![Destination::Bhxh];
        })
        .await
    else {
        return;
    };
    let mut episode = dossiers_only(episodes(FACILITY, 63, 1)).remove(0);
    assert_eq!(app.post_claim(&app.facility_key, &episode).await.status(), 202);
    let destinations = vec![Destination::Bhxh];
    let lease = |worker: &'static str| {
        let destinations = destinations.clone();
        app.db.write(move |c| outbox::claim(c, &destinations, worker, 10, 60_000))
    };
    let first = lease("worker-a").await.unwrap();
    assert_eq!(first.iter().map(|j| j.version).collect::<Vec<_>>(), [1]);

    episode.summary.note = Some("Đã sửa".to_owned());
    assert_eq!(app.post_claim(&app.facility_key, &episode).await.status(), 202);
    assert!(lease("worker-b").await.unwrap().is_empty(), "version 2 waits while version 1 is in flight");

    let v1 = first[0].clone();
    app.db.write(move |c| outbox::mark_sent(c, &v1, "GD-1", true, 0)).await.unwrap();
    let second = lease("worker-b").await.unwrap();
    assert_eq!(second.iter().map(|j| j.version).collect::<Vec<_>>(), [2], "then version 2 goes");
}

/// A lease takes jobs whose lease ran out first, then the jobs that became due earliest, across
/// destinations; jobs not yet due stay.
async fn a_lease_takes_expired_leases_then_the_earliest_due_jobs_of_every_destination(backend: Backend) {
    use hisgate::store::outbox;
    let name = "a_lease_takes_expired_leases_then_the_earliest_due_jobs_of_every_destination";
    let Some(app) = spawn_app_with(backend, name, |s| {
        s.dispatch.enabled = false;
        s.destinations = vec![Destination::Bhxh, Destination::Moh];
    })
    .await
    else {
        return;
    };
    let mut keys = Vec::new();
    for episode in dossiers_only(episodes(FACILITY, 64, 3)) {
        assert_eq!(app.post_claim(&app.facility_key, &episode).await.status(), 202);
        keys.push(episode.episode_key().to_owned());
    }
    let lease = |worker: &'static str, limit: i64, lease_ms: i64| {
        let destinations = vec![Destination::Bhxh, Destination::Moh];
        app.db.write(move |c| outbox::claim(c, &destinations, worker, limit, lease_ms))
    };
    let taken = |jobs: &[outbox::Job]| {
        let mut taken: Vec<(String, String)> =
            jobs.iter().map(|j| (j.episode_key.clone(), j.destination.as_str().to_owned())).collect();
        taken.sort();
        taken
    };
    let both = |keys: &[&String]| {
        let mut both: Vec<(String, String)> =
            keys.iter().flat_map(|k| [((*k).clone(), "bhxh".to_owned()), ((*k).clone(), "moh".to_owned())]).collect();
        both.sort();
        both
    };

    let first = lease("worker-a", 4, 60_000).await.unwrap();
    assert_eq!(taken(&first), both(&[&keys[0], &keys[1]]), "the two earliest episodes, for both portals");

    let gone = lease("worker-gone", 4, -1).await.unwrap();
    assert_eq!(taken(&gone), both(&[&keys[2]]), "then the third episode, under a lease that has run out");

    // The first episode is given back to be tried in an hour, the second to be tried at once (due
    // before anything else); the third's worker may have sent it before it stopped.
    let (in_an_hour, at_once): (Vec<outbox::Job>, Vec<outbox::Job>) =
        first.into_iter().partition(|j| j.episode_key == keys[0]);
    let hour = hisgate::store::now_ms() + 3_600_000;
    app.db.write(move |c| outbox::release(c, &in_an_hour, hour)).await.unwrap();
    app.db.write(move |c| outbox::release(c, &at_once, 0)).await.unwrap();
    let next = lease("worker-b", 2, 60_000).await.unwrap();
    assert_eq!(taken(&next), both(&[&keys[2]]), "jobs of an expired lease go first");
    assert!(next.iter().all(|j| j.uncertain_since.is_some()), "taken over as uncertain: {next:?}");
    let rest = lease("worker-b", 10, 60_000).await.unwrap();
    assert_eq!(taken(&rest), both(&[&keys[1]]), "then the due jobs; those due in an hour stay");
}

/// After repeated failures the circuit opens: no call reaches the portal until the cool-down
/// ends, jobs keep their attempts, and everything drains once the portal is back.
#[actix_web::test]
async fn an_open_circuit_stops_calls_until_the_portal_recovers() {
    let bhxh = mocks::bhxh::start(
        BhxhConfig {
            appraisal: clean_appraisal(),
            faults: FaultConfig { error_rate: 1.0, ..FaultConfig::default() },
            ..BhxhConfig::default()
        },
        "127.0.0.1:0",
    )
    .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) = spawn_app_with(Backend::Sqlite, "an_open_circuit_stops_calls_until_the_portal_recovers", |s| {
        fast(s, &bhxh, &moh);
        s.bhxh.breaker_failures = 3;
        s.bhxh.breaker_cooldown_ms = 4_000;
        s.dispatch.batch_size = 1;
        s.dispatch.concurrency = 1;
    })
    .await
    else {
        return;
    };
    // Dossiers alone: the circuit counts every call to BHXH, check-ins too.
    let mut ids = Vec::new();
    for e in dossiers_only(episodes(FACILITY, 64, 6)) {
        let r: Value = app.post_claim(&app.facility_key, &e).await.json().await.unwrap();
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let circuit = loop {
        let q: Value = app.get("/api/v1/queue", &app.admin_key).await.json().await.unwrap();
        if q["circuits"]["bhxh"]["state"] == "open" {
            break q["circuits"]["bhxh"].clone();
        }
        assert!(Instant::now() < deadline, "the circuit never opened: {q}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(circuit["consecutive_failures"], 3);
    // Well inside the cool-down: the portal hears nothing more.
    if circuit["retry_in_ms"].as_u64().unwrap() > 2_000 {
        let before = bhxh.state.faults.stats().requests;
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(bhxh.state.faults.stats().requests, before, "no call while the circuit is open");
    }
    assert_eq!(bhxh.state.faults.stats().requests, 3, "three failures opened the circuit");
    bhxh.state.faults.set_config(FaultConfig::default());
    let claims = settle(&app, &ids).await;
    assert!(claims.iter().all(|c| c["status"] == "accepted"));
    let q: Value = app.get("/api/v1/queue", &app.admin_key).await.json().await.unwrap();
    assert_eq!(q["circuits"]["bhxh"]["state"], "closed");
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    // The recorder is shared by every test of this binary: the series exists, its count is theirs too.
    assert!(metrics.contains("hisgate_portal_circuit_opened_total{portal=\"bhxh\"}"), "{metrics}");
}

/// Paced below the portal's own limit, the gateway never gets a 429.
#[actix_web::test]
async fn pacing_keeps_the_gateway_under_the_portal_rate_limit() {
    let bhxh = mocks::bhxh::start(
        BhxhConfig {
            appraisal: clean_appraisal(),
            faults: FaultConfig { rate_limit_per_second: Some(5), ..FaultConfig::default() },
            ..BhxhConfig::default()
        },
        "127.0.0.1:0",
    )
    .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) = spawn_app_with(Backend::Sqlite, "pacing_keeps_the_gateway_under_the_portal_rate_limit", |s| {
        fast(s, &bhxh, &moh);
        // The two budgets add up: 3 files and lookups and 1 check-in a second, under the portal's 5.
        s.bhxh.rate_per_second = 3;
        s.bhxh.check_in_rate_per_second = 1;
        s.dispatch.batch_size = 1;
        s.dispatch.poll_interval_ms = 500;
    })
    .await
    else {
        return;
    };
    let (_, ids) = send(&app, 65, 8).await;
    let claims = settle(&app, &ids).await;
    assert!(claims.iter().all(|c| c["status"] == "accepted"));
    let stats = bhxh.state.faults.stats();
    assert!(stats.requests >= 16, "sends and polls went through the limiter: {stats:?}");
    assert_eq!(stats.rate_limited, 0, "{stats:?}");
}
