//! Inline child rows on a parent's form (order lines under an order): shown from the database or
//! from a submitted form, parsed with the child panel's rules, and saved — added, changed,
//! deleted — in the parent's transaction, each with its own audit entry. A child row is only
//! ever touched through the parent it belongs to.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use serde::Serialize;
use serde_json::{Value as Json, json};

use super::access::Access;
use super::panel::Inline;
use super::query::{self, Filter, ListQuery, Row};
use super::{AdminPanel, forms, store};
use crate::{Error, FieldErrors, Result};

#[derive(Debug, Serialize)]
pub struct InlineRow {
    pub prefix: String,
    pub id: Option<String>,
    pub delete: bool,
    pub fields: Vec<forms::Field>,
}

#[derive(Debug, Serialize)]
pub struct InlineView {
    pub name: String,
    pub label: String,
    pub headers: Vec<String>,
    pub rows: Vec<InlineRow>,
    pub total: usize,
}

/// One child row as submitted.
pub struct Submitted {
    inline: usize,
    id: Option<Json>,
    delete: bool,
    values: Row,
}

fn prefix(inline: &Inline, index: usize) -> String {
    format!("{}-{index}-", inline.name)
}

fn total_key(inline: &Inline) -> String {
    format!("{}-TOTAL", inline.name)
}

/// The submitted inputs of row `index`: column → text, its key, and whether it is to go.
fn submitted_row(
    inline: &Inline,
    form: &HashMap<String, String>,
    index: usize,
) -> (HashMap<String, String>, Option<String>, bool) {
    let prefix = prefix(inline, index);
    let inputs = forms::columns(&inline.panel)
        .into_iter()
        .filter_map(|c| {
            form.get(&format!("{prefix}{}", c.name))
                .map(|v| (c.name.clone(), v.clone()))
        })
        .collect();
    let id = form
        .get(&format!("{prefix}id"))
        .filter(|id| !id.is_empty())
        .cloned();
    let delete = form.contains_key(&format!("{prefix}DELETE"));
    (inputs, id, delete)
}

fn rows_submitted(inline: &Inline, form: &HashMap<String, String>) -> usize {
    form.get(&total_key(inline))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0)
        .min(1000)
}

/// Each inline of `panel` with its rows: as submitted when `form` holds them, else the parent's
/// children from the database (none when adding) plus empty rows for new ones.
pub async fn views(
    db: &impl ConnectionTrait,
    panel: &AdminPanel,
    parent: Option<&Json>,
    form: &HashMap<String, String>,
    errors: &FieldErrors,
) -> Result<Vec<InlineView>> {
    let mut views = Vec::new();
    for inline in panel.inlines() {
        let child = &inline.panel;
        let mut rows: Vec<(HashMap<String, String>, Option<String>, bool)> = Vec::new();
        if form.contains_key(&total_key(inline)) {
            for index in 0..rows_submitted(inline, form) {
                rows.push(submitted_row(inline, form, index));
            }
        } else {
            if let Some(parent) = parent {
                let key = store::key(child.model())?.name.clone();
                let list = ListQuery {
                    filters: vec![Filter::Equals(inline.fk_column.clone(), parent.clone())],
                    ordering: vec![(key.clone(), false)],
                    limit: 500,
                    ..ListQuery::default()
                };
                for row in query::rows(db, child.model(), &list)
                    .await?
                    .map_err(Error::BadRequest)?
                {
                    let id = row.get(&key).map(store::plain);
                    rows.push((forms::inputs(child, &row), id, false));
                }
            }
            for _ in 0..inline.extra {
                rows.push((HashMap::new(), None, false));
            }
        }
        let mut shown = Vec::new();
        for (index, (inputs, id, delete)) in rows.into_iter().enumerate() {
            let prefix = prefix(inline, index);
            let mut own = FieldErrors::new();
            for error in errors.iter() {
                if let Some(field) = error.field.strip_prefix(&prefix) {
                    own.add(field, error.message.clone());
                }
            }
            let fields = forms::fieldsets(child, &inputs, &own, id.is_none(), &|_| None)
                .into_iter()
                .flat_map(|set| set.fields)
                .map(|mut field| {
                    field.name = format!("{prefix}{}", field.name);
                    field
                })
                .collect();
            shown.push(InlineRow {
                prefix,
                id,
                delete,
                fields,
            });
        }
        views.push(InlineView {
            name: inline.name.clone(),
            label: inline.label.clone(),
            headers: forms::columns(child)
                .into_iter()
                .map(|c| super::views::list::label(&c.name))
                .collect(),
            total: shown.len(),
            rows: shown,
        });
    }
    Ok(views)
}

/// Parses the submitted child rows; problems go to `errors` under each input's own name.
/// Untouched empty rows are skipped.
pub fn parse(
    panel: &AdminPanel,
    form: &HashMap<String, String>,
    errors: &mut FieldErrors,
) -> Result<Vec<Submitted>> {
    let mut submitted = Vec::new();
    for (position, inline) in panel.inlines().iter().enumerate() {
        for index in 0..rows_submitted(inline, form) {
            let (inputs, id, delete) = submitted_row(inline, form, index);
            if id.is_none() && inputs.values().all(|v| v.trim().is_empty()) {
                continue;
            }
            let id = match id {
                Some(id) => Some(store::key_value(inline.panel.model(), &id)?),
                None => None,
            };
            if delete {
                if id.is_some() {
                    submitted.push(Submitted {
                        inline: position,
                        id,
                        delete,
                        values: Row::new(),
                    });
                }
                continue;
            }
            let mut own = FieldErrors::new();
            let mut values = forms::parse(&inline.panel, &inputs, id.is_none(), &mut own);
            if id.is_none() {
                inline.panel.fill_new(&mut values);
            }
            for validator in inline.panel.validators() {
                validator(&values, &mut own);
            }
            let prefix = prefix(inline, index);
            for error in own.iter() {
                errors.add(&format!("{prefix}{}", error.field), error.message.clone());
            }
            submitted.push(Submitted {
                inline: position,
                id,
                delete,
                values,
            });
        }
    }
    Ok(submitted)
}

/// Writes the submitted child rows of parent `parent_id` on the parent's transaction; the audit
/// entries it made as `(action, model)` pairs. A key that is not a child of this parent is refused,
/// and each write needs the user's permission on the child's model (`Error::Forbidden`, which
/// drops the transaction: nothing is written).
pub async fn save(
    db: &impl ConnectionTrait,
    access: &Access<'_>,
    panel: &AdminPanel,
    parent_id: &Json,
    submitted: Vec<Submitted>,
) -> Result<std::result::Result<usize, String>> {
    let who = &access.user;
    let mut written = 0;
    for row in submitted {
        let inline = &panel.inlines()[row.inline];
        let child = inline.panel.model();
        let repr = |values: &Row, id: &Json| store::repr(&inline.panel, values, id);
        match row.id {
            Some(id) => {
                let Some(current) = store::find(db, child, &id)
                    .await?
                    .filter(|c| c.get(&inline.fk_column) == Some(parent_id))
                else {
                    return Ok(Err(format!(
                        "{} {} does not belong to this {}.",
                        child.key(),
                        store::plain(&id),
                        panel.model().name
                    )));
                };
                if row.delete {
                    access.require(&inline.panel, "delete").await?;
                    store::audit(
                        db,
                        who,
                        "delete",
                        child,
                        &id,
                        &repr(&current, &id),
                        Json::Object(current.clone()),
                    )
                    .await?;
                    store::delete(db, child, &id).await?;
                } else {
                    let diff = store::diff(&current, &row.values);
                    if diff.as_object().is_some_and(|d| !d.is_empty()) {
                        access.require(&inline.panel, "change").await?;
                        store::update(db, child, &id, &row.values).await?;
                        store::audit(db, who, "change", child, &id, &repr(&row.values, &id), diff)
                            .await?;
                    }
                }
            }
            None => {
                access.require(&inline.panel, "add").await?;
                let mut values = row.values;
                values.insert(inline.fk_column.clone(), parent_id.clone());
                let id = store::insert(db, child, &values).await?;
                store::audit(
                    db,
                    who,
                    "add",
                    child,
                    &id,
                    &repr(&values, &id),
                    json!(values),
                )
                .await?;
            }
        }
        written += 1;
    }
    Ok(Ok(written))
}
