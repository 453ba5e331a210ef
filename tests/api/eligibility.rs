//! Card eligibility against the BHXH mock: every result code, local format errors, cache and
//! expiry, coalescing, outages with and without stale answers, batches, audit and authorisation.

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::on_both_backends;
use hisgate::config::{LookupOfficer, PortalSettings, Secret, Settings};
use mocks::bhxh::{BhxhConfig, BhxhMock};
use mocks::faults::{FaultConfig, Latency};
use mocks::registry::CardEntry;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

on_both_backends!(
    every_portal_code_gets_a_normalised_answer_and_an_audit_row,
    a_holder_is_looked_up_by_card_citizen_id_or_social_insurance_number
);

const OFFICER: (&str, &str) = ("Nguyễn Thị Lan", "083190000001");

fn card_entry(card: &str, name: &str, birth: &str, valid_to: &str) -> CardEntry {
    CardEntry {
        card: card.to_owned(),
        name: name.to_owned(),
        birth: birth.to_owned(),
        sex: "Nữ".to_owned(),
        primary_care: "83001".to_owned(),
        valid_from: "01/01/2020".to_owned(),
        valid_to: valid_to.to_owned(),
        forced_code: None,
        citizen_id: None,
    }
}

fn mock(faults: FaultConfig) -> BhxhMock {
    let cards = vec![
        card_entry("HS4830000000001", "Trần Thị Mai", "02/03/1990", "31/12/2099"),
        card_entry("HS4830000000002", "Trần Thị Mai", "02/03/1990", "31/12/2020"),
    ];
    mocks::bhxh::start(BhxhConfig { cards, faults, ..BhxhConfig::default() }, "127.0.0.1:0").unwrap()
}

fn connect(settings: &mut Settings, bhxh: &BhxhMock) {
    settings.bhxh = PortalSettings {
        url: Some(bhxh.url().to_owned()),
        username: "83_SYT".to_owned(),
        password: Secret::new("hisgate-demo"),
        rate_per_second: 0,
        ..PortalSettings::default()
    };
    settings.dispatch.enabled = false;
    settings.eligibility.officer = Some(LookupOfficer { name: OFFICER.0.to_owned(), cccd: OFFICER.1.to_owned() });
}

fn body(card: &str, name: &str, birth: &str) -> Value {
    json!({ "card_number": card, "full_name": name, "birth_date": birth })
}

async fn check(app: &TestApp, key: &str, body: &Value) -> (u16, Value) {
    let response = app.post_json("/api/v1/eligibility", key, body).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn by(field: &str, value: &str, name: &str, birth: &str) -> Value {
    json!({ field: value, "full_name": name, "birth_date": birth })
}

async fn a_holder_is_looked_up_by_card_citizen_id_or_social_insurance_number(backend: Backend) {
    let test = "a_holder_is_looked_up_by_card_citizen_id_or_social_insurance_number";
    let mut registered = card_entry("HS4830000000003", "Lê Văn Bình", "04/05/1979", "31/12/2099");
    registered.citizen_id = Some("083079000456".to_owned());
    let config = BhxhConfig { cards: vec![registered], ..BhxhConfig::default() };
    let bhxh = mocks::bhxh::start(config, "127.0.0.1:0").unwrap();
    let Some(app) = spawn_app_with(backend, test, |s| connect(s, &bhxh)).await else { return };
    let key = app.eligibility_key.clone();
    let binh = ("Lê Văn Bình", "1979-05-04");
    for (field, value) in
        [("card_number", "HS4830000000003"), ("citizen_id", "083079000456"), ("social_insurance_number", "0000000003")]
    {
        let (status, answer) = check(&app, &key, &by(field, value, binh.0, binh.1)).await;
        assert_eq!(status, 200, "{field}: {answer}");
        assert_eq!((answer["code"].as_str(), answer["eligible"].as_str()), (Some("000"), Some("yes")), "{field}");
        assert_eq!(answer["card_number"], "HS4830000000003", "{field}: the card the portal found");
        assert_eq!((answer["object_code"].as_str(), answer["benefit_level"].as_u64()), (Some("HS"), Some(4)));
    }
    // The audit is written in the background, a moment later, under a keyed digest of the ID.
    let deadline = Instant::now() + Duration::from_secs(10);
    let digest = crate::helpers::test_vault().digest("083079000456");
    loop {
        let target = digest.clone();
        let audit = app.db.read(move |c| hisgate::store::audit::for_target(c, &target)).await.unwrap();
        if audit.iter().any(|a| a.action == "eligibility.check") {
            let clear = app.db.read(|c| hisgate::store::audit::for_target(c, "083079000456")).await.unwrap();
            assert!(clear.is_empty(), "the citizen ID itself is not in the audit log");
            break;
        }
        assert!(Instant::now() < deadline, "a lookup by citizen ID is audited");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Malformed identifiers are refused here, each by its own rule, and never reach the portal.
    let asked = bhxh.state.card_lookups();
    for (body, rule, path) in [
        (by("citizen_id", "0830790004", binh.0, binh.1), "CITIZEN_ID_LENGTH", "citizen_id"),
        (by("citizen_id", "08307900045O", binh.0, binh.1), "CITIZEN_ID_DIGITS", "citizen_id"),
        (
            by("social_insurance_number", "00000003", binh.0, binh.1),
            "SOCIAL_INSURANCE_NUMBER_LENGTH",
            "social_insurance_number",
        ),
        (
            by("social_insurance_number", "00000000O3", binh.0, binh.1),
            "SOCIAL_INSURANCE_NUMBER_DIGITS",
            "social_insurance_number",
        ),
        (json!({ "full_name": binh.0, "birth_date": binh.1 }), "HOLDER_ID_REQUIRED", "card_number"),
        (
            json!({ "card_number": "HS4830000000003", "citizen_id": "083079000456", "full_name": binh.0, "birth_date": binh.1 }),
            "HOLDER_ID_AMBIGUOUS",
            "citizen_id",
        ),
    ] {
        let (status, problem) = check(&app, &key, &body).await;
        assert_eq!(status, 400, "{rule}: {problem}");
        assert_eq!(
            (problem["violations"][0]["rule"].as_str(), problem["violations"][0]["path"].as_str()),
            (Some(rule), Some(path))
        );
        assert!(!problem.to_string().contains("08307900045O"), "the identifier is masked: {problem}");
    }
    assert_eq!(bhxh.state.card_lookups(), asked);
}

/// Where the portal takes card numbers only: the mock modelling it answers `051` to a citizen ID,
/// and a gateway set to send cards only refuses one before asking.
#[actix_web::test]
async fn a_portal_or_gateway_that_takes_card_numbers_only() {
    let config = BhxhConfig { card_lookup_by_id: false, ..BhxhConfig::default() };
    let bhxh = mocks::bhxh::start(config, "127.0.0.1:0").unwrap();
    let test = "a_portal_or_gateway_that_takes_card_numbers_only";
    let app = spawn_app_with(Backend::Sqlite, test, |s| connect(s, &bhxh)).await.unwrap();
    let key = app.eligibility_key.clone();
    let (status, answer) = check(&app, &key, &by("citizen_id", "083079000456", "Lê Văn Bình", "1979-05-04")).await;
    assert_eq!(
        (status, answer["code"].as_str(), answer["eligible"].as_str()),
        (200, Some("051"), Some("no")),
        "{answer}"
    );
    assert_eq!(answer["card_number"], Value::Null, "no card was found");

    let cards_only = spawn_app_with(Backend::Sqlite, "a_gateway_that_sends_card_numbers_only", |s| {
        connect(s, &bhxh);
        s.eligibility.identifiers = vec![hisgate::domain::card::IdentifierKind::Card];
    })
    .await
    .unwrap();
    let asked = bhxh.state.card_lookups();
    let body = by("social_insurance_number", "0000000003", "Lê Văn Bình", "1979-05-04");
    let (status, problem) = check(&cards_only, &cards_only.eligibility_key, &body).await;
    assert_eq!((status, problem["violations"][0]["rule"].as_str()), (400, Some("HOLDER_ID_NOT_ACCEPTED")), "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("HISGATE_ELIGIBILITY_IDENTIFIERS"));
    assert_eq!(bhxh.state.card_lookups(), asked);
}

async fn every_portal_code_gets_a_normalised_answer_and_an_audit_row(backend: Backend) {
    let bhxh = mock(FaultConfig::default());
    let Some(app) =
        spawn_app_with(backend, "every_portal_code_gets_a_normalised_answer_and_an_audit_row", |s| connect(s, &bhxh))
            .await
    else {
        return;
    };
    let key = app.eligibility_key.clone();
    let an = "Nguyễn Văn An";
    // (card, name, birth, expected code, expected verdict)
    let answered = [
        ("HS4830123456789", an, "1985-01-01", "000", "yes"),
        ("QN4830123456789", an, "1985-01-01", "001", "check_documents"),
        ("CA4830123456789", an, "1985", "002", "check_documents"),
        ("HS4839999990003", an, "1985-01-01", "003", "no"),
        ("HS4839999990004", an, "1985-01-01", "004", "yes"),
        ("HS4839999990010", an, "1985-01-01", "010", "no"),
        ("HS4830000000002", "Trần Thị Mai", "1990-03-02", "010", "no"),
        ("HS4839999990050", an, "1985-01-01", "050", "no"),
        ("HS4830000000001", "Lê Văn Bình", "1990-03-02", "060", "no"),
        ("HS4830000000001", "Trần Văn Mai", "1990-03-02", "061", "no"),
        ("HS4830000000001", "Trần Thị Mai", "1990-03-03", "070", "no"),
        ("HS4830000000001", "trần  thị mai", "1990-03-02", "000", "yes"),
        ("HS4839999990110", an, "1985-01-01", "110", "no"),
        ("HS4839999990120", an, "1985-01-01", "120", "no"),
        ("HS4839999990121", an, "1985-01-01", "121", "no"),
        ("HS4839999990122", an, "1985-01-01", "122", "no"),
        ("HS4839999990123", an, "1985-01-01", "123", "no"),
        ("HS4839999990124", an, "1985-01-01", "124", "no"),
        ("HS4839999990130", an, "1985-01-01", "130", "check_documents"),
    ];
    for (card, name, birth, code, verdict) in answered {
        let (status, answer) = check(&app, &key, &body(card, name, birth)).await;
        assert_eq!(status, 200, "{card}: {answer}");
        assert_eq!(answer["code"], code, "{card} {name} {birth}: {answer}");
        assert_eq!(answer["eligible"], verdict, "{card} {name} {birth}: {answer}");
        assert!(
            !answer["meaning_vi"].as_str().unwrap().is_empty() && !answer["meaning_en"].as_str().unwrap().is_empty()
        );
        assert_eq!(answer["source"], "portal");
    }
    let (_, valid) = check(&app, &key, &body("HS4830123456789", an, "1985-01-01")).await;
    assert_eq!(valid["source"], "cache", "the same lookup again is answered from the cache");
    assert_eq!((valid["object_code"].as_str(), valid["benefit_level"].as_u64()), (Some("HS"), Some(4)));
    assert_eq!(valid["primary_care_facility"], "83001");
    assert_eq!(valid["valid_on_visit_date"], true);
    assert!(valid["five_years_continuous_from"].is_string() && valid["valid_to"].is_string(), "{valid}");
    assert!(valid["history"]["latest"].as_array().unwrap().len() <= 5);
    let (_, renewed) = check(&app, &key, &body("HS4839999990004", an, "1985-01-01")).await;
    assert_eq!(renewed["new_card"]["card_number"], "HS4838999990004", "{renewed}");
    assert!(renewed["new_card"]["valid_to"].is_string());

    // A visit outside the card's validity is not covered, whatever the portal says of today.
    let mut past = body("HS4830123456789", an, "1985-01-01");
    past["visit_date"] = json!("2001-05-06");
    let (_, answer) = check(&app, &key, &past).await;
    assert_eq!((answer["code"].as_str(), answer["eligible"].as_str()), (Some("000"), Some("no")), "{answer}");
    assert_eq!(answer["valid_on_visit_date"], false);

    // The portal failing (100, 101) with nothing known about the card: 503, never a verdict.
    for card in ["HS4839999990100", "HS4839999990101"] {
        let (status, problem) = check(&app, &key, &body(card, an, "1985-01-01")).await;
        assert_eq!(status, 503, "{problem}");
        assert_eq!(problem["type"], "/problems/portal-unavailable");
    }

    // Local checks say which part of the card is wrong (the portal's 051-053 are never needed).
    for (card, rule) in [
        ("HS48301234", "CARD_LENGTH"),
        ("h54830123456789", "CARD_OBJECT_CODE"),
        ("HS7830123456789", "CARD_BENEFIT_CODE"),
        ("HS4003012345678", "CARD_PROVINCE_CODE"),
        ("HS483012345678X", "CARD_SOCIAL_INSURANCE_NUMBER"),
    ] {
        let (status, problem) = check(&app, &key, &body(card, an, "1985-01-01")).await;
        assert_eq!(status, 400, "{card}: {problem}");
        assert_eq!(problem["violations"][0]["rule"], rule, "{card}: {problem}");
        assert_eq!(problem["violations"][0]["path"], "card_number");
    }
    let (status, problem) = check(&app, &key, &body("HS4830123456789", an, "01/01/1985")).await;
    assert_eq!((status, problem["violations"][0]["rule"].as_str()), (400, Some("BIRTH_DATE_FORMAT")));
    let (status, problem) = check(&app, &key, &json!({ "card_number": "HS4830123456789" })).await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("full_name"), "{problem}");

    // Every lookup is audited: who, which card (found by the card, stored as its keyed digest),
    // the result.
    let deadline = Instant::now() + Duration::from_secs(10);
    let rows = loop {
        let page: Value = app.get("/api/v1/audit?target=HS4839999990010", &app.admin_key).await.json().await.unwrap();
        let rows = page["items"].as_array().cloned().unwrap_or_default();
        if !rows.is_empty() || Instant::now() > deadline {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(rows.len(), 1, "one audit row for the one lookup of that card");
    assert_eq!(rows[0]["action"], "eligibility.check");
    assert_eq!(rows[0]["role"], "eligibility");
    assert_eq!(rows[0]["target"], crate::helpers::test_vault().digest("HS4839999990010").as_str());
    let detail: Value = serde_json::from_str(rows[0]["detail"].as_str().unwrap()).unwrap();
    assert_eq!((detail["code"].as_str(), detail["eligible"].as_str()), (Some("010"), Some("no")));
}

#[actix_web::test]
async fn officer_and_account_problems_are_reported_as_configuration() {
    let bhxh = mock(FaultConfig::default());
    for (officer, password, expected) in [
        (("Nguyễn Thị Lan", "083199999999"), "hisgate-demo", "054"),
        (("Lê Văn Tám", "083190000001"), "hisgate-demo", "055"),
        (OFFICER, "wrong", "refuses the gateway's account"),
    ] {
        let Some(app) =
            spawn_app_with(Backend::Sqlite, "officer_and_account_problems_are_reported_as_configuration", |s| {
                connect(s, &bhxh);
                s.bhxh.password = Secret::new(password);
                s.eligibility.officer = Some(LookupOfficer { name: officer.0.to_owned(), cccd: officer.1.to_owned() });
            })
            .await
        else {
            return;
        };
        let (status, problem) =
            check(&app, &app.eligibility_key, &body("HS4830123456789", "Nguyễn Văn An", "1985-01-01")).await;
        assert_eq!(status, 503, "{problem}");
        assert_eq!(problem["type"], "/problems/gateway-configuration", "{problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(expected), "{detail}");
        if expected != "refuses the gateway's account" {
            assert!(detail.contains("not a problem with the card"), "{detail}");
        }
    }
    // No officer at all: said before any portal call.
    let Some(app) =
        spawn_app_with(Backend::Sqlite, "officer_and_account_problems_are_reported_as_configuration", |s| {
            connect(s, &bhxh);
            s.eligibility.officer = None;
        })
        .await
    else {
        return;
    };
    let (status, problem) =
        check(&app, &app.eligibility_key, &body("HS4830123456789", "Nguyễn Văn An", "1985-01-01")).await;
    assert_eq!((status, problem["type"].as_str()), (503, Some("/problems/gateway-configuration")));
    assert!(problem["detail"].as_str().unwrap().contains("HISGATE_ELIGIBILITY_OFFICER_NAME"));
}

#[actix_web::test]
async fn answers_are_cached_until_they_expire() {
    let bhxh = mock(FaultConfig::default());
    let Some(app) = spawn_app_with(Backend::Sqlite, "answers_are_cached_until_they_expire", |s| {
        connect(s, &bhxh);
        s.eligibility.cache_seconds = 1;
    })
    .await
    else {
        return;
    };
    let request = body("HS4830123456789", "Nguyễn Văn An", "1985-01-01");
    let (_, first) = check(&app, &app.eligibility_key, &request).await;
    let (_, second) = check(&app, &app.eligibility_key, &request).await;
    assert_eq!((first["source"].as_str(), second["source"].as_str()), (Some("portal"), Some("cache")));
    assert_eq!(bhxh.state.card_lookups(), 1);
    // Another holder name is another question.
    check(&app, &app.eligibility_key, &body("HS4830123456789", "Nguyễn Văn Ân", "1985-01-01")).await;
    assert_eq!(bhxh.state.card_lookups(), 2);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (_, third) = check(&app, &app.eligibility_key, &request).await;
    assert_eq!(third["source"], "portal", "expired after cache_seconds");
    assert_eq!(bhxh.state.card_lookups(), 3);
    // Failures are never cached: 101 asks the portal every time.
    for _ in 0..2 {
        check(&app, &app.eligibility_key, &body("HS4839999990101", "Nguyễn Văn An", "1985-01-01")).await;
    }
    assert_eq!(bhxh.state.card_lookups(), 5);
}

#[actix_web::test]
async fn identical_concurrent_lookups_share_one_portal_call() {
    let bhxh = mock(FaultConfig { latency: Some(Latency { min_ms: 400, max_ms: 400 }), ..FaultConfig::default() });
    let Some(app) =
        spawn_app_with(Backend::Sqlite, "identical_concurrent_lookups_share_one_portal_call", |s| connect(s, &bhxh))
            .await
    else {
        return;
    };
    let request = body("HS4830123456789", "Nguyễn Văn An", "1985-01-01");
    let answers = futures_util::future::join_all((0..20).map(|_| check(&app, &app.eligibility_key, &request))).await;
    assert!(answers.iter().all(|(status, a)| *status == 200 && a["code"] == "000"));
    assert_eq!(bhxh.state.card_lookups(), 1, "20 identical lookups, one portal call");
    let different: Vec<Value> = ["HS4830123456780", "HS4830123456781", "HS4830123456782"]
        .iter()
        .map(|card| body(card, "Nguyễn Văn An", "1985-01-01"))
        .collect();
    futures_util::future::join_all(different.iter().map(|b| check(&app, &app.eligibility_key, b))).await;
    assert_eq!(bhxh.state.card_lookups(), 4, "different cards are not coalesced");
}

#[actix_web::test]
async fn a_portal_outage_serves_the_last_known_answer_marked_stale_or_fails() {
    let bhxh = mock(FaultConfig::default());
    for stale_max_seconds in [3600, 0] {
        let Some(app) = spawn_app_with(
            Backend::Sqlite,
            "a_portal_outage_serves_the_last_known_answer_marked_stale_or_fails",
            |s| {
                connect(s, &bhxh);
                s.eligibility.cache_seconds = 1;
                s.eligibility.stale_max_seconds = stale_max_seconds;
            },
        )
        .await
        else {
            return;
        };
        let known = body("HS4830000000001", "Trần Thị Mai", "1990-03-02");
        assert_eq!(check(&app, &app.eligibility_key, &known).await.1["source"], "portal");
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        bhxh.state.faults.outage_now(60_000);
        let (status, answer) = check(&app, &app.eligibility_key, &known).await;
        if stale_max_seconds > 0 {
            assert_eq!(status, 200, "{answer}");
            assert_eq!((answer["source"].as_str(), answer["code"].as_str()), (Some("stale"), Some("000")));
            assert!(answer["age_seconds"].as_u64().unwrap() >= 1);
        } else {
            assert_eq!((status, answer["type"].as_str()), (503, Some("/problems/portal-unavailable")), "{answer}");
        }
        let (status, unknown) =
            check(&app, &app.eligibility_key, &body("HS4830000000009", "Trần Thị Mai", "1990-03-02")).await;
        assert_eq!((status, unknown["type"].as_str()), (503, Some("/problems/portal-unavailable")));
        bhxh.state.faults.set_config(FaultConfig::default());
    }
}

#[actix_web::test]
async fn a_batch_answers_each_card_in_order() {
    let bhxh = mock(FaultConfig::default());
    let Some(app) = spawn_app_with(Backend::Sqlite, "a_batch_answers_each_card_in_order", |s| {
        connect(s, &bhxh);
        s.eligibility.max_batch = 5;
    })
    .await
    else {
        return;
    };
    let checks = json!({ "checks": [
        body("HS4830123456789", "Nguyễn Văn An", "1985-01-01"),
        body("HS4839999990010", "Nguyễn Văn An", "1985-01-01"),
        body("HS48301234", "Nguyễn Văn An", "1985-01-01"),
        body("HS4839999990101", "Nguyễn Văn An", "1985-01-01"),
    ]});
    let response = app.post_json("/api/v1/eligibility/batch", &app.eligibility_key, &checks).await;
    assert_eq!(response.status(), 200);
    let result: Value = response.json().await.unwrap();
    let items = result["results"].as_array().unwrap();
    assert_eq!(items.iter().map(|i| i["index"].as_u64().unwrap()).collect::<Vec<_>>(), [0, 1, 2, 3]);
    assert_eq!(items[0]["answer"]["eligible"], "yes");
    assert_eq!(items[1]["answer"]["eligible"], "no");
    assert_eq!(items[2]["error"]["violations"][0]["rule"], "CARD_LENGTH");
    assert_eq!(items[3]["error"]["status"], 503);
    let too_many = json!({ "checks": vec![body("HS4830123456789", "A", "1985"); 6] });
    assert_eq!(app.post_json("/api/v1/eligibility/batch", &app.eligibility_key, &too_many).await.status(), 400);
    let empty = json!({ "checks": [] });
    assert_eq!(app.post_json("/api/v1/eligibility/batch", &app.eligibility_key, &empty).await.status(), 400);
}

#[actix_web::test]
async fn lookups_are_authorised_per_role_and_facility_and_rate_limited_per_key() {
    let bhxh = mock(FaultConfig::default());
    let Some(app) =
        spawn_app_with(Backend::Sqlite, "lookups_are_authorised_per_role_and_facility_and_rate_limited_per_key", |s| {
            connect(s, &bhxh);
            s.eligibility.per_key_per_minute = 3;
        })
        .await
    else {
        return;
    };
    let request = body("HS4830123456789", "Nguyễn Văn An", "1985-01-01");
    assert_eq!(check(&app, &app.doh_key, &request).await.0, 403, "DoH staff do not look cards up");
    let unauthenticated = app.client.post(app.url("/api/v1/eligibility")).json(&request).send().await.unwrap().status();
    assert_eq!(unauthenticated, 401);
    let mut foreign = request.clone();
    foreign["facility"] = json!("83002");
    assert_eq!(check(&app, &app.facility_key, &foreign).await.0, 403, "a facility looks up for itself only");
    let mut own = request.clone();
    own["facility"] = json!("83001");
    assert_eq!(check(&app, &app.facility_key, &own).await.0, 200);
    assert_eq!(check(&app, &app.admin_key, &request).await.0, 200);
    for _ in 0..3 {
        assert_eq!(check(&app, &app.eligibility_key, &request).await.0, 200);
    }
    let limited = app.post_json("/api/v1/eligibility", &app.eligibility_key, &request).await;
    assert_eq!(limited.status(), 429);
    let wait: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(check(&app, &app.admin_key, &request).await.0, 200, "the limit is per key");
}

/// Accepted claims have their card looked up in the background; a card the portal rejects adds
/// the warning CARD_PORTAL_INVALID to the claim, which stays accepted.
#[actix_web::test]
async fn cards_of_accepted_claims_are_checked_in_the_background() {
    let bhxh = mock(FaultConfig::default());
    let Some(app) = spawn_app_with(Backend::Sqlite, "cards_of_accepted_claims_are_checked_in_the_background", |s| {
        connect(s, &bhxh)
    })
    .await
    else {
        return;
    };
    let mut sent = crate::helpers::episodes(crate::helpers::FACILITY, 80, 2);
    sent[1].summary.card_numbers = Some("HS4839999990010".to_owned());
    let mut ids = Vec::new();
    for e in &sent {
        let r = app.post_claim(&app.facility_key, e).await;
        assert_eq!(r.status(), 202);
        ids.push(r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let run = crate::jobs::run(&app, "card_check").await;
    assert_eq!(run["detail"], "1 cards valid, 1 not valid (warned), 0 without a usable card", "{run}");
    let claim = |id: String| {
        let app = &app;
        async move { app.get(&format!("/api/v1/claims/{id}"), &app.doh_key).await.json::<Value>().await.unwrap() }
    };
    let good = claim(ids[0].clone()).await;
    let bad = claim(ids[1].clone()).await;
    let rules = |c: &Value| -> Vec<String> {
        c["warnings"].as_array().unwrap().iter().map(|w| w["rule"].as_str().unwrap().to_owned()).collect()
    };
    assert!(!rules(&good).contains(&"CARD_PORTAL_INVALID".to_owned()));
    assert!(rules(&bad).contains(&"CARD_PORTAL_INVALID".to_owned()), "{}", bad["warnings"]);
    assert_eq!(bad["status"], "queued", "still accepted and queued");
    let kinds: Vec<&str> = bad["timeline"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"card_checked"), "{kinds:?}");
    // Checked once: a second run finds nothing to do.
    let again = crate::jobs::run(&app, "card_check").await;
    assert_eq!(again["detail"], "0 cards valid, 0 not valid (warned), 0 without a usable card");
    assert_eq!(bhxh.state.card_lookups(), 2);
}
