//! The Ministry of Health mock: password-grant token, HOC receivers and the FHIR endpoint.

use crate::support::*;
use mocks::moh::{self, MohConfig, MohMock};
use serde_json::{Value, json};

fn start() -> MohMock {
    moh::start(MohConfig::default(), "127.0.0.1:0").expect("start MoH mock")
}

async fn token(client: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(format!("{url}/auth/realms/hsskv3/protocol/openid-connect/token")).form(form).send().await.unwrap()
}

async fn bearer(client: &reqwest::Client, url: &str, username: &str) -> String {
    let r = token(
        client,
        url,
        &[("client_id", "hisgate"), ("grant_type", "password"), ("username", username), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert!(v["expires_in"].as_i64().unwrap() > 0);
    v["access_token"].as_str().unwrap().to_owned()
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    path: &str,
    token: &str,
    facility: &str,
    content_type: &str,
    body: String,
) -> reqwest::Response {
    client
        .post(format!("{url}{path}"))
        .bearer_auth(token)
        .header("tinh", &facility[..2])
        .header("csyt", facility)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

const DOSSIER: &str = "/hoc-receiver/api/receiver/hoc-130/khamchuabenh130";
const CHECK_IN: &str = "/hoc-receiver/api/receiver/hoc-130-ck/checkin";

#[actix_web::test]
async fn token_endpoint_follows_the_password_grant() {
    let mock = start();
    let client = reqwest::Client::new();
    bearer(&client, mock.url(), "83001_BV").await;
    let wrong = token(
        &client,
        mock.url(),
        &[("client_id", "hisgate"), ("grant_type", "password"), ("username", "83001_BV"), ("password", "x")],
    )
    .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(wrong.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let grant = token(&client, mock.url(), &[("client_id", "hisgate"), ("grant_type", "client_credentials")]).await;
    assert_eq!(grant.status(), 400);
    let client_id = token(
        &client,
        mock.url(),
        &[("client_id", "other"), ("grant_type", "password"), ("username", "83001_BV"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(client_id.status(), 401);
}

#[actix_web::test]
async fn receivers_take_raw_xml_and_count_per_episode() {
    let mock = start();
    let client = reqwest::Client::new();
    let t = bearer(&client, mock.url(), "83001_BV").await;
    let dossier = envelope(FACILITY, &[tables("LK-M", FACILITY, &[Line { quantity: 2, price: 700 }])]);
    let r = post(&client, mock.url(), DOSSIER, &t, FACILITY, "application/xml", dossier.clone()).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["code"].as_i64(), v["message"].as_str()), (Some(200), Some("success")));
    assert!(v["result"].as_str().unwrap().starts_with("HOC"));
    post(&client, mock.url(), DOSSIER, &t, FACILITY, "application/xml", dossier).await;
    let state = mock.state.dossier("LK-M").unwrap();
    assert_eq!((state.received, state.duplicates, state.versions), (2, 1, 1));

    let r = post(&client, mock.url(), CHECK_IN, &t, FACILITY, "application/xml", check_in_xml("LK-M", FACILITY)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(mock.state.check_ins(), 1);

    let bad = post(&client, mock.url(), DOSSIER, &t, FACILITY, "application/xml", "<GIAMDINHHS>".into()).await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["code"], 400);
    let foreign = post(&client, mock.url(), DOSSIER, &t, "83002", "application/xml", envelope("83002", &[])).await;
    assert_eq!(foreign.status(), 403);
    let unauthenticated = client.post(format!("{}{DOSSIER}", mock.url())).body("x").send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
    client.post(format!("{}/_admin/tokens/expire", mock.url())).send().await.unwrap();
    let expired =
        post(&client, mock.url(), CHECK_IN, &t, FACILITY, "application/xml", check_in_xml("LK-M", FACILITY)).await;
    assert_eq!(expired.status(), 401);
    assert!(expired.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("hết hạn"));
}

fn bundle(ma_lk: &str) -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            { "fullUrl": "urn:uuid:p1", "resource": { "resourceType": "Patient" }, "request": { "method": "POST", "url": "Patient" } },
            { "fullUrl": "urn:uuid:c1", "resource": {
                "resourceType": "Claim", "identifier": [{ "system": "urn:oid:qd130:ma_lk", "value": ma_lk }],
                "patient": { "reference": "urn:uuid:p1" }
              }, "request": { "method": "POST", "url": "Claim" } }
        ]
    })
}

#[actix_web::test]
async fn fhir_endpoint_answers_transaction_responses_or_operation_outcomes() {
    let mock = start();
    let client = reqwest::Client::new();
    let t = bearer(&client, mock.url(), "83001_BV").await;
    let ok =
        post(&client, mock.url(), "/fhir/r4", &t, FACILITY, "application/fhir+json", bundle("LK-F").to_string()).await;
    assert_eq!(ok.status(), 200);
    let v: Value = ok.json().await.unwrap();
    assert_eq!(v["type"], "transaction-response");
    assert_eq!(v["entry"].as_array().unwrap().len(), 2);
    assert!(v["entry"][1]["response"]["status"].as_str().unwrap().starts_with("201"));
    post(&client, mock.url(), "/fhir/r4", &t, FACILITY, "application/fhir+json", bundle("LK-F").to_string()).await;
    assert_eq!(mock.state.bundle("LK-F").unwrap().duplicates, 1);

    let mut dangling = bundle("LK-G");
    dangling["entry"][1]["resource"]["patient"]["reference"] = json!("urn:uuid:nobody");
    let mut not_transaction = bundle("LK-H");
    not_transaction["type"] = json!("collection");
    for body in [
        json!({ "resourceType": "Patient" }),
        dangling,
        not_transaction,
        json!({ "resourceType": "Bundle", "type": "transaction", "entry": [] }),
    ] {
        let r = post(&client, mock.url(), "/fhir/r4", &t, FACILITY, "application/fhir+json", body.to_string()).await;
        assert_eq!(r.status(), 400);
        let outcome: Value = r.json().await.unwrap();
        assert_eq!(outcome["resourceType"], "OperationOutcome");
        assert_eq!(outcome["issue"][0]["severity"], "error");
    }
    let garbage = post(&client, mock.url(), "/fhir/r4", &t, FACILITY, "application/fhir+json", "{".into()).await;
    assert_eq!(garbage.status(), 400);
}
