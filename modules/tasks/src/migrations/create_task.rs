//! The task table and the indexes the API's queries use.

use sea_orm_migration::prelude::*;

pub(super) struct CreateTask;

impl MigrationName for CreateTask {
    fn name(&self) -> &str {
        "m20261123_000001_tasks_create_task"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTask {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Task::Table)
                    .col(
                        ColumnDef::new(Task::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Task::OwnerId).big_integer().not_null())
                    .col(ColumnDef::new(Task::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Task::Description).text().not_null())
                    .col(ColumnDef::new(Task::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Task::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Task::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Task::Table, Task::OwnerId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A user's list, newest first, and filtered by status: the queries the API makes.
        for (name, second) in [
            ("tasks_task_owner_created", Task::CreatedAt),
            ("tasks_task_owner_status", Task::Status),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Task::Table)
                        .col(Task::OwnerId)
                        .col(second)
                        .col(Task::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Task::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(super) enum Task {
    #[sea_orm(iden = "tasks_task")]
    Table,
    Id,
    OwnerId,
    Title,
    Description,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(super) enum User {
    #[sea_orm(iden = "core_user")]
    Table,
    Id,
}
