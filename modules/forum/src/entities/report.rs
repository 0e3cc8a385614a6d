//! `forum_report`: a user's report of a post, waiting in the moderation queue until a moderator
//! resolves it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "forum_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub post_id: i64,
    pub reporter_id: i64,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub created_at: DateTimeWithTimeZone,
    /// Dealt with by a moderator; the queue shows the reports that are not.
    pub resolved: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::post::Entity",
        from = "Column::PostId",
        to = "super::post::Column::Id",
        on_delete = "Cascade"
    )]
    Post,
    #[sea_orm(
        belongs_to = "bureau_core::entities::user::Entity",
        from = "Column::ReporterId",
        to = "bureau_core::entities::user::Column::Id",
        on_delete = "Cascade"
    )]
    Reporter,
}

impl ActiveModelBehavior for ActiveModel {}
