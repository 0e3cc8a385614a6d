//! Caps request bodies at `server.max_body_bytes`: a declared `Content-Length` over the cap is
//! refused before the handler runs, and a body sent without one is cut off when it passes the cap.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use poem::http::header;
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Response};
use tokio::io::{AsyncRead, ReadBuf};

use crate::Error;

pub(crate) fn limit<E: Endpoint + 'static>(ep: E, max: u64) -> impl Endpoint<Output = Response> {
    ep.around(move |ep, mut req| async move {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        match declared {
            Some(length) if length > max => {
                return Err(Error::PayloadTooLarge { limit: max }.into());
            }
            // hyper already holds a body to its declared length.
            Some(_) => return ep.call(req).await.map(IntoResponse::into_response),
            None => {}
        }
        let exceeded = Arc::new(AtomicBool::new(false));
        let body = req.take_body();
        req.set_body(Body::from_async_read(Capped {
            inner: body.into_async_read(),
            left: max,
            exceeded: exceeded.clone(),
        }));
        let outcome = ep.call(req).await;
        // Whatever the handler made of the failed read, the answer is 413.
        if exceeded.load(Ordering::Relaxed) {
            return Err(Error::PayloadTooLarge { limit: max }.into());
        }
        outcome.map(IntoResponse::into_response)
    })
}

struct Capped<R> {
    inner: R,
    left: u64,
    exceeded: Arc<AtomicBool>,
}

impl<R: AsyncRead + Unpin> AsyncRead for Capped<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let read = (buf.filled().len() - before) as u64;
            if read > self.left {
                self.exceeded.store(true, Ordering::Relaxed);
                return Poll::Ready(Err(io::Error::other("request body too large")));
            }
            self.left -= read;
        }
        polled
    }
}
