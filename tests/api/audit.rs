//! Every read of personal data leaves an audit row, and the audit is searched through the API
//! (admin and DoH keys) and on the dashboard.

use crate::helpers::{Backend, FACILITY, TestApp, episodes, spawn_app};
use crate::on_both_backends;
use serde_json::Value;
use std::time::{Duration, Instant};

on_both_backends!(
    every_read_of_a_patient_record_is_audited_and_searchable,
    sensitive_tables_are_read_only_by_keys_granted_them
);

/// The audit entries a search answers, waiting for the batched writer.
async fn audited(app: &TestApp, query: &str, at_least: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let page: Value = app.get(&format!("/api/v1/audit?{query}"), &app.doh_key).await.json().await.unwrap();
        let items = page["items"].as_array().unwrap().clone();
        if items.len() >= at_least {
            return items;
        }
        assert!(Instant::now() < deadline, "{query}: {items:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn every_read_of_a_patient_record_is_audited_and_searchable(backend: Backend) {
    let Some(app) = spawn_app(backend, "every_read_of_a_patient_record_is_audited").await else { return };
    let key_id = app.facility_key.split('_').nth(1).unwrap().to_owned();
    let mut ids = Vec::new();
    for episode in episodes(FACILITY, 71, 2) {
        let receipt: Value = app.post_claim(&app.facility_key, &episode).await.json().await.unwrap();
        ids.push(receipt["id"].as_str().unwrap().to_owned());
    }
    let id = &ids[0];
    for view in ["", "/xml130", "/fhir"] {
        assert_eq!(app.get(&format!("/api/v1/claims/{id}{view}"), &app.facility_key).await.status(), 200, "{view}");
    }
    assert_eq!(app.get("/api/v1/claims", &app.facility_key).await.status(), 200);
    let check_ins: Value = app.get("/api/v1/checkins", &app.facility_key).await.json().await.unwrap();
    let check_in = check_ins["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&format!("/api/v1/checkins/{check_in}"), &app.facility_key).await.status(), 200);

    let reads = audited(&app, &format!("action=claim.read&target={id}"), 3).await;
    let views: Vec<&str> = reads.iter().map(|r| r["detail"].as_str().unwrap()).collect();
    assert!(views.iter().all(|d| d.contains(FACILITY)), "{views:?}");
    assert!(reads.iter().all(|r| r["actor"] == key_id.as_str() && r["role"] == "facility"), "{reads:?}");
    for view in ["\"claim\"", "\"xml130\"", "\"fhir\""] {
        assert!(views.iter().any(|d| d.contains(view)), "{view} in {views:?}");
    }
    let lists = audited(&app, &format!("action=claims.list&actor={key_id}"), 1).await;
    let listed: Value = serde_json::from_str(lists[0]["detail"].as_str().unwrap()).unwrap();
    for id in &ids {
        assert!(listed["ids"].as_array().unwrap().iter().any(|i| i == id.as_str()), "the ids returned: {listed}");
    }
    assert_eq!(lists[0]["target"], FACILITY, "a facility key lists its own facility");
    audited(&app, &format!("action=checkin.read&target={check_in}"), 1).await;
    audited(&app, "action=checkins.list", 1).await;

    // Newest first, a page at a time; a period with nothing in it; only staff read the audit.
    let first: Value = app.get("/api/v1/audit?limit=1", &app.doh_key).await.json().await.unwrap();
    let cursor = first["next_cursor"].as_i64().expect("more than one entry");
    let second: Value =
        app.get(&format!("/api/v1/audit?limit=1&cursor={cursor}"), &app.doh_key).await.json().await.unwrap();
    assert!(second["items"][0]["id"].as_i64().unwrap() < first["items"][0]["id"].as_i64().unwrap());
    let none: Value = app.get("/api/v1/audit?from=2099-01-01", &app.admin_key).await.json().await.unwrap();
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    assert_eq!(app.get("/api/v1/audit", &app.facility_key).await.status(), 403);
    assert_eq!(app.get("/api/v1/audit?from=yesterday", &app.doh_key).await.status(), 400);

    // The dashboard shows the same rows.
    let signed_in = crate::helpers::dashboard_sign_in(&app, &[("key", app.doh_key.as_str())], &[]).await;
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let page = app
        .client
        .get(app.url(&format!("/dashboard/audit?action=claim.read&target={id}&lang=en")))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert_eq!(page.matches(&format!("<td>{id}</td>")).count(), 3, "{page}");
    assert!(page.contains("Audit log"));
}

/// An HIV-care record (XML6) for `episode`, every field its sheet requires filled.
fn with_hiv_care(episode: &hisgate::domain::Episode) -> Value {
    let mut value = serde_json::to_value(episode).unwrap();
    value["hiv_care"] = serde_json::json!([{
        "MA_LK": episode.episode_key(), "NOI_LAY_MAU_XN": FACILITY, "NOI_XN_KD": FACILITY, "NOI_BDDT_ARV": FACILITY,
        "MA_LYDO_DTRI": 1, "LOAI_DTRI_LAO": 0, "SANG_LOC_LAO": 1, "KQ_DTRI_LAO": 1, "MA_LOAI_BN": 1,
        "GIAI_DOAN_LAM_SANG": 1, "NHOM_DOI_TUONG": 1, "MA_TINH_TRANG_DK": "2", "MA_XU_TRI": "0",
        "MA_PHAC_DO_DIEU_TRI": "PHACDO-RIENG", "NGAY_CHUYEN_PHAC_DO": "20260101", "LY_DO_CHUYEN_PHAC_DO": 1,
        "MA_CSKCB": FACILITY,
    }]);
    value
}

async fn sensitive_tables_are_read_only_by_keys_granted_them(backend: Backend) {
    let Some(app) = spawn_app(backend, "sensitive_tables_are_read_only_by_keys_granted_them").await else { return };
    let db = app.db.clone();
    let granted = tokio::task::spawn_blocking(move || {
        hisgate::auth::create_key(&db, hisgate::vocabulary::Role::Facility, Some(FACILITY), "HIV clinic", true, "test")
    })
    .await
    .unwrap()
    .unwrap();
    let episode = episodes(FACILITY, 72, 1).remove(0);
    let response = app.post_claim(&app.facility_key, &with_hiv_care(&episode)).await;
    let status = response.status();
    let receipt: Value = response.json().await.unwrap();
    assert_eq!(status, 202, "{receipt}");
    let id = receipt["id"].as_str().unwrap();

    for (key, sees) in [(&app.facility_key, false), (&app.doh_key, false), (&granted, true)] {
        let claim: Value = app.get(&format!("/api/v1/claims/{id}"), key).await.json().await.unwrap();
        assert_eq!(claim["episode"]["hiv_care"].is_array(), sees, "{claim}");
        assert_eq!(claim["withheld"].as_array().is_some_and(|w| w == &["XML6"]), !sees, "{claim}");
        let xml = app.get(&format!("/api/v1/claims/{id}/xml130"), key).await.text().await.unwrap();
        assert_eq!(xml.contains("<LOAIHOSO>XML6</LOAIHOSO>"), sees);
        let bundle = app.get(&format!("/api/v1/claims/{id}/fhir"), key).await.text().await.unwrap();
        assert_eq!(bundle.contains("PHACDO-RIENG"), sees);
    }
    let reads = audited(&app, &format!("action=claim.read&target={id}"), 9).await;
    let details: Vec<Value> =
        reads.iter().map(|r| serde_json::from_str(r["detail"].as_str().unwrap()).unwrap()).collect();
    assert_eq!(details.iter().filter(|d| d["withheld"] == serde_json::json!(["XML6"])).count(), 6);
    assert_eq!(details.iter().filter(|d| d["sensitive_shown"] == serde_json::json!(["XML6"])).count(), 3);
}
