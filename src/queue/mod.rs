//! The dispatcher: leases due outbox jobs, sends them to their portal in `GIAMDINHHS` files of up to
//! `batch_size` episodes per facility, and records what happened. Retryable failures come back with
//! exponential backoff and jitter; refusals and jobs past `max_attempts` go to the dead letters.
//!
//! The lease is taken and committed before the portal is called, so no database connection is held
//! during the call, and a worker that dies leaves its jobs to be taken again once the lease runs out.

mod check_ins;
mod file;
mod outcome;
mod receipts;
pub mod routes;
mod signatures;

use crate::config::{BhxhProtocol, DispatchSettings};
use crate::domain::spec::Profile;
use crate::formats::xml130::sign::SignError;
use crate::formats::xml130::signers::Signers;
use crate::portal::PortalError;
use crate::portal::bhxh::BhxhClient;
use crate::portal::guard::CircuitView;
use crate::portal::moh::MohClient;
use crate::portal::signer::RemoteSigner;
use crate::store::audit::{self, AuditEntry};
use crate::store::outbox::{self, Job, Submission};
use crate::store::{AnyConnection, Db, StoreError, now_ms};
use crate::vault::Vault;
use crate::vocabulary::{Destination, FacilityCode, Role};
use file::LastFile;
use futures_util::StreamExt;
use outcome::result_label;
use rand::Rng;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::Notify;

/// The portals this instance can reach, by destination name.
#[derive(Clone, Default)]
pub struct Portals {
    pub bhxh: Option<Arc<BhxhClient>>,
    pub moh: Option<Arc<MohClient>>,
    /// The remote signing services of the facilities whose keys they hold, by facility code.
    pub remote_signers: Arc<BTreeMap<String, RemoteSigner>>,
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

/// What the queue's endpoints act on: the outbox, the portals' circuits, and the dispatcher's
/// wake-up after a replay or a resume.
pub struct QueueControl {
    pub db: Db,
    pub portals: Portals,
    pub dispatch_wake: Arc<Notify>,
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
    /// Held while a file's remote signature is looked up and asked for, so that two workers
    /// holding the same file (BHXH's and MoH's copies) ask the key holder once.
    asking_for_signature: tokio::sync::Mutex<()>,
    worker: String,
}

/// What a dead letter of BHXH's `701` says, in Vietnamese and English.
const OUTSIDE_SETTLEMENT_WINDOW: &str = "701: gửi ngoài thời gian quyết toán (trong tháng hoặc đến ngày 05 tháng sau) \
     / sent outside the settlement window (within the month or up to the 5th of the next)";

/// Queues a dead-lettered submission again (a new submission linked to it) with the audit row of
/// who did: the submissions API's retry and the dashboard's resend. Returns the new id.
pub fn replay_audited(
    conn: &mut AnyConnection,
    original: &Submission,
    actor: &str,
    role: Role,
) -> Result<i64, StoreError> {
    let new_id = outbox::replay(conn, original)?;
    audit::record(
        conn,
        AuditEntry {
            actor,
            role: role.as_str(),
            action: "submission.replay",
            target: &original.claim_id,
            detail: serde_json::json!({
                "submission": new_id, "replay_of": original.id, "destination": original.destination,
            }),
        },
    )?;
    Ok(new_id)
}

/// The jobs of one file: the facility, the remote signature request its file was signed by
/// (if any), the destination.
type FileGroup = (FacilityCode, Option<i64>, Destination);

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
        let asking_for_signature = tokio::sync::Mutex::new(());
        Dispatcher {
            db,
            vault,
            settings,
            bhxh_hoso_per_file,
            profile: protocol.profile,
            portals,
            signers,
            asking_for_signature,
            worker,
        }
    }

    /// Runs until the task is aborted: `concurrency` workers, each leasing one file's worth of
    /// jobs at a time, so that a worker whose file is done takes the next at once instead of
    /// waiting for the slowest file of a shared pass. A worker sleeps until the next tick, or
    /// until ingest wakes one; a worker that found a full file wakes another.
    pub async fn run(self, wake: Arc<Notify>) {
        let dossiers = futures_util::future::join_all((0..self.settings.concurrency).map(|_| self.work(&wake)));
        let check_ins = futures_util::future::join_all((0..check_ins::WORKERS).map(|_| self.check_in_work(&wake)));
        futures_util::future::join3(dossiers, check_ins, self.signature_work(&wake)).await;
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
        // second reuses the first (`LastFile`); jobs whose file was signed remotely keep to
        // that file.
        let mut groups: BTreeMap<FileGroup, Vec<Job>> = BTreeMap::new();
        let mut cancelled = Vec::new();
        for job in jobs {
            if job.superseded_at.is_some() {
                cancelled.push(job);
            } else {
                let key = (job.facility_code.clone(), job.signature_request_id, job.destination);
                groups.entry(key).or_default().push(job);
            }
        }
        if !cancelled.is_empty() {
            self.db.write(move |c| cancelled.iter().try_for_each(|j| outbox::mark_superseded(c, j))).await?;
        }
        self.gather_for_signing(&mut groups).await?;
        let batches: Vec<Vec<Job>> = groups
            .into_iter()
            .flat_map(|((_, _, destination), jobs)| {
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
            let Some(file::File { payload, jobs: sendable, day }) =
                self.file_for(destination, &facility, jobs, fhir.is_some(), last).await?
            else {
                return Ok(());
            };
            let started = std::time::Instant::now();
            let result = match (payload, fhir) {
                (Err(SignError::AwaitingRemote(pending)), _) => {
                    return self.await_signature(&facility, day, pending, sendable).await;
                }
                (Ok(bundle), Some(moh)) => moh.submit_bundle(&facility, &bundle).await,
                (Ok(signed), None) => self.send(FileKind::Dossier, destination, &facility, &signed).await,
                (Err(e), _) => Err(PortalError::Transient(format!("the file could not be signed: {e}"))),
            };
            metrics::histogram!("hisgate_portal_call_seconds", "destination" => destination.as_str())
                .record(started.elapsed().as_secs_f64());
            metrics::counter!(
                "hisgate_dispatch_attempts_total",
                "destination" => destination.as_str(),
                "result" => result_label(&result)
            )
            .increment(sendable.len() as u64);
            self.record(result, destination, &facility, sendable).await
        })
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
