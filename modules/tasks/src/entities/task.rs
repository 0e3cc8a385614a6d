//! `tasks_task`: one to-do item of one user.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks_task")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub owner_id: i64,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// One of [`crate::STATUSES`].
    #[sea_orm(column_type = "String(StringLen::N(16))")]
    pub status: String,
    pub created_at: DateTimeWithTimeZone,
    /// Set by the app on every change.
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "bureau_core::entities::user::Entity",
        from = "Column::OwnerId",
        to = "bureau_core::entities::user::Column::Id",
        on_delete = "Cascade"
    )]
    Owner,
}

impl ActiveModelBehavior for ActiveModel {}

/// How a task reads in logs, the admin's history and messages: its title and status.
impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.title, self.status)
    }
}
