//! Operations endpoints: liveness, readiness, Prometheus metrics, the signing certificates.

use crate::formats::xml130::signers::Signers;
use crate::http::ApiError;
use crate::store::Db;
use actix_web::{HttpResponse, Responder, get, web};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// How often histogram samples are folded into their summaries.
const METRICS_UPKEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// The process-wide metrics recorder (the `metrics` facade allows one per process).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder can only be installed by embedding code; then we simply render ours.
            let _ = ::metrics::set_global_recorder(recorder);
            // A histogram keeps every sample until upkeep drains it into its summary; without
            // upkeep, memory grew with every portal call and acknowledgement unless something
            // scraped `/metrics`.
            let upkeep = handle.clone();
            let spawned = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || {
                loop {
                    std::thread::sleep(METRICS_UPKEEP_INTERVAL);
                    upkeep.run_upkeep();
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "the metrics upkeep thread did not start: histograms drain only when scraped");
            }
            handle
        })
        .clone()
}

/// The process is up.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Alive")))]
#[get("/healthz")]
async fn healthz() -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The database answers.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Ready"), (status = 503, description = "Database unreachable")))]
#[get("/readyz")]
async fn readyz(db: web::Data<Db>) -> impl Responder {
    match db.ping().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready", "database": "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({ "status": "not ready", "database": "unreachable" }))
        }
    }
}

/// Prometheus text exposition. The queue depth by destination and state is read at each scrape.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Metrics in Prometheus text format", content_type = "text/plain")))]
#[get("/metrics")]
async fn metrics(db: web::Data<Db>, recorder: web::Data<PrometheusHandle>) -> impl Responder {
    match db.read(crate::store::outbox::depth).await {
        Ok(depth) => {
            for d in depth {
                ::metrics::gauge!("hisgate_queue_depth", "destination" => d.destination.as_str(), "status" => d.status.as_str())
                    .set(d.count as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "queue depth unavailable for /metrics"),
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(recorder.render())
}

/// The facilities' signing certificates and when they expire (admin and DoH keys).
#[utoipa::path(
    tag = "ops",
    responses((status = 200, description = "One entry per facility with a signing key", body = Vec<crate::formats::xml130::signers::CertificateInfo>))
)]
#[get("/api/v1/certificates")]
async fn certificates(
    signers: web::Data<Signers>,
    principal: crate::auth::Principal,
) -> Result<HttpResponse, ApiError> {
    principal.require_staff("see the certificates")?;
    Ok(HttpResponse::Ok().json(signers.certificates()))
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(healthz).service(readyz).service(metrics).service(certificates)
}
