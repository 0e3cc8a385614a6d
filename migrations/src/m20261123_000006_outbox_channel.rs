//! The outbox carries SMS as well as mail: `channel` says which transport sends a row (`mail` or
//! `sms`). Rows written before it existed are mail. An index pairs it with `id` for the admin's
//! channel filter, which lists newest first.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "core_outbox_channel_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(
                        ColumnDef::new(Outbox::Channel)
                            .string_len(8)
                            .not_null()
                            .default("mail"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Outbox::Table)
                    .col(Outbox::Channel)
                    .col(Outbox::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Outbox::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .drop_column(Outbox::Channel)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    #[sea_orm(iden = "core_outbox")]
    Table,
    Id,
    Channel,
}
