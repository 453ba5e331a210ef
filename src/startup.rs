//! Building and running the HTTP server: `Application::build` binds (port 0 picks a free port,
//! which the tests use) and `run_until_stopped` serves until the process is stopped.

use crate::config::Settings;
use crate::formats::xml130::signers::Signers;
use crate::http;
use crate::notify::Sender;
use crate::portal::bhxh::BhxhClient;
use crate::portal::moh::MohClient;
use crate::portal::signer::RemoteSigner;
use crate::queue::{Dispatcher, Portals};
use crate::reconcile::Reconciler;
use crate::reference::ReferenceHandle;
use crate::state::AppState;
use crate::store::Db;
use crate::validation::{Catalogue, CatalogueHandle};
use actix_web::{App, HttpServer, dev::Server};
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::Arc;
use tracing_actix_web::TracingLogger;

pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    /// The dispatcher and reconciliation loops; they stop with the server.
    background: Vec<tokio::task::JoinHandle<()>>,
    scheduler: Option<tokio_cron_scheduler::JobScheduler>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {bind}: {source}")]
    Bind { bind: String, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Signing(#[from] crate::formats::xml130::signers::SignersError),
    #[error("remote signing service of facility {facility}: {reason}")]
    RemoteSigner { facility: String, reason: String },
    #[error(transparent)]
    Reference(#[from] crate::reference::SeedError),
    #[error(transparent)]
    Jobs(#[from] crate::jobs::JobError),
    #[error(transparent)]
    Vault(#[from] crate::vault::VaultError),
    #[error(transparent)]
    Tls(#[from] crate::http::tls::TlsError),
}

/// The vault of `settings`: a master key is required in production mode.
pub fn open_vault(settings: &Settings) -> Result<Arc<crate::vault::Vault>, crate::vault::VaultError> {
    let required = settings.mode == crate::config::RunMode::Production;
    let keys = settings.master_key.as_ref().map(|k| k.expose());
    crate::vault::Vault::configured(settings.master_key_file.clone(), keys, required).map(Arc::new)
}

impl Application {
    /// Connects to (and migrates) the database and binds the listener.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let url = settings.database_url.clone();
        let db = tokio::task::spawn_blocking(move || Db::connect(&url))
            .await
            .map_err(|_| crate::store::StoreError::Cancelled)??;
        Self::build_with_db(settings, db).await
    }

    pub async fn build_with_db(settings: Settings, db: Db) -> Result<Self, StartupError> {
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|source| StartupError::Bind { bind: settings.bind.clone(), source })?;
        let port =
            listener.local_addr().map_err(|source| StartupError::Bind { bind: settings.bind.clone(), source })?.port();
        let vault = open_vault(&settings)?;
        let tls = crate::http::tls::server_config(crate::http::tls::TlsFiles {
            cert: settings.tls_cert_file.as_deref(),
            key: settings.tls_key_file.as_deref(),
            client_ca: settings.tls_client_ca_file.as_deref(),
        })?;
        let signers = Arc::new(Signers::load(&settings.signing)?);
        let reference = crate::reference::open(&db, settings.reference_dir.as_deref()).await?;
        let overrides = db.read_blocking(crate::store::rules::overrides)?;
        let catalogue = CatalogueHandle::new(Catalogue::builtin().with_overrides(&overrides));
        let wake = Arc::new(tokio::sync::Notify::new());
        let http = crate::portal::http_client(std::time::Duration::from_millis(settings.dispatch.http_timeout_ms));
        let portals = Portals {
            bhxh: BhxhClient::new(&settings.bhxh, settings.bhxh_protocol.profile, http.clone()).map(Arc::new),
            moh: MohClient::new(&settings.moh, http).map(Arc::new),
            remote_signers: Arc::new(remote_signers(&settings)?),
        };
        let mut background = start_background(&db, &vault, &settings, &portals, wake.clone(), signers.clone());
        background.push(tokio::spawn(refresh_shared(db.clone(), catalogue.clone(), reference.clone())));
        let audit = crate::store::audit::AuditSink::start(db.clone());
        let eligibility = crate::eligibility::EligibilityService::new(
            settings.eligibility.clone(),
            portals.bhxh.clone(),
            audit.clone(),
            vault.clone(),
        );
        let card_checks =
            (settings.eligibility.check_ingested_cards && portals.bhxh.is_some()).then(|| eligibility.clone());
        let jobs = crate::jobs::JobContext::new(
            db.clone(),
            vault.clone(),
            portals.clone(),
            settings.jobs.clone(),
            card_checks,
            settings.alerts.clone(),
        );
        let scheduler = if settings.jobs.enabled { Some(crate::jobs::start(jobs.clone()).await?) } else { None };
        let settings = Arc::new(settings);
        let ingest = crate::ingest::IngestService {
            committer: crate::ingest::Committer::start(db.clone(), settings.destinations.clone()),
            db: db.clone(),
            settings: settings.clone(),
            vault: vault.clone(),
            catalogue: catalogue.clone(),
            reference: reference.clone(),
            audit: audit.clone(),
            signers: signers.clone(),
            dispatch_wake: wake.clone(),
        };
        let state = AppState {
            gate: Arc::new(crate::auth::Gate::new(db.clone(), &settings)),
            db: db.clone(),
            vault,
            catalogue,
            reference,
            settings,
            metrics: crate::ops::metrics_handle(),
            signers,
            queue: Arc::new(crate::queue::QueueControl { db: db.clone(), portals, dispatch_wake: wake }),
            jobs: Arc::new(jobs),
            eligibility,
            audit,
            ingest: Arc::new(ingest),
        };
        let server = HttpServer::new(move || {
            let body_timeout = std::time::Duration::from_secs(state.settings.body_timeout_seconds);
            crate::router::configure(App::new(), &state)
                .wrap(http::problem_for_bodies_too_large())
                .wrap(actix_web::middleware::from_fn(move |req, next| http::body_deadline(req, next, body_timeout)))
                .wrap(TracingLogger::default())
        })
        .on_connect(crate::http::tls::on_connect);
        let listening = match tls {
            Some(config) => server.listen_rustls_0_23(listener, config),
            None => server.listen(listener),
        };
        let server = listening.map_err(|source| StartupError::Bind { bind: "listener".to_owned(), source })?.run();
        Ok(Application { port, server, db, background, scheduler })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Stops the server from elsewhere (tests restart the gateway on the same database with it).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        for task in self.background {
            task.abort();
        }
        if let Some(mut scheduler) = self.scheduler
            && let Err(e) = scheduler.shutdown().await
        {
            tracing::warn!(error = %e, "the job scheduler did not stop cleanly");
        }
        result
    }
}

/// The remote signing services' clients, by facility code.
fn remote_signers(settings: &Settings) -> Result<BTreeMap<String, RemoteSigner>, StartupError> {
    let timeout = std::time::Duration::from_millis(settings.dispatch.http_timeout_ms);
    let mut clients = BTreeMap::new();
    for (facility, signing) in &settings.signing {
        let client = RemoteSigner::from_settings(signing, timeout)
            .map_err(|reason| StartupError::RemoteSigner { facility: facility.clone(), reason })?;
        clients.extend(client.map(|c| (facility.clone(), c)));
    }
    Ok(clients)
}

/// Starts the dispatcher and, for BHXH, the reconciliation poller, for the portals configured.
fn start_background(
    db: &Db,
    vault: &Arc<crate::vault::Vault>,
    settings: &Settings,
    portals: &Portals,
    wake: Arc<tokio::sync::Notify>,
    signers: Arc<Signers>,
) -> Vec<tokio::task::JoinHandle<()>> {
    if !settings.dispatch.enabled {
        return Vec::new();
    }
    let mut tasks = Vec::new();
    if let Some(bhxh) = &portals.bhxh {
        let reconciler = Reconciler::new(
            db.clone(),
            bhxh.clone(),
            settings.dispatch.poll_interval_ms,
            settings.bhxh_protocol.appraisal_api,
        );
        tasks.push(tokio::spawn(reconciler.run()));
    }
    if portals.bhxh.is_some() || portals.moh.is_some() {
        let protocol = &settings.bhxh_protocol;
        let dispatcher =
            Dispatcher::new(db.clone(), vault.clone(), settings.dispatch.clone(), protocol, portals.clone(), signers);
        tasks.push(tokio::spawn(dispatcher.run(wake)));
    }
    match Sender::new(db.clone(), vault.clone(), settings.webhooks.clone()) {
        Ok(sender) => tasks.push(tokio::spawn(sender.run())),
        Err(e) => tracing::error!(error = %e, "callbacks to the HIS will not be sent"),
    }
    tasks
}

/// Picks up severities and reference lists other instances (or `hisgate catalogue load`) changed;
/// each instance applies its own changes at once.
async fn refresh_shared(db: Db, catalogue: CatalogueHandle, reference: ReferenceHandle) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        match db.read(crate::store::rules::overrides).await {
            Ok(overrides) => catalogue.replace(Catalogue::builtin().with_overrides(&overrides)),
            Err(e) => tracing::warn!(error = %e, "rule overrides not refreshed"),
        }
        if let Err(e) = reference.refresh(&db).await {
            tracing::warn!(error = %e, "reference catalogues not refreshed");
        }
    }
}
