//! Helpers shared by the tests.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use bureau_core::testing::{TestApp, TestDatabase};
use bureau_core::{App, ConfigSource};

use crate::probe::Probe;

/// Bureau as the binary composes it, plus the probe module.
pub fn app_with(probe: &Probe) -> App {
    bureau::app().module(probe.clone())
}

pub async fn spawn() -> (TestApp, Probe) {
    spawn_with(|source| source).await
}

pub async fn spawn_with(adjust: impl FnOnce(ConfigSource) -> ConfigSource) -> (TestApp, Probe) {
    let probe = Probe::default();
    let app = TestApp::spawn_with(&app_with(&probe), adjust).await;
    (app, probe)
}

/// Runs a CLI command in-process against `database`, returning its output or error text.
pub async fn command(app: &App, database: &TestDatabase, args: &[&str]) -> Result<String, String> {
    command_with(app, database, args, |source| source).await
}

pub async fn command_with(
    app: &App,
    database: &TestDatabase,
    args: &[&str],
    adjust: impl FnOnce(ConfigSource) -> ConfigSource,
) -> Result<String, String> {
    let mut out = Vec::new();
    let result = app
        .run_command(
            args.iter().copied(),
            adjust(database.config_source(app)),
            &mut out,
        )
        .await;
    let text = String::from_utf8_lossy(&out).into_owned();
    result.map(|()| text).map_err(|e| e.to_string())
}

/// Runs the real `bureau` binary in `dir` with only the given environment.
pub fn bureau(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_bureau"));
    command.args(args).current_dir(dir).env_clear();
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("running the bureau binary")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Page text with minijinja's entity escapes undone (it writes `/` as `&#x2f;`), for matching.
pub fn html(text: &str) -> String {
    text.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Waits until the async `condition` holds, failing after `limit`.
pub async fn eventually_async(limit: Duration, mut condition: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !condition().await {
        assert!(
            start.elapsed() < limit,
            "condition not reached within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `condition` holds, failing after `limit`.
pub async fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(
            start.elapsed() < limit,
            "condition not reached within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The password of every account `person` makes.
pub const PASSWORD: &str = "correct horse battery";

/// A verified account with `roles` (and staff status when it has any).
pub async fn person(
    app: &TestApp,
    username: &str,
    roles: &[&str],
) -> bureau_core::entities::user::Model {
    let new = bureau_core::auth::users::NewUser {
        username: username.to_owned(),
        email: format!("{username}@example.com"),
        password: PASSWORD.to_owned(),
        is_staff: !roles.is_empty(),
        email_verified: true,
        ..Default::default()
    };
    let state = app.state();
    let person = bureau_core::auth::users::create(state.db(), state, &new)
        .await
        .unwrap();
    for role in roles {
        state
            .rbac()
            .assign(state.db(), person.id, role)
            .await
            .unwrap();
    }
    person
}

/// A browser logged in as `username` (made by `person`) through `login_page`.
async fn logged_in_at(app: &TestApp, login_page: &str, username: &str) -> crate::browser::Browser {
    let browser = crate::browser::Browser::new(app);
    let response = browser
        .fill(login_page, &[("login", username), ("password", PASSWORD)])
        .await;
    assert_eq!(response.status(), 303, "logging in as {username}");
    browser
}

/// A browser logged in as `username` on the site.
pub async fn logged_in(app: &TestApp, username: &str) -> crate::browser::Browser {
    logged_in_at(app, "/accounts/login/", username).await
}

/// A browser logged in as `username` in the admin.
pub async fn admin_login(app: &TestApp, username: &str) -> crate::browser::Browser {
    logged_in_at(app, "/admin/login/", username).await
}

/// The value of the first `name="<name>" value="..."` in a page, unescaped.
pub fn input(page: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    html(page[start..].split('"').next().unwrap_or_default())
}
