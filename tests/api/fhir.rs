//! The FHIR R4 face: Bundles in through the same validation and store as JSON, the Claim, its
//! ClaimResponse and card checks out, OperationOutcome for every error; FHIR to the MoH portal.

use crate::dispatch::{clean_appraisal, fast, settle};
use crate::helpers::{Backend, FACILITY, TestApp, episodes, spawn_app, spawn_app_with};
use crate::on_both_backends;
use hisgate::config::{LookupOfficer, MohFormat};
use mocks::bhxh::BhxhConfig;
use mocks::moh::MohConfig;
use serde_json::{Value, json};

on_both_backends!(a_bundle_is_stored_like_json_and_read_back_as_fhir);

async fn post_fhir(app: &TestApp, key: Option<&str>, path: &str, body: Vec<u8>) -> (u16, String, Value) {
    let mut request = app.client.post(app.url(path)).header("content-type", "application/fhir+json").body(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    (status, content_type, response.json().await.unwrap_or(Value::Null))
}

fn bundle_bytes(e: &hisgate::domain::Episode) -> Vec<u8> {
    hisgate_fhir::episode_bundle(e).to_string().into_bytes()
}

async fn a_bundle_is_stored_like_json_and_read_back_as_fhir(backend: Backend) {
    let Some(app) = spawn_app(backend, "a_bundle_is_stored_like_json_and_read_back_as_fhir").await else { return };
    let episode = episodes(FACILITY, 90, 1).remove(0);
    let (status, content_type, answer) =
        post_fhir(&app, Some(&app.facility_key), "/fhir/r4", bundle_bytes(&episode)).await;
    assert_eq!(status, 200, "{answer}");
    assert!(content_type.starts_with("application/fhir+json"));
    assert_eq!(answer["type"], "transaction-response");
    let claim_entry = answer["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["response"]["location"].is_string())
        .expect("the Claim's entry has a location");
    assert_eq!(claim_entry["response"]["status"], "201 Created");
    let location = claim_entry["response"]["location"].as_str().unwrap();
    let id = location.strip_prefix("Claim/").unwrap().split('/').next().unwrap().to_owned();
    assert!(location.ends_with("/_history/1"));

    // Stored exactly as the JSON API would have stored it.
    let stored: Value = app.get(&format!("/api/v1/claims/{id}"), &app.facility_key).await.json().await.unwrap();
    assert_eq!(stored["episode"], serde_json::to_value(&episode).unwrap());
    assert_eq!(stored["status"], "queued");

    // The same Bundle again changes nothing.
    let (_, _, again) = post_fhir(&app, Some(&app.facility_key), "/fhir/r4", bundle_bytes(&episode)).await;
    assert!(
        again["entry"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["response"]["status"] == "200 OK" && e["response"]["location"].as_str() == Some(location))
    );

    let claim: Value = app.get(&format!("/fhir/r4/Claim/{id}"), &app.facility_key).await.json().await.unwrap();
    assert_eq!((claim["resourceType"].as_str(), claim["id"].as_str()), (Some("Claim"), Some(id.as_str())));
    assert!(claim["contained"].as_array().unwrap().iter().any(|r| r["resourceType"] == "Patient"));
    hisgate_fhir::check_resource(&claim).expect("a valid R4B Claim");

    let bundle: Value = app.get(&format!("/api/v1/claims/{id}/fhir"), &app.facility_key).await.json().await.unwrap();
    assert_eq!(bundle, hisgate_fhir::episode_bundle(&episode));
    assert_eq!(app.get(&format!("/fhir/r4/Claim/{id}"), &app.other_facility_key).await.status(), 403);
}

#[actix_web::test]
async fn every_fhir_error_is_an_operation_outcome() {
    let app = spawn_app(Backend::Sqlite, "every_fhir_error_is_an_operation_outcome").await.unwrap();
    let episode = episodes(FACILITY, 91, 1).remove(0);
    let mut bad_card = episode.clone();
    bad_card.summary.card_numbers = Some("HS48301234".to_owned());
    // (what, key, body, status, broken rule)
    type Case<'a> = (&'a str, Option<&'a str>, Vec<u8>, u16, Option<&'a str>);
    let cases: Vec<Case<'_>> = vec![
        ("not JSON", Some(&app.facility_key), b"{".to_vec(), 400, None),
        ("a Patient", Some(&app.facility_key), br#"{"resourceType":"Patient"}"#.to_vec(), 400, None),
        (
            "wrong element type",
            Some(&app.facility_key),
            br#"{"resourceType":"Bundle","type":"transaction","entry":7}"#.to_vec(),
            400,
            None,
        ),
        ("no key", None, bundle_bytes(&episode), 401, None),
        ("another facility", Some(&app.other_facility_key), bundle_bytes(&episode), 403, None),
        ("a broken rule", Some(&app.facility_key), bundle_bytes(&bad_card), 422, Some("CARD_LENGTH")),
    ];
    for (what, key, body, status, rule) in cases {
        let (got, content_type, outcome) = post_fhir(&app, key, "/fhir/r4", body).await;
        assert_eq!(got, status, "{what}: {outcome}");
        assert!(content_type.starts_with("application/fhir+json"), "{what}");
        assert_eq!(outcome["resourceType"], "OperationOutcome", "{what}: {outcome}");
        assert!(!outcome["issue"][0]["diagnostics"].as_str().unwrap_or_default().is_empty(), "{what}");
        if let Some(rule) = rule {
            let rules: Vec<&str> = outcome["issue"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|i| i["details"]["coding"][0]["code"].as_str())
                .collect();
            assert!(rules.contains(&rule), "{what}: {rules:?}");
        }
        hisgate_fhir::check_resource(&outcome).expect("a valid OperationOutcome");
    }
    let xml = app.client.get(app.url("/fhir/r4/metadata?_format=xml")).send().await.unwrap();
    assert_eq!(xml.status(), 406);
    let metadata: Value = app
        .client
        .get(app.url("/fhir/r4/metadata"))
        .header("accept", "application/fhir+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["resourceType"], "CapabilityStatement");
    hisgate_fhir::check_resource(&metadata).expect("a valid CapabilityStatement");
    let missing = app.get("/fhir/r4/Claim/nope", &app.admin_key).await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json::<Value>().await.unwrap()["resourceType"], "OperationOutcome");
}

/// The appraisal comes back as a ClaimResponse; with `moh_format = fhir` the MoH portal receives
/// each episode as a Bundle, once.
#[actix_web::test]
async fn the_appraisal_is_a_claim_response_and_moh_receives_bundles() {
    let bhxh = mocks::bhxh::start(BhxhConfig { appraisal: clean_appraisal(), ..BhxhConfig::default() }, "127.0.0.1:0")
        .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) =
        spawn_app_with(Backend::Sqlite, "the_appraisal_is_a_claim_response_and_moh_receives_bundles", |s| {
            fast(s, &bhxh, &moh);
            s.dispatch.moh_format = MohFormat::Fhir;
        })
        .await
    else {
        return;
    };
    let sent = episodes(FACILITY, 92, 3);
    let mut ids = Vec::new();
    for e in &sent {
        let (status, _, answer) = post_fhir(&app, Some(&app.facility_key), "/fhir/r4", bundle_bytes(e)).await;
        assert_eq!(status, 200, "{answer}");
        let location =
            answer["entry"].as_array().unwrap().iter().find_map(|x| x["response"]["location"].as_str()).unwrap();
        ids.push(location.strip_prefix("Claim/").unwrap().split('/').next().unwrap().to_owned());
    }
    let claims = settle(&app, &ids).await;
    for (e, (id, claim)) in sent.iter().zip(ids.iter().zip(&claims)) {
        assert_eq!(claim["status"], "accepted");
        let held = moh.state.bundle(e.episode_key()).expect("MoH received the Bundle");
        assert_eq!((held.received, held.duplicates), (1, 0));
        assert!(moh.state.dossier(e.episode_key()).is_none(), "no XML to MoH in FHIR mode");
        let search: Value = app
            .get(&format!("/fhir/r4/ClaimResponse?request=Claim/{id}"), &app.facility_key)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(search["type"], "searchset");
        let response = &search["entry"][0]["resource"];
        assert_eq!(
            (response["resourceType"].as_str(), response["outcome"].as_str()),
            (Some("ClaimResponse"), Some("complete"))
        );
        assert_eq!(response["request"]["reference"], format!("Claim/{id}"));
        let totals = response["total"].as_array().unwrap();
        assert_eq!(totals.len(), 2, "submitted and benefit");
        hisgate_fhir::check_resource(response).expect("a valid ClaimResponse");
    }
}

#[actix_web::test]
async fn a_coverage_eligibility_request_is_answered_by_the_eligibility_service() {
    let bhxh = mocks::bhxh::start(BhxhConfig::default(), "127.0.0.1:0").unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let Some(app) =
        spawn_app_with(Backend::Sqlite, "a_coverage_eligibility_request_is_answered_by_the_eligibility_service", |s| {
            fast(s, &bhxh, &moh);
            s.dispatch.enabled = false;
            s.eligibility.officer =
                Some(LookupOfficer { name: "Nguyễn Thị Lan".to_owned(), cccd: "083190000001".to_owned() });
        })
        .await
    else {
        return;
    };
    let request = |card: &str| {
        json!({
            "resourceType": "CoverageEligibilityRequest",
            "status": "active",
            "purpose": ["validation"],
            "contained": [
                { "resourceType": "Patient", "id": "p", "name": [{ "text": "Nguyễn Văn An" }], "birthDate": "1985-01-01" },
                { "resourceType": "Coverage", "id": "c", "status": "active",
                  "identifier": [{ "system": hisgate_fhir::uris::SID_CARD, "value": card }],
                  "beneficiary": { "reference": "#p" }, "payor": [{ "display": "BHXH" }] },
            ],
            "patient": { "reference": "#p" },
            "created": "2026-11-28",
            "insurer": { "display": "BHXH" },
            "insurance": [{ "coverage": { "reference": "#c" } }],
        })
        .to_string()
        .into_bytes()
    };
    let path = "/fhir/r4/CoverageEligibilityRequest";
    for (card, inforce) in [("HS4830123456789", true), ("HS4839999990010", false)] {
        let (status, _, response) = post_fhir(&app, Some(&app.eligibility_key), path, request(card)).await;
        assert_eq!(status, 200, "{response}");
        assert_eq!(response["resourceType"], "CoverageEligibilityResponse");
        assert_eq!(response["insurance"][0]["inforce"], inforce, "{card}: {response}");
        hisgate_fhir::check_resource(&response).expect("a valid CoverageEligibilityResponse");
    }
    assert_eq!(bhxh.state.card_lookups(), 2, "through the same service as the JSON API");
    let (status, _, outcome) = post_fhir(&app, Some(&app.eligibility_key), path, request("HS48301234")).await;
    assert_eq!((status, outcome["resourceType"].as_str()), (400, Some("OperationOutcome")));
    let no_patient = json!({
        "resourceType": "CoverageEligibilityRequest", "status": "active", "purpose": ["validation"],
        "patient": { "reference": "#x" }, "created": "2026-11-28", "insurer": { "display": "BHXH" },
    });
    let (status, _, outcome) =
        post_fhir(&app, Some(&app.eligibility_key), path, no_patient.to_string().into_bytes()).await;
    assert_eq!((status, outcome["resourceType"].as_str()), (400, Some("OperationOutcome")), "{outcome}");
}
