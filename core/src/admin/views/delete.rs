//! `/admin/<module>/<entity>/<id>/delete/`: what else goes with the object (rows deleted with it,
//! rows unlinked, rows that block it), then, confirmed by POST, the delete and its audit entry.

use poem::handler;
use poem::http::StatusCode;
use poem::web::Path;
use poem::{IntoResponse, Response};
use sea_orm::TransactionTrait;
use serde_json::{Value as Json, json};

use crate::admin::access;
use crate::admin::store;
use crate::web::flash::Level;
use crate::web::page::Page;
use crate::{Error, Result};

#[handler]
pub async fn confirm(
    page: Page<'_>,
    Path((module, entity, id)): Path<(String, String, String)>,
) -> Result<Response> {
    let (panel, _) = match access::enter(&page, &module, &entity, "delete").await? {
        Ok(entered) => entered,
        Err(refused) => return Ok(refused),
    };
    let model = panel.model();
    let key = store::key_value(model, &id)?;
    let db = page.state.db();
    let row = store::find(db, model, &key).await?.ok_or(Error::NotFound)?;
    let dependents = store::dependents(db, page.state.registry().models(), model, &key).await?;
    let blocked = dependents.iter().any(|d| d.effect == "restrict");
    let context = json!({
        "panel": { "label": panel.label_text(), "module": model.module, "name": model.name, "singular": model.name.replace('_', " ") },
        "base": format!("/admin/{}/{}/", model.module, model.name),
        "id": id,
        "repr": store::repr(panel, &row, &key),
        "dependents": dependents,
        "blocked": blocked,
    });
    let status = if blocked {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Ok(page
        .render_form("admin/delete.html", context)
        .await?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn delete(
    page: Page<'_>,
    Path((module, entity, id)): Path<(String, String, String)>,
) -> Result<Response> {
    let (panel, access) = match access::enter(&page, &module, &entity, "delete").await? {
        Ok(entered) => entered,
        Err(refused) => return Ok(refused),
    };
    let model = panel.model();
    let key = store::key_value(model, &id)?;
    let txn = page.state.db().begin().await?;
    let row = store::find(&txn, model, &key)
        .await?
        .ok_or(Error::NotFound)?;
    let dependents = store::dependents(&txn, page.state.registry().models(), model, &key).await?;
    if dependents.iter().any(|d| d.effect == "restrict") {
        txn.rollback().await?;
        // The confirmation page explains what blocks it.
        return Err(Error::BadRequest(format!(
            "{} {id} cannot be deleted while other rows refer to it",
            model.key()
        )));
    }
    let repr = store::repr(panel, &row, &key);
    store::audit(
        &txn,
        &access.user,
        "delete",
        model,
        &key,
        &repr,
        Json::Object(row.clone()),
    )
    .await?;
    store::delete(&txn, model, &key).await?;
    txn.commit().await?;
    panel.changed(page.state).await?;
    page.flash(
        Level::Success,
        format!("The {} “{repr}” was deleted.", model.name.replace('_', " ")),
    )
    .await?;
    Ok(page.redirect(&format!("/admin/{}/{}/", model.module, model.name)))
}
