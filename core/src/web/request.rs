//! The outermost layer: gives each request an id and the facts about its client, puts both in a
//! tracing span so every log line of the request carries them, and writes the access log.
//!
//! Forwarded headers (`X-Forwarded-For`, `-Proto`, `-Host`, `X-Request-Id`) are believed only
//! from the configured `server.trusted_proxies`; from anyone else they could be forged.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use poem::http::header::HeaderName;
use poem::http::{HeaderMap, HeaderValue};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response};
use tracing::Instrument;

use crate::config::IpNetwork;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Facts about the request's client, computed once and stored in the request's extensions.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub request_id: String,
    /// The client's address, through trusted proxies.
    pub ip: Option<IpAddr>,
    /// Whether the client used HTTPS (to us, or to a trusted proxy in front of us).
    pub https: bool,
    /// The host the client asked for, lowercase, with its port if it gave one.
    pub host: Option<String>,
}

impl ClientInfo {
    fn of(req: &Request, trusted_proxies: &[IpNetwork]) -> Self {
        let headers = req.headers();
        let peer = req.remote_addr().as_socket_addr().map(|addr| addr.ip());
        let trusted = |ip: IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
        let via_proxy = peer.is_some_and(trusted);
        let forwarded = |name: &str| via_proxy.then(|| header(headers, name)).flatten();

        let ip = match forwarded("x-forwarded-for") {
            // The right-most address a trusted proxy did not add is the client.
            Some(chain) => chain
                .rsplit(',')
                .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
                .find(|hop| !trusted(*hop))
                .or(peer),
            None => peer,
        };
        let https = req.scheme().as_str() == "https"
            || forwarded("x-forwarded-proto")
                .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
        let host = forwarded("x-forwarded-host")
            .and_then(|hosts| hosts.split(',').next())
            .or_else(|| header(headers, "host"))
            .or_else(|| req.uri().authority().map(|a| a.as_str()))
            .map(|host| host.trim().to_ascii_lowercase());
        let request_id = forwarded("x-request-id")
            .filter(|id| is_safe_id(id))
            .map(str::to_owned)
            .unwrap_or_else(new_request_id);
        Self {
            request_id,
            ip,
            https,
            host,
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn is_safe_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn new_request_id() -> String {
    let mut bytes = [0u8; 8];
    // Ids only correlate log lines; if the OS has no randomness for us, a clock value still does.
    if getrandom::fill(&mut bytes).is_err() {
        bytes = (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64)
            .to_be_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn context<E: Endpoint + 'static>(
    ep: E,
    trusted_proxies: Vec<IpNetwork>,
) -> impl Endpoint<Output = Response> {
    let trusted_proxies = Arc::new(trusted_proxies);
    ep.around(move |ep, mut req| {
        let trusted_proxies = trusted_proxies.clone();
        async move {
            let client = ClientInfo::of(&req, &trusted_proxies);
            let method = req.method().clone();
            let path = req.uri().path().to_owned();
            let span = tracing::info_span!("request", id = %client.request_id);
            let request_id = client.request_id.clone();
            let ip = client.ip;
            req.extensions_mut().insert(client);

            let started = Instant::now();
            let mut response = match ep.call(req).instrument(span.clone()).await {
                Ok(response) => response.into_response(),
                Err(error) => error.into_response(),
            };
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert(REQUEST_ID.clone(), value);
            }
            let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
            span.in_scope(|| {
                tracing::info!(
                    target: "bureau::access",
                    %method,
                    %path,
                    status = response.status().as_u16(),
                    elapsed_ms = (elapsed_ms * 10.0).round() / 10.0,
                    client = ip.map(|ip| ip.to_string()).unwrap_or_default(),
                    "request"
                )
            });
            Ok(response)
        }
    })
}
