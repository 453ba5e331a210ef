//! Facility keys held by a remote signing service (the mock in `mocks/src/signer.rs`, which signs
//! with its own RSA code once its key holder confirms): files wait for the confirmation
//! (`awaiting_signature`), across a gateway restart, and are then sent once, signed so that
//! `xmlsec1` verifies them (exclusive and inclusive C14N); a refusal never reaches the portals,
//! says why, is retried by the dispatch policy and raises the DoH's `signature_failing` alert.

use crate::dispatch::{clean_appraisal, fast};
use crate::helpers::{
    Backend, FACILITY, OTHER_FACILITY, TestApp, dossiers_only, episodes, missing_tool, spawn_app_with,
};
use crate::on_both_backends;
use hisgate::config::{Canonicalisation, SigningSettings};
use mocks::bhxh::BhxhConfig;
use mocks::moh::MohConfig;
use mocks::signer::{Credential, Holder, SignerConfig, SignerMock};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

on_both_backends!(
    a_signature_confirmed_after_30_seconds_is_waited_for_across_a_restart_and_sent_once,
    a_refused_signature_never_reaches_the_portals_and_says_why,
);

const SECRET: &str = "bi-mat-cua-benh-vien";

/// A key and its certificate in `dir` (`key.pem`, `cert.pem`), made with `openssl`.
fn key_and_certificate(dir: &Path) -> Option<()> {
    let args = ["req", "-x509", "-newkey", "rsa:2048", "-keyout", "key.pem", "-out", "cert.pem", "-days", "30"];
    let Ok(made) = Command::new("openssl").args(args).args(["-nodes", "-subj", "/CN=83001"]).current_dir(dir).output()
    else {
        return missing_tool("openssl");
    };
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    std::fs::write(dir.join("secret"), format!("{SECRET}\n")).unwrap();
    Some(())
}

/// The signing service, holding the key of `dir` for both facilities.
fn signer(dir: &Path, holder: Holder) -> SignerMock {
    let pem = std::fs::read_to_string(dir.join("key.pem")).unwrap();
    let credentials = [FACILITY, OTHER_FACILITY].map(|f| Credential::from_pem(&format!("cred-{f}"), &pem).unwrap());
    let config = SignerConfig {
        client_id: "hisgate-tinh".into(),
        client_secret: SECRET.into(),
        credentials: credentials.into(),
        holder,
    };
    mocks::signer::start(config, "127.0.0.1:0").unwrap()
}

/// 83001 signs with exclusive C14N, 83002 with inclusive, both through `service`.
fn remote_signing(dir: &Path, service: &SignerMock, facility: &str, c14n: Canonicalisation) -> SigningSettings {
    SigningSettings {
        remote_url: Some(service.server.url.clone()),
        remote_client_id: Some("hisgate-tinh".into()),
        remote_secret_file: Some(dir.join("secret")),
        remote_credential_id: Some(format!("cred-{facility}")),
        cert_pem: Some(dir.join("cert.pem")),
        c14n,
        ..SigningSettings::default()
    }
}

/// Posts `n` dossiers of `facility` in one batch; their claim ids and MA_LK.
async fn post(app: &TestApp, key: &str, facility: &str, seed: u64, n: usize) -> Vec<(String, String)> {
    let body = serde_json::json!({ "episodes": dossiers_only(episodes(facility, seed, n)) });
    let answer: Value = app.post_json("/api/v1/claims/batch", key, &body).await.json().await.unwrap();
    let items = answer["items"].as_array().unwrap_or_else(|| panic!("{answer}"));
    let ids = items.iter().map(|i| i["receipt"]["id"].as_str().unwrap_or_else(|| panic!("{i}")).to_owned());
    ids.zip(items.iter().map(|i| i["ma_lk"].as_str().unwrap().to_owned())).collect()
}

/// The statuses of every submission of `ids`.
async fn statuses(app: &TestApp, ids: &[(String, String)]) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    for (id, _) in ids {
        let claim: Value = app.get(&format!("/api/v1/claims/{id}"), &app.doh_key).await.json().await.unwrap();
        for s in claim["submissions"].as_array().unwrap() {
            found.push((s["status"].as_str().unwrap().to_owned(), s.clone()));
        }
    }
    found
}

/// Waits (up to `seconds`) until every submission of `ids` is in one of `wanted`.
async fn wait_for(app: &TestApp, ids: &[(String, String)], wanted: &[&str], seconds: u64) -> Vec<(String, Value)> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let now = statuses(app, ids).await;
        if !now.is_empty() && now.iter().all(|(s, _)| wanted.contains(&s.as_str())) {
            return now;
        }
        assert!(Instant::now() < deadline, "submissions not {wanted:?}: {now:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn verify(dir: &Path, name: &str, xml: &[u8]) -> bool {
    std::fs::write(dir.join(name), xml).unwrap();
    let out = Command::new("xmlsec1").args(["--verify", "--trusted-pem", "cert.pem", name]).current_dir(dir).output();
    out.map(|o| o.status.success()).unwrap_or_else(|_| missing_tool::<bool>("xmlsec1").unwrap_or(true))
}

async fn a_signature_confirmed_after_30_seconds_is_waited_for_across_a_restart_and_sent_once(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    if key_and_certificate(dir).is_none() {
        return;
    }
    let service = signer(dir, Holder { confirm_after_ms: 30_000, refuse_reason: None, expire_after_ms: 120_000 });
    let bhxh =
        mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), ..Default::default() }, "127.0.0.1:0").unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(mut app) = spawn_app_with(backend, "remote_signature_confirmed", |s| {
        fast(s, &bhxh, &moh);
        s.dispatch.signature_poll_ms = 300;
        s.dispatch.signature_gather_ms = 1_000;
        s.signing.insert(FACILITY.into(), remote_signing(dir, &service, FACILITY, Canonicalisation::Exclusive));
        s.signing
            .insert(OTHER_FACILITY.into(), remote_signing(dir, &service, OTHER_FACILITY, Canonicalisation::Inclusive));
    })
    .await
    else {
        return;
    };
    let certificates: Value = app.get("/api/v1/certificates", &app.doh_key).await.json().await.unwrap();
    assert_eq!(
        certificates.as_array().map(Vec::len),
        Some(2),
        "a remote signer's certificate is listed: {certificates}"
    );
    let mut claims = post(&app, &app.facility_key, FACILITY, 71, 3).await;
    claims.extend(post(&app, &app.other_facility_key, OTHER_FACILITY, 72, 2).await);

    // One request per facility's file, for BHXH's copy and MoH's alike; nothing goes out meanwhile.
    let waiting = wait_for(&app, &claims, &["awaiting_signature"], 30).await;
    assert_eq!(waiting.len(), 10, "both destinations of every claim wait");
    let asked = service.state.transactions();
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert!(asked.iter().all(|t| t.status == "pending"), "{asked:?}");
    let xml = app.get(&format!("/api/v1/claims/{}/xml130", claims[0].0), &app.facility_key).await;
    assert!(xml.headers().contains_key("x-hisgate-unsigned"), "a remote signer's file is shown unsigned, and says so");

    // A restart while waiting: the wait is in the database.
    app.restart().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(service.state.transactions().iter().all(|t| t.status == "pending"));
    for (_, ma_lk) in &claims {
        assert!(bhxh.state.episode(ma_lk).is_none_or(|e| e.received == 0), "{ma_lk} reached BHXH unsigned");
        assert!(moh.state.dossier(ma_lk).is_none(), "{ma_lk} reached MoH unsigned");
    }
    assert_eq!(statuses(&app, &claims).await.iter().filter(|(s, _)| s == "awaiting_signature").count(), 10);

    // Confirmed at 30 s: sent once to each portal, and appraised.
    wait_for(&app, &claims, &["accepted", "delivered"], 120).await;
    assert_eq!(service.state.transactions().len(), 2, "the holder was asked once per file");
    for (_, ma_lk) in &claims {
        let at_bhxh = bhxh.state.episode(ma_lk).unwrap();
        assert_eq!((at_bhxh.received, at_bhxh.duplicates), (1, 0), "{ma_lk}");
        assert_eq!(moh.state.dossier(ma_lk).unwrap().received, 1, "{ma_lk}");
    }
    let files = bhxh.state.recent_files();
    assert_eq!(files.len(), 2, "one file per facility");
    for (n, file) in files.iter().enumerate() {
        let text = String::from_utf8_lossy(file);
        let exclusive = text.contains("<MACSKCB>83001</MACSKCB>");
        assert_eq!(text.contains("xml-exc-c14n#"), exclusive, "83001 exclusive, 83002 inclusive");
        assert!(verify(dir, &format!("sent-{n}.xml"), file), "{text}");
        let tampered = text.replacen("<SOLUONGHOSO>", "<SOLUONGHOSO>1", 1);
        assert!(!verify(dir, &format!("tampered-{n}.xml"), tampered.as_bytes()), "a changed byte is caught");
    }
}

async fn a_refused_signature_never_reaches_the_portals_and_says_why(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    if key_and_certificate(dir).is_none() {
        return;
    }
    let reason = "Người giữ khóa từ chối ký trên ứng dụng";
    let refusing = Holder { confirm_after_ms: 200, refuse_reason: Some(reason.into()), expire_after_ms: 60_000 };
    let service = signer(dir, refusing);
    let bhxh =
        mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), ..Default::default() }, "127.0.0.1:0").unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) = spawn_app_with(backend, "remote_signature_refused", |s| {
        fast(s, &bhxh, &moh);
        s.dispatch.signature_poll_ms = 100;
        s.dispatch.signature_gather_ms = 500;
        // A refusal is retried once (a new request), then dead-lettered.
        s.dispatch.max_attempts = 2;
        s.signing.insert(FACILITY.into(), remote_signing(dir, &service, FACILITY, Canonicalisation::Exclusive));
    })
    .await
    else {
        return;
    };
    let claims = post(&app, &app.facility_key, FACILITY, 73, 2).await;
    let dead = wait_for(&app, &claims, &["dead_letter"], 60).await;
    for (_, submission) in &dead {
        let error = submission["last_error"].as_str().unwrap();
        assert!(error.contains("refused") && error.contains(reason), "{error}");
        assert_eq!(submission["attempts"], 2);
    }
    assert_eq!(service.state.transactions().len(), 2, "asked once, and once more by the retry policy");
    for (_, ma_lk) in &claims {
        assert!(bhxh.state.episode(ma_lk).is_none(), "{ma_lk} reached BHXH");
        assert!(moh.state.dossier(ma_lk).is_none(), "{ma_lk} reached MoH");
    }
    let claim: Value = app.get(&format!("/api/v1/claims/{}", claims[0].0), &app.doh_key).await.json().await.unwrap();
    assert!(claim["timeline"].to_string().contains(reason), "the claim's timeline says why: {claim}");

    crate::jobs::run(&app, "alerts").await;
    let open: Value = app.get("/api/v1/alerts", &app.doh_key).await.json().await.unwrap();
    let failing: Vec<&Value> = open.as_array().unwrap().iter().filter(|a| a["kind"] == "signature_failing").collect();
    assert_eq!(failing.len(), 1, "{open}");
    assert_eq!(failing[0]["facility_code"], FACILITY);
    assert!(failing[0]["detail"].as_str().unwrap().contains(reason), "{open}");

    // The holder confirms from now on; the replayed dead letters are signed, sent, and the alert resolves.
    // The queue is paused while they are replayed, so that the replays make one file.
    service.state.set_holder(Holder { confirm_after_ms: 0, refuse_reason: None, expire_after_ms: 60_000 });
    assert!(app.post_json("/api/v1/queue/pause", &app.admin_key, &()).await.status().is_success());
    for (_, submission) in &dead {
        let retried =
            app.post_json(&format!("/api/v1/submissions/{}/retry", submission["id"]), &app.admin_key, &()).await;
        assert!(retried.status().is_success(), "{}", retried.text().await.unwrap());
    }
    assert!(app.post_json("/api/v1/queue/resume", &app.admin_key, &()).await.status().is_success());
    let deadline = Instant::now() + Duration::from_secs(60);
    while !claims.iter().all(|(_, ma_lk)| bhxh.state.episode(ma_lk).is_some() && moh.state.dossier(ma_lk).is_some()) {
        assert!(Instant::now() < deadline, "the replays were not sent");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(service.state.transactions().len(), 3, "one new request for the replays' file");
    assert!(verify(dir, "replayed.xml", bhxh.state.recent_files().last().unwrap()));
    crate::jobs::run(&app, "alerts").await;
    let open: Value = app.get("/api/v1/alerts", &app.doh_key).await.json().await.unwrap();
    assert!(!open.to_string().contains("signature_failing"), "resolved once a file is signed: {open}");

    // Retention drops settled requests no unsent job needs: here all three.
    let later = hisgate::store::now_ms() + 1;
    let dropped = app.db.write(move |c| hisgate::store::signatures::drop_settled_before(c, later)).await.unwrap();
    assert_eq!(dropped, 3);
}
