//! Core's own tables, as sea-orm entities (no behaviour here).

pub mod account_token;
pub mod admin_log;
pub mod casbin_rule;
pub(crate) mod fixture_load;
pub mod login_failure;
pub mod outbox;
pub mod policy_seed;
pub mod rbac_state;
pub mod refresh_token;
pub mod role;
pub mod session;
pub mod token_family;
pub mod user;
pub mod user_role;
