//! Page routes as modules register them: which methods a path answers, paths checked before poem
//! sees them (poem panics on a bad or duplicate path; we want a message naming the module), and the
//! shape two paths must not share.

use std::fmt;

use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::{Endpoint, IntoEndpoint, IntoResponse};

use crate::module::boxed;

/// The handlers of one path, by method: `get(list).post(create)`.
pub struct Methods {
    pub(crate) handlers: Vec<(Method, BoxEndpoint<'static>)>,
}

macro_rules! method_fns {
    ($($name:ident => $method:expr),*) => {
        $(
            #[doc = concat!("Answers `", stringify!($name), "` requests to the path with `endpoint`.")]
            pub fn $name<E>(endpoint: E) -> Methods
            where
                E: IntoEndpoint,
                E::Endpoint: 'static,
                <E::Endpoint as Endpoint>::Output: IntoResponse + 'static,
            {
                Methods { handlers: vec![($method, boxed(endpoint))] }
            }
        )*

        impl Methods {
            $(
                #[doc = concat!("Also answers `", stringify!($name), "` requests with `endpoint`.")]
                pub fn $name<E>(mut self, endpoint: E) -> Self
                where
                    E: IntoEndpoint,
                    E::Endpoint: 'static,
                    <E::Endpoint as Endpoint>::Output: IntoResponse + 'static,
                {
                    self.handlers.push(($method, boxed(endpoint)));
                    self
                }
            )*
        }
    };
}

method_fns!(get => Method::GET, post => Method::POST, put => Method::PUT, patch => Method::PATCH, delete => Method::DELETE);

/// A registered page route.
pub(crate) struct PageRoute {
    pub module: &'static str,
    pub path: String,
    pub methods: Methods,
}

impl PageRoute {
    pub fn new(module: &'static str, path: &str, methods: Methods) -> Result<Self, String> {
        validate_path(path)?;
        let mut seen = Vec::new();
        for (method, _) in &methods.handlers {
            if seen.contains(method) {
                return Err(format!("route `{path}` registers {method} twice"));
            }
            seen.push(method.clone());
        }
        Ok(Self {
            module,
            path: path.to_owned(),
            methods,
        })
    }

    pub fn info(&self) -> RouteInfo {
        RouteInfo {
            module: self.module,
            path: self.path.clone(),
            methods: self
                .methods
                .handlers
                .iter()
                .map(|(m, _)| m.clone())
                .collect(),
            kind: RouteKind::Page,
        }
    }
}

/// A route as `bureau routes` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub module: &'static str,
    pub path: String,
    pub methods: Vec<Method>,
    pub kind: RouteKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    Page,
    Api,
}

impl fmt::Display for RouteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::Page => "page",
            Self::Api => "api",
        })
    }
}

/// Paths start with `/`; segments are literal (`[A-Za-z0-9._~-]`), a parameter `:name`, or a
/// final catch-all `*name`.
pub(crate) fn validate_path(path: &str) -> Result<(), String> {
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| format!("route `{path}` must start with `/`"))?;
    let segments: Vec<&str> = rest.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let bad = |why: &str| format!("route `{path}`: segment `{segment}` {why}");
        if let Some(name) = segment
            .strip_prefix(':')
            .or_else(|| segment.strip_prefix('*'))
        {
            if !is_identifier(name) {
                return Err(bad(
                    "needs a parameter name made of letters, digits and `_`",
                ));
            }
            if segment.starts_with('*') && !last {
                return Err(bad("is a catch-all, which must be the last segment"));
            }
        } else if segment.is_empty() && !last {
            return Err(bad("is empty (`//` in the path)"));
        } else if !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._~-".contains(c))
        {
            return Err(bad("may only contain letters, digits and . _ ~ -"));
        }
    }
    Ok(())
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The path with parameter names dropped: `/a/:id/` and `/a/{key}/` both become `/a/:/`, the same
/// route to a router.
pub(crate) fn shape(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with(':') || (segment.starts_with('{') && segment.ends_with('}')) {
                ":"
            } else if segment.starts_with('*') {
                "*"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `path` falls inside the tree a nested service owns at `prefix`.
pub(crate) fn is_under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_checked() {
        assert!(validate_path("/movies/:id/").is_ok());
        assert!(validate_path("/static/*path").is_ok());
        assert!(validate_path("/api/openapi.json").is_ok());
        assert!(validate_path("movies").is_err());
        assert!(validate_path("/a//b").is_err());
        assert!(validate_path("/a/*rest/b").is_err());
        assert!(validate_path("/a/:").is_err());
        assert!(validate_path("/a b").is_err());
    }

    #[test]
    fn parameter_names_do_not_make_routes_different() {
        assert_eq!(shape("/a/:id/"), shape("/a/{key}/"));
        assert_ne!(shape("/a/:id/"), shape("/a/new/"));
        assert!(is_under("/api/tasks/1", "/api/tasks"));
        assert!(!is_under("/api/tasksx", "/api/tasks"));
    }
}
