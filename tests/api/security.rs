//! Defects a security probe found, each kept out by a test: answers, logs and stored refusals
//! never repeat an input of any size.

use crate::helpers::{Backend, FACILITY, episodes, spawn_app};
use diesel::prelude::*;
use serde_json::{Value, json};

#[derive(QueryableByName)]
struct Refusal {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    episode_key: Option<String>,
}

/// One 4 MiB request: a 4 MiB `MA_LK` in the summary and 100 drug lines with another `MA_LK`,
/// each of which breaks `EPISODE_KEY_MISMATCH` quoting the summary's key.
fn amplifying_episode() -> Value {
    let mut episode = serde_json::to_value(&episodes(FACILITY, 77, 1)[0]).unwrap();
    episode["summary"]["MA_LK"] = json!("K".repeat(4 * 1024 * 1024));
    let line = episode["drugs"][0].clone();
    episode["drugs"] = Value::Array(
        (0..100)
            .map(|i| {
                let mut l = line.clone();
                l["STT"] = json!(i + 1);
                l["MA_LK"] = json!("another-episode");
                l
            })
            .collect(),
    );
    episode
}

#[actix_web::test]
async fn a_huge_value_is_never_repeated_in_the_answer_or_the_stored_refusal() {
    let app = spawn_app(Backend::Sqlite, "a_huge_value_is_never_repeated").await.unwrap();
    let episode = amplifying_episode();
    let r = app.post_claim(&app.facility_key, &episode).await;
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert!(text.len() < 64 * 1024, "a 422 of {} bytes for a 4 MiB request", text.len());
    let body: Value = serde_json::from_str(&text).unwrap();
    let violations = body["violations"].as_array().unwrap();
    let mismatches: Vec<&Value> = violations.iter().filter(|v| v["rule"] == "EPISODE_KEY_MISMATCH").collect();
    assert_eq!(mismatches.len(), 21, "20 listed and one that counts the rest");
    // Every other line of the episode (drugs, services, results…) breaks it too.
    let rest = mismatches[20]["message"].as_str().unwrap();
    let more: usize = rest.strip_prefix("and ").and_then(|r| r.split(' ').next()).unwrap().parse().unwrap();
    assert!(more >= 80 && rest.ends_with(" more violations of this rule, not listed"), "{rest}");
    for v in violations {
        for field in ["path", "message", "value"] {
            let shown = v[field].as_str().unwrap_or_default();
            assert!(shown.chars().count() <= 300, "{field} of {} has {} characters", v["rule"], shown.len());
        }
    }
    let too_long = violations.iter().find(|v| v["rule"] == "FIELD_TOO_LONG" && v["path"] == "summary.MA_LK").unwrap();
    assert!(too_long["value"].as_str().unwrap().ends_with("… (4194304 characters)"), "{too_long}");

    // The same episode in a batch: its item answers as briefly.
    let batch = json!({ "episodes": [episode] });
    let r = app.post_json("/api/v1/claims/batch", &app.facility_key, &batch).await;
    let text = r.text().await.unwrap();
    assert!(text.len() < 64 * 1024, "a batch answer of {} bytes", text.len());

    // What a refusal stores for the figures is bounded too.
    let path = app.settings.database_url.strip_prefix("sqlite://").unwrap().to_owned();
    let mut sqlite = diesel::SqliteConnection::establish(&path).unwrap();
    let stored: Vec<Refusal> =
        diesel::sql_query("SELECT episode_key FROM ingest_rejections").load(&mut sqlite).unwrap();
    assert_eq!(stored.len(), 2);
    assert!(
        stored.iter().filter_map(|r| r.episode_key.as_ref()).all(|k| k.chars().count() < 130),
        "the refused MA_LK is stored cut"
    );
}

#[actix_web::test]
async fn a_portal_failure_reaches_no_answer_or_audit_row_with_the_calls_credentials() {
    let card = mocks::registry::CardEntry {
        card: "HS4830000000001".to_owned(),
        name: "Trần Thị Mai".to_owned(),
        birth: "02/03/1990".to_owned(),
        sex: "Nữ".to_owned(),
        primary_care: "83001".to_owned(),
        valid_from: "01/01/2020".to_owned(),
        valid_to: "31/12/2099".to_owned(),
        forced_code: None,
        citizen_id: None,
    };
    let config = mocks::bhxh::BhxhConfig { cards: vec![card], ..Default::default() };
    let bhxh = mocks::bhxh::start(config, "127.0.0.1:0").unwrap();
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, "a_portal_failure_reaches_no_answer", |s| {
        s.bhxh = hisgate::config::PortalSettings {
            url: Some(bhxh.url().to_owned()),
            username: "83_SYT".to_owned(),
            password: hisgate::config::Secret::new("hisgate-demo"),
            rate_per_second: 0,
            ..Default::default()
        };
        s.dispatch.enabled = false;
        s.eligibility.stale_max_seconds = 0;
        s.eligibility.officer =
            Some(hisgate::config::LookupOfficer { name: "Nguyễn Thị Lan".into(), cccd: "083190000001".into() });
    })
    .await
    .unwrap();
    let lookup = |card: &str| json!({ "card_number": card, "full_name": "Trần Thị Mai", "birth_date": "1990-03-02" });
    // A first lookup signs in: the session's token goes into every later lookup's URL.
    let r = app.post_json("/api/v1/eligibility", &app.eligibility_key, &lookup("HS4830000000001")).await;
    assert_eq!(r.status(), 200);
    bhxh.server.stop().await;
    let r = app.post_json("/api/v1/eligibility", &app.eligibility_key, &lookup("HS4830000000002")).await;
    assert_eq!(r.status(), 503);
    let answer = r.text().await.unwrap();
    let password_hash = hex::encode(<md5::Md5 as md5::Digest>::digest("hisgate-demo"));
    let secrets = ["token", "password", &password_hash, &password_hash.to_uppercase(), "83_SYT", "KQNhanLichSuKCB"];
    for secret in secrets {
        assert!(!answer.contains(secret), "`{secret}` in the answer {answer}");
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let rows = loop {
        let target = crate::helpers::test_vault().digest("HS4830000000002");
        let rows = app.db.read(move |c| hisgate::store::audit::for_target(c, &target)).await.unwrap();
        if !rows.is_empty() || std::time::Instant::now() > deadline {
            break rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(rows.len(), 1, "the failed lookup is audited");
    for secret in secrets {
        assert!(!rows[0].detail.contains(secret), "`{secret}` in the audit row {}", rows[0].detail);
    }
}

#[actix_web::test]
async fn personal_values_are_masked_in_every_answer() {
    let app = spawn_app(Backend::Sqlite, "personal_values_are_masked").await.unwrap();
    let mut episode = serde_json::to_value(&episodes(FACILITY, 78, 1)[0]).unwrap();
    let s = &mut episode["summary"];
    s["HO_TEN"] = json!("Lê Thị\u{0007} Hoa");
    s["SO_CCCD"] = json!("0831900001234567");
    s["DIA_CHI"] = json!("Số 12\u{0007} đường Trần Hưng Đạo");
    s["DIEN_THOAI"] = json!("0912345678901234567890");
    let (name, birth) = (s["HO_TEN"].clone(), s["NGAY_SINH"].clone());
    episode["referral_letter"] =
        json!({ "MA_LK": episode["summary"]["MA_LK"], "HO_TEN": "Phạm Văn Khoa", "NGAY_SINH": "190001010000" });
    let r = app.post_claim(&app.facility_key, &episode).await;
    assert_eq!(r.status(), 422);
    let answer = r.text().await.unwrap();
    for personal in ["Lê Thị", "Hoa", "0831900001234", "Trần Hưng Đạo", "0912345678", "Phạm Văn Khoa"] {
        assert!(!answer.contains(personal), "`{personal}` in {answer}");
    }
    assert!(!answer.contains(birth.as_str().unwrap()), "the birth date of XML1 is quoted whole: {answer}");
    let body: Value = serde_json::from_str(&answer).unwrap();
    let at = |path: &str| body["violations"].as_array().unwrap().iter().find(|v| v["path"] == path).cloned();
    assert_eq!(at("summary.HO_TEN").unwrap()["value"], "L. T. H.", "{name}");
    assert_eq!(at("summary.SO_CCCD").unwrap()["value"], "*************567");
    assert_eq!(at("summary.DIA_CHI").unwrap()["value"], "(26 characters)");
    let letter = at("referral_letter.HO_TEN").unwrap();
    assert_eq!(letter["value"], "P. V. K.");
    assert!(letter["message"].as_str().unwrap().ends_with("must agree with XML1's `L. T. H.`"), "{letter}");
}

#[actix_web::test]
async fn every_endpoint_answers_a_body_too_large_with_a_problem_document() {
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, "every_endpoint_answers_413", |s| {
        s.max_body_bytes = 1024 * 1024;
    })
    .await
    .unwrap();
    let doc: Value = app.client.get(app.url("/api-docs/openapi.json")).send().await.unwrap().json().await.unwrap();
    let body = vec![b'x'; 3 * 1024 * 1024];
    let mut probed = 0;
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let Some(content) = operation["requestBody"]["content"].as_object() else { continue };
            let concrete = path
                .replace("{list}", "drugs")
                .replace("{code}", "FIELD_REQUIRED")
                .replace("{facility}", FACILITY)
                .replace("{id}", "x");
            for content_type in content.keys() {
                let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let r = app
                    .client
                    .request(method.clone(), app.url(&concrete))
                    .bearer_auth(&app.admin_key)
                    .header("content-type", content_type)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                let kind = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
                assert_eq!(r.status(), 413, "{method} {path} ({content_type})");
                assert_eq!(kind.as_deref(), Some("application/problem+json"), "{method} {path} ({content_type})");
                probed += 1;
            }
        }
    }
    assert!(probed >= 10, "{probed} operations take a body");
    let form = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/dashboard/login"))
        .form(&[("key", "x".repeat(64 * 1024))])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (form.status().as_u16(), form.headers()["content-type"].to_str().unwrap()),
        (413, "application/problem+json")
    );
}

#[actix_web::test]
async fn a_body_sent_too_slowly_is_refused_and_its_connection_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, "a_body_sent_too_slowly", |s| s.body_timeout_seconds = 1)
        .await
        .unwrap();
    let address = app.url("").trim_start_matches("http://").trim_end_matches('/').to_owned();
    for path in ["/api/v1/claims", "/api/v1/dossiers", "/api/v1/eligibility"] {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"summary\":",
            app.facility_key
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        // The rest of the body never comes: the gateway answers and closes instead of waiting.
        let mut answer = Vec::new();
        let read = tokio::time::timeout(std::time::Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "{path}: the connection is still held");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
        assert!(answer.contains("application/problem+json"), "{path}: {answer}");
    }
    assert_eq!(app.counts().await, (0, 0, 0));
}

#[actix_web::test]
async fn forwarded_headers_are_believed_only_from_a_trusted_proxy() {
    for trusted in [false, true] {
        let test = format!("forwarded_headers_trusted_{trusted}");
        let app = crate::helpers::spawn_app_with(Backend::Sqlite, &test, |s| {
            s.trusted_proxies = if trusted { vec!["127.0.0.1".parse().unwrap()] } else { Vec::new() };
        })
        .await
        .unwrap();
        let forwarded = [("X-Forwarded-Proto", "https"), ("Forwarded", "proto=https")];
        let r = crate::helpers::dashboard_sign_in(&app, &[("key", app.doh_key.as_str())], &forwarded).await;
        assert_eq!(r.status(), 303);
        let cookie = r.headers()["set-cookie"].to_str().unwrap();
        assert_eq!(cookie.contains("Secure"), trusted, "{cookie}");
        // A browser's sign-in through the proxy names the proxy's host as its origin.
        let proxied = [("X-Forwarded-Host", "gateway.example"), ("Origin", "https://gateway.example")];
        let r = crate::helpers::dashboard_sign_in(&app, &[("key", app.doh_key.as_str())], &proxied).await;
        assert_eq!(r.status(), if trusted { 303 } else { 403 }, "trusted proxy: {trusted}");
    }
}

#[actix_web::test]
async fn a_sign_in_posted_from_another_site_or_without_its_token_is_refused() {
    let app = crate::helpers::spawn_app(Backend::Sqlite, "a_sign_in_posted_from_another_site").await.unwrap();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let key = app.doh_key.as_str();
    // No token and no cookie: what a cross-site form would send.
    let bare = client.post(app.url("/dashboard/login")).form(&[("key", key)]).send().await.unwrap();
    assert_eq!(bare.status(), 403);
    // The right token, but posted from another site.
    let evil = [("Origin", "https://evil.example")];
    assert_eq!(crate::helpers::dashboard_sign_in(&app, &[("key", key)], &evil).await.status(), 403);
    let evil = [("Referer", "https://evil.example/page")];
    assert_eq!(crate::helpers::dashboard_sign_in(&app, &[("key", key)], &evil).await.status(), 403);
    let own = app.url("").trim_end_matches('/').to_owned();
    let signed_in = crate::helpers::dashboard_sign_in(&app, &[("key", key)], &[("Origin", &own)]).await;
    assert_eq!(signed_in.status(), 303, "from the gateway's own page");
    let sessions = app.db.read(|c| hisgate::store::audit::for_target(c, "dashboard")).await.unwrap();
    assert_eq!(sessions.iter().filter(|a| a.action == "dashboard.sign_in").count(), 1, "nothing refused opened one");
}

#[actix_web::test]
async fn repeated_bad_keys_are_audited_and_then_refused_for_a_while() {
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, "repeated_bad_keys", |s| s.auth_max_failures = 3)
        .await
        .unwrap();
    let guessed = format!("{}x", app.doh_key);
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/claims", &guessed).await.status(), 401);
    }
    let locked = app.get("/api/v1/claims", &guessed).await;
    assert_eq!(locked.status(), 429);
    let wait: u64 = locked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    let problem: serde_json::Value = locked.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/rate-limited");
    // The client is locked whatever key it sends, and so is the guessed key id from elsewhere.
    assert_eq!(app.get("/api/v1/claims", &app.doh_key).await.status(), 429);
    let dashboard = crate::helpers::dashboard_sign_in(&app, &[("key", app.doh_key.as_str())], &[]).await;
    assert_eq!(dashboard.status(), 429);
    assert!(dashboard.headers().contains_key("retry-after"));

    let rows = app.db.read(|c| hisgate::store::audit::for_target(c, "127.0.0.1")).await.unwrap();
    let actions: Vec<&str> = rows.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["auth.failure", "auth.failure", "auth.failure", "auth.locked"], "past the lock, no more rows");
    let key_id = app.doh_key.split('_').nth(1).unwrap();
    assert!(rows.iter().all(|a| a.actor == key_id), "the key id guessed at is named");
    assert!(rows.iter().all(|a| !a.detail.contains(&guessed)), "never the secret");
}
