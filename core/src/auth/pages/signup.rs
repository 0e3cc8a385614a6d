//! `/accounts/signup/`: register, then verify the address by the mailed link.

use poem::Response;
use poem::handler;
use poem::http::StatusCode;
use poem::web::{Data, Form, Html};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};

use super::{FormContext, send_verification};
use crate::auth::{session_auth, users};
use crate::config::EmailVerification;
use crate::web::ClientInfo;
use crate::web::flash::Level;
use crate::web::page::Page;
use crate::{FieldErrors, Result};

/// Fields are optional so a missing one is a field error on the page, not a bare 400.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignupForm {
    username: String,
    email: String,
    password1: String,
    password2: String,
}

#[derive(Serialize, Default)]
struct Shown {
    username: String,
    email: String,
}

#[handler]
pub async fn show(page: Page<'_>) -> Result<Response> {
    if page.user.is_some() {
        return Ok(page.redirect("/accounts/profile/"));
    }
    let html: Html<String> = page
        .render_form(
            "accounts/signup.html",
            FormContext::new(Shown::default(), &FieldErrors::new()),
        )
        .await?;
    Ok(poem::IntoResponse::into_response(html))
}

#[handler]
pub async fn submit(
    page: Page<'_>,
    client: Data<&ClientInfo>,
    Form(form): Form<SignupForm>,
) -> Result<Response> {
    let state = page.state;
    let new = users::NewUser {
        username: form.username.trim().to_owned(),
        email: form.email.trim().to_owned(),
        password: form.password1,
        ..Default::default()
    };
    let mut errors = FieldErrors::new();
    users::validate_new(state, &new, &mut errors).await?;
    // The validators report on `password`; the form calls it `password1`.
    let mut errors = renamed(errors, "password", "password1");
    if form.password2 != new.password {
        errors.add("password2", "You must type the same password each time.");
    }
    let shown = Shown {
        username: new.username.clone(),
        email: new.email.clone(),
    };
    if !errors.is_empty() {
        return page
            .render_form_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "accounts/signup.html",
                FormContext::new(shown, &errors),
            )
            .await;
    }
    let txn = state.db().begin().await?;
    let user = match users::insert(&txn, state, &new).await {
        Ok(user) => user,
        Err(crate::Error::Invalid(errors)) => {
            txn.rollback().await?;
            return page
                .render_form_status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "accounts/signup.html",
                    FormContext::new(shown, &errors),
                )
                .await;
        }
        Err(error) => return Err(error),
    };
    send_verification(&txn, state, &client, &user, &user.email).await?;
    txn.commit().await?;
    let sent = format!(
        "We sent a confirmation link to {}. Follow it to verify your address.",
        user.email
    );
    if state.config().auth.email_verification == EmailVerification::Mandatory {
        page.flash(Level::Info, sent).await?;
        return Ok(page.redirect("/accounts/login/"));
    }
    session_auth::login(state, page.session, &user).await?;
    page.flash(
        Level::Success,
        format!("Welcome, {}! {sent}", user.username),
    )
    .await?;
    Ok(page.redirect("/accounts/profile/"))
}

fn renamed(errors: FieldErrors, from: &str, to: &str) -> FieldErrors {
    let mut out = FieldErrors::new();
    for error in errors.iter() {
        let field = if error.field == from {
            to
        } else {
            &error.field
        };
        out.add(field, error.message.clone());
    }
    out
}
