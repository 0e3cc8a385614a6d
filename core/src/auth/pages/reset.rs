//! `/accounts/password/reset/`: a link by mail to set a new password. The answer is the same
//! whether or not the address has an account, so the page reveals nobody's membership.

use chrono::Duration;
use poem::handler;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{IntoResponse, Response};
use sea_orm::{EntityTrait, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{FormContext, bad_link, blank_form, site_url};
use crate::auth::lockout::{self, Keys};
use crate::auth::tokens::{self, Purpose};
use crate::auth::users;
use crate::auth::validation::check_email;
use crate::entities::user;
use crate::web::ClientInfo;
use crate::web::flash::Level;
use crate::web::page::Page;
use crate::{FieldErrors, Result, mail};

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct ResetForm {
    email: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewPasswordForm {
    password1: String,
    password2: String,
}

#[handler]
pub async fn show(page: Page<'_>) -> Result<Response> {
    blank_form(
        &page,
        "accounts/password_reset.html",
        ResetForm::default(),
        false,
    )
    .await
}

#[handler]
pub async fn submit(
    page: Page<'_>,
    client: Data<&ClientInfo>,
    Form(form): Form<ResetForm>,
) -> Result<Response> {
    let state = page.state;
    let email = form.email.trim().to_owned();
    let mut errors = FieldErrors::new();
    check_email("email", &email, &mut errors);
    if !errors.is_empty() {
        return page
            .render_form_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "accounts/password_reset.html",
                FormContext::new(ResetForm { email }, &errors),
            )
            .await;
    }
    let account = users::find_by_login(state.db(), &email)
        .await?
        .filter(|u| u.is_active && u.email.eq_ignore_ascii_case(&email));
    if let Some(account) = account {
        let minutes = state.config().auth.password_reset_token_minutes;
        let txn = state.db().begin().await?;
        let key = tokens::issue(
            &txn,
            account.id,
            Purpose::ResetPassword,
            None,
            Duration::minutes(minutes),
        )
        .await?;
        let link = format!(
            "{}/accounts/password/reset/key/{key}/",
            site_url(state, &client)
        );
        mail::enqueue(
            &txn,
            state,
            &account.email,
            "accounts/email/password_reset",
            json!({ "user": &account, "link": link, "minutes": minutes }),
        )
        .await?;
        txn.commit().await?;
    }
    Ok(page.redirect("/accounts/password/reset/done/"))
}

#[handler]
pub async fn done(page: Page<'_>) -> Result<Response> {
    Ok(page
        .render("accounts/password_reset_done.html", ())
        .await?
        .into_response())
}

#[handler]
pub async fn key_form(page: Page<'_>, Path(key): Path<String>) -> Result<Response> {
    if tokens::peek(page.state.db(), &key, Purpose::ResetPassword)
        .await?
        .is_none()
    {
        return bad_link(&page, "password reset").await;
    }
    Ok(page
        .render_form(
            "accounts/password_reset_key.html",
            FormContext::new((), &FieldErrors::new()),
        )
        .await?
        .into_response())
}

#[handler]
pub async fn key_submit(
    page: Page<'_>,
    Path(key): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response> {
    let state = page.state;
    let Some(token) = tokens::peek(state.db(), &key, Purpose::ResetPassword).await? else {
        return bad_link(&page, "password reset").await;
    };
    let Some(account) = user::Entity::find_by_id(token.user_id)
        .one(state.db())
        .await?
    else {
        return bad_link(&page, "password reset").await;
    };
    let mut errors = FieldErrors::new();
    users::check_new_password(state, &account, "password1", &form.password1, &mut errors);
    if form.password1 != form.password2 {
        errors.add("password2", "You must type the same password each time.");
    }
    if !errors.is_empty() {
        return page
            .render_form_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "accounts/password_reset_key.html",
                FormContext::new((), &errors),
            )
            .await;
    }
    let txn = state.db().begin().await?;
    // Using the token inside the transaction makes a double submit change the password once.
    if tokens::consume(&txn, &key, Purpose::ResetPassword)
        .await?
        .is_none()
    {
        txn.rollback().await?;
        return bad_link(&page, "password reset").await;
    }
    let account = users::set_password(&txn, state, account, &form.password1).await?;
    tokens::revoke_all(&txn, account.id, Purpose::ResetPassword).await?;
    // Following the link proved the mailbox is theirs.
    users::mark_verified(&txn, account.clone()).await?;
    lockout::clear(&txn, &Keys::new(format!("user:{}", account.id), None)).await?;
    txn.commit().await?;
    page.flash(
        Level::Success,
        "Your password is now changed. You can sign in with it.",
    )
    .await?;
    Ok(page.redirect("/accounts/login/"))
}
