//! Applying, reverting and reporting migrations through the assembled app's `Migrator`.

use crate::DatabaseConfig;
use sea_orm::DatabaseConnection;
use sea_orm_migration::{MigrationStatus, MigratorTraitSelf};

use crate::{Registry, Result};

/// One migration and whether the database has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    pub module: &'static str,
    pub name: String,
    pub applied: bool,
}

pub(crate) async fn up(
    db: &DatabaseConnection,
    registry: &Registry,
    steps: Option<u32>,
) -> Result<()> {
    Ok(registry.migrator().up(db, steps).await?)
}

pub(crate) async fn down(db: &DatabaseConnection, registry: &Registry, steps: u32) -> Result<()> {
    Ok(registry.migrator().down(db, Some(steps)).await?)
}

/// Drops every table in the database, then applies all migrations.
pub(crate) async fn fresh(
    db: &DatabaseConnection,
    config: &DatabaseConfig,
    registry: &Registry,
) -> Result<()> {
    if config.url.sqlite_path().is_none() {
        return Ok(registry.migrator().fresh(db).await?);
    }
    // sea-orm-migration turns SQLite's foreign keys off with a PRAGMA, which holds only for the
    // connection it ran on; on a pool the drops may run on another and trip over the references.
    let single = DatabaseConfig {
        max_connections: 1,
        min_connections: 1,
        ..config.clone()
    };
    let db = super::connect(&single, true).await?;
    let outcome = registry.migrator().fresh(&db).await;
    let _ = db.close().await;
    Ok(outcome?)
}

/// Every migration in application order; does not create the migrations table.
pub(crate) async fn status(
    db: &DatabaseConnection,
    registry: &Registry,
) -> Result<Vec<MigrationState>> {
    let migrator = registry.migrator();
    let states = migrator.get_migration_with_status_read_only(db).await?;
    Ok(migrator
        .names()
        .into_iter()
        .zip(states)
        .map(|((module, name), state)| MigrationState {
            module,
            name,
            applied: state.status() == MigrationStatus::Applied,
        })
        .collect())
}

pub(crate) async fn pending(db: &DatabaseConnection, registry: &Registry) -> Result<usize> {
    Ok(status(db, registry)
        .await?
        .iter()
        .filter(|m| !m.applied)
        .count())
}
