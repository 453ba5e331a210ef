//! What a portal's answer to a file does to its jobs: sent, refused, split and sent again, held
//! for the hour large files go, or retried with backoff.

use super::{Dispatcher, OUTSIDE_SETTLEMENT_WINDOW, backoff_ms, retry_at};
use crate::portal::PortalError;
use crate::store::outbox::{self, Job};
use crate::store::{StoreError, now_ms};
use crate::vocabulary::Destination;
use std::sync::Arc;

/// The `result` label of `hisgate_dispatch_attempts_total`.
pub(super) fn result_label(result: &Result<String, PortalError>) -> &'static str {
    match result {
        Ok(_) => "sent",
        Err(PortalError::Transient(_)) => "transient",
        Err(PortalError::Uncertain(_)) => "uncertain",
        Err(PortalError::CircuitOpen { .. }) => "circuit_open",
        Err(PortalError::Unauthorised(_)) => "unauthorised",
        Err(PortalError::Refused { .. }) => "refused",
        Err(PortalError::TooLarge(_)) => "too_large",
        Err(PortalError::OutsideSettlementWindow(_)) => "outside_settlement_window",
        Err(PortalError::NotOffered(_)) => "not_offered",
    }
}

impl Dispatcher {
    /// Records the portal's answer to the file of `sendable`.
    pub(super) async fn record(
        &self,
        result: Result<String, PortalError>,
        destination: Destination,
        facility: &str,
        sendable: Vec<Job>,
    ) -> Result<(), StoreError> {
        match result {
            Err(PortalError::Refused { .. } | PortalError::OutsideSettlementWindow(_)) if sendable.len() > 1 => {
                for job in sendable {
                    self.send_batch(vec![job], None).await?;
                }
                Ok(())
            }
            Ok(transaction) => {
                let awaits = destination == Destination::Bhxh;
                let first_poll = now_ms() + self.settings.poll_interval_ms as i64;
                tracing::info!(%destination, %facility, episodes = sendable.len(), %transaction, "file sent");
                let now = now_ms();
                for job in &sendable {
                    metrics::histogram!("hisgate_acceptance_to_ack_seconds", "destination" => destination.as_str())
                        .record((now - job.received_at).max(0) as f64 / 1000.0);
                }
                self.db.write(move |c| outbox::mark_all_sent(c, &sendable, &transaction, awaits, first_poll)).await
            }
            Err(PortalError::Refused { code, message }) => {
                tracing::warn!(%destination, %facility, %code, "file refused");
                let error = format!("refused ({code}): {message}");
                self.db
                    .write(move |c| {
                        sendable
                            .iter()
                            .try_for_each(|j| outbox::mark_failed(c, j, &error, Some((&code, &message)), None))
                    })
                    .await
            }
            Err(PortalError::TooLarge(_)) if sendable.len() > 1 => {
                let mut first = sendable;
                let second = first.split_off(first.len() / 2);
                tracing::info!(%destination, %facility, "file too large for the hour; sent again in two halves");
                self.send_batch(first, None).await?;
                self.send_batch(second, None).await
            }
            Err(PortalError::TooLarge(message)) => self.send_when_large_files_go(sendable, &message).await,
            Err(PortalError::OutsideSettlementWindow(message)) => {
                tracing::warn!(%destination, %facility, "outside the settlement window; dead-lettered");
                let error = format!("{OUTSIDE_SETTLEMENT_WINDOW}: {message}");
                self.db
                    .write(move |c| {
                        sendable
                            .iter()
                            .try_for_each(|j| outbox::mark_failed(c, j, &error, Some(("701", &message)), None))
                    })
                    .await
            }
            Err(PortalError::CircuitOpen { retry_in }) => {
                let at = now_ms() + retry_in.as_millis() as i64;
                self.db.write_retrying(move |c| outbox::release(c, &sendable, at)).await
            }
            Err(e) => {
                tracing::warn!(%destination, %facility, error = %e, "send failed; will retry");
                self.retry_later(sendable, &e).await
            }
        }
    }

    /// One `HOSO` refused as too large for the hour (`1001`) goes again when the portal's busy
    /// window ends, with no attempt counted; outside a busy window it backs off like a retry, but
    /// never reaches the dead letters: the content is not at fault.
    async fn send_when_large_files_go(&self, jobs: Vec<Job>, message: &str) -> Result<(), StoreError> {
        let now = chrono::Utc::now();
        let window = crate::portal::bhxh::large_file_window(now);
        if window > now {
            let at = window.timestamp_millis();
            tracing::info!(episodes = jobs.len(), at, "file too large for the hour; sent when the busy window ends");
            return self.db.write_retrying(move |c| outbox::release(c, &jobs, at)).await;
        }
        let error = format!("1001: {message}");
        let settings = self.settings.clone();
        self.db
            .write_retrying(move |c| {
                jobs.iter().try_for_each(|j| {
                    let retry_at = now_ms() + backoff_ms(&settings, j.attempts) as i64;
                    outbox::mark_failed(c, j, &error, None, Some(retry_at))
                })
            })
            .await
    }

    /// Back to pending with backoff (or to the dead letters past the attempt limit); an
    /// unanswered call also marks the jobs uncertain.
    pub(super) async fn retry_later(&self, jobs: Vec<Job>, e: &PortalError) -> Result<(), StoreError> {
        let error = e.to_string();
        let uncertain = matches!(e, PortalError::Uncertain(_));
        let settings = self.settings.clone();
        let jobs = Arc::new(jobs);
        self.db
            .write_retrying(move |c| {
                jobs.iter().try_for_each(|j| {
                    outbox::mark_failed(c, j, &error, None, retry_at(&settings, j.attempts))?;
                    if uncertain { outbox::mark_uncertain(c, j) } else { Ok(()) }
                })
            })
            .await
    }
}
