//! What every handler can reach: configuration, the database pool, the registry, templates and
//! the mail transport.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use poem::web::Html;
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::mail::Transport;
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
    mail: Transport,
    schema_current: AtomicBool,
}

impl AppState {
    pub(crate) fn new(
        config: Config,
        db: DatabaseConnection,
        registry: Registry,
        mail: Transport,
    ) -> Self {
        let templates = Templates::new(&registry, &config);
        let openapi = Documents::new(registry.openapi().clone(), &config.app.name);
        Self(Arc::new(Inner {
            config,
            db,
            registry,
            templates,
            openapi,
            mail,
            schema_current: AtomicBool::new(false),
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

    pub fn templates(&self) -> &Templates {
        &self.0.templates
    }

    /// Where the outbox worker sends mail (built from `[mail]` once per start).
    pub fn mail_transport(&self) -> &Transport {
        &self.0.mail
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
