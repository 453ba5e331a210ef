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
    /// BHXH `1001`: the file is over the size allowed at this hour (20 MB 08–11 h and 14–19 h
    /// Monday to Friday, 100 MB otherwise; BHXH-API.md §4.3). A smaller file, or a later hour, goes.
    #[error("the file is too large for the portal at this hour (1001): {0}")]
    TooLarge(String),
    /// BHXH `701`: sent outside the settlement window (the month, or up to the 5th of the next).
    /// Sending again will not help; the claim needs a person.
    #[error("outside the settlement window (701): {0}")]
    OutsideSettlementWindow(String),
    /// The portal has no such service (HTTP 404): the call is never worth making again.
    #[error("the portal does not offer this service: {0}")]
    NotOffered(String),
}

impl PortalError {
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            PortalError::Transient(_)
                | PortalError::Uncertain(_)
                | PortalError::CircuitOpen { .. }
                | PortalError::TooLarge(_)
        )
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
