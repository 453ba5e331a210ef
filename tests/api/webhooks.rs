//! Signed callbacks to the HIS: a receiver (the mocks' HIS, which checks each signature with its
//! own code) that is down at first, then fails, hangs and loses answers, while the gateway
//! restarts; every event of each claim's timeline reaches it once per event id.

use crate::dispatch::{clean_appraisal, fast, settle};
use crate::helpers::{Backend, FACILITY, OTHER_FACILITY, TestApp, dossiers_only, episodes, refused_episodes};
use crate::on_both_backends;
use hisgate::config::{AppraisalApi, WebhookSettings};
use hisgate::vocabulary::{Destination, FacilityCode};
use mocks::bhxh::{AppraisalConfig, BhxhConfig};
use mocks::faults::FaultConfig;
use mocks::his::HisMock;
use mocks::moh::MohConfig;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

on_both_backends!(every_event_of_a_claims_life_reaches_the_his_once_per_event_id);

/// Callbacks retried fast, with a short timeout that the receiver's hangs outlast.
fn quick_callbacks(give_up_seconds: u64) -> WebhookSettings {
    WebhookSettings {
        poll_ms: 50,
        timeout_ms: 500,
        retry_base_ms: 50,
        retry_max_ms: 400,
        give_up_seconds,
        concurrency: 4,
        allow_http: true,
    }
}

/// A port nothing listens on yet: the receiver starts there later.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Sets facility 83001's endpoint; the secret shown once.
async fn set_endpoint(app: &TestApp, url: &str) -> String {
    let answer = app
        .client
        .put(app.url(&format!("/api/v1/facilities/{FACILITY}/webhook")))
        .bearer_auth(&app.admin_key)
        .json(&serde_json::json!({ "url": url }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["url"], url);
    body["secret"].as_str().unwrap().to_owned()
}

async fn deliveries(app: &TestApp, key: &str, query: &str) -> Vec<Value> {
    let page: Value =
        app.get(&format!("/api/v1/webhooks/deliveries?limit=500{query}"), key).await.json().await.unwrap();
    page["items"].as_array().unwrap_or_else(|| panic!("{page}")).clone()
}

/// Waits until the gateway has no callback left to post and the receiver holds every one.
async fn all_delivered(app: &TestApp, his: &HisMock) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let listed = deliveries(app, &app.admin_key, "").await;
        let taken: BTreeSet<String> = his.state.callbacks().into_iter().map(|c| c.event_id).collect();
        if !listed.is_empty()
            && listed.iter().all(|d| d["status"] == "delivered" && taken.contains(d["event_id"].as_str().unwrap()))
        {
            return listed;
        }
        assert!(Instant::now() < deadline, "callbacks not all delivered: {listed:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the HIS hears of each timeline event (docs/WEBHOOKS.md).
fn told_as(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "received" | "new_version" => "claim.accepted",
        "submitted" => "claim.sent",
        "found_received" | "portal_received" => "portal.received",
        "portal_errors" => "portal.errors",
        "appraised" => "claim.appraised",
        "dead_lettered" => "claim.dead_lettered",
        _ => return None,
    })
}

async fn every_event_of_a_claims_life_reaches_the_his_once_per_event_id(backend: Backend) {
    let appraisal = AppraisalConfig { delay_ms: 0, reject_rate: 0.3, partial_rate: 0.4, seed: 11 };
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal, ..BhxhConfig::default() }, "127.0.0.1:0").unwrap();
    // The Ministry's portal refuses everything: its sendings are dead-lettered after two attempts.
    let moh_faults = FaultConfig { error_rate: 1.0, ..FaultConfig::default() };
    let moh = mocks::moh::start(MohConfig { faults: moh_faults, ..MohConfig::default() }, "127.0.0.1:0").unwrap();
    let Some(mut app) = crate::helpers::spawn_app_with(backend, "webhooks_every_event", |s| {
        fast(s, &bhxh, &moh);
        s.dispatch.max_attempts = 2;
        s.webhooks = quick_callbacks(3600);
    })
    .await
    else {
        return;
    };
    let port = free_port();
    let secret = set_endpoint(&app, &format!("http://127.0.0.1:{port}/callbacks")).await;

    let sent = episodes(FACILITY, 8100, 4);
    let mut ids = Vec::new();
    for e in &sent {
        let answer: Value = app.post_claim(&app.facility_key, e).await.json().await.unwrap();
        ids.push(answer["id"].as_str().unwrap_or_else(|| panic!("{answer}")).to_owned());
    }
    let refused = refused_episodes(8101, 1).remove(0);
    assert_eq!(app.post_claim(&app.facility_key, &refused).await.status(), 422);
    let other: Value =
        app.post_claim(&app.other_facility_key, &episodes(OTHER_FACILITY, 8102, 1)[0]).await.json().await.unwrap();

    // The HIS is down: the first attempts find nothing listening. Then the gateway restarts.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let failed_so_far = deliveries(&app, &app.admin_key, "").await;
    assert!(
        failed_so_far.iter().any(|d| d["attempts"].as_i64() > Some(0) && d["status"] != "delivered"),
        "{failed_so_far:?}"
    );
    app.restart().await;
    let faults = FaultConfig {
        seed: 5,
        error_rate: 0.2,
        hang_rate: 0.15,
        hang_ms: 1200,
        lost_reply_rate: 0.15,
        ..FaultConfig::default()
    };
    let his = mocks::his::start(faults, &format!("127.0.0.1:{port}")).unwrap();
    his.state.set_secret(&secret);

    let claims = settle(&app, &ids).await;
    let listed = all_delivered(&app, &his).await;
    assert_eq!(his.state.refused(), 0, "every signature and timestamp verified");
    let stats = his.state.faults.stats();
    assert!(stats.errors + stats.hangs + stats.lost_replies > 0, "the receiver injected faults: {stats:?}");

    // One event id per event: what the receiver took, without repeats, is what the gateway listed.
    let mut by_id: BTreeMap<String, Value> = BTreeMap::new();
    for callback in his.state.callbacks() {
        if let Some(first) = by_id.get(&callback.event_id) {
            assert_eq!(first, &callback.body, "a repeat carries the same body");
        }
        by_id.insert(callback.event_id.clone(), callback.body);
    }
    let listed_ids: BTreeSet<&str> = listed.iter().map(|d| d["event_id"].as_str().unwrap()).collect();
    assert_eq!(listed_ids, by_id.keys().map(String::as_str).collect(), "the gateway's list is what arrived");
    assert!(by_id.values().all(|b| b["facility_code"] == FACILITY), "only 83001 has an endpoint");
    assert!(by_id.values().all(|b| b["claim_id"] != other["id"]));

    // Each claim: every timeline event the HIS is told of arrived once, with its MA_LK and version.
    for (claim, episode) in claims.iter().zip(&sent) {
        let id = claim["id"].as_str().unwrap();
        let mut expected: Vec<&str> =
            claim["timeline"].as_array().unwrap().iter().filter_map(|e| told_as(e["kind"].as_str().unwrap())).collect();
        let mut got: Vec<&str> =
            by_id.values().filter(|b| b["claim_id"] == id).map(|b| b["event"].as_str().unwrap()).collect();
        expected.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, expected, "claim {id}");
        for event in ["claim.accepted", "claim.sent", "claim.appraised", "claim.dead_lettered"] {
            assert_eq!(got.iter().filter(|e| **e == event).count(), 1, "{event} of claim {id}: {got:?}");
        }
        let appraised = by_id.values().find(|b| b["claim_id"] == id && b["event"] == "claim.appraised").unwrap();
        assert_eq!(appraised["MA_LK"], episode.episode_key());
        assert_eq!(appraised["version"], 1);
        let cut = appraised["detail"]["cut_lines"].as_array().unwrap();
        match appraised["detail"]["status"].as_str().unwrap() {
            "partially_approved" => assert!(!cut.is_empty(), "a partial approval names its cut lines: {appraised}"),
            "accepted" => assert!(cut.is_empty(), "{appraised}"),
            _ => {}
        }
    }
    let outcomes: BTreeSet<&str> = by_id
        .values()
        .filter(|b| b["event"] == "claim.appraised")
        .map(|b| b["detail"]["status"].as_str().unwrap())
        .collect();
    assert!(outcomes.len() > 1, "the seed gives several outcomes: {outcomes:?}");

    // The refused episode: one callback with its MA_LK and the rule it broke; the check-ins too.
    let refusals: Vec<&Value> = by_id.values().filter(|b| b["event"] == "claim.refused").collect();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0]["MA_LK"], refused.episode_key());
    assert!(refusals[0]["detail"]["violations"].as_array().unwrap().iter().any(|v| v["rule"] == "CARD_LENGTH"));
    let check_ins_sent = by_id.values().filter(|b| b["event"] == "checkin.sent").count();
    let check_ins: usize = sent.iter().map(|e| e.check_ins.len()).sum();
    assert!(check_ins > 0);
    assert_eq!(check_ins_sent, check_ins, "one checkin.sent per check-in BHXH took");

    // A facility key reads its own deliveries only.
    assert_eq!(deliveries(&app, &app.facility_key, "").await.len(), listed.len());
    assert!(deliveries(&app, &app.other_facility_key, "").await.is_empty());
    let foreign = app.get(&format!("/api/v1/webhooks/deliveries?facility={FACILITY}"), &app.other_facility_key).await;
    assert_eq!(foreign.status(), 403);
}

#[actix_web::test]
async fn a_callback_given_up_is_replayed_by_an_admin() {
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), ..BhxhConfig::default() }, "127.0.0.1:0")
        .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, "webhooks_replay", |s| {
        fast(s, &bhxh, &moh);
        // Outcomes from the error list, as the real portal gives them: a clean record is received.
        s.bhxh_protocol.appraisal_api = AppraisalApi::None;
        s.destinations = vec![Destination::Bhxh];
        s.webhooks = quick_callbacks(1);
    })
    .await
    .unwrap();
    let his = mocks::his::start(FaultConfig { error_rate: 1.0, ..FaultConfig::default() }, "127.0.0.1:0").unwrap();
    his.state.set_secret(&set_endpoint(&app, &his.callback_url()).await);
    let sent = dossiers_only(episodes(FACILITY, 8200, 1));
    let answer: Value = app.post_claim(&app.facility_key, &sent[0]).await.json().await.unwrap();
    let claim_id = answer["id"].as_str().unwrap().to_owned();

    let deadline = Instant::now() + Duration::from_secs(60);
    let dead = loop {
        let dead = deliveries(&app, &app.admin_key, "&status=dead_letter").await;
        let events: BTreeSet<&str> = dead.iter().map(|d| d["event"].as_str().unwrap()).collect();
        if ["claim.accepted", "claim.sent", "portal.received"].iter().all(|e| events.contains(e)) {
            break dead;
        }
        assert!(Instant::now() < deadline, "not given up: {dead:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(dead.iter().all(|d| d["last_error"] == "answered HTTP 500"), "{dead:?}");
    assert!(his.state.faults.stats().errors >= 3, "each was tried before it was given up");

    let replay = |key: String, event_id: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url(&format!("/api/v1/webhooks/deliveries/{event_id}/replay")))
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // The Department of Health hears of it, until the callbacks are delivered after all.
    crate::jobs::run(&app, "alerts").await;
    let failing = callbacks_failing(&app).await;
    assert_eq!(failing.len(), 1, "{failing:?}");
    assert_eq!(failing[0]["facility_code"], FACILITY);
    let first = dead[0]["event_id"].as_str().unwrap().to_owned();
    assert_eq!(replay(app.facility_key.clone(), first.clone()).await, 403);
    assert_eq!(replay(app.admin_key.clone(), "evt_unknown".to_owned()).await, 404);
    his.state.faults.set_config(FaultConfig::default());
    for d in &dead {
        assert_eq!(replay(app.admin_key.clone(), d["event_id"].as_str().unwrap().to_owned()).await, 202);
    }
    let listed = all_delivered(&app, &his).await;
    assert_eq!(replay(app.admin_key.clone(), first.clone()).await, 409, "only dead letters are replayed");
    let heard: BTreeSet<String> = his
        .state
        .callbacks()
        .iter()
        .filter(|c| c.body["claim_id"] == claim_id.as_str())
        .map(|c| c.event.clone())
        .collect();
    assert!(["claim.accepted", "claim.sent", "portal.received"].iter().all(|e| heard.contains(*e)), "{heard:?}");
    assert!(listed.iter().all(|d| d["attempts"].as_i64() > Some(1)), "{listed:?}");
    crate::jobs::run(&app, "alerts").await;
    assert!(callbacks_failing(&app).await.is_empty(), "the alert is resolved once they are delivered");
}

/// The open `callbacks_failing` alerts.
async fn callbacks_failing(app: &TestApp) -> Vec<Value> {
    let open: Value = app.get("/api/v1/alerts", &app.doh_key).await.json().await.unwrap();
    open.as_array().unwrap().iter().filter(|a| a["kind"] == "callbacks_failing").cloned().collect()
}

#[actix_web::test]
async fn an_endpoint_is_set_by_an_admin_with_a_safe_url_and_its_secret_is_shown_once() {
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, "webhooks_endpoint", |s| {
        s.webhooks.allow_http = false;
    })
    .await
    .unwrap();
    let put = |key: &str, facility: &str, url: &str| {
        app.client
            .put(app.url(&format!("/api/v1/facilities/{facility}/webhook")))
            .bearer_auth(key)
            .json(&serde_json::json!({ "url": url }))
            .send()
    };
    let refused = [
        ("http://his.example/callbacks", "https://"),
        ("ftp://his.example/callbacks", "https://"),
        ("https://user:secret@his.example/callbacks", "credentials"),
        ("not a url", "not a URL"),
    ];
    for (url, said) in refused {
        let answer = put(&app.admin_key, FACILITY, url).await.unwrap();
        assert_eq!(answer.status(), 400, "{url}");
        let problem: Value = answer.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains(said), "{url}: {problem}");
    }
    assert_eq!(put(&app.facility_key, FACILITY, "https://his.example/cb").await.unwrap().status(), 403);
    assert_eq!(put(&app.admin_key, "99999", "https://his.example/cb").await.unwrap().status(), 404);
    let set: Value = put(&app.admin_key, FACILITY, "https://his.example/cb").await.unwrap().json().await.unwrap();
    assert_eq!(set["secret"].as_str().unwrap().len(), 64);
    let again: Value = put(&app.admin_key, FACILITY, "https://his.example/cb2").await.unwrap().json().await.unwrap();
    assert_ne!(again["secret"], set["secret"], "a new secret at every PUT");

    let read: Value =
        app.get(&format!("/api/v1/facilities/{FACILITY}/webhook"), &app.facility_key).await.json().await.unwrap();
    assert_eq!(read["url"], "https://his.example/cb2");
    assert!(read.get("secret").is_none(), "the secret is never read back: {read}");
    let stored: String = app
        .db
        .read(|c| Ok(hisgate::store::webhooks::endpoint(c, &FacilityCode::from(FACILITY))?.unwrap().secret))
        .await
        .unwrap();
    assert!(!stored.contains(again["secret"].as_str().unwrap()), "stored sealed");
    assert_eq!(app.get(&format!("/api/v1/facilities/{FACILITY}/webhook"), &app.other_facility_key).await.status(), 403);

    let remove = |key: String| {
        app.client.delete(app.url(&format!("/api/v1/facilities/{FACILITY}/webhook"))).bearer_auth(key).send()
    };
    assert_eq!(remove(app.doh_key.clone()).await.unwrap().status(), 403);
    assert_eq!(remove(app.admin_key.clone()).await.unwrap().status(), 204);
    assert_eq!(remove(app.admin_key.clone()).await.unwrap().status(), 404);
    assert_eq!(app.get(&format!("/api/v1/facilities/{FACILITY}/webhook"), &app.doh_key).await.status(), 404);
}

#[actix_web::test]
async fn the_portal_s_errors_reach_the_his_and_its_worklist() {
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), ..BhxhConfig::default() }, "127.0.0.1:0")
        .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, "webhooks_portal_errors", |s| {
        fast(s, &bhxh, &moh);
        s.bhxh_protocol.appraisal_api = AppraisalApi::None;
        s.destinations = vec![Destination::Bhxh];
        s.webhooks = quick_callbacks(3600);
    })
    .await
    .unwrap();
    let his = mocks::his::start(FaultConfig::default(), "127.0.0.1:0").unwrap();
    his.state.set_secret(&set_endpoint(&app, &his.callback_url()).await);
    // A total the portal finds wrong, let through by an administrator's choice of severities.
    let mut episode = serde_json::to_value(&dossiers_only(episodes(FACILITY, 8300, 1))[0]).unwrap();
    let total: rust_decimal::Decimal = episode["summary"]["T_BHTT"].as_str().unwrap().parse().unwrap();
    episode["summary"]["T_BHTT"] = serde_json::json!((total + rust_decimal::Decimal::ONE).to_string());
    let claim_id = crate::portal_flow::accept_as_is(&app, &episode).await;

    let deadline = Instant::now() + Duration::from_secs(60);
    let heard = loop {
        let heard: Vec<Value> = his
            .state
            .callbacks()
            .into_iter()
            .filter(|c| c.body["claim_id"] == claim_id.as_str())
            .map(|c| c.body)
            .collect();
        if heard.iter().any(|b| b["event"] == "claim.appraised") {
            break heard;
        }
        assert!(Instant::now() < deadline, "no appraisal told: {heard:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let errors = heard.iter().find(|b| b["event"] == "portal.errors").unwrap_or_else(|| panic!("{heard:?}"));
    let listed = errors["detail"]["errors"].as_array().unwrap();
    assert!(listed.iter().any(|e| e["code"] == "XML1_T_BHTT"), "{errors}");
    let appraised = heard.iter().find(|b| b["event"] == "claim.appraised").unwrap();
    assert_eq!(appraised["detail"]["status"], "rejected");
    assert!(errors["occurred_at"].as_str() <= appraised["occurred_at"].as_str(), "errors, then the decision");
    assert!(!heard.iter().any(|b| b["event"] == "portal.received"), "a record with errors is not told received");

    let worklist: Value = app.get("/api/v1/worklist?kind=rejected", &app.facility_key).await.json().await.unwrap();
    let item = &worklist["items"][0];
    assert_eq!(item["claim_id"], claim_id.as_str());
    assert!(item["problems"].as_array().unwrap().iter().any(|p| p["source"] == "bhxh" && p["code"] == "XML1_T_BHTT"));
}
