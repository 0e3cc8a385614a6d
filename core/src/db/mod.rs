//! The database: one sea-orm pool for SQLite, PostgreSQL or MySQL/MariaDB, chosen by URL.

mod conflict;
pub(crate) mod migrate;
mod search;
mod unavailable;

pub use conflict::is_conflict;
pub use search::icontains;
pub use unavailable::is_unavailable;

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
    TransactionTrait,
};

use crate::config::{Backend, DatabaseConfig, DatabaseUrl};
use crate::{Error, Result};

/// Opens the pool. With `eager`, one connection is made now so a wrong URL fails at startup;
/// otherwise connections are made on first use, so the server can start (and report itself not
/// ready) while the database is still coming up.
pub(crate) async fn connect(config: &DatabaseConfig, eager: bool) -> Result<DatabaseConnection> {
    let url = &config.url;
    if let Some(path) = url.sqlite_path()
        && let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    }
    let mut options = ConnectOptions::new(url.as_str());
    options
        .max_connections(config.max_connections)
        .min_connections(if eager { config.min_connections } else { 0 })
        .connect_timeout(Duration::from_secs(config.connect_timeout_secs))
        .acquire_timeout(Duration::from_secs(config.acquire_timeout_secs))
        .idle_timeout(Duration::from_secs(config.idle_timeout_secs))
        // A connection the server dropped (a restart, an administrator's kill) is found by a
        // ping when it is taken from the pool and replaced, rather than failing a request.
        .test_before_acquire(true)
        .sqlx_logging(config.log_statements)
        .connect_lazy(!eager);
    let busy_timeout = Duration::from_millis(config.sqlite_busy_timeout_ms);
    // WAL lets readers work while one connection writes; foreign keys are off in SQLite unless asked.
    options.map_sqlx_sqlite_opts(move |sqlite| {
        sqlite
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(busy_timeout)
    });
    // Instances starting together on a new SQLite file race to switch it to WAL, and SQLite
    // answers the losers "database is locked" at once rather than through the busy timeout; they
    // try again until the busy timeout has passed.
    let started = std::time::Instant::now();
    loop {
        match Database::connect(options.clone()).await {
            Ok(db) => return Ok(db),
            Err(source)
                if url.sqlite_path().is_some()
                    && source.to_string().contains("database is locked")
                    && started.elapsed() < busy_timeout =>
            {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(source) => {
                return Err(Error::Connect {
                    url: url.redacted(),
                    source,
                });
            }
        }
    }
}

/// A write-ahead log smaller than this is left to SQLite (its own checkpoints start at 1,000
/// pages, 4 MiB).
const WAL_LIMIT_BYTES: u64 = 4 << 20;

/// Copies SQLite's write-ahead log into the database file and empties it, once it has outgrown
/// [`WAL_LIMIT_BYTES`]. `TRUNCATE` waits for readers still on the log, and writers wait meanwhile,
/// so it waits 100 ms at most (not the busy timeout): a long read only postpones the checkpoint to
/// the next tick. Nothing to do on other backends.
pub(crate) async fn checkpoint(config: &DatabaseConfig, db: &DatabaseConnection) -> Result<()> {
    let Some(path) = config.url.sqlite_path() else {
        return Ok(());
    };
    let wal = std::fs::metadata(format!("{path}-wal")).map_or(0, |m| m.len());
    if wal < WAL_LIMIT_BYTES {
        return Ok(());
    }
    let failed = |e: sea_orm::sqlx::Error| Error::Internal(format!("SQLite checkpoint: {e}"));
    let mut conn = db
        .get_sqlite_connection_pool()
        .acquire()
        .await
        .map_err(failed)?;
    sea_orm::sqlx::query("PRAGMA busy_timeout = 100")
        .execute(&mut *conn)
        .await
        .map_err(failed)?;
    // One row: busy (1 when a reader kept it from finishing), log frames, checkpointed frames.
    let outcome: std::result::Result<(i64, i64, i64), _> =
        sea_orm::sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut *conn)
            .await;
    // A number from the configuration, not input: safe to format into the statement.
    let restore = format!("PRAGMA busy_timeout = {}", config.sqlite_busy_timeout_ms);
    let restored = sea_orm::sqlx::query(sea_orm::sqlx::AssertSqlSafe(restore))
        .execute(&mut *conn)
        .await;
    if restored.is_err() {
        // Never hand the pool a connection with the short timeout.
        conn.close_on_drop();
    }
    if outcome.map_err(failed)?.0 != 0 {
        tracing::debug!("SQLite checkpoint postponed: a reader is still on the log");
    }
    restored.map_err(failed)?;
    Ok(())
}

/// `SELECT 1`, bounded in time so a hung database cannot hang the caller.
pub(crate) async fn ping(db: &DatabaseConnection, timeout: Duration) -> Result<()> {
    match tokio::time::timeout(timeout, db.ping()).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(Error::Internal(format!(
            "the database did not answer within {timeout:?}"
        ))),
    }
}

/// The server's name and version, e.g. "PostgreSQL 15.19".
pub(crate) async fn server_version(db: &DatabaseConnection) -> Result<String> {
    let backend = db.get_database_backend();
    let (name, sql) = match backend {
        DbBackend::Sqlite => ("SQLite", "SELECT sqlite_version() AS v"),
        DbBackend::Postgres => (
            "PostgreSQL",
            "SELECT current_setting('server_version') AS v",
        ),
        _ => ("MySQL", "SELECT VERSION() AS v"),
    };
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?;
    let version: String = row
        .map(|r| r.try_get("", "v"))
        .transpose()?
        .unwrap_or_default();
    let name = if version.contains("MariaDB") {
        "MariaDB"
    } else {
        name
    };
    Ok(format!(
        "{name} {}",
        version.split('-').next().unwrap_or(&version)
    ))
}

/// Runs `work` while holding a database-wide lock, so that several instances starting together
/// migrate and load fixtures one after the other. PostgreSQL and MySQL take an advisory lock on a
/// connection of its own; SQLite, one file on one host, takes an OS file lock beside it.
pub(crate) async fn with_startup_lock<T>(
    db: &DatabaseConnection,
    url: &DatabaseUrl,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    const KEY: &str = "bureau_startup";
    match url.backend() {
        Backend::Sqlite => {
            let Some(path) = url.sqlite_path() else {
                return work.await; // in memory: nothing else can see this database
            };
            let lock_path = format!("{path}.startup-lock");
            let lock = tokio::task::spawn_blocking(move || {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&lock_path)?;
                file.lock()?;
                Ok::<_, std::io::Error>(file)
            })
            .await
            .map_err(|e| Error::Internal(format!("waiting for the startup lock: {e}")))?
            .map_err(|e| Error::io("taking the startup lock beside the SQLite file", e))?;
            let outcome = work.await;
            drop(lock); // closing the file releases the lock
            outcome
        }
        Backend::Postgres => {
            let lock = db.begin().await?;
            lock.execute_unprepared("SELECT pg_advisory_xact_lock(hashtext('bureau_startup'))")
                .await?;
            let outcome = work.await;
            lock.commit().await?;
            outcome
        }
        Backend::MySql => {
            let lock = db.begin().await?;
            let sql = format!("SELECT GET_LOCK('{KEY}', 600) AS got");
            let got: Option<i64> = lock
                .query_one_raw(Statement::from_string(DbBackend::MySql, sql))
                .await?
                .and_then(|row| row.try_get("", "got").ok());
            if got != Some(1) {
                return Err(Error::Internal(
                    "timed out waiting for another instance to finish starting".into(),
                ));
            }
            let outcome = work.await;
            // The lock belongs to the connection, which goes back to the pool: release it always.
            let release = format!("SELECT RELEASE_LOCK('{KEY}')");
            lock.execute_unprepared(&release).await?;
            lock.commit().await?;
            outcome
        }
    }
}
