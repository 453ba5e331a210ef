//! The client of a remote signing service (ký số từ xa), one per facility whose key the service
//! holds. The Vietnamese providers' public documents share one shape — log in with client
//! credentials for a bearer token, submit a SHA-256 hash with the key's credential id and get a
//! transaction id, then ask for the transaction until the key holder has confirmed (signed) or
//! refused, or it expired — but not its names: the paths and fields are those of the mock
//! (`mocks/src/signer.rs`, marked modelled in mocks/README.md), and a provider differing in them
//! is one more client of this shape.

use super::{http_client, transient_status, transport_failure};
use crate::config::{Secret, SigningSettings};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use std::time::Duration;
use tokio::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignerError {
    /// Not reached, or "not now": asked again at the next poll.
    #[error("the remote signing service is unavailable: {0}")]
    Unavailable(String),
    /// The service refuses our client credentials or the credential id: an operator must act.
    #[error("the remote signing service refuses the request: {0}")]
    Refused(String),
    #[error("the remote signing service answered something unreadable: {0}")]
    Unreadable(String),
}

/// Where a transaction is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureState {
    /// The key holder has not answered yet.
    Pending,
    /// Signed: the RSA PKCS#1 v1.5 signature of the submitted hash.
    Signed(Vec<u8>),
    /// The key holder refused, with the service's reason.
    Refused(String),
    /// Nobody confirmed in time.
    Expired,
}

/// A facility's account with its remote signing service.
pub struct RemoteSigner {
    http: reqwest::Client,
    base: String,
    client_id: String,
    client_secret: Secret,
    credential_id: String,
    token: Mutex<Option<String>>,
}

#[derive(Deserialize)]
struct Token {
    access_token: String,
}

#[derive(Deserialize)]
struct Submitted {
    transaction_id: String,
}

#[derive(Deserialize)]
struct Transaction {
    status: String,
    signature: Option<String>,
    reason: Option<String>,
}

/// Whether `url` may carry the client secret: HTTPS, or plain HTTP to this machine (tests, the demo).
fn acceptable_url(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else { return false };
    match parsed.scheme() {
        "https" => true,
        "http" => parsed
            .host_str()
            .is_some_and(|h| h == "localhost" || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())),
        _ => false,
    }
}

impl RemoteSigner {
    /// The account configured in `[signing.<code>]` (`remote_*`), or why it cannot be used.
    pub fn from_settings(settings: &SigningSettings, timeout: Duration) -> Result<Option<Self>, String> {
        let Some(url) = &settings.remote_url else { return Ok(None) };
        if !acceptable_url(url) {
            return Err(format!("remote_url must be https:// (or http:// to this machine): {url}"));
        }
        let missing = |what: &str| format!("remote_url needs {what}");
        let secret_file = settings.remote_secret_file.as_ref().ok_or_else(|| missing("remote_secret_file"))?;
        let secret = std::fs::read_to_string(secret_file).map_err(|e| format!("{}: {e}", secret_file.display()))?;
        Ok(Some(RemoteSigner {
            http: http_client(timeout),
            base: url.trim_end_matches('/').to_owned(),
            client_id: settings.remote_client_id.clone().ok_or_else(|| missing("remote_client_id"))?,
            client_secret: Secret::new(secret.lines().next().unwrap_or_default().trim()),
            credential_id: settings.remote_credential_id.clone().ok_or_else(|| missing("remote_credential_id"))?,
            token: Mutex::new(None),
        }))
    }

    /// Asks the key holder to sign `sha256` (of the canonical `SignedInfo`); the transaction id.
    pub async fn request(&self, sha256: &[u8], description: &str) -> Result<String, SignerError> {
        let body = serde_json::json!({
            "credential_id": self.credential_id,
            "hash_algorithm": "SHA-256",
            "hash": STANDARD.encode(sha256),
            "description": description,
        });
        let url = format!("{}/api/v1/signatures/sign-hash", self.base);
        let submitted: Submitted = self.call(|http, token| http.post(&url).bearer_auth(token).json(&body)).await?;
        Ok(submitted.transaction_id)
    }

    /// Where transaction `id` is now.
    pub async fn state(&self, id: &str) -> Result<SignatureState, SignerError> {
        let url = format!("{}/api/v1/signatures/{id}", self.base);
        let t: Transaction = self.call(|http, token| http.get(&url).bearer_auth(token)).await?;
        match (t.status.as_str(), t.signature) {
            ("pending", _) => Ok(SignatureState::Pending),
            ("signed", Some(signature)) => STANDARD
                .decode(signature.trim())
                .map(SignatureState::Signed)
                .map_err(|e| SignerError::Unreadable(format!("signature: {e}"))),
            ("refused", _) => Ok(SignatureState::Refused(t.reason.unwrap_or_else(|| "no reason given".into()))),
            ("expired", _) => Ok(SignatureState::Expired),
            (other, _) => {
                Err(SignerError::Unreadable(format!("status `{}`", other.chars().take(40).collect::<String>())))
            }
        }
    }

    /// One call with the session's token, logging in first when there is none and once more
    /// when the service says the token is no longer good.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        request: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    ) -> Result<T, SignerError> {
        for fresh in [false, true] {
            let token = self.token(fresh).await?;
            let answer = request(&self.http, &token)
                .send()
                .await
                .map_err(|e| SignerError::Unavailable(transport_failure(&e)))?;
            let status = answer.status();
            if status == reqwest::StatusCode::UNAUTHORIZED && !fresh {
                continue;
            }
            if transient_status(status) {
                return Err(SignerError::Unavailable(format!("HTTP {status}")));
            }
            let text = answer.text().await.map_err(|e| SignerError::Unavailable(transport_failure(&e)))?;
            if !status.is_success() {
                return Err(SignerError::Refused(format!(
                    "HTTP {status}: {}",
                    text.chars().take(200).collect::<String>()
                )));
            }
            return serde_json::from_str(&text).map_err(|e| SignerError::Unreadable(e.to_string()));
        }
        Err(SignerError::Refused("the service refuses a fresh access token".into()))
    }

    /// The session's token; a new one when there is none or `fresh` is asked.
    async fn token(&self, fresh: bool) -> Result<String, SignerError> {
        let mut token = self.token.lock().await;
        if let (Some(t), false) = (token.as_ref(), fresh) {
            return Ok(t.clone());
        }
        let body = serde_json::json!({ "client_id": self.client_id, "client_secret": self.client_secret.expose() });
        let url = format!("{}/api/v1/auth/login", self.base);
        let answer = self
            .http
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(|e| SignerError::Unavailable(transport_failure(&e)))?;
        let status = answer.status();
        if transient_status(status) {
            return Err(SignerError::Unavailable(format!("login: HTTP {status}")));
        }
        if !status.is_success() {
            return Err(SignerError::Refused(format!("login: HTTP {status} (check remote_client_id and the secret)")));
        }
        let issued: Token = answer.json().await.map_err(|e| SignerError::Unreadable(e.to_string()))?;
        *token = Some(issued.access_token.clone());
        Ok(issued.access_token)
    }
}

#[cfg(test)]
mod tests {
    use super::acceptable_url;

    #[test]
    fn the_secret_goes_over_https_or_to_this_machine_only() {
        assert!(acceptable_url("https://ca.example.vn/rs"));
        assert!(acceptable_url("http://127.0.0.1:9004"));
        assert!(acceptable_url("http://localhost:9004"));
        assert!(!acceptable_url("http://ca.example.vn"));
        assert!(!acceptable_url("ftp://127.0.0.1"));
    }
}
