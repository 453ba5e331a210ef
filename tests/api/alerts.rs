//! Alerts: raised once per cause, posted to the webhook, resolved when the cause is gone.

use crate::helpers::{FACILITY, OTHER_FACILITY, dossiers_only, episodes, spawn_app_with};
use hisgate::store::outbox;
use hisgate::vocabulary::Destination;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// A webhook receiver on a random port that keeps what it is sent.
fn webhook() -> (String, Arc<Mutex<Vec<Value>>>) {
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let kept = received.clone();
    let server = actix_web::HttpServer::new(move || {
        let kept = kept.clone();
        actix_web::App::new().route(
            "/hook",
            actix_web::web::post().to(move |body: actix_web::web::Json<Value>| {
                let kept = kept.clone();
                async move {
                    kept.lock().unwrap().push(body.into_inner());
                    actix_web::HttpResponse::NoContent().finish()
                }
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}/hook", server.addrs()[0]);
    tokio::spawn(server.run());
    (url, received)
}

#[actix_web::test]
async fn alerts_are_raised_once_posted_and_resolved() {
    let (url, received) = webhook();
    let app = spawn_app_with(crate::helpers::Backend::Sqlite, "alerts_are_raised_once_posted_and_resolved", |s| {
        s.dispatch.enabled = false;
        s.destinations = vec![Destination::Bhxh];
        s.alerts.webhook_url = Some(url);
        s.alerts.dead_letters_per_hour = 1;
    })
    .await
    .unwrap();
    // 83001 sends (and one of its submissions dies), 83002 sends nothing, 83001's certificate
    // runs out within the month.
    assert_eq!(app.post_claim(&app.facility_key, &dossiers_only(episodes(FACILITY, 110, 1))[0]).await.status(), 202);
    let destinations = vec![Destination::Bhxh];
    app.db
        .write(move |c| {
            let jobs = outbox::claim(c, &destinations, "test", 1, 60_000)?;
            outbox::mark_failed(c, &jobs[0], "refused", None, None)
        })
        .await
        .unwrap();
    let soon = (chrono::Utc::now() + chrono::Duration::days(10)).format("%Y-%m-%d").to_string();
    let registry = json!({ "name": "Bệnh viện Đa khoa tỉnh", "kind": "hospital_tier2", "status": "live",
                           "certificate_expires_on": soon });
    let r = app
        .client
        .put(app.url(&format!("/api/v1/facilities/{FACILITY}")))
        .bearer_auth(&app.admin_key)
        .json(&registry)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let run = crate::jobs::run(&app, "alerts").await;
    assert_eq!(run["detail"], "3 alerts raised, 3 posted to the webhook", "{run}");
    let open: Value = app.get("/api/v1/alerts", &app.doh_key).await.json().await.unwrap();
    let mut kinds: Vec<(String, String)> = open
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap().to_owned(), a["facility_code"].as_str().unwrap().to_owned()))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("certificate_expiring".to_owned(), FACILITY.to_owned()),
            ("dead_letter_spike".to_owned(), FACILITY.to_owned()),
            ("facility_silent".to_owned(), OTHER_FACILITY.to_owned()),
        ]
    );
    assert_eq!(received.lock().unwrap().len(), 3, "each new alert posted once");

    // Nothing changed: nothing new.
    assert_eq!(crate::jobs::run(&app, "alerts").await["detail"], "0 alerts raised, 0 posted to the webhook");
    // 83002 sends: its silence alert closes.
    assert_eq!(app.post_claim(&app.other_facility_key, &episodes(OTHER_FACILITY, 111, 1)[0]).await.status(), 202);
    crate::jobs::run(&app, "alerts").await;
    let open: Value = app.get("/api/v1/alerts", &app.doh_key).await.json().await.unwrap();
    assert_eq!(open.as_array().unwrap().len(), 2);
    let all: Value = app.get("/api/v1/alerts?all=true", &app.doh_key).await.json().await.unwrap();
    let resolved: Vec<&Value> = all.as_array().unwrap().iter().filter(|a| a["resolved_at"].is_i64()).collect();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0]["kind"], "facility_silent");
    assert_eq!(app.get("/api/v1/alerts", &app.facility_key).await.status(), 403);
    assert_eq!(received.lock().unwrap().len(), 3);
}
