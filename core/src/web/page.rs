//! `Page`: what an HTML handler needs to answer a person — the app, the session, the logged-in
//! user — and `render`, which adds what every page shows (user, flash messages, CSRF token,
//! current path) to the handler's own context.

use poem::http::StatusCode;
use poem::web::{Html, Redirect};
use poem::{FromRequest, IntoResponse, Request, RequestBody, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::flash::{self, Level};
use crate::auth::current_user;
use crate::entities::user;
use crate::session::{Session, session_error};
use crate::web::csrf;
use crate::{AppState, Error, Result};

pub struct Page<'a> {
    pub state: &'a AppState,
    pub session: &'a Session,
    pub user: Option<user::Model>,
    path: String,
    query: String,
}

impl<'a> FromRequest<'a> for Page<'a> {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let state = req
            .data::<AppState>()
            .ok_or_else(|| Error::Internal("no app state".to_owned()))?;
        let session = req
            .extensions()
            .get::<Session>()
            .ok_or_else(|| Error::Internal("no session middleware".to_owned()))?;
        let user = current_user(state, session).await?;
        Ok(Self {
            state,
            session,
            user,
            path: req.uri().path().to_owned(),
            query: req.uri().query().unwrap_or_default().to_owned(),
        })
    }
}

impl Page<'_> {
    /// Renders `template` with `context` (a struct or map) plus `user`, `messages`, `csrf_token`
    /// (when the session has one) and `request_path`.
    pub async fn render(&self, template: &str, context: impl Serialize) -> Result<Html<String>> {
        let token = self
            .session
            .get::<String>("_csrf")
            .await
            .map_err(session_error)?;
        self.render_with(template, context, token).await
    }

    /// Like `render`, for pages with a form: makes the session's CSRF token if it has none yet.
    pub async fn render_form(
        &self,
        template: &str,
        context: impl Serialize,
    ) -> Result<Html<String>> {
        let token = csrf::token(self.session).await?;
        self.render_with(template, context, Some(token)).await
    }

    /// A form page answered with `status` (422 for a submission with field errors).
    pub async fn render_form_status(
        &self,
        status: StatusCode,
        template: &str,
        context: impl Serialize,
    ) -> Result<Response> {
        Ok(self
            .render_form(template, context)
            .await?
            .with_status(status)
            .into_response())
    }

    async fn render_with(
        &self,
        template: &str,
        context: impl Serialize,
        csrf_token: Option<String>,
    ) -> Result<Html<String>> {
        let mut context = serde_json::to_value(context)
            .map_err(|e| Error::Internal(format!("page context: {e}")))?;
        if context.is_null() {
            context = json!({});
        }
        let Value::Object(map) = &mut context else {
            return Err(Error::Internal(format!(
                "the context of {template} must be a map"
            )));
        };
        map.insert("user".into(), json!(self.user));
        map.insert("messages".into(), json!(flash::take(self.session).await?));
        map.insert("csrf_token".into(), json!(csrf_token));
        map.insert("request_path".into(), json!(self.path));
        self.state.render(template, context)
    }

    /// Queues a flash message for the next page.
    pub async fn flash(&self, level: Level, text: impl Into<String>) -> Result<()> {
        flash::add(self.session, level, text).await
    }

    /// 303 See Other to `to`, the answer to a successful form submission.
    pub fn redirect(&self, to: &str) -> Response {
        Redirect::see_other(to).into_response()
    }

    /// Sends an anonymous visitor to the login page, to come back here afterwards.
    pub fn login_redirect(&self) -> Response {
        self.login_redirect_to("/accounts/login/")
    }

    /// Like [`login_redirect`](Self::login_redirect), to another login page (the admin's).
    pub fn login_redirect_to(&self, login: &str) -> Response {
        let here = if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        };
        let next: String = serde_urlencoded::to_string([("next", here)]).unwrap_or_default();
        self.redirect(&format!("{login}?{next}"))
    }
}

/// The number of the page `asked` for (`?page=`) of a list of `count` rows shown `per_page` at a
/// time, and how many pages there are. A page that does not exist (0, past the last, not a
/// number) is not found, as Django's paginator makes it; page 1 of an empty list exists.
pub fn page_of(asked: Option<&str>, count: u64, per_page: u64) -> Result<(u64, u64)> {
    let pages = Ord::max(count.div_ceil(per_page.max(1)), 1);
    let number = match asked.map(str::trim).filter(|p| !p.is_empty()) {
        None => 1,
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=pages).contains(n))
            .ok_or(Error::NotFound)?,
    };
    Ok((number, pages))
}
