//! What every handler can reach: configuration, the database pool, the registry, templates, the
//! mail transport and the SMS sender.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use poem::web::Html;
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::auth::{JwtKeys, Passwords};
use crate::mail::Transport;
use crate::rbac::Rbac;
use crate::session;
use crate::sms::SmsSender;
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
    passwords: Passwords,
    jwt: JwtKeys,
    sessions: session::Store,
    mail: Transport,
    sms: Arc<dyn SmsSender>,
    schema_current: AtomicBool,
    rbac: Rbac,
}

impl AppState {
    pub(crate) fn new(
        config: Config,
        db: DatabaseConnection,
        registry: Registry,
        sessions: session::Store,
        mail: Transport,
        sms: Arc<dyn SmsSender>,
    ) -> Result<Self> {
        let templates = Templates::new(&registry, &config);
        let openapi = Documents::new(registry.openapi().clone(), &config.app.name);
        let passwords = Passwords::new(&config.auth)?;
        let jwt = JwtKeys::new(config.security.secret_key.expose());
        let rbac = Rbac::new(db.clone());
        Ok(Self(Arc::new(Inner {
            config,
            db,
            registry,
            templates,
            openapi,
            passwords,
            jwt,
            sessions,
            mail,
            sms,
            schema_current: AtomicBool::new(false),
            rbac,
        })))
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

    /// Where the outbox worker sends mail (built from `[mail]` once per start).
    pub fn mail_transport(&self) -> &Transport {
        &self.0.mail
    }

    /// Where the outbox worker sends SMS (built from `[sms]` once per start).
    pub fn sms_sender(&self) -> &dyn SmsSender {
        self.0.sms.as_ref()
    }

    /// Renders a template into an HTML response body.
    pub fn render(&self, template: &str, context: impl Serialize) -> Result<Html<String>> {
        self.0.templates.render(template, context).map(Html)
    }

    /// Password hashing with the configured cost.
    pub fn passwords(&self) -> &Passwords {
        &self.0.passwords
    }

    pub(crate) fn jwt(&self) -> &JwtKeys {
        &self.0.jwt
    }

    /// The session store `session.store` selected.
    pub fn sessions(&self) -> &session::Store {
        &self.0.sessions
    }

    pub(crate) fn openapi(&self) -> &Documents {
        &self.0.openapi
    }

    pub(crate) fn schema_current(&self) -> &AtomicBool {
        &self.0.schema_current
    }
}
