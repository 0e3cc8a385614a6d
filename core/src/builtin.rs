//! Core registers its own parts through the same `AppBuilder` the modules use, as module `core`,
//! which is always built first.

use std::time::Duration;

use poem::handler;
use poem::web::Html;

use crate::admin::AdminPanel;
use crate::module::{AppBuilder, Module};
use crate::web::page::Page;
use crate::web::routing::get;
use crate::web::{api_docs, health, openapi, static_files};
use crate::{AppState, Result, admin, api, auth, entities, outbox, rbac};

pub(crate) struct Core;

impl Module for Core {
    fn name(&self) -> &'static str {
        "core"
    }

    fn build(&self, app: &mut AppBuilder) {
        app.migrations(bureau_migrations::core_migrations)
            // The demo accounts other modules' demo data belongs to (ann, bob, carol).
            .fixture("demo", include_str!("../../fixtures/accounts_demo.json"))
            .route("/healthz", get(health::live))
            .route("/readyz", get(health::ready))
            .route("/static/*path", get(static_files::serve))
            .route("/api/openapi.json", get(openapi::document_json))
            .route("/api/openapi.yaml", get(openapi::document_yaml))
            .route(api_docs::PATH, get(api_docs::page))
            .route("/api/docs/", get(api_docs::slash))
            .api("/api/auth", auth::AuthApi)
            .api("/api/health", api::health::HealthApi)
            .admin(
                AdminPanel::of::<entities::user::Entity>()
                    .label("users")
                    .list_display([
                        "username",
                        "email",
                        "is_staff",
                        "is_active",
                        "date_joined",
                        "last_login",
                    ])
                    .search_fields(["username", "email"])
                    .list_filter([
                        "is_staff",
                        "is_superuser",
                        "is_active",
                        "email_verified",
                        "date_joined",
                    ])
                    .ordering(["-date_joined"])
                    .display("username")
                    // The hash is never shown; passwords are set by their owner or a reset link.
                    .exclude(["password"])
                    .object_link("Set password", "password/")
                    .many_to_many::<entities::user_role::Entity>(
                        "roles", "Roles", "user_id", "role_id",
                    )
                    .derive("username_key", "username", str::to_lowercase)
                    .derive("email_key", "email", str::to_lowercase)
                    .readonly_fields(["date_joined", "last_login"])
                    .fieldset("Account", ["username", "email", "email_verified"])
                    .fieldset("Permissions", ["is_active", "is_staff", "is_superuser"])
                    .fieldset("Dates", ["date_joined", "last_login"])
                    .on_add(|row| {
                        // Unusable until the new user sets one through a password reset.
                        row.insert("password".into(), auth::password::UNUSABLE.into());
                        row.insert("date_joined".into(), chrono::Utc::now().to_rfc3339().into());
                    })
                    .validator(|row, errors| {
                        if let Some(serde_json::Value::String(name)) = row.get("username") {
                            auth::validation::check_username(name, errors);
                        }
                        if let Some(serde_json::Value::String(email)) = row.get("email") {
                            auth::validation::check_email("email", email, errors);
                        }
                    }),
            )
            .admin(
                AdminPanel::of::<entities::role::Entity>()
                    .label("roles")
                    .list_display(["name", "description"])
                    .search_fields(["name", "description"])
                    .ordering(["name"])
                    .blank(["description"]),
            )
            .admin(
                AdminPanel::of::<entities::user_role::Entity>()
                    .label("role assignments")
                    .list_display(["user_id__username", "role_id__name", "id"])
                    .list_filter(["user_id", "role_id"]),
            )
            .admin(
                AdminPanel::of::<entities::casbin_rule::Entity>()
                    .label("permissions")
                    .list_display(["ptype", "v0", "v1", "v2"])
                    .search_fields(["v0", "v1", "v2"])
                    .ordering(["ptype", "v0", "v1", "v2"])
                    .choices("ptype", ["p", "g"])
                    .list_filter(["ptype"])
                    .blank(["v2", "v3", "v4", "v5"])
                    // Every instance reloads its rules when they change.
                    .after_change(|state: AppState| async move {
                        state.rbac().changed(state.db()).await
                    }),
            )
            .admin(
                AdminPanel::of::<entities::outbox::Entity>()
                    .label("outbox")
                    .list_display([
                        "id",
                        "channel",
                        "recipient",
                        "subject",
                        "status",
                        "attempts",
                        "created_at",
                        "sent_at",
                    ])
                    .search_fields(["recipient", "subject"])
                    .list_filter(["channel", "status", "created_at"])
                    .choices("channel", [entities::outbox::MAIL, entities::outbox::SMS])
                    .choices("status", ["pending", "sent", "failed"])
                    .ordering(["-id"]),
            )
            .admin(
                AdminPanel::of::<entities::admin_log::Entity>()
                    .label("audit log")
                    .list_display(["at", "username", "action", "model", "object_repr"])
                    .search_fields(["username", "model", "object_repr"])
                    .list_filter(["action", "at"])
                    .ordering(["-id"])
                    .read_only(),
            )
            .templates::<bureau_admin_ui::Templates>()
            .static_files::<bureau_admin_ui::Static>()
            .configured_job(
                "outbox",
                |config| Duration::from_millis(config.mail.poll_interval_ms),
                |state| async move { outbox::send_due(&state).await.map(drop) },
            )
            .configured_job(
                "sqlite-checkpoint",
                |config| Duration::from_secs(config.database.sqlite_checkpoint_secs),
                |state| async move { crate::db::checkpoint(&state.config().database, state.db()).await },
            )
            .configured_job(
                "account-cleanup",
                |config| Duration::from_secs(config.session.cleanup_interval_secs),
                |state| async move { auth::cleanup::run(&state).await },
            );
        auth::register_pages(app);
        admin::register(app);
        rbac::register(app);
    }
}

/// Runs after every module: a site whose modules give it no home page gets an index of its
/// sections, so `/` is never a 404.
pub(crate) fn finish(app: &mut AppBuilder) {
    if !app.parts.routes.iter().any(|route| route.path == "/") {
        app.module = "core";
        app.route("/", get(index));
    }
}

#[handler]
async fn index(page: Page<'_>) -> Result<Html<String>> {
    page.render("index.html", ()).await
}
