//! Step definitions, one file per feature; `common` holds what several share.

mod accounts;
mod admin;
mod common;
mod forum;
mod movies;
mod store;
mod tasks_api;
