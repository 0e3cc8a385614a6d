//! Default roles and rules: core's roles, and the `Policy` rules modules register, written into
//! the database once.
//!
//! Each default is recorded in `core_policy_seed` when it is first written, and never written
//! again: a default an administrator deleted stays deleted, while a default a new module version
//! brings is added on the next start.
//!
//! Seeding runs under the startup lock, after migrations, and only when the schema is current:
//! on `serve` with `database.migrate_on_start` (or with demo fixtures on and nothing pending), and
//! on `bureau migrate up` / `fresh`. A deployment that migrates as a separate step seeds there.

use std::collections::HashSet;

use sea_orm::ActiveValue::Set;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, QuerySelect, TransactionTrait};

use super::adapter::{bump_version, insert_rule, settle};
use super::enforcer::ensure_role_described;
use crate::entities::policy_seed;
use crate::{Registry, Result, db};

/// A role core declares, with the role it inherits from.
#[derive(Debug, Clone, Copy)]
pub struct DefaultRole {
    pub name: &'static str,
    pub description: &'static str,
    pub parent: Option<&'static str>,
}

/// Core's default roles. `staff` is what every back-office role has in common, so the working
/// roles inherit it: a grant to `staff` (say, viewing the dashboard's models) reaches them all.
/// `customer` is the public side and inherits nothing: being a customer never opens the back
/// office. Modules grant these roles their permissions through `AppBuilder::policy`.
pub const DEFAULT_ROLES: &[DefaultRole] = &[
    DefaultRole {
        name: "staff",
        description: "Works in the back office; every staff role inherits its grants",
        parent: None,
    },
    DefaultRole {
        name: "store_manager",
        description: "Runs the store: products, stock, orders and refunds",
        parent: Some("staff"),
    },
    DefaultRole {
        name: "content_editor",
        description: "Edits the published content",
        parent: Some("staff"),
    },
    DefaultRole {
        name: "moderator",
        description: "Moderates what users post",
        parent: Some("staff"),
    },
    DefaultRole {
        name: "customer",
        description: "Buys and posts on the public site",
        parent: None,
    },
];

/// Seeds when every migration is applied; otherwise the tables may not exist yet, and the
/// `bureau migrate` that applies them seeds.
pub(crate) async fn seed_when_current(db: &DatabaseConnection, registry: &Registry) -> Result<()> {
    let pending = db::migrate::pending(db, registry).await?;
    if pending > 0 {
        tracing::info!(
            pending,
            "default roles and RBAC rules not seeded while migrations are pending; `bureau migrate` seeds them"
        );
        return Ok(());
    }
    seed(db, registry).await
}

/// Writes the defaults not yet recorded, in one transaction with their records.
async fn seed(db: &DatabaseConnection, registry: &Registry) -> Result<()> {
    let seeded: HashSet<String> = policy_seed::Entity::find()
        .select_only()
        .column(policy_seed::Column::Rule)
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut keys = seeded.clone();

    // Core's roles with their descriptions first, so a role a policy also names gets them.
    let mut roles: Vec<(&str, &str)> = DEFAULT_ROLES
        .iter()
        .map(|role| (role.name, role.description))
        .collect();
    for (_, policy) in registry.policies() {
        roles.extend(policy.roles().into_iter().map(|name| (name, "")));
    }
    let roles: Vec<(String, &str, &str)> = roles
        .into_iter()
        .map(|(name, description)| (role_key(name), name, description))
        .filter(|(key, _, _)| keys.insert(key.clone()))
        .collect();
    let rules: Vec<_> = registry
        .policies()
        .iter()
        .map(|(_, policy)| (policy.to_string(), policy))
        .filter(|(key, _)| keys.insert(key.clone()))
        .collect();
    if roles.is_empty() && rules.is_empty() {
        return Ok(());
    }

    let txn = db.begin().await?;
    let outcome = async {
        bump_version(&txn).await?;
        let now = chrono::Utc::now().fixed_offset();
        let mut records = Vec::new();
        let mut written = 0;
        for (key, name, description) in &roles {
            written += usize::from(ensure_role_described(&txn, name, description).await?);
            records.push(key.clone());
        }
        for (key, policy) in &rules {
            let (ptype, values) = policy.casbin_rule();
            written += usize::from(insert_rule(&txn, ptype, &values).await?);
            records.push(key.clone());
        }
        for batch in records.chunks(BATCH) {
            let batch = batch.iter().map(|rule| policy_seed::ActiveModel {
                rule: Set(rule.clone()),
                seeded_at: Set(now),
            });
            policy_seed::Entity::insert_many(batch)
                .exec_without_returning(&txn)
                .await?;
        }
        Ok::<_, DbErr>(written)
    }
    .await;
    let written = settle(txn, outcome, |_| true).await?;
    tracing::info!(
        roles = roles.len(),
        rules = rules.len(),
        written,
        "seeded default roles and RBAC rules"
    );
    Ok(())
}

/// Records written per INSERT, far below every backend's limit on bound parameters.
const BATCH: usize = 100;

/// Roles are recorded beside the rules, keyed apart from them (rules start with `p, ` or `g, `).
const ROLE_PREFIX: &str = "role, ";

fn role_key(name: &str) -> String {
    format!("{ROLE_PREFIX}{name}")
}
