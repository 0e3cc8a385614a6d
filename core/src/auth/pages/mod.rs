//! The public account pages, at django-allauth's familiar URLs. Every form re-renders with field
//! errors (422) and the user's input (never a password); every outcome leaves a flash message.

mod admin_password;
mod delete;
mod email;
mod login;
mod password;
mod profile;
mod reset;
mod signup;

use chrono::Duration;
use poem::web::Html;
use serde::Serialize;

use crate::auth::tokens::{self, Purpose};
use crate::entities::user;
use crate::module::AppBuilder;
use crate::web::ClientInfo;
use crate::web::routing::get;
use crate::{AppState, FieldErrors, Result, mail};

pub(crate) fn register(app: &mut AppBuilder) {
    app.route("/accounts/signup/", get(signup::show).post(signup::submit))
        .route("/accounts/login/", get(login::show).post(login::submit))
        .route(
            "/accounts/logout/",
            get(login::logout_page).post(login::logout),
        )
        .route("/accounts/profile/", get(profile::page))
        .route("/accounts/email/", get(email::show).post(email::submit))
        .route(
            "/accounts/confirm-email/:key/",
            get(email::confirm_page).post(email::confirm),
        )
        .route(
            "/accounts/password/change/",
            get(password::show).post(password::submit),
        )
        .route(
            "/accounts/password/reset/",
            get(reset::show).post(reset::submit),
        )
        .route("/accounts/password/reset/done/", get(reset::done))
        .route(
            "/accounts/password/reset/key/:key/",
            get(reset::key_form).post(reset::key_submit),
        )
        .route("/accounts/delete/", get(delete::show).post(delete::submit))
        .route(
            "/admin/login/",
            get(login::admin_show).post(login::admin_submit),
        )
        .route(
            "/admin/core/user/:id/password/",
            get(admin_password::show).post(admin_password::submit),
        );
}

/// The context of a form page: the submitted values to show again and the errors by field.
#[derive(Serialize, Default)]
struct FormContext<T: Serialize> {
    values: T,
    errors: std::collections::BTreeMap<String, Vec<String>>,
}

impl<T: Serialize> FormContext<T> {
    fn new(values: T, errors: &FieldErrors) -> Self {
        Self {
            values,
            errors: errors
                .by_field()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
                .collect(),
        }
    }
}

/// A form page as first shown: no input, no errors. With `login_required`, an anonymous visitor
/// is sent to log in first.
async fn blank_form(
    page: &crate::web::page::Page<'_>,
    template: &str,
    values: impl Serialize,
    login_required: bool,
) -> Result<poem::Response> {
    use poem::IntoResponse;
    if login_required && page.user.is_none() {
        return Ok(page.login_redirect());
    }
    Ok(page
        .render_form(
            template,
            FormContext::new(values, &crate::FieldErrors::new()),
        )
        .await?
        .into_response())
}

/// The scheme and host links in mail point to: `auth.site_url`, or where the request came.
fn site_url(state: &AppState, client: &ClientInfo) -> String {
    let configured = state.config().auth.site_url.trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_owned();
    }
    let scheme = if client.https { "https" } else { "http" };
    let host = client
        .host
        .clone()
        .unwrap_or_else(|| state.config().server.addr.to_string());
    format!("{scheme}://{host}")
}

/// Mails `user` a link that verifies `email` (their address, or the one they are changing to).
async fn send_verification(
    db: &impl sea_orm::ConnectionTrait,
    state: &AppState,
    client: &ClientInfo,
    user: &user::Model,
    email: &str,
) -> Result<()> {
    let hours = state.config().auth.verification_token_hours;
    let key = tokens::issue(
        db,
        user.id,
        Purpose::VerifyEmail,
        Some(email),
        Duration::hours(hours),
    )
    .await?;
    let link = format!("{}/accounts/confirm-email/{key}/", site_url(state, client));
    mail::enqueue(
        db,
        state,
        email,
        "accounts/email/verify",
        serde_json::json!({ "user": user, "email": email, "link": link, "hours": hours }),
    )
    .await
}

/// Where to go after login: a local path from `next`, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(next)
            if next.starts_with('/')
                && !next.starts_with("//")
                && !next.contains('\\')
                && !next.chars().any(char::is_control) =>
        {
            next.to_owned()
        }
        _ => "/accounts/profile/".to_owned(),
    }
}

/// The page for a link that does not work (any more).
async fn bad_link(page: &crate::web::page::Page<'_>, what: &str) -> Result<poem::Response> {
    use poem::IntoResponse;
    let html: Html<String> = page
        .render(
            "accounts/bad_link.html",
            serde_json::json!({ "what": what }),
        )
        .await?;
    Ok(html
        .with_status(poem::http::StatusCode::NOT_FOUND)
        .into_response())
}
