//! `/admin/<module>/<entity>/autocomplete/?term=…`: up to 20 rows matching what someone types in a
//! foreign-key field elsewhere, as `<option>`s for its datalist (htmx fills it in place). Rows are
//! found by the panel's search fields, or by key when the text is one.

use poem::handler;
use poem::web::{Path, Query};
use poem::{IntoResponse, Response};
use serde_json::json;

use crate::admin::access;
use crate::admin::query::{self, Filter, ListQuery};
use crate::admin::store;
use crate::web::page::Page;
use crate::{Error, Result};

const CHOICES: u64 = 20;

#[handler]
pub async fn options(
    page: Page<'_>,
    Path((module, entity)): Path<(String, String)>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response> {
    let (panel, _) = match access::enter(&page, &module, &entity, "view").await? {
        Ok(entered) => entered,
        Err(refused) => return Ok(refused),
    };
    let model = panel.model();
    // The field that asks sends its value under its own name; whichever it is, it is the term.
    let term = params
        .into_iter()
        .map(|(_, value)| value)
        .next()
        .unwrap_or_default();
    let term = term.trim();
    let key = store::key(model)?;
    let mut list = ListQuery {
        limit: CHOICES,
        ..ListQuery::default()
    };
    let by_key = !term.is_empty()
        && (panel.searches().is_empty() || term.chars().all(|c| c.is_ascii_digit()));
    if by_key && let Ok(id) = store::key_value(model, term) {
        list.filters.push(Filter::Equals(key.name.clone(), id));
    }
    if list.filters.is_empty() {
        list.search = Some(term.to_owned()).filter(|t| !t.is_empty());
        list.search_columns = panel.searches().to_vec();
    }
    let rows = query::rows(page.state.db(), model, &list)
        .await?
        .map_err(Error::BadRequest)?;
    let choices: Vec<_> = rows
        .iter()
        .map(|row| {
            let id = row.get(&key.name).map(store::plain).unwrap_or_default();
            let repr = row
                .get(panel.display_column())
                .map(store::plain)
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| id.clone());
            json!({ "id": id, "repr": repr })
        })
        .collect();
    // A fragment, rendered without the page extras: it must not consume the user's flash messages.
    Ok(page
        .state
        .render("admin/autocomplete.html", json!({ "choices": choices }))?
        .into_response())
}
