//! `/admin/<module>/<entity>/`: the change list — search, filters, sortable columns, pages, and a
//! count that never costs a full scan of a huge table.

use std::collections::HashMap;

use chrono::{Datelike, Duration, Utc};
use poem::handler;
use poem::web::{Path, Query};
use poem::{IntoResponse, Response};
use sea_orm::sea_query::ColumnType;
use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::admin::AdminPanel;
use crate::admin::access::{self, Access};
use crate::admin::query::{self, Count, Filter, ListQuery};
use crate::models::ColumnInfo;
use crate::web::page::Page;
use crate::{Error, Result};

/// Query parameters the list itself uses; every other name is a filter.
const SEARCH: &str = "q";
const ORDER: &str = "o";
const PAGE: &str = "p";

#[derive(Serialize)]
struct Header {
    name: String,
    label: String,
    /// `asc`, `desc` or absent.
    sorted: Option<&'static str>,
    /// The list sorted by this column (toggled if it already is); none for related and computed
    /// columns.
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

#[handler]
pub async fn show(
    page: Page<'_>,
    Path((module, entity)): Path<(String, String)>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response> {
    let user = match access::staff(&page).await? {
        Ok(user) => user,
        Err(refused) => return Ok(refused),
    };
    let panel = access::panel(&page, &module, &entity)?;
    let access = Access::of(&page, user).await?;
    access.require(panel, "view").await?;
    let model = panel.model();
    let mut list = list_query(panel, &params)?;
    let params = Params(params);
    let page_number: u64 = match params.get(PAGE) {
        None => 1,
        Some(p) => p
            .parse()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| Error::BadRequest(format!("page {p:?} is not a page number")))?,
    };
    list.offset = (page_number - 1).saturating_mul(list.limit);

    let db = page.state.db();
    let rows = query::rows(db, model, &list)
        .await?
        .map_err(Error::BadRequest)?;
    let count = query::count(db, model, &list).await?;
    let pages = count.known().div_ceil(list.limit).max(1);
    if page_number > pages && matches!(count, Count::Exact(_)) && page_number > 1 {
        return Err(Error::NotFound);
    }

    let permissions = access.permissions(panel).await?;
    let base = format!("/admin/{}/{}/", model.module, model.name);
    let headers = headers(panel, &list.ordering, &params, &base);
    let key = model
        .single_key()
        .map(|k| k.name.clone())
        .unwrap_or_default();
    let related = related_rows(page.state, panel, &rows).await?;
    let rows: Vec<Json> = rows
        .iter()
        .map(|row| {
            let id = row.get(&key).map(display_key).unwrap_or_default();
            let cells: Vec<String> = panel
                .columns()
                .iter()
                .map(|name| cell(panel, &related, row, name))
                .collect();
            json!({ "id": id, "cells": cells, "url": format!("{base}{}/change/", encode(&id)) })
        })
        .collect();
    let filters = filter_blocks(panel, page.state.registry().admin_panels(), &params, &base);
    let mut actions = Vec::new();
    if permissions.delete {
        actions.push(json!({ "name": super::actions::DELETE_SELECTED, "label": format!("Delete selected {}", panel.label_text()) }));
    }
    for action in panel.actions() {
        if access.allows(panel, &action.name).await? {
            actions.push(json!({ "name": action.name, "label": action.label }));
        }
    }
    let export_url = params.with(&format!("{base}export.csv"), &[], &[PAGE]);
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
        "page": page_number,
        "pages": pages,
        "more_pages": matches!(count, Count::MoreThan(_)),
        "previous_url": (page_number > 1).then(|| params.with(&base, &[(PAGE, &(page_number - 1).to_string())], &[])),
        "next_url": (page_number < pages || matches!(count, Count::MoreThan(_)))
            .then(|| params.with(&base, &[(PAGE, &(page_number + 1).to_string())], &[])),
    });
    Ok(page
        .render("admin/list.html", context)
        .await?
        .into_response())
}

/// The search, filters and ordering the query string asks of `panel`'s list (no page yet).
pub(super) fn list_query(panel: &AdminPanel, params: &[(String, String)]) -> Result<ListQuery> {
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
        let column = model.column(name).ok_or(Error::NotFound)?;
        list.filters.extend(filters_of(column, &params)?);
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

/// One list cell: a column, a field of a related row, or a computed value.
fn cell(
    panel: &AdminPanel,
    related: &HashMap<String, HashMap<String, query::Row>>,
    row: &query::Row,
    name: &str,
) -> String {
    if let Some(computed) = panel.computed_column(name) {
        return (computed.value)(row);
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
        };
    }
    display(
        panel.model().column(name),
        row.get(name).unwrap_or(&Json::Null),
    )
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

    /// `base?<these params, with `set` replacing and `unset` removing, and the page reset>`.
    fn with(&self, base: &str, set: &[(&str, &str)], unset: &[&str]) -> String {
        let resets_page = !set.iter().any(|(n, _)| *n == PAGE);
        let mut pairs: Vec<(&str, &str)> = self
            .0
            .iter()
            .filter(|(n, _)| {
                let replaced = set.iter().any(|(s, _)| s == n);
                let removed = unset.contains(&n.as_str()) || (resets_page && n == PAGE);
                !(replaced || removed)
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
        let json = match column.column_type {
            ColumnType::Boolean => match value {
                "true" | "1" => Json::Bool(true),
                "false" | "0" => Json::Bool(false),
                _ => return Err(bad(value)),
            },
            ColumnType::TinyInteger
            | ColumnType::SmallInteger
            | ColumnType::Integer
            | ColumnType::BigInteger => Json::from(value.parse::<i64>().map_err(|_| bad(value))?),
            _ => Json::String(value.to_owned()),
        };
        filters.push(Filter::Equals(name.clone(), json));
    }
    if params.get(&format!("{name}__isnull")) == Some("true") {
        filters.push(Filter::IsNull(name.clone()));
    }
    let from = params.get(&format!("{name}__gte"));
    let to = params.get(&format!("{name}__lte"));
    if from.is_some() || to.is_some() {
        let bound = |value: Option<&str>, end: bool| -> Result<Option<Json>> {
            value
                .map(|v| {
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
            let allowed = panel.columns().iter().any(|c| c == name)
                || panel
                    .default_ordering()
                    .iter()
                    .any(|c| c.trim_start_matches('-') == name);
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

fn filter_blocks(
    panel: &AdminPanel,
    state_panels: &[AdminPanel],
    params: &Params,
    base: &str,
) -> Vec<FilterBlock> {
    let model = panel.model();
    panel
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
            let choices = match (&column.column_type, declared) {
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
        .filter(|block| !block.choices.is_empty() || block.input.is_some())
        .collect()
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
