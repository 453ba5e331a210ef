//! Clients of the national portals. Each keeps its session token, logs in again when the portal
//! says the token is no longer good, and classifies every failure as worth retrying or not.

pub mod bhxh;
pub mod guard;
pub mod moh;

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalError {
    /// Worth retrying later: the portal could not be reached, or said "not now" (5xx, 429, an outage).
    #[error("portal unavailable: {0}")]
    Transient(String),
    /// No answer after the request went out (a timeout, a cut connection, 504): the portal may
    /// have processed it. Worth retrying, but only after checking whether it did.
    #[error("no answer from the portal, which may have processed the call: {0}")]
    Uncertain(String),
    /// Not tried: the circuit breaker is open after repeated failures.
    #[error("not sent: the portal's circuit is open for another {retry_in:?}")]
    CircuitOpen { retry_in: Duration },
    /// The portal refused the content; sending it again will not help.
    #[error("refused by the portal ({code}): {message}")]
    Refused { code: String, message: String },
    /// The credentials are refused: an operator must fix the configuration.
    #[error("the portal refuses our credentials: {0}")]
    Unauthorised(String),
}

impl PortalError {
    pub fn is_transient(&self) -> bool {
        matches!(self, PortalError::Transient(_) | PortalError::Uncertain(_) | PortalError::CircuitOpen { .. })
    }
}

impl From<reqwest::Error> for PortalError {
    fn from(e: reqwest::Error) -> Self {
        if e.is_connect() || e.is_builder() {
            // Nothing reached the portal.
            PortalError::Transient(e.to_string())
        } else if e.is_timeout() {
            PortalError::Uncertain("timed out".to_owned())
        } else {
            PortalError::Uncertain(e.to_string())
        }
    }
}

/// The error for an HTTP status that says "later": 504 may come after the portal did the work.
fn status_error(what: &str, status: reqwest::StatusCode) -> PortalError {
    let message = format!("{what} answered HTTP {status}");
    if status == reqwest::StatusCode::GATEWAY_TIMEOUT {
        PortalError::Uncertain(message)
    } else {
        PortalError::Transient(message)
    }
}

/// An HTTP status that says "later", not "never".
fn transient_status(status: reqwest::StatusCode) -> bool {
    status.is_server_error()
        || status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || status == reqwest::StatusCode::REQUEST_TIMEOUT
}

/// The HTTP client both portals use: bounded waits, no proxies from the environment.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .no_proxy()
        .build()
        .expect("a plain reqwest client always builds")
}
