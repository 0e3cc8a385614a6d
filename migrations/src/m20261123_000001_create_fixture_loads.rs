//! Records which registered fixtures were loaded, so demo data is loaded once on first start and a
//! module added later still gets its own.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FixtureLoads::Table)
                    .if_not_exists()
                    // 190 characters keeps the key inside MySQL's index limit with utf8mb4.
                    .col(
                        ColumnDef::new(FixtureLoads::Name)
                            .string_len(190)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(FixtureLoads::Records)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FixtureLoads::LoadedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FixtureLoads::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum FixtureLoads {
    #[sea_orm(iden = "bureau_fixture_loads")]
    Table,
    Name,
    Records,
    LoadedAt,
}
