//! `movies_movie`: one film, as TMDb describes it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "movies_movie")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// TMDb's id; none for films that came from elsewhere. `import-tmdb` updates by it.
    #[sea_orm(unique)]
    pub tmdb_id: Option<i64>,
    #[sea_orm(column_type = "String(StringLen::N(300))")]
    pub title: String,
    /// The title folded for search: lowercase, accents removed ([`crate::search::fold`]).
    #[sea_orm(column_type = "String(StringLen::N(300))")]
    pub title_search: String,
    #[sea_orm(column_type = "Text")]
    pub overview: String,
    pub release_date: Option<Date>,
    /// TMDb's image path (`/abc.jpg`), shown under `movies.image_base_url`.
    #[sea_orm(column_type = "String(StringLen::N(300))", nullable)]
    pub poster_path: Option<String>,
    /// 0–10.
    pub vote_average: f64,
    pub vote_count: i64,
    pub popularity: f64,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub director: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// How a film reads in the admin's history and in messages: its title and year.
impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.release_date {
            Some(date) => write!(f, "{} ({})", self.title, chrono::Datelike::year(&date)),
            None => f.write_str(&self.title),
        }
    }
}
