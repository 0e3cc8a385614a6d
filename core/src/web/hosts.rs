//! Refuses requests whose Host is not one of `server.allowed_hosts`, so links the app builds from
//! the Host (password-reset mails, redirects) can never point at an attacker's domain.
//!
//! The health probes are exempt: load balancers and orchestrators call them by IP address.

use std::sync::Arc;

use poem::{Endpoint, EndpointExt, IntoResponse, Response};

use super::{ClientInfo, health};
use crate::Error;
use crate::config::HostPattern;

pub(crate) fn check<E: Endpoint + 'static>(
    ep: E,
    allowed: Vec<HostPattern>,
    debug: bool,
) -> impl Endpoint<Output = Response> {
    // Like Django: with nothing configured, a debug server answers on the loopback names only.
    let allowed = if allowed.is_empty() && debug {
        ["localhost", ".localhost", "127.0.0.1", "[::1]"]
            .iter()
            .filter_map(|pattern| pattern.parse().ok())
            .collect()
    } else {
        allowed
    };
    let allowed = Arc::new(allowed);
    ep.around(move |ep, req| {
        let allowed = allowed.clone();
        async move {
            if !health::is_probe(req.uri().path()) {
                let host = req
                    .extensions()
                    .get::<ClientInfo>()
                    .and_then(|c| c.host.clone());
                let name = host.as_deref().and_then(host_name);
                if !name.is_some_and(|name| allowed.iter().any(|p| p.matches(name))) {
                    let shown = host.unwrap_or_default();
                    let hint = if debug {
                        "; add it to server.allowed_hosts".to_owned()
                    } else {
                        String::new()
                    };
                    return Err(
                        Error::BadRequest(format!("invalid Host header {shown:?}{hint}")).into(),
                    );
                }
            }
            ep.call(req).await.map(IntoResponse::into_response)
        }
    })
}

/// The host name of a Host header (port removed), if the header is well formed.
fn host_name(host: &str) -> Option<&str> {
    let name = if host.starts_with('[') {
        let end = host.find(']')?;
        let (name, rest) = host.split_at(end + 1);
        (rest.is_empty() || is_port(rest)).then_some(name)?
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
            Some(_) => return None,
            None => host,
        }
    };
    let valid = if name.starts_with('[') {
        name[1..name.len() - 1]
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    };
    valid.then_some(name)
}

fn is_port(rest: &str) -> bool {
    rest.strip_prefix(':')
        .is_some_and(|port| !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::host_name;

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("example.com:8000"), Some("example.com"));
        assert_eq!(host_name("example.com"), Some("example.com"));
        assert_eq!(host_name("[::1]:8000"), Some("[::1]"));
        assert_eq!(host_name("evil.com/x"), None);
        assert_eq!(host_name("a:b:c"), None);
        assert_eq!(host_name(""), None);
    }
}
