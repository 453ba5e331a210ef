//! What a running server holds: one value per service, built once by `startup` and handed by the
//! router to the handlers that need each (as `web::Data<T>`), so that no feature module depends on
//! the whole.

use crate::auth::Gate;
use crate::config::Settings;
use crate::eligibility::EligibilityService;
use crate::formats::xml130::signers::Signers;
use crate::ingest::IngestService;
use crate::jobs::JobContext;
use crate::queue::QueueControl;
use crate::reference::ReferenceHandle;
use crate::store::Db;
use crate::store::audit::AuditSink;
use crate::validation::CatalogueHandle;
use crate::vault::Vault;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// Seals what is stored about patients, and opens it again.
    pub vault: Arc<Vault>,
    /// The rule catalogue with the administrators' severities.
    pub catalogue: CatalogueHandle,
    /// Reference catalogues (ICD-10, approved drugs, services, supplies, staff) in force.
    pub reference: ReferenceHandle,
    /// API keys (those verified recently), failed sign-ins, trusted proxies.
    pub gate: Arc<Gate>,
    /// Writes the audit rows of reads (card lookups, claims and check-ins read) in batches.
    pub audit: AuditSink,
    /// Takes episodes, dossiers and check-ins in, and reads claims back.
    pub ingest: Arc<IngestService>,
    /// Card lookups (cache, coalescing, audit).
    pub eligibility: Arc<EligibilityService>,
    /// The queue's endpoints: the outbox, this instance's portal clients (their circuits show in
    /// the queue view) and the dispatcher's wake-up.
    pub queue: Arc<QueueControl>,
    /// The scheduled jobs, also run on demand by admins.
    pub jobs: Arc<JobContext>,
    /// Facility signing keys for `CHUKYDONVI`.
    pub signers: Arc<Signers>,
    pub metrics: PrometheusHandle,
}
