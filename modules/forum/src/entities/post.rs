//! `forum_post`: a post, usually about a film.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "forum_post")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub author_id: i64,
    /// The film the post is about, if any; a deleted film leaves its posts without one.
    pub movie_id: Option<i64>,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub title: String,
    /// Markdown, rendered and sanitised when shown.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
    /// Up-votes minus down-votes, changed in the same transaction as each vote.
    pub score: i64,
    /// Seen only by its author and moderators.
    pub hidden: bool,
    /// Can be neither edited nor voted on.
    pub locked: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "bureau_core::entities::user::Entity",
        from = "Column::AuthorId",
        to = "bureau_core::entities::user::Column::Id",
        on_delete = "Cascade"
    )]
    Author,
    #[sea_orm(
        belongs_to = "bureau_movies::movie::Entity",
        from = "Column::MovieId",
        to = "bureau_movies::movie::Column::Id",
        on_delete = "SetNull"
    )]
    Movie,
}

impl ActiveModelBehavior for ActiveModel {}

/// How a post reads in the admin's history and in messages.
impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.title)
    }
}
