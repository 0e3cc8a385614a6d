//! Applying, reverting and reporting migrations through the assembled app's `Migrator`.
//!
//! A database may hold migrations this release does not know: during a rolling upgrade the new
//! release migrates while the old one still serves, and a rollback returns to the old binary
//! without reverting (each release's migrations are additive for the release before, see
//! docs/deployment.md). Such a database is served as it is, with a warning; what this release
//! refuses is to migrate or revert it, since it cannot know what the newer migrations did.

use std::collections::HashSet;

use crate::DatabaseConfig;
use sea_orm::{DatabaseConnection, EntityName, EntityTrait};
use sea_orm_migration::{MigratorTraitSelf, SchemaManager, seaql_migrations};

use crate::{Error, Registry, Result};

/// One migration of this release and whether the database has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    pub module: &'static str,
    pub name: String,
    pub applied: bool,
}

/// The database's migrations as this release sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrations {
    /// This release's migrations, in application order.
    pub known: Vec<MigrationState>,
    /// Applied migrations this release does not have: a newer release's, by name.
    pub newer: Vec<String>,
}

impl Migrations {
    pub fn pending(&self) -> usize {
        self.known.iter().filter(|m| !m.applied).count()
    }

    pub fn applied(&self) -> usize {
        self.known.len() - self.pending()
    }

    /// Migrations missing here while newer ones are applied: the database was migrated by another
    /// line of releases (or by hand), and neither applying nor reverting is safe.
    fn diverged(&self) -> Option<Error> {
        let pending: Vec<&str> = self
            .known
            .iter()
            .filter(|m| !m.applied)
            .map(|m| m.name.as_str())
            .collect();
        (!self.newer.is_empty() && !pending.is_empty()).then(|| {
            Error::Config(format!(
                "the database has migrations this release does not know ({}) but lacks some it \
                 has ({}); it was migrated by another release line. Migrate it with the release \
                 that made it, or restore a backup",
                self.newer.join(", "),
                pending.join(", ")
            ))
        })
    }

    /// What a warning or a command's output says about newer migrations, if there are any.
    pub fn newer_note(&self) -> Option<String> {
        (!self.newer.is_empty()).then(|| {
            format!(
                "the database has {} migration(s) from a newer release ({}); this release serves \
                 it as it is and will not migrate or revert it",
                self.newer.len(),
                self.newer.join(", ")
            )
        })
    }
}

/// Applies pending migrations (`steps` of them, or all). With newer migrations applied and none
/// pending there is nothing to do.
pub(crate) async fn up(
    db: &DatabaseConnection,
    registry: &Registry,
    steps: Option<u32>,
) -> Result<()> {
    let migrations = status(db, registry).await?;
    if let Some(error) = migrations.diverged() {
        return Err(error);
    }
    if let Some(note) = migrations.newer_note() {
        tracing::warn!("{note}");
        return Ok(());
    }
    Ok(registry.migrator().up(db, steps).await?)
}

pub(crate) async fn down(db: &DatabaseConnection, registry: &Registry, steps: u32) -> Result<()> {
    let migrations = status(db, registry).await?;
    if !migrations.newer.is_empty() {
        return Err(Error::BadRequest(format!(
            "the newest migrations ({}) come from a newer release; revert them with `bureau \
             migrate down` of that release. Nothing was changed",
            migrations.newer.join(", ")
        )));
    }
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

/// This release's migrations and the newer ones; reads only (no migrations table is created).
pub(crate) async fn status(db: &DatabaseConnection, registry: &Registry) -> Result<Migrations> {
    let migrator = registry.migrator();
    let table = seaql_migrations::Entity.table_name();
    let mut recorded: HashSet<String> = if SchemaManager::new(db).has_table(table).await? {
        seaql_migrations::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|row| row.version)
            .collect()
    } else {
        HashSet::new()
    };
    let known = migrator
        .names()
        .into_iter()
        .map(|(module, name)| MigrationState {
            module,
            applied: recorded.remove(&name),
            name,
        })
        .collect();
    let mut newer: Vec<String> = recorded.into_iter().collect();
    // Migration names start with their date, so this is the order they were written in.
    newer.sort();
    Ok(Migrations { known, newer })
}

pub(crate) async fn pending(db: &DatabaseConnection, registry: &Registry) -> Result<usize> {
    Ok(status(db, registry).await?.pending())
}
