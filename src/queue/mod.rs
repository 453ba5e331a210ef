//! The dispatcher: leases due outbox jobs, sends them to their portal in `GIAMDINHHS` files of up to
//! `batch_size` episodes per facility, and records what happened. Retryable failures come back with
//! exponential backoff and jitter; refusals and jobs past `max_attempts` go to the dead letters.
//!
//! The lease is taken and committed before the portal is called, so no database connection is held
//! during the call, and a worker that dies leaves its jobs to be taken again once the lease runs out.

mod check_ins;
pub mod routes;

use crate::config::{BhxhProtocol, DispatchSettings};
use crate::domain::Episode;
use crate::domain::spec::Profile;
use crate::formats::xml130;
use crate::formats::xml130::sign::SignError;
use crate::formats::xml130::signers::Signers;
use crate::portal::PortalError;
use crate::portal::bhxh::BhxhClient;
use crate::portal::guard::CircuitView;
use crate::portal::moh::MohClient;
use crate::store::outbox::{self, Job};
use crate::store::{Db, StoreError, now_ms};
use crate::vault::Vault;
use crate::vocabulary::Destination;
use futures_util::StreamExt;
use rand::Rng;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::Notify;

/// The portals this instance can reach, by destination name.
#[derive(Clone, Default)]
pub struct Portals {
    pub bhxh: Option<Arc<BhxhClient>>,
    pub moh: Option<Arc<MohClient>>,
}

impl Portals {
    /// The destinations whose portal would take a call now (configured, circuit not open).
    fn accepting(&self) -> Vec<Destination> {
        let mut d = Vec::new();
        if self.bhxh.as_ref().is_some_and(|p| p.guard().accepting()) {
            d.push(Destination::Bhxh);
        }
        if self.moh.as_ref().is_some_and(|p| p.guard().accepting()) {
            d.push(Destination::Moh);
        }
        d
    }

    /// The circuit of each configured portal, for the queue view.
    pub fn circuits(&self) -> BTreeMap<Destination, CircuitView> {
        let mut c = BTreeMap::new();
        if let Some(p) = &self.bhxh {
            c.insert(Destination::Bhxh, p.guard().view());
        }
        if let Some(p) = &self.moh {
            c.insert(Destination::Moh, p.guard().view());
        }
        c
    }
}

pub struct Dispatcher {
    db: Db,
    vault: Arc<Vault>,
    settings: DispatchSettings,
    /// Most `HOSO` in one BHXH file (`HISGATE_BHXH_HOSO_PER_FILE`, by profile).
    bhxh_hoso_per_file: usize,
    /// The amendment files are written to (`HISGATE_BHXH_PROFILE`); MoH takes the same file.
    profile: Profile,
    portals: Portals,
    signers: Arc<Signers>,
    worker: String,
}

/// What a dead letter of BHXH's `701` says, in Vietnamese and English.
const OUTSIDE_SETTLEMENT_WINDOW: &str = "701: gửi ngoài thời gian quyết toán (trong tháng hoặc đến ngày 05 tháng sau) \
     / sent outside the settlement window (within the month or up to the 5th of the next)";

/// The two kinds of file the portals take.
#[derive(Debug, Clone, Copy)]
enum FileKind {
    /// A `GIAMDINHHS` dossier file.
    Dossier,
    /// A `CHI_TIEU_TRANG_THAI_KCB` check-in document (XML0).
    CheckIn,
}

/// When a failed attempt `attempts + 1` goes again, or `None` once it was the last allowed.
fn retry_at(settings: &DispatchSettings, attempts: i32) -> Option<i64> {
    (attempts + 1 < settings.max_attempts).then(|| now_ms() + backoff_ms(settings, attempts) as i64)
}

/// Runs CPU-bound work on the blocking pool.
async fn off_runtime<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f).await.map_err(|_| StoreError::Cancelled)
}

/// Episodes read for a file: (episodes, their jobs, jobs whose content is gone).
type ReadEpisodes = (Vec<Episode>, Vec<Job>, Vec<Job>);

/// The jobs' stored episodes, opened and parsed: (episodes, their jobs, jobs whose content is
/// gone). An episode that does not open (its master key is not configured) fails the pass: its
/// jobs wait, leased, until the key is back, rather than failing one by one.
fn read_episodes(jobs: Vec<Job>, vault: &Vault) -> Result<ReadEpisodes, StoreError> {
    let mut episodes = Vec::with_capacity(jobs.len());
    let mut sendable = Vec::with_capacity(jobs.len());
    let mut unreadable = Vec::new();
    for job in jobs {
        match job.episode.open(vault)?.as_deref().map(serde_json::from_str::<Episode>) {
            Some(Ok(e)) => {
                episodes.push(e);
                sendable.push(job);
            }
            _ => unreadable.push(job),
        }
    }
    Ok((episodes, sendable, unreadable))
}

/// The last `GIAMDINHHS` file a pass built. A lease takes both destinations' jobs of the same
/// episodes together, and BHXH and MoH take the same signed file, so a file is written, signed and
/// its episodes read once for both.
#[derive(Default)]
struct LastFile(std::sync::Mutex<Option<(FileKey, Arc<Vec<u8>>)>>);

/// What makes two files equal: the facility, the file's date and its claim versions in file order.
type FileKey = (String, chrono::NaiveDate, Vec<(String, i32)>);

impl LastFile {
    /// The file kept under `key`, if it is the last one built.
    fn get(&self, key: &FileKey) -> Option<Arc<Vec<u8>>> {
        let last = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        last.as_ref().filter(|(k, _)| k == key).map(|(_, bytes)| bytes.clone())
    }

    fn keep(&self, key: FileKey, bytes: Arc<Vec<u8>>) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((key, bytes));
    }
}

fn file_key(facility: &str, day: chrono::NaiveDate, jobs: &[Job]) -> FileKey {
    (facility.to_owned(), day, jobs.iter().map(|j| (j.claim_id.clone(), j.version)).collect())
}

/// Delay before attempt `attempts + 1`: base × 2^attempts, capped, ±25% jitter.
pub fn backoff_ms(settings: &DispatchSettings, attempts: i32) -> u64 {
    let exp = settings.backoff_base_ms.saturating_mul(1u64 << attempts.clamp(0, 30)).min(settings.backoff_max_ms);
    let jitter = rand::rng().random_range(0.75..1.25);
    (exp as f64 * jitter) as u64
}

impl Dispatcher {
    pub fn new(
        db: Db,
        vault: Arc<Vault>,
        settings: DispatchSettings,
        protocol: &BhxhProtocol,
        portals: Portals,
        signers: Arc<Signers>,
    ) -> Self {
        let worker = format!("{}-{}", std::process::id(), uuid::Uuid::now_v7().simple());
        let bhxh_hoso_per_file = protocol.hoso_per_file(settings.batch_size);
        Dispatcher { db, vault, settings, bhxh_hoso_per_file, profile: protocol.profile, portals, signers, worker }
    }

    /// Runs until the task is aborted: `concurrency` workers, each leasing one file's worth of
    /// jobs at a time, so that a worker whose file is done takes the next at once instead of
    /// waiting for the slowest file of a shared pass. A worker sleeps until the next tick, or
    /// until ingest wakes one; a worker that found a full file wakes another.
    pub async fn run(self, wake: Arc<Notify>) {
        let dossiers = futures_util::future::join_all((0..self.settings.concurrency).map(|_| self.work(&wake)));
        let check_ins = futures_util::future::join_all((0..check_ins::WORKERS).map(|_| self.check_in_work(&wake)));
        futures_util::future::join(dossiers, check_ins).await;
    }

    async fn work(&self, wake: &Notify) {
        let tick = std::time::Duration::from_millis(self.settings.tick_ms);
        loop {
            match self.pass().await {
                Ok(n) if n >= self.settings.batch_size => {
                    wake.notify_one();
                    continue;
                }
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => {
                    metrics::counter!("hisgate_dispatch_pass_failures_total").increment(1);
                    tracing::warn!(error = %e, "dispatch pass failed; its leases expire and the jobs are taken again");
                }
            }
            let _ = tokio::time::timeout(tick, wake.notified()).await;
        }
    }

    /// One worker's pass: lease up to `batch_size` jobs, send them (one file per destination and
    /// facility, one after the other) and record the results. Returns how many jobs were taken.
    async fn pass(&self) -> Result<usize, StoreError> {
        let destinations = self.portals.accepting();
        if destinations.is_empty() || self.db.read(outbox::is_paused).await? {
            return Ok(0);
        }
        let limit = self.settings.batch_size as i64;
        let (worker, lease) = (self.worker.clone(), self.settings.lease_ms);
        let jobs = self.db.write(move |c| outbox::claim(c, &destinations, &worker, limit, lease)).await?;
        let taken = jobs.len();
        // By facility first, so that a facility's BHXH and MoH files follow each other and the
        // second reuses the first (`LastFile`).
        let mut groups: BTreeMap<(String, Destination), Vec<Job>> = BTreeMap::new();
        let mut cancelled = Vec::new();
        for job in jobs {
            if job.superseded_at.is_some() {
                cancelled.push(job);
            } else {
                groups.entry((job.facility_code.clone(), job.destination)).or_default().push(job);
            }
        }
        if !cancelled.is_empty() {
            self.db.write(move |c| cancelled.iter().try_for_each(|j| outbox::mark_superseded(c, j))).await?;
        }
        let batches: Vec<Vec<Job>> = groups
            .into_iter()
            .flat_map(|((_, destination), jobs)| {
                // A FHIR Bundle carries one episode; BHXH takes as many as its profile allows.
                let size = match destination {
                    _ if self.sends_fhir(destination) => 1,
                    Destination::Bhxh => self.bhxh_hoso_per_file,
                    _ => self.settings.batch_size,
                };
                let mut jobs = jobs;
                let mut out = Vec::new();
                while !jobs.is_empty() {
                    let rest = jobs.split_off(jobs.len().min(size));
                    out.push(std::mem::replace(&mut jobs, rest));
                }
                out
            })
            .collect();
        // Every file is sent even if recording an earlier one failed; the first failure is reported.
        let last = LastFile::default();
        let results: Vec<Result<(), StoreError>> =
            futures_util::stream::iter(batches).then(|batch| self.send_batch(batch, Some(&last))).collect().await;
        results.into_iter().collect::<Result<(), _>>()?;
        Ok(taken)
    }

    /// The MoH destination takes FHIR Bundles instead of `GIAMDINHHS` files when so configured.
    fn sends_fhir(&self, destination: Destination) -> bool {
        destination == Destination::Moh && self.settings.moh_format == crate::config::MohFormat::Fhir
    }

    /// Sends one file of `kind` to `destination`; answers the portal's transaction id.
    async fn send(
        &self,
        kind: FileKind,
        destination: Destination,
        facility: &str,
        xml: &[u8],
    ) -> Result<String, PortalError> {
        match destination {
            Destination::Bhxh => match (&self.portals.bhxh, kind) {
                (Some(c), FileKind::Dossier) => c.submit_dossier(facility, xml).await.map(|r| r.transaction_id),
                (Some(c), FileKind::CheckIn) => c.submit_check_in(facility, xml).await.map(|r| r.transaction_id),
                (None, _) => Err(PortalError::Transient("no BHXH portal configured".into())),
            },
            Destination::Moh => match (&self.portals.moh, kind) {
                (Some(c), FileKind::Dossier) => c.submit_dossier(facility, xml).await,
                (Some(c), FileKind::CheckIn) => c.submit_check_in(facility, xml).await,
                (None, _) => Err(PortalError::Transient("no MoH portal configured".into())),
            },
        }
    }

    /// Sends one file; if the portal refuses a file of several episodes, each is sent alone so
    /// that one bad episode does not take the others to the dead letters. A file equal to the
    /// pass's `last` one (same facility, day and claim versions) is not built again.
    fn send_batch<'a>(
        &'a self,
        jobs: Vec<Job>,
        last: Option<&'a LastFile>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), StoreError>> + Send + 'a>> {
        Box::pin(async move {
            let (destination, facility) = (jobs[0].destination, jobs[0].facility_code.clone());
            // Claims are locked in claim-id order by every writer, so writers never deadlock.
            let mut jobs = jobs;
            jobs.sort_by(|a, b| a.claim_id.cmp(&b.claim_id));
            let fhir = self.portals.moh.as_ref().filter(|_| self.sends_fhir(destination));
            let today = crate::domain::time::vietnam_today();
            // Jobs that may be held by BHXH already are checked against its receipts first.
            let built = last
                .filter(|_| fhir.is_none() && jobs.iter().all(|j| j.uncertain_since.is_none()))
                .and_then(|last| last.get(&file_key(&facility, today, &jobs)));
            let (payload, sendable) = match built {
                Some(bytes) => {
                    metrics::counter!("hisgate_dispatch_files_reused_total").increment(1);
                    (Ok(bytes), jobs)
                }
                None => match self.build(destination, &facility, today, jobs, fhir.is_some()).await? {
                    Some((payload, sendable)) => {
                        if let (Some(last), Ok(bytes), None) = (last, &payload, fhir) {
                            last.keep(file_key(&facility, today, &sendable), bytes.clone());
                        }
                        (payload, sendable)
                    }
                    None => return Ok(()),
                },
            };
            let started = std::time::Instant::now();
            let result = match (payload, fhir) {
                (Ok(bundle), Some(moh)) => moh.submit_bundle(&facility, &bundle).await,
                (Ok(signed), None) => self.send(FileKind::Dossier, destination, &facility, &signed).await,
                (Err(e), _) => Err(PortalError::Transient(format!("the file could not be signed: {e}"))),
            };
            metrics::histogram!("hisgate_portal_call_seconds", "destination" => destination.as_str())
                .record(started.elapsed().as_secs_f64());
            let outcome = match &result {
                Ok(_) => "sent",
                Err(PortalError::Transient(_)) => "transient",
                Err(PortalError::Uncertain(_)) => "uncertain",
                Err(PortalError::CircuitOpen { .. }) => "circuit_open",
                Err(PortalError::Unauthorised(_)) => "unauthorised",
                Err(PortalError::Refused { .. }) => "refused",
                Err(PortalError::TooLarge(_)) => "too_large",
                Err(PortalError::OutsideSettlementWindow(_)) => "outside_settlement_window",
                Err(PortalError::NotOffered(_)) => "not_offered",
            };
            metrics::counter!("hisgate_dispatch_attempts_total", "destination" => destination.as_str(), "result" => outcome)
                .increment(sendable.len() as u64);
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
        })
    }

    /// Reads the jobs' episodes, settles those BHXH may hold already and writes the file (a
    /// signed `GIAMDINHHS`, or a FHIR Bundle of one episode). Returns the file and the jobs it
    /// carries, or `None` when none is left to send.
    async fn build(
        &self,
        destination: Destination,
        facility: &str,
        today: chrono::NaiveDate,
        jobs: Vec<Job>,
        bundle: bool,
    ) -> Result<Option<(Result<Arc<Vec<u8>>, SignError>, Vec<Job>)>, StoreError> {
        // Reading the episodes and writing the file are CPU work: on the blocking pool, so that
        // several files are built at once and the runtime thread only waits on sockets.
        let vault = self.vault.clone();
        let (episodes, sendable, unreadable) = off_runtime(move || read_episodes(jobs, &vault)).await??;
        if !unreadable.is_empty() {
            self.db
                .write(move |c| {
                    unreadable.iter().try_for_each(|j| {
                        outbox::mark_failed(c, j, "the episode's content is no longer stored", None, None)
                    })
                })
                .await?;
        }
        let (episodes, sendable) = self.settle_unanswered(destination, facility, episodes, sendable).await?;
        if sendable.is_empty() {
            return Ok(None);
        }
        let (signers, at, profile) = (self.signers.clone(), facility.to_owned(), self.profile);
        // Only the file travels on; the episodes are dropped before the portal answers.
        let payload = off_runtime(move || {
            if bundle {
                return Ok(hisgate_fhir::episode_bundle(&episodes[0]).to_string().into_bytes());
            }
            xml130::signed_envelope(&at, today, &episodes, signers.get(&at), profile)
        })
        .await?;
        Ok(Some((payload.map(Arc::new), sendable)))
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
    async fn retry_later(&self, jobs: Vec<Job>, e: &PortalError) -> Result<(), StoreError> {
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

    /// Jobs whose earlier sending got no answer: asks BHXH which of them it already holds (same
    /// `MA_LK`, same content) and records those as sent under the portal's transaction id, so
    /// that no file reaches the portal twice. Returns the episodes and jobs still to send.
    /// (The MoH receiver offers no such list; it takes the same `MA_LK` again as a replacement.)
    async fn settle_unanswered(
        &self,
        destination: Destination,
        facility: &str,
        episodes: Vec<Episode>,
        jobs: Vec<Job>,
    ) -> Result<(Vec<Episode>, Vec<Job>), StoreError> {
        let Some(bhxh) = self.portals.bhxh.as_ref().filter(|_| destination == Destination::Bhxh) else {
            return Ok((episodes, jobs));
        };
        if jobs.iter().all(|j| j.uncertain_since.is_none()) {
            return Ok((episodes, jobs));
        }
        let keys: Vec<&str> =
            jobs.iter().filter(|j| j.uncertain_since.is_some()).map(|j| j.episode_key.as_str()).collect();
        let receipts = match bhxh.receipts(facility, &keys).await {
            Ok(r) => r,
            Err(e) => {
                // Sending blind could duplicate: the unanswered jobs wait for the next pass.
                tracing::warn!(%facility, error = %e, "receipt list unavailable; unanswered jobs wait");
                let (unanswered, rest): (Vec<_>, Vec<_>) =
                    episodes.into_iter().zip(jobs).partition(|(_, j)| j.uncertain_since.is_some());
                let unanswered: Vec<Job> = unanswered.into_iter().map(|(_, j)| j).collect();
                match e {
                    PortalError::CircuitOpen { retry_in } => {
                        let at = now_ms() + retry_in.as_millis() as i64;
                        self.db.write_retrying(move |c| outbox::release(c, &unanswered, at)).await?;
                    }
                    e => self.retry_later(unanswered, &e).await?,
                }
                return Ok(rest.into_iter().unzip());
            }
        };
        let mut found = Vec::new();
        let mut still = (Vec::new(), Vec::new());
        for (episode, job) in episodes.into_iter().zip(jobs) {
            let held =
                job.uncertain_since.is_some().then(|| xml130::hoso_sha256(&episode, self.profile)).and_then(|sha| {
                    receipts.iter().find(|r| r.episode_key == job.episode_key && r.content_sha256 == sha)
                });
            match held {
                Some(receipt) => found.push((job, receipt.transaction_id.clone())),
                None => {
                    still.0.push(episode);
                    still.1.push(job);
                }
            }
        }
        if !found.is_empty() {
            tracing::info!(%facility, episodes = found.len(), "unanswered files found received; not sent again");
            metrics::counter!("hisgate_dispatch_found_received_total").increment(found.len() as u64);
            let first_poll = now_ms() + self.settings.poll_interval_ms as i64;
            self.db
                .write_retrying(move |c| {
                    found
                        .iter()
                        .try_for_each(|(j, transaction)| outbox::mark_found_received(c, j, transaction, first_poll))
                })
                .await?;
        }
        Ok(still)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_a_ceiling() {
        let s = DispatchSettings { backoff_base_ms: 1000, backoff_max_ms: 60_000, ..DispatchSettings::default() };
        for (attempts, centre) in [(0, 1000u64), (1, 2000), (3, 8000), (20, 60_000)] {
            let d = backoff_ms(&s, attempts);
            assert!(d >= centre * 3 / 4 && d <= centre * 5 / 4, "attempt {attempts}: {d}");
        }
    }
}
