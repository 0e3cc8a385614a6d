//! `tasks_task_count`: how many tasks an owner has in a status. Written only by the triggers of
//! the `task_counts` migration; read by the API for a list's `count`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks_task_count")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub owner_id: i64,
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(16))"
    )]
    pub status: String,
    pub n: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
