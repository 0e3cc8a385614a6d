//! Debug pages are off in production: a server error is a generic page or problem with the
//! request id to quote, and nothing of its cause — no Rust error text, no SQL, no table names, no
//! configuration values, no stack trace. With `app.debug` (development) the cause is shown.

use bureau_core::ConfigSource;
use serde_json::Value;

use crate::probe::FAILING_TABLE;
use crate::support::spawn_with;

const SECRET: &str = "a-production-secret-key-with-enough-entropy-0123456789";

fn production(source: ConfigSource) -> ConfigSource {
    source
        .var("BUREAU_APP__PROFILE", "production")
        .var("BUREAU_APP__DEBUG", "false")
        .var("BUREAU_SERVER__ALLOWED_HOSTS", "127.0.0.1")
        .var("BUREAU_CORS__ALLOWED_ORIGINS", "")
        .var("BUREAU_SECURITY__SECRET_KEY", SECRET)
        .var("BUREAU_AUTH__PASSWORD_MEMORY_KIB", "19456")
        .var("BUREAU_AUTH__PASSWORD_ITERATIONS", "2")
}

/// Pieces of the failure's cause that must not reach a client in production.
fn leaks<'a>(body: &str, database_url: &'a str) -> Vec<&'a str> {
    let database_name = database_url.rsplit('/').next().unwrap_or(database_url);
    [
        FAILING_TABLE,
        "secret_column",
        "SELECT",
        // sea-orm's and sqlx's words for a failed statement.
        "Execution Error",
        "Query Error",
        "error returned from database",
        // Stack traces and source locations.
        "panicked",
        "backtrace",
        ".rs:",
        // Configuration values.
        SECRET,
        database_url,
        database_name,
    ]
    .into_iter()
    .filter(|piece| body.contains(piece))
    .collect()
}

#[tokio::test]
async fn a_server_error_in_production_shows_nothing_of_its_cause() {
    let (app, _) = spawn_with(production).await;
    let url = app.database.url.clone();

    let page = app.get("/probe/fail").await;
    assert_eq!(page.status(), 500);
    let request_id = page.headers()["x-request-id"].to_str().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let api = app.get("/api/probe-fail").await;
    assert_eq!(api.status(), 500);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    let problem: Value = api.json().await.unwrap();

    assert!(html.contains("Something went wrong on our side"), "{html}");
    assert!(html.contains(&request_id), "the page gives the id to quote");
    assert_eq!(leaks(&html, &url), Vec::<&str>::new(), "{html}");
    assert_eq!(problem["status"], 500);
    assert_eq!(problem["title"], "Internal Server Error");
    assert!(problem.get("detail").is_none(), "{problem}");
    assert!(problem["request_id"].is_string());
    assert_eq!(
        leaks(&problem.to_string(), &url),
        Vec::<&str>::new(),
        "{problem}"
    );
}

#[tokio::test]
async fn a_server_error_in_development_with_debug_shows_its_cause() {
    let (app, _) = spawn_with(|s| s.var("BUREAU_APP__DEBUG", "true")).await;

    let html = app.get("/probe/fail").await.text().await.unwrap();
    let problem: Value = app.get("/api/probe-fail").await.json().await.unwrap();

    assert!(html.contains(FAILING_TABLE), "{html}");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(FAILING_TABLE), "{problem}");
}
