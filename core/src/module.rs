//! The plugin interface: a module is a value implementing [`Module`], and everything it brings is
//! registered through the [`AppBuilder`] its `build` receives. Core registers its own parts the
//! same way (see `builtin`), so a module can do nothing core cannot, and the other way round.

use std::future::Future;
use std::time::Duration;

use poem::{Endpoint, EndpointExt, IntoEndpoint, IntoResponse};
use poem_openapi::OpenApi;
use rust_embed::RustEmbed;
use sea_orm::EntityTrait;
use serde::de::DeserializeOwned;

use crate::admin::AdminPanel;
use crate::cli::{ModuleCommand, RegisteredCommand};
use crate::config::ConfigSection;
use crate::jobs::{Every, Job};
use crate::models::{Fixture, ModelInfo};
use crate::rbac::Policy;
use crate::web::assets::Assets;
use crate::web::nav::NavEntry;
use crate::web::openapi::ApiService;
use crate::web::routing::{Methods, PageRoute};
use crate::{AppState, Config};

pub use bureau_migrations::MigrationSet;

/// A part of Bureau that registers its models, pages, API, admin panels and the rest with core.
pub trait Module: Send + Sync + 'static {
    /// Unique lowercase name. It namespaces the module's models (`store.order`), templates
    /// (`store/...`), static files (`/static/store/...`) and configuration section.
    fn name(&self) -> &'static str;

    /// Modules that must be built, migrated and loaded before this one.
    fn dependencies(&self) -> &'static [&'static str] {
        &[]
    }

    /// Registers everything the module brings. Runs once per assembly, in startup order.
    fn build(&self, app: &mut AppBuilder);
}

/// What the modules registered, collected during assembly. Each method records which module
/// called it; conflicts between modules are found once every module is built.
pub struct AppBuilder {
    pub(crate) module: &'static str,
    pub(crate) parts: Parts,
}

#[derive(Default)]
pub(crate) struct Parts {
    pub routes: Vec<PageRoute>,
    pub apis: Vec<ApiService>,
    pub migrations: Vec<MigrationSet>,
    pub models: Vec<ModelInfo>,
    pub panels: Vec<AdminPanel>,
    pub policies: Vec<(&'static str, Policy)>,
    pub fixtures: Vec<Fixture>,
    pub templates: Vec<(&'static str, Assets)>,
    pub static_files: Vec<(&'static str, Assets)>,
    pub nav: Vec<NavEntry>,
    pub fragments: Vec<crate::web::fragments::Fragment>,
    pub login_hooks: Vec<crate::auth::login_hooks::LoginHook>,
    pub jobs: Vec<Job>,
    pub config_sections: Vec<ConfigSection>,
    pub commands: Vec<RegisteredCommand>,
    /// Problems found while registering, already prefixed with the module's name.
    pub errors: Vec<String>,
}

impl AppBuilder {
    pub(crate) fn new() -> Self {
        Self {
            module: "core",
            parts: Parts::default(),
        }
    }

    /// The module currently being built.
    pub fn module_name(&self) -> &'static str {
        self.module
    }

    fn error(&mut self, message: String) {
        self.parts
            .errors
            .push(format!("module `{}`: {message}", self.module));
    }

    /// Adds the module's migrations, oldest first, usually `Migrator::migrations` of the module's
    /// sea-orm-migration `Migrator`. They run after core's and after those of the modules this
    /// one depends on.
    pub fn migrations(
        &mut self,
        migrations: fn() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>>,
    ) -> &mut Self {
        self.parts.migrations.push(MigrationSet {
            module: self.module,
            migrations,
        });
        self
    }

    /// Serves an HTML or other non-API route: `app.route("/movies/:id/", get(detail))`.
    pub fn route(&mut self, path: &str, methods: Methods) -> &mut Self {
        match PageRoute::new(self.module, path, methods) {
            Ok(route) => self.parts.routes.push(route),
            Err(message) => self.error(message),
        }
        self
    }

    /// Serves a poem-openapi API under `prefix` (e.g. `/api/tasks`) and adds its operations to the
    /// combined document at `/api/openapi.json`.
    pub fn api<T: OpenApi + 'static>(&mut self, prefix: &str, api: T) -> &mut Self {
        match ApiService::new(self.module, prefix, api) {
            Ok(service) => self.parts.apis.push(service),
            Err(message) => self.error(message),
        }
        self
    }

    /// Makes an entity known to core: fixtures and `dumpdata` can read and write it, admin panels
    /// and policies can name it as `<module>.<entity>`.
    pub fn model<E: EntityTrait>(&mut self) -> &mut Self {
        self.add_model(ModelInfo::of::<E>(self.module));
        self
    }

    /// Registering an entity twice from one module is harmless; from two modules it is a conflict
    /// that assembly reports.
    fn add_model(&mut self, model: ModelInfo) {
        let module = self.module;
        if !self
            .parts
            .models
            .iter()
            .any(|m| m.table == model.table && m.module == module)
        {
            self.parts.models.push(model);
        }
    }

    /// Adds an admin panel for one of the module's entities (and registers the entity as a model).
    pub fn admin(&mut self, panel: AdminPanel) -> &mut Self {
        let panel = panel.owned_by(self.module);
        self.add_model(panel.model().clone());
        match panel.validate() {
            Ok(()) => self.parts.panels.push(panel),
            Err(problems) => {
                for problem in problems {
                    self.error(problem);
                }
            }
        }
        self
    }

    /// Adds a default RBAC rule, seeded into the policy store when it is missing.
    pub fn policy(&mut self, policy: Policy) -> &mut Self {
        match policy.validate() {
            Ok(()) => self.parts.policies.push((self.module, policy)),
            Err(message) => self.error(message),
        }
        self
    }

    /// Adds demo data in fixture JSON, loaded on the first start that sees it (when
    /// `app.load_demo_fixtures` is on) and by `bureau loaddata <module>/<name>`.
    pub fn fixture(&mut self, name: &'static str, json: &'static str) -> &mut Self {
        self.parts.fixtures.push(Fixture {
            module: self.module,
            name,
            json,
        });
        self
    }

    /// Adds the module's templates, available as `<module>/<path>`.
    pub fn templates<E: RustEmbed>(&mut self) -> &mut Self {
        self.parts.templates.push((self.module, Assets::of::<E>()));
        self
    }

    /// Adds the module's static files, served under `/static/<module>/`.
    pub fn static_files<E: RustEmbed>(&mut self) -> &mut Self {
        self.parts
            .static_files
            .push((self.module, Assets::of::<E>()));
        self
    }

    /// Shows `render`'s HTML on another module's pages, wherever they show the fragments of
    /// `slot` (e.g. `"movies.detail"`, with the film's id in the context).
    pub fn fragment<F, Fut>(&mut self, slot: &'static str, render: F) -> &mut Self
    where
        F: Fn(crate::AppState, serde_json::Value) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = crate::Result<String>> + Send + 'static,
    {
        self.parts.fragments.push(crate::web::fragments::Fragment {
            module: self.module,
            slot,
            render: std::sync::Arc::new(move |state, context| Box::pin(render(state, context))),
        });
        self
    }

    /// Runs `hook` whenever someone logs in on the site (not for API tokens), with the new
    /// session: `app.on_login(|state, session, user| async move { ... })`.
    pub fn on_login<F, Fut>(&mut self, hook: F) -> &mut Self
    where
        F: Fn(crate::AppState, crate::session::Session, crate::entities::user::Model) -> Fut
            + Send
            + Sync
            + 'static,
        Fut: std::future::Future<Output = crate::Result<()>> + Send + 'static,
    {
        self.parts
            .login_hooks
            .push(crate::auth::login_hooks::LoginHook {
                module: self.module,
                run: std::sync::Arc::new(move |state, session, user| {
                    Box::pin(hook(state, session, user))
                }),
            });
        self
    }

    /// Adds a link to the site navigation of the base layout.
    pub fn nav(&mut self, label: &str, href: &str) -> &mut Self {
        match NavEntry::new(self.module, label, href) {
            Ok(entry) => self.parts.nav.push(entry),
            Err(message) => self.error(message),
        }
        self
    }

    /// Runs `job` every `every` while the server runs. Every instance runs its own jobs, so a job
    /// must be safe to run on several instances at once (claim rows, or make the work idempotent).
    pub fn job<F, Fut>(&mut self, name: &'static str, every: Duration, job: F) -> &mut Self
    where
        F: Fn(AppState) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = crate::Result<()>> + Send + 'static,
    {
        if every.is_zero() {
            self.error(format!("job `{name}` has a zero interval"));
        } else {
            self.parts
                .jobs
                .push(Job::new(self.module, name, Every::Fixed(every), job));
        }
        self
    }

    /// Like [`job`](Self::job), but the interval comes from the configuration, which is loaded only
    /// after every module is built: `app.configured_job("sweep", |config| ..., sweep)`. The app
    /// refuses to start when it comes out as zero.
    pub fn configured_job<F, Fut>(
        &mut self,
        name: &'static str,
        every: fn(&Config) -> Duration,
        job: F,
    ) -> &mut Self
    where
        F: Fn(AppState) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = crate::Result<()>> + Send + 'static,
    {
        self.parts
            .jobs
            .push(Job::new(self.module, name, Every::Configured(every), job));
        self
    }

    /// Declares the module's configuration section `[name]`, read into `T` (absent keys take
    /// `T`'s serde defaults) and available from [`Config::section`](crate::Config::section).
    pub fn config_section<T: DeserializeOwned + Send + Sync + 'static>(
        &mut self,
        name: &'static str,
    ) -> &mut Self {
        self.parts
            .config_sections
            .push(ConfigSection::new::<T>(self.module, name));
        self
    }

    /// Adds a command to the command line, run as `bureau <module> <name> [args]` and listed by
    /// `bureau --help`: `app.command("import", "Import films from files", Import)`.
    pub fn command<C: ModuleCommand>(
        &mut self,
        name: &'static str,
        about: &'static str,
        command: C,
    ) -> &mut Self {
        match RegisteredCommand::new(self.module, name, about, command) {
            Ok(command) => self.parts.commands.push(command),
            Err(message) => self.error(message),
        }
        self
    }
}

/// Convenience for endpoints given to [`AppBuilder::route`]: boxes any poem endpoint.
pub(crate) fn boxed<E>(endpoint: E) -> poem::endpoint::BoxEndpoint<'static>
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
    <E::Endpoint as Endpoint>::Output: IntoResponse + 'static,
{
    endpoint.into_endpoint().map_to_response().boxed()
}
