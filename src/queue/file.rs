//! Building the file a batch of jobs goes in: their episodes read and opened, those BHXH may hold
//! already settled, and the `GIAMDINHHS` file signed (or the FHIR Bundle written), reused when the
//! pass's other destination takes the same file.

use super::{Dispatcher, off_runtime};
use crate::domain::Episode;
use crate::formats::xml130;
use crate::formats::xml130::sign::{RemoteSignature, SignError};
use crate::store::StoreError;
use crate::store::outbox::{self, Job};
use crate::store::signatures::{self, SignatureRequest};
use crate::vault::Vault;
use crate::vocabulary::{ClaimId, Destination, SignatureStatus};
use base64::Engine;
use chrono::NaiveDate;
use std::sync::Arc;

/// A file ready to send (or why it could not be signed), the jobs it carries and its date.
pub(super) struct File {
    pub payload: Result<Arc<Vec<u8>>, SignError>,
    pub jobs: Vec<Job>,
    pub day: NaiveDate,
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
pub(super) struct LastFile(std::sync::Mutex<Option<(FileKey, Arc<Vec<u8>>)>>);

/// What makes two files equal: the facility, the file's date and its claim versions in file order.
type FileKey = (String, NaiveDate, Vec<(ClaimId, i32)>);

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

fn file_key(facility: &str, day: NaiveDate, jobs: &[Job]) -> FileKey {
    (facility.to_owned(), day, jobs.iter().map(|j| (j.claim_id.clone(), j.version)).collect())
}

impl Dispatcher {
    /// The file of `jobs` for `destination` (a FHIR Bundle when `bundle`): the pass's `last` one
    /// when it is the same, else a new one; `None` when none of the jobs is left to send. Jobs
    /// whose file a remote signer has signed get that file again: its date, and the signature.
    pub(super) async fn file_for(
        &self,
        destination: Destination,
        facility: &str,
        jobs: Vec<Job>,
        bundle: bool,
        last: Option<&LastFile>,
    ) -> Result<Option<File>, StoreError> {
        let signed = if bundle { None } else { self.remote_signature_of(&jobs).await? };
        let day = signed
            .as_ref()
            .and_then(|r| NaiveDate::parse_from_str(&r.file_date, "%Y%m%d").ok())
            .unwrap_or_else(crate::domain::time::vietnam_today);
        // Jobs that may be held by BHXH already are checked against its receipts first.
        let built = last
            .filter(|_| !bundle && jobs.iter().all(|j| j.uncertain_since.is_none()))
            .and_then(|last| last.get(&file_key(facility, day, &jobs)));
        if let Some(bytes) = built {
            metrics::counter!("hisgate_dispatch_files_reused_total").increment(1);
            return Ok(Some(File { payload: Ok(bytes), jobs, day }));
        }
        let Some(file) = self.build(destination, facility, day, jobs, bundle, signed).await? else {
            return Ok(None);
        };
        if let (Some(last), Ok(bytes), false) = (last, &file.payload, bundle) {
            last.keep(file_key(facility, day, &file.jobs), bytes.clone());
        }
        Ok(Some(file))
    }

    /// The signed remote signature all of `jobs` waited for, if they did.
    async fn remote_signature_of(&self, jobs: &[Job]) -> Result<Option<SignatureRequest>, StoreError> {
        let Some(id) = jobs.first().and_then(|j| j.signature_request_id) else { return Ok(None) };
        if jobs.iter().any(|j| j.signature_request_id != Some(id)) {
            return Ok(None);
        }
        let request = self.db.read(move |c| signatures::get(c, id)).await?;
        Ok(request.filter(|r| r.status == SignatureStatus::Signed))
    }

    /// Reads the jobs' episodes, settles those BHXH may hold already and writes the file (a
    /// signed `GIAMDINHHS`, or a FHIR Bundle of one episode). Returns the file and the jobs it
    /// carries, or `None` when none is left to send.
    async fn build(
        &self,
        destination: Destination,
        facility: &str,
        day: NaiveDate,
        jobs: Vec<Job>,
        bundle: bool,
        signed: Option<SignatureRequest>,
    ) -> Result<Option<File>, StoreError> {
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
            let value = signed
                .as_ref()
                .and_then(|r| r.signature.as_deref())
                .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok());
            let remote = signed
                .as_ref()
                .zip(value.as_deref())
                .map(|(r, value)| RemoteSignature { document_digest: &r.document_digest, value });
            xml130::signed_envelope(&at, day, &episodes, signers.get(&at), remote, profile)
        })
        .await?;
        Ok(Some(File { payload: payload.map(Arc::new), jobs: sendable, day }))
    }
}
