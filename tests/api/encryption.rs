//! Encryption at rest: what the gateway stores about patients is sealed under a master key, a
//! copy of the database (the SQLite file, a `pg_dump`) shows no name, card or citizen ID, a
//! rotated key is picked up and the stored records re-wrapped in the background, and production
//! mode refuses to start without a key.

use crate::cli::hisgate;
use crate::helpers::{Backend, FACILITY, TestApp, episodes, missing_tool, spawn_app_with};
use crate::on_both_backends;
use hisgate::config::{LookupOfficer, PortalSettings, RunMode, Secret, Settings};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

on_both_backends!(
    a_copy_of_the_database_shows_no_patient,
    a_rotated_master_key_is_picked_up_and_records_are_rewrapped_in_the_background
);

const NAME: &str = "Hoàng Thị Niêm Phong";
/// A card the BHXH mock knows, looked up through the eligibility API.
const LOOKED_UP_CARD: &str = "HS4830000000007";

/// An episode of `seed` whose patient is [`NAME`], in its summary and its check-ins; with its
/// card and citizen ID.
fn named_episode(seed: u64) -> (Value, String, String) {
    let mut episode = serde_json::to_value(&episodes(FACILITY, seed, 1)[0]).unwrap();
    episode["summary"]["HO_TEN"] = json!(NAME);
    for check_in in episode["check_ins"].as_array_mut().unwrap() {
        check_in["HO_TEN"] = json!(NAME);
    }
    let card = episode["summary"]["MA_THE_BHYT"].as_str().unwrap().to_owned();
    let citizen_id = episode["summary"]["SO_CCCD"].as_str().unwrap().to_owned();
    (episode, card, citizen_id)
}

fn with_bhxh(settings: &mut Settings, bhxh: &mocks::bhxh::BhxhMock) {
    settings.bhxh = PortalSettings {
        url: Some(bhxh.url().to_owned()),
        username: "83_SYT".to_owned(),
        password: Secret::new("hisgate-demo"),
        rate_per_second: 0,
        ..PortalSettings::default()
    };
    settings.dispatch.enabled = false;
    settings.eligibility.officer =
        Some(LookupOfficer { name: "Nguyễn Thị Lan".to_owned(), cccd: "083190000001".to_owned() });
}

/// Every byte the database keeps: the SQLite files (main, WAL) after a checkpoint, or a
/// `pg_dump` of the PostgreSQL database. `None` when `pg_dump` is not installed.
async fn database_copy(app: &TestApp) -> Option<Vec<u8>> {
    let url = app.settings.database_url.clone();
    if let Some(path) = url.strip_prefix("sqlite://") {
        app.db
            .read(|c| {
                diesel::connection::SimpleConnection::batch_execute(c, "PRAGMA wal_checkpoint(TRUNCATE)")
                    .map_err(Into::into)
            })
            .await
            .unwrap();
        let mut bytes = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            bytes.extend(std::fs::read(format!("{path}{suffix}")).unwrap_or_default());
        }
        assert!(bytes.len() > 100_000, "the copy holds the database");
        return Some(bytes);
    }
    match std::process::Command::new("pg_dump").args(["--data-only", &url]).output() {
        Ok(out) => {
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            Some(out.stdout)
        }
        Err(_) => missing_tool("pg_dump"),
    }
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

async fn a_copy_of_the_database_shows_no_patient(backend: Backend) {
    let card = mocks::registry::CardEntry {
        card: LOOKED_UP_CARD.to_owned(),
        name: NAME.to_owned(),
        birth: "02/03/1990".to_owned(),
        sex: "Nữ".to_owned(),
        primary_care: FACILITY.to_owned(),
        valid_from: "01/01/2020".to_owned(),
        valid_to: "31/12/2099".to_owned(),
        forced_code: None,
        citizen_id: None,
    };
    let config = mocks::bhxh::BhxhConfig { cards: vec![card], ..Default::default() };
    let bhxh = mocks::bhxh::start(config, "127.0.0.1:0").unwrap();
    let test = "a_copy_of_the_database_shows_no_patient";
    let Some(app) = spawn_app_with(backend, test, |s| with_bhxh(s, &bhxh)).await else { return };
    let (episode, card, citizen_id) = named_episode(91);
    let r = app.post_claim(&app.facility_key, &episode).await;
    assert_eq!(r.status(), 202);
    let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    // A check-in alone, and an episode refused at ingest (its refusal is noted).
    let (other, other_card, _) = named_episode(92);
    let r = app.post_json("/api/v1/checkins", &app.facility_key, &other["check_ins"][0]).await;
    assert_eq!(r.status(), 202);
    let mut refused = other.clone();
    refused["summary"]["NGAY_RA"] = json!("not a date");
    assert_eq!(app.post_claim(&app.facility_key, &refused).await.status(), 422);
    let lookup = json!({ "card_number": LOOKED_UP_CARD, "full_name": NAME, "birth_date": "1990-03-02" });
    assert_eq!(app.post_json("/api/v1/eligibility", &app.eligibility_key, &lookup).await.status(), 200);

    // The gateway reads what it sealed.
    let claim: Value = app.get(&format!("/api/v1/claims/{id}"), &app.admin_key).await.json().await.unwrap();
    assert_eq!(claim["episode"]["summary"]["HO_TEN"], NAME);
    let deadline = Instant::now() + Duration::from_secs(10);
    while app
        .get(&format!("/api/v1/audit?target={LOOKED_UP_CARD}"), &app.admin_key)
        .await
        .json::<Value>()
        .await
        .unwrap()["items"]
        .as_array()
        .is_none_or(Vec::is_empty)
    {
        assert!(Instant::now() < deadline, "the lookup is audited, and found by its card");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let counts = app.db.read(hisgate::store::payload::count_by_key).await.unwrap();
    let current = crate::helpers::test_vault().current_key().unwrap();
    assert_eq!(counts, vec![(current.to_string(), 3)], "two check-ins and an episode, all sealed");
    let Some(copy) = database_copy(&app).await else { return };
    for (what, value) in [
        ("name", NAME),
        ("card", card.as_str()),
        ("citizen ID", citizen_id.as_str()),
        ("check-in card", other_card.as_str()),
        ("looked-up card", LOOKED_UP_CARD),
    ] {
        assert!(!holds(&copy, value), "the {what} `{value}` is in a copy of the database");
    }
    assert!(holds(&copy, &id), "the copy is of this database");
}

async fn a_rotated_master_key_is_picked_up_and_records_are_rewrapped_in_the_background(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("master.key");
    let path = file.to_str().unwrap().to_owned();
    let env = [("HISGATE_MASTER_KEY_FILE", path.as_str()), ("HISGATE_MASTER_KEY", "")];
    let out = hisgate(&["keys", "new-master", &path], &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!hisgate(&["keys", "new-master", &path], &env).status.success(), "an existing file is never replaced");
    let test = "a_rotated_master_key_is_picked_up";
    let adjust = |s: &mut Settings| {
        s.master_key = None;
        s.master_key_file = Some(file.clone());
    };
    let Some(app) = spawn_app_with(backend, test, adjust).await else { return };
    let mut ids = Vec::new();
    for seed in 93..96 {
        let r = app.post_claim(&app.facility_key, &named_episode(seed).0).await;
        assert_eq!(r.status(), 202);
        ids.push(r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let first = hisgate::vault::Vault::from_file(file.clone()).unwrap().current_key().unwrap();
    let counts = app.db.read(hisgate::store::payload::count_by_key).await.unwrap();
    assert_eq!(counts, vec![(first.to_string(), 6)], "three episodes and their check-ins");

    let db_env = [env[0], env[1], ("HISGATE_DATABASE_URL", app.settings.database_url.as_str())];
    let out = hisgate(&["keys", "rotate-master"], &db_env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let second = hisgate::vault::Vault::from_file(file.clone()).unwrap().current_key().unwrap();
    assert_ne!(first, second);
    // The running gateway reads the file again and re-wraps what it stored.
    let run: Value = app.post_json("/api/v1/jobs/rewrap/run", &app.admin_key, &json!({})).await.json().await.unwrap();
    let detail = run["detail"].as_str().unwrap();
    assert!(detail.contains("the key file changed") && detail.contains("6 stored records"), "{run}");
    let r = app.post_claim(&app.facility_key, &named_episode(96).0).await;
    assert_eq!(r.status(), 202);
    let counts = app.db.read(hisgate::store::payload::count_by_key).await.unwrap();
    assert_eq!(counts, vec![(second.to_string(), 8)], "everything under the new key, the new episode too");
    let status = String::from_utf8(hisgate(&["keys", "master-status"], &db_env).stdout).unwrap();
    assert!(status.contains(&format!("{second}  current  8 records")), "{status}");
    assert!(status.contains(&format!("{first}  older    0 records")), "{status}");

    // The old key leaves the file once every gateway has had time to read it.
    let retire = hisgate(&["keys", "retire-master", first.as_str()], &db_env);
    assert!(!retire.status.success(), "too soon after the rotation");
    let settled = std::process::Command::new("touch").args(["-d", "3 minutes ago", &path]).status().unwrap();
    assert!(settled.success());
    let retire = hisgate(&["keys", "retire-master", first.as_str()], &db_env);
    assert!(retire.status.success(), "{}", String::from_utf8_lossy(&retire.stderr));
    assert_eq!(hisgate::vault::Vault::from_file(file.clone()).unwrap().key_ids(), vec![second.clone()]);
    app.post_json("/api/v1/jobs/rewrap/run", &app.admin_key, &json!({})).await;
    for id in &ids {
        let claim: Value = app.get(&format!("/api/v1/claims/{id}"), &app.admin_key).await.json().await.unwrap();
        assert_eq!(claim["episode"]["summary"]["HO_TEN"], NAME, "{claim}");
    }
}

#[actix_web::test]
async fn production_mode_needs_a_key_and_records_stored_in_clear_are_sealed_once_one_comes() {
    let test = "production_mode_needs_a_key";
    let clear = |s: &mut Settings| {
        s.master_key = None;
        s.mode = RunMode::Development;
    };
    let mut app = spawn_app_with(Backend::Sqlite, test, clear).await.unwrap();
    let r = app.post_claim(&app.facility_key, &named_episode(97).0).await;
    assert_eq!(r.status(), 202);
    let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let counts = app.db.read(hisgate::store::payload::count_by_key).await.unwrap();
    assert_eq!(counts, vec![(String::new(), 2)], "stored in clear in development mode");

    let mut production = app.settings.clone();
    production.mode = RunMode::Production;
    let refused = hisgate::startup::Application::build_with_db(production, app.db.clone()).await.err();
    let message = refused.expect("no start without a master key").to_string();
    assert!(message.contains("HISGATE_MASTER_KEY_FILE"), "{message}");
    let serve = hisgate(
        &["serve"],
        &[
            ("HISGATE_MASTER_KEY", ""),
            ("HISGATE_BIND", "127.0.0.1:0"),
            ("HISGATE_DATABASE_URL", &app.settings.database_url),
        ],
    );
    assert!(!serve.status.success(), "`hisgate serve` refuses too");

    app.settings.mode = RunMode::Production;
    app.settings.master_key = Some(Secret::new(crate::helpers::TEST_MASTER_KEY));
    app.restart().await;
    let run: Value = app.post_json("/api/v1/jobs/rewrap/run", &app.admin_key, &json!({})).await.json().await.unwrap();
    let detail = run["detail"].as_str().unwrap();
    assert!(detail.contains("2 stored records") && detail.contains("2 of them were in clear"), "{run}");
    let current = crate::helpers::test_vault().current_key().unwrap();
    let counts = app.db.read(hisgate::store::payload::count_by_key).await.unwrap();
    assert_eq!(counts, vec![(current.to_string(), 2)]);
    let claim: Value = app.get(&format!("/api/v1/claims/{id}"), &app.admin_key).await.json().await.unwrap();
    assert_eq!(claim["episode"]["summary"]["HO_TEN"], NAME);

    // A record stored in clear leaves nothing of itself once `hisgate migrate`, given the key,
    // has sealed it and rewritten the file.
    app.settings.mode = RunMode::Development;
    app.settings.master_key = None;
    app.restart().await;
    let r = app.post_claim(&app.facility_key, &named_episode(98).0).await;
    assert_eq!(r.status(), 202);
    let migrate = hisgate(&["migrate"], &[("HISGATE_DATABASE_URL", &app.settings.database_url)]);
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));
    assert!(String::from_utf8_lossy(&migrate.stdout).contains("2 records stored in clear are sealed"));
    let copy = database_copy(&app).await.unwrap();
    assert!(!holds(&copy, NAME), "nothing of the records once in clear stays in the file");
    let counts = app.db.read(hisgate::store::payload::count_by_key).await.unwrap();
    assert_eq!(counts, vec![(current.to_string(), 4)]);
}
