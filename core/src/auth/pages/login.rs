//! `/accounts/login/` (by username or email) and `/accounts/logout/` (POST; GET asks first).

use poem::handler;
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{IntoResponse, Response};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};

use super::{FormContext, blank_form, safe_next, send_verification};
use crate::auth::session_auth;
use crate::auth::users::{self, LoginFailure};
use crate::web::ClientInfo;
use crate::web::flash::Level;
use crate::web::page::Page;
use crate::{FieldErrors, Result};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Next {
    next: Option<String>,
}

#[derive(Serialize)]
struct Shown {
    login: String,
    next: String,
}

impl Shown {
    /// What a submitted login form shows again (never the password).
    fn of(form: &LoginForm) -> Self {
        Self {
            login: form.login.trim().to_owned(),
            next: form.next.clone().unwrap_or_default(),
        }
    }
}

#[handler]
pub async fn show(page: Page<'_>, Query(query): Query<Next>) -> Result<Response> {
    if page.user.is_some() {
        return Ok(page.redirect(&safe_next(query.next.as_deref())));
    }
    let shown = Shown {
        login: String::new(),
        next: query.next.unwrap_or_default(),
    };
    blank_form(&page, "accounts/login.html", shown, false).await
}

#[handler]
pub async fn submit(
    page: Page<'_>,
    client: Data<&ClientInfo>,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    let state = page.state;
    let shown = Shown::of(&form);
    let mut errors = FieldErrors::new();
    if shown.login.is_empty() {
        errors.add("login", "Enter your username or email address.");
    }
    if form.password.is_empty() {
        errors.add("password", "Enter your password.");
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if errors.is_empty() {
        match users::authenticate(state, &shown.login, &form.password, client.ip).await? {
            Ok(user) => {
                session_auth::login(state, page.session, &user).await?;
                page.flash(
                    Level::Success,
                    format!("Successfully signed in as {}.", user.username),
                )
                .await?;
                return Ok(page.redirect(&safe_next(form.next.as_deref())));
            }
            Err(LoginFailure::Invalid) => errors.add("", users::LOGIN_FAILED),
            Err(LoginFailure::Locked(message)) => {
                status = StatusCode::TOO_MANY_REQUESTS;
                errors.add("", message);
            }
            Err(LoginFailure::Unverified(user)) => {
                let txn = state.db().begin().await?;
                send_verification(&txn, state, &client, &user, &user.email).await?;
                txn.commit().await?;
                errors.add(
                    "",
                    format!(
                        "Your email address is not verified yet. We sent a new confirmation \
                         link to {}.",
                        user.email
                    ),
                );
            }
        }
    }
    page.render_form_status(
        status,
        "accounts/login.html",
        FormContext::new(shown, &errors),
    )
    .await
}

/// Where the admin's login sends a staff user: a local admin path from `next`, or the dashboard.
fn admin_next(next: Option<&str>) -> String {
    match next {
        Some(next) if next.starts_with("/admin/") => safe_next(Some(next)),
        _ => "/admin/".to_owned(),
    }
}

/// The one message for a failed admin login, which never says whether the account exists, nor
/// whether it is a staff account.
const NOT_STAFF: &str = "Please enter the correct username/email and password for a staff account.";

/// `/admin/login/`: the admin's own login, for staff accounts only.
#[handler]
pub async fn admin_show(page: Page<'_>, Query(query): Query<Next>) -> Result<Response> {
    if page.user.as_ref().is_some_and(|u| u.is_staff) {
        return Ok(page.redirect(&admin_next(query.next.as_deref())));
    }
    let shown = Shown {
        login: String::new(),
        next: query.next.unwrap_or_default(),
    };
    blank_form(&page, "admin/login.html", shown, false).await
}

#[handler]
pub async fn admin_submit(
    page: Page<'_>,
    client: Data<&ClientInfo>,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    let state = page.state;
    let shown = Shown::of(&form);
    let mut errors = FieldErrors::new();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    match users::authenticate(state, &shown.login, &form.password, client.ip).await? {
        Ok(user) if user.is_staff => {
            session_auth::login(state, page.session, &user).await?;
            return Ok(page.redirect(&admin_next(form.next.as_deref())));
        }
        Err(LoginFailure::Locked(message)) => {
            status = StatusCode::TOO_MANY_REQUESTS;
            errors.add("", message);
        }
        // Wrong password, unknown account, unverified address or not staff: one answer.
        _ => errors.add("", NOT_STAFF),
    }
    page.render_form_status(status, "admin/login.html", FormContext::new(shown, &errors))
        .await
}

#[handler]
pub async fn logout_page(page: Page<'_>) -> Result<Response> {
    if page.user.is_none() {
        return Ok(page.redirect("/"));
    }
    Ok(page
        .render_form("accounts/logout.html", ())
        .await?
        .into_response())
}

#[handler]
pub async fn logout(page: Page<'_>) -> Result<Response> {
    let was_in = page.user.is_some();
    session_auth::logout(page.session).await?;
    if was_in {
        page.flash(Level::Info, "You have signed out.").await?;
    }
    Ok(page.redirect("/"))
}
