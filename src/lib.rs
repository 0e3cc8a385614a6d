//! The composition root: which modules make up Bureau, in startup order.
//!
//! It lives in the library half of the package so the integration tests boot exactly the app the
//! binary runs. Adding a module is one crate under `modules/` plus one `.module(...)` line here.

/// The built-in configuration defaults; `config.toml`, `.env` and `BUREAU_*` variables override them.
const DEFAULT_CONFIG: &str = include_str!("../config.toml");

/// Bureau with every module it ships.
pub fn app() -> bureau_core::App {
    bureau_core::App::new(DEFAULT_CONFIG)
        .module(bureau_movies::Movies)
        .module(bureau_forum::Forum)
        .module(bureau_store::Store)
        .module(bureau_tasks::Tasks)
}
