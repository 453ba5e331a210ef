//! The Ministry of Health health-data portal (HOC receiver, BHXH-API.md §6): password-grant token,
//! `GIAMDINHHS` as raw XML, `{code, message, result}` answers.

use super::guard::PortalGuard;
use super::{PortalError, status_error, transient_status};
use crate::config::PortalSettings;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The OpenID client the gateway is registered as.
const CLIENT_ID: &str = "hisgate";

pub struct MohClient {
    http: reqwest::Client,
    base: String,
    username: String,
    password: String,
    token: Mutex<Option<(String, Instant)>>,
    guard: PortalGuard,
}

impl MohClient {
    pub fn new(settings: &PortalSettings, http: reqwest::Client) -> Option<Self> {
        let base = settings.url.as_ref()?.trim_end_matches('/').to_owned();
        Some(MohClient {
            http,
            base,
            username: settings.username.clone(),
            password: settings.password.expose().to_owned(),
            token: Mutex::new(None),
            guard: PortalGuard::new("moh", settings),
        })
    }

    pub fn guard(&self) -> &PortalGuard {
        &self.guard
    }

    /// Fetches a new token ahead of time when the current one is close to its expiry.
    pub async fn refresh_token(&self) -> Result<bool, PortalError> {
        let due = self
            .token
            .lock()
            .await
            .as_ref()
            .is_none_or(|(_, renew_at)| Instant::now() + Duration::from_secs(30) >= *renew_at);
        if due {
            self.guard.call(|| self.token(true)).await?;
        }
        Ok(due)
    }

    async fn token(&self, fresh: bool) -> Result<String, PortalError> {
        let mut guard = self.token.lock().await;
        if let Some((token, renew_at)) = &*guard
            && !fresh
            && Instant::now() < *renew_at
        {
            return Ok(token.clone());
        }
        let response = self
            .http
            .post(format!("{}/auth/realms/hsskv3/protocol/openid-connect/token", self.base))
            .form(&[
                ("client_id", CLIENT_ID),
                ("grant_type", "password"),
                ("username", &self.username),
                ("password", &self.password),
            ])
            .send()
            .await?;
        if transient_status(response.status()) {
            return Err(status_error("token endpoint", response.status()));
        }
        if !response.status().is_success() {
            return Err(PortalError::Unauthorised(format!(
                "login of {} refused (HTTP {})",
                self.username,
                response.status()
            )));
        }
        let answer: Value = response.json().await?;
        let token = answer["access_token"].as_str().unwrap_or_default().to_owned();
        let lifetime = answer["expires_in"].as_u64().unwrap_or(60);
        *guard = Some((token.clone(), Instant::now() + Duration::from_secs(lifetime.saturating_sub(10))));
        Ok(token)
    }

    /// Sends a `GIAMDINHHS` file of `facility`; returns the portal's transaction id.
    pub async fn submit_dossier(&self, facility: &str, xml: &[u8]) -> Result<String, PortalError> {
        self.guard.call(|| self.submit_dossier_unguarded(facility, xml)).await
    }

    async fn submit_dossier_unguarded(&self, facility: &str, xml: &[u8]) -> Result<String, PortalError> {
        let mut fresh = false;
        loop {
            let token = self.token(fresh).await?;
            let response = self
                .http
                .post(format!("{}/hoc-receiver/api/receiver/hoc-130/khamchuabenh130", self.base))
                .bearer_auth(&token)
                .header("tinh", facility.get(..2).unwrap_or_default())
                .header("csyt", facility)
                .header("content-type", "application/xml")
                .body(xml.to_vec())
                .send()
                .await?;
            let status = response.status();
            if transient_status(status) {
                return Err(status_error("receiver", status));
            }
            // A body that cannot be read (cut by a timeout) is transient; one that is not JSON is the portal's answer.
            let body = response.text().await?;
            let answer: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let message = answer["message"].as_str().unwrap_or_default().to_owned();
            match status.as_u16() {
                200 if answer["code"] == 200 => return Ok(answer["result"].as_str().unwrap_or_default().to_owned()),
                401 if !fresh => fresh = true,
                401 | 403 => return Err(PortalError::Unauthorised(message)),
                _ => return Err(PortalError::Refused { code: status.as_u16().to_string(), message }),
            }
        }
    }
}
