//! Reading any registered table for the admin, by its `ModelInfo`: the rows of a list page
//! (search, filters, ordering, pagination) and their count, with plain SQL built by sea-query, so
//! the engine needs no Rust type per entity.

use sea_orm::sea_query::{
    Alias, Asterisk, Condition, Expr, ExprTrait, Func, LikeExpr, Order, Query, SelectStatement,
};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Map, Value as Json};

use crate::Result;
use crate::models::{ColumnInfo, ModelInfo, select_expr, to_expr, to_json};

/// Past this many matching rows a list stops counting exactly and says "more than".
pub const COUNT_CAP: u64 = 10_000;

/// One row, column name → value.
pub type Row = Map<String, Json>;

/// What narrows a list.
#[derive(Debug, Clone)]
pub enum Filter {
    Equals(String, Json),
    NotEquals(String, Json),
    In(String, Vec<Json>),
    IsNull(String),
    /// Inclusive bounds; either may be open.
    Between(String, Option<Json>, Option<Json>),
}

/// How many rows a list holds, as far as it is cheap to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "rows", rename_all = "snake_case")]
pub enum Count {
    Exact(u64),
    /// The database's own estimate for a whole table too big to count on every view.
    About(u64),
    /// More than [`COUNT_CAP`] rows match; counting further would cost a scan.
    MoreThan(u64),
}

impl Count {
    /// The rows pagination may assume (for page links).
    pub fn known(self) -> u64 {
        match self {
            Self::Exact(n) | Self::About(n) | Self::MoreThan(n) => n,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub search: Option<String>,
    pub search_columns: Vec<String>,
    pub filters: Vec<Filter>,
    /// Column and descending?
    pub ordering: Vec<(String, bool)>,
    pub offset: u64,
    pub limit: u64,
}

impl ListQuery {
    pub(crate) fn condition(&self, model: &ModelInfo) -> std::result::Result<Condition, String> {
        let mut all = Condition::all();
        for filter in &self.filters {
            all = all.add(match filter {
                Filter::Equals(name, value) => {
                    let column = column(model, name)?;
                    Expr::col(Alias::new(name)).eq(to_expr(column, value)?)
                }
                Filter::NotEquals(name, value) => {
                    let column = column(model, name)?;
                    Expr::col(Alias::new(name)).ne(to_expr(column, value)?)
                }
                Filter::In(name, values) => {
                    let column = column(model, name)?;
                    let values = values
                        .iter()
                        .map(|v| to_expr(column, v))
                        .collect::<std::result::Result<Vec<_>, _>>()?;
                    Expr::col(Alias::new(name)).is_in(values)
                }
                Filter::IsNull(name) => Expr::col(Alias::new(name)).is_null(),
                Filter::Between(name, from, to) => {
                    let column = column(model, name)?;
                    let mut range = Condition::all();
                    if let Some(from) = from {
                        range = range.add(Expr::col(Alias::new(name)).gte(to_expr(column, from)?));
                    }
                    if let Some(to) = to {
                        range = range.add(Expr::col(Alias::new(name)).lte(to_expr(column, to)?));
                    }
                    range.into()
                }
            });
        }
        // As Django does: every word must match one of the search columns, ignoring case.
        let words = self
            .search
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .take(10);
        for word in words {
            let pattern = format!("%{}%", escape_like(&word.to_lowercase()));
            let mut any = Condition::any();
            for name in &self.search_columns {
                any = any.add(
                    Expr::expr(Func::lower(Expr::col(Alias::new(name))))
                        .like(LikeExpr::new(pattern.clone()).escape('\\')),
                );
            }
            all = all.add(any);
        }
        Ok(all)
    }
}

fn column<'a>(model: &'a ModelInfo, name: &str) -> std::result::Result<&'a ColumnInfo, String> {
    model
        .column(name)
        .ok_or_else(|| format!("{} has no column {name}", model.key()))
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn build(db: &impl ConnectionTrait, statement: &SelectStatement) -> Statement {
    db.get_database_backend().build(statement)
}

/// The rows of one list page: `columns` of `model` plus its primary key.
pub async fn rows(
    db: &impl ConnectionTrait,
    model: &ModelInfo,
    query: &ListQuery,
) -> Result<std::result::Result<Vec<Row>, String>> {
    let condition = match query.condition(model) {
        Ok(condition) => condition,
        Err(problem) => return Ok(Err(problem)),
    };
    let backend = db.get_database_backend();
    let mut select = Query::select();
    select.from(Alias::new(&model.table)).cond_where(condition);
    for column in &model.columns {
        select.expr_as(select_expr(column, backend), Alias::new(&column.name));
    }
    for (name, descending) in &query.ordering {
        select.order_by(
            Alias::new(name),
            if *descending { Order::Desc } else { Order::Asc },
        );
    }
    // The key last, so rows with equal sort values keep one order from page to page.
    for key in &model.primary_key {
        if !query.ordering.iter().any(|(name, _)| name == key) {
            select.order_by(Alias::new(key), Order::Asc);
        }
    }
    select.limit(query.limit).offset(query.offset);
    let found = db.query_all_raw(build(db, &select)).await?;
    let mut rows = Vec::with_capacity(found.len());
    for result in &found {
        let mut row = Row::new();
        for column in &model.columns {
            row.insert(column.name.clone(), to_json(column, result)?);
        }
        rows.push(row);
    }
    Ok(Ok(rows))
}

/// How many rows match: exact up to [`COUNT_CAP`]; past it, the database's estimate for an
/// unfiltered table, or "more than" — never a full count of a huge table on every view.
pub async fn count(
    db: &impl ConnectionTrait,
    model: &ModelInfo,
    query: &ListQuery,
) -> Result<Count> {
    let Ok(condition) = query.condition(model) else {
        return Ok(Count::Exact(0));
    };
    let mut capped = Query::select();
    capped
        .expr(Expr::val(1))
        .from(Alias::new(&model.table))
        .cond_where(condition)
        .limit(COUNT_CAP + 1);
    let mut outer = Query::select();
    outer
        .expr_as(Expr::col(Asterisk).count(), Alias::new("n"))
        .from_subquery(capped, Alias::new("capped"));
    let n = db
        .query_one_raw(build(db, &outer))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    let n = u64::try_from(n).unwrap_or(0);
    if n <= COUNT_CAP {
        return Ok(Count::Exact(n));
    }
    let unfiltered =
        query.filters.is_empty() && query.search.as_deref().is_none_or(|s| s.trim().is_empty());
    if unfiltered && let Some(estimate) = estimate(db, &model.table).await? {
        return Ok(Count::About(Ord::max(estimate, n)));
    }
    Ok(Count::MoreThan(COUNT_CAP))
}

/// The planner's row estimate for a table, where the database keeps one.
async fn estimate(db: &impl ConnectionTrait, table: &str) -> Result<Option<u64>> {
    let backend = db.get_database_backend();
    let statement = match backend {
        DbBackend::Postgres => Statement::from_sql_and_values(
            backend,
            "SELECT reltuples::bigint AS n FROM pg_class WHERE oid = to_regclass($1)",
            [table.into()],
        ),
        DbBackend::MySql => Statement::from_sql_and_values(
            backend,
            "SELECT CAST(table_rows AS SIGNED) AS n FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name = ?",
            [table.into()],
        ),
        _ => return Ok(None),
    };
    let n = db
        .query_one_raw(statement)
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?;
    Ok(n.and_then(|n| u64::try_from(n).ok()).filter(|n| *n > 0))
}
