//! The router: every module's routes, the OpenAPI document, what the extractors answer when a
//! request cannot be read, and each service of the state handed to the handlers.

use crate::http::{ApiError, AppFactory, form_refusal, json_refusal};
use crate::state::AppState;
use actix_web::web;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_actix_web::{AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hisgate",
        description = "Gateway between hospital information systems and the Vietnamese national health portals (BHXH appraisal, Ministry of Health)."
    ),
    modifiers(&BearerAuth),
    security(("api_key" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.components.get_or_insert_with(Default::default).add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("hg_<id>_<secret>").build(),
            ),
        );
    }
}

/// Every operation can answer these whatever it does (a malformed request, no or a bad key, a
/// rate limit, storage trouble): documented once here rather than on each operation.
fn document_common_errors(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let common = [
        ("400", "Malformed request"),
        ("401", "No or unknown API key"),
        ("403", "Not allowed for this key"),
        ("429", "Too many requests"),
        ("500", "Internal error"),
        ("503", "Storage or a portal unavailable"),
    ];
    // And an operation that takes a body: too large, or too slow to arrive.
    let with_body = [("408", "The body did not arrive in time"), ("413", "The body is too large")];
    for item in api.paths.paths.values_mut() {
        for operation in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete].into_iter().flatten() {
            let body = if operation.request_body.is_some() { &with_body[..] } else { &[] };
            for &(status, description) in common.iter().chain(body) {
                operation.responses.responses.entry(status.to_owned()).or_insert_with(|| {
                    RefOr::T(
                        ResponseBuilder::new()
                            .description(description)
                            .content(
                                "application/problem+json",
                                ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
                            )
                            .build(),
                    )
                });
            }
        }
    }
}

/// Each service of `state`, reachable by the handlers as `web::Data<T>`.
fn share<T: AppFactory>(app: actix_web::App<T>, state: &AppState) -> actix_web::App<T> {
    app.app_data(web::Data::new(state.db.clone()))
        .app_data(web::Data::from(state.settings.clone()))
        .app_data(web::Data::from(state.vault.clone()))
        .app_data(web::Data::new(state.catalogue.clone()))
        .app_data(web::Data::new(state.reference.clone()))
        .app_data(web::Data::from(state.gate.clone()))
        .app_data(web::Data::new(state.audit.clone()))
        .app_data(web::Data::from(state.ingest.clone()))
        .app_data(web::Data::from(state.eligibility.clone()))
        .app_data(web::Data::from(state.queue.clone()))
        .app_data(web::Data::from(state.jobs.clone()))
        .app_data(web::Data::from(state.signers.clone()))
        .app_data(web::Data::new(state.metrics.clone()))
}

/// Registers every route on `app` and serves the OpenAPI document and Swagger UI.
pub fn configure<T: AppFactory>(app: actix_web::App<T>, state: &AppState) -> actix_web::App<T> {
    // Requests actix cannot even read (a query, path or JSON body of the wrong shape) get the
    // same problem documents as the rest.
    let app = share(app, state)
        .app_data(
            actix_web::web::QueryConfig::default()
                .error_handler(|e, _| ApiError::BadRequest(format!("query: {e}")).into()),
        )
        .app_data(
            actix_web::web::PathConfig::default().error_handler(|e, _| ApiError::NotFound(format!("path: {e}")).into()),
        )
        .app_data(actix_web::web::JsonConfig::default().error_handler(|e, _| json_refusal(e).into()))
        .app_data(actix_web::web::FormConfig::default().error_handler(|e, _| form_refusal(e).into()));
    let app: UtoipaApp<T> = app.into_utoipa_app().openapi(ApiDoc::openapi());
    let app = crate::ingest::routes(crate::ops::routes(app));
    let app = crate::reconcile::routes::routes(crate::queue::routes::routes(app));
    let app = crate::jobs::routes::routes(crate::eligibility::routes::routes(app));
    let app = crate::stats::routes(crate::registry::routes(app));
    let app = crate::reference::routes::routes(crate::validation::routes(app));
    let app = crate::front_door::routes(crate::audit::routes(app));
    let app = crate::worklist::routes(crate::notify::routes::routes(app));
    let (app, mut api) = app.split_for_parts();
    document_common_errors(&mut api);
    app.service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/api-docs/openapi.json", api))
        .configure(crate::fhir::configure)
        .configure(crate::dashboard::configure)
}
