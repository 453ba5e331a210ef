//! `POST /api/v1/dossiers` and `GET /api/v1/claims/{id}/xml130`: QĐ 130/4750 XML in and out.

use crate::helpers::{Backend, FACILITY, OTHER_FACILITY, dossiers_only, episodes, spawn_app, spawn_app_with};
use crate::on_both_backends;
use base64::Engine;
use chrono::NaiveDate;
use hisgate::domain::Episode;
use hisgate::domain::spec::Profile;
use hisgate::formats::xml130;
use serde_json::Value;

on_both_backends!(a_file_is_stored_per_hoso_and_comes_back_as_xml);

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
}

async fn post_file(app: &crate::helpers::TestApp, key: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(key)
        .header("content-type", "application/xml")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn a_file_is_stored_per_hoso_and_comes_back_as_xml(backend: Backend) {
    let Some(app) = spawn_app(backend, "a_file_is_stored_per_hoso_and_comes_back_as_xml").await else { return };
    let sent = dossiers_only(episodes(FACILITY, 40, 12));
    let response =
        post_file(&app, &app.facility_key, xml130::envelope(FACILITY, day(), &sent, Profile::default())).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(
        (report["facility"].as_str(), report["count"].as_u64(), report["accepted"].as_u64()),
        (Some(FACILITY), Some(12), Some(12))
    );
    assert_eq!(app.counts().await, (12, 12, 24));

    let id = report["items"][3]["receipt"]["id"].as_str().unwrap();
    assert_eq!(report["items"][3]["ma_lk"], sent[3].episode_key());
    let xml = app.get(&format!("/api/v1/claims/{id}/xml130"), &app.facility_key).await;
    assert_eq!(xml.status(), 200);
    assert!(xml.headers()["content-type"].to_str().unwrap().starts_with("application/xml"));
    let body = xml.bytes().await.unwrap();
    let header = xml130::scan(&body).unwrap();
    assert_eq!((header.facility.as_str(), header.count), (FACILITY, 1));
    let back: Vec<Episode> = xml130::read_hosos(&body).unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(back, vec![sent[3].clone()], "what was stored is what was sent");
    let date = NaiveDate::parse_from_str(&header.created_on, "%Y%m%d").unwrap();
    assert_eq!(
        body.to_vec(),
        xml130::envelope(FACILITY, date, &back, Profile::default()),
        "byte-identical to our own writer"
    );
    assert_eq!(app.get(&format!("/api/v1/claims/{id}/xml130"), &app.other_facility_key).await.status(), 403);

    // The same file again: every HOSO unchanged, nothing stored twice.
    let again: Value = post_file(&app, &app.facility_key, xml130::envelope(FACILITY, day(), &sent, Profile::default()))
        .await
        .json()
        .await
        .unwrap();
    assert!(again["items"].as_array().unwrap().iter().all(|i| i["receipt"]["outcome"] == "unchanged"));
    assert_eq!(app.counts().await, (12, 12, 24));
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[actix_web::test]
async fn each_hoso_gets_its_own_result() {
    let app = spawn_app(Backend::Sqlite, "each_hoso_gets_its_own_result").await.unwrap();
    let mut batch = episodes(FACILITY, 41, 3);
    batch[1].summary.fund_pays = Some("1.00".parse().unwrap());
    let mut foreign = episodes(OTHER_FACILITY, 41, 1).remove(0);
    foreign.summary.episode_key = Some("foreign".into());
    batch.push(foreign);
    let text = String::from_utf8(xml130::envelope(FACILITY, day(), &batch, Profile::default())).unwrap();
    // Break the third HOSO's XML1 content: not base64 any more.
    let third = text.match_indices("<HOSO>").nth(2).unwrap().0;
    let noidung = third + text[third..].find("<NOIDUNGFILE>").unwrap() + "<NOIDUNGFILE>".len();
    let broken = format!("{}!!!{}", &text[..noidung], &text[noidung..]);
    let response = post_file(&app, &app.facility_key, broken.into_bytes()).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    let statuses: Vec<u64> =
        report["items"].as_array().unwrap().iter().map(|i| i["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [202, 422, 400, 422]);
    assert!(report["items"][1]["error"]["violations"].as_array().unwrap().iter().any(|v| v["rule"] == "TOTAL_T_BHTT"));
    assert!(report["items"][2]["error"]["detail"].as_str().unwrap().contains("not valid base64"));
    assert_eq!(report["items"][3]["error"]["violations"][0]["rule"], "ENVELOPE_FACILITY_MISMATCH");
    assert_eq!(app.counts().await.0, 1);
}

#[actix_web::test]
async fn broken_files_are_refused_whole() {
    let app = spawn_app_with(Backend::Sqlite, "broken_files_are_refused_whole", |s| s.max_body_bytes = 200_000)
        .await
        .unwrap();
    let good = xml130::envelope(FACILITY, day(), &episodes(FACILITY, 42, 2), Profile::default());
    let text = String::from_utf8(good.clone()).unwrap();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (text.replace("<SOLUONGHOSO>2</SOLUONGHOSO>", "<SOLUONGHOSO>3</SOLUONGHOSO>").into_bytes(), "SOLUONGHOSO says 3"),
        (b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><GIAMDINHHS>&a;</GIAMDINHHS>".to_vec(), "DOCTYPE"),
        (b"{\"summary\": {}}".to_vec(), "not well-formed"),
        (b"<TONG_HOP/>".to_vec(), "GIAMDINHHS"),
        (format!("<GIAMDINHHS><THONGTINHOSO><SOLUONGHOSO>1</SOLUONGHOSO><DANHSACHHOSO><HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>{}</NOIDUNGFILE></FILEHOSO></HOSO></DANHSACHHOSO></THONGTINHOSO></GIAMDINHHS>", b64("<TONG_HOP/>")).into_bytes(), "MACSKCB"),
    ];
    for (body, expected) in cases {
        let response = post_file(&app, &app.facility_key, body).await;
        assert_eq!(response.status(), 400, "{expected}");
        let problem: Value = response.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains(expected), "{expected}: {problem}");
    }
    let other = xml130::envelope(OTHER_FACILITY, day(), &episodes(OTHER_FACILITY, 42, 1), Profile::default());
    assert_eq!(post_file(&app, &app.facility_key, other).await.status(), 403);
    let huge = xml130::envelope(FACILITY, day(), &episodes(FACILITY, 43, 60), Profile::default());
    assert!(huge.len() > 200_000);
    assert_eq!(post_file(&app, &app.facility_key, huge).await.status(), 413);
    assert_eq!(post_file(&app, "nonsense", good).await.status(), 401);
    assert_eq!(app.counts().await, (0, 0, 0), "a refused file stores nothing");
}

/// Runs a tool; `None` when it is missing and CI does not require it (the test then says so).
fn tool(program: &str, args: &[&str], dir: &std::path::Path) -> Option<std::process::Output> {
    match std::process::Command::new(program).args(args).current_dir(dir).output() {
        Ok(out) => Some(out),
        Err(_) => crate::helpers::missing_tool(program),
    }
}

#[actix_web::test]
async fn configured_facilities_get_signed_dossiers_and_their_certificates_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-keyout",
        "key.pem",
        "-out",
        "cert.pem",
        "-days",
        "20",
        "-nodes",
        "-subj",
        "/CN=83001",
    ];
    let Some(made) = tool("openssl", &args, dir.path()) else { return };
    assert!(made.status.success());
    let signing = hisgate::config::SigningSettings {
        key_pem: Some(dir.path().join("key.pem")),
        cert_pem: Some(dir.path().join("cert.pem")),
        ..Default::default()
    };
    let app = spawn_app_with(Backend::Sqlite, "signed_dossiers", |s| {
        s.signing.insert(FACILITY.to_owned(), signing.clone());
    })
    .await
    .unwrap();
    let certificates: Value = app.get("/api/v1/certificates", &app.doh_key).await.json().await.unwrap();
    assert_eq!(certificates[0]["facility"], FACILITY);
    assert!((18..=20).contains(&certificates[0]["days_left"].as_i64().unwrap()));
    assert_eq!(app.get("/api/v1/certificates", &app.facility_key).await.status(), 403);

    let receipt: Value = app.post_claim(&app.facility_key, &episodes(FACILITY, 44, 1)[0]).await.json().await.unwrap();
    let xml = app
        .get(&format!("/api/v1/claims/{}/xml130", receipt["id"].as_str().unwrap()), &app.facility_key)
        .await
        .bytes()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&xml).contains("<CHUKYDONVI><Signature"));
    std::fs::write(dir.path().join("claim.xml"), &xml).unwrap();
    let Some(verified) = tool("xmlsec1", &["--verify", "--trusted-pem", "cert.pem", "claim.xml"], dir.path()) else {
        return;
    };
    assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stderr));

    // A facility whose key cannot be read stops start-up with a message naming it.
    let mut broken = app.settings.clone();
    broken.signing.insert(
        "83009".into(),
        hisgate::config::SigningSettings { key_pem: Some(dir.path().join("missing.pem")), ..signing },
    );
    let db = app.db.clone();
    let err =
        hisgate::startup::Application::build_with_db(broken, db).await.err().expect("start-up refuses").to_string();
    assert!(err.contains("83009") && err.contains("missing.pem"), "{err}");
}
