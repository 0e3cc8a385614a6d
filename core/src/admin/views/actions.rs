//! `POST /admin/<module>/<entity>/action/`: a bulk action on the rows ticked in the list — delete
//! selected, or one the module defined. The first POST shows what will happen; the confirmed one
//! does it, with an audit entry per row, in one transaction, and reports how many rows changed.

use poem::handler;
use poem::http::StatusCode;
use poem::web::{Form, Path};
use poem::{IntoResponse, Response};
use sea_orm::TransactionTrait;
use serde_json::{Value as Json, json};

use crate::admin::access::{self, Access};
use crate::admin::store;
use crate::web::flash::Level;
use crate::web::page::Page;
use crate::{Error, Result};

/// The built-in action every panel that allows deleting offers.
pub const DELETE_SELECTED: &str = "delete_selected";
/// More rows than this in one action is a mistake, not a plan.
const MAX_SELECTED: usize = 1000;

#[handler]
pub async fn run(
    page: Page<'_>,
    Path((module, entity)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let user = match access::staff(&page).await? {
        Ok(user) => user,
        Err(refused) => return Ok(refused),
    };
    let panel = access::panel(&page, &module, &entity)?;
    let access = Access::of(&page, user).await?;
    let model = panel.model();
    let base = format!("/admin/{}/{}/", model.module, model.name);
    let action = fields
        .iter()
        .find(|(name, _)| name == "action")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let selected: Vec<String> = fields
        .iter()
        .filter(|(name, _)| name == "_selected")
        .map(|(_, value)| value.clone())
        .collect();
    let confirmed = fields
        .iter()
        .any(|(name, value)| name == "confirm" && value == "yes");
    let (permission, label) = if action == DELETE_SELECTED {
        (
            "delete".to_owned(),
            format!("Delete selected {}", panel.label_text()),
        )
    } else {
        let custom = panel
            .actions()
            .iter()
            .find(|a| a.name == action)
            .ok_or_else(|| Error::BadRequest(format!("there is no action {action:?}")))?;
        (custom.name.clone(), custom.label.clone())
    };
    access.require(panel, &permission).await?;
    if selected.is_empty() {
        page.flash(
            Level::Warning,
            "Select some rows first: no action was taken.",
        )
        .await?;
        return Ok(page.redirect(&base));
    }
    if selected.len() > MAX_SELECTED {
        return Err(Error::BadRequest(format!(
            "at most {MAX_SELECTED} rows can be changed at once"
        )));
    }
    let ids: Vec<Json> = selected
        .iter()
        .map(|id| store::key_value(model, id))
        .collect::<Result<_>>()?;
    let db = page.state.db();

    if !confirmed {
        let mut rows = Vec::new();
        for id in &ids {
            if let Some(row) = store::find(db, model, id).await? {
                rows.push(json!({ "id": store::plain(id), "repr": store::repr(panel, &row, id) }));
            }
        }
        let mut dependents = Vec::new();
        if action == DELETE_SELECTED {
            for id in &ids {
                dependents.extend(
                    store::dependents(db, page.state.registry().models(), model, id).await?,
                );
            }
        }
        let blocked = dependents.iter().any(|d| d.effect == "restrict");
        let context = json!({
            "panel": { "label": panel.label_text(), "module": model.module, "name": model.name },
            "base": base,
            "action": action,
            "label": label,
            "rows": rows,
            "dependents": dependents,
            "blocked": blocked,
        });
        let status = if blocked {
            StatusCode::CONFLICT
        } else {
            StatusCode::OK
        };
        return Ok(page
            .render_form("admin/action_confirm.html", context)
            .await?
            .with_status(status)
            .into_response());
    }

    let txn = db.begin().await?;
    let changed = if action == DELETE_SELECTED {
        let mut deleted = 0;
        for id in &ids {
            let Some(row) = store::find(&txn, model, id).await? else {
                continue;
            };
            let dependents =
                store::dependents(&txn, page.state.registry().models(), model, id).await?;
            if dependents.iter().any(|d| d.effect == "restrict") {
                txn.rollback().await?;
                return Err(Error::BadRequest(format!(
                    "{} {} cannot be deleted while other rows refer to it; nothing was deleted",
                    model.key(),
                    store::plain(id)
                )));
            }
            store::audit(
                &txn,
                &access.user,
                "delete",
                model,
                id,
                &store::repr(panel, &row, id),
                Json::Object(row.clone()),
            )
            .await?;
            store::delete(&txn, model, id).await?;
            deleted += 1;
        }
        deleted
    } else {
        let custom = panel
            .actions()
            .iter()
            .find(|a| a.name == action)
            .ok_or_else(|| Error::BadRequest(format!("there is no action {action:?}")))?;
        let changed = (custom.run)(&txn, &ids).await?;
        for id in &ids {
            let repr = match store::find(&txn, model, id).await? {
                Some(row) => store::repr(panel, &row, id),
                None => store::plain(id),
            };
            store::audit(&txn, &access.user, &action, model, id, &repr, json!({})).await?;
        }
        changed
    };
    txn.commit().await?;
    panel.changed(page.state).await?;
    let noun = if changed == 1 { "row" } else { "rows" };
    page.flash(
        Level::Success,
        format!("{label}: {changed} {noun} changed."),
    )
    .await?;
    Ok(page.redirect(&base))
}
