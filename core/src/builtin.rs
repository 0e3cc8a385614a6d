//! Core registers its own parts through the same `AppBuilder` the modules use, as module `core`,
//! which is always built first.

use poem::handler;
use poem::web::{Data, Html};

use crate::module::{AppBuilder, Module};
use crate::web::routing::get;
use crate::web::{health, openapi, static_files};
use crate::{AppState, Result, rbac};

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
            .templates::<bureau_admin_ui::Templates>()
            .static_files::<bureau_admin_ui::Static>();
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
fn index(state: Data<&AppState>) -> Result<Html<String>> {
    state.render("index.html", ())
}
