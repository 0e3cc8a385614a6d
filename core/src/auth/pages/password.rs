//! `/accounts/password/change/`: a logged-in user changes their password. Other sessions end (the
//! session checks a tag of the password hash); this one continues under a new id.

use poem::Response;
use poem::handler;
use poem::http::StatusCode;
use poem::web::Form;
use sea_orm::TransactionTrait;
use serde::Deserialize;
use serde_json::json;

use super::{FormContext, blank_form};
use crate::auth::{session_auth, users};
use crate::web::flash::Level;
use crate::web::page::Page;
use crate::{FieldErrors, Result, mail};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    oldpassword: String,
    password1: String,
    password2: String,
}

#[handler]
pub async fn show(page: Page<'_>) -> Result<Response> {
    blank_form(&page, "accounts/password_change.html", (), true).await
}

#[handler]
pub async fn submit(page: Page<'_>, Form(form): Form<ChangeForm>) -> Result<Response> {
    let Some(user) = page.user.clone() else {
        return Ok(page.login_redirect());
    };
    let state = page.state;
    let mut errors = FieldErrors::new();
    if !users::password_matches(state, &user, &form.oldpassword).await? {
        errors.add("oldpassword", "Please type your current password.");
    }
    users::check_new_password(state, &user, "password1", &form.password1, &mut errors);
    if form.password1 != form.password2 {
        errors.add("password2", "You must type the same password each time.");
    }
    if !errors.is_empty() {
        return page
            .render_form_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "accounts/password_change.html",
                FormContext::new((), &errors),
            )
            .await;
    }
    let txn = state.db().begin().await?;
    let user = users::set_password(&txn, state, user, &form.password1).await?;
    // Tell the owner, so a change they did not make does not go unnoticed.
    mail::enqueue(
        &txn,
        state,
        &user.email,
        "accounts/email/password_changed",
        json!({ "user": &user }),
    )
    .await?;
    txn.commit().await?;
    session_auth::password_changed(state, page.session, &user).await?;
    page.flash(Level::Success, "Password successfully changed.")
        .await?;
    Ok(page.redirect("/accounts/profile/"))
}
