//! Configuration values with rules of their own. Each one parses from a string and, when the string
//! is wrong, says what was expected; serde puts the key in front of that message.

use std::fmt;
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
    fn database_urls_are_checked_and_redacted() {
        let url = DatabaseUrl::try_from("mariadb://root:hunter2@db/bureau".to_owned()).unwrap();
        assert_eq!(url.backend(), Backend::MySql);
        assert_eq!(url.redacted(), "mysql://root:***@db/bureau");
        assert!(DatabaseUrl::try_from("oracle://x".to_owned()).is_err());
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
