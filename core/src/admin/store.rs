//! Writing any registered table for the admin: one row by key, insert, update, delete, the rows
//! that refer to a row, and the audit log entry that goes with each change — all on the caller's
//! transaction.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, Set};
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use super::query::{self, Filter, ListQuery, Row};
use crate::entities::{admin_log, user};
use crate::models::{ColumnInfo, ModelInfo, OnDelete, to_expr};
use crate::{Error, Result};

/// The single key column of `model`; composite keys are not editable in the admin.
pub fn key(model: &ModelInfo) -> Result<&ColumnInfo> {
    model
        .single_key()
        .ok_or_else(|| Error::BadRequest(format!("{} has a composite key", model.key())))
}

/// The key as typed in a URL, as the column's value.
pub fn key_value(model: &ModelInfo, id: &str) -> Result<Json> {
    let column = key(model)?;
    let value = match column.column_type {
        sea_orm::sea_query::ColumnType::String(_)
        | sea_orm::sea_query::ColumnType::Char(_)
        | sea_orm::sea_query::ColumnType::Text
        | sea_orm::sea_query::ColumnType::Uuid => Json::String(id.to_owned()),
        _ => Json::from(id.parse::<i64>().map_err(|_| Error::NotFound)?),
    };
    Ok(value)
}

/// The row with key `id`, if there is one.
pub async fn find(db: &impl ConnectionTrait, model: &ModelInfo, id: &Json) -> Result<Option<Row>> {
    find_row(db, model, id, false).await
}

/// Like [`find`], locking the row until the transaction `db` ends, where the database can: a
/// decision made on what it holds stays true until the transaction commits.
pub async fn find_for_update(
    db: &impl ConnectionTrait,
    model: &ModelInfo,
    id: &Json,
) -> Result<Option<Row>> {
    find_row(db, model, id, true).await
}

async fn find_row(
    db: &impl ConnectionTrait,
    model: &ModelInfo,
    id: &Json,
    lock: bool,
) -> Result<Option<Row>> {
    let list = ListQuery {
        filters: vec![Filter::Equals(key(model)?.name.clone(), id.clone())],
        limit: 1,
        lock,
        ..ListQuery::default()
    };
    Ok(query::rows(db, model, &list)
        .await?
        .map_err(Error::BadRequest)?
        .into_iter()
        .next())
}

/// A digest of the row's values: the form carries it, so an edit made meanwhile by someone else
/// is noticed instead of overwritten.
pub fn version(row: &Row) -> String {
    let digest = Sha256::digest(Json::Object(row.clone()).to_string().as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The smallest and the largest value of column `name`; none when the table has no value there.
pub async fn bounds(
    db: &impl ConnectionTrait,
    model: &ModelInfo,
    name: &str,
) -> Result<(Option<Json>, Option<Json>)> {
    let column = column(model, name)?;
    let mut found = [None, None];
    for (slot, function) in [Func::min, Func::max].into_iter().enumerate() {
        let select = Query::select()
            .expr_as(function(Expr::col(Alias::new(name))), Alias::new(name))
            .from(Alias::new(&model.table))
            .to_owned();
        let row = db
            .query_one_raw(db.get_database_backend().build(&select))
            .await?;
        found[slot] = match row {
            Some(row) => Some(crate::models::to_json(column, &row)?).filter(|v| !v.is_null()),
            None => None,
        };
    }
    let [low, high] = found;
    Ok((low, high))
}

fn column<'a>(model: &'a ModelInfo, name: &str) -> Result<&'a ColumnInfo> {
    model
        .column(name)
        .ok_or_else(|| Error::Internal(format!("{} has no column {name}", model.key())))
}

fn expr(column: &ColumnInfo, value: &Json) -> Result<sea_orm::sea_query::Expr> {
    to_expr(column, value)
        .map_err(|problem| Error::BadRequest(format!("{}: {problem}", column.name)))
}

/// Inserts `values` and returns the new row's key (null for a composite key, which `values` holds).
pub async fn insert(db: &impl ConnectionTrait, model: &ModelInfo, values: &Row) -> Result<Json> {
    let mut insert = Query::insert();
    insert.into_table(Alias::new(&model.table));
    let mut names = Vec::new();
    let mut exprs = Vec::new();
    for (name, value) in values {
        names.push(Alias::new(name));
        exprs.push(expr(column(model, name)?, value)?);
    }
    insert.columns(names);
    insert
        .values(exprs)
        .map_err(|e| Error::Internal(format!("building an insert: {e}")))?;
    let Some(key) = model.single_key() else {
        // A join table's composite key is always given whole (many-to-many links).
        db.execute_raw(db.get_database_backend().build(&insert))
            .await?;
        return Ok(Json::Null);
    };
    if let Some(given) = values.get(&key.name) {
        db.execute_raw(db.get_database_backend().build(&insert))
            .await?;
        return Ok(given.clone());
    }
    if db.get_database_backend() == DbBackend::Postgres {
        insert.returning_col(Alias::new(&key.name));
        let row = db
            .query_one_raw(db.get_database_backend().build(&insert))
            .await?
            .ok_or_else(|| Error::Internal("the insert returned no key".to_owned()))?;
        return Ok(crate::models::to_json(key, &row)?);
    }
    let done = db
        .execute_raw(db.get_database_backend().build(&insert))
        .await?;
    Ok(Json::from(done.last_insert_id()))
}

pub async fn update(
    db: &impl ConnectionTrait,
    model: &ModelInfo,
    id: &Json,
    values: &Row,
) -> Result<()> {
    if values.is_empty() {
        return Ok(());
    }
    let key = key(model)?;
    let mut update = Query::update();
    update.table(Alias::new(&model.table));
    for (name, value) in values {
        update.value(Alias::new(name), expr(column(model, name)?, value)?);
    }
    update.and_where(Expr::col(Alias::new(&key.name)).eq(expr(key, id)?));
    db.execute_raw(db.get_database_backend().build(&update))
        .await?;
    Ok(())
}

pub async fn delete(db: &impl ConnectionTrait, model: &ModelInfo, id: &Json) -> Result<()> {
    let key = key(model)?;
    let mut delete = Query::delete();
    delete
        .from_table(Alias::new(&model.table))
        .and_where(Expr::col(Alias::new(&key.name)).eq(expr(key, id)?));
    db.execute_raw(db.get_database_backend().build(&delete))
        .await?;
    Ok(())
}

/// Deletes the rows of `model` matching every filter (the links a many-to-many field drops).
pub async fn delete_where(
    db: &impl ConnectionTrait,
    model: &ModelInfo,
    filters: Vec<Filter>,
) -> Result<()> {
    let list = ListQuery {
        filters,
        ..ListQuery::default()
    };
    let condition = list
        .condition(model, db.get_database_backend())
        .map_err(Error::BadRequest)?;
    let mut delete = Query::delete();
    delete
        .from_table(Alias::new(&model.table))
        .cond_where(condition);
    db.execute_raw(db.get_database_backend().build(&delete))
        .await?;
    Ok(())
}

/// Rows of other tables that point at one row, and what deleting it does to them.
#[derive(Debug, serde::Serialize)]
pub struct Dependents {
    pub model: String,
    pub rows: u64,
    /// cascade (deleted too), set_null (unlinked) or restrict (blocks the delete)
    pub effect: &'static str,
}

/// What deleting row `id` of `model` would do to the rows of `models` that refer to it.
pub async fn dependents(
    db: &impl ConnectionTrait,
    models: &[ModelInfo],
    model: &ModelInfo,
    id: &Json,
) -> Result<Vec<Dependents>> {
    let mut found = Vec::new();
    for other in models {
        for fk in other
            .foreign_keys
            .iter()
            .filter(|fk| fk.table == model.table)
        {
            let list = ListQuery {
                filters: vec![Filter::Equals(fk.column.clone(), id.clone())],
                ..ListQuery::default()
            };
            let rows = query::count(db, other, &list).await?.known();
            if rows > 0 {
                found.push(Dependents {
                    model: other.key(),
                    rows,
                    effect: match fk.on_delete {
                        OnDelete::Cascade => "cascade",
                        OnDelete::SetNull => "set_null",
                        OnDelete::Restrict => "restrict",
                    },
                });
            }
        }
    }
    Ok(found)
}

/// Records an admin action in the audit log, on the same transaction as the change.
pub async fn audit(
    db: &impl ConnectionTrait,
    who: &user::Model,
    action: &str,
    model: &ModelInfo,
    id: &Json,
    repr: &str,
    changes: Json,
) -> Result<()> {
    admin_log::ActiveModel {
        at: Set(chrono::Utc::now().fixed_offset()),
        user_id: Set(Some(who.id)),
        username: Set(who.username.clone()),
        action: Set(action.to_owned()),
        model: Set(model.key()),
        object_id: Set(plain(id)),
        object_repr: Set(repr.chars().take(200).collect()),
        changes: Set(changes.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// `{"field": [before, after]}` for the fields whose value changed.
pub fn diff(before: &Row, after: &Row) -> Json {
    let mut changes = serde_json::Map::new();
    for (name, new) in after {
        let old = before.get(name).unwrap_or(&Json::Null);
        if old != new {
            changes.insert(name.clone(), json!([old, new]));
        }
    }
    Json::Object(changes)
}

/// How a row is named in titles, messages and the audit log: its display column, or its key.
pub fn repr(panel: &super::AdminPanel, row: &Row, id: &Json) -> String {
    match row.get(panel.display_column()).map(plain) {
        Some(text) if !text.is_empty() => text,
        _ => plain(id),
    }
}

/// A value as plain text (no JSON quotes).
pub fn plain(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}
