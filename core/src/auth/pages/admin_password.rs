//! `/admin/core/user/<id>/password/`: staff who may change users set a new password for one,
//! checked by the same validators as everyone's; the user's sessions end and the change is in the
//! audit log (without the password, of course).

use poem::handler;
use poem::http::StatusCode;
use poem::web::{Form, Path};
use poem::{IntoResponse, Response};
use sea_orm::{EntityTrait, TransactionTrait};
use serde::Deserialize;
use serde_json::json;

use super::FormContext;
use crate::admin::{self, AdminPanel};
use crate::auth::users;
use crate::entities::user;
use crate::web::flash::Level;
use crate::web::page::Page;
use crate::{Error, FieldErrors, Result};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SetPasswordForm {
    password1: String,
    password2: String,
}

/// The staff user allowed to change `core.user`, the users panel, and the target user.
async fn allowed<'a>(
    page: &'a Page<'a>,
    id: i64,
) -> Result<std::result::Result<(user::Model, &'a AdminPanel, user::Model), Response>> {
    let staff = match admin::staff(page).await? {
        Ok(staff) => staff,
        Err(refused) => return Ok(Err(refused)),
    };
    let panel = admin::panel(page, "core", "user")?;
    let access = admin::Access::of(page, staff.clone()).await?;
    access.require(panel, "change").await?;
    let target = user::Entity::find_by_id(id)
        .one(page.state.db())
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Ok((staff, panel, target)))
}

#[handler]
pub async fn show(page: Page<'_>, Path(id): Path<i64>) -> Result<Response> {
    let (_, _, target) = match allowed(&page, id).await? {
        Ok(found) => found,
        Err(refused) => return Ok(refused),
    };
    render(&page, &target, &FieldErrors::new(), StatusCode::OK).await
}

#[handler]
pub async fn submit(
    page: Page<'_>,
    Path(id): Path<i64>,
    Form(form): Form<SetPasswordForm>,
) -> Result<Response> {
    let (staff, panel, target) = match allowed(&page, id).await? {
        Ok(found) => found,
        Err(refused) => return Ok(refused),
    };
    let state = page.state;
    let mut errors = FieldErrors::new();
    users::check_new_password(state, &target, "password1", &form.password1, &mut errors);
    if form.password1 != form.password2 {
        errors.add("password2", "You must type the same password each time.");
    }
    if !errors.is_empty() {
        return render(&page, &target, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let txn = state.db().begin().await?;
    let target = users::set_password(&txn, state, target, &form.password1).await?;
    admin::audit(
        &txn,
        &staff,
        "change",
        panel.model(),
        &json!(target.id),
        &target.username,
        json!({ "password": ["(hidden)", "(changed)"] }),
    )
    .await?;
    txn.commit().await?;
    page.flash(
        Level::Success,
        format!(
            "The password of {} was changed; their sessions have ended.",
            target.username
        ),
    )
    .await?;
    Ok(page.redirect(&format!("/admin/core/user/{}/change/", target.id)))
}

async fn render(
    page: &Page<'_>,
    target: &user::Model,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response> {
    let context = FormContext::new(json!({ "target": target }), errors);
    Ok(page
        .render_form("admin/set_password.html", context)
        .await?
        .with_status(status)
        .into_response())
}
