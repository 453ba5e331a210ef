//! The BHXH-compatible front door: `/bhxh` answers the BHXH portal's own protocol
//! (`../shared/reference/BHXH-API.md`), so a HIS that already sends to the portal repoints one base
//! URL to `https://<gateway>/bhxh`. It logs in with `token/take`, sends check-ins and dossiers to
//! the `qd130` endpoints, reads a submission's errors with `nhanChiTietLoiHS` and looks cards up
//! with `KQNhanLichSuKCB2024`; each runs the same ingest as `/api/v1/checkins` and
//! `/api/v1/dossiers`, or the same eligibility service as `/api/v1/eligibility`.
//!
//! As the portal does (and as the mocks model it), every answer is HTTP 200 with a JSON body whose
//! `maKetQua` says what happened: `200` received, `401` not authenticated, `403` not this
//! account's facility, `205` a parameter of the wrong form, `123` a file of the wrong format.
//! Content errors do not refuse the submission: it is received (`200`, with its `maGiaoDich`) and
//! its errors are listed by `nhanChiTietLoiHS`.

mod answers;
mod cards;
mod submissions;

use crate::auth::Gate;
use crate::auth::accounts::{self, Caller};
use crate::config::Settings;
use crate::http::read_body;
use actix_web::{HttpRequest, HttpResponse, post, web};
use answers::{Code, Refusal, TokenAnswer, malformed, server_error};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::UtoipaApp;

pub fn routes<T: crate::http::AppFactory>(app: UtoipaApp<T>) -> UtoipaApp<T> {
    app.service(token_take)
        .service(submissions::check_in_4750)
        .service(submissions::check_in_3176)
        .service(submissions::dossier_4750)
        .service(submissions::dossier_3176)
        .service(submissions::error_list)
        .service(cards::card_lookup)
}

/// The form of `token/take`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenForm {
    username: Option<String>,
    /// The MD5 of the account's password, in hex (either case).
    password: Option<String>,
}

/// Reads a form (`application/x-www-form-urlencoded`, as documented) within the body limit, or the
/// same fields as a JSON object, which some of the portal's clients post (BHXH-API.md §2: whether
/// the portal takes it is not settled, so it is taken); `205` when it is neither.
async fn read_form<F: serde::de::DeserializeOwned>(payload: web::Payload, settings: &Settings) -> Result<F, Refusal> {
    let body = read_body(payload, settings.max_body_bytes).await.map_err(Refusal::Http)?;
    form_or_json(&body)
}

fn form_or_json<F: serde::de::DeserializeOwned>(body: &[u8]) -> Result<F, Refusal> {
    serde_json::from_slice(body).or_else(|_| serde_urlencoded::from_bytes(body)).map_err(|_| malformed())
}

/// Logs in as the portal's `token/take` does: form `username` and `password` (the MD5 of the
/// password, hex, either case).
#[utoipa::path(
    tag = "bhxh",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "`maKetQua` 200 with the tokens, or 401 (wrong account or password), 205 (a field missing); a client locked out for failing too often gets 401 until its period ends", body = TokenAnswer)),
    description = "The BHXH portal's login (BHXH-API.md §2). `expires_in` is a UTC date-time, as the portal documents it; the session's length is `HISGATE_FRONT_DOOR_SESSION_MINUTES`, since the portal's own is not published."
)]
#[post("/bhxh/api/token/take")]
async fn token_take(
    req: HttpRequest,
    payload: web::Payload,
    gate: web::Data<Gate>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    log_in(&req, payload, &gate, &settings).await.unwrap_or_else(Refusal::answer)
}

async fn log_in(
    req: &HttpRequest,
    payload: web::Payload,
    gate: &Gate,
    settings: &Settings,
) -> Result<HttpResponse, Refusal> {
    let form: TokenForm = read_form(payload, settings).await?;
    let (Some(username), Some(password)) = (form.username, form.password) else {
        return Err(Refusal::new(Code::BadParameter, "Thiếu username hoặc password"));
    };
    let refused = || Refusal::new(Code::Unauthenticated, "Lỗi xác thực tài khoản");
    let client = gate.client_address(req);
    if gate.failures.locked_for(client, Some(&username)).is_some() {
        return Err(refused());
    }
    let lifetime_ms = i64::from(settings.front_door_session_minutes) * 60_000;
    let session = accounts::log_in(&gate.db, &username, &password, lifetime_ms)
        .await
        .map_err(|e| server_error("a login could not be checked", &e))?;
    match session {
        Some(session) => {
            gate.failures.succeeded(client, &username);
            Ok(HttpResponse::Ok().json(TokenAnswer::granted(session)))
        }
        None => {
            gate.record_failure(client, Some(username), "bhxh").await;
            Err(refused())
        }
    }
}

/// The caller of a `qd130` call: its session headers (`accessToken`, `tokenId`, `passwordHash`)
/// and the form's `username`, which must be the session's.
async fn caller(req: &HttpRequest, gate: &Gate, username: Option<&str>) -> Result<Caller, Refusal> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    accounts_caller(gate, (header("accessToken"), header("tokenId"), header("passwordHash")), username).await
}

/// The account whose live session the access token, id token and password MD5 are; `username`,
/// when given, must be its name.
async fn accounts_caller(
    gate: &Gate,
    (access_token, id_token, md5): (&str, &str, &str),
    username: Option<&str>,
) -> Result<Caller, Refusal> {
    let found = accounts::session_caller(&gate.db, access_token, id_token, md5)
        .await
        .map_err(|e| server_error("a session could not be checked", &e))?;
    match found {
        Some(caller) if username.is_none_or(|u| u == caller.username) => Ok(caller),
        _ => Err(unauthenticated()),
    }
}

/// The portal's credentials in the query string of its `egw` calls (BHXH-API.md §1).
#[derive(Debug, Deserialize)]
struct QueryCredentials {
    #[serde(default)]
    token: String,
    #[serde(default)]
    id_token: String,
    #[serde(default)]
    username: String,
    /// The MD5 of the password.
    #[serde(default)]
    password: String,
}

/// The caller of an `egw` call.
async fn query_caller(req: &HttpRequest, gate: &Gate) -> Result<Caller, Refusal> {
    let c = serde_urlencoded::from_str::<QueryCredentials>(req.query_string()).map_err(|_| malformed())?;
    accounts_caller(gate, (&c.token, &c.id_token, &c.password), Some(&c.username)).await
}

fn unauthenticated() -> Refusal {
    Refusal::new(Code::Unauthenticated, "Lỗi xác thực: token không hợp lệ hoặc đã hết hạn")
}
