//! Mock of the Ministry of Health health-data portal (HOC receiver, BHXH-API.md §6): a Keycloak-style
//! password-grant token, the XML0 check-in and `GIAMDINHHS` receivers (raw XML, answering
//! `{code, message, result}`), and a FHIR R4 endpoint for transaction Bundles.

use crate::dossier;
use crate::faults::{FaultConfig, Faults};
use crate::server::{self, Running, may_act_for};
use crate::tokens::{TokenError, TokenStore};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone)]
pub struct MohConfig {
    pub client_id: String,
    /// Accounts `<MA_CSKCB>_BV` / `<province>_SYT` log in with this password.
    pub shared_password: String,
    pub token_ttl_seconds: i64,
    pub faults: FaultConfig,
}

impl Default for MohConfig {
    fn default() -> Self {
        MohConfig {
            client_id: "hisgate".to_owned(),
            shared_password: "hisgate-demo".to_owned(),
            token_ttl_seconds: 300,
            faults: FaultConfig::default(),
        }
    }
}

/// Deliveries per MA_LK, by channel.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Deliveries {
    pub received: u32,
    pub duplicates: u32,
    pub versions: u32,
    #[serde(skip)]
    contents: HashSet<String>,
}

impl Deliveries {
    fn record(&mut self, content_sha256: &str) {
        self.received += 1;
        if self.contents.insert(content_sha256.to_owned()) {
            self.versions += 1;
        } else {
            self.duplicates += 1;
        }
    }
}

pub struct MohState {
    config: MohConfig,
    pub faults: Faults,
    pub tokens: TokenStore,
    dossiers: Mutex<BTreeMap<String, Deliveries>>,
    bundles: Mutex<BTreeMap<String, Deliveries>>,
    check_ins: AtomicU64,
    sequence: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A refusal of the HOC receiver: HTTP status and message.
struct Failure(u16, String);

impl Failure {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Failure(status, message.into())
    }

    fn respond(self) -> HttpResponse {
        answer(self.0, &self.1)
    }
}

fn answer(status: u16, message: &str) -> HttpResponse {
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::BAD_REQUEST),
    )
    .json(json!({ "code": status, "message": message, "result": Value::Null }))
}

impl MohState {
    pub fn new(config: MohConfig) -> Self {
        MohState {
            faults: Faults::new(config.faults.clone()),
            tokens: TokenStore::new(config.token_ttl_seconds),
            config,
            dossiers: Mutex::new(BTreeMap::new()),
            bundles: Mutex::new(BTreeMap::new()),
            check_ins: AtomicU64::new(0),
            sequence: AtomicU64::new(0),
        }
    }

    pub fn dossier(&self, ma_lk: &str) -> Option<Deliveries> {
        lock(&self.dossiers).get(ma_lk).cloned()
    }

    pub fn bundle(&self, ma_lk: &str) -> Option<Deliveries> {
        lock(&self.bundles).get(ma_lk).cloned()
    }

    pub fn check_ins(&self) -> u64 {
        self.check_ins.load(Ordering::Relaxed)
    }

    fn next_id(&self) -> String {
        format!("HOC{:010}", self.sequence.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// Bearer token and the facility headers `tinh`/`csyt`: returns the facility.
    fn authorise(&self, req: &HttpRequest) -> Result<String, Failure> {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let token = header("authorization")
            .and_then(|h| h.strip_prefix("Bearer ").map(str::to_owned))
            .ok_or_else(|| Failure::new(401, "Thiếu Authorization: Bearer"))?;
        let session = self.tokens.check(&token, None).map_err(|e| match e {
            TokenError::Expired => Failure::new(401, "Token đã hết hạn"),
            TokenError::Unknown => Failure::new(401, "Token không hợp lệ"),
        })?;
        let facility = header("csyt").ok_or_else(|| Failure::new(400, "Thiếu header csyt"))?;
        if header("tinh").as_deref() != facility.get(..2) {
            return Err(Failure::new(400, "Header tinh phải là mã tỉnh của csyt"));
        }
        if !may_act_for(&session.username, &facility) {
            return Err(Failure::new(
                403,
                format!("Tài khoản {} không được gửi dữ liệu của {facility}", session.username),
            ));
        }
        Ok(facility)
    }
}

async fn token(state: web::Data<MohState>, body: web::Bytes) -> HttpResponse {
    if let Some(r) = state.faults.intercept().await {
        return r;
    }
    let Some(f) = crate::form::parse(&body) else {
        return HttpResponse::BadRequest().json(json!({ "error": "invalid_request" }));
    };
    if f.get("grant_type").map(String::as_str) != Some("password") {
        return HttpResponse::BadRequest().json(json!({ "error": "unsupported_grant_type" }));
    }
    if f.get("client_id") != Some(&state.config.client_id) {
        return HttpResponse::Unauthorized().json(json!({ "error": "invalid_client" }));
    }
    let username = f.get("username").cloned().unwrap_or_default();
    let shaped = username.strip_suffix("_BV").is_some_and(|c| c.len() == 5)
        || username.strip_suffix("_SYT").is_some_and(|p| p.len() == 2);
    if !shaped || f.get("password") != Some(&state.config.shared_password) {
        return HttpResponse::Unauthorized()
            .json(json!({ "error": "invalid_grant", "error_description": "Invalid user credentials" }));
    }
    let (access, _) = state.tokens.issue(&username);
    HttpResponse::Ok()
        .json(json!({ "access_token": access, "expires_in": state.config.token_ttl_seconds, "token_type": "Bearer" }))
}

async fn check_in(req: HttpRequest, state: web::Data<MohState>, body: web::Bytes) -> HttpResponse {
    if let Some(r) = state.faults.intercept().await {
        return r;
    }
    let facility = match state.authorise(&req) {
        Ok(f) => f,
        Err(f) => return f.respond(),
    };
    match dossier::read_check_in(&body, &facility) {
        Ok(items) => {
            state.check_ins.fetch_add(items.len() as u64, Ordering::Relaxed);
            HttpResponse::Ok().json(json!({ "code": 200, "message": "success", "result": state.next_id() }))
        }
        Err(r) => answer(400, &r.message),
    }
}

async fn dossier_xml(req: HttpRequest, state: web::Data<MohState>, body: web::Bytes) -> HttpResponse {
    if let Some(r) = state.faults.intercept().await {
        return r;
    }
    let facility = match state.authorise(&req) {
        Ok(f) => f,
        Err(f) => return f.respond(),
    };
    // The HOC receiver takes QĐ 3176 data (REGULATORY-2026.md §5).
    match dossier::read_dossier(&body, &facility, dossier::Amendment::Qd3176) {
        Ok(d) => {
            {
                let mut dossiers = lock(&state.dossiers);
                for r in &d.records {
                    dossiers.entry(r.ma_lk.clone()).or_default().record(&r.content_sha256);
                }
            }
            if let Some(r) = state.faults.lose_reply().await {
                return r;
            }
            HttpResponse::Ok().json(json!({ "code": 200, "message": "success", "result": state.next_id() }))
        }
        Err(r) => answer(400, &r.message),
    }
}

fn outcome(code: &str, diagnostics: &str) -> HttpResponse {
    HttpResponse::BadRequest().content_type("application/fhir+json").json(json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": "error", "code": code, "diagnostics": diagnostics }]
    }))
}

/// Checks a transaction Bundle the way a strict receiver would, returning the MA_LK (the Claim's
/// identifier) and the response entries.
fn check_bundle(bundle: &Value) -> Result<(String, Vec<Value>), (&'static str, String)> {
    if bundle["resourceType"] != "Bundle" {
        return Err(("structure", "resourceType phải là Bundle".into()));
    }
    if bundle["type"] != "transaction" {
        return Err(("value", "Bundle.type phải là transaction".into()));
    }
    let entries =
        bundle["entry"].as_array().filter(|e| !e.is_empty()).ok_or(("required", "Bundle.entry trống".to_owned()))?;
    let full_urls: HashSet<&str> = entries.iter().filter_map(|e| e["fullUrl"].as_str()).collect();
    let mut ma_lk = None;
    let mut responses = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let kind = e["resource"]["resourceType"]
            .as_str()
            .ok_or(("structure", format!("entry[{i}] thiếu resource.resourceType")))?;
        let method = e["request"]["method"].as_str().ok_or(("required", format!("entry[{i}] thiếu request.method")))?;
        if !matches!(method, "POST" | "PUT") || e["request"]["url"].as_str().is_none() {
            return Err(("required", format!("entry[{i}].request phải có method POST/PUT và url")));
        }
        if kind == "Claim" {
            let patient =
                e["resource"]["patient"]["reference"].as_str().ok_or(("required", "Claim.patient thiếu".to_owned()))?;
            if !full_urls.contains(patient) {
                return Err(("not-found", format!("Claim.patient {patient} không có trong Bundle")));
            }
            ma_lk = e["resource"]["identifier"][0]["value"].as_str().map(str::to_owned);
        }
        responses.push(json!({ "response": { "status": "201 Created", "location": format!("{kind}/{}/_history/1", uuid::Uuid::new_v4()) } }));
    }
    let ma_lk = ma_lk.ok_or(("required", "Bundle phải có một Claim với identifier (MA_LK)".to_owned()))?;
    Ok((ma_lk, responses))
}

async fn fhir(req: HttpRequest, state: web::Data<MohState>, body: web::Bytes) -> HttpResponse {
    if let Some(r) = state.faults.intercept().await {
        return r;
    }
    if let Err(f) = state.authorise(&req) {
        return f.respond();
    }
    let Ok(bundle) = serde_json::from_slice::<Value>(&body) else {
        return outcome("structure", "nội dung không phải JSON");
    };
    match check_bundle(&bundle) {
        Ok((ma_lk, entries)) => {
            let digest = hex::encode(Sha256::digest(&body));
            lock(&state.bundles).entry(ma_lk).or_default().record(&digest);
            HttpResponse::Ok()
                .content_type("application/fhir+json")
                .json(json!({ "resourceType": "Bundle", "type": "transaction-response", "entry": entries }))
        }
        Err((code, message)) => outcome(code, &message),
    }
}

async fn admin_state(state: web::Data<MohState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "dossiers": *lock(&state.dossiers),
        "bundles": *lock(&state.bundles),
        "check_ins": state.check_ins(),
        "faults": state.faults.stats(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/realms/hsskv3/protocol/openid-connect/token", web::post().to(token))
        .route("/hoc-receiver/api/receiver/hoc-130-ck/checkin", web::post().to(check_in))
        .route("/hoc-receiver/api/receiver/hoc-130/khamchuabenh130", web::post().to(dossier_xml))
        .route("/fhir/r4", web::post().to(fhir))
        .route("/_admin/state", web::get().to(admin_state));
    crate::admin::configure::<MohState>(cfg);
}

impl crate::admin::Controlled for MohState {
    fn faults(&self) -> &Faults {
        &self.faults
    }
    fn tokens(&self) -> &TokenStore {
        &self.tokens
    }
}

pub struct MohMock {
    pub server: Running,
    pub state: web::Data<MohState>,
}

impl MohMock {
    pub fn url(&self) -> &str {
        &self.server.url
    }
}

/// Starts the mock on `bind` (`127.0.0.1:0` for a free port) on the current runtime.
pub fn start(config: MohConfig, bind: &str) -> std::io::Result<MohMock> {
    let state = web::Data::new(MohState::new(config));
    let server = server::serve(state.clone(), configure, bind)?;
    Ok(MohMock { server, state })
}
