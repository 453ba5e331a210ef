//! `/api/v1/rules`: the rule catalogue in force, and administrators changing a rule's severity.

use super::{Catalogue, CatalogueHandle, Rule, Severity};
use crate::auth::Principal;
use crate::http::{ApiError, Problem};
use crate::store::Db;
use crate::store::audit::{self, AuditEntry};
use crate::vocabulary::Role;
use actix_web::{HttpResponse, get, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

/// Every validation rule with its code, category, description and the severity in force.
#[utoipa::path(tag = "rules", responses((status = 200, description = "The catalogue", body = Vec<Rule>)))]
#[get("/api/v1/rules")]
async fn list_rules(catalogue: web::Data<CatalogueHandle>, _principal: Principal) -> HttpResponse {
    let catalogue = catalogue.current();
    HttpResponse::Ok().json(catalogue.rules().collect::<Vec<_>>())
}

#[derive(Deserialize, ToSchema)]
pub struct SeverityChange {
    /// `critical` (blocks the episode) or `warning` (stored with it).
    #[schema(value_type = String)]
    severity: Severity,
}

/// Change a rule's severity (admin; audited; applies at once here, within 30 s elsewhere).
#[utoipa::path(
    tag = "rules",
    params(("code" = String, Path, description = "Rule code")),
    request_body = SeverityChange,
    responses(
        (status = 200, description = "The rule as now in force", body = Rule),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The rule cannot be relaxed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/api/v1/rules/{code}")]
async fn set_severity(
    db: web::Data<Db>,
    catalogue: web::Data<CatalogueHandle>,
    principal: Principal,
    code: web::Path<String>,
    body: web::Json<SeverityChange>,
) -> Result<HttpResponse, ApiError> {
    principal.require_admin("change rule severities")?;
    let code = code.into_inner();
    let severity = body.into_inner().severity;
    let previous =
        catalogue.current().get(&code).cloned().ok_or_else(|| ApiError::NotFound(format!("no rule `{code}`")))?;
    if severity == Severity::Warning && !Catalogue::may_warn(&code) {
        return Err(ApiError::Conflict(format!("{code} stays critical: claims need a registered facility")));
    }
    let (actor, stored_code) = (principal.key_id.clone(), code.clone());
    let overrides = db
        .write(move |c| {
            crate::store::rules::set_override(c, &stored_code, severity.as_str(), &actor)?;
            audit::record(
                c,
                AuditEntry {
                    actor: &actor,
                    role: Role::Admin.as_str(),
                    action: "rule.severity",
                    target: &stored_code,
                    detail: serde_json::json!({ "from": previous.severity.as_str(), "to": severity.as_str() }),
                },
            )?;
            crate::store::rules::overrides(c)
        })
        .await?;
    catalogue.replace(Catalogue::builtin().with_overrides(&overrides));
    let rule = catalogue.current().get(&code).cloned();
    Ok(HttpResponse::Ok().json(rule))
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(list_rules).service(set_severity)
}
