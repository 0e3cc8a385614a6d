//! Reading any registered table for the admin, by its `ModelInfo`: the rows of a list page
//! (search, filters, ordering, pagination) and their count, with plain SQL built by sea-query, so
//! the engine needs no Rust type per entity.
//!
//! Pages stay cheap however deep they are: the first pages skip rows (`offset`), every other page
//! starts right after or before a row it names by its sort values (keyset pagination, [`Seek`]),
//! and the last page is the first page of the reversed order. The count is exact only while that
//! is cheap (see [`count`]).

use sea_orm::sea_query::{
    Alias, Asterisk, ColumnType, Condition, Expr, ExprTrait, NullOrdering, Order, Query,
    SelectStatement,
};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Map, Value as Json};

use crate::Result;
use crate::db::icontains;
use crate::models::{ColumnInfo, ModelInfo, select_expr, to_expr, to_json};

/// Past this many matching rows a list stops counting exactly and says "more than".
pub const COUNT_CAP: u64 = 10_000;

/// A search (`LIKE '%word%'`, which no index serves) is counted among at most this many of the
/// filtered rows, so counting it costs a bounded scan rather than one of the whole table.
pub const SEARCH_COUNT_SCAN: u64 = 10_000;

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
    /// Rows linked through a join table to the row `value` of the other table: `key IN (SELECT
    /// own FROM join WHERE other = value)`.
    Linked {
        key: String,
        join: String,
        own: String,
        other: String,
        value: Json,
    },
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
    /// A search found this many rows in the part of the table it was counted in
    /// ([`SEARCH_COUNT_SCAN`] rows); more may match further on.
    AtLeast(u64),
}

impl Count {
    /// The rows pagination may assume (for page links).
    pub fn known(self) -> u64 {
        match self {
            Self::Exact(n) | Self::About(n) | Self::MoreThan(n) | Self::AtLeast(n) => n,
        }
    }
}

/// Where a page starts when it does not skip rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Seek {
    /// Right after the row whose [`sort_key`] this is: "next".
    After(Vec<Json>),
    /// Right before it: "previous", read in the reversed order and turned around.
    Before(Vec<Json>),
    /// The end of the list: the first rows of the reversed order, turned around.
    Last,
}

/// The rows of one page, and whether the list goes on either side of them.
#[derive(Debug, Clone, Default)]
pub struct Slice {
    pub rows: Vec<Row>,
    pub more_before: bool,
    pub more_after: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub search: Option<String>,
    pub search_columns: Vec<String>,
    pub filters: Vec<Filter>,
    /// Column and descending?
    pub ordering: Vec<(String, bool)>,
    /// Rows to skip: numbered pages. The database reads every skipped row, so this is for the
    /// first pages; deeper ones [`seek`](Self::seek).
    pub offset: u64,
    pub limit: u64,
    /// Instead of `offset`: start next to a known row, or at the end.
    pub seek: Option<Seek>,
    /// Lock the rows read until the transaction ends (`FOR UPDATE`). SQLite has no row locks;
    /// it lets one transaction write at a time instead.
    pub lock: bool,
}

impl ListQuery {
    fn searching(&self) -> bool {
        self.search
            .as_deref()
            .is_some_and(|search| !search.trim().is_empty())
    }

    pub(crate) fn condition(
        &self,
        model: &ModelInfo,
        backend: DbBackend,
    ) -> std::result::Result<Condition, String> {
        Ok(self
            .filter_condition(model)?
            .add(self.search_condition(backend)))
    }

    fn filter_condition(&self, model: &ModelInfo) -> std::result::Result<Condition, String> {
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
                Filter::Linked {
                    key,
                    join,
                    own,
                    other,
                    value,
                } => {
                    let value = match value {
                        Json::Number(n) => n.as_i64().map(Expr::val),
                        Json::String(s) => Some(Expr::val(s.clone())),
                        _ => None,
                    }
                    .ok_or_else(|| format!("{value} cannot name a row of {join}"))?;
                    let linked = Query::select()
                        .column(Alias::new(own))
                        .from(Alias::new(join))
                        .and_where(Expr::col(Alias::new(other)).eq(value))
                        .to_owned();
                    Expr::col(Alias::new(key)).in_subquery(linked)
                }
            });
        }
        Ok(all)
    }

    fn search_condition(&self, backend: DbBackend) -> Condition {
        let mut all = Condition::all();
        // As Django does: every word must match one of the search columns, ignoring case.
        let words = self
            .search
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .take(10);
        for word in words {
            let mut any = Condition::any();
            for name in &self.search_columns {
                any = any.add(icontains(Expr::col(Alias::new(name)), word, backend));
            }
            all = all.add(any);
        }
        all
    }

    /// The list's full order: the asked columns, then the primary key, so that no two rows tie
    /// and a page can start right after a known row. The key takes the direction of the last
    /// asked column, so one index on (column, key) serves the order both ways.
    pub fn order_terms(&self, model: &ModelInfo) -> Vec<(String, bool)> {
        let mut terms = self.ordering.clone();
        let descending = terms.last().is_some_and(|(_, descending)| *descending);
        for key in &model.primary_key {
            if !terms.iter().any(|(name, _)| name == key) {
                terms.push((key.clone(), descending));
            }
        }
        terms
    }

    /// Whether pages can start next to a row ([`Seek::After`], [`Seek::Before`]): the order must
    /// end in a key, and the database must compare every sorted column the way it sorts it —
    /// MySQL sorts an ENUM by its position but compares it as text, and JSON has no order.
    pub fn can_seek(&self, model: &ModelInfo, backend: DbBackend) -> bool {
        !model.primary_key.is_empty()
            && self.order_terms(model).iter().all(|(name, _)| {
                model
                    .column(name)
                    .is_some_and(|column| match column.column_type {
                        ColumnType::Json | ColumnType::JsonBinary => false,
                        ColumnType::Enum { .. } => backend != DbBackend::MySql,
                        _ => true,
                    })
            })
    }
}

/// The values of `row` that place it in the list's order ([`ListQuery::order_terms`]): what a
/// link to the page after or before it carries.
pub fn sort_key(model: &ModelInfo, query: &ListQuery, row: &Row) -> Vec<Json> {
    query
        .order_terms(model)
        .iter()
        .map(|(name, _)| row.get(name).cloned().unwrap_or(Json::Null))
        .collect()
}

/// The rows that come after (or, `backwards`, before) the row with sort values `key`, in the
/// order `terms`. For terms `a, b, id` after `(x, y, z)`: `a > x OR (a = x AND b > y) OR
/// (a = x AND b = y AND id > z)`, with `<` for descending terms; NULL sorts first, as on SQLite
/// and MySQL (PostgreSQL is told to, see [`order`]). The first column's bound is repeated on its
/// own so that the database can start an index scan there. Where every term goes one way and
/// none is nullable, SQLite and PostgreSQL get the row comparison `(a, b, id) > (x, y, z)`
/// instead: they start the index scan at the exact row, not at the first of its equals (MySQL and
/// MariaDB do not, so they keep the long form).
fn beyond(
    model: &ModelInfo,
    terms: &[(String, bool)],
    key: &[Json],
    backwards: bool,
    backend: DbBackend,
) -> std::result::Result<Condition, String> {
    if key.len() != terms.len() || terms.is_empty() {
        return Err("the page link does not fit this list's order".to_owned());
    }
    let one_way = terms
        .iter()
        .all(|(_, descending)| *descending == terms[0].1);
    let not_null = terms
        .iter()
        .all(|(name, _)| model.column(name).is_some_and(|c| !c.nullable));
    if one_way && not_null && terms.len() > 1 && backend != DbBackend::MySql {
        let columns = Expr::tuple(terms.iter().map(|(name, _)| Expr::col(Alias::new(name))));
        let values = terms
            .iter()
            .zip(key)
            .map(|((name, _), value)| to_expr(column(model, name)?, value))
            .collect::<std::result::Result<Vec<_>, String>>()?;
        let values = Expr::tuple(values);
        return Ok(Condition::all().add(if terms[0].1 != backwards {
            columns.lt(values)
        } else {
            columns.gt(values)
        }));
    }
    let mut any = Condition::any();
    for (i, ((name, descending), value)) in terms.iter().zip(key).enumerate() {
        let info = column(model, name)?;
        let col = Expr::col(Alias::new(name));
        let past = match (*descending != backwards, value.is_null()) {
            (false, true) => Some(Condition::all().add(col.is_not_null())),
            (false, false) => Some(Condition::all().add(col.gt(to_expr(info, value)?))),
            // Nothing sorts after NULL in descending order: it comes last.
            (true, true) => None,
            (true, false) if info.nullable => Some(
                Condition::any()
                    .add(col.clone().lt(to_expr(info, value)?))
                    .add(col.is_null()),
            ),
            (true, false) => Some(Condition::all().add(col.lt(to_expr(info, value)?))),
        };
        let Some(past) = past else { continue };
        let mut same_before = Condition::all();
        for ((name, _), value) in terms[..i].iter().zip(key) {
            let col = Expr::col(Alias::new(name));
            same_before = same_before.add(if value.is_null() {
                col.is_null()
            } else {
                col.eq(to_expr(column(model, name)?, value)?)
            });
        }
        any = any.add(same_before.add(past));
    }
    let mut all = Condition::all();
    let (first, descending) = &terms[0];
    let info = column(model, first)?;
    if !info.nullable && !Json::is_null(&key[0]) {
        let col = Expr::col(Alias::new(first));
        let value = to_expr(info, &key[0])?;
        all = all.add(if *descending != backwards {
            col.lte(value)
        } else {
            col.gte(value)
        });
    }
    Ok(all.add(any))
}

/// Sorts `select` by `terms`, reversed if asked. Columns are named with their table so that
/// PostgreSQL sorts by the column and not by a cast of it in the select list; PostgreSQL puts
/// NULL last by default, so a nullable column says where NULL goes to match [`beyond`].
fn order(
    select: &mut SelectStatement,
    model: &ModelInfo,
    terms: &[(String, bool)],
    reversed: bool,
    backend: DbBackend,
) {
    for (name, descending) in terms {
        let descending = *descending != reversed;
        let col = (Alias::new(&model.table), Alias::new(name));
        let direction = if descending { Order::Desc } else { Order::Asc };
        let nullable = model.column(name).is_some_and(|c| c.nullable);
        if backend == DbBackend::Postgres && nullable {
            let nulls = if descending {
                NullOrdering::Last
            } else {
                NullOrdering::First
            };
            select.order_by_with_nulls(col, direction, nulls);
        } else {
            select.order_by(col, direction);
        }
    }
}

fn column<'a>(model: &'a ModelInfo, name: &str) -> std::result::Result<&'a ColumnInfo, String> {
    model
        .column(name)
        .ok_or_else(|| format!("{} has no column {name}", model.key()))
}

fn build(db: &impl ConnectionTrait, statement: &SelectStatement) -> Statement {
    db.get_database_backend().build(statement)
}

/// The rows of one list page, from `query.offset` or where `query.seek` says, and whether more
/// rows come before and after them. A problem with what was asked (a value a column cannot hold,
/// a page link that does not fit the order) is the inner `Err`.
/// The rows of `query` (for reads that need no paging: one row by key, related rows, exports).
pub async fn rows(
    db: &impl ConnectionTrait,
    model: &ModelInfo,
    query: &ListQuery,
) -> Result<std::result::Result<Vec<Row>, String>> {
    Ok(slice(db, model, query).await?.map(|slice| slice.rows))
}

pub async fn slice(
    db: &impl ConnectionTrait,
    model: &ModelInfo,
    query: &ListQuery,
) -> Result<std::result::Result<Slice, String>> {
    let select = match page_select(model, query, db.get_database_backend()) {
        Ok(select) => select,
        Err(problem) => return Ok(Err(problem)),
    };
    let found = db.query_all_raw(build(db, &select)).await?;
    let reversed = matches!(query.seek, Some(Seek::Before(_) | Seek::Last));
    let more = found.len() as u64 > query.limit;
    let mut rows = Vec::with_capacity(found.len());
    for result in found
        .iter()
        .take(usize::try_from(query.limit).unwrap_or(usize::MAX))
    {
        let mut row = Row::new();
        for column in &model.columns {
            row.insert(column.name.clone(), to_json(column, result)?);
        }
        rows.push(row);
    }
    if reversed {
        rows.reverse();
    }
    Ok(Ok(match query.seek {
        None => Slice {
            rows,
            more_before: query.offset > 0,
            more_after: more,
        },
        Some(Seek::After(_)) => Slice {
            rows,
            more_before: true,
            more_after: more,
        },
        Some(Seek::Before(_)) => Slice {
            rows,
            more_before: more,
            more_after: true,
        },
        Some(Seek::Last) => Slice {
            rows,
            more_before: more,
            more_after: false,
        },
    }))
}

/// The statement that reads one page of `query`, one row more than the page shows; a problem
/// with what was asked is the `Err`.
pub(crate) fn page_select(
    model: &ModelInfo,
    query: &ListQuery,
    backend: DbBackend,
) -> std::result::Result<SelectStatement, String> {
    let mut condition = query.condition(model, backend)?;
    let terms = query.order_terms(model);
    match &query.seek {
        Some(Seek::After(key)) => {
            condition = condition.add(beyond(model, &terms, key, false, backend)?)
        }
        Some(Seek::Before(key)) => {
            condition = condition.add(beyond(model, &terms, key, true, backend)?)
        }
        Some(Seek::Last) | None => {}
    }
    let reversed = matches!(query.seek, Some(Seek::Before(_) | Seek::Last));
    let mut select = Query::select();
    select.from(Alias::new(&model.table)).cond_where(condition);
    for column in &model.columns {
        select.expr_as(select_expr(column, backend), Alias::new(&column.name));
    }
    order(&mut select, model, &terms, reversed, backend);
    // One row more than the page shows tells whether the list goes on.
    select.limit(query.limit.saturating_add(1));
    if query.seek.is_none() {
        select.offset(query.offset);
    }
    if query.lock {
        select.lock(sea_orm::sea_query::LockType::Update);
    }
    Ok(select)
}

/// How many rows match, as far as that is cheap: exact up to [`COUNT_CAP`]; past it, the
/// database's estimate for an unfiltered table, or "more than" — never a full count of a huge
/// table on every view. A search is counted among [`SEARCH_COUNT_SCAN`] rows at most.
pub async fn count(
    db: &impl ConnectionTrait,
    model: &ModelInfo,
    query: &ListQuery,
) -> Result<Count> {
    if query.searching() {
        return search_count(db, model, query).await;
    }
    let Ok(condition) = query.condition(model, db.get_database_backend()) else {
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
    if query.filters.is_empty()
        && let Some(estimate) = estimate(db, &model.table).await?
    {
        return Ok(Count::About(Ord::max(estimate, n)));
    }
    Ok(Count::MoreThan(COUNT_CAP))
}

/// A search's count. No index serves `LIKE '%word%'`, so capping the matches counted would
/// still read the whole table when few rows match; instead the search is tried on at most
/// [`SEARCH_COUNT_SCAN`] of the filtered rows, and the count is exact only if that was all of
/// them.
async fn search_count(
    db: &impl ConnectionTrait,
    model: &ModelInfo,
    query: &ListQuery,
) -> Result<Count> {
    let Ok(filters) = query.filter_condition(model) else {
        return Ok(Count::Exact(0));
    };
    let mut window = Query::select();
    window
        .from(Alias::new(&model.table))
        .cond_where(filters)
        .limit(SEARCH_COUNT_SCAN + 1);
    for name in &query.search_columns {
        window.column(Alias::new(name));
    }
    // COUNT skips the NULL that CASE gives a row the search does not match.
    let search = query.search_condition(db.get_database_backend());
    let matches: Expr = Expr::case(search, Expr::val(1)).into();
    let mut outer = Query::select();
    outer
        .expr_as(Expr::col(Asterisk).count(), Alias::new("scanned"))
        .expr_as(matches.count(), Alias::new("matched"))
        .from_subquery(window, Alias::new("searched"));
    let Some(row) = db.query_one_raw(build(db, &outer)).await? else {
        return Ok(Count::Exact(0));
    };
    let number = |name: &str| -> Result<u64> {
        Ok(u64::try_from(row.try_get::<i64>("", name)?).unwrap_or(0))
    };
    let (scanned, matched) = (number("scanned")?, number("matched")?);
    Ok(if scanned <= SEARCH_COUNT_SCAN {
        Count::Exact(matched)
    } else {
        Count::AtLeast(matched)
    })
}

/// The planner's row estimate for a table, where the database keeps one: PostgreSQL's and
/// MySQL's catalogs, SQLite's `sqlite_stat1` once `ANALYZE` has made it.
async fn estimate(db: &impl ConnectionTrait, table: &str) -> Result<Option<u64>> {
    let backend = db.get_database_backend();
    let statement = match backend {
        DbBackend::Sqlite => {
            let analyzed = db
                .query_one_raw(Statement::from_string(
                    backend,
                    "SELECT 1 AS n FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'",
                ))
                .await?
                .is_some();
            if !analyzed {
                return Ok(None);
            }
            // `stat` starts with the rows in the table (a row per index, or one for the table).
            Statement::from_sql_and_values(
                backend,
                "SELECT MAX(CAST(stat AS INTEGER)) AS n FROM sqlite_stat1 WHERE tbl = ?",
                [table.into()],
            )
        }
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
        .map(|row| row.try_get::<Option<i64>>("", "n"))
        .transpose()?
        .flatten();
    Ok(n.and_then(|n| u64::try_from(n).ok()).filter(|n| *n > 0))
}
