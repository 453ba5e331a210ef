//! The Ministry of Health health-data portal (HOC receiver, BHXH-API.md §6): password-grant token,
//! `GIAMDINHHS` as raw XML, `{code, message, result}` answers.

use super::guard::{Lane, PortalGuard};
use super::{PortalError, status_error, transient_status};
use crate::config::PortalSettings;
use crate::vocabulary::Destination;
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
            guard: PortalGuard::new(Destination::Moh.as_str(), settings),
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

    /// Sends a FHIR transaction Bundle of `facility` to the portal's FHIR endpoint; returns the
    /// location the portal gave the first entry (its receipt).
    pub async fn submit_bundle(&self, facility: &str, bundle: &[u8]) -> Result<String, PortalError> {
        self.guard.call(|| self.submit_bundle_unguarded(facility, bundle)).await
    }

    /// Posts `body` to `path` for `facility` with the bearer token (fetched again once on 401);
    /// gives the status and the JSON answer (`null` when the answer is not JSON).
    async fn post(
        &self,
        path: &str,
        facility: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<(reqwest::StatusCode, Value), PortalError> {
        let mut fresh = false;
        loop {
            let token = self.token(fresh).await?;
            let response = self
                .http
                .post(format!("{}{path}", self.base))
                .bearer_auth(&token)
                .header("tinh", facility.get(..2).unwrap_or_default())
                .header("csyt", facility)
                .header("content-type", content_type)
                .body(body.to_vec())
                .send()
                .await?;
            let status = response.status();
            if transient_status(status) {
                return Err(status_error(path, status));
            }
            // A body that cannot be read (cut by a timeout) is uncertain; one that is not JSON is the portal's answer.
            let answer: Value = serde_json::from_str(&response.text().await?).unwrap_or(Value::Null);
            if status == reqwest::StatusCode::UNAUTHORIZED && !fresh {
                fresh = true;
                continue;
            }
            return Ok((status, answer));
        }
    }

    async fn submit_bundle_unguarded(&self, facility: &str, bundle: &[u8]) -> Result<String, PortalError> {
        let (status, answer) = self.post("/fhir/r4", facility, "application/fhir+json", bundle).await?;
        match status.as_u16() {
            200 | 201 if answer["resourceType"] == "Bundle" => {
                Ok(answer["entry"][0]["response"]["location"].as_str().unwrap_or_default().to_owned())
            }
            401 | 403 => Err(PortalError::Unauthorised(format!("FHIR endpoint answered HTTP {status}"))),
            _ => {
                let issue = &answer["issue"][0];
                Err(PortalError::Refused {
                    code: issue["code"].as_str().unwrap_or(status.as_str()).to_owned(),
                    message: issue["diagnostics"].as_str().unwrap_or_default().to_owned(),
                })
            }
        }
    }

    /// Sends a check-in (`CHI_TIEU_TRANG_THAI_KCB`) of `facility` to the HOC check-in receiver.
    pub async fn submit_check_in(&self, facility: &str, xml: &[u8]) -> Result<String, PortalError> {
        self.guard
            .call_in(Lane::CheckIn, || self.submit_xml("/hoc-receiver/api/receiver/hoc-130-ck/checkin", facility, xml))
            .await
    }

    async fn submit_dossier_unguarded(&self, facility: &str, xml: &[u8]) -> Result<String, PortalError> {
        self.submit_xml("/hoc-receiver/api/receiver/hoc-130/khamchuabenh130", facility, xml).await
    }

    async fn submit_xml(&self, path: &str, facility: &str, xml: &[u8]) -> Result<String, PortalError> {
        let (status, answer) = self.post(path, facility, "application/xml", xml).await?;
        let message = answer["message"].as_str().unwrap_or_default().to_owned();
        match status.as_u16() {
            200 if answer["code"] == 200 => Ok(answer["result"].as_str().unwrap_or_default().to_owned()),
            401 | 403 => Err(PortalError::Unauthorised(message)),
            _ => Err(PortalError::Refused { code: status.as_u16().to_string(), message }),
        }
    }
}
