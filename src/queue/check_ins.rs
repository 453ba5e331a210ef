//! The check-in lane: workers of their own lease due check-ins (XML0) and send each as its own
//! `CHI_TIEU_TRANG_THAI_KCB` document, so that no dossier backlog is ahead of a real-time
//! check-in. A pass records all its results in one write.

use super::{Dispatcher, FileKind, retry_at};
use crate::domain::records::CheckIn;
use crate::formats::xml130;
use crate::portal::PortalError;
use crate::store::check_ins::{self, CheckInJob, CheckInResult};
use crate::store::{StoreError, now_ms};
use crate::vocabulary::{Destination, FacilityCode};
use futures_util::StreamExt;
use sha2::Digest;
use std::collections::BTreeMap;
use tokio::sync::Notify;

/// Check-in workers, how many check-ins one leases, and how many of them it sends at once.
pub(super) const WORKERS: usize = 2;
const LEASE: i64 = 64;
const IN_FLIGHT: usize = 8;

/// A leased check-in and the document that carries it.
type Ready = (CheckInJob, Vec<u8>);

impl Dispatcher {
    pub(super) async fn check_in_work(&self, wake: &Notify) {
        let tick = std::time::Duration::from_millis(self.settings.tick_ms);
        loop {
            match self.check_in_pass().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => {
                    metrics::counter!("hisgate_dispatch_pass_failures_total").increment(1);
                    tracing::warn!(error = %e, "check-in pass failed; its leases expire and the jobs are taken again");
                }
            }
            let _ = tokio::time::timeout(tick, wake.notified()).await;
        }
    }

    /// Leases due check-ins, settles those whose last sending went unanswered, sends the rest
    /// several at once and records every result; returns how many were taken.
    async fn check_in_pass(&self) -> Result<usize, StoreError> {
        let destinations = self.portals.accepting();
        if destinations.is_empty() || self.db.read(crate::store::outbox::is_paused).await? {
            return Ok(0);
        }
        let (worker, lease) = (self.worker.clone(), self.settings.lease_ms);
        let jobs = self.db.write(move |c| check_ins::lease(c, &destinations, &worker, LEASE, lease)).await?;
        let taken = jobs.len();
        if taken == 0 {
            return Ok(0);
        }
        let mut results = Vec::with_capacity(taken);
        let mut ready = Vec::with_capacity(taken);
        for job in jobs {
            let record = job.record.open(&self.vault)?.unwrap_or_default();
            match serde_json::from_str::<CheckIn>(&record) {
                Ok(record) => {
                    let document = xml130::check_in_document(std::slice::from_ref(&record)).into_bytes();
                    ready.push((job, document));
                }
                Err(e) => {
                    let error = format!("the stored check-in is unreadable: {e}");
                    results.push((job, CheckInResult::Failed { error, retry_at: None, uncertain: false }));
                }
            }
        }
        let ready = self.settle_unanswered_check_ins(ready, &mut results).await;
        let sent: Vec<(CheckInJob, CheckInResult)> = futures_util::stream::iter(ready)
            .map(|(job, document)| async move {
                let result = self.send_check_in(&job, &document).await;
                (job, result)
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        results.extend(sent);
        self.db.write_retrying(move |c| check_ins::record(c, &results)).await?;
        Ok(taken)
    }

    async fn send_check_in(&self, job: &CheckInJob, document: &[u8]) -> CheckInResult {
        let started = std::time::Instant::now();
        let result = self.send(FileKind::CheckIn, job.destination, &job.facility_code, document).await;
        metrics::histogram!("hisgate_portal_call_seconds", "destination" => job.destination.as_str())
            .record(started.elapsed().as_secs_f64());
        match result {
            Ok(transaction_id) => {
                metrics::histogram!("hisgate_check_in_acceptance_to_ack_seconds", "destination" => job.destination.as_str())
                    .record((now_ms() - job.received_at).max(0) as f64 / 1000.0);
                CheckInResult::Delivered { transaction_id }
            }
            Err(PortalError::CircuitOpen { retry_in }) => {
                CheckInResult::Released { at: now_ms() + retry_in.as_millis() as i64 }
            }
            Err(e) => {
                tracing::warn!(destination = %job.destination, facility = %job.facility_code, error = %e, "check-in not sent");
                self.failed(job, &e)
            }
        }
    }

    /// A failed attempt: retried with backoff unless the portal refused the content.
    fn failed(&self, job: &CheckInJob, e: &PortalError) -> CheckInResult {
        let retried = e.is_transient() || matches!(e, PortalError::Unauthorised(_));
        CheckInResult::Failed {
            error: e.to_string(),
            retry_at: retry_at(&self.settings, job.attempts).filter(|_| retried),
            uncertain: matches!(e, PortalError::Uncertain(_)),
        }
    }

    /// Check-ins whose earlier sending to BHXH got no answer: asks its receipt list (`loaiHoSo`
    /// 0) which it holds already, the same document for the same `MA_LK`, and records those as
    /// delivered instead of sending them twice. While the list cannot be read they wait, as
    /// unanswered dossiers do. Returns the check-ins still to send.
    async fn settle_unanswered_check_ins(
        &self,
        ready: Vec<Ready>,
        results: &mut Vec<(CheckInJob, CheckInResult)>,
    ) -> Vec<Ready> {
        let Some(bhxh) = self.portals.bhxh.as_ref() else { return ready };
        let (unanswered, mut still): (Vec<Ready>, Vec<Ready>) = ready
            .into_iter()
            .partition(|(job, _)| job.destination == Destination::Bhxh && job.uncertain_since.is_some());
        let mut by_facility: BTreeMap<FacilityCode, Vec<Ready>> = BTreeMap::new();
        for item in unanswered {
            by_facility.entry(item.0.facility_code.clone()).or_default().push(item);
        }
        for (facility, items) in by_facility {
            let keys: Vec<&str> = items.iter().map(|(job, _)| job.episode_key.as_str()).collect();
            let receipts = match bhxh.check_in_receipts(&facility, &keys).await {
                Ok(receipts) => receipts,
                Err(e) => {
                    tracing::warn!(%facility, error = %e, "check-in receipt list unavailable; unanswered check-ins wait");
                    results.extend(items.into_iter().map(|(job, _)| {
                        let result = match &e {
                            PortalError::CircuitOpen { retry_in } => {
                                CheckInResult::Released { at: now_ms() + retry_in.as_millis() as i64 }
                            }
                            e => CheckInResult::Failed {
                                error: format!("receipt list unavailable: {e}"),
                                retry_at: retry_at(&self.settings, job.attempts),
                                uncertain: true,
                            },
                        };
                        (job, result)
                    }));
                    continue;
                }
            };
            for (job, document) in items {
                let sha =
                    hex::encode(sha2::Sha256::digest(document.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&document)));
                match receipts.iter().find(|r| r.episode_key == job.episode_key && r.content_sha256 == sha) {
                    Some(receipt) => {
                        metrics::counter!("hisgate_dispatch_found_received_total").increment(1);
                        let transaction_id = receipt.transaction_id.clone();
                        results.push((job, CheckInResult::Delivered { transaction_id }));
                    }
                    None => still.push((job, document)),
                }
            }
        }
        still
    }
}
