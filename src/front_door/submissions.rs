//! `checkInKcb…` and `guiHoSoXml…` (BHXH-API.md §4.1): the portal's headers and form, the same
//! ingest as `/api/v1/checkins` and `/api/v1/dossiers`; and `nhanChiTietLoiHS` (§5), the errors of
//! what was received.

use super::answers::{Code, ErrorList, ListedError, Refusal, SubmissionAnswer, malformed, server_error};
use super::{caller, query_caller, read_form};
use crate::auth::Gate;
use crate::auth::Principal;
use crate::auth::accounts::Caller;
use crate::config::Settings;
use crate::digest::random_hex;
use crate::ingest::{self, IngestError, IngestService, ItemResult, Rejection, dossiers};
use crate::store::front_door::{self as stored, StoredReceipt};
use crate::store::now_ms;
use crate::validation::{Severity, Violation};
use crate::vocabulary::{ClaimId, JobStatus};
use actix_web::{HttpRequest, HttpResponse, post, web};
use base64::Engine;
use serde::Deserialize;
use utoipa::ToSchema;

/// The form of every submission.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubmissionForm {
    username: Option<String>,
    /// `0` for a check-in, `130` for a dossier (`130` or `3176` at the QĐ 3176 endpoint: which one
    /// the portal expects there is not settled, BHXH-API.md §7).
    #[serde(rename = "loaiHoSo")]
    kind: Option<String>,
    /// The facility's province: the first two characters of `maCSKCB`.
    #[serde(rename = "maTinh")]
    province: Option<String>,
    #[serde(rename = "maCSKCB")]
    facility: Option<String>,
    /// The whole XML file (UTF-8), in base64.
    #[serde(rename = "fileHSBase64")]
    file: Option<String>,
}

/// A submission that passed the envelope's checks: who sends, for which facility, what file.
struct Received {
    caller: Caller,
    principal: Principal,
    file: Vec<u8>,
}

/// Checks the session, the facility, `maTinh`, `loaiHoSo` (one of `kinds`) and decodes the file.
async fn receive(
    req: &HttpRequest,
    payload: web::Payload,
    gate: &Gate,
    settings: &Settings,
    kinds: &[&str],
) -> Result<Received, Refusal> {
    let form: SubmissionForm = read_form(payload, settings).await?;
    let caller = caller(req, gate, form.username.as_deref()).await?;
    let facility = form.facility.as_deref().map(str::trim).unwrap_or_default();
    let refused = || {
        Refusal::new(
            Code::Forbidden,
            format!("Tài khoản {} không được gửi hồ sơ của cơ sở {facility}", caller.username),
        )
    };
    let principal = caller.principal_for(facility).ok_or_else(refused)?;
    let certificate = req.conn_data::<crate::http::tls::ClientCertificate>();
    crate::http::tls::facility_may_use(facility, certificate, gate.require_client_certificate)
        .map_err(|m| Refusal::new(Code::Forbidden, m))?;
    if form.province.as_deref().map(str::trim) != facility.get(..2) {
        return Err(Refusal::new(Code::BadParameter, "maTinh phải là 2 ký tự đầu của maCSKCB"));
    }
    if !form.kind.as_deref().map(str::trim).is_some_and(|k| kinds.contains(&k)) {
        return Err(Refusal::new(Code::BadParameter, format!("loaiHoSo phải là {}", kinds.join(" hoặc "))));
    }
    let file = decode_file(form.file.as_deref().unwrap_or_default())?;
    Ok(Received { caller, principal, file })
}

/// The file of `fileHSBase64`, without a UTF-8 byte-order mark. Line breaks are skipped, and a
/// space is read as the `+` it was before a client left it unescaped in the form.
fn decode_file(base64: &str) -> Result<Vec<u8>, Refusal> {
    let compact: String = base64
        .trim()
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n' | '\t'))
        .map(|c| if c == ' ' { '+' } else { c })
        .collect();
    if compact.is_empty() {
        return Err(Refusal::new(Code::BadParameter, "fileHSBase64 trống"));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| Refusal::new(Code::BadParameter, "fileHSBase64 không phải base64 hợp lệ"))?;
    Ok(match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    })
}

/// Stores what a submission was answered and answers it: received, with its errors to be listed.
async fn received(
    gate: &Gate,
    caller: &Caller,
    facility: &str,
    errors: Vec<ListedError>,
    claims: Vec<String>,
    summary: String,
) -> Result<HttpResponse, Refusal> {
    let transaction_id = random_hex(10).to_uppercase();
    let received_at = crate::domain::time::to_vietnam(chrono::Utc::now()).format("%Y%m%d%H%M%S").to_string();
    let receipt = StoredReceipt {
        transaction_id: transaction_id.clone(),
        username: caller.username.clone(),
        facility_code: facility.into(),
        received_at: now_ms(),
        errors: serde_json::to_string(&errors).unwrap_or_else(|_| "[]".to_owned()),
        claims: serde_json::to_string(&claims).unwrap_or_else(|_| "[]".to_owned()),
    };
    gate.db
        .write(move |c| stored::insert_receipt(c, &receipt))
        .await
        .map_err(|e| server_error("a receipt could not be stored", &e))?;
    Ok(HttpResponse::Ok().json(SubmissionAnswer::received(transaction_id, received_at, summary)))
}

fn listed(episode_key: Option<&str>, v: &Violation) -> ListedError {
    ListedError {
        code: v.rule.clone(),
        description: v.message.clone(),
        episode_key: episode_key.map(str::to_owned),
        path: Some(v.path.clone()),
        severity: v.severity,
        source: "hisgate".to_owned(),
    }
}

/// A check-in file (`CHI_TIEU_TRANG_THAI_KCB`): stored whole, or refused whole with its errors.
async fn check_in(
    req: HttpRequest,
    payload: web::Payload,
    (gate, settings, service): (&Gate, &Settings, &IngestService),
    kinds: &[&str],
) -> Result<HttpResponse, Refusal> {
    let r = receive(&req, payload, gate, settings, kinds).await?;
    let (check_ins, _) =
        ingest::read_check_ins(&r.file, true).map_err(|e| Refusal::new(Code::BadFile, ingest_message(e)))?;
    let facility = r.principal.facility.as_deref().unwrap_or_default().to_owned();
    let key_of = |i: usize| check_ins.get(i).and_then(|c| c.episode_key.as_deref());
    let (errors, summary) = match service.accept_check_ins(&r.principal, &check_ins).await {
        Ok(receipts) => {
            let warnings =
                receipts.iter().enumerate().flat_map(|(i, receipt)| receipt.warnings.iter().map(move |w| (i, w)));
            (
                warnings.map(|(i, w)| listed(key_of(i), w)).collect(),
                format!("Tiếp nhận thành công {} check-in", receipts.len()),
            )
        }
        Err(IngestError::Rejected(Rejection::Invalid { detail, violations })) => {
            let errors = violations.iter().map(|v| listed(None, v)).collect();
            (errors, format!("Tiếp nhận; check-in có lỗi, không được lưu: {detail}"))
        }
        Err(IngestError::Rejected(Rejection::Forbidden(m))) => return Err(Refusal::new(Code::Forbidden, m)),
        Err(IngestError::Rejected(other)) => return Err(Refusal::new(Code::BadFile, ingest_message(other))),
        Err(IngestError::Store(e)) => return Err(server_error("check-ins could not be stored", &e)),
    };
    received(gate, &r.caller, &facility, errors, Vec::new(), summary).await
}

fn ingest_message(rejection: Rejection) -> String {
    crate::http::ApiError::from(rejection).problem().detail
}

/// A dossier (`GIAMDINHHS`): each `HOSO` accepted or refused on its own, as `/api/v1/dossiers`.
async fn dossier(
    req: HttpRequest,
    payload: web::Payload,
    (gate, settings, service): (&Gate, &Settings, &IngestService),
    kinds: &[&str],
) -> Result<HttpResponse, Refusal> {
    let r = receive(&req, payload, gate, settings, kinds).await?;
    let report =
        dossiers::ingest_file(service, &r.principal, r.file.into(), &|_, _| {}).await.map_err(|e| match e {
            dossiers::DossierIngestError::Refused(e) => Refusal::new(Code::BadFile, e.to_string()),
            dossiers::DossierIngestError::Forbidden(m) => Refusal::new(Code::Forbidden, m),
            dossiers::DossierIngestError::Store(e) => server_error("a dossier could not be stored", &e),
        })?;
    let mut errors: Vec<ListedError> = report.warnings.iter().map(|w| listed(None, w)).collect();
    errors.extend(report.items.iter().flat_map(item_errors));
    let claims = report.items.iter().filter_map(|i| i.receipt.as_ref()).map(|r| r.id.to_string()).collect();
    let summary = format!(
        "Tiếp nhận {} hồ sơ: {} hợp lệ, {} có lỗi không được lưu",
        report.count, report.accepted, report.rejected
    );
    received(gate, &r.caller, &report.facility, errors, claims, summary).await
}

/// What a portal said, listed: an error in its own words, or a reason of an appraisal that was
/// not a full acceptance (a partial one only warns: the claim was paid in part).
fn portal_error(e: stored::PortalError) -> ListedError {
    let (description, severity) = match e.appraisal {
        None => (e.message, Severity::Critical),
        Some(JobStatus::PartiallyApproved) => ("Giám định: thanh toán một phần".to_owned(), Severity::Warning),
        Some(_) => ("Giám định: từ chối thanh toán".to_owned(), Severity::Critical),
    };
    ListedError {
        code: e.code,
        description,
        episode_key: Some(e.episode_key),
        path: None,
        severity,
        source: e.destination.as_str().to_owned(),
    }
}

/// An item's refusal (each rule it broke, or the problem's own words) or its warnings.
fn item_errors(item: &ItemResult) -> Vec<ListedError> {
    let key = item.ma_lk.as_deref();
    match (&item.receipt, &item.error) {
        (Some(receipt), _) => receipt.warnings.iter().map(|w| listed(key, w)).collect(),
        (None, Some(problem)) if !problem.violations.is_empty() => {
            problem.violations.iter().map(|v| listed(key, v)).collect()
        }
        (None, Some(problem)) => vec![ListedError {
            code: problem.kind.rsplit('/').next().unwrap_or_default().to_uppercase(),
            description: problem.detail.clone(),
            episode_key: key.map(str::to_owned),
            path: None,
            severity: Severity::Critical,
            source: "hisgate".to_owned(),
        }],
        (None, None) => Vec::new(),
    }
}

const SUBMISSION_DOC: &str = "The BHXH portal's submission (BHXH-API.md §4.1): headers `accessToken`, `tokenId`, `passwordHash` from `token/take`; form `username, loaiHoSo, maTinh, maCSKCB, fileHSBase64`. Always HTTP 200; `maKetQua` 200 received (with `maGiaoDich`; content errors do not refuse, `nhanChiTietLoiHS` lists them), 401, 403 (another facility), 205 (a parameter, or a file that is empty or not base64), 123 (not the format this endpoint takes). Which `maKetQua` the portal gives beyond 200/401/403 is not published: these follow its older endpoints.";

/// One `qd130` endpoint: its path, the submission it runs and the `loaiHoSo` it takes.
macro_rules! submission_endpoint {
    ($name:ident, $path:literal, $run:ident, $kinds:expr) => {
        #[utoipa::path(
            tag = "bhxh",
            params(("accessToken" = String, Header), ("tokenId" = String, Header), ("passwordHash" = String, Header)),
            request_body(content = SubmissionForm, content_type = "application/x-www-form-urlencoded"),
            responses((status = 200, body = SubmissionAnswer)),
            description = SUBMISSION_DOC
        )]
        #[post($path)]
        pub(super) async fn $name(
            req: HttpRequest,
            payload: web::Payload,
            gate: web::Data<Gate>,
            settings: web::Data<Settings>,
            service: web::Data<IngestService>,
        ) -> HttpResponse {
            $run(req, payload, (&gate, &settings, &service), $kinds).await.unwrap_or_else(Refusal::answer)
        }
    };
}

submission_endpoint!(check_in_4750, "/bhxh/api/qd130/checkInKcbQd4750", check_in, &["0"]);
submission_endpoint!(check_in_3176, "/bhxh/api/qd130/checkInKcbQd3176", check_in, &["0"]);
submission_endpoint!(dossier_4750, "/bhxh/api/qd130/guiHoSoXmlQD4750", dossier, &["130"]);
submission_endpoint!(dossier_3176, "/bhxh/api/qd130/guiHoSoXmlQD3176", dossier, &["130", "3176"]);

/// The query of `nhanChiTietLoiHS` besides the credentials: the submission.
#[derive(Debug, Deserialize)]
struct ErrorListQuery {
    #[serde(rename = "maGiaoDich", default)]
    transaction_id: String,
}

/// The errors of a submission the front door received.
#[utoipa::path(
    tag = "bhxh",
    params(
        ("token" = String, Query), ("id_token" = String, Query), ("username" = String, Query),
        ("password" = String, Query, description = "MD5 of the password"), ("maCSKCB" = Option<String>, Query),
        ("maGiaoDich" = String, Query, description = "What the submission was answered"),
    ),
    responses((status = 200, description = "`maKetQua` 200 with `dsLoi` (empty when nothing was wrong), 401, 403 (another account's submission) or 205 (no such `maGiaoDich`)", body = ErrorList)),
    description = "The portal's error list (BHXH-API.md §5, query-string credentials): what hisgate's ingest found in a submission, each with the catalogue's rule code as `maLoi`; whether the portal itself answers it for QĐ 130 submissions is not settled."
)]
#[post("/bhxh/api/egw/nhanChiTietLoiHS")]
pub(super) async fn error_list(req: HttpRequest, gate: web::Data<Gate>) -> HttpResponse {
    listed_errors(&req, &gate).await.unwrap_or_else(Refusal::answer)
}

async fn listed_errors(req: &HttpRequest, gate: &Gate) -> Result<HttpResponse, Refusal> {
    let q = serde_urlencoded::from_str::<ErrorListQuery>(req.query_string()).map_err(|_| malformed())?;
    let caller = query_caller(req, gate).await?;
    let id = q.transaction_id.trim().to_owned();
    let receipt = gate
        .db
        .read(move |c| stored::find_receipt(c, &id))
        .await
        .map_err(|e| server_error("a receipt could not be read", &e))?
        .ok_or_else(|| Refusal::new(Code::BadParameter, "maGiaoDich không tồn tại"))?;
    if receipt.username != caller.username && caller.principal_for(&receipt.facility_code).is_none() {
        return Err(Refusal::new(Code::Forbidden, "maGiaoDich của cơ sở khác"));
    }
    let mut errors: Vec<ListedError> = serde_json::from_str(&receipt.errors).unwrap_or_default();
    let claims: Vec<ClaimId> = serde_json::from_str(&receipt.claims).unwrap_or_default();
    let from_portals = gate
        .db
        .read(move |c| stored::portal_errors(c, &claims))
        .await
        .map_err(|e| server_error("the portals' errors could not be read", &e))?;
    errors.extend(from_portals.into_iter().map(portal_error));
    Ok(HttpResponse::Ok().json(ErrorList::of(errors)))
}
