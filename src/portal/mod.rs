//! Clients of the national portals. Each keeps its session token, logs in again when the portal
//! says the token is no longer good, and classifies every failure as worth retrying or not.

pub mod bhxh;
pub mod moh;

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalError {
    /// Worth retrying later: network trouble, timeouts, 5xx, 429, an outage.
    #[error("portal unavailable: {0}")]
    Transient(String),
    /// The portal refused the content; sending it again will not help.
    #[error("refused by the portal ({code}): {message}")]
    Refused { code: String, message: String },
    /// The credentials are refused: an operator must fix the configuration.
    #[error("the portal refuses our credentials: {0}")]
    Unauthorised(String),
}

impl PortalError {
    pub fn is_transient(&self) -> bool {
        matches!(self, PortalError::Transient(_))
    }
}

impl From<reqwest::Error> for PortalError {
    fn from(e: reqwest::Error) -> Self {
        PortalError::Transient(if e.is_timeout() { "timed out".to_owned() } else { e.to_string() })
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
