//! HTTP plumbing shared by every endpoint: state, error mapping, the router and the OpenAPI document.

mod body;
mod body_deadline;
mod error;
pub mod ops;
mod rules;
mod spreadsheet;
pub mod tls;

pub use body::read_body;
pub use body_deadline::body_deadline;
pub use error::{ApiError, Problem};
pub use spreadsheet::spreadsheet_cell;

use crate::config::Settings;
use crate::store::Db;
use crate::validation::CatalogueHandle;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_actix_web::{AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

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

/// The facility a caller may list: its own for a facility key, the asked one (or all) for admin
/// and DoH keys; other keys read no claims.
pub fn readable_facility(
    principal: &crate::auth::Principal,
    asked: Option<String>,
) -> Result<Option<String>, ApiError> {
    use crate::auth::Role;
    match (principal.role, &principal.facility, asked) {
        (Role::Facility, Some(own), Some(asked)) if &asked != own => {
            Err(ApiError::Forbidden(format!("this key reads facility {own} only, not {asked}")))
        }
        (Role::Facility, Some(own), _) => Ok(Some(own.clone())),
        (Role::Admin | Role::Doh, _, asked) => Ok(asked),
        _ => Err(ApiError::Forbidden("this key may not read claims or submissions".into())),
    }
}

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
    /// Seals what is stored about patients, and opens it again.
    pub vault: Arc<crate::vault::Vault>,
    pub catalogue: CatalogueHandle,
    /// Reference catalogues (ICD-10, approved drugs, services, supplies, staff) in force.
    pub reference: crate::reference::ReferenceHandle,
    pub settings: Arc<Settings>,
    pub metrics: PrometheusHandle,
    /// API keys verified recently.
    pub keys: Arc<crate::auth::KeyCache>,
    /// Stores accepted episodes, sharing commits between concurrent requests.
    pub committer: crate::ingest::Committer,
    /// Woken after each ingest commit so the dispatcher need not wait for its next tick.
    pub dispatch_wake: Arc<tokio::sync::Notify>,
    /// Facility signing keys for `CHUKYDONVI`.
    pub signers: Arc<crate::formats::xml130::signers::Signers>,
    /// The portal clients of this instance (their circuits show in the queue view).
    pub portals: crate::queue::Portals,
    /// The scheduled jobs, also run on demand by admins.
    pub jobs: crate::jobs::JobContext,
    /// Card lookups (cache, coalescing, audit).
    pub eligibility: Arc<crate::eligibility::EligibilityService>,
    /// Writes the audit rows of reads (card lookups, claims and check-ins read) in batches.
    pub audit: crate::store::audit::AuditSink,
    /// Failed sign-ins and bad keys, per client and key id.
    pub failed_auth: Arc<crate::auth::failures::FailedAuth>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hisgate",
        description = "Gateway between hospital information systems and the Vietnamese national health portals (BHXH appraisal, Ministry of Health)."
    ),
    modifiers(&BearerAuth),
    security(("api_key" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.components.get_or_insert_with(Default::default).add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("hg_<id>_<secret>").build(),
            ),
        );
    }
}

/// Every operation can answer these whatever it does (a malformed request, no or a bad key, a
/// rate limit, storage trouble): documented once here rather than on each operation.
fn document_common_errors(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let common = [
        ("400", "Malformed request"),
        ("401", "No or unknown API key"),
        ("403", "Not allowed for this key"),
        ("429", "Too many requests"),
        ("500", "Internal error"),
        ("503", "Storage or a portal unavailable"),
    ];
    // And an operation that takes a body: too large, or too slow to arrive.
    let with_body = [("408", "The body did not arrive in time"), ("413", "The body is too large")];
    for item in api.paths.paths.values_mut() {
        for operation in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete].into_iter().flatten() {
            let body = if operation.request_body.is_some() { &with_body[..] } else { &[] };
            for &(status, description) in common.iter().chain(body) {
                operation.responses.responses.entry(status.to_owned()).or_insert_with(|| {
                    RefOr::T(
                        ResponseBuilder::new()
                            .description(description)
                            .content(
                                "application/problem+json",
                                ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
                            )
                            .build(),
                    )
                });
            }
        }
    }
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
fn json_refusal(e: actix_web::error::JsonPayloadError) -> ApiError {
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
fn form_refusal(e: actix_web::error::UrlencodedError) -> ApiError {
    use actix_web::error::UrlencodedError;
    match e {
        UrlencodedError::Overflow { limit, .. } => ApiError::PayloadTooLarge { limit },
        UrlencodedError::Payload(e) if body_deadline::is_late(&e) => ApiError::RequestTimeout,
        other => ApiError::BadRequest(format!("form: {other}")),
    }
}

/// Registers every route on `app` and serves the OpenAPI document and Swagger UI.
pub fn configure<T: AppFactory>(app: actix_web::App<T>) -> actix_web::App<T> {
    // Requests actix cannot even read (a query, path or JSON body of the wrong shape) get the
    // same problem documents as the rest.
    let app = app
        .app_data(
            actix_web::web::QueryConfig::default()
                .error_handler(|e, _| ApiError::BadRequest(format!("query: {e}")).into()),
        )
        .app_data(
            actix_web::web::PathConfig::default().error_handler(|e, _| ApiError::NotFound(format!("path: {e}")).into()),
        )
        .app_data(actix_web::web::JsonConfig::default().error_handler(|e, _| json_refusal(e).into()))
        .app_data(actix_web::web::FormConfig::default().error_handler(|e, _| form_refusal(e).into()));
    let app: UtoipaApp<T> = app.into_utoipa_app().openapi(ApiDoc::openapi());
    let app = crate::ingest::routes(
        app.service(ops::healthz).service(ops::readyz).service(ops::metrics).service(ops::certificates),
    );
    let app = crate::reconcile::routes::routes(crate::queue::routes::routes(app));
    let app = crate::jobs::routes::routes(crate::eligibility::routes::routes(app));
    let app = crate::stats::routes(crate::registry::routes(app));
    let app = crate::reference::routes::routes(app.service(rules::list_rules).service(rules::set_severity));
    let app = crate::audit::routes(app);
    let (app, mut api) = app.split_for_parts();
    document_common_errors(&mut api);
    app.service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/api-docs/openapi.json", api))
        .configure(crate::fhir::configure)
        .configure(crate::dashboard::configure)
}
