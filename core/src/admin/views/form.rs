//! `/admin/<module>/<entity>/add/` and `.../<id>/change/`: the form of any panel. A submission
//! is parsed column by column, checked by the panel's validators, for uniqueness and for foreign
//! keys that point nowhere, and — for a change — against edits saved since the form was opened;
//! it is written with its audit entry in one transaction, or shown again with every problem next
//! to its field and the input kept.

use std::collections::{BTreeSet, HashMap};

use poem::handler;
use poem::http::StatusCode;
use poem::web::{Form, Path};
use poem::{IntoResponse, Response};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value as Json, json};

use crate::admin::AdminPanel;
use crate::admin::access::{self, Access};
use crate::admin::query::{self, Filter, ListQuery, Row};
use crate::admin::store;
use crate::admin::{forms, inlines, relations};
use crate::models::ModelInfo;
use crate::web::flash::Level;
use crate::web::page::Page;
use crate::{Error, FieldErrors, Result};

type Fields = Vec<(String, String)>;

/// Joins the keys a many-to-many field holds into one form value (and splits them again); the
/// unit separator cannot occur in a key typed into a form.
const KEYS_SEPARATOR: char = '\u{1f}';

fn joined(keys: &BTreeSet<String>) -> String {
    keys.iter()
        .cloned()
        .collect::<Vec<_>>()
        .join(&KEYS_SEPARATOR.to_string())
}

fn split(value: Option<&String>) -> BTreeSet<String> {
    value
        .map(|v| {
            v.split(KEYS_SEPARATOR)
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The fields of a submitted form by name: one value each (browsers send one), except
/// many-to-many fields, whose ticked keys are kept together.
fn form_map(panel: &AdminPanel, fields: Fields) -> HashMap<String, String> {
    let mut map: HashMap<String, String> = HashMap::new();
    for relation in panel.relations() {
        map.insert(
            relation.name.clone(),
            joined(&relations::submitted(&fields, relation)),
        );
    }
    for (name, value) in fields {
        if !panel.relations().iter().any(|r| r.name == name) {
            map.insert(name, value);
        }
    }
    map
}

#[handler]
pub async fn add_page(
    page: Page<'_>,
    Path((module, entity)): Path<(String, String)>,
) -> Result<Response> {
    let (panel, _) = match access::enter(&page, &module, &entity, "add").await? {
        Ok(entered) => entered,
        Err(refused) => return Ok(refused),
    };
    render(
        &page,
        panel,
        None,
        &HashMap::new(),
        &FieldErrors::new(),
        None,
        StatusCode::OK,
        true,
        None,
    )
    .await
}

#[handler]
pub async fn add(
    page: Page<'_>,
    Path((module, entity)): Path<(String, String)>,
    Form(fields): Form<Fields>,
) -> Result<Response> {
    let (panel, access) = match access::enter(&page, &module, &entity, "add").await? {
        Ok(entered) => entered,
        Err(refused) => return Ok(refused),
    };
    let model = panel.model();
    let form = form_map(panel, fields);
    let mut errors = FieldErrors::new();
    let mut values = forms::parse(panel, &form, true, &mut errors);
    panel.fill_new(&mut values);
    check(&page, panel, &values, None, &mut errors).await?;
    check_relations(&page, panel, &form, &mut errors).await?;
    let children = inlines::parse(panel, &form, &mut errors)?;
    // The form again, with the user's input, for every way this submission can fail.
    let again = |errors: FieldErrors| {
        let (page, form) = (&page, &form);
        async move {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(page, panel, None, form, &errors, None, status, true, None).await
        }
    };
    if !errors.is_empty() {
        return again(errors).await;
    }
    let txn = page.state.db().begin().await?;
    let id = match refused_by_database(store::insert(&txn, model, &values).await)? {
        Ok(id) => id,
        Err(message) => {
            txn.rollback().await?;
            errors.add("", message);
            return again(errors).await;
        }
    };
    let repr = store::repr(panel, &values, &id);
    for relation in panel.relations() {
        let wanted = split(form.get(&relation.name));
        relations::save(&txn, page.state.registry(), relation, &id, &wanted).await?;
        values.insert(relation.name.clone(), json!(wanted));
    }
    if let Err(message) = inlines::save(&txn, &access, panel, &id, children).await? {
        txn.rollback().await?;
        errors.add("", message);
        return again(errors).await;
    }
    store::audit(
        &txn,
        &access.user,
        "add",
        model,
        &id,
        &repr,
        Json::Object(values.clone()),
    )
    .await?;
    txn.commit().await?;
    page.flash(
        Level::Success,
        format!("The {} “{repr}” was added.", singular(panel)),
    )
    .await?;
    Ok(page.redirect(&next_url(panel, &form, &id)))
}

#[handler]
pub async fn change_page(
    page: Page<'_>,
    Path((module, entity, id)): Path<(String, String, String)>,
) -> Result<Response> {
    let (panel, access) = match access::enter(&page, &module, &entity, "view").await? {
        Ok(entered) => entered,
        Err(refused) => return Ok(refused),
    };
    let model = panel.model();
    let id = store::key_value(model, &id)?;
    let row = store::find(page.state.db(), model, &id)
        .await?
        .ok_or(Error::NotFound)?;
    let can_change = access.allows(panel, "change").await?;
    let mut inputs = forms::inputs(panel, &row);
    for relation in panel.relations() {
        let linked = relations::linked(page.state.db(), relation, &id).await?;
        inputs.insert(relation.name.clone(), joined(&linked));
    }
    render_change(
        &page,
        &access,
        panel,
        &id,
        &row,
        &inputs,
        &FieldErrors::new(),
        StatusCode::OK,
        can_change,
    )
    .await
}

#[handler]
pub async fn change(
    page: Page<'_>,
    Path((module, entity, id)): Path<(String, String, String)>,
    Form(fields): Form<Fields>,
) -> Result<Response> {
    let (panel, access) = match access::enter(&page, &module, &entity, "change").await? {
        Ok(entered) => entered,
        Err(refused) => return Ok(refused),
    };
    let model = panel.model();
    let id = store::key_value(model, &id)?;
    let form = form_map(panel, fields);
    let mut errors = FieldErrors::new();
    let mut values = forms::parse(panel, &form, false, &mut errors);
    check(&page, panel, &values, Some(&id), &mut errors).await?;
    check_relations(&page, panel, &form, &mut errors).await?;
    let children = inlines::parse(panel, &form, &mut errors)?;

    let txn = page.state.db().begin().await?;
    let current = store::find(&txn, model, &id)
        .await?
        .ok_or(Error::NotFound)?;
    // The form again, with the user's input, for every way this submission can fail.
    let again = |errors: FieldErrors, status| {
        let (page, access, id, current, form) = (&page, &access, &id, &current, &form);
        async move {
            render_change(
                page, access, panel, id, current, form, &errors, status, true,
            )
            .await
        }
    };
    // Someone saved this row after the form was opened: show what they changed, keep what this
    // user typed, and let a second save overwrite knowingly.
    if form.get("_version").map(String::as_str) != Some(store::version(&current).as_str()) {
        let opened: HashMap<String, String> = form
            .get("_original")
            .and_then(|o| serde_json::from_str(o).ok())
            .unwrap_or_default();
        let now = forms::inputs(panel, &current);
        let mut changed: Vec<String> = now
            .iter()
            .filter(|(name, value)| opened.get(*name).is_some_and(|o| o != *value))
            .map(|(name, _)| name.clone())
            .collect();
        changed.sort();
        for name in &changed {
            errors.add(
                name,
                format!("Changed by someone else meanwhile to: {}", now[name]),
            );
        }
        errors.add(
            "",
            "This object was changed by someone else after you opened it. Review the fields \
             marked below; saving again overwrites their changes.",
        );
        txn.rollback().await?;
        return again(errors, StatusCode::CONFLICT).await;
    }
    if !errors.is_empty() {
        txn.rollback().await?;
        return again(errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    // Only a real change moves the columns the panel maintains (an `updated_at`).
    if store::diff(&current, &values)
        .as_object()
        .is_some_and(|changed| !changed.is_empty())
    {
        panel.fill_changed(&mut values);
    }
    if let Err(message) = refused_by_database(store::update(&txn, model, &id, &values).await)? {
        txn.rollback().await?;
        errors.add("", message);
        return again(errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let mut diff = store::diff(&current, &values);
    for relation in panel.relations() {
        let wanted = split(form.get(&relation.name));
        if let Some(change) =
            relations::save(&txn, page.state.registry(), relation, &id, &wanted).await?
            && let Some(diff) = diff.as_object_mut()
        {
            diff.insert(relation.name.clone(), change);
        }
    }
    if let Err(message) = inlines::save(&txn, &access, panel, &id, children).await? {
        txn.rollback().await?;
        errors.add("", message);
        return again(errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let mut after = current.clone();
    after.extend(values.clone());
    let repr = store::repr(panel, &after, &id);
    if diff.as_object().is_some_and(|d| !d.is_empty()) {
        store::audit(&txn, &access.user, "change", model, &id, &repr, diff).await?;
    }
    txn.commit().await?;
    page.flash(
        Level::Success,
        format!("The {} “{repr}” was changed.", singular(panel)),
    )
    .await?;
    Ok(page.redirect(&next_url(panel, &form, &id)))
}

/// Every ticked key of every many-to-many field names a row.
async fn check_relations(
    page: &Page<'_>,
    panel: &AdminPanel,
    form: &HashMap<String, String>,
    errors: &mut FieldErrors,
) -> Result<()> {
    for relation in panel.relations() {
        let wanted = split(form.get(&relation.name));
        relations::check(
            page.state.db(),
            page.state.registry(),
            relation,
            &wanted,
            errors,
        )
        .await?;
    }
    Ok(())
}

/// Checks beyond each field's own: the panel's validators, unique columns, foreign keys.
async fn check(
    page: &Page<'_>,
    panel: &AdminPanel,
    values: &Row,
    id: Option<&Json>,
    errors: &mut FieldErrors,
) -> Result<()> {
    for validator in panel.validators() {
        validator(values, errors);
    }
    let model = panel.model();
    let db = page.state.db();
    let source_of = |column: &str| {
        panel
            .derived()
            .iter()
            .find(|d| d.column == column)
            .map_or_else(|| column.to_owned(), |d| d.source.clone())
    };
    for column in model.columns.iter().filter(|c| c.unique) {
        let Some(value) = values.get(&column.name).filter(|v| !v.is_null()) else {
            continue;
        };
        let field = source_of(&column.name);
        if errors.has(&field) {
            continue;
        }
        let mut filters = vec![Filter::Equals(column.name.clone(), value.clone())];
        if let Some(id) = id {
            filters.push(Filter::NotEquals(
                store::key(model)?.name.clone(),
                id.clone(),
            ));
        }
        if taken(db, model, filters).await? {
            errors.add(
                &field,
                format!(
                    "A {} with this {} already exists.",
                    singular(panel),
                    super::list::label(&field).to_lowercase()
                ),
            );
        }
    }
    for fk in &model.foreign_keys {
        let Some(value) = values.get(&fk.column).filter(|v| !v.is_null()) else {
            continue;
        };
        let Some(target) = page
            .state
            .registry()
            .models()
            .iter()
            .find(|m| m.table == fk.table)
        else {
            continue;
        };
        let filters = vec![Filter::Equals(fk.target_column.clone(), value.clone())];
        if !errors.has(&fk.column) && !taken(db, target, filters).await? {
            errors.add(
                &fk.column,
                format!(
                    "There is no {} with {} {}.",
                    target.key(),
                    fk.target_column,
                    store::plain(value)
                ),
            );
        }
    }
    Ok(())
}

async fn taken(db: &impl ConnectionTrait, model: &ModelInfo, filters: Vec<Filter>) -> Result<bool> {
    let list = ListQuery {
        filters,
        ..ListQuery::default()
    };
    Ok(query::count(db, model, &list).await?.known() > 0)
}

/// A constraint the checks above could not foresee (a race, a CHECK) becomes a message on the
/// form, not a server error.
fn refused_by_database<T>(outcome: Result<T>) -> Result<std::result::Result<T, String>> {
    match outcome {
        Ok(value) => Ok(Ok(value)),
        Err(Error::Database(error)) if error.sql_err().is_some() => Ok(Err(format!(
            "The database refused this change: {}",
            error.sql_err().map(|e| e.to_string()).unwrap_or_default()
        ))),
        Err(error) => Err(error),
    }
}

fn singular(panel: &AdminPanel) -> String {
    panel.model().name.replace('_', " ")
}

fn next_url(panel: &AdminPanel, form: &HashMap<String, String>, id: &Json) -> String {
    let model = panel.model();
    let base = format!("/admin/{}/{}/", model.module, model.name);
    if form.contains_key("_continue") {
        format!("{base}{}/change/", store::plain(id))
    } else if form.contains_key("_addanother") {
        format!("{base}add/")
    } else {
        base
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_change(
    page: &Page<'_>,
    access: &Access<'_>,
    panel: &AdminPanel,
    id: &Json,
    current: &Row,
    inputs: &HashMap<String, String>,
    errors: &FieldErrors,
    status: StatusCode,
    can_change: bool,
) -> Result<Response> {
    let can_delete = access.allows(panel, "delete").await?;
    let mut actions = Vec::new();
    for action in panel.object_actions() {
        if action.offered_for(current) && access.allows(panel, &action.name).await? {
            actions.push(json!({ "name": action.name, "label": action.label }));
        }
    }
    let opened = forms::inputs(panel, current);
    let state = json!({
        "id": store::plain(id),
        "repr": store::repr(panel, current, id),
        "version": store::version(current),
        "original": serde_json::to_string(&opened).unwrap_or_default(),
        "can_delete": can_delete,
        "links": panel.object_links().iter().map(|(label, path)| json!({ "label": label, "path": path })).collect::<Vec<_>>(),
        "actions": actions,
    });
    render(
        page,
        panel,
        Some(state),
        inputs,
        errors,
        Some(can_change),
        status,
        false,
        Some(id),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render(
    page: &Page<'_>,
    panel: &AdminPanel,
    object: Option<Json>,
    inputs: &HashMap<String, String>,
    errors: &FieldErrors,
    can_change: Option<bool>,
    status: StatusCode,
    adding: bool,
    parent: Option<&Json>,
) -> Result<Response> {
    let registry = page.state.registry();
    let related = |table: &str| {
        registry
            .admin_panels()
            .iter()
            .find(|p| p.model().table == table)
            .map(|p| format!("/admin/{}/{}/", p.model().module, p.model().name))
    };
    let fieldsets = forms::fieldsets(panel, inputs, errors, adding, &related);
    let relation_fields = relations::fields(
        page.state.db(),
        registry,
        panel,
        &|relation| split(inputs.get(&relation.name)),
        errors,
    )
    .await?;
    let model = panel.model();
    let context = json!({
        "panel": { "label": panel.label_text(), "module": model.module, "name": model.name, "singular": singular(panel) },
        "base": format!("/admin/{}/{}/", model.module, model.name),
        "adding": adding,
        "object": object,
        "fieldsets": fieldsets,
        "relations": relation_fields,
        "inlines": inlines::views(page.state.db(), panel, parent, inputs, errors).await?,
        "form_errors": errors.by_field().get("").cloned().unwrap_or_default(),
        "can_save": can_change.unwrap_or(true),
    });
    let html = page.render_form("admin/form.html", context).await?;
    Ok(html.with_status(status).into_response())
}
