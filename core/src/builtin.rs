//! Core registers its own parts through the same `AppBuilder` the modules use, as module `core`,
//! which is always built first.

use std::time::Duration;

use poem::handler;
use poem::web::Html;

use crate::module::{AppBuilder, Module};
use crate::web::page::Page;
use crate::web::routing::get;
use crate::web::{health, openapi, static_files};
use crate::{Result, auth, entities, mail, rbac};

pub(crate) struct Core;

impl Module for Core {
    fn name(&self) -> &'static str {
        "core"
    }

    fn build(&self, app: &mut AppBuilder) {
        app.migrations(bureau_migrations::core_migrations)
            .route("/healthz", get(health::live))
            .route("/readyz", get(health::ready))
            .route("/static/*path", get(static_files::serve))
            .route("/api/openapi.json", get(openapi::document_json))
            .route("/api/openapi.yaml", get(openapi::document_yaml))
            .api("/api/auth", auth::AuthApi)
            .model::<entities::user::Entity>()
            .model::<entities::role::Entity>()
            .model::<entities::user_role::Entity>()
            .model::<entities::casbin_rule::Entity>()
            .model::<entities::outbox::Entity>()
            .templates::<bureau_admin_ui::Templates>()
            .static_files::<bureau_admin_ui::Static>()
            .configured_job(
                "mail-outbox",
                |config| Duration::from_millis(config.mail.poll_interval_ms),
                |state| async move { mail::send_due(&state).await.map(drop) },
            )
            .configured_job(
                "account-cleanup",
                |config| Duration::from_secs(config.session.cleanup_interval_secs),
                |state| async move { auth::cleanup::run(&state).await },
            );
        auth::register_pages(app);
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
