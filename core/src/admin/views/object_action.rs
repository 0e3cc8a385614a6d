//! `/admin/<module>/<entity>/<id>/action/<name>/`: an action on one object that asks for input
//! first. GET shows its form; POST checks the input, then — in one transaction, with the row
//! locked (on SQLite: with the database's write lock) — checks that the action still applies to the row, runs it and records it in the audit
//! log. Anything short of success rolls back and shows the form again with the input kept.

use std::collections::HashMap;

use poem::Response;
use poem::handler;
use poem::http::StatusCode;
use poem::web::{Form, Path};
use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
use serde_json::{Map, Value as Json, json};

use crate::admin::AdminPanel;
use crate::admin::access::{self, Access};
use crate::admin::object_action::{self, ActionContext, ActionOutcome, ObjectAction};
use crate::admin::store;
use crate::web::flash::Level;
use crate::web::page::Page;
use crate::{Error, FieldErrors, Result};

type Entered<'a> = (&'a AdminPanel, Access<'a>, &'a ObjectAction);

/// A staff user, the panel, the action of the URL (404 otherwise) and the user's permission to
/// run it — or the answer for a visitor who may not go further.
async fn enter<'a>(
    page: &'a Page<'a>,
    module: &str,
    entity: &str,
    name: &str,
) -> Result<std::result::Result<Entered<'a>, Response>> {
    let user = match access::staff(page).await? {
        Ok(user) => user,
        Err(refused) => return Ok(Err(refused)),
    };
    let panel = access::panel(page, module, entity)?;
    let action = panel.object_action_named(name).ok_or(Error::NotFound)?;
    let access = Access::of(page, user).await?;
    access.require(panel, &action.name).await?;
    Ok(Ok((panel, access, action)))
}

#[handler]
pub async fn form(
    page: Page<'_>,
    Path((module, entity, id, name)): Path<(String, String, String, String)>,
) -> Result<Response> {
    let (panel, _, action) = match enter(&page, &module, &entity, &name).await? {
        Ok(entered) => entered,
        Err(refused) => return Ok(refused),
    };
    let key = store::key_value(panel.model(), &id)?;
    let row = store::find(page.state.db(), panel.model(), &key)
        .await?
        .ok_or(Error::NotFound)?;
    let view = View {
        panel,
        action,
        id: &key,
        row: &row,
    };
    if !action.offered_for(&row) {
        return view.unavailable(&page).await;
    }
    view.render(&page, &HashMap::new(), &FieldErrors::new(), StatusCode::OK)
        .await
}

#[handler]
pub async fn run(
    page: Page<'_>,
    Path((module, entity, id, name)): Path<(String, String, String, String)>,
    Form(submitted): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (panel, access, action) = match enter(&page, &module, &entity, &name).await? {
        Ok(entered) => entered,
        Err(refused) => return Ok(refused),
    };
    let model = panel.model();
    let key = store::key_value(model, &id)?;
    let mut errors = FieldErrors::new();
    let inputs = object_action::parse(&action.fields, &submitted, &mut errors);

    // SQLite has no row locks, and a transaction that read before another committed may not
    // write after it: this one takes the write lock at once instead, so it reads the row as it is
    // and decides on it alone.
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    let txn = page.state.db().begin_with_options(options).await?;
    let Some(row) = store::find_for_update(&txn, model, &key).await? else {
        txn.rollback().await?;
        return Err(Error::NotFound);
    };
    let view = View {
        panel,
        action,
        id: &key,
        row: &row,
    };
    // The page was opened on the row as it was then; what counts is the row as it is now.
    if !action.offered_for(&row) {
        txn.rollback().await?;
        return view.unavailable(&page).await;
    }
    if !errors.is_empty() {
        txn.rollback().await?;
        return view
            .render(&page, &inputs, &errors, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    }
    let context = ActionContext {
        id: key.clone(),
        row: row.clone(),
        inputs: inputs.clone(),
        user: access.user.clone(),
        state: page.state.clone(),
    };
    let outcome = match (action.run)(&txn, context).await {
        Ok(outcome) => outcome,
        Err(Error::Invalid(errors)) => ActionOutcome::Invalid(errors),
        Err(error) => {
            txn.rollback().await?;
            return Err(error);
        }
    };
    let message = match outcome {
        ActionOutcome::Done(message) => message,
        ActionOutcome::Refused(message) => {
            txn.rollback().await?;
            errors.add("", message);
            return view
                .render(&page, &inputs, &errors, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
        ActionOutcome::Invalid(errors) => {
            txn.rollback().await?;
            return view
                .render(&page, &inputs, &errors, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    // The action may have renamed the object, or deleted it.
    let after = store::find(&txn, model, &key).await?;
    let repr = store::repr(panel, after.as_ref().unwrap_or(&row), &key);
    let recorded: Map<String, Json> = action
        .fields
        .iter()
        .map(|field| {
            let value = inputs.get(&field.name).cloned().unwrap_or_default();
            (field.name.clone(), Json::String(value))
        })
        .collect();
    store::audit(
        &txn,
        &access.user,
        &action.name,
        model,
        &key,
        &repr,
        Json::Object(recorded),
    )
    .await?;
    txn.commit().await?;
    panel.changed(page.state).await?;
    let message = if message.trim().is_empty() {
        format!("{}: done for “{repr}”.", action.label)
    } else {
        message
    };
    page.flash(Level::Success, message).await?;
    let base = format!("/admin/{}/{}/", model.module, model.name);
    let next = if after.is_some() {
        format!("{base}{}/change/", store::plain(&key))
    } else {
        base
    };
    Ok(page.redirect(&next))
}

/// The action's page for one object.
struct View<'a> {
    panel: &'a AdminPanel,
    action: &'a ObjectAction,
    id: &'a Json,
    row: &'a Map<String, Json>,
}

impl View<'_> {
    fn context(&self) -> Json {
        let model = self.panel.model();
        json!({
            "panel": {
                "label": self.panel.label_text(),
                "module": model.module,
                "name": model.name,
                "singular": model.name.replace('_', " "),
            },
            "base": format!("/admin/{}/{}/", model.module, model.name),
            "object": { "id": store::plain(self.id), "repr": store::repr(self.panel, self.row, self.id) },
            "action": { "name": self.action.name, "label": self.action.label },
        })
    }

    async fn render(
        &self,
        page: &Page<'_>,
        inputs: &HashMap<String, String>,
        errors: &FieldErrors,
        status: StatusCode,
    ) -> Result<Response> {
        let mut context = self.context();
        let fields = object_action::views(&self.action.fields, inputs, errors);
        let form_errors = object_action::form_errors(&self.action.fields, errors);
        if let Some(map) = context.as_object_mut() {
            map.insert("available".into(), json!(true));
            map.insert("fields".into(), json!(fields));
            map.insert("form_errors".into(), json!(form_errors));
        }
        page.render_form_status(status, "admin/object_action.html", context)
            .await
    }

    /// The action does not apply to the row as it is (an order already shipped): 409, and no
    /// form to submit.
    async fn unavailable(&self, page: &Page<'_>) -> Result<Response> {
        let mut context = self.context();
        let message = format!(
            "“{}” does not apply to this {} as it is now; it may have changed since you opened \
             it. Nothing was done.",
            self.action.label,
            self.panel.model().name.replace('_', " ")
        );
        if let Some(map) = context.as_object_mut() {
            map.insert("available".into(), json!(false));
            map.insert("form_errors".into(), json!([message]));
        }
        page.render_form_status(StatusCode::CONFLICT, "admin/object_action.html", context)
            .await
    }
}
