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

use super::health;
use crate::Error;

/// `max == 0` lets every request through.
pub(crate) fn shed<E: Endpoint + 'static>(ep: E, max: usize) -> impl Endpoint<Output = Response> {
    let slots = (max > 0).then(|| Arc::new(Semaphore::new(max)));
    ep.around(move |ep, req| {
        let slots = slots.clone();
        async move {
            let _slot = match &slots {
                Some(slots) if !health::is_probe(req.uri().path()) => {
                    // Taken without waiting: a queue here is exactly what shedding avoids.
                    Some(
                        slots
                            .clone()
                            .try_acquire_owned()
                            .map_err(|_| Error::Overloaded)?,
                    )
                }
                _ => None,
            };
            ep.call(req).await.map(IntoResponse::into_response)
        }
    })
}
