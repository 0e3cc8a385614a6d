//! Configuration values with rules of their own. Each one parses from a string and, when the string
//! is wrong, says what was expected; serde puts the key in front of that message.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::Deserialize;
use serde::de::{self, Deserializer};

/// A database URL whose backend Bureau supports. `mariadb://` is accepted as a synonym of `mysql://`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct DatabaseUrl(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

impl DatabaseUrl {
    pub fn backend(&self) -> Backend {
        if self.0.starts_with("sqlite:") {
            Backend::Sqlite
        } else if self.0.starts_with("mysql:") {
            Backend::MySql
        } else {
            Backend::Postgres
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The file of a `sqlite://` URL; `None` for in-memory databases and other backends.
    pub fn sqlite_path(&self) -> Option<&str> {
        let rest = self
            .0
            .strip_prefix("sqlite://")
            .or_else(|| self.0.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && path != ":memory:").then_some(path)
    }

    /// Whether the URL makes the driver refuse a connection without TLS: PostgreSQL's `sslmode`
    /// `require`, `verify-ca` or `verify-full`, MySQL's `ssl-mode` `REQUIRED`, `VERIFY_CA` or
    /// `VERIFY_IDENTITY`. Without one the drivers try TLS and fall back to plain text, which a
    /// machine in the middle can force.
    pub fn requires_tls(&self) -> bool {
        let query = self.0.split_once('?').map_or("", |(_, query)| query);
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .filter(|(key, _)| {
                key.eq_ignore_ascii_case("sslmode") || key.eq_ignore_ascii_case("ssl-mode")
            })
            .any(|(_, mode)| {
                let mode = mode.to_ascii_lowercase().replace('_', "-");
                matches!(
                    mode.as_str(),
                    "require" | "required" | "verify-ca" | "verify-full" | "verify-identity"
                )
            })
    }

    /// Whether the server is on this machine: a Unix socket, `localhost` or a loopback address.
    /// SQLite always is.
    pub fn is_local(&self) -> bool {
        if self.backend() == Backend::Sqlite {
            return true;
        }
        let Some((_, rest)) = self.0.split_once("://") else {
            return true;
        };
        let (authority, query) = match rest.split_once('?') {
            Some((before, query)) => (before.split('/').next().unwrap_or_default(), query),
            None => (rest.split('/').next().unwrap_or_default(), ""),
        };
        // A socket path given as `host=/run/postgresql` or `socket=...` in the query.
        let socket = query.split('&').any(|pair| {
            pair.split_once('=').is_some_and(|(key, value)| {
                (key == "host" && value.starts_with('/')) || key == "socket"
            })
        });
        let host_port = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let host = match host_port.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host_port.split(':').next().unwrap_or_default(),
        };
        socket
            || host.is_empty()
            || host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// The URL with any password replaced, for logs and `bureau check`.
    pub fn redacted(&self) -> String {
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return self.0.clone();
        };
        match rest.split_once('@') {
            Some((userinfo, host)) if userinfo.contains(':') => {
                let user = userinfo.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}:***@{host}")
            }
            _ => self.0.clone(),
        }
    }
}

impl TryFrom<String> for DatabaseUrl {
    type Error = String;

    fn try_from(url: String) -> Result<Self, String> {
        let url = url.trim().to_owned();
        if let Some(rest) = url.strip_prefix("mariadb://") {
            return Ok(Self(format!("mysql://{rest}")));
        }
        let supported = ["sqlite:", "postgres://", "postgresql://", "mysql://"];
        if supported.iter().any(|prefix| url.starts_with(prefix)) {
            Ok(Self(url))
        } else {
            Err(format!(
                "expected a database URL starting with sqlite://, postgres://, mysql:// or mariadb://, found {url:?}"
            ))
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// One entry of `server.allowed_hosts`, in Django's forms: `example.com` matches itself,
/// `.example.com` matches it and every subdomain, `*` matches anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Any,
    Exact(String),
    Domain(String),
}

impl HostPattern {
    /// `host` is already lowercase and without its port.
    pub fn matches(&self, host: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Exact(name) => host == name,
            Self::Domain(domain) => {
                host == domain
                    || host
                        .strip_suffix(domain.as_str())
                        .is_some_and(|sub| sub.ends_with('.'))
            }
        }
    }
}

impl FromStr for HostPattern {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        if s == "*" {
            return Ok(Self::Any);
        }
        let bad = || {
            format!(
                "expected a host name without scheme, path or port (e.g. example.com or .example.com), found {s:?}"
            )
        };
        let name = s.strip_prefix('.').unwrap_or(&s);
        let is_ipv6 = name.starts_with('[') && name.ends_with(']');
        let valid = !name.is_empty()
            && (is_ipv6
                || name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'));
        if !valid {
            return Err(bad());
        }
        Ok(match s.strip_prefix('.') {
            Some(domain) => Self::Domain(domain.to_owned()),
            None => Self::Exact(s),
        })
    }
}

/// `cors.allowed_origins`: which web origins may read the API's responses from their pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// `*`: any origin, but never with credentials (cookies) — browsers refuse that combination,
    /// and it would let every site act as the visitor.
    Any,
    /// These origins exactly, with credentials.
    List(Vec<Origin>),
}

impl AllowedOrigins {
    /// Whether a request's `Origin` header value is allowed.
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            Self::Any => true,
            Self::List(origins) => origins.iter().any(|o| o.0.eq_ignore_ascii_case(origin)),
        }
    }
}

/// A web origin as browsers send it in the `Origin` header: `scheme://host[:port]`, lowercase,
/// without a path, and without the scheme's default port (browsers leave it out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(String);

impl Origin {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the host is this machine: fine while developing, wrong for a public site.
    pub fn is_loopback(&self) -> bool {
        let authority = self.0.split_once("://").map_or("", |(_, rest)| rest);
        let host = if authority.starts_with('[') {
            authority.split_inclusive(']').next()
        } else {
            authority.split(':').next()
        }
        .unwrap_or_default();
        host == "localhost"
            || host.ends_with(".localhost")
            || host == "[::1]"
            || host.starts_with("127.")
    }
}

impl FromStr for Origin {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = |what: &str| {
            format!(
                "expected an origin, scheme://host[:port] {what}(e.g. https://app.example.com or \
                 http://localhost:3000), found {s:?}"
            )
        };
        let Some((scheme, rest)) = s.split_once("://") else {
            return Err(bad(""));
        };
        let scheme = scheme.to_ascii_lowercase();
        let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok {
            return Err(bad(""));
        }
        if rest.contains(['/', '?', '#']) {
            return Err(bad("without a path or trailing slash "));
        }
        let rest = rest.to_ascii_lowercase();
        let (host, port) = if rest.starts_with('[') {
            let end = rest.find(']').ok_or_else(|| bad(""))?;
            let (host, after) = rest.split_at(end + 1);
            match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None if after.is_empty() => (host, None),
                None => return Err(bad("")),
            }
        } else {
            match rest.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest.as_str(), None),
            }
        };
        let host_ok = if let Some(v6) = host.strip_prefix('[') {
            let v6 = v6.trim_end_matches(']');
            !v6.is_empty()
                && v6
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        } else {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        };
        if !host_ok {
            return Err(bad(""));
        }
        let port = match port {
            None => None,
            Some(port) => match port.parse::<u16>() {
                Ok(n) if n > 0 && port.chars().all(|c| c.is_ascii_digit()) => Some(n),
                _ => return Err(bad("with a port from 1 to 65535 ")),
            },
        };
        // Browsers leave the default port out of `Origin`; so must we, or nothing would match.
        let port = port.filter(|&n| !matches!((scheme.as_str(), n), ("http", 80) | ("https", 443)));
        Ok(Self(match port {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        }))
    }
}

/// `cors.allowed_origins`: a list of origins (a TOML array or one comma-separated string), or `*`
/// alone.
pub(super) fn allowed_origins<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<AllowedOrigins, D::Error> {
    let entries: Vec<String> = list(deserializer)?;
    if entries.iter().any(|entry| entry.trim() == "*") {
        return if entries.len() == 1 {
            Ok(AllowedOrigins::Any)
        } else {
            Err(de::Error::custom(
                "\"*\" allows every origin and must be the only entry",
            ))
        };
    }
    entries
        .iter()
        .map(|entry| {
            entry
                .parse::<Origin>()
                .map_err(|e| de::Error::custom(format!("{entry:?}: {e}")))
        })
        .collect::<Result<_, _>>()
        .map(AllowedOrigins::List)
}

/// A `tracing` filter such as `info` or `info,bureau_core=debug`.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct LogFilter(String);

impl LogFilter {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LogFilter {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        tracing_subscriber::EnvFilter::builder()
            .parse(&s)
            .map(|_| Self(s.clone()))
            .map_err(|e| format!("expected a level (error, warn, info, debug, trace) or tracing filter directives, found {s:?}: {e}"))
    }
}

/// The key that signs sessions and tokens. Never printed.
#[derive(Clone, Default, Deserialize)]
#[serde(from = "String")]
pub struct SecretKey(String);

impl SecretKey {
    pub fn new(key: String) -> Self {
        Self(key)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretKey {
    fn from(s: String) -> Self {
        Self(s.trim().to_owned())
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "SecretKey(unset)"
        } else {
            "SecretKey(***)"
        })
    }
}

/// One entry of `server.trusted_proxies`: an address (`10.0.0.5`) or a network in CIDR form
/// (`10.0.0.0/8`, `fd00::/8`), since load balancers and container networks hand out addresses
/// from a range rather than one fixed address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNetwork {
    base: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 client reaching an IPv6 socket shows up as ::ffff:a.b.c.d.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(base) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(base) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNetwork {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "expected an IP address or a network in CIDR form (e.g. 10.0.0.5 or 10.0.0.0/8), found {s:?}"
            )
        };
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s.trim(), None),
        };
        let base: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(bad)?,
        };
        Ok(Self { base, prefix })
    }
}

/// A list given either as a TOML array or, handier in environment variables, as one
/// comma-separated string: `BUREAU_SERVER__ALLOWED_HOSTS=example.com,.example.org`.
pub fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Items(Vec<String>),
        Joined(String),
    }
    let items = match Raw::deserialize(deserializer)? {
        Raw::Items(items) => items,
        Raw::Joined(joined) => joined
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    items
        .iter()
        .map(|item| {
            item.parse::<T>()
                .map_err(|e| de::Error::custom(format!("{item:?}: {e}")))
        })
        .collect()
}

/// A string that must be usable as an HTTP header value.
pub(super) fn header_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let value = String::deserialize(deserializer)?;
    poem::http::HeaderValue::from_str(&value)
        .map(|_| value.clone())
        .map_err(|_| {
            de::Error::custom(
                "expected text usable in an HTTP header (printable ASCII on one line)",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_patterns_follow_djangos_rules() {
        let exact: HostPattern = "Example.com".parse().unwrap();
        let domain: HostPattern = ".example.com".parse().unwrap();
        assert!(exact.matches("example.com"));
        assert!(!exact.matches("www.example.com"));
        assert!(domain.matches("example.com"));
        assert!(domain.matches("www.example.com"));
        assert!(!domain.matches("badexample.com"));
        assert!("https://example.com".parse::<HostPattern>().is_err());
        assert!("example.com:8000".parse::<HostPattern>().is_err());
        assert!("[::1]".parse::<HostPattern>().unwrap().matches("[::1]"));
    }

    #[test]
    fn trusted_proxies_are_addresses_or_cidr_networks() {
        let net = |s: &str| s.parse::<IpNetwork>().unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(net("10.0.0.5").contains(ip("10.0.0.5")));
        assert!(!net("10.0.0.5").contains(ip("10.0.0.6")));
        assert!(net("172.30.0.0/24").contains(ip("172.30.0.200")));
        assert!(!net("172.30.0.0/24").contains(ip("172.30.1.1")));
        assert!(net("172.30.0.0/24").contains(ip("::ffff:172.30.0.9")));
        assert!(net("0.0.0.0/0").contains(ip("203.0.113.1")));
        assert!(!net("0.0.0.0/0").contains(ip("2001:db8::1")));
        assert!(net("fd00::/8").contains(ip("fd12:3456::1")));
        assert!(!net("fd00::/8").contains(ip("fe80::1")));
        assert!(net("::1").contains(ip("::1")));
        for bad in [
            "10.0.0.0/33",
            "fd00::/129",
            "10.0.0/8",
            "localhost",
            "10.0.0.0/",
            "/8",
        ] {
            assert!(bad.parse::<IpNetwork>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn origins_are_scheme_host_and_port_as_browsers_send_them() {
        let parse = |s: &str| s.parse::<Origin>().map(|o| o.as_str().to_owned());
        assert_eq!(
            parse("HTTPS://App.Example.com").unwrap(),
            "https://app.example.com"
        );
        assert_eq!(
            parse("https://example.com:443").unwrap(),
            "https://example.com"
        );
        assert_eq!(
            parse("http://localhost:3000").unwrap(),
            "http://localhost:3000"
        );
        assert_eq!(parse("http://[::1]:5173").unwrap(), "http://[::1]:5173");
        for bad in [
            "example.com",
            "https://example.com/",
            "https://example.com/app",
            "https://example.com:0",
            "https://example.com:99999",
            "https://exa mple.com",
            "https://",
            "*.example.com",
        ] {
            assert!(parse(bad).is_err(), "{bad} was accepted");
        }
        assert!(
            "http://127.0.0.1:3000"
                .parse::<Origin>()
                .unwrap()
                .is_loopback()
        );
        assert!("http://[::1]".parse::<Origin>().unwrap().is_loopback());
        assert!(
            !"https://localhost.example.com"
                .parse::<Origin>()
                .unwrap()
                .is_loopback()
        );
    }

    #[test]
    fn database_urls_are_checked_and_redacted() {
        let url = DatabaseUrl::try_from("mariadb://root:hunter2@db/bureau".to_owned()).unwrap();
        assert_eq!(url.backend(), Backend::MySql);
        assert_eq!(url.redacted(), "mysql://root:***@db/bureau");
        assert!(DatabaseUrl::try_from("oracle://x".to_owned()).is_err());
    }

    #[test]
    fn database_urls_know_whether_they_require_tls_and_are_local() {
        let url = |s: &str| DatabaseUrl::try_from(s.to_owned()).unwrap();
        assert!(url("postgres://u:p@db.example.com/b?sslmode=verify-full").requires_tls());
        assert!(url("postgres://db/b?application_name=x&sslmode=require").requires_tls());
        assert!(url("mysql://db/b?ssl-mode=VERIFY_IDENTITY").requires_tls());
        assert!(url("mariadb://db/b?ssl-mode=required").requires_tls());
        assert!(!url("postgres://db/b?sslmode=prefer").requires_tls());
        assert!(!url("mysql://db/b").requires_tls());
        assert!(!url("postgres://u:p@db.example.com:5432/b").is_local());
        assert!(!url("mysql://root@10.0.0.7/b").is_local());
        assert!(url("postgres://u:p@127.0.0.1:5432/b").is_local());
        assert!(url("postgres://localhost/b").is_local());
        assert!(url("postgres://[::1]:5432/b").is_local());
        assert!(url("postgres:///b?host=/run/postgresql").is_local());
        assert!(url("sqlite://data/bureau.db").is_local());
        let sqlite = DatabaseUrl::try_from("sqlite://data/bureau.db?mode=rwc".to_owned()).unwrap();
        assert_eq!(sqlite.sqlite_path(), Some("data/bureau.db"));
        assert_eq!(
            DatabaseUrl::try_from("sqlite::memory:".to_owned())
                .unwrap()
                .sqlite_path(),
            None
        );
    }
}
