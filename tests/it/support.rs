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
