//! `/api/movies/`: the catalogue for integrators — the list with search, genre filter, ordering
//! and pages, and each film whole. Public, as the pages are.

use bureau_core::api::{Nullable, Pagination, Problems};
use bureau_core::poem::Request;
use bureau_core::poem::web::Data;
use bureau_core::poem_openapi::param::{Path, Query};
use bureau_core::poem_openapi::payload::Json;
use bureau_core::poem_openapi::types::Example;
use bureau_core::poem_openapi::{self, Enum, Object, OpenApi, Tags};
use bureau_core::sea_orm::sea_query::{Expr, ExprTrait, NullOrdering, Query as Sql};
use bureau_core::sea_orm::{
    ColumnTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use bureau_core::{AppState, Error, icontains};
use chrono::NaiveDate;

use crate::config::MoviesConfig;
use crate::search::fold;
use crate::{cast_member, genre, movie, movie_genre};

/// How a list is sorted; `-` sorts descending. Ties are broken by id.
#[derive(Enum, Clone, Copy, Debug)]
#[oai(rename = "MovieOrdering")]
enum Ordering {
    #[oai(rename = "popularity")]
    Popularity,
    #[oai(rename = "-popularity")]
    PopularityDesc,
    #[oai(rename = "release_date")]
    ReleaseDate,
    #[oai(rename = "-release_date")]
    ReleaseDateDesc,
    #[oai(rename = "vote_average")]
    VoteAverage,
    #[oai(rename = "-vote_average")]
    VoteAverageDesc,
    #[oai(rename = "title")]
    Title,
    #[oai(rename = "-title")]
    TitleDesc,
}

impl Ordering {
    fn column_and_order(self) -> (movie::Column, Order) {
        use movie::Column as C;
        match self {
            Self::Popularity => (C::Popularity, Order::Asc),
            Self::PopularityDesc => (C::Popularity, Order::Desc),
            Self::ReleaseDate => (C::ReleaseDate, Order::Asc),
            Self::ReleaseDateDesc => (C::ReleaseDate, Order::Desc),
            Self::VoteAverage => (C::VoteAverage, Order::Asc),
            Self::VoteAverageDesc => (C::VoteAverage, Order::Desc),
            Self::Title => (C::Title, Order::Asc),
            Self::TitleDesc => (C::Title, Order::Desc),
        }
    }
}

/// A film in a list.
#[derive(Object)]
#[oai(example)]
struct MovieSummary {
    id: i64,
    /// TMDb's id, when the film came from TMDb.
    tmdb_id: Nullable<i64>,
    title: String,
    release_date: Nullable<NaiveDate>,
    /// The poster's full URL, when there is one.
    poster_url: Nullable<String>,
    /// 0–10.
    vote_average: f64,
    popularity: f64,
}

impl MovieSummary {
    fn of(film: &movie::Model, config: &MoviesConfig) -> Self {
        Self {
            id: film.id,
            tmdb_id: film.tmdb_id.into(),
            title: film.title.clone(),
            release_date: film.release_date.into(),
            poster_url: config.poster_url(film.poster_path.as_deref()).into(),
            vote_average: film.vote_average,
            popularity: film.popularity,
        }
    }
}

impl Example for MovieSummary {
    fn example() -> Self {
        Self {
            id: 7,
            tmdb_id: Some(155).into(),
            title: "The Dark Knight".to_owned(),
            release_date: NaiveDate::from_ymd_opt(2008, 7, 18).into(),
            poster_url: Some(
                "https://image.tmdb.org/t/p/w342/qJ2tW6WMUDux911r6m7haRef0WH.jpg".to_owned(),
            )
            .into(),
            vote_average: 8.9,
            popularity: 465.0,
        }
    }
}

/// One page of films.
#[derive(Object)]
struct MoviePage {
    /// How many films match, on all pages.
    count: u64,
    /// The next page's URL, or null on the last page.
    next: Nullable<String>,
    /// The previous page's URL, or null on the first page.
    previous: Nullable<String>,
    results: Vec<MovieSummary>,
}

#[derive(Object)]
struct GenreOut {
    /// TMDb's genre id.
    id: i64,
    name: String,
}

#[derive(Object)]
struct CastOut {
    name: String,
    /// The part played; empty when unknown.
    character: String,
}

/// A film, whole.
#[derive(Object)]
struct Movie {
    id: i64,
    tmdb_id: Nullable<i64>,
    title: String,
    overview: String,
    release_date: Nullable<NaiveDate>,
    poster_url: Nullable<String>,
    vote_average: f64,
    vote_count: i64,
    popularity: f64,
    /// Empty when unknown.
    director: String,
    genres: Vec<GenreOut>,
    /// Top billing first.
    cast: Vec<CastOut>,
}

pub(crate) struct MoviesApi;

#[OpenApi(tag = "MoviesTag::Movies")]
impl MoviesApi {
    /// List films, a page at a time, most popular first unless `ordering` says otherwise.
    #[oai(path = "/", method = "get", operation_id = "listMovies")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        req: &Request,
        /// Page number, from 1. A page past the last is not found (404).
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        page: Query<Option<u32>>,
        /// Films per page, default 20; values above 100 are lowered to 100.
        #[oai(validator(minimum(value = "1"), maximum(value = "2147483647")))]
        page_size: Query<Option<u32>>,
        /// Sort field, `-` for descending. Default `-popularity`.
        ordering: Query<Option<Ordering>>,
        /// Only films whose title contains this text, ignoring case and accents.
        #[oai(validator(max_length = 300, pattern = r"^[^\x00]*$"))]
        search: Query<Option<String>>,
        /// Only films of this genre (TMDb's genre id).
        genre: Query<Option<i64>>,
    ) -> Result<Json<MoviePage>, Problems<404>> {
        let db = state.db();
        let config = state.config().section::<MoviesConfig>("movies")?;
        let mut query = movie::Entity::find();
        if let Some(text) = search.0.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let column = Expr::col((movie::Entity, movie::Column::TitleSearch));
            query = query.filter(icontains(column, &fold(text), db.get_database_backend()));
        }
        if let Some(genre_id) = genre.0 {
            let films = Sql::select()
                .column(movie_genre::Column::MovieId)
                .from(movie_genre::Entity)
                .and_where(Expr::col(movie_genre::Column::GenreId).eq(genre_id))
                .to_owned();
            query = query.filter(movie::Column::Id.in_subquery(films));
        }
        let pagination = Pagination::new(page.0.map(u64::from), page_size.0.map(u64::from));
        let count = query.clone().count(db).await.map_err(Error::from)?;
        let links = pagination.links(req, count)?;
        let (column, order) = ordering
            .0
            .unwrap_or(Ordering::PopularityDesc)
            .column_and_order();
        // Films without a release date come last either way, on every backend.
        let films = query
            .order_by_with_nulls(column, order.clone(), NullOrdering::Last)
            .order_by(movie::Column::Id, order)
            .offset(pagination.offset())
            .limit(pagination.limit())
            .all(db)
            .await
            .map_err(Error::from)?;
        Ok(Json(MoviePage {
            count,
            next: links.next.into(),
            previous: links.previous.into(),
            results: films.iter().map(|f| MovieSummary::of(f, config)).collect(),
        }))
    }

    /// One film, with its genres and main cast.
    #[oai(path = "/:id/", method = "get", operation_id = "getMovie")]
    async fn get(&self, state: Data<&AppState>, id: Path<i64>) -> poem::Result<Json<Movie>> {
        let db = state.db();
        let config = state.config().section::<MoviesConfig>("movies")?;
        let film = movie::Entity::find_by_id(id.0)
            .one(db)
            .await
            .map_err(Error::from)?
            .ok_or(Error::NotFound)?;
        let genres = genre::Entity::find()
            .filter(
                genre::Column::Id.in_subquery(
                    Sql::select()
                        .column(movie_genre::Column::GenreId)
                        .from(movie_genre::Entity)
                        .and_where(Expr::col(movie_genre::Column::MovieId).eq(film.id))
                        .to_owned(),
                ),
            )
            .order_by_asc(genre::Column::Name)
            .all(db)
            .await
            .map_err(Error::from)?;
        let cast = cast_member::Entity::find()
            .filter(cast_member::Column::MovieId.eq(film.id))
            .order_by_asc(cast_member::Column::Position)
            .all(db)
            .await
            .map_err(Error::from)?;
        Ok(Json(Movie {
            id: film.id,
            tmdb_id: film.tmdb_id.into(),
            poster_url: config.poster_url(film.poster_path.as_deref()).into(),
            title: film.title,
            overview: film.overview,
            release_date: film.release_date.into(),
            vote_average: film.vote_average,
            vote_count: film.vote_count,
            popularity: film.popularity,
            director: film.director,
            genres: genres
                .into_iter()
                .map(|g| GenreOut {
                    id: g.id,
                    name: g.name,
                })
                .collect(),
            cast: cast
                .into_iter()
                .map(|c| CastOut {
                    name: c.name,
                    character: c.character,
                })
                .collect(),
        }))
    }
}

#[derive(Tags)]
enum MoviesTag {
    /// The film catalogue.
    Movies,
}
