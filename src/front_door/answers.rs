//! The front door's answers, in the portal's own shape and words (BHXH-API.md §2, §4.1, §5).

use crate::auth::accounts::Session;
use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

/// `maKetQua`: what the portal's clients look at first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Code {
    Received,
    Unauthenticated,
    Forbidden,
    /// A parameter of the wrong form (also an empty or non-base64 file).
    BadParameter,
    /// A file that is not the format the endpoint takes.
    BadFile,
    /// A card number found wrong before asking the portal, with the portal's own code for what is
    /// wrong (`051` the number, `052` its province, `053` its benefit code).
    CardDefect(&'static str),
    /// hisgate's own: this account's card lookups per minute are used up (the portal publishes
    /// no code for it).
    TooManyRequests,
    ServerError,
}

impl Code {
    fn as_str(self) -> &'static str {
        match self {
            Code::Received => "200",
            Code::Unauthenticated => "401",
            Code::Forbidden => "403",
            Code::BadParameter => "205",
            Code::BadFile => "123",
            Code::CardDefect(code) => code,
            Code::TooManyRequests => "429",
            Code::ServerError => "500",
        }
    }
}

/// Why a call is not received: its `maKetQua` and `thongDiep`, or (a body too large or too slow,
/// which HTTP itself answers at every endpoint) a problem document.
#[derive(Debug)]
pub(super) enum Refusal {
    Portal { code: Code, message: String },
    Http(crate::http::ApiError),
}

impl Refusal {
    pub(super) fn new(code: Code, message: impl Into<String>) -> Self {
        Refusal::Portal { code, message: message.into() }
    }

    /// The refusal as the portal says it (HTTP 200, nothing received).
    pub(super) fn answer(self) -> HttpResponse {
        match self {
            Refusal::Portal { code, message } => HttpResponse::Ok().json(SubmissionAnswer {
                code: code.as_str(),
                transaction_id: None,
                received_at: None,
                message: crate::validation::bounded(&message, 1000),
            }),
            Refusal::Http(e) => actix_web::ResponseError::error_response(&e),
        }
    }
}

/// Parameters (a form, a query) that are not of the form the call takes.
pub(super) fn malformed() -> Refusal {
    Refusal::new(Code::BadParameter, "Lỗi sai định dạng tham số")
}

/// The answer of an unexpected failure (the store), logged with `what` could not be done.
pub(super) fn server_error(what: &str, error: &dyn std::fmt::Display) -> Refusal {
    tracing::error!(error = %error, "front door: {what}");
    Refusal::new(Code::ServerError, "Lỗi hệ thống")
}

/// The portal's `APIKey`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKey {
    pub access_token: String,
    pub id_token: String,
    pub token_type: &'static str,
    pub username: String,
    /// When the session ends: a UTC date-time (`2026-12-04T10:00:00Z`).
    pub expires_in: String,
}

/// The answer of `token/take`; a refused login has no `APIKey` but a `thongDiep`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenAnswer {
    #[serde(rename = "maKetQua")]
    pub code: &'static str,
    #[serde(rename = "APIKey")]
    #[schema(required = false)]
    pub api_key: ApiKey,
}

impl TokenAnswer {
    pub(super) fn granted(session: Session) -> Self {
        let expires = chrono::DateTime::from_timestamp_millis(session.expires_at).unwrap_or_default();
        TokenAnswer {
            code: Code::Received.as_str(),
            api_key: ApiKey {
                access_token: session.access_token,
                id_token: session.id_token,
                token_type: "bearer",
                username: session.username,
                expires_in: expires.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            },
        }
    }
}

/// The answer of a submission (`checkInKcb…`, `guiHoSoXml…`), and of a refused login.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionAnswer {
    #[serde(rename = "maKetQua")]
    pub code: &'static str,
    /// hisgate's receipt of the submission, for `nhanChiTietLoiHS`.
    #[serde(rename = "maGiaoDich", skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// `yyyyMMddHHmmss`, Vietnam time.
    #[serde(rename = "thoiGianTiepNhan", skip_serializing_if = "Option::is_none")]
    pub received_at: Option<String>,
    #[serde(rename = "thongDiep")]
    pub message: String,
}

impl SubmissionAnswer {
    pub(super) fn received(transaction_id: String, received_at: String, message: String) -> Self {
        SubmissionAnswer {
            code: Code::Received.as_str(),
            transaction_id: Some(transaction_id),
            received_at: Some(received_at),
            message,
        }
    }
}

/// One error of a submission, as `nhanChiTietLoiHS` lists it: the portal's `maLoi` and `moTaLoi`,
/// and (hisgate's own, for the HIS to find the record and the field) `maLk`, `truong` and `mucDo`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct ListedError {
    /// The rule's code of the catalogue (`/api/v1/rules`).
    #[serde(rename = "maLoi")]
    pub code: String,
    #[serde(rename = "moTaLoi")]
    pub description: String,
    #[serde(rename = "maLk", skip_serializing_if = "Option::is_none")]
    pub episode_key: Option<String>,
    /// The field, e.g. `drugs[3].THANH_TIEN_BV`.
    #[serde(rename = "truong", skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `critical` (the record was refused) or `warning` (received, to be corrected).
    #[serde(rename = "mucDo")]
    pub severity: crate::validation::Severity,
    /// Who found it: `hisgate` at ingest, or the portal (`bhxh`, `moh`) once it answered.
    #[serde(rename = "nguon", default = "found_at_ingest")]
    pub source: String,
}

fn found_at_ingest() -> String {
    "hisgate".to_owned()
}

/// The answer of `nhanChiTietLoiHS`; a refused call has no `dsLoi` but a `thongDiep`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorList {
    #[serde(rename = "maKetQua")]
    pub code: &'static str,
    #[serde(rename = "dsLoi")]
    #[schema(required = false)]
    pub errors: Vec<ListedError>,
}

impl ErrorList {
    pub(super) fn of(errors: Vec<ListedError>) -> Self {
        ErrorList { code: Code::Received.as_str(), errors }
    }
}
