//! `/api/docs`: Swagger UI for the combined document at `/api/openapi.json`, served from the
//! binary (the vendored files in `admin_ui/static/vendor/swagger-ui/`).
//!
//! It lives under `/api` beside the document it shows, but it is a page for people: its errors
//! are HTML and CORS does not apply (see `is_api_path`). A logged-in visitor's page carries the
//! session's CSRF token, so "Try it out" works for unsafe methods with the session cookie.

use poem::http::header;
use poem::web::Redirect;
use poem::{IntoResponse, Response, handler};

use super::page::Page;
use crate::Result;

pub(crate) const PATH: &str = "/api/docs";

/// The page's paths, which are HTML rather than API answers.
pub(crate) fn is_docs_path(path: &str) -> bool {
    path.strip_prefix(PATH)
        .is_some_and(|rest| rest.is_empty() || rest == "/")
}

#[handler]
pub(crate) async fn page(page: Page<'_>) -> Result<Response> {
    // `render`, not `render_form`: an anonymous visitor gets no session just for reading the docs;
    // a logged-in one always has a token (it is made at login).
    let html = page
        .render(
            "api/docs.html",
            serde_json::json!({ "spec_url": "/api/openapi.json" }),
        )
        .await?;
    // The page holds the visitor's CSRF token: no cache may keep it.
    Ok(html
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response())
}

/// `/api/docs/` → `/api/docs`, so either spelling works.
#[handler]
pub(crate) fn slash() -> Redirect {
    Redirect::permanent(PATH)
}
