//! `/static/<module>/<path>`: the embedded static files, with validators and cache headers.
//!
//! URLs made by `static_url` carry `?v=<fingerprint>`; when the fingerprint matches, the response
//! may be cached for a year as immutable, because changed content gets a new URL. Any other request
//! gets a short max-age and an ETag, and a matching `If-None-Match` is answered 304.

use std::borrow::Cow;

use poem::http::{StatusCode, header};
use poem::web::{Data, Path};
use poem::{Body, Request, Response, handler};
use rust_embed::EmbeddedFile;

use super::assets::{Assets, fingerprint};
use crate::{AppState, Error, Result};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "public, max-age=300";

#[handler]
pub(crate) fn serve(
    req: &Request,
    Path(path): Path<String>,
    state: Data<&AppState>,
) -> Result<Response> {
    let file = lookup(state.registry().static_sources(), &path).ok_or(Error::NotFound)?;
    let version = fingerprint(&file);
    let etag = format!("\"{version}\"");
    let requested_version = req
        .uri()
        .query()
        .and_then(|query| query.split('&').find_map(|pair| pair.strip_prefix("v=")));
    let cache_control = if requested_version == Some(version.as_str()) {
        IMMUTABLE
    } else {
        REVALIDATE
    };

    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            // If-None-Match compares weakly: our gzip layer sends the same tag as W/"...".
            tags.split(',')
                .map(|tag| tag.trim().trim_start_matches("W/"))
                .any(|tag| tag == etag || tag == "*")
        });
    let response = Response::builder()
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, cache_control);
    if not_modified {
        return Ok(response.status(StatusCode::NOT_MODIFIED).finish());
    }
    let mime = file.metadata.mimetype();
    let content_type = if mime.starts_with("text/") || mime == "application/javascript" {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_owned()
    };
    let body = match file.data {
        Cow::Borrowed(bytes) => Body::from(bytes),
        Cow::Owned(bytes) => Body::from_vec(bytes),
    };
    Ok(response
        .header(header::CONTENT_TYPE, content_type)
        .body(body))
}

/// The file at `<module>/<path>`.
pub(crate) fn lookup(sources: &[(&'static str, Assets)], path: &str) -> Option<EmbeddedFile> {
    let (namespace, rest) = path.split_once('/')?;
    sources
        .iter()
        .filter(|(module, _)| *module == namespace)
        .find_map(|(_, assets)| assets.get(rest))
}

/// The URL templates use for a static file: fingerprinted when the file exists, so it can be
/// cached forever; a missing file keeps its plain URL and answers 404 where the page can show it.
pub(crate) fn url(sources: &[(&'static str, Assets)], path: &str) -> String {
    let path = path.trim_start_matches('/');
    match lookup(sources, path) {
        Some(file) => format!("/static/{path}?v={}", fingerprint(&file)),
        None => format!("/static/{path}"),
    }
}
