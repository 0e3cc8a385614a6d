//! Releases side by side on one database, as a rolling upgrade and a rollback have them: the
//! older release serves a database a newer one migrated, and refuses only to migrate it.

use bureau_core::sea_orm::{ConnectionTrait, Database, Statement};
use bureau_core::testing::TestDatabase;

use crate::probe::Probe;
use crate::support::{app_with, command};

/// The newer release is the older one plus the probe module, whose migrations are the new ones.
const NEWER_MIGRATIONS: [&str; 2] = [
    "m20261123_000001_probe_create_note",
    "m20261123_000002_probe_create_comment",
];

#[tokio::test]
async fn an_older_release_serves_a_database_a_newer_one_migrated() {
    let newer = app_with(&Probe::default());
    let older = bureau::app();
    let database = TestDatabase::create().await;
    command(&newer, &database, &["migrate", "up"])
        .await
        .unwrap();

    let status = command(&older, &database, &["migrate", "status"])
        .await
        .unwrap();
    let up = command(&older, &database, &["migrate", "up"])
        .await
        .unwrap();
    let check = command(&older, &database, &["check"]).await.unwrap();
    let down = command(&older, &database, &["migrate", "down"])
        .await
        .unwrap_err();

    for name in NEWER_MIGRATIONS {
        assert!(
            status.contains(&format!("applied  (newer)      {name}")),
            "{status}"
        );
        assert!(down.contains(name), "{down}");
    }
    assert!(!status.contains("pending"), "{status}");
    assert!(up.starts_with("Applied 0 migration(s); 0 pending."), "{up}");
    assert!(up.contains("2 migration(s) from a newer release"), "{up}");
    assert!(
        check.contains(" 0 pending, 2 from a newer release"),
        "{check}"
    );
    assert!(down.contains("come from a newer release"), "{down}");
    let after = command(&newer, &database, &["migrate", "status"])
        .await
        .unwrap();
    assert!(
        !after.contains("pending"),
        "the refused revert changed nothing: {after}"
    );

    // Started as an instance is, migrating on start or not: ready, and serving.
    for migrate_on_start in ["true", "false"] {
        let source = database
            .config_source(&older)
            .var("BUREAU_DATABASE__MIGRATE_ON_START", migrate_on_start);
        let server = older.start(&source).await.unwrap();
        let client = bureau_core::testing::client();
        let ready = client
            .get(format!("{}/readyz", server.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(ready.status(), 200, "migrate_on_start = {migrate_on_start}");
        let home = client.get(server.url()).send().await.unwrap();
        assert_eq!(home.status(), 200);
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn a_database_migrated_by_another_release_line_is_not_migrated() {
    let app = app_with(&Probe::default());
    let database = TestDatabase::create().await;
    command(&app, &database, &["migrate", "up"]).await.unwrap();
    command(&app, &database, &["migrate", "down"])
        .await
        .unwrap();
    // A migration this release never had, beside one of its own that is pending.
    let db = Database::connect(&database.url).await.unwrap();
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_string(
        backend,
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000001_elsewhere', 0)",
    ))
    .await
    .unwrap();

    let refused = command(&app, &database, &["migrate", "up"])
        .await
        .unwrap_err();
    let start = app.start(&database.config_source(&app)).await;

    for error in [
        refused,
        start.err().map(|e| e.to_string()).unwrap_or_default(),
    ] {
        assert!(error.contains("m20991231_000001_elsewhere"), "{error}");
        assert!(error.contains(NEWER_MIGRATIONS[1]), "{error}");
        assert!(error.contains("another release line"), "{error}");
    }
    let status = command(&app, &database, &["migrate", "status"])
        .await
        .unwrap();
    assert!(
        status.contains(&format!("pending  probe        {}", NEWER_MIGRATIONS[1])),
        "nothing was applied: {status}"
    );
    let _ = db.close().await;
}
