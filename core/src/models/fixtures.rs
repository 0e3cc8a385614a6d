//! Fixtures in Django's JSON form — `[{"model": "store.product", "pk": 1, "fields": {...}}]` —
//! loaded into and dumped from any registered model.
//!
//! Loading upserts by primary key, so loading a file twice leaves one copy. Callers run it in one
//! transaction: a broken record names itself in the error and nothing of the file stays written.
//! For composite keys (link tables) the key columns go in `fields` and `pk` is left out.

use std::collections::HashSet;
use std::io::Write;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement, TransactionTrait,
};
use serde::Deserialize;
use serde_json::{Map, Value as Json};

use super::ModelInfo;
use super::values::{select_expr, to_expr, to_json};
use crate::entities::fixture_load;
use crate::{Error, Registry, Result};

/// Files with at least this many records show a progress bar on a terminal.
const PROGRESS_FROM: usize = 500;
const DUMP_BATCH: u64 = 1000;

/// Demo data a module registered.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fixture {
    pub module: &'static str,
    pub name: &'static str,
    pub json: &'static str,
}

impl Fixture {
    /// `<module>/<name>`, as `bureau loaddata` accepts it.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.module, self.name)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    model: String,
    #[serde(default)]
    pk: Option<Json>,
    #[serde(default)]
    fields: Map<String, Json>,
}

/// Loads every record of `json` through `db` (normally a transaction) and returns how many.
/// `label` names the source in errors.
pub(crate) async fn load(
    db: &impl ConnectionTrait,
    models: &[ModelInfo],
    label: &str,
    json: &str,
    progress: bool,
) -> Result<usize> {
    let records: Vec<Json> = serde_json::from_str(json).map_err(|e| {
        Error::Fixture(format!(
            "{label}: not a fixture file (a JSON array of records): {e}"
        ))
    })?;
    let bar = progress_bar(records.len(), progress, label);
    let mut touched: Vec<&ModelInfo> = Vec::new();
    let mut count = 0;
    for (index, raw) in records.into_iter().enumerate() {
        let position = index + 1;
        let at = |what: &str| format!("{label}: record {position}{what}");
        let record: Record =
            serde_json::from_value(raw).map_err(|e| Error::Fixture(format!("{}: {e}", at(""))))?;
        let model = models
            .iter()
            .find(|m| m.key() == record.model)
            .ok_or_else(|| {
                let known: Vec<String> = models.iter().map(ModelInfo::key).collect();
                Error::Fixture(format!(
                    "{}: unknown model `{}`; registered models: {}",
                    at(""),
                    record.model,
                    known.join(", ")
                ))
            })?;
        let which = match &record.pk {
            Some(pk) => format!(" ({} pk={pk})", record.model),
            None => format!(" ({})", record.model),
        };
        let statement =
            upsert(model, &record).map_err(|e| Error::Fixture(format!("{}: {e}", at(&which))))?;
        db.execute(&statement)
            .await
            .map_err(|e| Error::Fixture(format!("{}: {e}", at(&which))))?;
        if !touched.iter().any(|m| m.table == model.table) {
            touched.push(model);
        }
        count += 1;
        bar.inc(1);
    }
    bar.finish_and_clear();
    if db.get_database_backend() == DbBackend::Postgres {
        for model in touched {
            reset_sequence(db, model).await?;
        }
    }
    Ok(count)
}

fn upsert(
    model: &ModelInfo,
    record: &Record,
) -> std::result::Result<sea_orm::sea_query::InsertStatement, String> {
    let mut columns = Vec::new();
    let mut values = Vec::new();
    match (&record.pk, model.single_key()) {
        (Some(pk), Some(key)) => {
            columns.push(key.name.clone());
            values.push(to_expr(key, pk).map_err(|e| format!("pk {e}"))?);
        }
        (Some(_), None) => {
            return Err(format!(
                "`{}` has a composite primary key ({}); put those columns in `fields` instead of `pk`",
                model.key(),
                model.primary_key.join(", ")
            ));
        }
        (None, _) => {}
    }
    for (field, json) in &record.fields {
        let column = model.column(field).ok_or_else(|| {
            format!(
                "unknown field `{field}`; `{}` has: {}",
                model.key(),
                model.column_names().join(", ")
            )
        })?;
        if columns.contains(&column.name) {
            return Err(format!("field `{field}` is given twice"));
        }
        columns.push(column.name.clone());
        values.push(to_expr(column, json).map_err(|e| format!("field `{field}` {e}"))?);
    }
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(&model.table))
        .columns(columns.iter().map(Alias::new))
        .values(values)
        .map_err(|e| e.to_string())?;
    let key_given = model.primary_key.iter().all(|key| columns.contains(key));
    if key_given {
        let updates: Vec<Alias> = columns
            .iter()
            .filter(|c| !model.primary_key.contains(c))
            .map(Alias::new)
            .collect();
        let mut on_conflict = OnConflict::columns(model.primary_key.iter().map(Alias::new));
        if updates.is_empty() {
            // MySQL has no `DO NOTHING`; this one is written `UPDATE key = key` there.
            on_conflict.do_nothing_on(model.primary_key.iter().map(Alias::new));
        } else {
            on_conflict.update_columns(updates);
        }
        insert.on_conflict(on_conflict);
    }
    Ok(insert)
}

/// Rows inserted with explicit keys do not advance PostgreSQL's sequence; without this the next
/// row created by the app would collide with a fixture row.
async fn reset_sequence(db: &impl ConnectionTrait, model: &ModelInfo) -> Result<()> {
    let Some(key) = model.single_key().filter(|_| model.auto_increment) else {
        return Ok(());
    };
    let table = model.table.replace('"', "\"\"");
    let column = key.name.replace('"', "\"\"");
    let sql = format!(
        "SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), COALESCE(MAX(\"{column}\"), 1), \
         MAX(\"{column}\") IS NOT NULL) FROM \"{table}\""
    );
    db.execute_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?;
    Ok(())
}

fn progress_bar(len: usize, wanted: bool, label: &str) -> ProgressBar {
    let target = if wanted && len >= PROGRESS_FROM {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(len as u64), target);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} records ({eta} left)")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(label.to_owned());
    bar
}

/// Loads each registered fixture that this database has not seen yet, each in its own
/// transaction together with the record that it was loaded. Returns the fixtures loaded.
pub(crate) async fn load_demo_fixtures(
    db: &DatabaseConnection,
    registry: &Registry,
) -> Result<Vec<(String, usize)>> {
    let seen: HashSet<String> = fixture_load::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.name)
        .collect();
    let mut loaded = Vec::new();
    for fixture in registry.fixtures() {
        let name = fixture.full_name();
        if seen.contains(&name) {
            continue;
        }
        let txn = db.begin().await?;
        let count = load(&txn, registry.models(), &name, fixture.json, false).await?;
        fixture_load::Entity::insert(fixture_load::ActiveModel::new(&name, count))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        tracing::info!(fixture = %name, records = count, "loaded demo fixture");
        loaded.push((name, count));
    }
    Ok(loaded)
}

/// Writes every row of `models` as fixture JSON, ordered by primary key, reading in batches so a
/// big table never sits in memory whole. Returns the number of records.
pub(crate) async fn dump(
    db: &DatabaseConnection,
    models: &[&ModelInfo],
    out: &mut (dyn Write + Send),
) -> Result<usize> {
    let backend = db.get_database_backend();
    let write_err = |e: std::io::Error| Error::io("writing the fixture", e);
    out.write_all(b"[").map_err(write_err)?;
    let mut count = 0usize;
    for model in models {
        let mut after: Option<Json> = None;
        let mut offset = 0u64;
        loop {
            let mut select = Query::select();
            select.from(Alias::new(&model.table));
            for column in &model.columns {
                select.expr_as(select_expr(column, backend), Alias::new(&column.name));
            }
            for key in &model.primary_key {
                select.order_by(Alias::new(key), Order::Asc);
            }
            select.limit(DUMP_BATCH);
            // Single keys page by key (stays fast deep into big tables); composite keys by offset.
            match (model.single_key(), &after) {
                (Some(key), Some(last)) => {
                    select.and_where(
                        Expr::col(Alias::new(&key.name))
                            .gt(to_expr(key, last).map_err(Error::Fixture)?),
                    );
                }
                (None, _) => {
                    select.offset(offset);
                }
                _ => {}
            }
            let rows = db.query_all(&select).await?;
            let fetched = rows.len() as u64;
            for row in rows {
                let mut fields = Map::new();
                let mut pk = None;
                for column in &model.columns {
                    let value = to_json(column, &row)?;
                    if model
                        .single_key()
                        .is_some_and(|key| key.name == column.name)
                    {
                        pk = Some(value);
                    } else {
                        fields.insert(column.name.clone(), value);
                    }
                }
                let mut record = Map::new();
                record.insert("model".into(), Json::String(model.key()));
                if let Some(pk) = &pk {
                    record.insert("pk".into(), pk.clone());
                }
                record.insert("fields".into(), Json::Object(fields));
                let separator: &[u8] = if count == 0 { b"\n" } else { b",\n" };
                out.write_all(separator).map_err(write_err)?;
                serde_json::to_writer(&mut *out, &record)
                    .map_err(|e| Error::io("writing the fixture", e.into()))?;
                count += 1;
                after = pk;
            }
            offset += fetched;
            if fetched < DUMP_BATCH {
                break;
            }
        }
    }
    out.write_all(b"\n]\n").map_err(write_err)?;
    Ok(count)
}
