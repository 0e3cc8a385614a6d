//! Role-based access control over casbin, with its rules in the database.
//!
//! Subjects are roles, objects are `<module>.<entity>` (`store.order`), actions are `view`, `add`,
//! `change`, `delete` or custom ones (`refund`, `moderate`). Modules declare default rules as
//! [`Policy`] values; they are seeded once (`seed`). [`Rbac`] decides every check and makes every
//! change; the rules live in `core_casbin_rule` behind casbin's [`SeaOrmAdapter`].

mod adapter;
mod enforcer;
mod policy;
mod seed;

use std::time::Duration;

use crate::AppState;
use crate::module::AppBuilder;

pub use adapter::SeaOrmAdapter;
pub use enforcer::{MODEL, Rbac, WILDCARD, enforcer};
pub use policy::Policy;
pub(crate) use policy::check_action;
pub(crate) use seed::seed_when_current;
pub use seed::{DEFAULT_ROLES, DefaultRole};

/// casbin itself, for code that uses its API on [`enforcer`].
pub use casbin;

/// How often each instance looks for rule changes made elsewhere: one indexed single-row read.
const REFRESH_EVERY: Duration = Duration::from_secs(1);

/// Core's part of RBAC, registered like a module's: the inheritance of the default roles (seeded
/// like any module's rules, so an administrator may undo it) and the refresh job.
pub(crate) fn register(app: &mut AppBuilder) {
    for role in DEFAULT_ROLES {
        if let Some(parent) = role.parent {
            app.policy(Policy::inherit(role.name, parent));
        }
    }
    app.job(
        "rbac-refresh",
        REFRESH_EVERY,
        |state: AppState| async move { state.rbac().refresh().await.map(drop) },
    );
}
