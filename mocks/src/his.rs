//! A hospital's HIS taking hisgate's callbacks, as a HIS vendor would write it from the gateway's
//! docs/WEBHOOKS.md alone: `POST /callbacks` checks the signature (HMAC-SHA256, keyed with the
//! facility's secret, of `<X-Hisgate-Timestamp>.<body>`) and the timestamp's age with its own code,
//! keeps every callback it took (repeats too, as a HIS would see them) and answers `200`; a bad
//! or missing signature gets `401`. Faults (5xx, hangs, outages, an answer lost after the
//! callback was kept) come from the shared injector. `GET /callbacks` lists what arrived.

use crate::faults::{FaultConfig, Faults};
use crate::server::{self, Running};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Oldest timestamp taken, in seconds: a callback captured and posted again later is refused.
const TIMESTAMP_TOLERANCE_SECONDS: i64 = 300;

/// One callback the HIS took.
#[derive(Debug, Clone, Serialize)]
pub struct Callback {
    pub event_id: String,
    pub event: String,
    pub body: serde_json::Value,
}

pub struct HisState {
    secret: Mutex<Option<String>>,
    taken: Mutex<Vec<Callback>>,
    refused: AtomicU64,
    pub faults: Faults,
}

impl HisState {
    /// The secret hisgate showed when the endpoint was set.
    pub fn set_secret(&self, secret: &str) {
        *lock(&self.secret) = Some(secret.to_owned());
    }

    /// Every callback taken, repeats included, in the order they came.
    pub fn callbacks(&self) -> Vec<Callback> {
        lock(&self.taken).clone()
    }

    /// Callbacks refused for their signature or timestamp.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

pub struct HisMock {
    pub server: Running,
    pub state: web::Data<HisState>,
}

impl HisMock {
    /// The URL to register with hisgate.
    pub fn callback_url(&self) -> String {
        format!("{}/callbacks", self.server.url)
    }
}

pub fn start(faults: FaultConfig, bind: &str) -> std::io::Result<HisMock> {
    let state = web::Data::new(HisState {
        secret: Mutex::new(None),
        taken: Mutex::new(Vec::new()),
        refused: AtomicU64::new(0),
        faults: Faults::new(faults),
    });
    let server = server::serve(state.clone(), configure, bind)?;
    Ok(HisMock { server, state })
}

fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(take_callback).service(list_callbacks);
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Whether `signature` (`v1=<hex>`) is the HMAC of `<timestamp>.<body>` under `secret`.
fn signed(secret: &str, timestamp: &str, body: &[u8], signature: &str) -> bool {
    let Some(Ok(given)) = signature.strip_prefix("v1=").map(hex::decode) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

fn fresh(timestamp: &str) -> bool {
    timestamp.parse::<i64>().is_ok_and(|t| (chrono::Utc::now().timestamp() - t).abs() <= TIMESTAMP_TOLERANCE_SECONDS)
}

#[post("/callbacks")]
async fn take_callback(state: web::Data<HisState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    if let Some(fault) = state.faults.intercept().await {
        return fault;
    }
    let secret = lock(&state.secret).clone();
    let timestamp = header(&req, "X-Hisgate-Timestamp").unwrap_or_default();
    let verified = secret.is_some_and(|secret| {
        signed(&secret, timestamp, &body, header(&req, "X-Hisgate-Signature").unwrap_or_default())
    });
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let (Some(parsed), true, true) = (parsed, verified, fresh(timestamp)) else {
        state.refused.fetch_add(1, Ordering::Relaxed);
        return HttpResponse::Unauthorized().json(serde_json::json!({ "error": "signature or timestamp not valid" }));
    };
    let event_id = parsed["event_id"].as_str().unwrap_or_default().to_owned();
    if header(&req, "X-Hisgate-Event-Id") != Some(event_id.as_str()) {
        state.refused.fetch_add(1, Ordering::Relaxed);
        return HttpResponse::BadRequest()
            .json(serde_json::json!({ "error": "the event id header is not the body's" }));
    }
    let event = parsed["event"].as_str().unwrap_or_default().to_owned();
    lock(&state.taken).push(Callback { event_id, event, body: parsed });
    if let Some(lost) = state.faults.lose_reply().await {
        return lost;
    }
    HttpResponse::Ok().json(serde_json::json!({ "ok": true }))
}

#[get("/callbacks")]
async fn list_callbacks(state: web::Data<HisState>) -> HttpResponse {
    HttpResponse::Ok().json(state.callbacks())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
