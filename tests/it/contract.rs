//! The API document against the API: the document is valid OpenAPI (openapi-spec-validator), and
//! schemathesis, authorised with a real token, finds no server error and no answer the document
//! does not describe. Both are Python tools from PyPI that `.ci/run` installs.

use std::process::Command;

use bureau_core::auth::users::{self, NewUser};
use serde_json::{Value, json};

use crate::support::spawn;

/// Runs a Python tool on the blocking pool (the app under test shares this test's runtime) and
/// fails with its output unless it succeeds.
/// It runs in a fresh folder, where the tools leave their caches, with `schemathesis.toml`.
async fn python(args: Vec<String>) {
    let shown = args.join(" ");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schemathesis.toml"), SCHEMATHESIS).unwrap();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args(args)
            .current_dir(dir.path())
            .output()
    })
    .await
    .unwrap()
    .expect("running python3 (.ci/run installs openapi-spec-validator and schemathesis)");
    assert!(
        output.status.success(),
        "python3 {shown}\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Where a schema-valid body may still be refused: a cart item names a product by id, and an
/// id that no product on sale has is a 422 naming `product_id` (the fuzzer has no products).
const SCHEMATHESIS: &str = r#"
[[operations]]
include-operation-id = "addToCart"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
"#;

#[tokio::test]
async fn the_document_is_valid_openapi() {
    let (app, _) = spawn().await;
    let spec = app.get("/api/openapi.json").await.text().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, spec).unwrap();
    python(vec![
        "-m".into(),
        "openapi_spec_validator".into(),
        file.display().to_string(),
    ])
    .await;
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_undocumented_answer() {
    let (app, _) = spawn().await;
    let new = NewUser {
        username: "integrator".to_owned(),
        email: "integrator@example.com".to_owned(),
        password: "correct horse battery".to_owned(),
        email_verified: true,
        ..Default::default()
    };
    users::create(app.state().db(), app.state(), &new)
        .await
        .unwrap();
    let login: Value = app
        .client
        .post(app.url("/api/auth/login/"))
        .json(&json!({"username": new.username, "password": new.password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    python(vec![
        "-m".into(),
        "schemathesis.cli".into(),
        "run".into(),
        app.url("/api/openapi.json"),
        "--url".into(),
        app.url(""),
        "--header".into(),
        format!("Authorization: Bearer {token}"),
        "--checks".into(),
        "all".into(),
        // Operations accept the session cookie *or* a bearer token; this check sends a made-up
        // cookie beside the real token and expects a refusal. The refusals of missing, forged
        // and revoked credentials are tested in api_auth and tasks_api.
        "--exclude-checks".into(),
        "ignored_auth".into(),
        "--max-examples".into(),
        "30".into(),
        "--workers".into(),
        "1".into(),
        // Reproducible in CI; explore with other seeds by hand.
        "--seed".into(),
        "20261123".into(),
        "--generation-database".into(),
        "none".into(),
        "--no-color".into(),
    ])
    .await;
}
