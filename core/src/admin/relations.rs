//! Many-to-many fields: the rows a panel's row is linked to through a join table, shown as
//! checkboxes and saved as the difference — links added, links removed — in the form's
//! transaction.

use std::collections::BTreeSet;

use sea_orm::ConnectionTrait;
use serde::Serialize;
use serde_json::Value as Json;

use super::panel::ManyToMany;
use super::query::{self, Filter, ListQuery, Row};
use super::{AdminPanel, store};
use crate::models::ModelInfo;
use crate::{Error, FieldErrors, Registry, Result};

/// More choices than this would not fit a list of checkboxes; the panel should use an inline.
const MAX_CHOICES: u64 = 500;

#[derive(Debug, Serialize)]
pub struct Choice {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Debug, Serialize)]
pub struct RelationField {
    pub name: String,
    pub label: String,
    pub choices: Vec<Choice>,
    pub errors: Vec<String>,
}

fn target<'a>(registry: &'a Registry, relation: &ManyToMany) -> Result<&'a ModelInfo> {
    let table = relation
        .target_table()
        .ok_or_else(|| Error::Internal(format!("{} has no target table", relation.name)))?;
    registry
        .models()
        .iter()
        .find(|m| m.table == table)
        .ok_or_else(|| Error::Internal(format!("{table} is not a registered model")))
}

/// The keys `id` is linked to now.
pub async fn linked(
    db: &impl ConnectionTrait,
    relation: &ManyToMany,
    id: &Json,
) -> Result<BTreeSet<String>> {
    let list = ListQuery {
        filters: vec![Filter::Equals(relation.own_column.clone(), id.clone())],
        limit: MAX_CHOICES,
        ..ListQuery::default()
    };
    let rows = query::rows(db, &relation.join, &list)
        .await?
        .map_err(Error::BadRequest)?;
    Ok(rows
        .iter()
        .filter_map(|row| row.get(&relation.other_column).map(store::plain))
        .collect())
}

/// The keys the submitted form ticks.
pub fn submitted(fields: &[(String, String)], relation: &ManyToMany) -> BTreeSet<String> {
    fields
        .iter()
        .filter(|(name, _)| *name == relation.name)
        .map(|(_, value)| value.clone())
        .collect()
}

/// Every relation of `panel` with its choices, ticked as `selected` says.
pub async fn fields(
    db: &impl ConnectionTrait,
    registry: &Registry,
    panel: &AdminPanel,
    selected: &(dyn Fn(&ManyToMany) -> BTreeSet<String> + Sync),
    errors: &FieldErrors,
) -> Result<Vec<RelationField>> {
    let by_field = errors.by_field();
    let mut fields = Vec::new();
    for relation in panel.relations() {
        let choices = choices(db, registry, relation, &selected(relation)).await?;
        fields.push(RelationField {
            name: relation.name.clone(),
            label: relation.label.clone(),
            choices,
            errors: by_field
                .get(relation.name.as_str())
                .map(|m| m.iter().map(|s| (*s).to_owned()).collect())
                .unwrap_or_default(),
        });
    }
    Ok(fields)
}

/// The rows `relation` can link to, by their panel's display column, `ticked` as selected.
pub async fn choices(
    db: &impl ConnectionTrait,
    registry: &Registry,
    relation: &ManyToMany,
    ticked: &BTreeSet<String>,
) -> Result<Vec<Choice>> {
    let target = target(registry, relation)?;
    let key = store::key(target)?.name.clone();
    let label_column = registry
        .admin_panels()
        .iter()
        .find(|p| p.model().table == target.table)
        .map(|p| p.display_column().to_owned())
        .unwrap_or_else(|| key.clone());
    let list = ListQuery {
        ordering: vec![(label_column.clone(), false)],
        limit: MAX_CHOICES,
        ..ListQuery::default()
    };
    let rows = query::rows(db, target, &list)
        .await?
        .map_err(Error::BadRequest)?;
    Ok(rows
        .iter()
        .map(|row: &Row| {
            let id = row.get(&key).map(store::plain).unwrap_or_default();
            Choice {
                label: row
                    .get(&label_column)
                    .map(store::plain)
                    .unwrap_or_else(|| id.clone()),
                selected: ticked.contains(&id),
                id,
            }
        })
        .collect())
}

/// Every ticked key must name a row of the linked table.
pub async fn check(
    db: &impl ConnectionTrait,
    registry: &Registry,
    relation: &ManyToMany,
    wanted: &BTreeSet<String>,
    errors: &mut FieldErrors,
) -> Result<()> {
    if wanted.is_empty() {
        return Ok(());
    }
    let target = target(registry, relation)?;
    let key = store::key(target)?;
    let mut values = Vec::new();
    for id in wanted {
        match store::key_value(target, id) {
            Ok(value) => values.push(value),
            Err(_) => {
                errors.add(&relation.name, format!("{id} is not a valid choice."));
                return Ok(());
            }
        }
    }
    let list = ListQuery {
        filters: vec![Filter::In(key.name.clone(), values)],
        ..ListQuery::default()
    };
    if query::count(db, target, &list).await?.known() != wanted.len() as u64 {
        errors.add(
            &relation.name,
            "Select valid choices: one of them does not exist.",
        );
    }
    Ok(())
}

/// Makes the links of `id` exactly `wanted`; the change for the audit log when there is one.
pub async fn save(
    db: &impl ConnectionTrait,
    registry: &Registry,
    relation: &ManyToMany,
    id: &Json,
    wanted: &BTreeSet<String>,
) -> Result<Option<Json>> {
    let current = linked(db, relation, id).await?;
    if &current == wanted {
        return Ok(None);
    }
    let target = target(registry, relation)?;
    let removed: Vec<Json> = current
        .difference(wanted)
        .map(|other| store::key_value(target, other))
        .collect::<Result<_>>()?;
    if !removed.is_empty() {
        store::delete_where(
            db,
            &relation.join,
            vec![
                Filter::Equals(relation.own_column.clone(), id.clone()),
                Filter::In(relation.other_column.clone(), removed),
            ],
        )
        .await?;
    }
    for other in wanted.difference(&current) {
        let mut link = Row::new();
        link.insert(relation.own_column.clone(), id.clone());
        link.insert(
            relation.other_column.clone(),
            store::key_value(target, other)?,
        );
        store::insert(db, &relation.join, &link).await?;
    }
    Ok(Some(serde_json::json!([current, wanted])))
}
