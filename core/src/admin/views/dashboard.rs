//! `/admin/`: the models the user may see, grouped by module, and the user's recent actions.

use poem::handler;
use poem::{IntoResponse, Response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use serde_json::json;

use crate::Result;
use crate::admin::access::{self, Access};
use crate::entities::admin_log;
use crate::web::page::Page;

#[derive(Serialize)]
struct Section {
    module: String,
    models: Vec<ModelLink>,
}

#[derive(Serialize)]
struct ModelLink {
    label: String,
    url: String,
    can_add: bool,
}

#[handler]
pub async fn show(page: Page<'_>) -> Result<Response> {
    let user = match access::staff(&page).await? {
        Ok(user) => user,
        Err(refused) => return Ok(refused),
    };
    let access = Access::of(&page, user).await?;
    let mut sections: Vec<Section> = Vec::new();
    for panel in page.state.registry().admin_panels() {
        if !access.allows(panel, "view").await? {
            continue;
        }
        let model = panel.model();
        let link = ModelLink {
            label: panel.label_text().to_owned(),
            url: format!("/admin/{}/{}/", model.module, model.name),
            can_add: access.allows(panel, "add").await?,
        };
        match sections.iter_mut().find(|s| s.module == model.module) {
            Some(section) => section.models.push(link),
            None => sections.push(Section {
                module: model.module.to_owned(),
                models: vec![link],
            }),
        }
    }
    let recent = admin_log::Entity::find()
        .filter(admin_log::Column::UserId.eq(access.user.id))
        .order_by_desc(admin_log::Column::Id)
        .limit(10)
        .all(page.state.db())
        .await?;
    let recent: Vec<_> = recent
        .into_iter()
        .map(|entry| {
            json!({
                "action": entry.action,
                "model": entry.model,
                "object_repr": entry.object_repr,
                "at": entry.at.to_rfc3339(),
            })
        })
        .collect();
    Ok(page
        .render(
            "admin/dashboard.html",
            json!({ "sections": sections, "recent": recent }),
        )
        .await?
        .into_response())
}
