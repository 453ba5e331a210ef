//! The BHXH-compatible front door (`/bhxh`), driven by a client written here from
//! `../shared/reference/BHXH-API.md` alone: `token/take` with the MD5 of the password, the
//! `qd130` endpoints with the portal's headers and form, `nhanChiTietLoiHS` with query-string
//! credentials. The accounts are made with the command line.

use crate::cli::hisgate;
use crate::dispatch::{clean_appraisal, fast, settle};
use crate::helpers::{
    Backend, FACILITY, OTHER_FACILITY, TestApp, episodes, refused_episodes, spawn_app, spawn_app_with,
};
use crate::on_both_backends;
use base64::Engine;
use hisgate::config::LookupOfficer;
use hisgate::domain::Episode;
use hisgate::domain::spec::Profile;
use hisgate::formats::xml130;
use md5::Digest;
use mocks::bhxh::{AppraisalConfig, BhxhConfig};
use mocks::moh::MohConfig;
use mocks::registry::CardEntry;
use serde_json::Value;
use std::time::{Duration, Instant};

on_both_backends!(a_his_speaking_the_portal_protocol_reaches_the_portal_through_the_front_door);

#[actix_web::test]
async fn the_error_list_adds_what_the_portal_refused_once_it_answers() {
    let appraisal = AppraisalConfig { delay_ms: 0, reject_rate: 1.0, partial_rate: 0.0, seed: 3 };
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal, ..BhxhConfig::default() }, "127.0.0.1:0").unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let app =
        spawn_app_with(Backend::Sqlite, "the_error_list_adds_the_portals", |s| fast(s, &bhxh, &moh)).await.unwrap();
    let (username, password) = create_account(&app, &["--facility", FACILITY]);
    let client = log_in(&app.url("/bhxh"), &username, &md5_hex(&password)).await.1.unwrap();
    let sent = crate::helpers::dossiers_only(episodes(FACILITY, 7300, 1));
    let answer = client
        .send_file("guiHoSoXmlQD4750", "130", FACILITY, &xml130::envelope(FACILITY, day(), &sent, Profile::default()))
        .await;
    let transaction = answer["maGiaoDich"].as_str().unwrap_or_else(|| panic!("{answer}"));
    let before = client.errors(transaction).await;
    assert!(before["dsLoi"].as_array().unwrap().iter().all(|e| e["nguon"] == "hisgate"), "{before}");
    settle(&app, &claim_ids(&app, &sent).await).await;
    let after = client.errors(transaction).await;
    let from_bhxh: Vec<&Value> = after["dsLoi"].as_array().unwrap().iter().filter(|e| e["nguon"] == "bhxh").collect();
    assert!(!from_bhxh.is_empty(), "the rejection's reasons are listed: {after}");
    assert!(from_bhxh.iter().all(|e| e["maLk"] == sent[0].episode_key() && e["mucDo"] == "critical"), "{after}");
}

/// The portal's client, as BHXH-API.md describes it.
pub struct PortalClient {
    http: reqwest::Client,
    base: String,
    username: String,
    /// MD5 of the password, uppercase hex (CV3190).
    password_md5: String,
    access_token: String,
    id_token: String,
}

pub fn md5_hex(password: &str) -> String {
    hex::encode_upper(md5::Md5::digest(password.as_bytes()))
}

/// `token/take`: the answer, and a client when it is `200`.
pub async fn log_in(base: &str, username: &str, password_md5: &str) -> (Value, Option<PortalClient>) {
    let http = reqwest::Client::new();
    let answer: Value = http
        .post(format!("{base}/api/token/take"))
        .form(&[("username", username), ("password", password_md5)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client = (answer["maKetQua"] == "200").then(|| PortalClient {
        http,
        base: base.to_owned(),
        username: username.to_owned(),
        password_md5: password_md5.to_uppercase(),
        access_token: answer["APIKey"]["access_token"].as_str().unwrap().to_owned(),
        id_token: answer["APIKey"]["id_token"].as_str().unwrap().to_owned(),
    });
    (answer, client)
}

impl PortalClient {
    /// A `qd130` submission: `endpoint` (`checkInKcbQd4750`, `guiHoSoXmlQD4750`…), `loaiHoSo`,
    /// `maTinh`, `maCSKCB` and the file's base64 as given.
    async fn submit(&self, endpoint: &str, kind: &str, province: &str, facility: &str, file_base64: &str) -> Value {
        self.http
            .post(format!("{}/api/qd130/{endpoint}", self.base))
            .header("accessToken", &self.access_token)
            .header("tokenId", &self.id_token)
            .header("passwordHash", &self.password_md5)
            .form(&[
                ("username", self.username.as_str()),
                ("loaiHoSo", kind),
                ("maTinh", province),
                ("maCSKCB", facility),
                ("fileHSBase64", file_base64),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn send_file(&self, endpoint: &str, kind: &str, facility: &str, file: &[u8]) -> Value {
        let encoded = base64::engine::general_purpose::STANDARD.encode(file);
        self.submit(endpoint, kind, &facility[..2], facility, &encoded).await
    }

    /// The `egw` calls' credentials, sent in the query string.
    fn credentials(&self) -> [(&str, &str); 4] {
        [
            ("token", &self.access_token),
            ("id_token", &self.id_token),
            ("username", &self.username),
            ("password", &self.password_md5),
        ]
    }

    /// `KQNhanLichSuKCB2024`: credentials in the query string, the fields as JSON.
    async fn look_up(&self, card: &str, name: &str, birth: &str) -> Value {
        self.http
            .post(format!("{}/api/egw/KQNhanLichSuKCB2024", self.base))
            .query(&self.credentials())
            .json(&serde_json::json!({
                "maThe": card, "hoTen": name, "ngaySinh": birth, "hoTenCb": "Nguyễn Văn An", "cccdCb": "083190000002",
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// `nhanChiTietLoiHS` of a transaction.
    async fn errors(&self, transaction: &str) -> Value {
        self.http
            .post(format!("{}/api/egw/nhanChiTietLoiHS", self.base))
            .query(&self.credentials())
            .query(&[("maGiaoDich", transaction)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// Makes an account with the command line: its username and password.
fn create_account(app: &TestApp, args: &[&str]) -> (String, String) {
    let out =
        hisgate(&[&["accounts", "create"], args].concat(), &[("HISGATE_DATABASE_URL", &app.settings.database_url)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let username = lines[0].strip_prefix("account ").and_then(|l| l.split(' ').next()).unwrap().to_owned();
    (username, lines.last().unwrap().to_string())
}

fn day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
}

async fn a_his_speaking_the_portal_protocol_reaches_the_portal_through_the_front_door(backend: Backend) {
    let cards = vec![CardEntry {
        card: "HS4830000000001".to_owned(),
        name: "Trần Thị Mai".to_owned(),
        birth: "02/03/1990".to_owned(),
        sex: "Nữ".to_owned(),
        primary_care: FACILITY.to_owned(),
        valid_from: "01/01/2020".to_owned(),
        valid_to: "31/12/2099".to_owned(),
        forced_code: None,
        citizen_id: None,
    }];
    let bhxh =
        mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), cards, ..BhxhConfig::default() }, "127.0.0.1:0")
            .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) = spawn_app_with(backend, "the_front_door", |s| {
        fast(s, &bhxh, &moh);
        s.eligibility.officer = Some(LookupOfficer { name: "Nguyễn Thị Lan".into(), cccd: "083190000001".into() });
    })
    .await
    else {
        return;
    };
    let (username, password) = create_account(&app, &["--facility", FACILITY]);
    assert_eq!(username, format!("{FACILITY}_BV"), "named as the portal names accounts");
    let base = app.url("/bhxh");
    // Lowercase hex is taken as well as the documented uppercase.
    let (login, client) = log_in(&base, &username, &md5_hex(&password).to_lowercase()).await;
    let client = client.unwrap_or_else(|| panic!("{login}"));
    assert_eq!(login["APIKey"]["username"], username.as_str());
    assert!(login["APIKey"]["expires_in"].as_str().unwrap().ends_with('Z'), "a UTC date-time: {login}");

    let card = client.look_up("HS4830000000001", "Trần Thị Mai", "02/03/1990").await;
    assert_eq!(
        (&card["maKetQua"], &card["gtTheDen"], &card["maDKBD"]),
        (&"000".into(), &"31/12/2099".into(), &FACILITY.into()),
        "{card}"
    );
    let again = client.look_up("HS4830000000001", "Trần Thị Mai", "02/03/1990").await;
    assert_eq!(again["maKetQua"], "000");
    assert_eq!(bhxh.state.card_lookups(), 1, "the second answer is the cache's");
    let short = client.look_up("HS48300000", "Trần Thị Mai", "02/03/1990").await;
    assert_eq!(short["maKetQua"], "051", "{short}");
    assert!(!short.to_string().contains("HS48300000"), "the card is masked: {short}");
    assert_eq!(client.look_up("HS6830000000001", "Trần Thị Mai", "1990").await["maKetQua"], "053");

    let sent: Vec<Episode> = episodes(FACILITY, 7100, 2);
    let refused = refused_episodes(7101, 1);
    let check_ins: Vec<_> = sent.iter().flat_map(|e| e.check_ins.clone()).collect();
    let check_in =
        client.send_file("checkInKcbQd4750", "0", FACILITY, xml130::check_in_document(&check_ins).as_bytes()).await;
    assert_eq!(check_in["maKetQua"], "200", "{check_in}");
    assert_eq!(check_in["thoiGianTiepNhan"].as_str().unwrap().len(), 14, "yyyyMMddHHmmss: {check_in}");
    let quiet = client.errors(check_in["maGiaoDich"].as_str().unwrap()).await;
    assert_eq!((&quiet["maKetQua"], quiet["dsLoi"].as_array().map(Vec::len)), (&"200".into(), Some(0)), "{quiet}");

    let file = xml130::envelope(FACILITY, day(), &[sent.clone(), refused.clone()].concat(), Profile::default());
    let dossier = client.send_file("guiHoSoXmlQD4750", "130", FACILITY, &file).await;
    assert_eq!(dossier["maKetQua"], "200", "content errors do not refuse the file: {dossier}");
    let listed = client.errors(dossier["maGiaoDich"].as_str().unwrap()).await;
    let errors = listed["dsLoi"].as_array().unwrap();
    let bad_key = refused[0].episode_key();
    assert!(
        errors.iter().any(|e| e["maLoi"] == "CARD_LENGTH" && e["maLk"] == bad_key && e["mucDo"] == "critical"),
        "the refused HOSO's rule is listed: {listed}"
    );
    assert!(errors.iter().all(|e| e["maLk"] == bad_key || e["mucDo"] == "warning"), "{listed}");

    // Each accepted episode reaches BHXH once; the refused one never.
    let ids = claim_ids(&app, &sent).await;
    settle(&app, &ids).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    for e in &sent {
        while bhxh.state.episode(e.episode_key()).is_none_or(|s| s.received == 0) {
            assert!(Instant::now() < deadline, "{} never reached BHXH", e.episode_key());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let state = bhxh.state.episode(e.episode_key()).unwrap();
        assert_eq!((state.received, state.check_ins), (1, check_ins_of(e)), "{}", e.episode_key());
    }
    assert!(bhxh.state.episode(bad_key).is_none(), "a refused HOSO is not sent");
}

fn check_ins_of(e: &Episode) -> u32 {
    e.check_ins.len() as u32
}

/// The claim ids of `sent`, as the claims list gives them.
async fn claim_ids(app: &TestApp, sent: &[Episode]) -> Vec<String> {
    let list: Value =
        app.get(&format!("/api/v1/claims?facility={FACILITY}&limit=100"), &app.doh_key).await.json().await.unwrap();
    let items = list["items"].as_array().unwrap_or_else(|| panic!("{list}"));
    sent.iter()
        .map(|e| {
            let found = items.iter().find(|c| c["episode_key"] == e.episode_key());
            found.unwrap_or_else(|| panic!("{} not stored: {list}", e.episode_key()))["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[actix_web::test]
async fn the_front_door_answers_the_portals_codes_and_stores_nothing_it_refuses() {
    let app = spawn_app(Backend::Sqlite, "the_front_door_refuses").await.unwrap();
    let (username, password) = create_account(&app, &["--facility", FACILITY]);
    let base = app.url("/bhxh");
    let (wrong, none) = log_in(&base, &username, &md5_hex("not the password")).await;
    assert!(none.is_none());
    assert_eq!(wrong["maKetQua"], "401", "{wrong}");
    assert_eq!(log_in(&base, "99999_BV", &md5_hex(&password)).await.0["maKetQua"], "401");
    let client = log_in(&base, &username, &md5_hex(&password)).await.1.unwrap();
    // Some clients post the login as JSON: taken too, since whether the portal does is not settled.
    let as_json: Value = client
        .http
        .post(format!("{base}/api/token/take"))
        .json(&serde_json::json!({ "username": username, "password": md5_hex(&password) }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(as_json["maKetQua"], "200", "{as_json}");

    let e = &episodes(FACILITY, 7200, 1)[0];
    let check_ins = xml130::check_in_document(&e.check_ins);
    let dossier = xml130::envelope(FACILITY, day(), std::slice::from_ref(e), Profile::default());
    let encoded = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let other = xml130::envelope(OTHER_FACILITY, day(), &episodes(OTHER_FACILITY, 7201, 1), Profile::default());
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "another facility's maCSKCB",
            client.send_file("guiHoSoXmlQD4750", "130", OTHER_FACILITY, &other).await,
            "403",
        ),
        (
            "maTinh not the facility's",
            client.submit("guiHoSoXmlQD4750", "130", "79", FACILITY, &encoded(&dossier)).await,
            "205",
        ),
        (
            "a check-in's loaiHoSo at the dossier endpoint",
            client.send_file("guiHoSoXmlQD4750", "0", FACILITY, &dossier).await,
            "205",
        ),
        (
            "a dossier's loaiHoSo at the check-in endpoint",
            client.send_file("checkInKcbQd4750", "130", FACILITY, check_ins.as_bytes()).await,
            "205",
        ),
        (
            "a file that is not base64",
            client.submit("guiHoSoXmlQD4750", "130", "83", FACILITY, "not*base64!").await,
            "205",
        ),
        ("an empty file", client.submit("guiHoSoXmlQD4750", "130", "83", FACILITY, "").await, "205"),
        ("base64 of no XML", client.send_file("guiHoSoXmlQD4750", "130", FACILITY, b"plain words").await, "123"),
        (
            "a dossier at the check-in endpoint",
            client.send_file("checkInKcbQd4750", "0", FACILITY, &dossier).await,
            "123",
        ),
    ];
    for (what, answer, code) in &cases {
        assert_eq!(answer["maKetQua"], *code, "{what}: {answer}");
        assert!(answer.get("maGiaoDich").is_none(), "{what} is not received: {answer}");
    }
    // The envelope's MACSKCB is the one the account may send for, but the form names another.
    let mismatch = client.send_file("guiHoSoXmlQD4750", "130", OTHER_FACILITY, &dossier).await;
    assert_eq!(mismatch["maKetQua"], "403", "{mismatch}");

    // A session whose time is up, and one with another password hash, are not let in.
    use diesel::RunQueryDsl;
    let ended = app.db.write(|c| Ok(diesel::sql_query("UPDATE front_door_sessions SET expires_at = 0").execute(c)?));
    assert_eq!(ended.await.unwrap(), 2, "the sessions of both logins end");
    let expired = client.send_file("guiHoSoXmlQD4750", "130", FACILITY, &dossier).await;
    assert_eq!(expired["maKetQua"], "401", "{expired}");
    let fresh = log_in(&base, &username, &md5_hex(&password)).await.1.unwrap();
    let forged = PortalClient { password_md5: md5_hex("guess"), ..fresh };
    assert_eq!(forged.send_file("guiHoSoXmlQD4750", "130", FACILITY, &dossier).await["maKetQua"], "401");
    assert_eq!(forged.errors("0000").await["maKetQua"], "401");

    // A Department of Health account sends for its province's facilities, and looks no card up.
    let (doh, doh_password) = create_account(&app, &["--province", "83"]);
    assert_eq!(doh, "83_SYT");
    let doh = log_in(&base, &doh, &md5_hex(&doh_password)).await.1.unwrap();
    assert_eq!(doh.send_file("guiHoSoXmlQD4750", "130", "79001", &dossier).await["maKetQua"], "403");
    assert_eq!(doh.look_up("HS4830000000001", "Trần Thị Mai", "02/03/1990").await["maKetQua"], "403");

    assert_eq!(app.counts().await.0, 0, "no claim stored");
    let check_ins: Value = app.get("/api/v1/checkins", &app.doh_key).await.json().await.unwrap();
    assert_eq!(check_ins["items"].as_array().map(Vec::len), Some(0), "no check-in stored: {check_ins}");
}
