//! The facility registry API of the Department of Health: `GET/POST/PUT /api/v1/facilities…`,
//! CSV import and export. Admin keys write; DoH keys read every facility; a facility key reads
//! its own.

use crate::auth::Principal;
use crate::config::Settings;
use crate::http::{ApiError, Problem};
use crate::store::Db;
use crate::store::audit::{self, AuditEntry};
use crate::store::facilities::{self, Facility, FacilityFilter};
use crate::validation::{Severity, Violation};
use crate::vocabulary::Role;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub const KINDS: &[&str] =
    &["hospital_tier1", "hospital_tier2", "hospital_tier3", "health_centre", "polyclinic", "commune_station", "other"];
pub const STATUSES: &[&str] = &["onboarding", "live", "suspended"];
const CSV_HEADER: [&str; 10] = [
    "code",
    "name",
    "kind",
    "status",
    "district",
    "commune",
    "parent_code",
    "connected_on",
    "contact",
    "certificate_expires_on",
];

/// A facility as an admin writes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FacilityInput {
    /// `MA_CSKCB`; taken from the path on `PUT`.
    #[serde(default)]
    pub code: Option<String>,
    pub name: String,
    pub kind: String,
    pub status: String,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub commune: Option<String>,
    #[serde(default)]
    pub parent_code: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub connected_on: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub certificate_expires_on: Option<String>,
}

fn violation(rule: &str, path: String, message: String, value: Option<&str>) -> Violation {
    Violation { rule: rule.to_owned(), severity: Severity::Critical, path, message, value: value.map(str::to_owned) }
}

fn blank_to_none(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Checks one facility; `known` says whether a parent code exists. `at` prefixes the paths
/// (`rows[3].` in an import).
fn check(input: FacilityInput, code: &str, at: &str, known: &dyn Fn(&str) -> bool) -> Result<Facility, Vec<Violation>> {
    let mut problems = Vec::new();
    if code.len() != 5 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        problems.push(violation(
            "FACILITY_CODE",
            format!("{at}code"),
            format!("`{code}` is not a facility code (MA_CSKCB: 5 letters or digits)"),
            Some(code),
        ));
    }
    if input.name.trim().is_empty() {
        problems.push(violation("FACILITY_NAME", format!("{at}name"), "the name is required".into(), None));
    }
    if !KINDS.contains(&input.kind.as_str()) {
        problems.push(violation(
            "FACILITY_KIND",
            format!("{at}kind"),
            format!("`{}` is not one of {}", input.kind, KINDS.join(", ")),
            Some(&input.kind),
        ));
    }
    if !STATUSES.contains(&input.status.as_str()) {
        problems.push(violation(
            "FACILITY_STATUS",
            format!("{at}status"),
            format!("`{}` is not one of {}", input.status, STATUSES.join(", ")),
            Some(&input.status),
        ));
    }
    let parent = blank_to_none(input.parent_code);
    if let Some(p) = &parent
        && (p == code || !known(p))
    {
        problems.push(violation(
            "FACILITY_PARENT",
            format!("{at}parent_code"),
            format!("`{p}` is not another registered facility"),
            Some(p),
        ));
    }
    let mut date = |name: &str, value: Option<String>| {
        let value = blank_to_none(value);
        if let Some(v) = &value
            && chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err()
        {
            problems.push(violation(
                "FACILITY_DATE",
                format!("{at}{name}"),
                format!("`{v}` is not a date YYYY-MM-DD"),
                Some(v),
            ));
        }
        value
    };
    let connected_on = date("connected_on", input.connected_on);
    let certificate_expires_on = date("certificate_expires_on", input.certificate_expires_on);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Facility {
        code: code.to_owned(),
        name: input.name.trim().to_owned(),
        kind: input.kind,
        status: input.status,
        created_at: 0,
        district: blank_to_none(input.district),
        commune: blank_to_none(input.commune),
        parent_code: parent,
        connected_on,
        contact: blank_to_none(input.contact),
        certificate_expires_on,
        updated_at: None,
    })
}

fn invalid(violations: Vec<Violation>) -> ApiError {
    ApiError::InvalidInput {
        detail: violations.iter().map(|v| format!("{}: {}", v.path, v.message)).collect::<Vec<_>>().join("; "),
        violations,
    }
}

async fn save_audited(
    db: &Db,
    principal: &Principal,
    facility: Facility,
    action: &'static str,
) -> Result<Facility, ApiError> {
    let actor = principal.key_id.clone();
    let saved = db
        .write(move |c| {
            facilities::save(c, &facility)?;
            audit::record(
                c,
                AuditEntry {
                    actor: &actor,
                    role: Role::Admin.as_str(),
                    action,
                    target: &facility.code,
                    detail: serde_json::json!({ "name": facility.name, "kind": facility.kind, "status": facility.status }),
                },
            )?;
            facilities::find(c, &facility.code)
        })
        .await?;
    saved.ok_or_else(|| ApiError::Internal("a saved facility was not found".into()))
}

#[derive(Deserialize, IntoParams)]
struct ListQuery {
    kind: Option<String>,
    status: Option<String>,
    /// The level abolished on 2025-07-01, kept for facilities registered by it.
    district: Option<String>,
    /// The commune or ward: the unit in force.
    commune: Option<String>,
}

fn wants_csv(req: &HttpRequest) -> bool {
    req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/csv"))
}

fn to_csv(list: &[Facility]) -> Result<Vec<u8>, ApiError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(format!("writing CSV: {e}"));
    out.write_record(CSV_HEADER).map_err(fail)?;
    for f in list {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let cells = [
            f.code.clone(),
            f.name.clone(),
            f.kind.clone(),
            f.status.clone(),
            o(&f.district),
            o(&f.commune),
            o(&f.parent_code),
            o(&f.connected_on),
            o(&f.contact),
            o(&f.certificate_expires_on),
        ];
        out.write_record(cells.iter().map(|c| crate::http::spreadsheet_cell(c).into_owned())).map_err(fail)?;
    }
    out.into_inner().map_err(|e| ApiError::Internal(format!("writing CSV: {e}")))
}

/// The registry (DoH and admin: every facility; a facility key: its own). `Accept: text/csv` for CSV.
#[utoipa::path(
    tag = "facilities",
    params(ListQuery),
    responses(
        (status = 200, description = "Facilities by code (JSON, or CSV)", body = [Facility]),
        (status = 403, description = "Not allowed for this key", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/facilities")]
async fn list_facilities(
    db: web::Data<Db>,
    req: HttpRequest,
    principal: Principal,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter = FacilityFilter { kind: q.kind, status: q.status, district: q.district, commune: q.commune };
    let mut list = db.read(move |c| facilities::list(c, &filter)).await?;
    match principal.role {
        Role::Admin | Role::Doh => {}
        Role::Facility => list.retain(|f| principal.facility.as_deref() == Some(f.code.as_str())),
        Role::Eligibility => {
            return Err(ApiError::Forbidden("the registry is for DoH, admin and facility keys".into()));
        }
    }
    if wants_csv(&req) {
        return Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").body(to_csv(&list)?));
    }
    Ok(HttpResponse::Ok().json(list))
}

/// One facility.
#[utoipa::path(
    tag = "facilities",
    params(("code" = String, Path, description = "MA_CSKCB")),
    responses(
        (status = 200, description = "The facility", body = Facility),
        (status = 403, description = "Another facility", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not registered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/facilities/{code}")]
async fn get_facility(
    db: web::Data<Db>,
    principal: Principal,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = code.into_inner();
    if !principal.may_read(&code) || principal.role == Role::Eligibility {
        return Err(ApiError::Forbidden(format!("this key may not read facility {code}")));
    }
    let lookup = code.clone();
    let facility = db
        .read(move |c| facilities::find(c, &lookup))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no facility {code} is registered")))?;
    Ok(HttpResponse::Ok().json(facility))
}

async fn known_codes(db: &Db) -> Result<std::collections::HashSet<String>, ApiError> {
    let all = db.read(|c| facilities::list(c, &FacilityFilter::default())).await?;
    Ok(all.into_iter().map(|f| f.code).collect())
}

/// Register a facility (admin; audited).
#[utoipa::path(
    tag = "facilities",
    request_body = FacilityInput,
    responses(
        (status = 201, description = "Registered", body = Facility),
        (status = 400, description = "A value breaks a rule (which field, which rule)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is registered already", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/facilities")]
async fn create_facility(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    principal: Principal,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = crate::http::read_body(payload, settings.max_body_bytes).await?;
    principal.require_admin("change the registry")?;
    let input: FacilityInput = crate::http::parse_json(&body)?;
    let code = input.code.clone().unwrap_or_default();
    let known = known_codes(&db).await?;
    if known.contains(&code) {
        return Err(ApiError::Conflict(format!("facility {code} is registered already; PUT to change it")));
    }
    let facility = check(input, &code, "", &|c| known.contains(c)).map_err(invalid)?;
    let saved = save_audited(&db, &principal, facility, "facility.create").await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/facilities/{}", saved.code)))
        .json(saved))
}

/// Change a facility (admin; audited).
#[utoipa::path(
    tag = "facilities",
    params(("code" = String, Path, description = "MA_CSKCB")),
    request_body = FacilityInput,
    responses(
        (status = 200, description = "Changed", body = Facility),
        (status = 400, description = "A value breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not registered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/api/v1/facilities/{code}")]
async fn update_facility(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    principal: Principal,
    code: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = crate::http::read_body(payload, settings.max_body_bytes).await?;
    principal.require_admin("change the registry")?;
    let code = code.into_inner();
    let input: FacilityInput = crate::http::parse_json(&body)?;
    if input.code.as_ref().is_some_and(|c| *c != code) {
        return Err(ApiError::BadRequest(format!("code: the body says {:?}, the path {code}", input.code)));
    }
    let known = known_codes(&db).await?;
    if !known.contains(&code) {
        return Err(ApiError::NotFound(format!("no facility {code} is registered")));
    }
    let facility = check(input, &code, "", &|c| known.contains(c)).map_err(invalid)?;
    Ok(HttpResponse::Ok().json(save_audited(&db, &principal, facility, "facility.update").await?))
}

#[derive(Serialize, ToSchema)]
struct ImportReport {
    created: usize,
    updated: usize,
}

/// Import the registry from CSV (admin; audited): the columns of the export. Every row is checked
/// first; one bad row refuses the file, naming each problem by row and column.
#[utoipa::path(
    tag = "facilities",
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, description = "Saved", body = ImportReport),
        (status = 400, description = "Rows break rules; nothing was saved", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/facilities/import")]
async fn import_facilities(
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    principal: Principal,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = crate::http::read_body(payload, settings.max_body_bytes).await?;
    principal.require_admin("change the registry")?;
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(body.as_ref());
    let headers = reader.headers().map_err(|e| ApiError::BadRequest(format!("CSV header: {e}")))?.clone();
    if let Some(missing) = ["code", "name", "kind", "status"].iter().find(|h| !headers.iter().any(|x| x == **h)) {
        return Err(ApiError::BadRequest(format!("CSV header: the column `{missing}` is required")));
    }
    let mut inputs = Vec::new();
    for (i, row) in reader.deserialize::<FacilityInput>().enumerate() {
        // Rows are numbered as in a spreadsheet: the header is row 1.
        let row = row.map_err(|e| ApiError::BadRequest(format!("CSV row {}: {e}", i + 2)))?;
        inputs.push((i + 2, row));
    }
    let mut known = known_codes(&db).await?;
    known.extend(inputs.iter().filter_map(|(_, r)| r.code.clone()));
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    for (line, input) in inputs {
        let code = input.code.clone().unwrap_or_default();
        match check(input, &code, &format!("rows[{line}]."), &|c| known.contains(c)) {
            Ok(f) => rows.push(f),
            Err(v) => problems.extend(v),
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let actor = principal.key_id.clone();
    let (created, updated) = db
        .write(move |c| {
            // Parents first: every row without its parent, then the parents set.
            let mut created = 0;
            for f in &rows {
                if facilities::save(c, &Facility { parent_code: None, ..f.clone() })? {
                    created += 1;
                }
            }
            for f in rows.iter().filter(|f| f.parent_code.is_some()) {
                facilities::save(c, f)?;
            }
            audit::record(
                c,
                AuditEntry {
                    actor: &actor,
                    role: Role::Admin.as_str(),
                    action: "facility.import",
                    target: "registry",
                    detail: serde_json::json!({ "rows": rows.len(), "created": created }),
                },
            )?;
            Ok((created, rows.len() - created))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ImportReport { created, updated }))
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(import_facilities)
        .service(list_facilities)
        .service(get_facility)
        .service(create_facility)
        .service(update_facility)
}
