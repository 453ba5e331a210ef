//! Abrupt stops: the real `hisgate` binary is killed with SIGKILL during sustained ingest and
//! dispatch, then started again, several times. Every episode acknowledged with 202 must be stored
//! with its content, and the BHXH portal must hold each, and the check-in it carries, exactly once,
//! the check-in first.

use crate::helpers::{Backend, FACILITY, episodes, test_database};
use crate::on_both_backends;
use hisgate::auth;
use hisgate::store::{Db, facilities};
use hisgate::vocabulary::Role;
use mocks::bhxh::{AppraisalConfig, BhxhConfig};
use mocks::faults::{FaultConfig, Latency};
use mocks::moh::MohConfig;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROUNDS: u64 = 4;
const WRITERS: u64 = 4;
/// Episodes each round acknowledges before its kill may come.
const ACKNOWLEDGED_PER_ROUND: usize = 8;

struct Gateway {
    child: Child,
    address: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

async fn start(database_url: &str, bhxh: &str, moh: &str) -> Gateway {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_hisgate"))
        .arg("serve")
        .env("HISGATE_MASTER_KEY", crate::helpers::TEST_MASTER_KEY)
        .env("HISGATE_DATABASE_URL", database_url)
        .env("HISGATE_BIND", format!("127.0.0.1:{port}"))
        .env("HISGATE_BHXH_URL", bhxh)
        .env("HISGATE_MOH_URL", moh)
        .env("HISGATE_BHXH_USERNAME", "83_SYT")
        .env("HISGATE_MOH_USERNAME", "83_SYT")
        .env("HISGATE_BHXH_PASSWORD", "hisgate-demo")
        .env("HISGATE_MOH_PASSWORD", "hisgate-demo")
        .env("HISGATE_BHXH_RATE_PER_SECOND", "0")
        .env("HISGATE_MOH_RATE_PER_SECOND", "0")
        .env("HISGATE_DISPATCH_BATCH_SIZE", "5")
        .env("HISGATE_BHXH_HOSO_PER_FILE", "5")
        .env("HISGATE_BHXH_APPRAISAL_API", "modelled")
        .env("HISGATE_DISPATCH_TICK_MS", "50")
        .env("HISGATE_DISPATCH_POLL_INTERVAL_MS", "100")
        .env("HISGATE_DISPATCH_BACKOFF_BASE_MS", "20")
        .env("HISGATE_DISPATCH_MAX_ATTEMPTS", "200")
        // The killed process's leases must run out soon for the test to finish.
        .env("HISGATE_DISPATCH_LEASE_MS", "1500")
        .env("HISGATE_REFERENCE_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/catalogues"))
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hisgate serve");
    let address = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.get(format!("{address}/healthz")).send().await.map(|r| !r.status().is_success()).unwrap_or(true) {
        assert!(Instant::now() < deadline, "hisgate did not come up at {address}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Gateway { child, address }
}

on_both_backends!(sigkill_during_ingest_and_dispatch_loses_nothing_and_sends_nothing_twice);

async fn sigkill_during_ingest_and_dispatch_loses_nothing_and_sends_nothing_twice(backend: Backend) {
    let Some(database) =
        test_database(backend, "sigkill_during_ingest_and_dispatch_loses_nothing_and_sends_nothing_twice").await
    else {
        return;
    };
    let database_url = database.url.clone();
    let bhxh = mocks::bhxh::start(
        BhxhConfig {
            appraisal: AppraisalConfig { delay_ms: 0, reject_rate: 0.0, partial_rate: 0.0, seed: 1 },
            // Slow enough that files are in flight when the gateway dies.
            faults: FaultConfig { latency: Some(Latency { min_ms: 20, max_ms: 250 }), ..FaultConfig::default() },
            ..BhxhConfig::default()
        },
        "127.0.0.1:0",
    )
    .unwrap();
    let moh = mocks::moh::start(MohConfig::default(), "127.0.0.1:0").unwrap();
    let url = database_url.clone();
    let key = tokio::task::spawn_blocking(move || {
        let db = Db::connect(&url).expect("create the database");
        db.write_blocking(|c| facilities::register(c, FACILITY, "Bệnh viện Đa khoa tỉnh", "hospital_tier2", "live"))
            .expect("register the facility");
        auth::create_key(&db, Role::Facility, Some(FACILITY), "crash test", false, "test").expect("a key")
    })
    .await
    .unwrap();

    // (claim id, episode as sent, MA_LK) of every 202.
    let acknowledged: Arc<Mutex<Vec<(String, Value, String)>>> = Arc::default();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    for round in 0..ROUNDS {
        let mut gateway = start(&database_url, bhxh.url(), moh.url()).await;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let before = acknowledged.lock().unwrap().len();
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (address, key, acknowledged) = (gateway.address.clone(), key.clone(), acknowledged.clone());
                let stop = stop.clone();
                tokio::spawn(async move {
                    let client = reqwest::Client::new();
                    for episode in episodes(FACILITY, 1_000 + round * 100 + w, 400) {
                        if stop.load(std::sync::atomic::Ordering::Relaxed) {
                            break;
                        }
                        let body = serde_json::to_value(&episode).unwrap();
                        let sent =
                            client.post(format!("{address}/api/v1/claims")).bearer_auth(&key).json(&body).send().await;
                        // A request cut by the kill was never acknowledged: nothing is owed for it.
                        let Ok(response) = sent else { break };
                        if response.status() == 202
                            && let Ok(answer) = response.json::<Value>().await
                        {
                            let id = answer["id"].as_str().unwrap().to_owned();
                            acknowledged.lock().unwrap().push((id, body, episode.episode_key().to_owned()));
                        }
                    }
                })
            })
            .collect();
        // However fast this machine is today: each round acknowledges some episodes, then the
        // kill comes at a random moment while the writers are still sending.
        let deadline = Instant::now() + Duration::from_secs(60);
        while acknowledged.lock().unwrap().len() < before + ACKNOWLEDGED_PER_ROUND {
            assert!(Instant::now() < deadline, "round {round}: the gateway acknowledged too little");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..1000))).await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        gateway.child.kill().expect("SIGKILL");
        gateway.child.wait().expect("reaped");
        for w in writers {
            w.await.unwrap();
        }
    }

    let mut gateway = start(&database_url, bhxh.url(), moh.url()).await;
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= ROUNDS as usize * ACKNOWLEDGED_PER_ROUND, "{} acknowledged", acknowledged.len());
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut found_by_receipt = 0;
    for (id, sent, ma_lk) in &acknowledged {
        let claim = loop {
            let response =
                client.get(format!("{}/api/v1/claims/{id}", gateway.address)).bearer_auth(&key).send().await.unwrap();
            assert_eq!(response.status(), 200, "acknowledged claim {id} is stored");
            let claim: Value = response.json().await.unwrap();
            // The claim's status follows BHXH alone; MoH's copy may still be queued behind a lease
            // the kill left, so both submissions are waited for.
            let moh_delivered = claim["submissions"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s["destination"] == "moh" && s["status"] == "delivered"));
            if claim["status"] == "accepted" && moh_delivered {
                break claim;
            }
            assert!(Instant::now() < deadline, "claim {id} did not settle: {}", claim["submissions"]);
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(&claim["episode"], sent, "claim {id} is stored with the content sent");
        found_by_receipt +=
            claim["timeline"].as_array().unwrap().iter().filter(|t| t["kind"] == "found_received").count();
        let held = bhxh.state.episode(ma_lk).expect("BHXH received it");
        assert_eq!((held.received, held.duplicates), (1, 0), "exactly once at BHXH: {ma_lk}");
        assert_eq!((held.check_ins, held.check_in_duplicates), (1, 0), "its check-in exactly once at BHXH: {ma_lk}");
        assert!(held.first_check_in_seq < held.first_dossier_seq, "the check-in before the dossier: {held:?}");
        // The MoH receiver has no receipt list: a file cut by the kill may go again, same content.
        let moh_held = moh.state.dossier(ma_lk).expect("MoH received it");
        assert_eq!(moh_held.versions, 1, "MoH holds one content of {ma_lk}");
    }
    gateway.child.kill().expect("stop");
    gateway.child.wait().expect("reaped");
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "crash test ({backend:?}): {ROUNDS} kills, {} acknowledged episodes, all stored and delivered once to BHXH; \
             {found_by_receipt} files cut by a kill were found in the portal's receipts\n",
            acknowledged.len()
        )
        .as_bytes(),
    );
}
