//! Check-ins (XML0): ingest as JSON and as the HIS's XML document, idempotence, refusals, and the
//! real-time lane to both portals, ahead of the episode's dossier.

use crate::dispatch::{clean_appraisal, fast, settle};
use crate::helpers::{Backend, FACILITY, OTHER_FACILITY, TestApp, episodes, spawn_app, spawn_app_with};
use crate::on_both_backends;
use hisgate::domain::Episode;
use mocks::bhxh::BhxhConfig;
use mocks::faults::FaultConfig;
use mocks::moh::MohConfig;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

on_both_backends!(a_check_in_reaches_both_portals_once_and_before_its_dossier);

/// The check-in of `episode`'s first order, as the generator puts it in the episode.
fn check_in_of(episode: &Episode) -> Value {
    serde_json::to_value(&episode.check_ins[0]).unwrap()
}

async fn post(app: &TestApp, key: &str, body: &Value) -> (u16, Value) {
    let r = app.post_json("/api/v1/checkins", key, body).await;
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn a_check_in_reaches_both_portals_once_and_before_its_dossier(backend: Backend) {
    // 30 % of BHXH's answers are 500s.
    let faults = FaultConfig { seed: 5, error_rate: 0.3, ..FaultConfig::default() };
    let bhxh =
        mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), faults, ..BhxhConfig::default() }, "127.0.0.1:0")
            .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) = spawn_app_with(backend, "a_check_in_reaches_both_portals_once", |s| fast(s, &bhxh, &moh)).await
    else {
        return;
    };
    let sent = episodes(FACILITY, 120, 5);
    let mut ids = Vec::new();
    for e in &sent {
        let (status, receipt) = post(&app, &app.facility_key, &check_in_of(e)).await;
        assert_eq!((status, receipt["status"].as_str()), (202, Some("queued")), "{receipt}");
        let (status, again) = post(&app, &app.facility_key, &check_in_of(e)).await;
        assert_eq!((status, &again["id"], again["status"].as_str()), (202, &receipt["id"], Some("unchanged")));
        ids.push(receipt["id"].as_str().unwrap().to_owned());
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for id in &ids {
        loop {
            let c: Value = app.get(&format!("/api/v1/checkins/{id}"), &app.facility_key).await.json().await.unwrap();
            let states: Vec<&str> =
                c["submissions"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
            if states == ["delivered", "delivered"] {
                assert!(c["claim_id"].is_null(), "no dossier yet");
                break;
            }
            assert!(Instant::now() < deadline, "check-in not delivered: {c}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // The episodes carry the same check-ins: not queued again. Five more episodes carry theirs
    // only inside: queued with the episode, and sent before its dossier.
    let carried = episodes(FACILITY, 121, 5);
    let mut claims = Vec::new();
    for e in sent.iter().chain(&carried) {
        let r: Value = app.post_claim(&app.facility_key, e).await.json().await.unwrap();
        claims.push(r["id"].as_str().unwrap().to_owned());
    }
    settle(&app, &claims).await;
    for (i, (e, claim)) in sent.iter().chain(&carried).zip(&claims).enumerate() {
        let b = bhxh.state.episode(e.episode_key()).unwrap();
        assert_eq!((b.check_ins, b.check_in_duplicates), (1, 0), "exactly one check-in at BHXH");
        assert!(b.first_check_in_seq < b.first_dossier_seq, "the check-in came first: {b:?}");
        if let Some(id) = ids.get(i) {
            let c: Value = app.get(&format!("/api/v1/checkins/{id}"), &app.doh_key).await.json().await.unwrap();
            assert_eq!(c["claim_id"], json!(claim), "linked by MA_LK once the dossier came");
        }
    }
    assert_eq!(moh.state.check_ins(), 10, "one check-in each at MoH");
    assert_eq!(bhxh.state.calls("/api/qd130/checkInKcbQd3176"), 10, "answered once each (after the faults)");
    assert!(bhxh.state.faults.stats().errors > 0, "faults were injected and retried");
    let listed: Value =
        app.get(&format!("/api/v1/checkins?facility={FACILITY}"), &app.doh_key).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 10, "one check-in per visit, alone or carried");
}

#[actix_web::test]
async fn a_his_check_in_document_is_taken_whole_and_bad_check_ins_are_refused_by_rule() {
    let app = spawn_app(Backend::Sqlite, "a_his_check_in_document_is_taken_whole").await.unwrap();
    let sent = episodes(FACILITY, 121, 2);
    let records: Vec<hisgate::domain::records::CheckIn> =
        sent.iter().map(|e| serde_json::from_value(check_in_of(e)).unwrap()).collect();
    let document = hisgate::formats::xml130::check_in_document(&records);
    let r = app
        .client
        .post(app.url("/api/v1/checkins"))
        .bearer_auth(&app.facility_key)
        .header("content-type", "application/xml")
        .body(document)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 2, "{body}");

    let mut two_items = check_in_of(&sent[0]);
    two_items["MA_THUOC"] = json!("40.152");
    two_items["TEN_THUOC"] = json!("Paracetamol");
    let (status, body) = post(&app, &app.facility_key, &json!({ "checkins": [two_items] })).await;
    assert_eq!((status, body["violations"][0]["rule"].as_str()), (422, Some("CHECKIN_SINGLE_ITEM")), "{body}");
    let mut no_item = check_in_of(&sent[0]);
    no_item.as_object_mut().unwrap().remove("MA_DICH_VU");
    no_item.as_object_mut().unwrap().remove("TEN_DICH_VU");
    let (status, body) = post(&app, &app.facility_key, &no_item).await;
    assert_eq!(status, 422);
    let v = &body["violations"][0];
    assert_eq!((v["rule"].as_str(), v["path"].as_str()), (Some("FIELD_REQUIRED"), Some("check_ins[0].MA_DICH_VU")));
    let mut misspelt = check_in_of(&sent[0]);
    misspelt["MA_DICHVU"] = json!("02.1896");
    let (status, body) = post(&app, &app.facility_key, &misspelt).await;
    assert_eq!(status, 400);
    assert!(body["detail"].as_str().unwrap().contains("MA_DICHVU"), "the unknown field is named: {body}");
    let mut foreign = check_in_of(&sent[0]);
    foreign["MA_CSKCB"] = json!(OTHER_FACILITY);
    assert_eq!(post(&app, &app.facility_key, &foreign).await.0, 403);
    let listed: Value = app.get("/api/v1/checkins", &app.facility_key).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "nothing refused was stored");
}
