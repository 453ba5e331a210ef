//! `/api/v1/catalogues`: the reference lists in the database; administrators replace a list with
//! a CSV file or remove a facility's own list.

use super::{LoadError, ReferenceHandle};
use crate::auth::Principal;
use crate::config::Settings;
use crate::http::{ApiError, Problem};
use crate::store::Db;
use crate::store::reference::ListInfo;
use actix_web::{HttpResponse, delete, get, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

impl From<LoadError> for ApiError {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::UnknownList(_) | LoadError::UnknownFacility(_) => ApiError::NotFound(e.to_string()),
            LoadError::NotPerFacility(_) | LoadError::Invalid { .. } => ApiError::BadRequest(e.to_string()),
            LoadError::Store(e) => e.into(),
        }
    }
}

/// A stored list with its versions.
#[derive(Serialize, ToSchema)]
pub struct Catalogue {
    #[serde(flatten)]
    pub info: ListInfo,
    /// The spans of days over which the same entries are in force (per field for `code_lists`),
    /// oldest first: where a list changed on a date, one version ends the day before it.
    pub versions: Vec<super::Version>,
}

impl From<ListInfo> for Catalogue {
    fn from(info: ListInfo) -> Self {
        let versions = serde_json::from_str(&info.versions).unwrap_or_default();
        Catalogue { info, versions }
    }
}

#[derive(Deserialize, IntoParams, ToSchema)]
pub struct ListQuery {
    /// The facility (MA_CSKCB) whose own list is meant; absent for the national or shared list.
    facility: Option<String>,
}

/// Every stored list: name, facility (empty for national and shared lists), entries, when and by
/// whom it was loaded, and its versions with their dates. A catalogue that is not stored is not
/// checked; the code lists, when not stored, are those shipped with hisgate.
#[utoipa::path(tag = "catalogues", responses((status = 200, description = "The lists", body = Vec<Catalogue>)))]
#[get("/api/v1/catalogues")]
async fn list_catalogues(db: web::Data<Db>, _principal: Principal) -> Result<HttpResponse, ApiError> {
    let lists = db.read(crate::store::reference::lists).await?;
    Ok(HttpResponse::Ok().json(lists.into_iter().map(Catalogue::from).collect::<Vec<_>>()))
}

/// One list as CSV, in the columns it is loaded with. A facility key reads the national and
/// shared lists and its own.
#[utoipa::path(
    tag = "catalogues",
    params(("list" = String, Path, description = "icd10, icd_yhct, drugs, services, supplies, staff, facilities, admin_units, admin_unit_successors, occupations or code_lists"), ListQuery),
    responses(
        (status = 200, description = "The list", body = String, content_type = "text/csv"),
        (status = 403, description = "Another facility's list", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such list stored", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/catalogues/{list}")]
async fn get_catalogue(
    db: web::Data<Db>,
    principal: Principal,
    list: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (kind, facility) = super::resolve(&list, query.facility.as_deref())?;
    if !facility.is_empty() && !principal.may_read(&facility) {
        return Err(ApiError::Forbidden(format!("this key may not read the lists of facility {facility}")));
    }
    let at = facility.clone();
    let (stored, entries) = db
        .read(move |c| {
            let stored =
                crate::store::reference::lists(c)?.into_iter().any(|l| l.list == kind.name() && l.facility == at);
            Ok((stored, super::entries_of(c, kind, &at)?))
        })
        .await?;
    if !stored {
        let whose = if facility.is_empty() { String::new() } else { format!(" of facility {facility}") };
        return Err(ApiError::NotFound(format!("no {} list{whose} is stored", kind.name())));
    }
    let csv = super::to_csv(kind, &entries).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").body(csv))
}

/// Replace a list with a CSV file (admin; audited). The header names the list's columns (`code,name`;
/// drugs `code,name,strength,registration,max_price`; services and supplies `code,name,max_price`;
/// admin_units `code,name,level,parent`; admin_unit_successors `code,name,successor`; code_lists
/// `field,code,name,status`), then optionally `valid_from,valid_to` (`YYYY-MM-DD`, inclusive, empty
/// for open; one code may have rows for periods that do not overlap). One bad row refuses the
/// file, naming the row. With
/// `facility`, the facility's own approved list (drugs, services, supplies, staff), which replaces the
/// shared one for that facility. In force at once here, within 30 s on other instances.
#[utoipa::path(
    tag = "catalogues",
    params(("list" = String, Path, description = "The list's name"), ListQuery),
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, description = "Stored and in force", body = Catalogue),
        (status = 400, description = "A row is wrong, or a national list was given a facility; nothing changed", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such list, or the facility is not registered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/api/v1/catalogues/{list}")]
async fn put_catalogue(
    db: web::Data<Db>,
    reference: web::Data<ReferenceHandle>,
    settings: web::Data<Settings>,
    principal: Principal,
    list: web::Path<String>,
    query: web::Query<ListQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = crate::http::read_body(payload, settings.max_body_bytes).await?;
    principal.require_admin("load reference catalogues")?;
    let info = super::load_csv(&db, &list, query.facility.as_deref(), &body, &principal.key_id, "admin").await?;
    reference.refresh(&db).await?;
    Ok(HttpResponse::Ok().json(Catalogue::from(info)))
}

/// Remove a list (admin; audited): a facility's own list, after which the shared one applies to it
/// again, or a national or shared list, which is then not checked.
#[utoipa::path(
    tag = "catalogues",
    params(("list" = String, Path, description = "The list's name"), ListQuery),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such list stored", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api/v1/catalogues/{list}")]
async fn delete_catalogue(
    db: web::Data<Db>,
    reference: web::Data<ReferenceHandle>,
    principal: Principal,
    list: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require_admin("remove reference catalogues")?;
    if !super::remove_list(&db, &list, query.facility.as_deref(), &principal.key_id, "admin").await? {
        return Err(ApiError::NotFound(format!("no such {list} list is stored")));
    }
    reference.refresh(&db).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn routes<T: crate::http::AppFactory>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T> {
    app.service(list_catalogues).service(get_catalogue).service(put_catalogue).service(delete_catalogue)
}
