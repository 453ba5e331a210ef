//! The one place errors become HTTP responses: RFC 9457 `application/problem+json`.

use crate::domain::violation::{Violation, bounded};
use crate::store::StoreError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// Refused before a handler ran, by a limit the answer does not know.
    #[error("the request body is larger than this endpoint takes")]
    BodyTooLarge,
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error("{detail}")]
    Unprocessable { detail: String, violations: Vec<Violation> },
    /// A request that is well-formed JSON but whose values break a rule: each in `violations`.
    #[error("{detail}")]
    InvalidInput { detail: String, violations: Vec<Violation> },
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after_seconds: u64 },
    /// A national portal is unreachable or failing; the caller may retry later.
    #[error("{0}")]
    PortalUnavailable(String),
    /// The gateway's own set-up prevents the answer (e.g. the card-lookup officer is not
    /// registered with BHXH): an operator must act; the caller's data is not at fault.
    #[error("{0}")]
    Misconfigured(String),
    /// A portal answered something the gateway cannot use.
    #[error("{0}")]
    BadGateway(String),
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// The problem document (RFC 9457) every error response carries.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A stable identifier of the kind of problem, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For `422` (and `400` of checked values): every broken rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
}

/// Most characters of a problem's `detail` (it may quote what the caller sent).
const DETAIL_CHARS: usize = 1000;

/// What the request log says of an error (tracing-actix-web records it): its bounded text, and
/// for rule violations their codes and counts, never the values.
impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", bounded(&self.to_string(), DETAIL_CHARS))?;
        if let ApiError::Unprocessable { violations, .. } | ApiError::InvalidInput { violations, .. } = self {
            let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
            for v in violations {
                *counts.entry(&v.rule).or_default() += 1;
            }
            let counts: Vec<String> = counts.into_iter().map(|(rule, n)| format!("{rule}×{n}")).collect();
            write!(f, " [{}]", counts.join(", "))?;
        }
        Ok(())
    }
}

impl ApiError {
    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("malformed-request", "Malformed request"),
            ApiError::Unauthorized(_) => ("unauthenticated", "Authentication required"),
            ApiError::Forbidden(_) => ("forbidden", "Not allowed for this API key"),
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::Conflict(_) => ("conflict", "Not possible in the current state"),
            ApiError::PayloadTooLarge { .. } | ApiError::BodyTooLarge => {
                ("payload-too-large", "Request body too large")
            }
            ApiError::RequestTimeout => ("request-timeout", "Request body too slow"),
            ApiError::Unprocessable { .. } => ("validation", "The episode breaks QĐ 130/4750 rules"),
            ApiError::InvalidInput { .. } => ("invalid-input", "A value of the request is not valid"),
            ApiError::TooManyRequests { .. } => ("rate-limited", "Too many requests"),
            ApiError::PortalUnavailable(_) => ("portal-unavailable", "The national portal is unavailable"),
            ApiError::Misconfigured(_) => ("gateway-configuration", "The gateway's configuration prevents an answer"),
            ApiError::BadGateway(_) => ("portal-answer", "The national portal's answer could not be used"),
            ApiError::Unavailable(_) => ("unavailable", "Service temporarily unavailable"),
            ApiError::Internal(_) => ("internal", "Internal error"),
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        Problem {
            kind: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail: match self {
                // Storage and internal details go to the log, not to the caller.
                ApiError::Unavailable(_) => "the database did not answer; retry later".to_owned(),
                ApiError::Internal(_) => "an unexpected error occurred".to_owned(),
                other => bounded(&other.to_string(), DETAIL_CHARS),
            },
            violations: match self {
                ApiError::Unprocessable { violations, .. } | ApiError::InvalidInput { violations, .. } => {
                    violations.clone()
                }
                _ => Vec::new(),
            },
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Corrupt(_) => ApiError::Internal(e.to_string()),
            other => ApiError::Unavailable(other.to_string()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } | ApiError::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::InvalidInput { .. } => StatusCode::BAD_REQUEST,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PortalUnavailable(_) | ApiError::Misconfigured(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if matches!(self, ApiError::Unavailable(_) | ApiError::Internal(_)) {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if matches!(self, ApiError::Unauthorized(_)) {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let ApiError::TooManyRequests { retry_after_seconds, .. } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
        }
        response.json(self.problem())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::violation::Severity;

    #[test]
    fn the_log_of_an_error_has_rule_codes_and_counts_never_values() {
        let secret = "Nguyễn Văn An ".repeat(100_000);
        let violation = |rule: &str| Violation {
            rule: rule.to_owned(),
            severity: Severity::Critical,
            path: "summary.HO_TEN".to_owned(),
            message: format!("must equal `{secret}`"),
            value: Some(secret.clone()),
        };
        let mut violations = vec![violation("FIELD_TOO_LONG")];
        violations.extend((0..3).map(|_| violation("EPISODE_KEY_MISMATCH")));
        let error = ApiError::Unprocessable { detail: "the episode breaks 4 critical rule(s)".into(), violations };
        let logged = format!("{error:?}");
        assert_eq!(logged, "the episode breaks 4 critical rule(s) [EPISODE_KEY_MISMATCH×3, FIELD_TOO_LONG×1]");
        let long = format!("{:?}", ApiError::BadRequest(format!("invalid type: string \"{secret}\"")));
        assert!(long.chars().count() < DETAIL_CHARS + 40, "{} characters", long.len());
        assert!(ApiError::BadRequest(secret.clone()).problem().detail.ends_with(" characters)"));
    }
}
