//! Bureau's framework half: the module system and the app builder, configuration, the database
//! and its migrations, the HTTP stack, templates, fixtures, background jobs and the CLI.
//!
//! A module implements [`Module`] and registers what it brings through [`AppBuilder`]; the
//! composition root lists the modules on an [`App`] and calls [`App::run_cli`].

mod admin;
pub mod api;
mod app;
pub mod auth;
mod builtin;
mod cli;
mod config;
mod db;
pub mod entities;
mod error;
mod jobs;
mod logging;
pub mod mail;
mod models;
mod module;
pub mod money;
pub mod outbox;
pub mod rbac;
mod registry;
pub mod session;
pub mod sms;
mod state;
mod web;

#[cfg(feature = "testing")]
pub mod testing;

pub use admin::{ActionContext, ActionField, ActionOutcome, AdminAction, AdminPanel};
pub use app::{App, Server, shutdown_signal};
pub use cli::ModuleCommand;
pub use config::{
    AllowedOrigins, AppConfig, Backend, Config, ConfigSource, CorsConfig, DatabaseConfig,
    DatabaseUrl, HostPattern, LogConfig, LogFormat, Origin, Profile, SecretKey, SecurityConfig,
    ServerConfig,
};
pub use db::migrate::{MigrationState, Migrations};
pub use db::{icontains, is_conflict};
pub use error::{Error, FieldError, FieldErrors, Result};
pub use models::{ColumnInfo, ForeignKeyInfo, ModelInfo, OnDelete};
pub use module::{AppBuilder, Module};
pub use rbac::{Policy, Rbac};
pub use registry::{ModuleInfo, Registry};
pub use state::AppState;
pub use web::ClientInfo;
pub use web::csrf::random_token;
pub use web::flash;
pub use web::fragments;
pub use web::nav::NavEntry;
pub use web::page::{Page, page_of};
pub use web::routing::{Methods, RouteInfo, RouteKind, delete, get, patch, post, put};

// What module crates build with, re-exported so they need no versions of their own.
pub use {minijinja, poem, poem_openapi, rust_embed, sea_orm, sea_orm_migration};
