//! The admin's audit log: who added, changed, deleted or acted on which object, and when.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AdminLog::Table)
                    .col(
                        ColumnDef::new(AdminLog::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AdminLog::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    // Kept (as NULL) when the user is deleted; `username` says who it was.
                    .col(ColumnDef::new(AdminLog::UserId).big_integer().null())
                    .col(
                        ColumnDef::new(AdminLog::Username)
                            .string_len(150)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AdminLog::Action).string_len(64).not_null())
                    .col(ColumnDef::new(AdminLog::Model).string_len(100).not_null())
                    .col(
                        ColumnDef::new(AdminLog::ObjectId)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AdminLog::ObjectRepr)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AdminLog::Changes).text().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(AdminLog::Table, AdminLog::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // Indexes are created on their own: only MySQL accepts them inside CREATE TABLE.
        manager
            .create_index(
                Index::create()
                    .name("core_admin_log_object")
                    .table(AdminLog::Table)
                    .col(AdminLog::Model)
                    .col(AdminLog::ObjectId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("core_admin_log_user_at")
                    .table(AdminLog::Table)
                    .col(AdminLog::UserId)
                    .col(AdminLog::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AdminLog::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AdminLog {
    #[sea_orm(iden = "core_admin_log")]
    Table,
    Id,
    At,
    UserId,
    Username,
    Action,
    Model,
    ObjectId,
    ObjectRepr,
    Changes,
}

#[derive(DeriveIden)]
enum User {
    #[sea_orm(iden = "core_user")]
    Table,
    Id,
}
