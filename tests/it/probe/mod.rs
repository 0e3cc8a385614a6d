//! `probe`: a module defined by the tests that registers one of everything a module can register,
//! so the tests can see each piece served by the real app.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bureau_core::entities::user;
use bureau_core::poem::web::{Data, Query};
use bureau_core::poem::{Body, handler};
use bureau_core::poem_openapi::payload::Json;
use bureau_core::poem_openapi::{Object, OpenApi};
use bureau_core::rust_embed::RustEmbed;
use bureau_core::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use bureau_core::{
    ActionContext, ActionField, ActionOutcome, AdminPanel, AppBuilder, AppState, Module,
    ModuleCommand, Policy, get, post,
};
use serde::Deserialize;
use tokio::sync::{Notify, Semaphore};

pub mod note {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "probe_note")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub title: String,
        pub body: Option<String>,
        pub published: bool,
        pub created_at: DateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A comment on a note: the child rows the note panel edits inline.
pub mod comment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "probe_comment")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub note_id: i32,
        #[sea_orm(column_type = "String(StringLen::N(80))")]
        pub author: String,
        pub body: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::note::Entity",
            from = "Column::NoteId",
            to = "super::note::Column::Id",
            on_delete = "Cascade"
        )]
        Note,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

mod migration {
    use sea_orm_migration::prelude::*;

    pub struct CreateNote;

    impl MigrationName for CreateNote {
        fn name(&self) -> &str {
            "m20261123_000001_probe_create_note"
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for CreateNote {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager
                .create_table(
                    Table::create()
                        .table("probe_note")
                        .col(
                            ColumnDef::new("id")
                                .integer()
                                .not_null()
                                .auto_increment()
                                .primary_key(),
                        )
                        .col(ColumnDef::new("title").string_len(200).not_null())
                        .col(ColumnDef::new("body").text().null())
                        .col(
                            ColumnDef::new("published")
                                .boolean()
                                .not_null()
                                .default(false),
                        )
                        .col(
                            ColumnDef::new("created_at")
                                .timestamp_with_time_zone()
                                .not_null(),
                        )
                        .to_owned(),
                )
                .await
        }

        async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager
                .drop_table(Table::drop().table("probe_note").to_owned())
                .await
        }
    }

    pub struct CreateComment;

    impl MigrationName for CreateComment {
        fn name(&self) -> &str {
            "m20261123_000002_probe_create_comment"
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for CreateComment {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager
                .create_table(
                    Table::create()
                        .table("probe_comment")
                        .col(
                            ColumnDef::new("id")
                                .integer()
                                .not_null()
                                .auto_increment()
                                .primary_key(),
                        )
                        .col(ColumnDef::new("note_id").integer().not_null())
                        .col(ColumnDef::new("author").string_len(80).not_null())
                        .col(ColumnDef::new("body").text().not_null())
                        .foreign_key(
                            ForeignKey::create()
                                .from("probe_comment", "note_id")
                                .to("probe_note", "id")
                                .on_delete(ForeignKeyAction::Cascade),
                        )
                        .to_owned(),
                )
                .await
        }

        async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            manager
                .drop_table(Table::drop().table("probe_comment").to_owned())
                .await
        }
    }

    pub fn all() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateNote), Box::new(CreateComment)]
    }
}

#[derive(RustEmbed)]
#[folder = "tests/it/probe/templates/"]
#[crate_path = "bureau_core::rust_embed"]
struct Templates;

#[derive(RustEmbed)]
#[folder = "tests/it/probe/static/"]
#[crate_path = "bureau_core::rust_embed"]
struct Static;

/// `[probe]` in the configuration.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProbeConfig {
    pub greeting: String,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        Self {
            greeting: "hello".into(),
        }
    }
}

pub const DEMO: &str = r#"[
  {"model": "probe.note", "pk": 1, "fields": {"title": "Welcome", "body": null, "published": true, "created_at": "2026-11-01T09:00:00Z"}},
  {"model": "probe.note", "pk": 2, "fields": {"title": "Second <note>", "body": "Plain text", "published": false, "created_at": "2026-11-02T10:30:00+01:00"}}
]"#;

/// The probe, with handles the tests watch: how often its job ran, and when its slow page started.
#[derive(Clone, Default)]
pub struct Probe {
    pub job_runs: Arc<AtomicUsize>,
    pub slow_started: Arc<Notify>,
    /// Where requests to `/probe/hold` wait until the test lets them go.
    pub hold: Arc<Hold>,
    /// Default rules registered besides the probe's own, as a newer version of a module would.
    pub extra_policies: Vec<Policy>,
}

impl Module for Probe {
    fn name(&self) -> &'static str {
        "probe"
    }

    fn build(&self, app: &mut AppBuilder) {
        let slow_started = self.slow_started.clone();
        let job_runs = self.job_runs.clone();
        app.migrations(migration::all)
            .model::<note::Entity>()
            .route("/probe/notes/", get(notes))
            .route("/probe/echo", post(echo))
            .route("/probe/panic", get(panics))
            .route("/probe/greeting", get(greeting))
            .route(
                "/probe/slow",
                get(bureau_core::poem::endpoint::make(move |_| {
                    let started = slow_started.clone();
                    async move {
                        started.notify_one();
                        tokio::time::sleep(Duration::from_millis(600)).await;
                        "finished"
                    }
                })),
            )
            .route("/probe/hold", get(hold(self.hold.clone())))
            .route("/probe/db-sleep", get(db_sleep))
            .route("/probe/fail", get(fails))
            .route("/api/probe-fail", get(fails))
            .api("/api/probe", ProbeApi)
            .admin(
                AdminPanel::of::<note::Entity>()
                    .list_display(["title", "published", "created_at"])
                    .search_fields(["title"])
                    .list_filter(["published"])
                    .ordering(["-created_at"])
                    .inline::<comment::Entity>(
                        "comments",
                        "Comments",
                        "note_id",
                        ["author", "body"],
                    )
                    .action("publish", "Publish selected notes", |txn, ids| {
                        Box::pin(async move {
                            use bureau_core::sea_orm::sea_query::Expr;
                            use bureau_core::sea_orm::{ColumnTrait, QueryFilter};
                            let ids: Vec<i64> = ids.iter().filter_map(|id| id.as_i64()).collect();
                            let done = note::Entity::update_many()
                                .col_expr(note::Column::Published, Expr::value(true))
                                .filter(note::Column::Id.is_in(ids))
                                .filter(note::Column::Published.eq(false))
                                .exec(txn)
                                .await?;
                            Ok(done.rows_affected)
                        })
                    })
                    .object_action(
                        "publish",
                        "Publish",
                        [
                            ActionField::textarea("note", "Note")
                                .required()
                                .max_length(200)
                                .help("Why it goes out now; kept in the history."),
                            ActionField::select(
                                "channel",
                                "Channel",
                                [("site", "Site only"), ("newsletter", "Site and newsletter")],
                            )
                            .required(),
                        ],
                        |txn, action| Box::pin(publish(txn, action)),
                    )
                    .object_action_when("publish", |row| {
                        row.get("published") == Some(&serde_json::Value::Bool(false))
                    }),
            )
            // Read-only: comments change only through their action.
            .admin(
                AdminPanel::of::<comment::Entity>()
                    .label("comments")
                    .list_display(["author", "body"])
                    .read_only()
                    .object_action(
                        "redact",
                        "Redact",
                        [ActionField::text("reason", "Reason").required()],
                        |txn, action| {
                            Box::pin(async move {
                                use bureau_core::sea_orm::sea_query::Expr;
                                comment::Entity::update_many()
                                    .col_expr(comment::Column::Body, Expr::value(REDACTED))
                                    .filter(comment::Column::Id.eq(action.id.as_i64()))
                                    .exec(txn)
                                    .await?;
                                Ok(ActionOutcome::done("The comment was redacted."))
                            })
                        },
                    )
                    .object_action_when("redact", |row| {
                        row.get("body").and_then(|b| b.as_str()) != Some(REDACTED)
                    }),
            )
            .policy(Policy::allow("probe_editor", "probe.note", "change"))
            .policy(Policy::inherit("probe_editor", "probe_viewer"))
            // Grants to core's default roles, for the RBAC matrix: `store_manager` sees notes
            // through `staff` and has a custom action of its own.
            .policy(Policy::allow("staff", "probe.note", "view"))
            .policy(Policy::allow("store_manager", "probe.note", "refund"))
            .policy(Policy::allow("customer", "probe.note", "add"))
            .route("/probe/rbac-check", get(rbac_check))
            .fixture("demo", DEMO)
            .templates::<Templates>()
            .static_files::<Static>()
            .nav("Notes", "/probe/notes/")
            .job(
                "count-notes",
                Duration::from_millis(50),
                move |state: AppState| {
                    let runs = job_runs.clone();
                    async move {
                        note::Entity::find().count(state.db()).await?;
                        runs.fetch_add(1, Ordering::SeqCst);
                        Ok(())
                    }
                },
            )
            .config_section::<ProbeConfig>("probe")
            .command("notes", "Count the probe's notes", NotesCommand);
        for policy in &self.extra_policies {
            app.policy(policy.clone());
        }
    }
}

/// What a redacted comment says.
pub const REDACTED: &str = "[redacted]";

/// The note panel's "Publish" object action. It publishes first and checks the channel after, so
/// the tests see a refusal roll back a write the action already made.
async fn publish(
    txn: &bureau_core::sea_orm::DatabaseTransaction,
    action: ActionContext,
) -> bureau_core::Result<ActionOutcome> {
    use bureau_core::sea_orm::sea_query::Expr;
    let done = note::Entity::update_many()
        .col_expr(note::Column::Published, Expr::value(true))
        .filter(note::Column::Id.eq(action.id.as_i64()))
        .filter(note::Column::Published.eq(false))
        .exec(txn)
        .await?;
    if done.rows_affected == 0 {
        return Ok(ActionOutcome::refused("This note is already published."));
    }
    let has_body = action.row.get("body").is_some_and(|b| !b.is_null());
    if action.input("channel") == "newsletter" && !has_body {
        return Ok(ActionOutcome::refused(
            "A note without a body cannot go to the newsletter.",
        ));
    }
    if action.input("note").eq_ignore_ascii_case("tbd") {
        return Ok(ActionOutcome::invalid(
            "note",
            "Say why it goes out, not “tbd”.",
        ));
    }
    let title = action.row.get("title").and_then(|t| t.as_str());
    Ok(ActionOutcome::done(format!(
        "“{}” was published by {}.",
        title.unwrap_or_default(),
        action.user.username
    )))
}

#[derive(Deserialize)]
struct RbacCheck {
    user: i64,
    object: String,
    action: String,
}

/// Test-only: answers 200 when user `user` may do `action` on `object`, else whatever
/// `Rbac::require` refuses with (403), as a real handler would.
#[handler]
async fn rbac_check(
    state: Data<&AppState>,
    Query(check): Query<RbacCheck>,
) -> bureau_core::Result<&'static str> {
    let user = user::Entity::find_by_id(check.user)
        .one(state.db())
        .await?
        .ok_or(bureau_core::Error::NotFound)?;
    state
        .rbac()
        .require(state.db(), &user, &check.object, &check.action)
        .await?;
    Ok("allowed")
}

#[handler]
async fn notes(
    state: Data<&AppState>,
) -> bureau_core::Result<bureau_core::poem::web::Html<String>> {
    let notes = note::Entity::find().all(state.db()).await?;
    let titles: Vec<String> = notes.into_iter().map(|n| n.title).collect();
    state.render(
        "probe/notes.html",
        serde_json::json!({ "count": titles.len(), "titles": titles }),
    )
}

#[handler]
async fn echo(body: Body) -> bureau_core::poem::Result<String> {
    let bytes = body.into_bytes().await?;
    Ok(format!("received {} bytes", bytes.len()))
}

/// Requests held in flight on purpose: each one is counted as it arrives and answers only when
/// the test releases it, so a test can fill the server without timing anything.
pub struct Hold {
    arrived: Semaphore,
    released: Semaphore,
}

impl Default for Hold {
    fn default() -> Self {
        Self {
            arrived: Semaphore::new(0),
            released: Semaphore::new(0),
        }
    }
}

impl Hold {
    /// Waits until `count` requests have arrived (and are waiting) since the last call.
    pub async fn arrived(&self, count: u32) {
        self.arrived.acquire_many(count).await.unwrap().forget();
    }

    /// Lets `count` waiting (or future) requests answer.
    pub fn release(&self, count: usize) {
        self.released.add_permits(count);
    }
}

fn hold(hold: Arc<Hold>) -> impl bureau_core::poem::Endpoint<Output = bureau_core::poem::Response> {
    use bureau_core::poem::IntoResponse;
    bureau_core::poem::endpoint::make(move |_| {
        let hold = hold.clone();
        async move {
            hold.arrived.add_permits(1);
            if let Ok(permit) = hold.released.acquire().await {
                permit.forget();
            }
            "released".into_response()
        }
    })
}

/// Test-only: one statement that runs for a minute on the database server (no such thing on
/// SQLite), so a test can cut the connection under it.
#[handler]
async fn db_sleep(state: Data<&AppState>) -> bureau_core::Result<&'static str> {
    use bureau_core::sea_orm::{ConnectionTrait, DbBackend};
    let sql = match state.db().get_database_backend() {
        DbBackend::Postgres => "SELECT pg_sleep(60)",
        DbBackend::MySql => "SELECT SLEEP(60)",
        _ => return Err(bureau_core::Error::NotFound),
    };
    state.db().execute_unprepared(sql).await?;
    Ok("slept")
}

/// What a failed statement looks like to a handler: a database error whose text names the table
/// and the column, answered as any handler's error is.
pub const FAILING_TABLE: &str = "probe_no_such_table";

#[handler]
async fn fails(state: Data<&AppState>) -> bureau_core::Result<&'static str> {
    use bureau_core::sea_orm::ConnectionTrait;
    state
        .db()
        .execute_unprepared(&format!("SELECT secret_column FROM {FAILING_TABLE}"))
        .await?;
    Ok("unreachable: the table does not exist")
}

#[handler]
fn panics() -> &'static str {
    panic!("the probe panicked on purpose")
}

#[handler]
fn greeting(state: Data<&AppState>) -> bureau_core::Result<String> {
    Ok(state
        .config()
        .section::<ProbeConfig>("probe")?
        .greeting
        .clone())
}

pub struct ProbeApi;

#[derive(Object)]
struct NoteCount {
    /// Notes in the database.
    count: u64,
}

#[OpenApi]
impl ProbeApi {
    /// Counts the notes.
    #[oai(
        path = "/notes/count",
        method = "get",
        operation_id = "probe_note_count"
    )]
    async fn count(&self, state: Data<&AppState>) -> bureau_core::poem::Result<Json<NoteCount>> {
        let count = note::Entity::find()
            .count(state.db())
            .await
            .map_err(bureau_core::Error::from)?;
        Ok(Json(NoteCount { count }))
    }
}

/// `bureau probe notes [--published]`: a module command, greeting as `[probe]` says.
pub struct NotesCommand;

#[derive(clap::Args)]
pub struct NotesArgs {
    /// Count only published notes
    #[arg(long)]
    published: bool,
}

impl ModuleCommand for NotesCommand {
    type Args = NotesArgs;

    async fn run(
        &self,
        state: AppState,
        args: NotesArgs,
        out: &mut (dyn std::io::Write + Send),
    ) -> bureau_core::Result<()> {
        let mut query = note::Entity::find();
        if args.published {
            query = query.filter(note::Column::Published.eq(true));
        }
        let count = query.count(state.db()).await?;
        let config = state.config().section::<ProbeConfig>("probe")?;
        writeln!(out, "{}: {count} notes", config.greeting)
            .map_err(|e| bureau_core::Error::io("writing output", e))
    }
}
