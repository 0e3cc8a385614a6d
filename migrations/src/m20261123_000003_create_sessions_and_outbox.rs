//! Server-side sessions (the database store) and the mail outbox.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(
                        ColumnDef::new(Session::Id)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Session::Data).text().not_null())
                    .col(
                        ColumnDef::new(Session::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // Indexes are created on their own: only MySQL accepts them inside CREATE TABLE.
        manager
            .create_index(
                Index::create()
                    .name("core_session_expires_at")
                    .table(Session::Table)
                    .col(Session::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(
                        ColumnDef::new(Outbox::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Outbox::Recipient).string_len(254).not_null())
                    .col(ColumnDef::new(Outbox::Subject).string_len(255).not_null())
                    .col(ColumnDef::new(Outbox::TextBody).text().not_null())
                    .col(ColumnDef::new(Outbox::HtmlBody).text().null())
                    .col(ColumnDef::new(Outbox::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Outbox::Attempts).integer().not_null())
                    .col(
                        ColumnDef::new(Outbox::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Outbox::ClaimedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Outbox::ClaimToken).string_len(32).null())
                    .col(ColumnDef::new(Outbox::LastError).text().null())
                    .col(
                        ColumnDef::new(Outbox::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Outbox::SentAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("core_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Session::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Session {
    #[sea_orm(iden = "core_session")]
    Table,
    Id,
    Data,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Outbox {
    #[sea_orm(iden = "core_outbox")]
    Table,
    Id,
    Recipient,
    Subject,
    TextBody,
    HtmlBody,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    ClaimToken,
    LastError,
    CreatedAt,
    SentAt,
}
