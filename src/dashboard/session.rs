//! Signing in to the dashboard with an API key, and out again; and what protects the dashboard's
//! forms from cross-site posts: the `Origin` (or `Referer`) must be the dashboard's own host, and a
//! token must come back with the form. The sign-in form's token is also set as a cookie (no session
//! exists yet: the two must match); a signed-in form's token is derived from the session cookie,
//! which another site can neither read nor send (SameSite=Strict).

use super::html::{self, Lang, escape};
use super::{DashboardError, with_security_headers};
use crate::auth::{Gate, Principal, authenticate};
use crate::config::Settings;
use crate::digest::{random_hex, sha256_hex};
use crate::store::{Db, StoreError, audit, now_ms, sessions};
use crate::vocabulary::Role;
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

/// The session cookie's name.
pub const COOKIE: &str = "hisgate_dashboard";
/// The sign-in form's token, as a cookie.
const LOGIN_COOKIE: &str = "hisgate_login";

/// The token a signed-in page's forms carry: a digest of the session cookie, so nothing is stored
/// and a page of another session cannot be replayed.
#[derive(Debug, Clone)]
pub struct FormToken(String);

impl FormToken {
    pub fn of_session(session_token: &str) -> Self {
        FormToken(sha256_hex(format!("form:{session_token}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `given`, posted with the session cookie `session_token`, is its token.
    pub fn matches(session_token: &str, given: &str) -> bool {
        crate::digest::digests_equal(Self::of_session(session_token).as_str(), given)
    }
}

/// Whether a post comes from the dashboard's own pages: its `Origin` (or, without one, its
/// `Referer`) names the host the request was sent to — the `Host` header, or behind a trusted
/// proxy the host it forwarded for. A client that sends neither (not a browser) is left to the
/// token.
pub fn same_origin(req: &HttpRequest, trusted_proxies: &[std::net::IpAddr]) -> bool {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let Some(claimed) = header(header::ORIGIN).or_else(|| header(header::REFERER)) else {
        return true;
    };
    let served = crate::http::client_host(req, trusted_proxies);
    let host = |url: &str| url.split_once("://").map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_owned());
    host(claimed).is_some_and(|h| Some(h) == served)
}

/// The sign-in form with a fresh token, set as its cookie too.
pub(super) fn login_page(
    status: actix_web::http::StatusCode,
    lang: Lang,
    next: &str,
    error: Option<&str>,
) -> HttpResponse {
    let token = random_hex(16);
    let cookie = Cookie::build(LOGIN_COOKIE, token.clone())
        .path("/dashboard/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(Duration::hours(1))
        .finish();
    with_security_headers(HttpResponse::build(status))
        .cookie(cookie)
        .content_type("text/html; charset=utf-8")
        .body(form(lang, next, error, &token))
}
/// A working day: a session signed in at the start of one ends before the next.
const SESSION_HOURS: i64 = 10;

/// The principal of a session cookie's token, if the session and its key are still valid.
pub async fn principal(db: &Db, token: &str) -> Result<Option<Principal>, StoreError> {
    let hash = sha256_hex(token);
    let key = db.read(move |c| sessions::find(c, &hash)).await?;
    Ok(key.and_then(Principal::of_key))
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    key: String,
    next: Option<String>,
    lang: Option<String>,
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// Only pages of the dashboard itself are followed after sign-in (no open redirect), and only
/// by a path a `Location` header can carry (no control character: CR/LF would split the header).
pub(super) fn safe_next(next: Option<&str>) -> String {
    let page = |n: &str| {
        n.starts_with("/dashboard")
            && !n.starts_with("/dashboard/login")
            && !n.contains("//")
            && !n.contains('\\')
            && !n.chars().any(char::is_control)
    };
    match next {
        Some(n) if page(n) => n.to_owned(),
        _ => "/dashboard".to_owned(),
    }
}

fn form(lang: Lang, next: &str, error: Option<&str>, token: &str) -> String {
    let error = error.map(|e| format!("<p class=\"error\" id=\"login-error\">{}</p>\n", escape(e))).unwrap_or_default();
    html::bare_page(
        lang,
        lang.t("Đăng nhập bảng theo dõi", "Sign in to the dashboard"),
        &format!(
            "{error}<form method=\"post\" action=\"/dashboard/login\">\n\
<p><label for=\"key\">{label}</label><br>\n\
<input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"current-password\" required size=\"40\"></p>\n\
<input type=\"hidden\" name=\"next\" value=\"{next}\">\n<input type=\"hidden\" name=\"lang\" value=\"{code}\">\n\
<input type=\"hidden\" name=\"csrf\" value=\"{token}\">\n\
<p><button id=\"sign-in\" type=\"submit\">{button}</button></p>\n</form>\n<p>{hint}</p>\n",
            label = lang.t("Khóa API (vai trò doh, admin hoặc facility)", "API key (role doh, admin or facility)"),
            next = escape(next),
            token = escape(token),
            code = lang.code(),
            button = lang.t("Đăng nhập", "Sign in"),
            hint = lang.t(
                "Quản trị viên tạo khóa bằng lệnh hisgate keys create --role doh (Sở Y tế) hoặc --role facility --facility MÃ_CSKCB (cơ sở KCB, chỉ xem việc cần xử lý của cơ sở).",
                "An administrator creates keys with hisgate keys create --role doh (Department of Health) or --role facility --facility CODE (a facility: its own worklist only)."
            ),
        ),
    )
}

pub async fn login_form(query: web::Query<LoginQuery>) -> HttpResponse {
    let lang = Lang::parse(query.lang.as_deref());
    login_page(actix_web::http::StatusCode::OK, lang, &safe_next(query.next.as_deref()), None)
}

pub async fn login(
    req: HttpRequest,
    db: web::Data<Db>,
    gate: web::Data<Gate>,
    settings: web::Data<Settings>,
    input: web::Form<LoginForm>,
) -> Result<HttpResponse, DashboardError> {
    let lang = Lang::parse(input.lang.as_deref());
    let next = safe_next(input.next.as_deref());
    let refuse = |status, message: &'static str| login_page(status, lang, &next, Some(message));
    let token_cookie = req.cookie(LOGIN_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if !same_origin(&req, &settings.trusted_proxies)
        || token_cookie.is_empty()
        || !crate::digest::digests_equal(&token_cookie, &input.csrf)
    {
        return Ok(refuse(
            actix_web::http::StatusCode::FORBIDDEN,
            lang.t(
                "Biểu mẫu đã hết hạn hoặc không gửi từ trang này; hãy đăng nhập lại.",
                "The form expired or was not sent from this page; sign in again.",
            ),
        ));
    }
    let client = gate.client_address(&req);
    let key = input.key.trim();
    let key_id = crate::auth::key_id(key);
    if let Some(wait) = gate.failures.locked_for(client, key_id.as_deref()) {
        let mut page = refuse(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            lang.t("Quá nhiều lần đăng nhập sai; hãy thử lại sau.", "Too many failed sign-ins; try again later."),
        );
        let wait = header::HeaderValue::from(wait.as_secs().max(1));
        page.headers_mut().insert(header::RETRY_AFTER, wait);
        return Ok(page);
    }
    let Some(principal) = authenticate(&db, key).await? else {
        gate.record_failure(client, key_id, "dashboard").await;
        return Ok(refuse(
            actix_web::http::StatusCode::UNAUTHORIZED,
            lang.t("Khóa không đúng hoặc đã bị thu hồi.", "The key is unknown or revoked."),
        ));
    };
    gate.failures.succeeded(client, &principal.key_id);
    if let Some(facility) = &principal.facility {
        let certificate = req.conn_data::<crate::http::tls::ClientCertificate>();
        if crate::http::tls::facility_may_use(facility, certificate, gate.require_client_certificate).is_err() {
            return Ok(refuse(
                actix_web::http::StatusCode::FORBIDDEN,
                lang.t(
                    "Khóa của cơ sở cần chứng thư số máy khách của cơ sở trên cổng kết nối này.",
                    "A facility's key needs the facility's client certificate on this gateway.",
                ),
            ));
        }
    }
    if !matches!(principal.role, Role::Doh | Role::Admin | Role::Facility) {
        return Ok(refuse(
            actix_web::http::StatusCode::FORBIDDEN,
            lang.t(
                "Chỉ khóa của Sở Y tế (doh), quản trị (admin) hoặc của cơ sở KCB (facility) được dùng bảng theo dõi.",
                "Only DoH, admin and facility keys may use the dashboard.",
            ),
        ));
    }
    let token = random_hex(32);
    let (hash, key_id, role) = (sha256_hex(&token), principal.key_id.clone(), principal.role.as_str());
    let expires_at = now_ms() + SESSION_HOURS * 3_600_000;
    db.write(move |c| {
        sessions::open(c, &hash, &key_id, expires_at)?;
        audit::record(
            c,
            audit::AuditEntry {
                actor: &key_id,
                role,
                action: "dashboard.sign_in",
                target: "dashboard",
                detail: serde_json::json!({ "expires_at": expires_at }),
            },
        )
    })
    .await?;
    let cookie = Cookie::build(COOKIE, token)
        .path("/dashboard")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(crate::http::client_scheme(&req, &settings.trusted_proxies) == "https")
        .max_age(Duration::hours(SESSION_HOURS))
        .finish();
    let next = if next.contains("lang=") {
        next
    } else {
        format!("{next}{}lang={}", if next.contains('?') { '&' } else { '?' }, lang.code())
    };
    Ok(HttpResponse::SeeOther().cookie(cookie).insert_header((header::LOCATION, next)).finish())
}

pub async fn logout(
    req: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    input: web::Form<LogoutForm>,
) -> Result<HttpResponse, DashboardError> {
    if let Some(token) = req.cookie(COOKIE) {
        if !same_origin(&req, &settings.trusted_proxies) || !FormToken::matches(token.value(), &input.csrf) {
            return Err(DashboardError::Forbidden("the form was not sent from the dashboard's own page".into()));
        }
        let hash = sha256_hex(token.value());
        db.write(move |c| sessions::close(c, &hash)).await?;
    }
    let mut gone = Cookie::build(COOKIE, "").path("/dashboard").http_only(true).same_site(SameSite::Strict).finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther().cookie(gone).insert_header((header::LOCATION, "/dashboard/login")).finish())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_dashboard_pages_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/dashboard/facilities?kind=polyclinic")), "/dashboard/facilities?kind=polyclinic");
        let evils = [
            "https://evil.example/",
            "//evil.example",
            "/dashboard//evil",
            "/api/v1/keys",
            "/dashboard/login",
            "/dashboard\r\nSet-Cookie: x=1",
            "/dashboard\\evil",
        ];
        for evil in evils {
            assert_eq!(safe_next(Some(evil)), "/dashboard", "{evil}");
        }
        assert_eq!(safe_next(None), "/dashboard");
    }
}
