//! The Department of Health's web dashboard at `/dashboard`: server-rendered HTML with inline SVG
//! charts and no outside asset, Vietnamese first with an English switch, a CSV download of every
//! table. Its figures come from the same functions as the stats API (`crate::stats`), so the page
//! and the API cannot disagree.
//!
//! Browsers sign in with a DoH or admin API key once (`/dashboard/login`); the page then holds a
//! session cookie (HttpOnly, SameSite=Strict) whose SHA-256 is stored (`dashboard_sessions`). A
//! facility's key signs in too, to its own worklist and claims (`worklist.rs`) and nothing else.

mod audit;
mod charts;
mod html;
mod pages;
mod results;
mod session;
mod worklist;

use crate::auth::{Gate, Principal};
use crate::http::tls::{ClientCertificate, facility_may_use};
use crate::stats::PeriodError;
use crate::store::{Db, StoreError};
use crate::vocabulary::Role;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, dev::Payload, web};
use html::{Lang, Table};
use std::future::Future;
use std::pin::Pin;

pub use session::COOKIE;

#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error("sign in first")]
    SignIn { next: String },
    /// A facility's staff asked for a province page: their worklist is theirs.
    #[error("facility staff see their worklist")]
    FacilityStaff,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Period(#[from] PeriodError),
    #[error("this page has no table `{0}`")]
    UnknownTable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ResponseError for DashboardError {
    fn status_code(&self) -> StatusCode {
        match self {
            DashboardError::SignIn { .. } => StatusCode::UNAUTHORIZED,
            DashboardError::FacilityStaff => StatusCode::SEE_OTHER,
            DashboardError::Forbidden(_) => StatusCode::FORBIDDEN,
            DashboardError::NotFound(_) | DashboardError::UnknownTable(_) => StatusCode::NOT_FOUND,
            DashboardError::Period(_) => StatusCode::BAD_REQUEST,
            DashboardError::Store(StoreError::Corrupt(_)) => StatusCode::INTERNAL_SERVER_ERROR,
            DashboardError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // A page asked for without a session answers with the sign-in form, which comes back to it.
        if let DashboardError::SignIn { next } = self {
            let lang = Lang::parse(next.contains("lang=en").then_some("en"));
            return session::login_page(StatusCode::UNAUTHORIZED, lang, &session::safe_next(Some(next)), None);
        }
        if let DashboardError::FacilityStaff = self {
            return HttpResponse::SeeOther().insert_header((header::LOCATION, worklist::PATH)).finish();
        }
        let detail = match self {
            DashboardError::Store(e) => {
                tracing::error!(error = %e, "dashboard: storage failed");
                "storage is unavailable; try again shortly".to_owned()
            }
            other => other.to_string(),
        };
        let body = html::bare_page(
            Lang::Vi,
            "hisgate",
            &format!(
                "<p class=\"error\">{}</p>\n<p><a href=\"/dashboard\">Tổng quan · Overview</a></p>\n",
                html::escape(&detail)
            ),
        );
        with_security_headers(HttpResponse::build(self.status_code()))
            .content_type("text/html; charset=utf-8")
            .body(body)
    }
}

/// Dashboard pages are never cached, never framed and load nothing from elsewhere.
fn with_security_headers(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "same-origin"));
    builder
}

/// An HTML page.
fn html_response(body: String) -> HttpResponse {
    with_security_headers(HttpResponse::Ok()).content_type("text/html; charset=utf-8").body(body)
}

/// One table of a page as a CSV file.
fn csv_response(table: &Table, file_stem: &str) -> HttpResponse {
    with_security_headers(HttpResponse::Ok())
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_stem}-{}.csv\"", table.id)))
        .body(table.csv())
}

/// The principal of the request's session cookie and its forms' token, or the sign-in form. A
/// facility's session is held to its client certificate rule on every page, as its key is.
fn signed_in(req: &HttpRequest) -> Pin<Box<dyn Future<Output = Result<Reader, DashboardError>>>> {
    let db = req.app_data::<web::Data<Db>>().cloned();
    let certificate_required = req.app_data::<web::Data<Gate>>().is_some_and(|g| g.require_client_certificate);
    let certificate = req.conn_data::<ClientCertificate>().cloned();
    let token = req.cookie(COOKIE).map(|c| c.value().to_owned());
    let next = req.uri().path_and_query().map_or_else(|| "/dashboard".to_owned(), |p| p.as_str().to_owned());
    Box::pin(async move {
        let (Some(db), Some(token)) = (db, token) else {
            return Err(DashboardError::SignIn { next });
        };
        let principal = session::principal(&db, &token).await?.ok_or(DashboardError::SignIn { next })?;
        if let Some(facility) = &principal.facility {
            facility_may_use(facility, certificate.as_ref(), certificate_required)
                .map_err(DashboardError::Forbidden)?;
        }
        Ok(Reader(principal, session::FormToken::of_session(&token)))
    })
}

/// A signed-in user of the dashboard (DoH, admin, or a facility's staff, who see their own
/// facility's worklist only), and the token its forms carry.
pub struct Reader(pub Principal, pub session::FormToken);

impl FromRequest for Reader {
    type Error = DashboardError;
    type Future = Pin<Box<dyn Future<Output = Result<Reader, DashboardError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        signed_in(req)
    }
}

/// A signed-in DoH or admin user: the province's pages. A facility's staff are sent to their
/// worklist instead.
pub struct Viewer(pub Principal, pub session::FormToken);

impl FromRequest for Viewer {
    type Error = DashboardError;
    type Future = Pin<Box<dyn Future<Output = Result<Viewer, DashboardError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let reader = signed_in(req);
        Box::pin(async move {
            let Reader(principal, token) = reader.await?;
            if principal.role == Role::Facility {
                return Err(DashboardError::FacilityStaff);
            }
            principal.require_staff("use the dashboard").map_err(|e| DashboardError::Forbidden(e.to_string()))?;
            Ok(Viewer(principal, token))
        })
    }
}

/// Registers the dashboard's pages (outside the OpenAPI document: they are HTML).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", web::get().to(pages::overview))
        .route("/dashboard/", web::get().to(pages::overview))
        .route("/dashboard/facilities", web::get().to(pages::facilities))
        .route("/dashboard/facilities/{code}", web::get().to(pages::facility))
        .route("/dashboard/audit", web::get().to(audit::page))
        .route(worklist::PATH, web::get().to(worklist::page))
        .route("/dashboard/claims/{id}", web::get().to(worklist::claim))
        .route("/dashboard/claims/{id}/resend", web::post().to(worklist::resend))
        .route("/dashboard/results", web::get().to(results::upload_form))
        .route("/dashboard/results", web::post().to(results::upload))
        .route("/dashboard/login", web::get().to(session::login_form))
        .route("/dashboard/login", web::post().to(session::login))
        .route("/dashboard/logout", web::post().to(session::logout));
}
