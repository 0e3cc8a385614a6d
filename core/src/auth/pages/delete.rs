//! `/accounts/delete/`: a user deletes their own account after typing their password.

use poem::Response;
use poem::handler;
use poem::http::StatusCode;
use poem::web::Form;
use sea_orm::{
    ColumnTrait, EntityTrait, ModelTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};
use serde::Deserialize;

use super::{FormContext, blank_form};
use crate::auth::{session_auth, users};
use crate::entities::user;
use crate::web::flash::Level;
use crate::web::page::Page;
use crate::{FieldErrors, Result};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeleteForm {
    password: String,
    confirm: Option<String>,
}

#[handler]
pub async fn show(page: Page<'_>) -> Result<Response> {
    blank_form(&page, "accounts/delete.html", (), true).await
}

#[handler]
pub async fn submit(page: Page<'_>, Form(form): Form<DeleteForm>) -> Result<Response> {
    let Some(account) = page.user.clone() else {
        return Ok(page.login_redirect());
    };
    let state = page.state;
    let mut errors = FieldErrors::new();
    if form.confirm.is_none() {
        errors.add(
            "confirm",
            "Tick the box to confirm that you want to delete your account.",
        );
    }
    if !users::password_matches(state, &account, &form.password).await? {
        errors.add("password", "Please type your current password.");
    }
    let txn = state.db().begin().await?;
    if account.is_superuser {
        let superusers = user::Entity::find()
            .filter(user::Column::IsSuperuser.eq(true))
            .filter(user::Column::IsActive.eq(true))
            .count(&txn)
            .await?;
        if superusers <= 1 {
            errors.add(
                "",
                "This is the last superuser account. Make another user a superuser first.",
            );
        }
    }
    if !errors.is_empty() {
        txn.rollback().await?;
        return page
            .render_form_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "accounts/delete.html",
                FormContext::new((), &errors),
            )
            .await;
    }
    let username = account.username.clone();
    account.delete(&txn).await?;
    txn.commit().await?;
    session_auth::logout(page.session).await?;
    page.flash(
        Level::Info,
        format!("The account {username} and its data have been deleted."),
    )
    .await?;
    Ok(page.redirect("/"))
}
