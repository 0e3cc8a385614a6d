//! A module registers migrations, routes, an API, admin panels, policies, fixtures, templates,
//! static files, nav entries, jobs and configuration — and each is served by the real app.

use std::sync::atomic::Ordering;
use std::time::Duration;

use bureau_core::sea_orm::{EntityTrait, PaginatorTrait};
use bureau_core::testing::TestApp;
use bureau_core::{AppBuilder, Module, Policy};
use serde_json::Value;

use crate::probe::{Probe, note};
use crate::support::{app_with, command, eventually, html, spawn, spawn_with};

#[tokio::test]
async fn module_page_renders_its_template_in_the_base_layout_with_its_nav_entry() {
    let (app, _) = spawn().await;

    let response = app.get("/probe/notes/").await;

    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = html(&response.text().await.unwrap());
    assert!(html.contains("<title>Notes · Bureau</title>"), "{html}");
    assert!(
        html.contains(r#"<a href="/probe/notes/">Notes</a>"#),
        "nav entry missing: {html}"
    );
    assert!(
        html.contains("/static/core/css/bureau.css?v="),
        "base layout stylesheet missing"
    );
    assert!(html.contains(r#"<p class="note-count">0 notes</p>"#));
}

#[tokio::test]
async fn module_migration_is_applied_on_start() {
    let probe = Probe::default();
    let bureau = app_with(&probe);
    let app = TestApp::spawn(&bureau).await;

    let status = command(&bureau, &app.database, &["migrate", "status"])
        .await
        .unwrap();

    assert!(
        status.contains("applied  probe        m20261123_000001_probe_create_note"),
        "{status}"
    );
    assert!(
        status.contains("applied  core         m20261123_000001_create_fixture_loads"),
        "{status}"
    );
    assert_eq!(
        note::Entity::find().count(app.state().db()).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn module_api_is_served_and_in_the_combined_openapi_document() {
    let (app, _) = spawn().await;

    let count: Value = app
        .get("/api/probe/notes/count")
        .await
        .json()
        .await
        .unwrap();
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let yaml = app.get("/api/openapi.yaml").await.text().await.unwrap();

    assert_eq!(count, serde_json::json!({ "count": 0 }));
    assert_eq!(doc["info"]["title"], "Bureau API");
    let operation = &doc["paths"]["/api/probe/notes/count/"]["get"];
    assert_eq!(operation["operationId"], "probe_note_count");
    assert_eq!(
        doc["components"]["schemas"]["NoteCount"]["properties"]["count"]["type"],
        "integer"
    );
    assert!(yaml.contains("/api/probe/notes/count/:"), "{yaml}");
}

#[tokio::test]
async fn admin_panels_policies_fixtures_and_jobs_are_in_the_registry() {
    let registry = app_with(&Probe::default()).registry().unwrap();

    let panel = registry
        .admin_panels()
        .iter()
        .find(|p| p.key() == "probe.note")
        .expect("panel");
    assert_eq!(panel.columns(), ["title", "published", "created_at"]);
    assert_eq!(panel.searches(), ["title"]);
    assert_eq!(panel.default_ordering(), ["-created_at"]);
    assert_eq!(registry.model("probe.note").unwrap().table, "probe_note");
    assert!(registry.policies().contains(&(
        "probe",
        Policy::allow("probe_editor", "probe.note", "change")
    )));
    assert!(
        registry
            .policies()
            .contains(&("probe", Policy::inherit("probe_editor", "probe_viewer")))
    );
    assert_eq!(
        registry.fixture_names(),
        [
            "core/demo",
            "movies/demo",
            "forum/demo",
            "store/demo",
            "store/demo-orders",
            "tasks/demo",
            "probe/demo"
        ]
    );
    assert_eq!(
        registry.job_names(),
        [
            "core/outbox",
            "core/sqlite-checkpoint",
            "core/account-cleanup",
            "core/rbac-refresh",
            "probe/count-notes"
        ]
    );
}

#[tokio::test]
async fn demo_fixtures_load_on_the_first_start_only() {
    let probe = Probe::default();
    let bureau = app_with(&probe);
    let demo_on =
        |source: bureau_core::ConfigSource| source.var("BUREAU_APP__LOAD_DEMO_FIXTURES", "true");
    let app = TestApp::spawn_with(&bureau, demo_on).await;
    let db = app.state().db().clone();
    assert_eq!(note::Entity::find().count(&db).await.unwrap(), 2);
    note::Entity::delete_by_id(2).exec(&db).await.unwrap();

    // A restart with demo fixtures still on must not bring the deleted note back.
    let restarted = app.restart(&bureau).await;

    assert_eq!(
        note::Entity::find()
            .count(restarted.state().db())
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn background_job_runs_with_the_app_state_and_stops_at_shutdown() {
    let (app, probe) = spawn().await;

    eventually(Duration::from_secs(5), || {
        probe.job_runs.load(Ordering::SeqCst) >= 2
    })
    .await;
    app.server.shutdown().await.unwrap();
    let after_shutdown = probe.job_runs.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;

    assert_eq!(
        probe.job_runs.load(Ordering::SeqCst),
        after_shutdown,
        "job kept running after shutdown"
    );
}

#[tokio::test]
async fn module_static_files_are_served_under_the_module_name() {
    let (app, _) = spawn().await;

    let response = app.get("/static/probe/probe.css").await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/css; charset=utf-8"
    );
    assert!(response.text().await.unwrap().contains(".note-count"));
}

#[tokio::test]
async fn module_configuration_section_has_defaults_and_env_overrides() {
    let (default_app, _) = spawn().await;
    let (configured, _) = spawn_with(|s| s.var("BUREAU_PROBE__GREETING", "bonjour")).await;

    assert_eq!(
        default_app
            .get("/probe/greeting")
            .await
            .text()
            .await
            .unwrap(),
        "hello"
    );
    assert_eq!(
        configured
            .get("/probe/greeting")
            .await
            .text()
            .await
            .unwrap(),
        "bonjour"
    );

    let bureau = app_with(&Probe::default());
    let typo = default_app
        .database
        .config_source(&bureau)
        .var("BUREAU_PROBE__GRETING", "x");
    let error = bureau
        .config(&typo)
        .expect_err("unknown key in a module section is refused")
        .to_string();
    assert!(error.contains("unknown key `probe.greting`"), "{error}");
}

struct Named {
    name: &'static str,
    after: &'static [&'static str],
}

impl Module for Named {
    fn name(&self) -> &'static str {
        self.name
    }

    fn dependencies(&self) -> &'static [&'static str] {
        self.after
    }

    fn build(&self, app: &mut AppBuilder) {
        app.nav(self.name, &format!("/{}/", self.name));
    }
}

#[tokio::test]
async fn startup_order_is_core_then_listing_order_with_dependencies_first() {
    // Modules of the test's own, on a bare app: the real ones would be in the listing too.
    let app = bureau_core::App::new(bureau::app().defaults())
        .module(Named {
            name: "forum",
            after: &["movies"],
        })
        .module(Named {
            name: "movies",
            after: &[],
        })
        .module(Named {
            name: "tasks",
            after: &[],
        });

    let registry = app.registry().unwrap();

    let order: Vec<&str> = registry.modules().iter().map(|m| m.name).collect();
    assert_eq!(order, ["core", "movies", "forum", "tasks"]);
    let nav: Vec<&str> = registry.nav().iter().map(|n| n.label.as_str()).collect();
    assert_eq!(nav, ["movies", "forum", "tasks"]);
    // The same listing always gives the same order.
    let again: Vec<&str> = app
        .registry()
        .unwrap()
        .modules()
        .iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(order, again);
}

#[cfg(debug_assertions)]
#[tokio::test]
async fn debug_builds_reload_edited_templates_from_disk() {
    let (app, _) = spawn().await;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/probe/templates/live.html"
    );
    let render = || {
        app.state()
            .templates()
            .render("probe/live.html", serde_json::json!({ "who": "<you>" }))
    };

    std::fs::write(path, "first {{ who }}").unwrap();
    let first = render();
    std::fs::write(path, "second {{ who }}").unwrap();
    let second = render();
    std::fs::remove_file(path).unwrap();

    assert_eq!(
        first.unwrap(),
        "first &lt;you&gt;",
        "autoescaped by the .html extension"
    );
    assert_eq!(second.unwrap(), "second &lt;you&gt;");
}

#[tokio::test]
async fn sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout() {
    use bureau_core::sea_orm::{ConnectionTrait, DbBackend, Statement};
    let (app, _) = spawn_with(|s| {
        let dir = tempfile::tempdir().unwrap().keep();
        s.var(
            "BUREAU_DATABASE__URL",
            format!("sqlite://{}/pragmas.db", dir.display()),
        )
        .var("BUREAU_DATABASE__SQLITE_BUSY_TIMEOUT_MS", "4321")
    })
    .await;
    let db = app.state().db();
    let pragma = async |name: &str| -> String {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                format!("PRAGMA {name}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0)
            .map(|v| v.to_string())
            .or_else(|_| row.try_get_by_index::<String>(0))
            .unwrap()
    };

    assert_eq!(pragma("journal_mode").await, "wal");
    assert_eq!(pragma("foreign_keys").await, "1");
    assert_eq!(pragma("busy_timeout").await, "4321");
}

#[tokio::test]
async fn instances_starting_together_migrate_and_load_demo_data_once() {
    let bureau = app_with(&Probe::default());
    let database = bureau_core::testing::TestDatabase::create().await;
    let source = database
        .config_source(&bureau)
        .var("BUREAU_APP__LOAD_DEMO_FIXTURES", "true");

    let (a, b, c) = tokio::join!(
        bureau.start(&source),
        bureau.start(&source),
        bureau.start(&source)
    );

    let servers: Vec<_> = [a, b, c]
        .into_iter()
        .map(|started| started.unwrap_or_else(|e| panic!("an instance failed to start: {e}")))
        .collect();
    assert_eq!(
        note::Entity::find()
            .count(servers[0].state().db())
            .await
            .unwrap(),
        2
    );
    let status = command(&bureau, &database, &["migrate", "status"])
        .await
        .unwrap();
    assert!(!status.contains("pending"), "{status}");
    for server in servers {
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn sqlites_write_ahead_log_is_emptied_under_steady_reads() {
    use bureau_core::sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    let dir = tempfile::tempdir().unwrap().keep();
    let file = dir.join("wal.db");
    let (app, _) = spawn_with(|s| {
        s.var(
            "BUREAU_DATABASE__URL",
            format!("sqlite://{}", file.display()),
        )
        .var("BUREAU_DATABASE__SQLITE_CHECKPOINT_SECS", "1")
    })
    .await;
    let db = app.state().db();
    let wal = dir.join("wal.db-wal");
    // A reader that stays open keeps SQLite's own checkpoints from emptying the log.
    let reader = db.begin().await.unwrap();
    reader
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT COUNT(*) FROM core_user",
        ))
        .await
        .unwrap();
    // Past the 4 MiB that SQLite's own checkpoints would handle, were nobody reading.
    let big = "x".repeat(1 << 20);
    for i in 0..6 {
        db.execute_unprepared(&format!(
            "INSERT INTO core_admin_log (at, username, action, model, object_id, object_repr, changes) \
             VALUES ('2026-11-23T10:00:00+00:00', 'u', 'add', 'core.user', '{i}', 'x', '{big}')"
        ))
        .await
        .unwrap();
    }
    assert!(std::fs::metadata(&wal).unwrap().len() > 4 << 20);
    reader.commit().await.unwrap();
    crate::support::eventually(std::time::Duration::from_secs(10), || {
        std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) == 0
    })
    .await;
}
