//! `/admin/<module>/<entity>/<id>/history/`: every audit entry of one object, newest first.

use poem::handler;
use poem::web::Path;
use poem::{IntoResponse, Response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value as Json, json};

use crate::Result;
use crate::admin::access;
use crate::admin::store;
use crate::entities::admin_log;
use crate::web::page::Page;

/// A history longer than this shows its newest entries.
const SHOWN: u64 = 500;

#[handler]
pub async fn show(
    page: Page<'_>,
    Path((module, entity, id)): Path<(String, String, String)>,
) -> Result<Response> {
    let (panel, _) = match access::enter(&page, &module, &entity, "view").await? {
        Ok(entered) => entered,
        Err(refused) => return Ok(refused),
    };
    let model = panel.model();
    let key = store::key_value(model, &id)?;
    let entries = admin_log::Entity::find()
        .filter(admin_log::Column::Model.eq(model.key()))
        .filter(admin_log::Column::ObjectId.eq(store::plain(&key)))
        .order_by_desc(admin_log::Column::Id)
        .limit(SHOWN)
        .all(page.state.db())
        .await?;
    let repr = entries
        .first()
        .map(|e| e.object_repr.clone())
        .unwrap_or_else(|| id.clone());
    let entries: Vec<Json> = entries
        .into_iter()
        .map(|entry| {
            let changes: Json = serde_json::from_str(&entry.changes).unwrap_or(Json::Null);
            let fields: Vec<Json> = changes
                .as_object()
                .map(|map| {
                    map.iter()
                        .map(|(name, change)| match (entry.action.as_str(), change) {
                            ("change", Json::Array(pair)) => json!({
                                "name": name,
                                "before": pair.first().map(store::plain),
                                "after": pair.get(1).map(store::plain),
                            }),
                            _ => json!({ "name": name, "after": store::plain(change) }),
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "at": entry.at.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M:%S").to_string(),
                "username": entry.username,
                "action": entry.action,
                "fields": fields,
            })
        })
        .collect();
    let context = json!({
        "panel": { "label": panel.label_text(), "module": model.module, "name": model.name },
        "base": format!("/admin/{}/{}/", model.module, model.name),
        "id": id,
        "repr": repr,
        "entries": entries,
    });
    Ok(page
        .render("admin/history.html", context)
        .await?
        .into_response())
}
