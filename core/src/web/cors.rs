//! CORS for the API (`/api/...`): which other web origins may read its answers from their pages.
//!
//! Two layers share one policy. `preflight` answers the browser's `OPTIONS` question before any
//! session or CSRF work, but inside `hosts`, so a preflight to a host this site does not serve is
//! refused like any request. `headers` marks the answers to real requests and sits outside
//! `errors`, so the problem+json an error becomes carries the headers too and browser code can
//! read why it failed.
//!
//! Unlike poem's `Cors`, a request from an origin that is not listed is still served, only without
//! CORS headers: the browser then keeps the answer from the other site's page, while same-origin
//! requests (which carry an `Origin` header on POST) work as ever. A refused preflight is a 403.

use std::sync::Arc;

use poem::http::header::{self, HeaderValue};
use poem::http::{HeaderMap, Method, StatusCode};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response};

use super::is_api_path;
use crate::Error;
use crate::config::{AllowedOrigins, CorsConfig};

const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
/// Request headers a page may send: what the API reads, plus harmless ones clients add.
const HEADERS: [&str; 6] = [
    "authorization",
    "content-type",
    "x-csrf-token",
    "accept",
    "accept-language",
    "x-requested-with",
];
/// Response headers a page may read beyond the safelisted ones: where a created object is, the
/// id to quote in a bug report, why a request was refused, and when to retry.
const EXPOSED: &str = "Location, X-Request-Id, WWW-Authenticate, Retry-After";

struct Policy {
    origins: AllowedOrigins,
    max_age: HeaderValue,
    debug: bool,
}

impl Policy {
    fn new(config: &CorsConfig, debug: bool) -> Arc<Self> {
        Arc::new(Self {
            origins: config.allowed_origins.clone(),
            max_age: HeaderValue::from(config.max_age_secs),
            debug,
        })
    }

    /// The `Access-Control-Allow-Origin` value for `origin`, if it is allowed.
    fn allow_origin(&self, origin: &HeaderValue) -> Option<HeaderValue> {
        match &self.origins {
            AllowedOrigins::Any => Some(HeaderValue::from_static("*")),
            list => origin
                .to_str()
                .ok()
                .filter(|origin| list.allows(origin))
                .map(|_| origin.clone()),
        }
    }

    /// Allow-Origin and, for listed origins, Allow-Credentials: the headers every allowed answer
    /// carries.
    fn mark(&self, headers: &mut HeaderMap, allow_origin: HeaderValue) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        // "*" never with credentials: browsers refuse it, and it would let any site act as the user.
        if matches!(self.origins, AllowedOrigins::List(_)) {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
    }

    /// The preflight's Allow-Origin value, or why it is refused.
    fn decide(&self, req: &Request, origin: &HeaderValue) -> Result<HeaderValue, String> {
        let Some(allow_origin) = self.allow_origin(origin) else {
            let shown = String::from_utf8_lossy(origin.as_bytes());
            let hint = if self.debug {
                "; add it to cors.allowed_origins"
            } else {
                ""
            };
            return Err(format!(
                "CORS preflight refused: origin {shown:?} may not call this API{hint}"
            ));
        };
        let method = req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
            .unwrap_or_default();
        if !METHODS.contains(&method.as_str()) {
            return Err(format!(
                "CORS preflight refused: method {method:?} is not allowed; allowed are {}",
                METHODS.join(", ")
            ));
        }
        let refused: Vec<String> = requested_headers(req)
            .filter(|name| !HEADERS.contains(&name.as_str()))
            .collect();
        if !refused.is_empty() {
            return Err(format!(
                "CORS preflight refused: request header {} not allowed; allowed are {}",
                refused.join(", "),
                HEADERS.join(", ")
            ));
        }
        Ok(allow_origin)
    }
}

/// The names in `Access-Control-Request-Headers`, lowercase (header names are case-insensitive).
fn requested_headers(req: &Request) -> impl Iterator<Item = String> + '_ {
    req.headers()
        .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
}

/// A browser's preflight to the API: `OPTIONS` with `Origin` and the method it means to send.
fn is_preflight(req: &Request) -> bool {
    req.method() == Method::OPTIONS
        && req.headers().contains_key(header::ORIGIN)
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        && is_api_path(req.uri().path())
}

/// Answers preflights to the API: 204 with what may be sent, or 403 saying what may not.
pub(crate) fn preflight<E: Endpoint + 'static>(
    ep: E,
    config: CorsConfig,
    debug: bool,
) -> impl Endpoint<Output = Response> {
    let policy = Policy::new(&config, debug);
    ep.around(move |ep, req| {
        let policy = policy.clone();
        async move {
            let origin = is_preflight(&req)
                .then(|| req.headers().get(header::ORIGIN).cloned())
                .flatten();
            let Some(origin) = origin else {
                return ep.call(req).await.map(IntoResponse::into_response);
            };
            let allow_origin = policy.decide(&req, &origin).map_err(Error::Forbidden)?;
            let mut response = Response::builder()
                .status(StatusCode::NO_CONTENT)
                .header(
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    METHODS.join(", ").as_str(),
                )
                .header(
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    HEADERS.join(", ").as_str(),
                )
                .header(header::ACCESS_CONTROL_MAX_AGE, policy.max_age.clone())
                .finish();
            let headers = response.headers_mut();
            policy.mark(headers, allow_origin);
            for varies in [
                "origin",
                "access-control-request-method",
                "access-control-request-headers",
            ] {
                headers.append(header::VARY, HeaderValue::from_static(varies));
            }
            Ok(response)
        }
    })
}

/// Adds the CORS headers to every API answer (errors included) for an allowed origin.
pub(crate) fn headers<E: Endpoint + 'static>(
    ep: E,
    config: CorsConfig,
) -> impl Endpoint<Output = Response> {
    let policy = Policy::new(&config, false);
    ep.around(move |ep, req| {
        let policy = policy.clone();
        async move {
            // Preflights were answered (or refused, without CORS headers) by `preflight`.
            let api = is_api_path(req.uri().path()) && !is_preflight(&req);
            let origin = req.headers().get(header::ORIGIN).cloned();
            let mut response = match ep.call(req).await {
                Ok(response) => response.into_response(),
                Err(error) => error.into_response(),
            };
            if !api {
                return Ok(response);
            }
            let headers = response.headers_mut();
            let allow_origin = match (&policy.origins, origin) {
                // The same answer for every origin: always marked, so a cache can share it.
                (AllowedOrigins::Any, _) => Some(HeaderValue::from_static("*")),
                (AllowedOrigins::List(_), origin) => {
                    // The answer depends on Origin, so caches must not give one origin's to another.
                    headers.append(header::VARY, HeaderValue::from_static("origin"));
                    origin.and_then(|origin| policy.allow_origin(&origin))
                }
            };
            if let Some(allow_origin) = allow_origin {
                policy.mark(headers, allow_origin);
                headers.insert(
                    header::ACCESS_CONTROL_EXPOSE_HEADERS,
                    HeaderValue::from_static(EXPOSED),
                );
            }
            Ok(response)
        }
    })
}
