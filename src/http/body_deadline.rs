//! A deadline on reading a request's body: a client sending its body a few bytes at a time would
//! otherwise hold a connection and a worker for as long as it likes (actix bounds the headers only).

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use futures_util::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// The middleware (`actix_web::middleware::from_fn`): the request's body must have come in whole
/// within `timeout` of its headers.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
    timeout: Duration,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let inner = req.take_payload();
    let deadline = Deadline { inner, sleep: Box::pin(tokio::time::sleep(timeout)), expired: false };
    req.set_payload(Payload::from(Box::pin(deadline) as Pin<Box<dyn Stream<Item = _>>>));
    next.call(req).await
}

/// The error a body read after its deadline ends with.
pub fn is_late(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

struct Deadline {
    inner: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
    expired: bool,
}

impl Stream for Deadline {
    type Item = Result<actix_web::web::Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut this.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if this.sleep.as_mut().poll(cx).is_ready() {
            this.expired = true;
            let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "the request body did not arrive in time");
            return Poll::Ready(Some(Err(PayloadError::Io(late))));
        }
        Poll::Pending
    }
}
