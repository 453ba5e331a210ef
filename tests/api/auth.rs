//! Authentication, status codes of bad requests, and the audit trail.

use crate::helpers::{Backend, FACILITY, episodes, spawn_app, spawn_app_with};
use crate::on_both_backends;
use serde_json::Value;

on_both_backends!(writes_are_audited);

#[actix_web::test]
async fn missing_or_wrong_keys_get_401() {
    let app = spawn_app(Backend::Sqlite, "missing_or_wrong_keys_get_401").await.unwrap();
    let episode = &episodes(FACILITY, 20, 1)[0];
    let none = app.client.post(app.url("/api/v1/claims")).json(episode).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    let problem: Value = none.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/unauthenticated");
    for bad in ["nonsense", "hg_abc_def", &app.facility_key.replace("hg_", "hg_0")] {
        assert_eq!(app.post_claim(bad, episode).await.status(), 401, "{bad}");
    }
    let tampered = format!("{}0", app.facility_key);
    assert_eq!(app.post_claim(&tampered, episode).await.status(), 401);
    assert_eq!(app.get("/api/v1/claims", "wrong").await.status(), 401);
}

#[actix_web::test]
async fn malformed_json_gets_400_saying_where() {
    let app = spawn_app(Backend::Sqlite, "malformed_json_gets_400_saying_where").await.unwrap();
    let response = app
        .client
        .post(app.url("/api/v1/claims"))
        .bearer_auth(&app.facility_key)
        .header("content-type", "application/json")
        .body("{\"summary\": {\"MA_LK\": \"A\",\n \"GIOI_TINH\": \"one\"}}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("line 2") && detail.contains("summary.GIOI_TINH"), "{detail}");

    let truncated = app
        .client
        .post(app.url("/api/v1/claims"))
        .bearer_auth(&app.facility_key)
        .body("{\"summary\":")
        .send()
        .await
        .unwrap();
    assert_eq!(truncated.status(), 400);
    let unknown = app
        .client
        .post(app.url("/api/v1/claims"))
        .bearer_auth(&app.facility_key)
        .body("{\"summary\":{\"MA_LKK\":\"A\"}}")
        .send()
        .await
        .unwrap();
    let problem: Value = unknown.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("MA_LKK"));
}

#[actix_web::test]
async fn oversized_body_gets_413() {
    let app = spawn_app_with(Backend::Sqlite, "oversized_body_gets_413", |s| s.max_body_bytes = 4096).await.unwrap();
    let episode = &episodes(FACILITY, 21, 1)[0];
    let response = app.post_claim(&app.facility_key, episode).await;
    assert_eq!(response.status(), 413);
    let problem: Value = response.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("4096"));
    let batch =
        app.post_json("/api/v1/claims/batch", &app.facility_key, &serde_json::json!({ "episodes": [episode] })).await;
    assert_eq!(batch.status(), 413);
    assert_eq!(app.counts().await, (0, 0, 0));
}

async fn writes_are_audited(backend: Backend) {
    let Some(app) = spawn_app(backend, "writes_are_audited").await else {
        return;
    };
    let mut episode = episodes(FACILITY, 22, 1).remove(0);
    let receipt: Value = app.post_claim(&app.facility_key, &episode).await.json().await.unwrap();
    app.post_claim(&app.facility_key, &episode).await;
    episode.summary.note = Some("changed".into());
    app.post_claim(&app.facility_key, &episode).await;
    let id = receipt["id"].as_str().unwrap().to_owned();
    let rows = app.db.read(move |c| hisgate::store::audit::for_target(c, &id)).await.unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["claim.accept", "claim.new_version"], "an unchanged resend writes nothing");
    let key_id = app.facility_key.split('_').nth(1).unwrap();
    assert!(rows.iter().all(|r| r.actor == key_id && r.role == "facility"));
    let name = episode.summary.full_name.clone().unwrap();
    assert!(rows.iter().all(|r| !r.detail.contains(&name)), "no patient names in the audit detail");
    for key in [&app.admin_key, &app.doh_key, &app.eligibility_key, &app.facility_key, &app.other_facility_key] {
        let id = key.split('_').nth(1).unwrap().to_owned();
        let rows = app.db.read(move |c| hisgate::store::audit::for_target(c, &id)).await.unwrap();
        assert_eq!(
            rows.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
            ["key.create"],
            "key creation is audited"
        );
    }
}
