//! What every handler can reach: configuration, the database pool, the registry and templates.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use poem::web::Html;
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::rbac::Rbac;
use crate::web::openapi::Documents;
use crate::web::templates::Templates;
use crate::{Config, Registry, Result};

/// Shared state of a running app; cheap to clone. Handlers take it as `Data<&AppState>`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    config: Config,
    db: DatabaseConnection,
    registry: Registry,
    templates: Templates,
    openapi: Documents,
    schema_current: AtomicBool,
    rbac: Rbac,
}

impl AppState {
    pub(crate) fn new(config: Config, db: DatabaseConnection, registry: Registry) -> Self {
        let templates = Templates::new(&registry, &config);
        let openapi = Documents::new(registry.openapi().clone(), &config.app.name);
        let rbac = Rbac::new(db.clone());
        Self(Arc::new(Inner {
            config,
            db,
            registry,
            templates,
            openapi,
            schema_current: AtomicBool::new(false),
            rbac,
        }))
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.0.db
    }

    pub fn registry(&self) -> &Registry {
        &self.0.registry
    }

    /// Permission checks (`state.rbac().require(...)`) and changes to roles and grants.
    pub fn rbac(&self) -> &Rbac {
        &self.0.rbac
    }

    pub fn templates(&self) -> &Templates {
        &self.0.templates
    }

    /// Renders a template into an HTML response body.
    pub fn render(&self, template: &str, context: impl Serialize) -> Result<Html<String>> {
        self.0.templates.render(template, context).map(Html)
    }

    pub(crate) fn openapi(&self) -> &Documents {
        &self.0.openapi
    }

    pub(crate) fn schema_current(&self) -> &AtomicBool {
        &self.0.schema_current
    }
}
