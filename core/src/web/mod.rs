//! HTTP: the middleware stack, core's own endpoints, templates and static files.
//!
//! A request passes, outermost first: `request` (id, client facts, access log) → `headers`
//! (security headers) → `compression` → `cors::headers` (on API answers, errors included) →
//! `errors` (HTML or problem+json for every error, panics included) → `load_shedding` (503 past
//! `server.max_in_flight` requests at once) → `hosts` (allowed Host) →
//! `cors::preflight` (answers API preflights) → `body_limit` → `session` (load; save and set the
//! cookie after) → `csrf` (unsafe methods) → the router.

pub(crate) mod api_docs;
mod api_endpoint;
pub(crate) mod assets;
mod body_limit;
mod compression;
mod cors;
pub mod csrf;
mod errors;
pub mod flash;
pub mod fragments;
mod headers;
pub(crate) mod health;
mod hosts;
mod load_shedding;
pub(crate) mod nav;
pub(crate) mod openapi;
pub mod page;
pub mod queries;
mod request;
pub(crate) mod routing;
pub(crate) mod server;
pub(crate) mod static_files;
pub(crate) mod templates;

pub use request::ClientInfo;

/// Paths whose errors are answered as problem+json rather than HTML pages, and that CORS covers.
/// The API's documentation is a page for people, so it is not one of them.
pub(crate) fn is_api_path(path: &str) -> bool {
    (path == "/api" || path.starts_with("/api/")) && !api_docs::is_docs_path(path)
}
