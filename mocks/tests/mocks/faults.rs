//! Fault injection: errors, hangs, rate limits, latency, outage windows, run-time control, seeds.

use crate::support::*;
use mocks::bhxh::BhxhConfig;
use mocks::faults::{FaultConfig, FaultStats, Latency, OutageWindow};
use mocks::server::md5_upper;
use std::time::{Duration, Instant};

async fn take_status(client: &reqwest::Client, url: &str) -> u16 {
    client
        .post(format!("{url}/api/token/take"))
        .form(&[("username", "83001_BV"), ("password", &md5_upper(PASSWORD))])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn stats(client: &reqwest::Client, url: &str) -> FaultStats {
    client.get(format!("{url}/_admin/faults/stats")).send().await.unwrap().json().await.unwrap()
}

fn with_faults(faults: FaultConfig) -> BhxhConfig {
    BhxhConfig { faults, ..BhxhConfig::default() }
}

#[actix_web::test]
async fn error_rate_one_answers_500() {
    let mock = start_bhxh(with_faults(FaultConfig { error_rate: 1.0, ..FaultConfig::default() })).await;
    let client = reqwest::Client::new();
    for _ in 0..3 {
        assert_eq!(take_status(&client, mock.url()).await, 500);
    }
    assert_eq!(stats(&client, mock.url()).await.errors, 3);
}

#[actix_web::test]
async fn hangs_outlast_a_client_timeout() {
    let mock = start_bhxh(with_faults(FaultConfig { hang_rate: 1.0, hang_ms: 2_000, ..FaultConfig::default() })).await;
    let client = reqwest::Client::builder().timeout(Duration::from_millis(200)).build().unwrap();
    let err = client.post(format!("{}/api/token/take", mock.url())).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(stats(&reqwest::Client::new(), mock.url()).await.hangs, 1);
}

#[actix_web::test]
async fn rate_limit_answers_429_with_retry_after() {
    let mock = start_bhxh(with_faults(FaultConfig { rate_limit_per_second: Some(2), ..FaultConfig::default() })).await;
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let r = client
            .post(format!("{}/api/token/take", mock.url()))
            .form(&[("username", "83001_BV"), ("password", &md5_upper(PASSWORD))])
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            retry_after = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        }
        statuses.push(r.status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(statuses.iter().filter(|s| **s == 200).count() >= 2);
    assert_eq!(retry_after.as_deref(), Some("1"));
    assert!(stats(&client, mock.url()).await.rate_limited >= 1);
}

#[actix_web::test]
async fn latency_delays_every_answer() {
    let mock = start_bhxh(with_faults(FaultConfig {
        latency: Some(Latency { min_ms: 120, max_ms: 120 }),
        ..FaultConfig::default()
    }))
    .await;
    let client = reqwest::Client::new();
    let start = Instant::now();
    assert_eq!(take_status(&client, mock.url()).await, 200);
    assert!(start.elapsed() >= Duration::from_millis(120), "the answer cannot come before the injected delay");
    assert_eq!(stats(&client, mock.url()).await.delayed, 1);
}

#[actix_web::test]
async fn scripted_and_run_time_outages_answer_503_then_recover() {
    let scripted =
        FaultConfig { outages: vec![OutageWindow { start_ms: 0, end_ms: 60_000 }], ..FaultConfig::default() };
    let mock = start_bhxh(with_faults(scripted)).await;
    let client = reqwest::Client::new();
    assert_eq!(take_status(&client, mock.url()).await, 503);

    let mock = start_bhxh(BhxhConfig::default()).await;
    assert_eq!(take_status(&client, mock.url()).await, 200);
    let r = client
        .post(format!("{}/_admin/faults/outage", mock.url()))
        .json(&serde_json::json!({ "duration_ms": 300 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(take_status(&client, mock.url()).await, 503);
    let recovered = loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if take_status(&client, mock.url()).await == 200 {
            break true;
        }
    };
    assert!(recovered);
    assert!(stats(&client, mock.url()).await.outage_refusals >= 1);
}

#[actix_web::test]
async fn faults_are_changed_at_run_time() {
    let mock = start_bhxh(BhxhConfig::default()).await;
    let client = reqwest::Client::new();
    assert_eq!(take_status(&client, mock.url()).await, 200);
    let config = FaultConfig { error_rate: 1.0, ..FaultConfig::default() };
    let put = client.put(format!("{}/_admin/faults", mock.url())).json(&config).send().await.unwrap();
    assert_eq!(put.status(), 200);
    let read: FaultConfig =
        client.get(format!("{}/_admin/faults", mock.url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(read, config);
    assert_eq!(take_status(&client, mock.url()).await, 500);
    client.put(format!("{}/_admin/faults", mock.url())).json(&FaultConfig::default()).send().await.unwrap();
    assert_eq!(take_status(&client, mock.url()).await, 200);
}

#[actix_web::test]
async fn the_same_seed_gives_the_same_faults() {
    let client = reqwest::Client::new();
    let mut runs = Vec::new();
    for seed in [7, 7, 8] {
        let mock = start_bhxh(with_faults(FaultConfig { seed, error_rate: 0.5, ..FaultConfig::default() })).await;
        let mut statuses = Vec::new();
        for _ in 0..24 {
            statuses.push(take_status(&client, mock.url()).await);
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert_ne!(runs[0], runs[2]);
    assert!(runs[0].contains(&500) && runs[0].contains(&200));
}
