//! The command line: check, migrate, loaddata, dumpdata, routes.

use bureau_core::sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, QueryOrder, Set};
use bureau_core::testing::{TestApp, TestDatabase};

use crate::probe::{DEMO, Probe, note};
use crate::support::{app_with, bureau, command, command_with, stderr, stdout};

#[test]
fn check_fails_when_the_database_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();

    let output = bureau(
        dir.path(),
        &["check"],
        &[
            (
                "BUREAU_DATABASE__URL",
                "postgres://postgres:secret@127.0.0.1:1/bureau",
            ),
            ("BUREAU_DATABASE__CONNECT_TIMEOUT_SECS", "2"),
        ],
    );

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains(
            "cannot connect to the database at postgres://postgres:***@127.0.0.1:1/bureau"
        ),
        "{message}"
    );
    assert!(
        !message.contains("secret"),
        "the password leaked: {message}"
    );
}

#[tokio::test]
async fn check_reports_configuration_database_and_migrations() {
    let database = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();

    let output = bureau(
        dir.path(),
        &["check"],
        &[("BUREAU_DATABASE__URL", &database.url)],
    );

    assert!(output.status.success(), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(
        report.contains("configuration  ok (dev profile"),
        "{report}"
    );
    assert!(report.contains("database       ok ("), "{report}");
    assert!(
        report.contains("migrations     0 applied, ")
            && report.contains(" pending — run `bureau migrate up`"),
        "{report}"
    );
}

#[tokio::test]
async fn loaddata_rolls_back_every_record_when_one_is_broken() {
    let probe = Probe::default();
    let bureau = app_with(&probe);
    let app = TestApp::spawn(&bureau).await;
    let file = app.database.dir.path().join("broken.json");
    std::fs::write(
        &file,
        r#"[
          {"model": "probe.note", "pk": 1, "fields": {"title": "one", "published": true, "created_at": "2026-11-01T09:00:00Z"}},
          {"model": "probe.note", "pk": 2, "fields": {"title": "two", "published": false, "created_at": "2026-11-01T09:00:00Z"}},
          {"model": "probe.note", "pk": 3, "fields": {"title": "three", "published": "yes", "created_at": "2026-11-01T09:00:00Z"}}
        ]"#,
    )
    .unwrap();

    let error = command(
        &bureau,
        &app.database,
        &["loaddata", file.to_str().unwrap()],
    )
    .await
    .unwrap_err();

    assert!(
        error.contains("record 3 (probe.note pk=3): field `published` expected true or false"),
        "{error}"
    );
    assert_eq!(
        note::Entity::find().count(app.state().db()).await.unwrap(),
        0,
        "records 1 and 2 were kept"
    );
}

#[tokio::test]
async fn loaddata_names_unknown_models_and_fields() {
    let probe = Probe::default();
    let bureau = app_with(&probe);
    let app = TestApp::spawn(&bureau).await;
    let models = app.database.dir.path().join("model.json");
    let fields = app.database.dir.path().join("field.json");
    std::fs::write(
        &models,
        r#"[{"model": "probe.notes", "pk": 1, "fields": {}}]"#,
    )
    .unwrap();
    std::fs::write(
        &fields,
        r#"[{"model": "probe.note", "pk": 1, "fields": {"titel": "x"}}]"#,
    )
    .unwrap();

    let model = command(
        &bureau,
        &app.database,
        &["loaddata", models.to_str().unwrap()],
    )
    .await
    .unwrap_err();
    let field = command(
        &bureau,
        &app.database,
        &["loaddata", fields.to_str().unwrap()],
    )
    .await
    .unwrap_err();
    let missing = command(&bureau, &app.database, &["loaddata", "no-such-file.json"])
        .await
        .unwrap_err();

    assert!(
        model.contains("record 1: unknown model `probe.notes`; registered models: ")
            && model.contains("probe.note"),
        "{model}"
    );
    assert!(
        field.contains(
            "unknown field `titel`; `probe.note` has: id, title, body, published, created_at"
        ),
        "{field}"
    );
    assert!(missing.contains("no fixture file or registered fixture named no-such-file.json; registered fixtures: core/demo, movies/demo, forum/demo, store/demo, store/demo-orders, tasks/demo, probe/demo"), "{missing}");
}

#[tokio::test]
async fn a_registered_fixture_loads_by_name_and_loading_twice_keeps_one_copy() {
    let probe = Probe::default();
    let bureau = app_with(&probe);
    let app = TestApp::spawn(&bureau).await;

    let first = command(&bureau, &app.database, &["loaddata", "probe/demo"])
        .await
        .unwrap();
    command(&bureau, &app.database, &["loaddata", "probe/demo"])
        .await
        .unwrap();

    assert_eq!(first.trim(), "Loaded 2 record(s) from 1 fixture(s).");
    let notes = note::Entity::find()
        .order_by_asc(note::Column::Id)
        .all(app.state().db())
        .await
        .unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[1].title, "Second <note>");
    let expected: bureau_core::sea_orm::prelude::DateTimeUtc =
        "2026-11-02T09:30:00Z".parse().unwrap();
    assert_eq!(
        notes[1].created_at, expected,
        "the same instant, whatever offset the backend keeps"
    );
}

#[tokio::test]
async fn dumpdata_and_loaddata_round_trip_and_new_rows_do_not_collide() {
    let probe = Probe::default();
    let bureau = app_with(&probe);
    let source = TestApp::spawn(&bureau).await;
    command(&bureau, &source.database, &["loaddata", "probe/demo"])
        .await
        .unwrap();
    let file = source.database.dir.path().join("dump.json");

    let written = command(
        &bureau,
        &source.database,
        &["dumpdata", "probe", "--output", file.to_str().unwrap()],
    )
    .await
    .unwrap();
    let target = TestApp::spawn(&bureau).await;
    command(
        &bureau,
        &target.database,
        &["loaddata", file.to_str().unwrap()],
    )
    .await
    .unwrap();

    assert!(written.contains("Wrote 2 record(s)"), "{written}");
    let dumped: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let expected: serde_json::Value = serde_json::from_str(DEMO).unwrap();
    assert_eq!(dumped[0]["pk"], 1);
    assert_eq!(dumped[0]["fields"]["body"], serde_json::Value::Null);
    assert_eq!(dumped[1]["fields"]["title"], expected[1]["fields"]["title"]);
    let db = target.state().db();
    let copied = note::Entity::find()
        .order_by_asc(note::Column::Id)
        .all(db)
        .await
        .unwrap();
    let original = note::Entity::find()
        .order_by_asc(note::Column::Id)
        .all(source.state().db())
        .await
        .unwrap();
    assert_eq!(copied, original);

    // Rows loaded with explicit keys must not make the next insert reuse a key.
    let fresh = note::ActiveModel {
        title: Set("after the fixture".into()),
        published: Set(false),
        created_at: Set(chrono_now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(fresh.id, 3);
}

fn chrono_now() -> bureau_core::sea_orm::prelude::DateTimeWithTimeZone {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

#[tokio::test]
async fn migrate_up_down_status_and_fresh() {
    let probe = Probe::default();
    let bureau = app_with(&probe);
    let database = TestDatabase::create().await;

    let pending = command(&bureau, &database, &["migrate", "status"])
        .await
        .unwrap();
    let up = command(&bureau, &database, &["migrate", "up"])
        .await
        .unwrap();
    let down = command(&bureau, &database, &["migrate", "down"])
        .await
        .unwrap();
    let after_down = command(&bureau, &database, &["migrate", "status"])
        .await
        .unwrap();
    let refused = command(&bureau, &database, &["migrate", "fresh"])
        .await
        .unwrap_err();
    let fresh = command(&bureau, &database, &["migrate", "fresh", "--yes"])
        .await
        .unwrap();

    assert!(
        pending.contains("pending  probe        m20261123_000001_probe_create_note"),
        "{pending}"
    );
    let total = pending.lines().filter(|l| l.starts_with("pending")).count();
    assert!(total >= 2, "{pending}");
    assert_eq!(
        up.trim(),
        format!("Applied {total} migration(s); 0 pending.")
    );
    assert_eq!(down.trim(), "Reverted 1 migration(s).");
    assert!(after_down.contains("applied  core "), "{after_down}");
    assert!(after_down.contains("pending  probe "), "{after_down}");
    assert!(
        refused.contains("not confirmed; nothing was changed"),
        "{refused}"
    );
    assert_eq!(
        fresh.trim(),
        format!("Dropped all tables and applied {total} migration(s).")
    );
}

#[tokio::test]
async fn routes_lists_pages_and_api_operations_with_their_modules() {
    let bureau = app_with(&Probe::default());
    let database = TestDatabase::create().await;

    let routes = command(&bureau, &database, &["routes"]).await.unwrap();

    let line = |path: &str| {
        routes
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(path))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        line("/healthz").starts_with("GET") && line("/healthz").ends_with("core"),
        "{routes}"
    );
    assert!(line("/probe/notes/").ends_with("page probe"), "{routes}");
    assert!(
        line("/api/probe/notes/count/").ends_with("api  probe"),
        "{routes}"
    );
    assert!(line("/").ends_with("page movies"), "{routes}");
}

#[tokio::test]
async fn a_module_command_runs_with_the_app_state_and_its_own_arguments() {
    let probe = Probe::default();
    let bureau = app_with(&probe);
    let app = TestApp::spawn(&bureau).await;
    command(&bureau, &app.database, &["loaddata", "probe/demo"])
        .await
        .unwrap();

    let all = command(&bureau, &app.database, &["probe", "notes"]).await;
    let published = command_with(
        &bureau,
        &app.database,
        &["probe", "notes", "--published"],
        |source| source.var("BUREAU_PROBE__GREETING", "bonjour"),
    )
    .await;
    let unknown = command(&bureau, &app.database, &["probe", "notes", "--draft"]).await;
    let missing = command(&bureau, &app.database, &["probe", "tally"]).await;

    assert_eq!(all.unwrap(), "hello: 2 notes\n");
    assert_eq!(published.unwrap(), "bonjour: 1 notes\n");
    assert!(
        unknown
            .unwrap_err()
            .contains("unexpected argument '--draft' found")
    );
    assert!(
        missing
            .unwrap_err()
            .contains("unrecognized subcommand 'tally'")
    );
}

#[tokio::test]
async fn a_module_command_migrates_first_or_is_refused_while_migrations_are_pending() {
    let bureau = app_with(&Probe::default());
    let database = TestDatabase::create().await;

    let refused = command_with(&bureau, &database, &["probe", "notes"], |source| {
        source.var("BUREAU_DATABASE__MIGRATE_ON_START", "false")
    })
    .await;
    let migrated = command(&bureau, &database, &["probe", "notes"]).await;

    let refused = refused.unwrap_err();
    assert!(
        refused.contains(
            " migration(s) pending and database.migrate_on_start is off; run `bureau migrate up` first"
        ),
        "{refused}"
    );
    assert_eq!(migrated.unwrap(), "hello: 0 notes\n");
}
