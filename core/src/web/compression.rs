//! Gzip for text responses when the client accepts it.
//!
//! poem's own `Compression` middleware also inflates request bodies (a decompression bomb would get
//! past the body limit), compresses images and archives again, and sets no `Vary`; this one
//! compresses responses only, and only the types that shrink.

use async_compression::tokio::bufread::GzipEncoder;
use poem::http::header::{self, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Response};
use tokio::io::BufReader;

const COMPRESSIBLE: [&str; 8] = [
    "text/",
    "application/json",
    "application/problem+json",
    "application/javascript",
    "application/xml",
    "application/yaml",
    "application/x-yaml",
    "image/svg+xml",
];

pub(crate) fn gzip<E: Endpoint + 'static>(ep: E) -> impl Endpoint<Output = Response> {
    ep.around(|ep, req| async move {
        let accepts_gzip = req
            .headers()
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(accepts);
        let head = req.method() == Method::HEAD;
        let mut response = ep.call(req).await?.into_response();

        let compressible = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| COMPRESSIBLE.iter().any(|prefix| ct.starts_with(prefix)));
        if !compressible {
            return Ok(response);
        }
        // Caches must keep the gzipped and the plain version apart.
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static("accept-encoding"));
        let unchanged = !accepts_gzip
            || head
            || matches!(
                response.status(),
                StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED
            )
            || response.headers().contains_key(header::CONTENT_ENCODING);
        let body = response.take_body();
        if unchanged || body.is_empty() {
            response.set_body(body);
            return Ok(response);
        }
        response.set_body(Body::from_async_read(GzipEncoder::new(BufReader::new(
            body.into_async_read(),
        ))));
        let headers = response.headers_mut();
        headers.remove(header::CONTENT_LENGTH);
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        // The gzipped bytes differ from the plain ones, so a strong validator must weaken.
        if let Some(weak) = headers
            .get(header::ETAG)
            .and_then(|etag| etag.to_str().ok())
            .filter(|etag| !etag.starts_with("W/"))
            .and_then(|etag| HeaderValue::from_str(&format!("W/{etag}")).ok())
        {
            headers.insert(header::ETAG, weak);
        }
        Ok(response)
    })
}

/// `gzip`, `gzip;q=0.5` or `*`, but not `gzip;q=0`.
fn accepts(coding: &str) -> bool {
    let mut parts = coding.split(';').map(str::trim);
    let name = parts.next().unwrap_or_default();
    let refused = parts.any(|param| {
        param
            .strip_prefix("q=")
            .and_then(|q| q.parse::<f32>().ok())
            .is_some_and(|q| q == 0.0)
    });
    (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
}

#[cfg(test)]
mod tests {
    use super::accepts;

    #[test]
    fn quality_zero_refuses() {
        assert!(accepts("gzip"));
        assert!(accepts(" gzip;q=0.5"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("br"));
    }
}
