//! Clients of the national portals. Each keeps its session token, logs in again when the portal
//! says the token is no longer good, and classifies every failure as worth retrying or not.

pub mod bhxh;
pub mod guard;
pub mod moh;
pub mod signer;

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

/// What went wrong on the way to a portal, in fixed words and the portal's host: a transport
/// error's own text holds the request's URL, whose query carries the session token and the
/// password hash (BHXH's card lookup), and must reach no answer, log or audit row.
pub fn transport_failure(e: &reqwest::Error) -> String {
    let what = if e.is_connect() {
        "could not connect"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_builder() {
        "the request could not be built"
    } else if e.is_redirect() {
        "redirected too often"
    } else if e.is_decode() || e.is_body() {
        "the answer could not be read"
    } else {
        "the connection failed"
    };
    match e.url().and_then(|u| u.host_str()) {
        Some(host) => format!("{what} ({host})"),
        None => what.to_owned(),
    }
}

impl From<reqwest::Error> for PortalError {
    fn from(e: reqwest::Error) -> Self {
        let failure = transport_failure(&e);
        if e.is_connect() || e.is_builder() {
            // Nothing reached the portal.
            PortalError::Transient(failure)
        } else {
            PortalError::Uncertain(failure)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// What a portal call's URL carries that no error text may repeat.
    const SECRETS: [&str; 4] = ["tok-3f9a71", "idtok-88c2", "83_SYT", "5f4dcc3b5aa765d61d8327deb882cf99"];

    fn url(port: u16) -> String {
        format!(
            "http://127.0.0.1:{port}/api/egw/KQNhanLichSuKCB2024?token={}&id_token={}&username={}&password={}",
            SECRETS[0], SECRETS[1], SECRETS[2], SECRETS[3]
        )
    }

    /// A server on a free port that answers each connection with `answer` (none: it never answers).
    fn server(answer: Option<&'static str>) -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                match answer {
                    Some(a) => drop(stream.write_all(a.as_bytes())),
                    None => std::thread::sleep(Duration::from_secs(5)),
                }
            }
        });
        port
    }

    #[tokio::test]
    async fn no_portal_failure_repeats_the_calls_url() {
        let refused = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let silent = server(None);
        let garbled =
            server(Some("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 7\r\n\r\nnot {}}"));
        let cut = server(Some("HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n{\"maKetQua\""));
        let client = http_client(Duration::from_millis(300));
        let mut kinds = Vec::new();
        for port in [refused, silent, garbled, cut] {
            let failure = match client.post(url(port)).send().await {
                Err(e) => PortalError::from(e),
                Ok(answer) => PortalError::from(answer.json::<serde_json::Value>().await.unwrap_err()),
            };
            let text = format!("{failure} {failure:?}");
            for secret in SECRETS {
                assert!(!text.contains(secret), "`{secret}` in {text}");
            }
            assert!(text.contains("127.0.0.1"), "the host is named: {text}");
            kinds.push(failure.to_string());
        }
        assert!(kinds[0].contains("could not connect") && kinds[1].contains("timed out"), "{kinds:?}");
        assert!(kinds[2].contains("could not be read") && kinds[3].contains("could not be read"), "{kinds:?}");
    }
}
