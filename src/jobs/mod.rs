//! Scheduled jobs (`tokio-cron-scheduler`): lease sweeping, portal session renewal, the daily
//! per-facility snapshot and retention of settled payloads. Every run is recorded in `job_runs`
//! and can be started by an admin through `POST /api/v1/jobs/{name}/run`.
//!
//! The dispatcher and the appraisal poller are not cron jobs: they react to ingest within
//! milliseconds (a wake-up) and poll at sub-second intervals, below cron's one-second grain.
//! Every instance runs every job; each job is idempotent, so instances sharing a database agree.

pub mod alerts;
pub mod routes;

use crate::config::JobsSettings;
use crate::eligibility::EligibilityService;
use crate::queue::Portals;
use crate::store::{Db, StoreError, front_door, jobs, now_ms, outbox, payload, signatures, webhooks};
use crate::vault::Vault;
use crate::vocabulary::Destination;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

/// Claims settled at most this many at a time by one retention pass, so a pass holds no long lock.
const RETENTION_BATCH: i64 = 500;
/// Records re-wrapped in one transaction by the `rewrap` job.
const REWRAP_BATCH: i64 = 200;
/// How far back the daily snapshot makes missed days final (a little over a year).
const SNAPSHOT_HISTORY_DAYS: i64 = 400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    LeaseSweep,
    TokenRefresh,
    DailySnapshot,
    Retention,
    CardCheck,
    Alerts,
    Rewrap,
}

impl JobKind {
    pub const ALL: [JobKind; 7] = [
        JobKind::LeaseSweep,
        JobKind::TokenRefresh,
        JobKind::DailySnapshot,
        JobKind::Retention,
        JobKind::CardCheck,
        JobKind::Alerts,
        JobKind::Rewrap,
    ];

    pub fn name(self) -> &'static str {
        match self {
            JobKind::LeaseSweep => "lease_sweep",
            JobKind::TokenRefresh => "token_refresh",
            JobKind::DailySnapshot => "daily_snapshot",
            JobKind::Retention => "retention",
            JobKind::CardCheck => "card_check",
            JobKind::Alerts => "alerts",
            JobKind::Rewrap => "rewrap",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn schedule(self, settings: &JobsSettings) -> &str {
        match self {
            JobKind::LeaseSweep => &settings.lease_sweep,
            JobKind::TokenRefresh => &settings.token_refresh,
            JobKind::DailySnapshot => &settings.daily_snapshot,
            JobKind::Retention => &settings.retention,
            JobKind::CardCheck => &settings.card_check,
            JobKind::Alerts => &settings.alerts,
            JobKind::Rewrap => &settings.rewrap,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Portal(#[from] crate::portal::PortalError),
    #[error("the schedule of job {job} (`{schedule}`) is not a cron expression with seconds: {source}")]
    Schedule { job: &'static str, schedule: String, source: JobSchedulerError },
    #[error(transparent)]
    CardCheck(#[from] crate::eligibility::ingested::CardCheckError),
    #[error("the background card check is off (HISGATE_ELIGIBILITY_CHECK_INGESTED_CARDS=false)")]
    CardCheckOff,
    #[error(transparent)]
    Vault(#[from] crate::vault::VaultError),
    #[error("the scheduler failed: {0}")]
    Scheduler(#[from] JobSchedulerError),
}

/// What the jobs work on; shared by the scheduler and the admin endpoint.
#[derive(Clone)]
pub struct JobContext {
    pub db: Db,
    /// Seals stored records; its key file is read again by the `rewrap` job.
    pub vault: Arc<Vault>,
    pub portals: Portals,
    pub settings: JobsSettings,
    /// Set when the cards of accepted claims are to be checked in the background.
    pub card_checks: Option<Arc<EligibilityService>>,
    pub alerts: crate::config::AlertSettings,
    /// For the alert webhook.
    http: reqwest::Client,
    /// This instance, in `job_runs`.
    pub instance: String,
    running: Arc<[AtomicBool; JobKind::ALL.len()]>,
}

impl JobContext {
    pub fn new(
        db: Db,
        vault: Arc<Vault>,
        portals: Portals,
        settings: JobsSettings,
        card_checks: Option<Arc<EligibilityService>>,
        alerts: crate::config::AlertSettings,
    ) -> Self {
        let instance = format!("{}-{}", std::process::id(), &uuid::Uuid::now_v7().simple().to_string()[..8]);
        let http = crate::portal::http_client(std::time::Duration::from_secs(10));
        JobContext {
            db,
            vault,
            portals,
            settings,
            card_checks,
            alerts,
            http,
            instance,
            running: Arc::new(Default::default()),
        }
    }

    /// Runs `kind` once and records the run. `None` when a run of it is still going here.
    pub async fn run(&self, kind: JobKind) -> Option<Result<String, String>> {
        let flag = &self.running[kind as usize];
        if flag.swap(true, Ordering::AcqRel) {
            return None;
        }
        // Cleared however the run ends, even when its caller gives up on it half-way.
        struct Running<'a>(&'a AtomicBool);
        impl Drop for Running<'_> {
            fn drop(&mut self) {
                self.0.store(false, Ordering::Release);
            }
        }
        let running = Running(flag);
        let started = now_ms();
        let result = self.execute(kind).await.map_err(|e| e.to_string());
        drop(running);
        let (ok, detail) = match &result {
            Ok(d) => (true, d.clone()),
            Err(e) => (false, e.clone()),
        };
        metrics::counter!("hisgate_job_runs_total", "job" => kind.name(), "ok" => ok.to_string()).increment(1);
        if ok {
            tracing::debug!(job = kind.name(), %detail, "job ran");
        } else {
            tracing::warn!(job = kind.name(), error = %detail, "job failed");
        }
        let (name, instance) = (kind.name(), self.instance.clone());
        if let Err(e) = self.db.write(move |c| jobs::record_run(c, name, &instance, started, ok, &detail)).await {
            tracing::warn!(job = name, error = %e, "job run not recorded");
        }
        Some(result)
    }

    async fn execute(&self, kind: JobKind) -> Result<String, JobError> {
        match kind {
            JobKind::LeaseSweep => {
                let n = self.db.write(outbox::sweep_expired_leases).await?;
                if n > 0 {
                    metrics::counter!("hisgate_leases_expired_total").increment(n as u64);
                }
                Ok(format!("{n} expired leases returned to the queue"))
            }
            JobKind::TokenRefresh => {
                let mut renewed = Vec::new();
                if let Some(p) = &self.portals.bhxh
                    && p.refresh_session().await?
                {
                    renewed.push(Destination::Bhxh.as_str());
                }
                if let Some(p) = &self.portals.moh
                    && p.refresh_token().await?
                {
                    renewed.push(Destination::Moh.as_str());
                }
                Ok(format!("sessions renewed: {}", if renewed.is_empty() { "none".into() } else { renewed.join(", ") }))
            }
            JobKind::DailySnapshot => {
                // Yesterday becomes final, with any earlier day the job missed; today so far
                // keeps the snapshot API's current day close.
                let today = crate::domain::time::vietnam_day(now_ms());
                let days = self.db.read(move |c| jobs::unfinished_days(c, today, SNAPSHOT_HISTORY_DAYS)).await?;
                // One transaction per day: a long backfill never holds the writer for long.
                for day in &days {
                    let day = *day;
                    self.db.write(move |c| jobs::snapshot_day(c, day)).await?;
                }
                let backfilled = days.len();
                let written = self.db.write(move |c| jobs::snapshot_day(c, today)).await?.len();
                Ok(format!("{backfilled} ended days made final; {written} facilities counted so far today ({today})"))
            }
            JobKind::Retention => {
                let cutoff = now_ms() - i64::from(self.settings.retention_days) * 86_400_000;
                let mut total = 0;
                loop {
                    let n = self.db.write(move |c| jobs::drop_settled_payloads(c, cutoff, RETENTION_BATCH)).await?;
                    total += n;
                    if n == 0 {
                        break;
                    }
                }
                let receipts = self.db.write(move |c| front_door::drop_receipts_before(c, cutoff)).await?;
                let callbacks = self.db.write(move |c| webhooks::drop_settled_before(c, cutoff)).await?;
                let signatures = self.db.write(move |c| signatures::drop_settled_before(c, cutoff)).await?;
                let space = self.db.reclaim_space().await?;
                let freed = (space.before - space.after).max(0);
                metrics::counter!("hisgate_retention_bytes_freed_total").increment(freed as u64);
                Ok(format!(
                    "stored episodes dropped from {total} claim versions settled before the cut-off; \
                     {receipts} front-door receipts received before it dropped; \
                     {callbacks} delivered or given-up callbacks made before it dropped; \
                     {signatures} remote signature requests settled before it dropped; \
                     the database takes {} bytes on disk ({freed} given back)",
                    space.after
                ))
            }
            JobKind::Alerts => alerts::run(self).await,
            JobKind::Rewrap => self.rewrap().await,
            JobKind::CardCheck => match &self.card_checks {
                Some(service) => {
                    Ok(crate::eligibility::ingested::check_ingested_cards(service, &self.db, &self.vault).await?)
                }
                None => Err(JobError::CardCheckOff),
            },
        }
    }
}

impl JobContext {
    /// Reads the master key file again if it changed, then seals every stored record not under
    /// the current key, a batch per transaction.
    async fn rewrap(&self) -> Result<String, JobError> {
        let reloaded = self.vault.reload()?;
        let Some(current) = self.vault.current_key() else {
            return Ok("no master key: records are stored in clear".to_owned());
        };
        let (mut rows, mut cleared) = (0, 0);
        loop {
            let vault = self.vault.clone();
            let done = self.db.write(move |c| payload::rewrap(c, &vault, REWRAP_BATCH)).await?;
            rows += done.rows;
            cleared += done.cleared;
            if !done.more {
                break;
            }
        }
        let file = if reloaded { "the key file changed; " } else { "" };
        let mut detail = format!("{file}{rows} stored records sealed anew under master key {current}");
        if cleared > 0 {
            // Pages and WAL frames that held the values in clear go back to the file system; what
            // stays of them inside pages still in use goes with `hisgate migrate`.
            self.db.reclaim_space().await?;
            tracing::warn!(
                cleared,
                "records stored in clear were sealed; run `hisgate migrate` while the gateway is stopped to erase what the files still hold of them"
            );
            detail.push_str(&format!(
                "; {cleared} of them were in clear: `hisgate migrate`, run while the gateway is stopped, erases what \
                 the files still hold of them"
            ));
        }
        Ok(detail)
    }
}

/// Starts the scheduler with every job; it runs until [`JobScheduler::shutdown`].
pub async fn start(ctx: JobContext) -> Result<JobScheduler, JobError> {
    let scheduler = JobScheduler::new().await?;
    for kind in JobKind::ALL {
        let schedule = kind.schedule(&ctx.settings).to_owned();
        let ctx = ctx.clone();
        let job = Job::new_async_tz(schedule.as_str(), crate::domain::time::vietnam_offset(), move |_, _| {
            let ctx = ctx.clone();
            Box::pin(async move {
                ctx.run(kind).await;
            })
        })
        .map_err(|source| JobError::Schedule { job: kind.name(), schedule, source })?;
        scheduler.add(job).await?;
    }
    scheduler.start().await?;
    Ok(scheduler)
}
