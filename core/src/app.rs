//! The app as the composition root builds it, and its life: assemble the modules, load the
//! configuration, prepare the database, serve, shut down gracefully.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::ConfigSource;
use crate::module::Module;
use crate::registry::{Endpoints, assemble};
use crate::{
    AppState, Config, Error, Registry, Result, db, jobs, mail, models, rbac, session, sms, web,
};

/// Core plus the modules the composition root lists.
pub struct App {
    defaults: &'static str,
    modules: Vec<Arc<dyn Module>>,
}

impl App {
    /// An app with no modules yet. `defaults` is the TOML of the built-in configuration defaults.
    pub fn new(defaults: &'static str) -> Self {
        Self {
            defaults,
            modules: Vec::new(),
        }
    }

    /// Adds a module. Order matters only where dependencies do not decide it.
    pub fn module(mut self, module: impl Module) -> Self {
        self.modules.push(Arc::new(module));
        self
    }

    /// The built-in configuration defaults.
    pub fn defaults(&self) -> &'static str {
        self.defaults
    }

    /// Builds core and every module and checks them against each other.
    pub fn registry(&self) -> Result<Registry> {
        Ok(assemble(&self.modules)?.0)
    }

    /// Loads the configuration this app's modules understand.
    pub fn config(&self, source: &ConfigSource) -> Result<Config> {
        Config::load(source, self.registry()?.config_sections())
    }

    /// Loads the configuration from `source`, connects, migrates and loads demo data as
    /// configured, then serves on `server.addr` until [`Server::shutdown`].
    pub async fn start(&self, source: &ConfigSource) -> Result<Server> {
        let (registry, endpoints) = assemble(&self.modules)?;
        let config = Config::load(source, registry.config_sections())?;
        start(registry, endpoints, config).await
    }

    pub(crate) fn assemble(&self) -> Result<(Registry, Endpoints)> {
        assemble(&self.modules)
    }
}

pub(crate) async fn start(
    registry: Registry,
    endpoints: Endpoints,
    config: Config,
) -> Result<Server> {
    // Before the database: a mail or SMS setting that cannot work stops the start with no side
    // effects.
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    let mail = mail::Transport::from_config(&config)?;
    let sms = sms::sender(&config)?;
    let prepare = config.database.migrate_on_start || config.app.load_demo_fixtures;
    // Without work to do at startup the pool connects lazily: the server comes up while the
    // database is still starting and /readyz says when it can serve.
    let mut db = db::connect(&config.database, prepare).await?;
    db.set_metric_callback(web::queries::record);
    if prepare {
        prepare_database(&db, &registry, &config).await?;
    }
    let sessions = session::Store::new(&config, &db).await?;
    let state = AppState::new(config, db, registry, sessions, mail, sms)?;
    let first_superuser = if state.config().app.load_demo_fixtures {
        crate::auth::users::ensure_first_superuser(&state).await?
    } else {
        None
    };
    let app = web::server::endpoint(&state, endpoints)?;
    let listener = web::server::bind(state.config().server.addr).await?;
    let addr = listener.addr;
    let stop = CancellationToken::new();
    let mut running_jobs = jobs::spawn_all(&state, stop.child_token())?;
    let task = {
        let state = state.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let served = web::server::serve(listener, app, &state, stop.cancelled_owned()).await;
            // A job that is running finishes; the next tick never comes.
            let timeout = state.config().server.shutdown_timeout();
            let drained = tokio::time::timeout(timeout, async {
                while running_jobs.join_next().await.is_some() {}
            })
            .await;
            if drained.is_err() {
                tracing::warn!("background jobs did not finish within the shutdown timeout");
                running_jobs.abort_all();
            }
            if let Err(error) = state.db().close_by_ref().await {
                tracing::warn!(%error, "closing the database pool");
            }
            tracing::info!("shutdown complete");
            served
        })
    };
    Ok(Server {
        addr,
        state,
        stop,
        task,
        first_superuser,
    })
}

/// The startup work, under the startup lock: migrations (with `migrate_on_start`), the default
/// permissions, and demo fixtures (with `load_demo_fixtures`).
pub(crate) async fn prepare_database(
    db: &DatabaseConnection,
    registry: &Registry,
    config: &Config,
) -> Result<()> {
    db::with_startup_lock(db, &config.database.url, async {
        if config.database.migrate_on_start {
            db::migrate::up(db, registry, None).await?;
        }
        // Before the fixtures, so demo data can name the default roles.
        rbac::seed_when_current(db, registry).await?;
        if config.app.load_demo_fixtures {
            models::load_demo_fixtures(db, registry).await?;
        }
        Ok(())
    })
    .await
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    state: AppState,
    stop: CancellationToken,
    task: JoinHandle<Result<()>>,
    first_superuser: Option<(String, String)>,
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The username and password of the superuser this start created (first start with demo
    /// data and no superuser yet), to show the person who started it.
    pub fn first_superuser(&self) -> Option<(&str, &str)> {
        self.first_superuser
            .as_ref()
            .map(|(user, password)| (user.as_str(), password.as_str()))
    }

    /// Stops accepting connections, lets requests in flight finish, and waits.
    pub async fn shutdown(self) -> Result<()> {
        self.stop.cancel();
        finished(self.task.await)
    }

    /// Serves until `signal` completes, then shuts down gracefully.
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> Result<()> {
        let Self { stop, mut task, .. } = self;
        tokio::select! {
            () = signal => {
                tracing::info!("shutting down: finishing requests in flight");
                stop.cancel();
                finished(task.await)
            }
            outcome = &mut task => finished(outcome),
        }
    }
}

fn finished(outcome: std::result::Result<Result<()>, tokio::task::JoinError>) -> Result<()> {
    outcome.map_err(|e| Error::Internal(format!("the server task failed: {e}")))?
}

/// Listens for SIGINT (Ctrl-C) and SIGTERM from the moment it is called, so a signal that arrives
/// before the future is first polled is not lost; completes on the first of them.
#[cfg(unix)]
pub fn shutdown_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{Signal, SignalKind, signal};
    async fn received(signal: Option<Signal>) {
        match signal {
            Some(mut signal) => {
                signal.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    }
    let interrupt = received(signal(SignalKind::interrupt()).ok());
    let terminate = received(signal(SignalKind::terminate()).ok());
    async move {
        tokio::select! {
            () = interrupt => {}
            () = terminate => {}
        }
    }
}

#[cfg(not(unix))]
pub fn shutdown_signal() -> impl Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
