//! The user journeys in `features/*.feature`, written in Gherkin and run by the cucumber crate
//! against the real app over HTTP: one test per feature file, each scenario on an app and
//! database of its own, so scenarios neither share nor wait for each other's data.

mod steps;
mod world;

use std::path::Path;

use cucumber::{StatsWriter as _, World as _};

use world::Journey;

/// Every file in `features/`, by name; `each_feature_file_has_its_test` keeps the two in step.
const FEATURES: [&str; 6] = ["accounts", "admin", "forum", "movies", "store", "tasks_api"];

/// Runs `features/<name>.feature` and fails unless every step of it passed.
async fn run(name: &str) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("features")
        .join(format!("{name}.feature"));
    let summary = Journey::cucumber()
        // Each scenario boots an app and migrates a database of its own, which takes seconds on
        // MariaDB: a feature's few scenarios all start at once rather than wait in turn.
        .max_concurrent_scenarios(8)
        .after(|_, _, _, _, world| {
            Box::pin(async move {
                if let Some(world) = world {
                    world.stop().await;
                }
            })
        })
        // A step nobody defined is reported as skipped; a journey must not pass by skipping.
        .fail_on_skipped()
        // The test binary's arguments are the test runner's, not cucumber's.
        .with_default_cli()
        .run(file)
        .await;
    assert!(
        !summary.execution_has_failed()
            && summary.skipped_steps() == 0
            && summary.passed_steps() > 0,
        "{name}.feature: {} steps failed, {} skipped, {} passed; {} parsing errors, {} hook \
         errors (the steps are reported above)",
        summary.failed_steps(),
        summary.skipped_steps(),
        summary.passed_steps(),
        summary.parsing_errors(),
        summary.hook_errors(),
    );
}

#[tokio::test]
async fn accounts() {
    run("accounts").await;
}

#[tokio::test]
async fn admin() {
    run("admin").await;
}

#[tokio::test]
async fn forum() {
    run("forum").await;
}

#[tokio::test]
async fn movies() {
    run("movies").await;
}

#[tokio::test]
async fn store() {
    run("store").await;
}

#[tokio::test]
async fn tasks_api() {
    run("tasks_api").await;
}

#[test]
fn each_feature_file_has_its_test() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("features");
    let mut found: Vec<String> = std::fs::read_dir(&folder)
        .expect("the features folder")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".feature").map(str::to_owned)
        })
        .collect();
    found.sort();
    assert_eq!(found, FEATURES, "features/ and the tests that run it");
}
