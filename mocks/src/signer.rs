//! A remote signing service (ký số từ xa) of the kind Vietnamese certificate authorities run: the
//! facility's key stays with the provider, a relying party logs in with its client credentials,
//! submits a SHA-256 hash with the credential's id and gets a transaction id; the key holder
//! confirms (or refuses) on the phone, sometimes minutes later, and the relying party polls the
//! transaction until it is signed, refused or expired. The providers' public documents agree on
//! that shape but not on names: the paths and fields here are **modelled** (mocks/README.md).
//!
//! The mock signs with its own code (`rsa`, PKCS#1 v1.5 over the DigestInfo of the given hash),
//! never hisgate's. What the key holder does is configured and changed at run time: how long they
//! take to confirm, whether they refuse (and why), and when a transaction expires unconfirmed.

use crate::server::{self, Running};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A key the service holds for a customer, under its credential id.
pub struct Credential {
    pub id: String,
    pub key: RsaPrivateKey,
}

impl Credential {
    /// From a PEM private key (PKCS#8 or PKCS#1).
    pub fn from_pem(id: &str, pem: &str) -> anyhow::Result<Self> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem).or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))?;
        Ok(Credential { id: id.to_owned(), key })
    }

    /// The RSA PKCS#1 v1.5 signature of a SHA-256 `hash`, as the service makes it.
    pub fn sign_hash(&self, hash: &[u8]) -> rsa::Result<Vec<u8>> {
        self.key.sign(Pkcs1v15Sign::new::<sha2::Sha256>(), hash)
    }
}

/// What the key holder does with each new transaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Holder {
    /// Milliseconds before the holder answers on the phone.
    pub confirm_after_ms: u64,
    /// When set, the holder refuses, with this reason, instead of confirming.
    pub refuse_reason: Option<String>,
    /// Milliseconds after which an unanswered transaction expires.
    pub expire_after_ms: u64,
}

impl Default for Holder {
    fn default() -> Self {
        Holder { confirm_after_ms: 0, refuse_reason: None, expire_after_ms: 300_000 }
    }
}

pub struct SignerConfig {
    pub client_id: String,
    pub client_secret: String,
    pub credentials: Vec<Credential>,
    pub holder: Holder,
}

struct Transaction {
    credential: String,
    hash: Vec<u8>,
    created: Instant,
    /// The holder's behaviour when the transaction was made.
    holder: Holder,
}

/// A transaction as the admin listing shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransactionView {
    pub transaction_id: String,
    pub credential_id: String,
    pub status: String,
}

pub struct SignerState {
    client_id: String,
    client_secret: String,
    keys: HashMap<String, Credential>,
    holder: Mutex<Holder>,
    tokens: Mutex<HashMap<String, Instant>>,
    transactions: Mutex<Vec<(String, Transaction)>>,
}

/// Access tokens live an hour.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl SignerState {
    /// Every transaction made so far, oldest first, with its status now.
    pub fn transactions(&self) -> Vec<TransactionView> {
        lock(&self.transactions)
            .iter()
            .map(|(id, t)| TransactionView {
                transaction_id: id.clone(),
                credential_id: t.credential.clone(),
                status: status_of(t).0.to_owned(),
            })
            .collect()
    }

    /// What the holder does with transactions made from now on.
    pub fn set_holder(&self, holder: Holder) {
        *lock(&self.holder) = holder;
    }

    fn authorised(&self, req: &HttpRequest) -> bool {
        let token =
            req.headers().get("Authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        token.is_some_and(|t| lock(&self.tokens).get(t).is_some_and(|expiry| *expiry > Instant::now()))
    }
}

/// A transaction's status now and, when refused, why.
fn status_of(t: &Transaction) -> (&'static str, Option<&str>) {
    let age = t.created.elapsed();
    let (confirm, expire) =
        (Duration::from_millis(t.holder.confirm_after_ms), Duration::from_millis(t.holder.expire_after_ms));
    if age >= confirm && confirm < expire {
        match &t.holder.refuse_reason {
            Some(reason) => ("refused", Some(reason)),
            None => ("signed", None),
        }
    } else if age >= expire {
        ("expired", None)
    } else {
        ("pending", None)
    }
}

fn error(status: actix_web::http::StatusCode, code: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": code, "error_description": description }))
}

#[derive(Deserialize)]
struct Login {
    client_id: String,
    client_secret: String,
}

#[post("/api/v1/auth/login")]
async fn login(state: web::Data<SignerState>, body: web::Json<Login>) -> HttpResponse {
    if body.client_id != state.client_id || body.client_secret != state.client_secret {
        return error(actix_web::http::StatusCode::UNAUTHORIZED, "invalid_client", "sai client_id hoặc client_secret");
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    lock(&state.tokens).insert(token.clone(), Instant::now() + TOKEN_LIFETIME);
    HttpResponse::Ok().json(json!({
        "access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME.as_secs()
    }))
}

#[derive(Deserialize)]
struct SignHash {
    credential_id: String,
    hash_algorithm: String,
    hash: String,
}

#[post("/api/v1/signatures/sign-hash")]
async fn sign_hash(req: HttpRequest, state: web::Data<SignerState>, body: web::Json<SignHash>) -> HttpResponse {
    use actix_web::http::StatusCode;
    if !state.authorised(&req) {
        return error(StatusCode::UNAUTHORIZED, "invalid_token", "access token không hợp lệ hoặc đã hết hạn");
    }
    if !state.keys.contains_key(&body.credential_id) {
        return error(StatusCode::NOT_FOUND, "credential_not_found", "không có chứng thư số với credential_id này");
    }
    let hash = match STANDARD.decode(&body.hash) {
        Ok(h) if body.hash_algorithm == "SHA-256" && h.len() == 32 => h,
        _ => return error(StatusCode::BAD_REQUEST, "invalid_hash", "hash phải là SHA-256 (32 byte, base64)"),
    };
    let holder = lock(&state.holder).clone();
    let expires_in = holder.expire_after_ms / 1000;
    let id = uuid::Uuid::new_v4().to_string();
    let transaction = Transaction { credential: body.credential_id.clone(), hash, created: Instant::now(), holder };
    lock(&state.transactions).push((id.clone(), transaction));
    HttpResponse::Accepted().json(json!({ "transaction_id": id, "status": "pending", "expires_in": expires_in }))
}

#[get("/api/v1/signatures/{transaction_id}")]
async fn get_transaction(req: HttpRequest, state: web::Data<SignerState>, id: web::Path<String>) -> HttpResponse {
    use actix_web::http::StatusCode;
    if !state.authorised(&req) {
        return error(StatusCode::UNAUTHORIZED, "invalid_token", "access token không hợp lệ hoặc đã hết hạn");
    }
    let transactions = lock(&state.transactions);
    let Some((_, t)) = transactions.iter().find(|(t, _)| *t == *id) else {
        return error(StatusCode::NOT_FOUND, "transaction_not_found", "không có giao dịch này");
    };
    let (status, reason) = status_of(t);
    let mut answer = json!({ "transaction_id": *id, "status": status });
    match status {
        "signed" => match state.keys[&t.credential].sign_hash(&t.hash) {
            Ok(signature) => answer["signature"] = json!(STANDARD.encode(signature)),
            Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "sign_failed", &e.to_string()),
        },
        "refused" => answer["reason"] = json!(reason),
        _ => {}
    }
    HttpResponse::Ok().json(answer)
}

#[put("/_admin/holder")]
async fn put_holder(state: web::Data<SignerState>, body: web::Json<Holder>) -> HttpResponse {
    state.set_holder(body.into_inner());
    HttpResponse::NoContent().finish()
}

#[get("/_admin/transactions")]
async fn list_transactions(state: web::Data<SignerState>) -> HttpResponse {
    HttpResponse::Ok().json(state.transactions())
}

fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login).service(sign_hash).service(get_transaction).service(put_holder).service(list_transactions);
}

pub struct SignerMock {
    pub server: Running,
    pub state: web::Data<SignerState>,
}

pub fn start(config: SignerConfig, bind: &str) -> std::io::Result<SignerMock> {
    let state = web::Data::new(SignerState {
        client_id: config.client_id,
        client_secret: config.client_secret,
        keys: config.credentials.into_iter().map(|c| (c.id.clone(), c)).collect(),
        holder: Mutex::new(config.holder),
        tokens: Mutex::new(HashMap::new()),
        transactions: Mutex::new(Vec::new()),
    });
    let server = server::serve(state.clone(), configure, bind)?;
    Ok(SignerMock { server, state })
}
