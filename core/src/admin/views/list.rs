//! `/admin/<module>/<entity>/`: the change list — search, filters, sortable columns, pages, and a
//! count that never costs a full scan of a huge table.
//!
//! Pages: `p=<n>` numbers them from the start (the first ones are linked by number), `p=last` is
//! the end, and "next" / "previous" carry the sort values of the row the page starts next to
//! (`after=` / `before=`, see [`Cursor`]), so a page a million rows deep costs what the first does.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Datelike, Duration, Utc};
use poem::handler;
use poem::web::{Path, Query};
use poem::{IntoResponse, Response};
use sea_orm::sea_query::ColumnType;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::admin::AdminPanel;
use crate::admin::access;
use crate::admin::panel::ComputedValue;
use crate::admin::query::{self, Count, Filter, ListQuery, Row, Seek};
use crate::models::{ColumnInfo, ModelInfo};
use crate::web::page::Page;
use crate::{Error, Result};

/// Query parameters the list itself uses; every other name is a filter.
const SEARCH: &str = "q";
const ORDER: &str = "o";
const PAGE: &str = "p";
const AFTER: &str = "after";
const BEFORE: &str = "before";
/// The parameters that say which page; a link that changes anything else drops them.
const NAVIGATION: [&str; 3] = [PAGE, AFTER, BEFORE];

/// The first pages are linked by number; skipping this many pages' rows is still cheap.
const NUMBERED_PAGES: u64 = 5;

#[derive(Serialize)]
struct Header {
    name: String,
    label: String,
    /// `asc`, `desc` or absent.
    sorted: Option<&'static str>,
    /// The list sorted by this column (toggled if it already is).
    sort_url: Option<String>,
}

#[derive(Serialize)]
struct FilterChoice {
    label: String,
    url: String,
    selected: bool,
}

#[derive(Serialize)]
struct FilterBlock {
    title: String,
    choices: Vec<FilterChoice>,
    /// For a foreign key: a field to type the key into (with type-ahead where the other table
    /// has a panel), instead of a list of every row.
    input: Option<Json>,
}

#[derive(Serialize)]
struct PageLink {
    number: u64,
    url: String,
    current: bool,
}

/// What a "next" or "previous" link carries: the sort values of the row the page starts next to
/// (`k`, see [`query::sort_key`]) and the number of the page it leads to (`n`: counted from the
/// start, or negative from the end; only a label). Opaque in the URL (base64url of JSON) and
/// checked like any other input: a value the column cannot hold is a 400.
#[derive(Serialize, Deserialize)]
struct Cursor {
    k: Vec<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<i64>,
}

impl Cursor {
    fn decode(text: &str) -> Result<Self> {
        URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| {
                Error::BadRequest(format!("{text:?} is not a link to a page of this list"))
            })
    }

    fn encode(key: Vec<Json>, number: Option<i64>) -> String {
        // A `Value` always prints, so this cannot fail.
        let text = json!(Self { k: key, n: number }).to_string();
        URL_SAFE_NO_PAD.encode(text)
    }
}

/// Which page the query string asks for.
enum Position {
    Number(u64),
    Last,
    After(Cursor),
    Before(Cursor),
}

impl Position {
    fn of(params: &Params) -> Result<Self> {
        match (params.get(AFTER), params.get(BEFORE)) {
            (Some(_), Some(_)) => Err(Error::BadRequest(
                "a page starts after a row or before one, not both".to_owned(),
            )),
            (Some(cursor), None) => Ok(Self::After(Cursor::decode(cursor)?)),
            (None, Some(cursor)) => Ok(Self::Before(Cursor::decode(cursor)?)),
            (None, None) => match params.get(PAGE) {
                None => Ok(Self::Number(1)),
                Some("last") => Ok(Self::Last),
                Some(p) => p
                    .parse()
                    .ok()
                    .filter(|p| *p >= 1)
                    .map(Self::Number)
                    .ok_or_else(|| Error::BadRequest(format!("page {p:?} is not a page number"))),
            },
        }
    }
}

#[handler]
pub async fn show(
    page: Page<'_>,
    Path((module, entity)): Path<(String, String)>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response> {
    let (panel, access) = match access::enter(&page, &module, &entity, "view").await? {
        Ok(entered) => entered,
        Err(refused) => return Ok(refused),
    };
    let model = panel.model();
    let mut list = list_query(panel, &params)?;
    let params = Params(params);
    let position = Position::of(&params)?;

    let db = page.state.db();
    let seekable = list.can_seek(model, db.get_database_backend());
    let mut count = query::count(db, model, &list).await?;
    let per_page = list.limit;
    let pages = count.known().div_ceil(per_page).max(1);
    // The page's number: from the start, or (negative) from the end; a label, not a position.
    let mut number: Option<i64> = match &position {
        Position::Number(n) => {
            if *n > pages && matches!(count, Count::Exact(_)) {
                return Err(Error::NotFound);
            }
            list.offset = (n - 1).saturating_mul(per_page);
            i64::try_from(*n).ok()
        }
        Position::Last => {
            list.seek = Some(Seek::Last);
            match count {
                // Counted: the last page holds what is left after the full pages before it.
                Count::Exact(rows) if rows > 0 => {
                    list.limit = rows - (pages - 1) * per_page;
                    i64::try_from(pages).ok()
                }
                _ => Some(-1),
            }
        }
        Position::After(_) | Position::Before(_) if !seekable => {
            return Err(Error::BadRequest(
                "this list's order cannot be paged by row; use p=<number>".to_owned(),
            ));
        }
        Position::After(cursor) => {
            list.seek = Some(Seek::After(cursor.k.clone()));
            cursor.n
        }
        Position::Before(cursor) => {
            list.seek = Some(Seek::Before(cursor.k.clone()));
            cursor.n
        }
    };
    let mut slice = query::slice(db, model, &list)
        .await?
        .map_err(Error::BadRequest)?;
    if matches!(list.seek, Some(Seek::Before(_))) && !slice.more_before {
        // "Previous" reached the start. Fewer rows than a page holds are left before the row
        // (rows were deleted, or the page was reached from the end): show the first page whole.
        if (slice.rows.len() as u64) < per_page {
            list.seek = None;
            list.offset = 0;
            slice = query::slice(db, model, &list)
                .await?
                .map_err(Error::BadRequest)?;
        }
        number = Some(1);
    }
    if let Count::AtLeast(found) = count
        && list.seek.is_none()
        && (list.offset == 0 || !slice.rows.is_empty())
    {
        // A search counted in part of the table; a numbered page that has rows (or is the
        // first) knows better: the rows before and on it exist, and whether any follow.
        let seen = list.offset + slice.rows.len() as u64;
        count = if slice.more_after {
            Count::AtLeast(found.max(seen + 1))
        } else {
            Count::Exact(seen)
        };
    }
    let pages = count.known().div_ceil(per_page).max(1);

    let permissions = access.permissions(panel).await?;
    let base = format!("/admin/{}/{}/", model.module, model.name);
    let headers = headers(panel, &list.ordering, &params, &base);
    let links = Links {
        params: &params,
        base: &base,
        model,
        list: &list,
        seekable,
    };
    let navigation = json!({
        "position": position_text(number, count, pages),
        "first_url": slice.more_before.then(|| params.with(&base, &[], &[])),
        "previous_url": links.previous(&slice.rows, slice.more_before, number),
        "next_url": links.next(&slice.rows, slice.more_after, number),
        "last_url": slice.more_after.then(|| params.with(&base, &[(PAGE, "last")], &[])),
        "numbers": links.numbers(pages, number),
    });
    let key = model
        .single_key()
        .map(|k| k.name.clone())
        .unwrap_or_default();
    let related = related_rows(page.state, panel, &slice.rows).await?;
    let rows: Vec<Json> = slice
        .rows
        .iter()
        .map(|row| {
            let id = row.get(&key).map(display_key).unwrap_or_default();
            let cells: Vec<Cell> = panel
                .columns()
                .iter()
                .map(|name| cell(panel, page.state.config(), &related, row, name))
                .collect();
            json!({ "id": id, "cells": cells, "url": format!("{base}{}/change/", encode(&id)) })
        })
        .collect();
    let mut linked = HashMap::new();
    for relation in panel.relations() {
        if panel.filters().contains(&relation.name) {
            let ticked = params
                .get(&relation.name)
                .map(str::to_owned)
                .into_iter()
                .collect();
            let choices =
                crate::admin::relations::choices(db, page.state.registry(), relation, &ticked)
                    .await?;
            linked.insert(relation.name.clone(), (relation.label.clone(), choices));
        }
    }
    let mut years = HashMap::new();
    for name in panel.years_of() {
        let (low, high) = crate::admin::store::bounds(db, panel.model(), name).await?;
        let year = |v: Option<Json>| -> Option<i32> { v?.as_str()?.get(..4)?.parse().ok() };
        if let (Some(low), Some(high)) = (year(low), year(high)) {
            years.insert(name.clone(), (low, high));
        }
    }
    let filters = filter_blocks(
        panel,
        page.state.registry().admin_panels(),
        &Facets { linked, years },
        &params,
        &base,
    );
    let mut actions = Vec::new();
    if permissions.delete {
        actions.push(json!({ "name": super::actions::DELETE_SELECTED, "label": format!("Delete selected {}", panel.label_text()) }));
    }
    for action in panel.actions() {
        if access.allows(panel, &action.name).await? {
            actions.push(json!({ "name": action.name, "label": action.label }));
        }
    }
    let export_url = params.with(&format!("{base}export.csv"), &[], &[]);
    let context = json!({
        "panel": { "label": panel.label_text(), "key": panel.key(), "module": model.module, "name": model.name },
        "base": base,
        "headers": headers,
        "rows": rows,
        "count": count,
        "search": list.search,
        "searchable": !panel.searches().is_empty(),
        "filters": filters,
        "actions": actions,
        "export_url": export_url,
        "permissions": permissions,
        "navigation": navigation,
    });
    Ok(page
        .render("admin/list.html", context)
        .await?
        .into_response())
}

/// "Page 3 of 12", "Page 3 of about 20,000", "Page 3", "Last page", "Page 2 from the end".
fn position_text(number: Option<i64>, count: Count, pages: u64) -> Option<String> {
    let pages_i = i64::try_from(pages).unwrap_or(i64::MAX);
    let from_start = match number? {
        n if n > 0 => n,
        n if matches!(count, Count::Exact(_)) && pages_i + n >= 0 => pages_i + n + 1,
        -1 => return Some("Last page".to_owned()),
        n => return Some(format!("Page {} from the end", n.unsigned_abs())),
    };
    Some(match count {
        Count::Exact(_) => format!("Page {from_start} of {pages}"),
        Count::About(_) => format!("Page {from_start} of about {pages}"),
        Count::MoreThan(_) | Count::AtLeast(_) => format!("Page {from_start}"),
    })
}

/// The links from one page to its neighbours.
struct Links<'a> {
    params: &'a Params,
    base: &'a str,
    model: &'a ModelInfo,
    list: &'a ListQuery,
    seekable: bool,
}

impl Links<'_> {
    /// The page after this one: it starts after this page's last row.
    fn next(&self, rows: &[Row], more: bool, number: Option<i64>) -> Option<String> {
        if !more {
            return None;
        }
        // From the start, one more; from the end, one nearer it; past the end, unknown.
        let target = number.map(|n| n + 1).filter(|n| *n != 0);
        match rows.last() {
            Some(row) if self.seekable => {
                let key = query::sort_key(self.model, self.list, row);
                let cursor = Cursor::encode(key, target);
                Some(self.params.with(self.base, &[(AFTER, &cursor)], &[]))
            }
            _ => target
                .filter(|n| *n > 0)
                .map(|n| self.params.with(self.base, &[(PAGE, &n.to_string())], &[])),
        }
    }

    /// The page before this one: it ends before this page's first row.
    fn previous(&self, rows: &[Row], more: bool, number: Option<i64>) -> Option<String> {
        if !more {
            return None;
        }
        let target = number.map(|n| n - 1).filter(|n| *n != 0);
        match rows.first() {
            Some(row) if self.seekable => {
                let key = query::sort_key(self.model, self.list, row);
                let cursor = Cursor::encode(key, target);
                Some(self.params.with(self.base, &[(BEFORE, &cursor)], &[]))
            }
            // A page past the end shows no row to start from; the last page is the way back.
            None => Some(self.params.with(self.base, &[(PAGE, "last")], &[])),
            Some(_) => target
                .filter(|n| *n > 0)
                .map(|n| self.params.with(self.base, &[(PAGE, &n.to_string())], &[])),
        }
    }

    /// Links to the first pages by number (as many as are known to exist).
    fn numbers(&self, pages: u64, number: Option<i64>) -> Vec<PageLink> {
        if pages < 2 {
            return Vec::new();
        }
        (1..=pages.min(NUMBERED_PAGES))
            .map(|n| PageLink {
                number: n,
                url: if n == 1 {
                    self.params.with(self.base, &[], &[])
                } else {
                    self.params.with(self.base, &[(PAGE, &n.to_string())], &[])
                },
                current: number.and_then(|c| u64::try_from(c).ok()) == Some(n),
            })
            .collect()
    }
}

/// The search, filters and ordering the query string asks of `panel`'s list (no page yet).
pub(in crate::admin) fn list_query(
    panel: &AdminPanel,
    params: &[(String, String)],
) -> Result<ListQuery> {
    let model = panel.model();
    let params = Params(params.to_vec());
    let mut list = ListQuery {
        search: params
            .get(SEARCH)
            .map(str::to_owned)
            .filter(|s| !s.trim().is_empty()),
        search_columns: panel.searches().to_vec(),
        limit: panel.rows_per_page(),
        ..ListQuery::default()
    };
    for name in panel.filters() {
        if let Some(column) = model.column(name) {
            list.filters.extend(filters_of(column, &params)?);
            continue;
        }
        let relation = panel
            .relations()
            .iter()
            .find(|r| &r.name == name)
            .ok_or(Error::NotFound)?;
        if let Some(value) = params.get(name) {
            let other = relation
                .join
                .column(&relation.other_column)
                .ok_or(Error::NotFound)?;
            let key = crate::admin::store::key(model)?;
            list.filters.push(Filter::Linked {
                key: key.name.clone(),
                join: relation.join.table.clone(),
                own: relation.own_column.clone(),
                other: relation.other_column.clone(),
                value: filter_value(other, value)?,
            });
        }
    }
    list.ordering = ordering(panel, params.get(ORDER))?;
    Ok(list)
}

/// Rows of other tables that `fk__field` columns show, fetched with one query per foreign key
/// for the whole page (never one per row): foreign key column → referred key → row.
async fn related_rows(
    state: &crate::AppState,
    panel: &AdminPanel,
    rows: &[query::Row],
) -> Result<HashMap<String, HashMap<String, query::Row>>> {
    let model = panel.model();
    let mut related = HashMap::new();
    for name in panel.columns() {
        let Some((fk_column, _)) = AdminPanel::related_column(name) else {
            continue;
        };
        if related.contains_key(fk_column) {
            continue;
        }
        let Some(fk) = model.foreign_key(fk_column) else {
            continue;
        };
        let Some(target) = state
            .registry()
            .models()
            .iter()
            .find(|m| m.table == fk.table)
        else {
            continue;
        };
        let mut keys: Vec<Json> = rows
            .iter()
            .filter_map(|row| row.get(fk_column).filter(|v| !v.is_null()).cloned())
            .collect();
        keys.sort_by_key(|k| k.to_string());
        keys.dedup();
        let mut by_key = HashMap::new();
        if !keys.is_empty() {
            let list = ListQuery {
                limit: keys.len() as u64,
                filters: vec![Filter::In(fk.target_column.clone(), keys)],
                ..ListQuery::default()
            };
            for row in query::rows(state.db(), target, &list)
                .await?
                .map_err(Error::BadRequest)?
            {
                let key = row
                    .get(&fk.target_column)
                    .map(display_key)
                    .unwrap_or_default();
                by_key.insert(key, row);
            }
        }
        related.insert(fk_column.to_owned(), by_key);
    }
    Ok(related)
}

/// A list cell: text, or a thumbnail.
#[derive(Serialize)]
struct Cell {
    text: String,
    image: Option<String>,
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Self { text, image: None }
    }
}

/// One list cell: a column, a field of a related row, or a computed value.
fn cell(
    panel: &AdminPanel,
    config: &crate::Config,
    related: &HashMap<String, HashMap<String, query::Row>>,
    row: &query::Row,
    name: &str,
) -> Cell {
    if let Some(computed) = panel.computed_column(name) {
        return match computed.value {
            ComputedValue::Text(text) => text(row).into(),
            ComputedValue::Image(url) => Cell {
                text: String::new(),
                image: url(row, config),
            },
        };
    }
    if let Some((fk, field)) = AdminPanel::related_column(name) {
        let target = row
            .get(fk)
            .map(display_key)
            .and_then(|key| related.get(fk)?.get(&key))
            .and_then(|target| target.get(field));
        return match target {
            Some(value) => display(None, value),
            None => "—".to_owned(),
        }
        .into();
    }
    let value = row.get(name).unwrap_or(&Json::Null);
    money_or_display(panel.is_money(name), panel.model().column(name), value).into()
}

/// A value as the list and the export show it: cents as `12.50` in money columns.
pub(crate) fn money_or_display(money: bool, column: Option<&ColumnInfo>, value: &Json) -> String {
    match value.as_i64() {
        Some(cents) if money => crate::money::format_cents(cents),
        _ => display(column, value),
    }
}

/// The query string as given, with helpers to build links that change one part of it.
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `base?<these params, with `set` replacing and `unset` removing>`. The page is always
    /// dropped unless `set` names one: a link that changes the list leads to its first page.
    fn with(&self, base: &str, set: &[(&str, &str)], unset: &[&str]) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .0
            .iter()
            .filter(|(n, _)| {
                !set.iter().any(|(s, _)| s == n)
                    && !unset.contains(&n.as_str())
                    && !NAVIGATION.contains(&n.as_str())
            })
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        pairs.extend(set.iter().copied().filter(|(_, v)| !v.is_empty()));
        match serde_urlencoded::to_string(&pairs) {
            Ok(query) if !query.is_empty() => format!("{base}?{query}"),
            _ => base.to_owned(),
        }
    }
}

/// `value` from the query string as `column` holds it; a value it cannot hold is a 400.
fn filter_value(column: &ColumnInfo, value: &str) -> Result<Json> {
    let bad = || {
        Error::BadRequest(format!(
            "{value:?} is not a valid value for the {} filter",
            column.name
        ))
    };
    Ok(match column.column_type {
        ColumnType::Boolean => match value {
            "true" | "1" => Json::Bool(true),
            "false" | "0" => Json::Bool(false),
            _ => return Err(bad()),
        },
        ColumnType::TinyInteger
        | ColumnType::SmallInteger
        | ColumnType::Integer
        | ColumnType::BigInteger => Json::from(value.parse::<i64>().map_err(|_| bad())?),
        _ => Json::String(value.to_owned()),
    })
}

/// The filters the query string asks of `column`: `name=value`, `name__isnull=true`, and for
/// dates `name__gte` / `name__lte`. A value the column cannot hold is a 400, not a surprise.
fn filters_of(column: &ColumnInfo, params: &Params) -> Result<Vec<Filter>> {
    let name = &column.name;
    let mut filters = Vec::new();
    let bad = |value: &str| {
        Error::BadRequest(format!(
            "{value:?} is not a valid value for the {name} filter"
        ))
    };
    if let Some(value) = params.get(name) {
        filters.push(Filter::Equals(name.clone(), filter_value(column, value)?));
    }
    if params.get(&format!("{name}__isnull")) == Some("true") {
        filters.push(Filter::IsNull(name.clone()));
    }
    let from = params.get(&format!("{name}__gte"));
    let to = params.get(&format!("{name}__lte"));
    if from.is_some() || to.is_some() {
        let integer = matches!(
            column.column_type,
            ColumnType::TinyInteger
                | ColumnType::SmallInteger
                | ColumnType::Integer
                | ColumnType::BigInteger
        );
        let bound = |value: Option<&str>, end: bool| -> Result<Option<Json>> {
            value
                .map(|v| {
                    if integer {
                        return v.parse::<i64>().map(Json::from).map_err(|_| bad(v));
                    }
                    let day =
                        chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| bad(v))?;
                    Ok(match column.column_type {
                        ColumnType::Date => Json::String(day.to_string()),
                        _ => {
                            let time = if end {
                                day.and_hms_opt(23, 59, 59)
                            } else {
                                day.and_hms_opt(0, 0, 0)
                            };
                            let time = time.ok_or_else(|| bad(v))?.and_utc();
                            Json::String(time.to_rfc3339())
                        }
                    })
                })
                .transpose()
        };
        filters.push(Filter::Between(
            name.clone(),
            bound(from, false)?,
            bound(to, true)?,
        ));
    }
    Ok(filters)
}

/// `o=-joined,username`: any of the list's columns, each ascending or (`-`) descending; the
/// panel's default ordering otherwise.
fn ordering(panel: &AdminPanel, asked: Option<&str>) -> Result<Vec<(String, bool)>> {
    let source: Vec<String> = match asked {
        Some(asked) if !asked.is_empty() => asked.split(',').map(str::to_owned).collect(),
        _ => panel.default_ordering().to_vec(),
    };
    source
        .iter()
        .map(|item| {
            let (name, descending) = match item.strip_prefix('-') {
                Some(name) => (name, true),
                None => (item.as_str(), false),
            };
            // A column of the table the list shows or sorts by by default; a related
            // (`fk__field`) or computed column is shown but not sortable, as the headers say.
            let allowed = panel.model().column(name).is_some()
                && (panel.columns().iter().any(|c| c == name)
                    || panel
                        .default_ordering()
                        .iter()
                        .any(|c| c.trim_start_matches('-') == name));
            if allowed {
                Ok((name.to_owned(), descending))
            } else {
                Err(Error::BadRequest(format!(
                    "the list cannot be sorted by {name:?}"
                )))
            }
        })
        .collect()
}

fn headers(
    panel: &AdminPanel,
    ordering: &[(String, bool)],
    params: &Params,
    base: &str,
) -> Vec<Header> {
    panel
        .columns()
        .iter()
        .map(|name| {
            let current = ordering.first().filter(|(n, _)| n == name).map(|(_, d)| *d);
            let next = match current {
                Some(false) => format!("-{name}"),
                _ => name.clone(),
            };
            let sortable = panel.model().column(name).is_some();
            let text = match (
                panel.computed_column(name),
                AdminPanel::related_column(name),
            ) {
                (Some(computed), _) => computed.label.clone(),
                (None, Some((fk, field))) => {
                    label(&format!("{} {field}", fk.trim_end_matches("_id")))
                }
                (None, None) => label(name),
            };
            Header {
                name: name.clone(),
                label: text,
                sorted: current.map(|d| if d { "desc" } else { "asc" }),
                sort_url: sortable.then(|| params.with(base, &[(ORDER, &next)], &[])),
            }
        })
        .collect()
}

/// What filter blocks need from the database, read before they are built.
struct Facets {
    /// By many-to-many relation name: its label and the rows it links to.
    linked: HashMap<String, (String, Vec<crate::admin::relations::Choice>)>,
    /// By date column filtered by year: the first and last year with a value.
    years: HashMap<String, (i32, i32)>,
}

fn filter_blocks(
    panel: &AdminPanel,
    state_panels: &[AdminPanel],
    facets: &Facets,
    params: &Params,
    base: &str,
) -> Vec<FilterBlock> {
    let model = panel.model();
    let linked_blocks = panel.filters().iter().filter_map(|name| {
        let (title, rows) = facets.linked.get(name)?;
        let current = params.get(name);
        let choice = |label: &str, set: &[(&str, &str)], selected: bool| FilterChoice {
            label: label.to_owned(),
            url: params.with(base, set, &[name]),
            selected,
        };
        let mut choices = vec![choice("All", &[], current.is_none())];
        for row in rows {
            choices.push(choice(&row.label, &[(name, &row.id)], row.selected));
        }
        Some(FilterBlock {
            title: title.clone(),
            choices,
            input: None,
        })
    });
    let column_blocks = panel
        .filters()
        .iter()
        .filter_map(|name| model.column(name))
        .map(|column| {
            let name = column.name.as_str();
            let choice = |label: &str, set: &[(&str, &str)], selected: bool| FilterChoice {
                label: label.to_owned(),
                url: params.with(
                    base,
                    set,
                    &[
                        name,
                        &format!("{name}__gte"),
                        &format!("{name}__lte"),
                        &format!("{name}__isnull"),
                    ],
                ),
                selected,
            };
            let current = params.get(name);
            let declared = panel.choices_of(name).map(|values| {
                let mut choices = vec![choice("All", &[], current.is_none())];
                for value in values {
                    choices.push(choice(
                        &label(value),
                        &[(name, value)],
                        current == Some(value.as_str()),
                    ));
                }
                choices
            });
            let banded = panel.ranges_of(name).map(|bands| {
                let gte = format!("{name}__gte");
                let lte = format!("{name}__lte");
                let (from, to) = (params.get(&gte), params.get(&lte));
                let mut choices = vec![choice("All", &[], from.is_none() && to.is_none())];
                for band in bands {
                    let min = band.min.map(|n| n.to_string());
                    let max = band.max.map(|n| n.to_string());
                    let mut set: Vec<(&str, &str)> = Vec::new();
                    if let Some(min) = &min {
                        set.push((&gte, min));
                    }
                    if let Some(max) = &max {
                        set.push((&lte, max));
                    }
                    let selected = from == min.as_deref() && to == max.as_deref();
                    choices.push(choice(&band.label, &set, selected));
                }
                choices
            });
            let choices = match (&column.column_type, declared.or(banded)) {
                (_, Some(declared)) => declared,
                (column_type, None) => match column_type {
                    ColumnType::Boolean => vec![
                        choice("All", &[], current.is_none()),
                        choice("Yes", &[(name, "true")], current == Some("true")),
                        choice("No", &[(name, "false")], current == Some("false")),
                    ],
                    ColumnType::Enum { variants, .. } => {
                        let mut choices = vec![choice("All", &[], current.is_none())];
                        for variant in variants {
                            let v = variant.to_string();
                            choices.push(choice(
                                &label(&v),
                                &[(name, &v)],
                                current == Some(v.as_str()),
                            ));
                        }
                        choices
                    }
                    ColumnType::Date
                    | ColumnType::DateTime
                    | ColumnType::Timestamp
                    | ColumnType::TimestampWithTimeZone
                        if panel.years_of().contains(&column.name) =>
                    {
                        let span = facets.years.get(name).copied();
                        years(name, span, params, &choice)
                    }
                    ColumnType::Date
                    | ColumnType::DateTime
                    | ColumnType::Timestamp
                    | ColumnType::TimestampWithTimeZone => {
                        let today = Utc::now().date_naive();
                        let from = params.get(&format!("{name}__gte"));
                        let gte = format!("{name}__gte");
                        let ranges = [
                            ("Today", today),
                            ("Past 7 days", today - Duration::days(6)),
                            ("This month", today.with_day(1).unwrap_or(today)),
                            ("This year", today.with_ordinal(1).unwrap_or(today)),
                        ];
                        let mut choices = vec![choice("Any date", &[], from.is_none())];
                        for (text, start) in ranges {
                            let start = start.to_string();
                            choices.push(choice(
                                text,
                                &[(&gte, &start)],
                                from == Some(start.as_str()),
                            ));
                        }
                        choices
                    }
                    _ => Vec::new(),
                },
            };
            let input = model.foreign_key(name).map(|fk| {
                let lookup = state_panels
                    .iter()
                    .find(|p| p.model().table == fk.table)
                    .map(|p| format!("/admin/{}/{}/autocomplete/", p.model().module, p.model().name));
                json!({
                    "name": name,
                    "value": current.unwrap_or_default(),
                    "autocomplete": lookup,
                    "clear_url": params.with(base, &[], &[name]),
                    "keep": params.0.iter().filter(|(n, _)| n != name && n != PAGE).collect::<Vec<_>>(),
                })
            });
            FilterBlock {
                title: label(name),
                choices,
                input,
            }
        })
        .filter(|block| !block.choices.is_empty() || block.input.is_some());
    column_blocks.chain(linked_blocks).collect()
}

/// Builds a filter's choice: its label, the parameters it sets, whether it is the current one.
type MakeChoice<'a> = dyn Fn(&str, &[(&str, &str)], bool) -> FilterChoice + 'a;

/// A by-year date filter: every decade from the last to the first with a value and, once a
/// decade or one of its years is chosen, that decade's years.
fn years(
    name: &str,
    span: Option<(i32, i32)>,
    params: &Params,
    choice: &MakeChoice,
) -> Vec<FilterChoice> {
    let (gte, lte) = (format!("{name}__gte"), format!("{name}__lte"));
    let (from, to) = (params.get(&gte), params.get(&lte));
    let mut choices = vec![choice("Any date", &[], from.is_none() && to.is_none())];
    let Some((first, last)) = span else {
        return choices;
    };
    let range = |start: i32, end: i32| (format!("{start:04}-01-01"), format!("{end:04}-12-31"));
    let chosen_decade = from
        .and_then(|f| f.get(..4)?.parse::<i32>().ok())
        .map(|year| year - year.rem_euclid(10));
    let (bottom, top) = (first - first.rem_euclid(10), last - last.rem_euclid(10));
    for decade in (bottom..=top).rev().step_by(10) {
        let (start, end) = range(decade, decade + 9);
        let selected = from == Some(start.as_str()) && to == Some(end.as_str());
        choices.push(choice(
            &format!("{decade}s"),
            &[(&gte, &start), (&lte, &end)],
            selected,
        ));
        if chosen_decade == Some(decade) {
            for year in (decade.max(first)..=(decade + 9).min(last)).rev() {
                let (start, end) = range(year, year);
                let selected = from == Some(start.as_str()) && to == Some(end.as_str());
                choices.push(choice(
                    &format!("\u{a0}\u{a0}{year}"),
                    &[(&gte, &start), (&lte, &end)],
                    selected,
                ));
            }
        }
    }
    choices
}

/// `date_joined` → "Date joined".
pub(crate) fn label(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A value as a list cell shows it.
pub(crate) fn display(column: Option<&ColumnInfo>, value: &Json) -> String {
    match value {
        Json::Null => "—".to_owned(),
        Json::Bool(true) => "Yes".to_owned(),
        Json::Bool(false) => "No".to_owned(),
        Json::String(s) => match column.map(|c| &c.column_type) {
            Some(ColumnType::TimestampWithTimeZone) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|_| s.clone()),
            _ => s.clone(),
        },
        other => other.to_string(),
    }
}

fn display_key(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn encode(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
