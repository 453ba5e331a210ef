//! Fault injection shared by both mocks: latency, 5xx errors, hangs, 429 rate limiting and outage
//! windows. Decisions come from a seeded RNG, so a run with the same seed and the same order of
//! requests sees the same faults.

use actix_web::HttpResponse;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Added latency, uniform between the two bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latency {
    pub min_ms: u64,
    pub max_ms: u64,
}

/// A period, in milliseconds since the mock started, during which every portal call gets 503.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutageWindow {
    pub start_ms: u64,
    pub end_ms: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    pub seed: u64,
    pub latency: Option<Latency>,
    /// Share of calls answered `500` (0.0–1.0).
    pub error_rate: f64,
    /// Share of calls that hang for `hang_ms` and then get `504`.
    pub hang_rate: f64,
    pub hang_ms: u64,
    /// Share of accepted submissions whose answer is lost: the portal keeps the file, then the
    /// caller waits `hang_ms` and gets `504` (a timeout after processing).
    pub lost_reply_rate: f64,
    /// Calls allowed per second; the rest get `429` with `Retry-After`.
    pub rate_limit_per_second: Option<u32>,
    pub outages: Vec<OutageWindow>,
}

/// How many faults were injected, by kind.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FaultStats {
    pub requests: u64,
    pub errors: u64,
    pub hangs: u64,
    pub rate_limited: u64,
    pub outage_refusals: u64,
    pub delayed: u64,
    pub lost_replies: u64,
}

pub struct Faults {
    config: Mutex<FaultConfig>,
    rng: Mutex<ChaCha8Rng>,
    started: Instant,
    /// (second since start, calls in that second).
    window: Mutex<(u64, u32)>,
    requests: AtomicU64,
    errors: AtomicU64,
    hangs: AtomicU64,
    rate_limited: AtomicU64,
    outage_refusals: AtomicU64,
    delayed: AtomicU64,
    lost_replies: AtomicU64,
}

enum Decision {
    Pass,
    Outage,
    RateLimited,
    Error,
    Hang(u64),
}

impl Faults {
    pub fn new(config: FaultConfig) -> Self {
        Faults {
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(config.seed)),
            config: Mutex::new(config),
            started: Instant::now(),
            window: Mutex::new((0, 0)),
            requests: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            hangs: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            outage_refusals: AtomicU64::new(0),
            delayed: AtomicU64::new(0),
            lost_replies: AtomicU64::new(0),
        }
    }

    pub fn config(&self) -> FaultConfig {
        lock(&self.config).clone()
    }

    /// Replaces the configuration; a new seed restarts the random sequence.
    pub fn set_config(&self, config: FaultConfig) {
        *lock(&self.rng) = ChaCha8Rng::seed_from_u64(config.seed);
        *lock(&self.config) = config;
    }

    /// Starts an outage now, for `duration_ms`.
    pub fn outage_now(&self, duration_ms: u64) {
        let now = self.elapsed_ms();
        lock(&self.config).outages.push(OutageWindow { start_ms: now, end_ms: now + duration_ms });
    }

    pub fn stats(&self) -> FaultStats {
        FaultStats {
            requests: self.requests.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            hangs: self.hangs.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            outage_refusals: self.outage_refusals.load(Ordering::Relaxed),
            delayed: self.delayed.load(Ordering::Relaxed),
            lost_replies: self.lost_replies.load(Ordering::Relaxed),
        }
    }

    fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn decide(&self) -> (Decision, u64) {
        let config = lock(&self.config).clone();
        let now = self.elapsed_ms();
        let mut rng = lock(&self.rng);
        let delay = config.latency.map_or(0, |l| rng.random_range(l.min_ms..=l.max_ms.max(l.min_ms)));
        if config.outages.iter().any(|w| w.start_ms <= now && now < w.end_ms) {
            return (Decision::Outage, delay);
        }
        if let Some(limit) = config.rate_limit_per_second {
            let mut window = lock(&self.window);
            let second = now / 1000;
            if window.0 != second {
                *window = (second, 0);
            }
            window.1 += 1;
            if window.1 > limit {
                return (Decision::RateLimited, delay);
            }
        }
        let draw: f64 = rng.random();
        let decision = if draw < config.error_rate {
            Decision::Error
        } else if draw < config.error_rate + config.hang_rate {
            Decision::Hang(config.hang_ms)
        } else {
            Decision::Pass
        };
        (decision, delay)
    }

    /// Called first by every portal endpoint: `Some(response)` when a fault answers instead.
    pub async fn intercept(&self) -> Option<HttpResponse> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let (decision, delay) = self.decide();
        if delay > 0 {
            self.delayed.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        match decision {
            Decision::Pass => None,
            Decision::Outage => {
                self.outage_refusals.fetch_add(1, Ordering::Relaxed);
                Some(HttpResponse::ServiceUnavailable().json(
                    serde_json::json!({ "maKetQua": "503", "thongDiep": "Hệ thống đang bảo trì (injected outage)" }),
                ))
            }
            Decision::RateLimited => {
                self.rate_limited.fetch_add(1, Ordering::Relaxed);
                Some(HttpResponse::TooManyRequests().insert_header(("Retry-After", "1")).json(
                    serde_json::json!({ "maKetQua": "429", "thongDiep": "Quá nhiều yêu cầu (injected rate limit)" }),
                ))
            }
            Decision::Error => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                Some(
                    HttpResponse::InternalServerError()
                        .json(serde_json::json!({ "maKetQua": "500", "thongDiep": "Lỗi hệ thống (injected)" })),
                )
            }
            Decision::Hang(ms) => {
                self.hangs.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Some(
                    HttpResponse::GatewayTimeout().json(
                        serde_json::json!({ "maKetQua": "504", "thongDiep": "Hết thời gian chờ (injected hang)" }),
                    ),
                )
            }
        }
    }
}

impl Faults {
    /// Called by a submission endpoint after it kept the file: `Some(response)` when the answer
    /// is to be lost.
    pub async fn lose_reply(&self) -> Option<HttpResponse> {
        let (rate, hang_ms) = {
            let config = lock(&self.config);
            (config.lost_reply_rate, config.hang_ms)
        };
        if rate <= 0.0 || lock(&self.rng).random::<f64>() >= rate {
            return None;
        }
        self.lost_replies.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(hang_ms)).await;
        Some(
            HttpResponse::GatewayTimeout()
                .json(serde_json::json!({ "maKetQua": "504", "thongDiep": "Hết thời gian chờ (injected lost reply)" })),
        )
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
