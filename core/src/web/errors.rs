//! Where errors become responses: the one place that maps `Error` (and poem's own errors) to HTTP.
//!
//! Under `/api` every error is an RFC 9457 `application/problem+json` document; elsewhere it is an
//! HTML page in the site's layout. A panic in a handler is caught and answered 500. Server errors
//! are logged with their cause and shown only as "internal server error" unless debug is on; a
//! 503 (overload, the database away) says when to come back in `Retry-After`.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use poem::http::{HeaderMap, StatusCode, header};
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Response};
use serde_json::json;

use super::{ClientInfo, is_api_path};
use crate::error::FieldErrors;
use crate::{AppState, Error};

/// Error bodies longer than this are not a message meant for people.
const MAX_DETAIL_BYTES: usize = 2048;

pub(crate) fn pages<E: Endpoint + 'static>(
    ep: E,
    state: AppState,
) -> impl Endpoint<Output = Response> {
    ep.around(move |ep, req| {
        let state = state.clone();
        async move {
            let api = is_api_path(req.uri().path());
            let request_id = req
                .extensions()
                .get::<ClientInfo>()
                .map(|c| c.request_id.clone());
            let debug = state.config().app.debug;
            let problem = match AssertUnwindSafe(ep.call(req)).catch_unwind().await {
                Ok(Ok(response)) => {
                    let response = response.into_response();
                    if !needs_rendering(&response) {
                        return Ok(response);
                    }
                    let status = response.status();
                    let headers = response.headers().clone();
                    let text = body_text(response.into_body()).await;
                    Problem::new(status, headers, text, debug)
                }
                Ok(Err(error)) => {
                    let status = if error.is::<poem_openapi::error::ParsePathError>() {
                        // `/api/tasks/abc/` names no object, as Django's URL converters see it.
                        StatusCode::NOT_FOUND
                    } else {
                        error.status()
                    };
                    if status == StatusCode::SERVICE_UNAVAILABLE {
                        // Expected while the database restarts, and then there are many: a
                        // warning, not an error. (Refusals by load shedding never get here.)
                        tracing::warn!(%error, "request failed: a service is unavailable");
                    } else if status.is_server_error() {
                        tracing::error!(%error, "request failed");
                    }
                    let (message, fields) = match error.downcast_ref::<Error>() {
                        Some(Error::Invalid(fields)) => (error.to_string(), Some(fields.clone())),
                        Some(ours) => (ours.to_string(), None),
                        None => (error.to_string(), parameter_error(&error)),
                    };
                    let headers = error.into_response().headers().clone();
                    let mut problem = Problem::new(status, headers, message, debug);
                    problem.errors = fields;
                    problem
                }
                Err(panic) => {
                    let message = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "panic".to_owned());
                    tracing::error!(panic = %message, "handler panicked");
                    Problem::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        HeaderMap::new(),
                        message,
                        debug,
                    )
                }
            };
            Ok(problem.render(&state, api, request_id.as_deref()))
        }
    })
}

/// A query parameter poem-openapi could not parse, as the field error it is.
fn parameter_error(error: &poem::Error) -> Option<FieldErrors> {
    let error = error.downcast_ref::<poem_openapi::error::ParseParamError>()?;
    let mut fields = FieldErrors::new();
    fields.add(error.name, capitalised(&error.reason));
    Some(fields)
}

/// Error responses that carry no body a person could read (poem's plain-text messages, or
/// nothing); responses a handler shaped itself (HTML, JSON) are left alone.
fn needs_rendering(response: &Response) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    match response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(content_type) => content_type.starts_with("text/plain"),
    }
}

async fn body_text(body: Body) -> String {
    match body.into_bytes().await {
        Ok(bytes) if bytes.len() <= MAX_DETAIL_BYTES => {
            String::from_utf8_lossy(&bytes).trim().to_owned()
        }
        _ => String::new(),
    }
}

struct Problem {
    status: StatusCode,
    headers: HeaderMap,
    title: &'static str,
    detail: Option<String>,
    errors: Option<FieldErrors>,
}

impl Problem {
    fn new(status: StatusCode, headers: HeaderMap, message: String, debug: bool) -> Self {
        let title = status.canonical_reason().unwrap_or("Error");
        // Client errors explain themselves; server errors keep their cause in the log.
        let shown = status.is_client_error() || debug;
        let detail = Some(message)
            .filter(|m| shown && !m.is_empty() && !m.eq_ignore_ascii_case(title))
            .map(|m| capitalised(&m));
        Self {
            status,
            headers,
            title,
            detail,
            errors: None,
        }
    }

    fn render(self, state: &AppState, api: bool, request_id: Option<&str>) -> Response {
        let (content_type, body) = self.body(state, api, request_id);
        let mut response = Response::builder().status(self.status).body(body);
        let headers = response.headers_mut();
        // Keep what the error said beyond its body (WWW-Authenticate, Allow, Retry-After...).
        for (name, value) in &self.headers {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                headers.insert(name.clone(), value.clone());
            }
        }
        if let Ok(value) = content_type.parse() {
            headers.insert(header::CONTENT_TYPE, value);
        }
        // RFC 9110: a 401 names the scheme to use, whichever layer refused the request.
        if api
            && self.status == StatusCode::UNAUTHORIZED
            && !headers.contains_key(header::WWW_AUTHENTICATE)
        {
            headers.insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"api\""),
            );
        }
        response
    }

    /// The content type and the body: problem+json under `/api`, the error page elsewhere.
    fn body(
        &self,
        state: &AppState,
        api: bool,
        request_id: Option<&str>,
    ) -> (&'static str, String) {
        if api {
            let mut doc = json!({ "type": "about:blank", "title": self.title, "status": self.status.as_u16() });
            if let Some(detail) = &self.detail {
                doc["detail"] = json!(detail);
            }
            if let Some(errors) = &self.errors {
                doc["errors"] = json!(errors);
            }
            if let Some(id) = request_id {
                doc["request_id"] = json!(id);
            }
            ("application/problem+json", doc.to_string())
        } else {
            let context = json!({
                "status": self.status.as_u16(),
                "title": self.title,
                "detail": self.detail,
                "errors": self.errors,
                "request_id": request_id,
            });
            let html = state
                .templates()
                .render("errors/error.html", &context)
                .unwrap_or_else(|error| {
                    tracing::error!(%error, "the error page itself failed to render");
                    fallback_page(self.status, self.title)
                });
            ("text/html; charset=utf-8", html)
        }
    }
}

/// An error's answers rendered once, for refusals that must cost less than serving: an
/// overloaded server that renders a page for every request it turns away spends its time
/// refusing. The same page and document as any other error, without the request id in the body
/// (the `X-Request-Id` header has it).
pub(crate) struct Prerendered {
    status: StatusCode,
    page: String,
    problem: String,
    headers: HeaderMap,
}

impl Prerendered {
    pub(crate) fn new(state: &AppState, error: Error) -> Self {
        let debug = state.config().app.debug;
        let headers = poem::error::ResponseError::as_response(&error)
            .headers()
            .clone();
        let problem = Problem::new(error.status(), headers, error.to_string(), debug);
        let (_, page) = problem.body(state, false, None);
        let (_, document) = problem.body(state, true, None);
        let mut headers = problem.headers;
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("text/html; charset=utf-8"),
        );
        Self {
            status: problem.status,
            page,
            problem: document,
            headers,
        }
    }

    pub(crate) fn response(&self, api: bool) -> Response {
        let mut response = Response::builder().status(self.status).body(if api {
            self.problem.clone()
        } else {
            self.page.clone()
        });
        *response.headers_mut() = self.headers.clone();
        if api {
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/problem+json"),
            );
        }
        response
    }
}

fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn fallback_page(status: StatusCode, title: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{code} {title}</title></head>\
         <body><h1>{code} {title}</h1></body></html>",
        code = status.as_u16()
    )
}
