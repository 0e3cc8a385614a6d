//! Counts the SQL statements each request runs and, in debug, reports them in the
//! `X-Bureau-Queries` response header — so tests (and developers) see an N+1 the moment it
//! appears, without a profiler.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use poem::http::HeaderValue;
use poem::{Endpoint, EndpointExt, IntoResponse, Response};

pub const HEADER: &str = "x-bureau-queries";

tokio::task_local! {
    static QUERIES: Arc<AtomicUsize>;
}

/// sea-orm's metric callback: one more statement for the request this task serves, if any.
pub(crate) fn record(_: &sea_orm::metric::Info<'_>) {
    let _ = QUERIES.try_with(|count| count.fetch_add(1, Ordering::Relaxed));
}

pub(crate) fn report<E: Endpoint + 'static>(
    ep: E,
    enabled: bool,
) -> impl Endpoint<Output = Response> {
    ep.around(move |ep, req| async move {
        if !enabled {
            return ep.call(req).await.map(IntoResponse::into_response);
        }
        let count = Arc::new(AtomicUsize::new(0));
        let outcome = QUERIES.scope(count.clone(), ep.call(req)).await;
        let mut response = match outcome {
            Ok(response) => response.into_response(),
            Err(error) => error.into_response(),
        };
        if let Ok(value) = HeaderValue::from_str(&count.load(Ordering::Relaxed).to_string()) {
            response.headers_mut().insert(HEADER, value);
        }
        Ok(response)
    })
}
