//! HTTP plumbing shared by every endpoint, below every module with routes: errors as problem
//! documents, bodies read within a size and a time, paging, the client's address and scheme, TLS.

mod body;
mod body_deadline;
mod error;
mod spreadsheet;
pub mod tls;

pub use body::read_body;
pub use body_deadline::body_deadline;
pub use error::{ApiError, Problem};
pub use spreadsheet::spreadsheet_cell;

/// The page size a list endpoint was asked for: 1–500, 50 by default.
pub fn page_limit(asked: Option<i64>) -> Result<i64, ApiError> {
    let limit = asked.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::BadRequest(format!("`limit` must be 1-500, not {limit}")));
    }
    Ok(limit)
}

/// Cuts a list fetched with `limit + 1` rows to `limit` and gives the cursor of the next page.
pub fn next_page<T, C>(items: &mut Vec<T>, limit: i64, cursor: impl Fn(&T) -> C) -> Option<C> {
    if items.len() as i64 <= limit {
        return None;
    }
    items.truncate(limit as usize);
    items.last().map(cursor)
}

/// Reads a JSON body into `T`, saying which field is wrong (`400`).
pub fn parse_json<T: for<'de> serde::Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        ApiError::BadRequest(format!("{}: {}", if path == "." { "body" } else { &path }, e.inner()))
    })
}

/// What an actix `App` is built on; every module's `routes` takes one.
pub trait AppFactory:
    actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >
{
}

impl<T> AppFactory for T where
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Response = actix_web::dev::ServiceResponse,
            Error = actix_web::Error,
            InitError = (),
        >
{
}

/// Whether the request came through one of the trusted proxies, whose forwarded headers are
/// believed.
fn from_trusted_proxy(req: &actix_web::HttpRequest, trusted_proxies: &[std::net::IpAddr]) -> bool {
    req.peer_addr().is_some_and(|peer| trusted_proxies.contains(&peer.ip()))
}

/// The scheme the client used: what a trusted proxy says it was (`X-Forwarded-Proto`,
/// `Forwarded`), else the connection's own; a header from anyone else is not believed.
pub fn client_scheme(req: &actix_web::HttpRequest, trusted_proxies: &[std::net::IpAddr]) -> String {
    match from_trusted_proxy(req, trusted_proxies) {
        true => req.connection_info().scheme().to_owned(),
        false => req.uri().scheme_str().unwrap_or("http").to_owned(),
    }
}

/// The host the client asked for: what a trusted proxy says it was (`X-Forwarded-Host`,
/// `Forwarded`), else the `Host` header.
pub fn client_host(req: &actix_web::HttpRequest, trusted_proxies: &[std::net::IpAddr]) -> Option<String> {
    match from_trusted_proxy(req, trusted_proxies) {
        true => Some(req.connection_info().host().to_owned()),
        false => req.headers().get(actix_web::http::header::HOST).and_then(|v| v.to_str().ok()).map(str::to_owned),
    }
}

/// The client's address: the one a trusted proxy says it forwarded for (`X-Forwarded-For`,
/// `Forwarded`), else the connection's own.
pub fn client_address(req: &actix_web::HttpRequest, trusted_proxies: &[std::net::IpAddr]) -> std::net::IpAddr {
    let peer = req.peer_addr().map(|p| p.ip()).unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    if !from_trusted_proxy(req, trusted_proxies) {
        return peer;
    }
    let info = req.connection_info();
    let forwarded = info
        .realip_remote_addr()
        .map(|a| a.parse::<std::net::SocketAddr>().map(|s| s.ip()).or_else(|_| a.trim_matches(['[', ']']).parse()));
    forwarded.and_then(Result::ok).unwrap_or(peer)
}

/// An instant of a query: `YYYY-MM-DD` (the start of that day, Vietnam time) or RFC 3339, in
/// milliseconds since the Unix epoch.
pub fn parse_instant(name: &str, text: &str) -> Result<i64, ApiError> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp_millis());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(crate::domain::time::from_vietnam(d.and_time(chrono::NaiveTime::MIN)).timestamp_millis());
    }
    Err(ApiError::BadRequest(format!("`{name}` must be YYYY-MM-DD or an RFC 3339 time, not `{text}`")))
}

/// Every `413` a problem document, also where actix refused a body before any handler ran (the
/// byte and multipart extractors answer it as plain text).
pub fn problem_for_bodies_too_large<B: 'static>() -> actix_web::middleware::ErrorHandlers<B> {
    use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
    ErrorHandlers::new().handler(actix_web::http::StatusCode::PAYLOAD_TOO_LARGE, |res| {
        let is_problem = res
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
        if is_problem {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        let (req, _) = res.into_parts();
        let answer = actix_web::ResponseError::error_response(&ApiError::BodyTooLarge);
        Ok(ErrorHandlerResponse::Response(actix_web::dev::ServiceResponse::new(req, answer).map_into_right_body()))
    })
}

/// A JSON body actix could not take: too large (413, as every endpoint answers it) or unreadable.
pub fn json_refusal(e: actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError;
    match e {
        JsonPayloadError::OverflowKnownLength { limit, .. } | JsonPayloadError::Overflow { limit } => {
            ApiError::PayloadTooLarge { limit }
        }
        JsonPayloadError::Payload(e) if body_deadline::is_late(&e) => ApiError::RequestTimeout,
        other => ApiError::BadRequest(format!("body: {other}")),
    }
}

/// A form body actix could not take (the dashboard's sign-in): as [`json_refusal`].
pub fn form_refusal(e: actix_web::error::UrlencodedError) -> ApiError {
    use actix_web::error::UrlencodedError;
    match e {
        UrlencodedError::Overflow { limit, .. } => ApiError::PayloadTooLarge { limit },
        UrlencodedError::Payload(e) if body_deadline::is_late(&e) => ApiError::RequestTimeout,
        other => ApiError::BadRequest(format!("form: {other}")),
    }
}
