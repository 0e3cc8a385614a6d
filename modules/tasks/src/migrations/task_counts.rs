//! `tasks_task_count`: how many tasks each owner has in each status, kept by triggers.
//!
//! A list's `count` would otherwise be a `COUNT(*)` over all of the owner's tasks on every page —
//! the most expensive part of a list request (0.25 ms on SQLite and 1.6 ms on PostgreSQL for
//! 10,000 tasks, against 0.03 ms for the page itself). Triggers rather than the app keep the
//! counts, so every way a task is written (the API, the admin, fixtures, SQL by hand) keeps them
//! right. A trigger that moves a task between two counts updates them in a fixed order (by owner,
//! then status), so two such updates cannot deadlock each other.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

use super::create_task::User;

pub(super) struct CreateTaskCounts;

impl MigrationName for CreateTaskCounts {
    fn name(&self) -> &str {
        "m20261123_000002_tasks_task_counts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTaskCounts {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TaskCount::Table)
                    .col(ColumnDef::new(TaskCount::OwnerId).big_integer().not_null())
                    .col(ColumnDef::new(TaskCount::Status).string_len(16).not_null())
                    .col(ColumnDef::new(TaskCount::N).big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(TaskCount::OwnerId)
                            .col(TaskCount::Status),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TaskCount::Table, TaskCount::OwnerId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let statements = match db.get_database_backend() {
            DbBackend::Sqlite => SQLITE_UP,
            DbBackend::Postgres => POSTGRES_UP,
            _ => MYSQL_UP,
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        // Tasks written before this migration.
        db.execute_unprepared(
            "INSERT INTO tasks_task_count (owner_id, status, n) \
             SELECT owner_id, status, COUNT(*) FROM tasks_task GROUP BY owner_id, status",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements = match db.get_database_backend() {
            DbBackend::Postgres => POSTGRES_DOWN,
            _ => SQLITE_AND_MYSQL_DOWN,
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        manager
            .drop_table(Table::drop().table(TaskCount::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TaskCount {
    #[sea_orm(iden = "tasks_task_count")]
    Table,
    OwnerId,
    Status,
    N,
}

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER tasks_task_count_insert AFTER INSERT ON tasks_task BEGIN
        INSERT INTO tasks_task_count (owner_id, status, n) VALUES (NEW.owner_id, NEW.status, 1)
        ON CONFLICT (owner_id, status) DO UPDATE SET n = n + 1;
    END",
    "CREATE TRIGGER tasks_task_count_delete AFTER DELETE ON tasks_task BEGIN
        UPDATE tasks_task_count SET n = n - 1 WHERE owner_id = OLD.owner_id AND status = OLD.status;
    END",
    // SQLite runs one writer at a time, so the order of the two updates does not matter here.
    "CREATE TRIGGER tasks_task_count_update AFTER UPDATE OF owner_id, status ON tasks_task
    WHEN OLD.owner_id <> NEW.owner_id OR OLD.status <> NEW.status BEGIN
        UPDATE tasks_task_count SET n = n - 1 WHERE owner_id = OLD.owner_id AND status = OLD.status;
        INSERT INTO tasks_task_count (owner_id, status, n) VALUES (NEW.owner_id, NEW.status, 1)
        ON CONFLICT (owner_id, status) DO UPDATE SET n = n + 1;
    END",
];

const POSTGRES_UP: &[&str] = &[
    // OR REPLACE: `migrate fresh` drops the tables, not the functions.
    "CREATE OR REPLACE FUNCTION tasks_task_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF OLD.owner_id = NEW.owner_id AND OLD.status = NEW.status THEN
                RETURN NULL;
            END IF;
            IF (NEW.owner_id, NEW.status) < (OLD.owner_id, OLD.status) THEN
                INSERT INTO tasks_task_count (owner_id, status, n) VALUES (NEW.owner_id, NEW.status, 1)
                ON CONFLICT (owner_id, status) DO UPDATE SET n = tasks_task_count.n + 1;
                UPDATE tasks_task_count SET n = n - 1
                WHERE owner_id = OLD.owner_id AND status = OLD.status;
                RETURN NULL;
            END IF;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE tasks_task_count SET n = n - 1
            WHERE owner_id = OLD.owner_id AND status = OLD.status;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            INSERT INTO tasks_task_count (owner_id, status, n) VALUES (NEW.owner_id, NEW.status, 1)
            ON CONFLICT (owner_id, status) DO UPDATE SET n = tasks_task_count.n + 1;
        END IF;
        RETURN NULL;
    END $$",
    "CREATE TRIGGER tasks_task_count AFTER INSERT OR DELETE OR UPDATE OF owner_id, status
    ON tasks_task FOR EACH ROW EXECUTE FUNCTION tasks_task_count()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS tasks_task_count ON tasks_task",
    "DROP FUNCTION IF EXISTS tasks_task_count()",
];

// MySQL and MariaDB: cascaded foreign-key deletes do not fire triggers there, but the counts of a
// deleted owner go with the owner through their own foreign key.
const MYSQL_UP: &[&str] = &[
    "CREATE TRIGGER tasks_task_count_insert AFTER INSERT ON tasks_task FOR EACH ROW
        INSERT INTO tasks_task_count (owner_id, status, n) VALUES (NEW.owner_id, NEW.status, 1)
        ON DUPLICATE KEY UPDATE n = n + 1",
    "CREATE TRIGGER tasks_task_count_delete AFTER DELETE ON tasks_task FOR EACH ROW
        UPDATE tasks_task_count SET n = n - 1 WHERE owner_id = OLD.owner_id AND status = OLD.status",
    "CREATE TRIGGER tasks_task_count_update AFTER UPDATE ON tasks_task FOR EACH ROW
    BEGIN
        IF OLD.owner_id <> NEW.owner_id OR OLD.status <> NEW.status THEN
            IF (NEW.owner_id, NEW.status) < (OLD.owner_id, OLD.status) THEN
                INSERT INTO tasks_task_count (owner_id, status, n) VALUES (NEW.owner_id, NEW.status, 1)
                ON DUPLICATE KEY UPDATE n = n + 1;
                UPDATE tasks_task_count SET n = n - 1
                WHERE owner_id = OLD.owner_id AND status = OLD.status;
            ELSE
                UPDATE tasks_task_count SET n = n - 1
                WHERE owner_id = OLD.owner_id AND status = OLD.status;
                INSERT INTO tasks_task_count (owner_id, status, n) VALUES (NEW.owner_id, NEW.status, 1)
                ON DUPLICATE KEY UPDATE n = n + 1;
            END IF;
        END IF;
    END",
];

const SQLITE_AND_MYSQL_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS tasks_task_count_insert",
    "DROP TRIGGER IF EXISTS tasks_task_count_delete",
    "DROP TRIGGER IF EXISTS tasks_task_count_update",
];
