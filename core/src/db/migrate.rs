//! Applying, reverting and reporting migrations through the assembled app's `Migrator`.

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
pub(crate) async fn fresh(db: &DatabaseConnection, registry: &Registry) -> Result<()> {
    Ok(registry.migrator().fresh(db).await?)
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
