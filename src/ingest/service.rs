//! The ingest service: what the routes, the FHIR endpoints and the command line's import call to
//! take episodes in (prepare, store, answer each item) and to read claims back. It holds what
//! those need and nothing of the HTTP layer's state.

use super::commit::{self, Committer};
use super::{Item, ItemResult, Prepared, Receipt, Rejection, prepare, refusal};
use crate::auth::Principal;
use crate::config::Settings;
use crate::domain::Episode;
use crate::domain::records::Table;
use crate::domain::spec::Profile;
use crate::formats::xml130::signers::Signers;
use crate::http::ApiError;
use crate::reference::{ReferenceData, ReferenceHandle};
use crate::store::audit::AuditSink;
use crate::store::claims;
use crate::store::{Db, StoreError};
use crate::validation::{Catalogue, CatalogueHandle};
use crate::vault::Vault;
use crate::vocabulary::ClaimId;
use std::sync::Arc;
use tokio::sync::Notify;

pub struct IngestService {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub vault: Arc<Vault>,
    pub catalogue: CatalogueHandle,
    pub reference: ReferenceHandle,
    /// Writes the audit rows of reads in batches.
    pub audit: AuditSink,
    /// Facility signing keys, for the signed XML 130 view of a claim.
    pub signers: Arc<Signers>,
    /// Stores accepted episodes, sharing commits between concurrent requests (`Committer::start`).
    pub committer: Committer,
    /// Woken after each commit so the dispatcher need not wait for its next tick.
    pub dispatch_wake: Arc<Notify>,
}

impl IngestService {
    /// The rules episodes are judged by now: the catalogue with the administrators' severities,
    /// the reference catalogues in force, and the profile of the BHXH endpoints.
    pub fn rules(&self) -> (Arc<Catalogue>, Arc<ReferenceData>, Profile) {
        (self.catalogue.current(), self.reference.current(), self.settings.bhxh_protocol.profile)
    }

    /// Stores prepared episodes (durably, in a transaction other requests may share); returns one
    /// result per item, in order.
    pub async fn store(
        &self,
        principal: &Principal,
        items: Vec<Prepared>,
    ) -> Result<Vec<Result<Receipt, Rejection>>, StoreError> {
        let actor = principal.actor();
        let results = self.committer.commit(actor, items).await?;
        self.dispatch_wake.notify_one();
        for r in &results {
            let outcome = match r {
                Ok(receipt) => match receipt.outcome {
                    claims::AcceptOutcome::Created => "created",
                    claims::AcceptOutcome::NewVersion => "new_version",
                    claims::AcceptOutcome::Unchanged => "unchanged",
                },
                Err(_) => "rejected",
            };
            metrics::counter!("hisgate_claims_received_total", "outcome" => outcome).increment(1);
        }
        Ok(results)
    }

    /// Notes refused episodes (see [`crate::store::stats`]). Losing this note must not fail the
    /// request: the caller has its answer already.
    async fn note_refusals(&self, rows: Vec<crate::store::stats::Refusal>) {
        if rows.is_empty() {
            return;
        }
        if let Err(e) = self.db.write(move |c| crate::store::stats::record_rejections(c, &rows)).await {
            tracing::warn!(error = %e, "refusals at ingest not noted");
        }
    }

    /// [`prepare`], noting a refusal for the figures.
    pub async fn prepare_noted(&self, principal: &Principal, episode: &Episode) -> Result<Prepared, Rejection> {
        let (catalogue, reference, profile) = self.rules();
        let result = prepare(&catalogue, &reference, profile, &self.vault, principal, episode);
        if let Err(Rejection::Invalid { violations, .. }) = &result {
            let facility = Some(episode.facility_code().to_owned()).filter(|f| !f.is_empty());
            let key = Some(episode.episode_key().to_owned()).filter(|k| !k.is_empty());
            self.note_refusals(refusal(facility.as_ref(), key.as_ref(), violations).into_iter().collect()).await;
        }
        result
    }

    /// Stores the prepared items (in chunks, each one transaction) and answers every item in order.
    pub async fn store_items(&self, principal: &Principal, items: Vec<Item>) -> Result<Vec<ItemResult>, StoreError> {
        let mut results: Vec<Option<ItemResult>> = Vec::with_capacity(items.len());
        let mut pending: Vec<(usize, Option<String>, Prepared)> = Vec::new();
        let mut refusals = Vec::new();
        for (index, (ma_lk, facility, item)) in items.into_iter().enumerate() {
            match item {
                Ok(prepared) => {
                    results.push(None);
                    pending.push((index, ma_lk, prepared));
                }
                Err(e) => {
                    if let Rejection::Invalid { violations, .. } = &e {
                        refusals.extend(refusal(facility.as_ref(), ma_lk.as_ref(), violations));
                    }
                    results.push(Some(ItemResult::failed(index, ma_lk, e)));
                }
            }
        }
        self.note_refusals(refusals).await;
        while !pending.is_empty() {
            let rest = pending.split_off(pending.len().min(commit::GROUP_EPISODES));
            let chunk = std::mem::replace(&mut pending, rest);
            let (meta, prepared): (Vec<_>, Vec<_>) = chunk.into_iter().map(|(i, k, p)| ((i, k), p)).unzip();
            for ((index, ma_lk), stored) in meta.into_iter().zip(self.store(principal, prepared).await?) {
                results[index] = Some(match stored {
                    Ok(receipt) => ItemResult { index, ma_lk, status: 202, receipt: Some(receipt), error: None },
                    Err(rejection) => ItemResult::failed(index, ma_lk, rejection),
                });
            }
        }
        Ok(results.into_iter().flatten().collect())
    }

    /// Loads a claim the caller may read: 404 when there is none, 403 when it is another facility's.
    pub async fn readable_claim(&self, principal: &Principal, id: &str) -> Result<claims::ClaimRecord, ApiError> {
        let lookup = ClaimId::from(id);
        let record = self
            .db
            .snapshot(move |conn| claims::find(conn, &lookup))
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no claim with id `{id}`")))?;
        if !principal.may_read(&record.claim.facility_code) {
            return Err(ApiError::Forbidden(format!(
                "claim {id} belongs to facility {}, which this key may not read",
                record.claim.facility_code
            )));
        }
        Ok(record)
    }

    /// A readable claim and its current episode (refused once retention dropped the content).
    pub async fn stored_episode(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<(claims::ClaimRecord, Episode, Withheld), ApiError> {
        let record = self.readable_claim(principal, id).await?;
        let json = record
            .episode
            .open(&self.vault)?
            .ok_or_else(|| ApiError::NotFound(format!("the content of claim {id} is no longer kept")))?;
        let mut episode = serde_json::from_str(&json)
            .map_err(|e| ApiError::Internal(format!("stored episode of claim {id}: {e}")))?;
        let withheld = self.shown_to(principal, &mut episode);
        Ok((record, episode, withheld))
    }

    /// Audits a read of claim `id` of `facility` in the form `view` (`claim`, `xml130`, `fhir`,
    /// `fhir_claim`), saying which sensitive tables were withheld or shown.
    pub async fn audit_claim_read(
        &self,
        principal: &Principal,
        id: &str,
        view: &'static str,
        facility: &str,
        withheld: &Withheld,
    ) {
        let names = |tables: &[Table]| tables.iter().map(|t| t.spec_name()).collect::<Vec<_>>();
        let mut detail = serde_json::json!({ "view": view, "facility": facility });
        if !withheld.tables.is_empty() {
            detail["withheld"] = serde_json::json!(names(&withheld.tables));
        }
        if !withheld.shown.is_empty() {
            detail["sensitive_shown"] = serde_json::json!(names(&withheld.shown));
        }
        crate::audit::record_read(&self.audit, principal, "claim.read", id, detail).await;
    }

    /// The episode as `principal` may see it: the sensitive tables (`HISGATE_SENSITIVE_TABLES`) only
    /// for a key granted them.
    pub fn shown_to(&self, principal: &Principal, episode: &mut Episode) -> Withheld {
        let sensitive = &self.settings.sensitive_tables;
        if principal.sensitive_reader {
            return Withheld {
                tables: Vec::new(),
                shown: sensitive.iter().copied().filter(|t| episode.has(*t)).collect(),
            };
        }
        Withheld { tables: episode.withhold(sensitive), shown: Vec::new() }
    }
}

/// The sensitive tables an episode had, and whether the reader saw them.
#[derive(Debug, Default)]
pub struct Withheld {
    /// Left out: the reader is not granted them.
    pub tables: Vec<Table>,
    /// Shown to a reader granted them.
    pub shown: Vec<Table>,
}
