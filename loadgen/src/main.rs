//! `loadgen`: drives a running hisgate over HTTP — single episodes, batches, `GIAMDINHHS` files or
//! card lookups — at a fixed concurrency (closed loop) or a fixed rate (open loop), then prints
//! throughput and latency percentiles and writes the id of every acknowledged episode to a file.
//!
//! Episodes come from `hisgate gen` (JSON lines; XML files from `hisgate gen --format xml130`), so
//! this tool has no dependency on the gateway's code.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(Parser)]
#[command(name = "loadgen", about = "Load generator for hisgate")]
struct Cli {
    /// The gateway's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// API key (`Authorization: Bearer`).
    #[arg(long, env = "HISGATE_KEY")]
    key: String,
    /// Requests in flight at once (closed loop); with `--rate`, the most connections used at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Requests started per second (open loop) instead of a fixed concurrency. Each request's
    /// latency counts from the moment it was due, so waiting for a free connection when the
    /// gateway falls behind is part of it (no coordinated omission).
    #[arg(long)]
    rate: Option<f64>,
    /// Stop after this many requests.
    #[arg(long)]
    requests: Option<usize>,
    /// Stop after this many seconds.
    #[arg(long, default_value_t = 30.0)]
    seconds: f64,
    /// Append the id of every acknowledged episode to this file.
    #[arg(long)]
    acked: Option<std::path::PathBuf>,
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand, Clone)]
enum Mode {
    /// `POST /api/v1/claims`, one episode per request (from a `hisgate gen` JSON-lines file).
    Claims {
        #[arg(long)]
        input: std::path::PathBuf,
    },
    /// `POST /api/v1/claims/batch` with `size` episodes per request.
    Batch {
        #[arg(long)]
        input: std::path::PathBuf,
        #[arg(long, default_value_t = 100)]
        size: usize,
    },
    /// `POST /fhir/r4`, one transaction Bundle per request (from `hisgate gen --format fhir`).
    Fhir {
        #[arg(long)]
        input: std::path::PathBuf,
    },
    /// `POST /api/v1/checkins`, one check-in per request (from `hisgate gen --format checkin`).
    Checkins {
        #[arg(long)]
        input: std::path::PathBuf,
    },
    /// `POST /api/v1/dossiers` with each `GIAMDINHHS` file of a folder in turn.
    Dossiers {
        #[arg(long)]
        folder: std::path::PathBuf,
    },
    /// `POST /api/v1/eligibility`: `cards` distinct well-formed cards in turn (few cards: the
    /// cached path), or a new card every request with `--unique` (the portal path).
    Eligibility {
        #[arg(long, default_value_t = 100)]
        cards: usize,
        #[arg(long)]
        unique: bool,
    },
    /// `GET path` (e.g. `/healthz`): the HTTP round trip alone, the limit the other modes are
    /// compared with.
    Get {
        #[arg(long, default_value = "/healthz")]
        path: String,
    },
}

/// One prepared request: path, content type and body (a `GET` when there is no content type).
struct Work {
    path: String,
    content_type: &'static str,
    body: Vec<u8>,
}

fn read_lines(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let lines: Vec<String> = text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect();
    if lines.is_empty() {
        bail!("{} holds no episodes", path.display());
    }
    Ok(lines)
}

/// The requests of the run, in order; a run longer than the list wraps around (which the gateway
/// then answers as unchanged resends).
fn prepare(mode: &Mode) -> anyhow::Result<Vec<Work>> {
    Ok(match mode {
        Mode::Claims { input } => read_lines(input)?
            .into_iter()
            .map(|l| Work { path: "/api/v1/claims".to_owned(), content_type: "application/json", body: l.into_bytes() })
            .collect(),
        Mode::Batch { input, size } => read_lines(input)?
            .chunks((*size).max(1))
            .map(|chunk| Work {
                path: "/api/v1/claims/batch".to_owned(),
                content_type: "application/json",
                body: format!("{{\"episodes\":[{}]}}", chunk.join(",")).into_bytes(),
            })
            .collect(),
        Mode::Fhir { input } => read_lines(input)?
            .into_iter()
            .map(|l| Work { path: "/fhir/r4".to_owned(), content_type: "application/fhir+json", body: l.into_bytes() })
            .collect(),
        Mode::Checkins { input } => read_lines(input)?
            .into_iter()
            .map(|l| Work {
                path: "/api/v1/checkins".to_owned(),
                content_type: "application/json",
                body: l.into_bytes(),
            })
            .collect(),
        Mode::Dossiers { folder } => {
            let mut files: Vec<_> = std::fs::read_dir(folder)?.filter_map(Result::ok).map(|e| e.path()).collect();
            files.sort();
            files
                .into_iter()
                .map(|p| {
                    Ok(Work {
                        path: "/api/v1/dossiers".to_owned(),
                        content_type: "application/xml",
                        body: std::fs::read(&p)?,
                    })
                })
                .collect::<anyhow::Result<_>>()?
        }
        Mode::Eligibility { cards, unique } => {
            let n = if *unique { 1_000_000 } else { (*cards).max(1) };
            (0..n)
                .map(|i| Work {
                    path: "/api/v1/eligibility".to_owned(),
                    content_type: "application/json",
                    body: json!({
                        "card_number": format!("HS483{:010}", 1_000_000_000u64 + i as u64),
                        "full_name": "Nguyễn Văn An",
                        "birth_date": "1985-01-01",
                    })
                    .to_string()
                    .into_bytes(),
                })
                .collect()
        }
        Mode::Get { path } => vec![Work { path: path.clone(), content_type: "", body: Vec::new() }],
    })
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    by_status: BTreeMap<String, usize>,
    episodes_acknowledged: usize,
    acked_ids: Vec<String>,
}

/// The ids of acknowledged episodes in an answer (a FHIR transaction-response names its Claim by
/// `location`).
fn acknowledged(answer: &Value) -> Vec<String> {
    let id = |v: &Value| v["id"].as_str().map(str::to_owned);
    if answer["resourceType"] == "Bundle" {
        let claims = answer["entry"].as_array().into_iter().flatten();
        claims
            .filter_map(|e| e["response"]["location"].as_str()?.strip_prefix("Claim/")?.split('/').next())
            .map(str::to_owned)
            .collect()
    } else if let Some(items) = answer["items"].as_array() {
        items.iter().filter_map(|i| id(&i["receipt"])).collect()
    } else {
        id(answer).into_iter().collect()
    }
}

/// Sends one request; its latency counts from `due`.
async fn send(client: &reqwest::Client, cli: &Cli, work: &Work, tally: &Mutex<Tally>, due: Instant) {
    let url = format!("{}{}", cli.url, work.path);
    let request = if work.content_type.is_empty() {
        client.get(url)
    } else {
        client.post(url).header("content-type", work.content_type).body(work.body.clone())
    };
    let response = request.bearer_auth(&cli.key).send().await;
    let (status, ids) = match response {
        Ok(r) => {
            let status = r.status();
            let body = r.bytes().await.unwrap_or_default();
            let counts = work.path.starts_with("/api/v1/claims")
                || work.path == "/api/v1/dossiers"
                || work.path == "/api/v1/checkins"
                || work.path == "/fhir/r4";
            let ids = if status.is_success() && counts {
                serde_json::from_slice::<Value>(&body).map(|v| acknowledged(&v)).unwrap_or_default()
            } else {
                Vec::new()
            };
            (status.as_u16().to_string(), ids)
        }
        Err(e) if e.is_timeout() => ("timeout".to_owned(), Vec::new()),
        Err(_) => {
            // The gateway is down (restarting, or killed by the crash test): do not spin.
            tokio::time::sleep(Duration::from_millis(20)).await;
            ("connection error".to_owned(), Vec::new())
        }
    };
    let elapsed = due.elapsed().as_micros() as u64;
    let mut t = tally.lock().await;
    t.latencies_us.push(elapsed);
    *t.by_status.entry(status).or_default() += 1;
    t.episodes_acknowledged += ids.len();
    t.acked_ids.extend(ids);
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)] as f64 / 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Arc::new(Cli::parse());
    let work = Arc::new(prepare(&cli.mode)?);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(cli.concurrency.max(16))
        .timeout(Duration::from_secs(60))
        .no_proxy()
        .build()?;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let next = Arc::new(AtomicUsize::new(0));
    let limit = cli.requests.unwrap_or(usize::MAX);
    let deadline = Instant::now() + Duration::from_secs_f64(cli.seconds);
    let started = Instant::now();
    match cli.rate {
        None => {
            let workers: Vec<_> = (0..cli.concurrency.max(1))
                .map(|_| {
                    let (cli, work, tally, next, client) =
                        (cli.clone(), work.clone(), tally.clone(), next.clone(), client.clone());
                    tokio::spawn(async move {
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= limit || Instant::now() >= deadline {
                                break;
                            }
                            send(&client, &cli, &work[i % work.len()], &tally, Instant::now()).await;
                        }
                    })
                })
                .collect();
            for w in workers {
                w.await?;
            }
        }
        Some(rate) => {
            // Requests are due at fixed times; at most `concurrency` are on the wire, the rest wait
            // (without a connection) for one to finish.
            let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
            let connections = Arc::new(tokio::sync::Semaphore::new(cli.concurrency.max(1)));
            let mut in_flight = Vec::new();
            for i in 0..limit {
                let due = started + period.mul_f64(i as f64);
                if due >= deadline {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                let (cli, work, tally, client, connections) =
                    (cli.clone(), work.clone(), tally.clone(), client.clone(), connections.clone());
                in_flight.push(tokio::spawn(async move {
                    let Ok(_connection) = connections.acquire().await else { return };
                    send(&client, &cli, &work[i % work.len()], &tally, due).await;
                }));
            }
            for f in in_flight {
                f.await?;
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut t = std::mem::take(&mut *tally.lock().await);
    t.latencies_us.sort_unstable();
    let requests = t.latencies_us.len();
    let summary = json!({
        "requests": requests,
        "seconds": (elapsed * 1000.0).round() / 1000.0,
        "requests_per_second": (requests as f64 / elapsed).round(),
        "target_rate": cli.rate,
        "episodes_acknowledged": t.episodes_acknowledged,
        "episodes_per_second": (t.episodes_acknowledged as f64 / elapsed).round(),
        "latency_ms": {
            "p50": percentile(&t.latencies_us, 50.0),
            "p95": percentile(&t.latencies_us, 95.0),
            "p99": percentile(&t.latencies_us, 99.0),
            "max": percentile(&t.latencies_us, 100.0),
        },
        "by_status": t.by_status,
    });
    println!("{summary}");
    if let Some(path) = &cli.acked {
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        for id in &t.acked_ids {
            writeln!(file, "{id}")?;
        }
    }
    Ok(())
}
