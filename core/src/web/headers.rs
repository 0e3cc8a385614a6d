//! Security headers on every response. A handler that sets one of these itself (say, a page that
//! needs a different CSP) keeps its own.

use std::sync::Arc;

use poem::http::HeaderValue;
use poem::http::header::{self, HeaderName};
use poem::{Endpoint, EndpointExt, IntoResponse, Response};

use super::ClientInfo;
use crate::config::SecurityConfig;

pub(crate) fn security<E: Endpoint + 'static>(
    ep: E,
    config: SecurityConfig,
) -> impl Endpoint<Output = Response> {
    let fixed: Vec<(HeaderName, HeaderValue)> = [
        (
            header::CONTENT_SECURITY_POLICY,
            config.content_security_policy.as_str(),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name, HeaderValue::from_str(value).ok()?)))
    .collect();
    let hsts = (config.hsts_max_age_secs > 0)
        .then(|| {
            HeaderValue::from_str(&format!(
                "max-age={}; includeSubDomains",
                config.hsts_max_age_secs
            ))
            .ok()
        })
        .flatten();
    let fixed = Arc::new(fixed);
    ep.around(move |ep, req| {
        let fixed = fixed.clone();
        let hsts = hsts.clone();
        async move {
            // HSTS over plain HTTP is ignored by browsers and would pin a dev server to HTTPS.
            let https = req
                .extensions()
                .get::<ClientInfo>()
                .is_some_and(|c| c.https);
            let mut response = match ep.call(req).await {
                Ok(response) => response.into_response(),
                Err(error) => error.into_response(),
            };
            let headers = response.headers_mut();
            for (name, value) in fixed.iter() {
                if !headers.contains_key(name) {
                    headers.insert(name.clone(), value.clone());
                }
            }
            if let (true, Some(hsts)) = (https, hsts) {
                headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts);
            }
            Ok(response)
        }
    })
}
