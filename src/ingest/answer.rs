//! What the caller hears of ingest: one result per item of a batch or `HOSO` of a file, and how a
//! rejection reads as problem+json (the pipeline itself speaks only of [`Rejection`]s; a whole
//! file's refusal is mapped beside its endpoint, in `routes.rs`).

use super::{IngestError, MA_LK_CHARS, Receipt, Rejection};
use crate::http::{ApiError, Problem};
use crate::validation;
use serde::Serialize;
use utoipa::ToSchema;

/// The result for one item of a batch or one `HOSO` of a dossier file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemResult {
    pub index: usize,
    /// `MA_LK`, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ma_lk: Option<String>,
    /// The HTTP status this item would have had alone (202, 400, 403, 422).
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Problem>,
}

impl ItemResult {
    pub(super) fn failed(index: usize, ma_lk: Option<String>, rejection: Rejection) -> Self {
        let problem = ApiError::from(rejection).problem();
        let ma_lk = ma_lk.map(|k| validation::bounded(&k, MA_LK_CHARS));
        ItemResult { index, ma_lk, status: problem.status, receipt: None, error: Some(problem) }
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        match r {
            Rejection::Malformed(detail) => ApiError::BadRequest(detail),
            Rejection::UnreadableHoso { detail, violations } => ApiError::InvalidInput { detail, violations },
            Rejection::Forbidden(m) => ApiError::Forbidden(m),
            Rejection::Invalid { detail, violations } => ApiError::Unprocessable { detail, violations },
        }
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Rejected(r) => r.into(),
            IngestError::Store(s) => s.into(),
        }
    }
}
