//! Health, readiness, metrics and the OpenAPI document.

use crate::helpers::{Backend, FACILITY, episodes, spawn_app};
use serde_json::Value;

#[actix_web::test]
async fn health_readiness_and_metrics() {
    let app = spawn_app(Backend::Sqlite, "health_readiness_and_metrics").await.unwrap();
    let health: Value = app.client.get(app.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(app.post_claim(&app.facility_key, &episodes(FACILITY, 30, 1)[0]).await.status(), 202);
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("hisgate_claims_received_total{outcome=\"created\"}"), "{metrics}");
}

#[actix_web::test]
async fn openapi_document_and_swagger_ui_are_served() {
    let app = spawn_app(Backend::Sqlite, "openapi_document_and_swagger_ui_are_served").await.unwrap();
    let doc: Value = app.client.get(app.url("/api-docs/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/v1/claims", "/api/v1/claims/batch", "/api/v1/claims/{id}", "/healthz", "/readyz", "/metrics"] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    assert!(doc["components"]["schemas"].get("Episode").is_some());
    assert!(doc["components"]["securitySchemes"].get("api_key").is_some());
    let ui = app.client.get(app.url("/swagger-ui/")).send().await.unwrap();
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.unwrap().contains("swagger"), "Swagger UI is served from vendored assets");
}
