//! Request bodies read whole, within a limit.

use super::ApiError;
use actix_web::web;
use futures_util::StreamExt;

/// Reads the whole body, refusing it as soon as it passes the configured limit.
pub async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            actix_web::error::PayloadError::Overflow => ApiError::PayloadTooLarge { limit },
            late if super::body_deadline::is_late(&late) => ApiError::RequestTimeout,
            other => ApiError::BadRequest(format!("could not read the request body: {other}")),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
