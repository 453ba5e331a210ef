//! Ingest of whole `GIAMDINHHS` files (`POST /api/v1/dossiers`, `hisgate import`): the envelope
//! is checked first, then every `HOSO` goes through the same validation and store path as JSON,
//! with one result per `HOSO`.
//!
//! Parsing runs on a blocking thread and hands chunks to the store as it goes, so a file with
//! thousands of `HOSO` never has them all in memory at once.

use super::{IngestService, Item, ItemResult, Rejection, prepare_read};
use crate::auth::Principal;
use crate::domain::Episode;
use crate::formats::xml130::{self, DossierError};
use crate::store::StoreError;
use crate::validation::{self, Catalogue, Severity, Violation};
use crate::vault::Vault;
use serde::Serialize;
use utoipa::ToSchema;

/// Episodes parsed and prepared before they are handed to the store.
const CHUNK: usize = 500;

#[derive(Debug, Serialize, ToSchema)]
pub struct DossierReport {
    /// `THONGTINDONVI/MACSKCB`.
    pub facility: String,
    /// `SOLUONGHOSO`.
    pub count: usize,
    /// What the file held beyond the format at its own level (the items carry their own).
    pub warnings: Vec<Violation>,
    pub accepted: usize,
    pub rejected: usize,
    pub items: Vec<ItemResult>,
}

#[derive(Debug, thiserror::Error)]
pub enum DossierIngestError {
    #[error("the file is refused: {0}")]
    Refused(#[from] DossierError),
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What reading noticed, as findings of the catalogue's import rules.
pub fn read_findings(catalogue: &Catalogue, notes: Vec<xml130::ReadNote>) -> Vec<Violation> {
    notes.into_iter().filter_map(|n| validation::finding(catalogue, n.rule, n.path, n.message, n.value)).collect()
}

/// An unreadable `HOSO`'s problem, named by its `HOSO_…` code as a broken rule is.
pub fn unreadable_violation(problem: &xml130::HosoProblem) -> Violation {
    Violation {
        rule: problem.code().to_owned(),
        severity: Severity::Critical,
        path: validation::bounded(&problem.path(), validation::TEXT_CHARS),
        message: validation::bounded(&problem.to_string(), validation::TEXT_CHARS),
        value: None,
    }
}

/// Checks that the episode belongs to the file's facility, then validates it.
/// A `HOSO` whose summary names another facility than the file's envelope (`MACSKCB`).
fn envelope_facility_mismatch(episode: &Episode, facility: &str) -> Option<Violation> {
    (episode.facility_code() != facility).then(|| Violation {
        rule: "ENVELOPE_FACILITY_MISMATCH".to_owned(),
        severity: Severity::Critical,
        path: "summary.MA_CSKCB".to_owned(),
        message: format!("XML1 MA_CSKCB must equal the file's MACSKCB {facility}"),
        value: Some(validation::bounded(episode.facility_code(), validation::VALUE_CHARS)),
    })
}

fn prepare_hoso(
    catalogue: &Catalogue,
    reference: &crate::reference::ReferenceData,
    profile: crate::domain::spec::Profile,
    vault: &Vault,
    principal: &Principal,
    facility: &str,
    hoso: Result<xml130::ReadHoso, xml130::HosoError>,
) -> Item {
    match hoso {
        Err(e) => {
            let violations = vec![unreadable_violation(&e.problem)];
            let refused = Rejection::UnreadableHoso { detail: e.to_string(), violations };
            (e.ma_lk.clone(), Some(facility.to_owned()), Err(refused))
        }
        Ok(xml130::ReadHoso { episode, notes }) => {
            let key = Some(episode.episode_key().to_owned()).filter(|k| !k.is_empty());
            if let Some(violation) = envelope_facility_mismatch(&episode, facility) {
                let detail = "the HOSO does not belong to the file's facility".to_owned();
                return (
                    key,
                    Some(facility.to_owned()),
                    Err(Rejection::Invalid { detail, violations: vec![violation] }),
                );
            }
            (
                key,
                Some(facility.to_owned()),
                prepare_read(
                    catalogue,
                    reference,
                    profile,
                    vault,
                    principal,
                    &episode,
                    read_findings(catalogue, notes),
                ),
            )
        }
    }
}

/// Ingests one file; `progress` hears the number of `HOSO` done so far and the total.
pub async fn ingest_file(
    service: &IngestService,
    principal: &Principal,
    bytes: bytes::Bytes,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<DossierReport, DossierIngestError> {
    let scan_bytes = bytes.clone();
    let header =
        tokio::task::spawn_blocking(move || xml130::scan(&scan_bytes)).await.map_err(|_| StoreError::Cancelled)??;
    if !principal.may_write_for(&header.facility) {
        return Err(DossierIngestError::Forbidden(format!(
            "this key may not send dossiers of facility {} (THONGTINDONVI/MACSKCB)",
            header.facility
        )));
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Item>>(2);
    let (catalogue, reference, profile) = service.rules();
    let warnings = read_findings(&catalogue, header.notes.clone());
    let producer_principal = principal.clone();
    let vault = service.vault.clone();
    let facility = header.facility.clone();
    let producer = tokio::task::spawn_blocking(move || {
        let Ok(hosos) = xml130::read_hosos_with_notes(&bytes) else { return };
        let mut chunk = Vec::with_capacity(CHUNK);
        for hoso in hosos {
            chunk.push(prepare_hoso(&catalogue, &reference, profile, &vault, &producer_principal, &facility, hoso));
            if chunk.len() == CHUNK && tx.blocking_send(std::mem::take(&mut chunk)).is_err() {
                return;
            }
        }
        if !chunk.is_empty() {
            let _ = tx.blocking_send(chunk);
        }
    });
    let mut items = Vec::with_capacity(header.count);
    while let Some(chunk) = rx.recv().await {
        let offset = items.len();
        for mut item in service.store_items(principal, chunk).await? {
            item.index += offset;
            items.push(item);
        }
        progress(items.len(), header.count);
    }
    producer.await.map_err(|_| StoreError::Cancelled)?;
    let accepted = items.iter().filter(|i| i.status == 202).count();
    Ok(DossierReport {
        facility: header.facility,
        count: header.count,
        warnings,
        accepted,
        rejected: items.len() - accepted,
        items,
    })
}
