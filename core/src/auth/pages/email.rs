//! `/accounts/email/` (change the address, confirmed by a link to the new one) and
//! `/accounts/confirm-email/<key>/` (GET shows what will be confirmed; POST confirms, so a mail
//! scanner that follows links confirms nothing).

use poem::handler;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{IntoResponse, Response};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{FormContext, bad_link, blank_form, send_verification};
use crate::auth::tokens::{self, Purpose};
use crate::auth::users;
use crate::auth::validation::check_email;
use crate::entities::user;
use crate::web::ClientInfo;
use crate::web::flash::Level;
use crate::web::page::Page;
use crate::{FieldErrors, Result};

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct EmailForm {
    email: String,
}

#[handler]
pub async fn show(page: Page<'_>) -> Result<Response> {
    blank_form(&page, "accounts/email.html", EmailForm::default(), true).await
}

#[handler]
pub async fn submit(
    page: Page<'_>,
    client: Data<&ClientInfo>,
    Form(form): Form<EmailForm>,
) -> Result<Response> {
    let Some(user) = &page.user else {
        return Ok(page.login_redirect());
    };
    let state = page.state;
    let email = form.email.trim().to_owned();
    let mut errors = FieldErrors::new();
    check_email("email", &email, &mut errors);
    if errors.is_empty() && email.eq_ignore_ascii_case(&user.email) {
        errors.add("email", "This is already your email address.");
    }
    if errors.is_empty() && users::email_taken(state.db(), &email, Some(user.id)).await? {
        errors.add(
            "email",
            "A user is already registered with this email address.",
        );
    }
    if !errors.is_empty() {
        return page
            .render_form_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "accounts/email.html",
                FormContext::new(EmailForm { email }, &errors),
            )
            .await;
    }
    let txn = state.db().begin().await?;
    send_verification(&txn, state, &client, user, &email).await?;
    txn.commit().await?;
    page.flash(
        Level::Info,
        format!("We sent a confirmation link to {email}. Your address changes when you follow it."),
    )
    .await?;
    Ok(page.redirect("/accounts/profile/"))
}

#[handler]
pub async fn confirm_page(page: Page<'_>, Path(key): Path<String>) -> Result<Response> {
    let Some(token) = tokens::peek(page.state.db(), &key, Purpose::VerifyEmail).await? else {
        return bad_link(&page, "confirmation").await;
    };
    Ok(page
        .render_form(
            "accounts/confirm_email.html",
            json!({ "email": token.email, "key": key }),
        )
        .await?
        .into_response())
}

#[handler]
pub async fn confirm(page: Page<'_>, Path(key): Path<String>) -> Result<Response> {
    let state = page.state;
    let txn = state.db().begin().await?;
    let Some(token) = tokens::consume(&txn, &key, Purpose::VerifyEmail).await? else {
        txn.rollback().await?;
        return bad_link(&page, "confirmation").await;
    };
    let Some(account) = user::Entity::find_by_id(token.user_id).one(&txn).await? else {
        txn.rollback().await?;
        return bad_link(&page, "confirmation").await;
    };
    let email = token.email.unwrap_or_else(|| account.email.clone());
    if users::email_taken(&txn, &email, Some(account.id)).await? {
        txn.rollback().await?;
        page.flash(
            Level::Error,
            format!("{email} is used by another account now, so it cannot be confirmed."),
        )
        .await?;
        return Ok(page.redirect("/accounts/login/"));
    }
    let mut active = account.into_active_model();
    active.email_key = Set(email.to_lowercase());
    active.email = Set(email.clone());
    active.email_verified = Set(true);
    active.update(&txn).await?;
    txn.commit().await?;
    page.flash(Level::Success, format!("You have confirmed {email}."))
        .await?;
    let next = if page.user.is_some() {
        "/accounts/profile/"
    } else {
        "/accounts/login/"
    };
    Ok(page.redirect(next))
}
