//! `movies_movie_genre`: which genres a film has.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "movies_movie_genre")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub movie_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub genre_id: i64,
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
    #[sea_orm(
        belongs_to = "super::genre::Entity",
        from = "Column::GenreId",
        to = "super::genre::Column::Id",
        on_delete = "Cascade"
    )]
    Genre,
}

impl ActiveModelBehavior for ActiveModel {}
