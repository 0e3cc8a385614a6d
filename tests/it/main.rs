//! Integration tests: the real app on an ephemeral port against a real database — SQLite by
//! default, or the server named by BUREAU_TEST_DATABASE_URL (`.ci/run` runs all three).

mod accounts;
mod admin;
mod admin_object_actions;
mod api_auth;
mod api_docs;
mod browser;
mod chromium;
mod cli;
mod config;
mod conflicts;
mod contract;
mod cors;
mod forum;
mod http;
mod import_tmdb;
mod mail;
mod modules;
mod movies;
mod probe;
mod rbac;
mod sessions;
mod shutdown;
mod sms;
mod smtp;
mod store;
mod store_cart;
mod store_catalogue;
mod store_checkout;
mod store_shipping;
mod stripe;
mod superuser;
mod support;
mod tasks;
mod tasks_api;
mod twilio;
