//! Test support: boot the real app on `127.0.0.1:0` against a database of its own, and talk HTTP
//! to it. Enabled by the `testing` feature; never part of the binary.
//!
//! The database server comes from `BUREAU_TEST_DATABASE_URL` (a PostgreSQL or MySQL/MariaDB URL
//! whose user may create databases). Each test gets a fresh database on that server, dropped when
//! the test ends, so tests run in parallel. Without the variable each test gets a SQLite file in a
//! temporary folder.

use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use tempfile::TempDir;

use crate::{App, AppState, ConfigSource, Server};

/// The variable naming the database server tests run against.
pub const DATABASE_VAR: &str = "BUREAU_TEST_DATABASE_URL";

/// A running app and an HTTP client for it.
pub struct TestApp {
    pub server: Server,
    pub client: reqwest::Client,
    pub database: TestDatabase,
    /// The configuration the app was started with, kept for [`restart`](Self::restart).
    pub source: ConfigSource,
}

impl TestApp {
    /// Starts `app` with the test configuration from [`TestDatabase::config_source`].
    pub async fn spawn(app: &App) -> Self {
        Self::spawn_with(app, |source| source).await
    }

    /// Starts `app` after `adjust` added configuration of the test's own.
    pub async fn spawn_with(app: &App, adjust: impl FnOnce(ConfigSource) -> ConfigSource) -> Self {
        let database = TestDatabase::create().await;
        let source = adjust(database.config_source(app));
        Self {
            server: boot(app, &source).await,
            client: client(),
            database,
            source,
        }
    }

    /// Stops the app and starts it again with the same configuration and database, as a
    /// restart of the process would.
    pub async fn restart(self, app: &App) -> Self {
        if let Err(error) = self.server.shutdown().await {
            panic!("stopping the app: {error}");
        }
        Self {
            server: boot(app, &self.source).await,
            ..self
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    pub fn state(&self) -> &AppState {
        self.server.state()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        match self.client.get(self.url(path)).send().await {
            Ok(response) => response,
            Err(error) => panic!("GET {path}: {error}"),
        }
    }
}

async fn boot(app: &App, source: &ConfigSource) -> Server {
    match app.start(source).await {
        Ok(server) => server,
        Err(error) => panic!("starting the app: {error}"),
    }
}

/// A client that follows no redirects (tests look at them) and keeps no cookies between tests.
pub fn client() -> reqwest::Client {
    match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(error) => panic!("building the HTTP client: {error}"),
    }
}

/// A database (and data folder) that exists for one test.
pub struct TestDatabase {
    pub url: String,
    /// The data folder: the SQLite file when there is no server, the generated secret key.
    pub dir: TempDir,
    server: Option<(String, String)>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TestDatabase {
    pub async fn create() -> Self {
        let dir = match tempfile::tempdir() {
            Ok(dir) => dir,
            Err(error) => panic!("creating a temporary folder: {error}"),
        };
        let Some(base) = std::env::var(DATABASE_VAR)
            .ok()
            .filter(|url| !url.is_empty())
        else {
            let url = format!("sqlite://{}/bureau.db", dir.path().display());
            return Self {
                url,
                dir,
                server: None,
            };
        };
        let (server_url, base_name) = split_database(&base);
        let name = format!(
            "{base_name}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let admin = match Database::connect(&base).await {
            Ok(db) => db,
            Err(error) => panic!("{DATABASE_VAR}={base} cannot be reached: {error}"),
        };
        let backend = admin.get_database_backend();
        let sql = format!("CREATE DATABASE {}", quoted(backend, &name));
        if let Err(error) = admin
            .execute_raw(Statement::from_string(backend, sql))
            .await
        {
            panic!("creating test database {name}: {error}");
        }
        let _ = admin.close().await;
        Self {
            url: format!("{server_url}/{name}"),
            dir,
            server: Some((base, name)),
        }
    }

    /// Configuration for an app on this database: the app's defaults, this database, this data
    /// folder, a free port, no demo fixtures, cheap password hashing, and quiet logs.
    pub fn config_source(&self, app: &App) -> ConfigSource {
        ConfigSource::defaults(app.defaults())
            .var("BUREAU_DATABASE__URL", &self.url)
            .var(
                "BUREAU_APP__DATA_DIR",
                self.dir.path().display().to_string(),
            )
            .var("BUREAU_APP__LOAD_DEMO_FIXTURES", "false")
            .var("BUREAU_SERVER__ADDR", "127.0.0.1:0")
            .var("BUREAU_SERVER__SHUTDOWN_TIMEOUT_SECS", "5")
            // Tests create many users; OWASP's cost is for production, proven there by config checks.
            .var("BUREAU_AUTH__PASSWORD_MEMORY_KIB", "1024")
            .var("BUREAU_AUTH__PASSWORD_ITERATIONS", "1")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((base, name)) = self.server.take() else {
            return;
        };
        // Drop runs outside async code's reach, so the cleanup gets a runtime of its own.
        let cleanup = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                let Ok(admin) = Database::connect(&base).await else {
                    return;
                };
                let backend = admin.get_database_backend();
                // The app under test may still hold connections (its runtime is blocked on this
                // very drop), some inside a transaction whose locks would stall DROP DATABASE.
                let force = match backend {
                    DbBackend::Postgres => " WITH (FORCE)",
                    _ => {
                        kill_mysql_sessions(&admin, &name).await;
                        ""
                    }
                };
                let sql = format!("DROP DATABASE IF EXISTS {}{force}", quoted(backend, &name));
                let _ = admin
                    .execute_raw(Statement::from_string(backend, sql))
                    .await;
                let _ = admin.close().await;
            });
        });
        let _ = cleanup.join();
    }
}

async fn kill_mysql_sessions(admin: &sea_orm::DatabaseConnection, database: &str) {
    let sessions = Statement::from_sql_and_values(
        DbBackend::MySql,
        "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()",
        [database.into()],
    );
    let Ok(rows) = admin.query_all_raw(sessions).await else {
        return;
    };
    for row in rows {
        if let Ok(id) = row.try_get_by_index::<u64>(0) {
            let _ = admin.execute_unprepared(&format!("KILL {id}")).await;
        }
    }
}

/// `postgres://u@h:5432/base?x` → (`postgres://u@h:5432`, `base`).
fn split_database(url: &str) -> (String, String) {
    let without_query = url.split('?').next().unwrap_or(url);
    match without_query.rsplit_once('/') {
        Some((server, name))
            if !name.is_empty() && server.contains("://") && !server.ends_with('/') =>
        {
            (server.to_owned(), name.to_owned())
        }
        _ => panic!(
            "{DATABASE_VAR} must name a database, e.g. postgres://postgres@127.0.0.1:5432/bureau_test"
        ),
    }
}

fn quoted(backend: DbBackend, name: &str) -> String {
    match backend {
        DbBackend::MySql => format!("`{name}`"),
        _ => format!("\"{name}\""),
    }
}
