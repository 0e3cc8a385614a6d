//! Load shedding: at most `server.max_in_flight` requests are handled at once, and one more is
//! answered 503 with `Retry-After` straight away. Without a cap an overloaded server queues every
//! request it accepts — each waits longer than the last until clients time out, and memory grows
//! with the queue; with it, the requests it takes on finish in bounded time and the rest learn at
//! once to come back later. The cap lifts by itself as requests finish.
//!
//! The health probes are never refused, so an orchestrator does not restart a busy instance.

use std::sync::Arc;

use poem::{Endpoint, EndpointExt, IntoResponse, Response};
use tokio::sync::Semaphore;

use super::errors::Prerendered;
use super::{health, is_api_path};
use crate::{AppState, Error};

/// `max == 0` lets every request through.
pub(crate) fn shed<E: Endpoint + 'static>(
    ep: E,
    max: usize,
    state: &AppState,
) -> impl Endpoint<Output = Response> + use<E> {
    let slots = (max > 0).then(|| Arc::new(Semaphore::new(max)));
    // Rendered once: turning a request away must cost next to nothing, or the refusals eat the
    // capacity the accepted requests need.
    let refusal = Arc::new(Prerendered::new(state, Error::Overloaded));
    ep.around(move |ep, req| {
        let slots = slots.clone();
        let refusal = refusal.clone();
        async move {
            let path = req.uri().path();
            let _slot = match &slots {
                Some(slots) if !health::is_probe(path) => {
                    // Taken without waiting: a queue here is exactly what shedding avoids.
                    match slots.clone().try_acquire_owned() {
                        Ok(slot) => Some(slot),
                        Err(_) => return Ok(refusal.response(is_api_path(path))),
                    }
                }
                _ => None,
            };
            ep.call(req).await.map(IntoResponse::into_response)
        }
    })
}
