//! `movies_cast_member`: a film's main actors, in billing order.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "movies_cast_member")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub movie_id: i64,
    /// 1 is top billing; unique within a film.
    pub position: i32,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub name: String,
    /// The part played, when TMDb says.
    #[sea_orm(column_type = "String(StringLen::N(300))")]
    pub character: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::movie::Entity",
        from = "Column::MovieId",
        to = "super::movie::Column::Id",
        on_delete = "Cascade"
    )]
    Movie,
}

impl ActiveModelBehavior for ActiveModel {}
