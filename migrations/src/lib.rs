//! Bureau's Migrator: core's own migrations first, then each module's, in module startup order.
//!
//! sea-orm's `MigratorTrait` is static, which cannot describe a set of modules chosen at run time,
//! so this crate implements the instance-based `MigratorTraitSelf` over the migration sets that the
//! modules registered. Applied migrations are recorded in sea-orm's usual `seaql_migrations` table.

use std::collections::HashMap;

pub use sea_orm_migration;
use sea_orm_migration::{MigrationTrait, MigratorTraitSelf};

mod m20261123_000001_create_fixture_loads;
mod m20261123_000002_create_accounts;
mod m20261123_000003_create_sessions_and_outbox;
mod m20261123_000004_create_admin_log;
mod m20261123_000005_index_admin_log;
mod m20261123_000006_outbox_channel;

/// Core's own migrations, oldest first.
pub fn core_migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(m20261123_000001_create_fixture_loads::Migration),
        Box::new(m20261123_000002_create_accounts::Migration),
        Box::new(m20261123_000003_create_sessions_and_outbox::Migration),
        Box::new(m20261123_000004_create_admin_log::Migration),
        Box::new(m20261123_000005_index_admin_log::Migration),
        Box::new(m20261123_000006_outbox_channel::Migration),
    ]
}

/// The migrations one module contributes, oldest first.
#[derive(Clone, Copy)]
pub struct MigrationSet {
    pub module: &'static str,
    pub migrations: fn() -> Vec<Box<dyn MigrationTrait>>,
}

/// All migrations of an assembled app, in the order they are applied.
pub struct Migrator {
    sets: Vec<MigrationSet>,
}

/// Two sets that contain a migration of the same name; the second one would never run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateMigration {
    pub name: String,
    pub first_module: &'static str,
    pub second_module: &'static str,
}

impl std::fmt::Display for DuplicateMigration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "migration `{}` is registered by both `{}` and `{}`; migration names must be unique \
             across modules (prefix them with the module name)",
            self.name, self.first_module, self.second_module
        )
    }
}

impl Migrator {
    /// Takes the sets in startup order and refuses a name that appears twice.
    pub fn new(sets: Vec<MigrationSet>) -> Result<Self, DuplicateMigration> {
        let mut seen: HashMap<String, &'static str> = HashMap::new();
        for set in &sets {
            for migration in (set.migrations)() {
                let name = migration.name().to_owned();
                if let Some(first_module) = seen.insert(name.clone(), set.module) {
                    return Err(DuplicateMigration {
                        name,
                        first_module,
                        second_module: set.module,
                    });
                }
            }
        }
        Ok(Self { sets })
    }

    /// Every migration name with the module that owns it, in the order they are applied.
    pub fn names(&self) -> Vec<(&'static str, String)> {
        self.sets
            .iter()
            .flat_map(|set| {
                (set.migrations)()
                    .into_iter()
                    .map(move |m| (set.module, m.name().to_owned()))
            })
            .collect()
    }
}

impl MigratorTraitSelf for Migrator {
    fn migrations(&self) -> Vec<Box<dyn MigrationTrait>> {
        self.sets
            .iter()
            .flat_map(|set| (set.migrations)())
            .collect()
    }
}
