//! Callbacks to the facilities' HIS (docs/WEBHOOKS.md): the sender posts each due delivery of the
//! webhook outbox, signed with its facility's secret, and records what came of it. At least once:
//! a delivery is posted until its HIS answers 2xx or its window ends, and its event id lets the
//! HIS drop a repeat. `routes.rs`: the endpoints' configuration and the deliveries' API.

pub mod routes;

use crate::config::WebhookSettings;
use crate::portal::transport_failure;
use crate::store::webhooks::{self, Attempt, Delivery};
use crate::store::{Db, StoreError, now_ms};
use crate::vault::Vault;
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;

/// The headers of a callback.
pub const EVENT_ID_HEADER: &str = "X-Hisgate-Event-Id";
pub const EVENT_HEADER: &str = "X-Hisgate-Event";
pub const TIMESTAMP_HEADER: &str = "X-Hisgate-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Hisgate-Signature";

/// `v1=` and the hex HMAC-SHA256, keyed with the facility's secret, of `<timestamp>.<body>`:
/// the timestamp (Unix seconds) is signed with the body so that a captured callback cannot be
/// replayed later under a new one.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("the callbacks' HTTP client cannot be built: {0}")]
    Client(String),
}

/// Posts the webhook outbox.
pub struct Sender {
    db: Db,
    vault: Arc<Vault>,
    client: reqwest::Client,
    settings: WebhookSettings,
}

impl Sender {
    pub fn new(db: Db, vault: Arc<Vault>, settings: WebhookSettings) -> Result<Self, NotifyError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.timeout_ms))
            // A HIS's endpoint answers itself: following a redirect would post the claim's news
            // wherever a compromised or mistaken endpoint points.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("hisgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NotifyError::Client(e.to_string()))?;
        Ok(Sender { db, vault, client, settings })
    }

    pub async fn run(self) {
        let period = Duration::from_millis(self.settings.poll_ms.clamp(20, 60_000));
        loop {
            match self.pass().await {
                // A full pass: more may be due at once.
                Ok(posted) if posted >= self.batch() as usize => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "callback pass failed"),
            }
            tokio::time::sleep(period).await;
        }
    }

    /// Deliveries leased per pass: a few rounds of the concurrency.
    fn batch(&self) -> i64 {
        (self.settings.concurrency.max(1) * 4) as i64
    }

    /// Leases the due deliveries, posts them and records the attempts; how many were posted.
    pub async fn pass(&self) -> Result<usize, StoreError> {
        let batch = self.batch();
        // The lease outlasts a pass's posts: four rounds of timeouts, and a margin.
        let lease_ms = (self.settings.timeout_ms as i64) * 5 + 10_000;
        let due = self.db.write(move |c| webhooks::lease(c, batch, lease_ms)).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let attempts: Vec<(Delivery, Attempt)> = futures_util::stream::iter(due)
            .map(|delivery| async move {
                let attempt = self.attempt(&delivery).await;
                (delivery, attempt)
            })
            .buffer_unordered(self.settings.concurrency.max(1))
            .collect()
            .await;
        for (_, attempt) in &attempts {
            let outcome = match attempt {
                Attempt::Delivered => "delivered",
                Attempt::Failed { retry_at: Some(_), .. } => "retry",
                Attempt::Failed { retry_at: None, .. } => "dead_letter",
            };
            metrics::counter!("hisgate_webhook_attempts_total", "outcome" => outcome).increment(1);
        }
        let posted = attempts.len();
        let attempts = Arc::new(attempts);
        self.db.write_retrying(move |c| webhooks::record(c, &attempts)).await?;
        Ok(posted)
    }

    async fn attempt(&self, delivery: &Delivery) -> Attempt {
        let (Some(url), Some(sealed)) = (&delivery.url, &delivery.secret) else {
            return Attempt::Failed {
                error: "the facility has no callback endpoint any more".to_owned(),
                retry_at: None,
            };
        };
        let secret = match self.vault.open(sealed, delivery.secret_key_id.as_deref(), delivery.facility_code.as_str()) {
            Ok(secret) => secret,
            Err(e) => {
                tracing::warn!(facility = %delivery.facility_code, error = %e, "a callback secret cannot be opened");
                return self.failed("the endpoint's secret cannot be opened with the master keys", delivery);
            }
        };
        let timestamp = now_ms() / 1000;
        let sent = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(EVENT_ID_HEADER, &delivery.event_id)
            .header(EVENT_HEADER, delivery.event.as_str())
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature(&secret, timestamp, &delivery.body))
            .body(delivery.body.clone())
            .send()
            .await;
        match sent {
            Ok(answer) if answer.status().is_success() => Attempt::Delivered,
            Ok(answer) => self.failed(&format!("answered HTTP {}", answer.status().as_u16()), delivery),
            Err(e) => self.failed(&transport_failure(&e), delivery),
        }
    }

    /// A failed attempt: retried after a growing, jittered delay, or given up when that would
    /// fall after the delivery's window.
    fn failed(&self, error: &str, delivery: &Delivery) -> Attempt {
        let doublings = delivery.attempts.clamp(0, 30) as u32;
        let ceiling = self.settings.retry_base_ms.saturating_mul(1 << doublings).min(self.settings.retry_max_ms).max(2);
        let delay = rand::rng().random_range(ceiling / 2..=ceiling) as i64;
        let retry_at = now_ms() + delay;
        let window_ends = delivery.window_started_at + (self.settings.give_up_seconds as i64) * 1000;
        Attempt::Failed { error: error.to_owned(), retry_at: (retry_at < window_ends).then_some(retry_at) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_documented_hmac() {
        // Computed apart, as docs/WEBHOOKS.md tells a HIS to: Python's
        // hmac.new(b"Jefe", b'1700000000.{"event":"claim.sent"}', hashlib.sha256).hexdigest()
        let body = r#"{"event":"claim.sent"}"#;
        assert_eq!(
            signature("Jefe", 1_700_000_000, body),
            "v1=88904efb416fca111c4ab71f95eb6994db43b11192f82a8723953238c1fcdb21"
        );
        assert_ne!(
            signature("Jefe", 1_700_000_001, body),
            signature("Jefe", 1_700_000_000, body),
            "the time is signed"
        );
    }
}
