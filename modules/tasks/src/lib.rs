//! Tasks: user-owned to-do items, managed by their owners through the API and by staff in the
//! admin. The module registers its table, its admin panel and its default permissions with core.

mod api;
mod counts;
pub mod entities;
mod migrations;
mod validation;

use bureau_core::{AdminPanel, AppBuilder, Module, Policy};

pub use entities::task;

/// The statuses a task moves through, in order.
pub const STATUSES: [&str; 3] = ["todo", "doing", "done"];

/// The tasks module, as the composition root lists it.
pub struct Tasks;

impl Module for Tasks {
    fn name(&self) -> &'static str {
        "tasks"
    }

    fn build(&self, app: &mut AppBuilder) {
        app.migrations(migrations::all)
            .api("/api/tasks", api::TasksApi)
            // Demo users ann and bob (password `demo-password`) with a few tasks each.
            .fixture("demo", include_str!("../../../fixtures/tasks_demo.json"))
            .admin(
                AdminPanel::of::<task::Entity>()
                    .label("tasks")
                    .list_display(["title", "owner_id__username", "status", "created_at"])
                    .search_fields(["title"])
                    .list_filter(["status", "owner_id", "created_at"])
                    .ordering(["-created_at"])
                    .choices("status", STATUSES)
                    .blank(["description"])
                    .readonly_fields(["created_at", "updated_at"])
                    .display("title")
                    .on_add(|row| {
                        let now = serde_json::Value::from(chrono::Utc::now().to_rfc3339());
                        row.insert("created_at".into(), now.clone());
                        row.insert("updated_at".into(), now);
                    })
                    .on_change(|row| {
                        let now = chrono::Utc::now().to_rfc3339();
                        row.insert("updated_at".into(), now.into());
                    }),
            )
            // Staff see every task in the admin (changing others' tasks takes a grant of
            // `tasks.task` change/delete); owners manage their own through the API, where
            // ownership, not a role, decides.
            .policy(Policy::allow("staff", "tasks.task", "view"));
    }
}
