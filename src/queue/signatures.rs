//! Files of facilities whose key a remote signing service holds. Such a file is written once to
//! learn its digest; the service is asked to sign its `SignedInfo`, the request is stored with the
//! file's digest and date, and its jobs wait (`awaiting_signature`) — nothing is sent unsigned. A
//! poller asks the service about due requests; once the key holder has confirmed, the jobs go back
//! to the queue and their file is written again, the same bytes for the same episodes and date,
//! with the signature put in place (`file.rs`). A refusal or an expiry fails the jobs with the
//! reason, retried by the dispatch policy with a new request.

use super::{Dispatcher, FileGroup, backoff_ms};
use crate::config::DispatchSettings;
use crate::formats::xml130;
use crate::formats::xml130::sign::PendingSignature;
use crate::portal::signer::{SignatureState, SignerError};
use crate::store::outbox::{self, Job};
use crate::store::signatures::{self, NewRequest, SignatureRequest};
use crate::store::{AnyConnection, StoreError, now_ms};
use crate::vocabulary::SignatureStatus;
use base64::Engine;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use tokio::sync::Notify;

/// Requests asked about per poll.
const POLL_BATCH: i64 = 32;

/// How a request's jobs are told of a failed signature.
fn failure_text(status: SignatureStatus, reason: &str) -> String {
    match status {
        SignatureStatus::Refused => format!("the remote signature was refused: {reason}"),
        _ => format!("the remote signature expired unconfirmed: {reason}"),
    }
}

/// Fails the jobs of one file, all retried at the same moment (one backoff drawn for the file),
/// so that they make one file again and the key holder is asked once; those past the attempt
/// limit go to the dead letters.
fn fail_together(
    c: &mut AnyConnection,
    jobs: &[Job],
    error: &str,
    settings: &DispatchSettings,
) -> Result<(), StoreError> {
    let Some(attempts) = jobs.iter().map(|j| j.attempts).max() else { return Ok(()) };
    let at = now_ms() + backoff_ms(settings, attempts) as i64;
    jobs.iter().try_for_each(|j| {
        let retry = (j.attempts + 1 < settings.max_attempts).then_some(at);
        outbox::mark_failed(c, j, error, None, retry)
    })
}

impl Dispatcher {
    /// The file of `jobs`, dated `day`, waits for its remote signature: an earlier request for the
    /// same file (the other portal's copy, a retry the same day) is reused, else the service is
    /// asked. A service that cannot be asked fails the jobs to be retried.
    pub(super) async fn await_signature(
        &self,
        facility: &str,
        day: NaiveDate,
        pending: PendingSignature,
        jobs: Vec<Job>,
    ) -> Result<(), StoreError> {
        let _asking = self.asking_for_signature.lock().await;
        let (at, digest) = (facility.to_owned(), pending.document_digest.clone());
        if let Some(request) = self.db.read(move |c| signatures::reusable(c, &at, &digest)).await? {
            let signed = request.status == SignatureStatus::Signed;
            return self.db.write(move |c| signatures::attach(c, request.id, signed, &jobs)).await;
        }
        let Some(service) = self.portals.remote_signers.get(facility) else {
            let error = "the facility's remote signing service is not configured on this instance".to_owned();
            return self.fail_unsigned(jobs, error).await;
        };
        let file_date = day.format("%Y%m%d").to_string();
        let description = format!("GIAMDINHHS {facility} {file_date}: {} HOSO", jobs.len());
        let transaction = match service.request(&pending.signed_info_sha256, &description).await {
            Ok(transaction) => transaction,
            Err(e) => return self.fail_unsigned(jobs, format!("the file could not be sent for signing: {e}")).await,
        };
        metrics::counter!("hisgate_signature_requests_total").increment(1);
        tracing::info!(%facility, episodes = jobs.len(), %transaction, "file awaiting the remote signature");
        let now = now_ms();
        let (facility, poll) = (facility.to_owned(), self.settings.signature_poll_ms as i64);
        let deadline_at = now + self.settings.signature_wait_seconds as i64 * 1000;
        self.db
            .write(move |c| {
                let request = NewRequest {
                    facility_code: &facility,
                    document_digest: &pending.document_digest,
                    file_date: &file_date,
                    transaction_id: &transaction,
                    deadline_at,
                    first_poll_at: now + poll,
                };
                let id = signatures::insert(c, &request)?;
                signatures::attach(c, id, false, &jobs)
            })
            .await
    }

    /// Gathers the files of facilities that sign remotely, so that the key holder confirms one
    /// file per `signature_gather_ms` window rather than one per episode: a group not signed yet
    /// and short of a full file is given back untried, due at the end of the window its oldest
    /// episode arrived in — the same moment for every episode of that window.
    pub(super) async fn gather_for_signing(
        &self,
        groups: &mut BTreeMap<FileGroup, Vec<Job>>,
    ) -> Result<(), StoreError> {
        let window = self.settings.signature_gather_ms as i64;
        if window == 0 || self.portals.remote_signers.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        let mut held: Vec<(Vec<Job>, i64)> = Vec::new();
        groups.retain(|(facility, request, _), jobs| {
            let oldest = jobs.iter().map(|j| j.received_at).min().unwrap_or(now);
            let due = (oldest / window + 1) * window;
            let hold = request.is_none()
                && self.portals.remote_signers.contains_key(facility.as_str())
                && jobs.len() < self.settings.batch_size
                && now < due;
            if hold {
                held.push((std::mem::take(jobs), due));
            }
            !hold
        });
        if held.is_empty() {
            return Ok(());
        }
        self.db.write_retrying(move |c| held.iter().try_for_each(|(jobs, due)| outbox::release(c, jobs, *due))).await
    }

    /// Whether `value` is the facility's signature of the request's file, by its certificate.
    fn signed_by_the_facility(&self, request: &SignatureRequest, value: &[u8]) -> bool {
        self.signers
            .get(&request.facility_code)
            .is_some_and(|signer| xml130::remote_signature_verifies(signer, &request.document_digest, value))
    }

    /// Fails jobs whose file is not signed, to be retried by the dispatch policy.
    async fn fail_unsigned(&self, jobs: Vec<Job>, error: String) -> Result<(), StoreError> {
        tracing::warn!(episodes = jobs.len(), %error, "file not signed; will retry");
        let settings = self.settings.clone();
        self.db.write_retrying(move |c| fail_together(c, &jobs, &error, &settings)).await
    }

    /// Runs until aborted when some facility signs remotely: asks the services about due requests
    /// every `signature_poll_ms`, and wakes the dispatcher when files are signed.
    pub(super) async fn signature_work(&self, wake: &Notify) {
        if self.portals.remote_signers.is_empty() {
            return;
        }
        let tick = std::time::Duration::from_millis(self.settings.signature_poll_ms.max(1));
        loop {
            match self.signature_pass().await {
                Ok(released) if released > 0 => wake.notify_waiters(),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "signature poll failed; its requests are asked about again"),
            }
            tokio::time::sleep(tick).await;
        }
    }

    /// One poll: the due requests, each asked about and settled. Returns the jobs put back in
    /// the queue.
    async fn signature_pass(&self) -> Result<usize, StoreError> {
        let lease = self.settings.signature_poll_ms as i64;
        let due = self.db.write(move |c| signatures::lease_due(c, POLL_BATCH, lease)).await?;
        let mut released = 0;
        for request in due {
            released += self.settle(request).await?;
        }
        Ok(released)
    }

    /// Asks the service about one request and records the answer.
    async fn settle(&self, request: SignatureRequest) -> Result<usize, StoreError> {
        let state = match self.portals.remote_signers.get(&request.facility_code) {
            Some(service) => service.state(&request.transaction_id).await,
            None => Err(SignerError::Refused("the facility's remote signing service is not configured".into())),
        };
        let late = now_ms() >= request.deadline_at;
        let (status, reason) = match state {
            Ok(SignatureState::Signed(value)) if !self.signed_by_the_facility(&request, &value) => (
                SignatureStatus::Refused,
                "the service's signature does not verify against the facility's certificate (cert_pem)".into(),
            ),
            Ok(SignatureState::Signed(value)) => {
                let waited = (now_ms() - request.created_at).max(0) as f64 / 1000.0;
                metrics::histogram!("hisgate_signing_seconds", "key" => "remote").record(waited);
                let signature = base64::engine::general_purpose::STANDARD.encode(value);
                let id = request.id;
                let released = self.db.write(move |c| signatures::settle_signed(c, id, &signature)).await?;
                tracing::info!(facility = %request.facility_code, released, waited, "remote signature confirmed");
                return Ok(released);
            }
            Ok(SignatureState::Refused(reason)) => (SignatureStatus::Refused, reason),
            Ok(SignatureState::Expired) => (SignatureStatus::Expired, "the service says the request expired".into()),
            Ok(SignatureState::Pending) | Err(SignerError::Unavailable(_)) if !late => return Ok(0),
            Ok(SignatureState::Pending) => (SignatureStatus::Expired, "not confirmed within the wait allowed".into()),
            Err(e) => (SignatureStatus::Expired, e.to_string()),
        };
        metrics::counter!("hisgate_signature_failures_total", "status" => status.as_str()).increment(1);
        tracing::warn!(facility = %request.facility_code, status = status.as_str(), %reason, "remote signature not given");
        let (id, error, settings) = (request.id, failure_text(status, &reason), self.settings.clone());
        self.db
            .write(move |c| {
                let jobs = signatures::settle_failed(c, id, status, &reason)?;
                fail_together(c, &jobs, &error, &settings)
            })
            .await?;
        Ok(0)
    }
}
