//! Building and running the HTTP server: `Application::build` binds (port 0 picks a free port,
//! which the tests use) and `run_until_stopped` serves until the process is stopped.

use crate::config::Settings;
use crate::http::{self, AppState};
use crate::store::Db;
use crate::validation::Catalogue;
use actix_web::{App, HttpServer, dev::Server, web};
use std::net::TcpListener;
use std::sync::Arc;
use tracing_actix_web::TracingLogger;

pub struct Application {
    port: u16,
    server: Server,
    db: Db,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {bind}: {source}")]
    Bind { bind: String, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl Application {
    /// Connects to (and migrates) the database and binds the listener.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let url = settings.database_url.clone();
        let db = tokio::task::spawn_blocking(move || Db::connect(&url))
            .await
            .map_err(|_| crate::store::StoreError::Cancelled)??;
        Self::build_with_db(settings, db)
    }

    pub fn build_with_db(settings: Settings, db: Db) -> Result<Self, StartupError> {
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|source| StartupError::Bind { bind: settings.bind.clone(), source })?;
        let port =
            listener.local_addr().map_err(|source| StartupError::Bind { bind: settings.bind.clone(), source })?.port();
        let state = web::Data::new(AppState {
            db: db.clone(),
            catalogue: Arc::new(Catalogue::builtin()),
            settings: Arc::new(settings),
            metrics: http::ops::metrics_handle(),
        });
        let server =
            HttpServer::new(move || http::configure(App::new().app_data(state.clone())).wrap(TracingLogger::default()))
                .listen(listener)
                .map_err(|source| StartupError::Bind { bind: "listener".to_owned(), source })?
                .run();
        Ok(Application { port, server, db })
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
        self.server.await
    }
}
