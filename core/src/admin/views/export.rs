//! `/admin/<module>/<entity>/export.csv`: the list as it is filtered, searched and sorted, as CSV,
//! streamed in batches so a big table never sits in memory.

use futures_util::stream;
use poem::handler;
use poem::http::header;
use poem::web::{Path, Query};
use poem::{Body, IntoResponse, Response};
use serde_json::Value as Json;

use crate::admin::access;
use crate::admin::query::{self, ListQuery};
use crate::web::page::Page;
use crate::{AppState, Result};

use super::list;

const BATCH: u64 = 1000;

#[handler]
pub async fn csv(
    page: Page<'_>,
    Path((module, entity)): Path<(String, String)>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response> {
    let (panel, _) = match access::enter(&page, &module, &entity, "view").await? {
        Ok(entered) => entered,
        Err(refused) => return Ok(refused),
    };
    let mut list = list::list_query(panel, &params)?;
    list.limit = BATCH;
    list.offset = 0;
    let columns = panel.columns().to_vec();
    let money: Vec<bool> = columns.iter().map(|c| panel.is_money(c)).collect();
    let model = panel.model().clone();
    let header_line = line(columns.iter().map(|c| list::label(c)));
    let state: AppState = page.state.clone();
    // Each batch is read when the client is ready for it; an error ends the download early, and
    // the client sees a truncated file rather than a silently wrong one.
    let batches = stream::unfold(Some(list), move |next: Option<ListQuery>| {
        let state = state.clone();
        let model = model.clone();
        let columns = columns.clone();
        let money = money.clone();
        async move {
            let list = next?;
            let rows = match query::rows(state.db(), &model, &list).await {
                Ok(Ok(rows)) => rows,
                Ok(Err(problem)) => return Some((Err(std::io::Error::other(problem)), None)),
                Err(error) => return Some((Err(std::io::Error::other(error.to_string())), None)),
            };
            let more = rows.len() as u64 == list.limit;
            let mut chunk = String::new();
            for row in &rows {
                chunk.push_str(&line(columns.iter().zip(&money).map(|(c, money)| {
                    let value = row.get(c).unwrap_or(&Json::Null);
                    list::money_or_display(*money, model.column(c), value)
                })));
            }
            let following = more.then(|| ListQuery {
                offset: list.offset + list.limit,
                ..list
            });
            Some((Ok(chunk.into_bytes()), following))
        }
    });
    let head = stream::once(async move { Ok::<_, std::io::Error>(header_line.into_bytes()) });
    let body = Body::from_bytes_stream(futures_util::StreamExt::chain(head, batches));
    let filename = format!("{}-{}.csv", panel.model().module, panel.model().name);
    Ok(body
        .with_content_type("text/csv; charset=utf-8")
        .with_header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        )
        .into_response())
}

/// One CSV record (RFC 4180), with cells that a spreadsheet would run as a formula defused.
fn line(cells: impl Iterator<Item = String>) -> String {
    let cells: Vec<String> = cells.map(|cell| quote(&defuse(cell))).collect();
    format!("{}\r\n", cells.join(","))
}

fn defuse(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.parse::<f64>().is_err() {
        format!("'{cell}")
    } else {
        cell
    }
}

fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}
