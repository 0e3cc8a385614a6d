//! Indexes for the audit log's change list, which grows by a row per admin action and is read a
//! page at a time: every column the list sorts by, and every filter, pairs with `id` so that a
//! page — the first, the last, or one that starts after a given row — is an index range, not a
//! sort of the table. (`id` is the tiebreaker the list appends to every order; SQLite and InnoDB
//! add the key to an index by themselves, PostgreSQL needs it named.)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Index name and its columns; each ends with `id`.
const INDEXES: [(&str, AdminLog); 5] = [
    // Sorting by time, and the date filter (`at__gte`, "Past 7 days") as a range.
    ("core_admin_log_at_id", AdminLog::At),
    // The action filter with the default order (newest first), and sorting by action.
    ("core_admin_log_action_id", AdminLog::Action),
    ("core_admin_log_username_id", AdminLog::Username),
    ("core_admin_log_model_id", AdminLog::Model),
    ("core_admin_log_object_repr_id", AdminLog::ObjectRepr),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, column) in INDEXES {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AdminLog::Table)
                        .col(column)
                        .col(AdminLog::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(AdminLog::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum AdminLog {
    #[sea_orm(iden = "core_admin_log")]
    Table,
    Id,
    At,
    Username,
    Action,
    Model,
    ObjectRepr,
}
