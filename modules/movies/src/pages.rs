//! The public catalogue: the home page lists films (search, genre, sort, pages) and each film has
//! its page.

use bureau_core::poem::handler;
use bureau_core::poem::web::{Html, Path, Query};
use bureau_core::sea_orm::sea_query::{Expr, ExprTrait, NullOrdering, Order, Query as Sql};
use bureau_core::sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use bureau_core::{Error, Result, icontains};
use bureau_core::{Page, page_of};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::MoviesConfig;
use crate::search::fold;
use crate::{cast_member, genre, movie, movie_genre};

const PER_PAGE: u64 = 24;
/// Longer searches are cut: no title is longer.
const MAX_SEARCH_CHARS: usize = 300;

/// The orders the home page offers, by the name its links use.
const SORTS: [(&str, &str); 3] = [
    ("popularity", "Most popular"),
    ("release", "Newest"),
    ("rating", "Best rated"),
];

/// `?q=&genre=&sort=&page=`, as typed by anyone: anything unusable is ignored, except a page
/// number, which names a page that must exist.
#[derive(Deserialize, Default)]
pub struct ListParams {
    q: Option<String>,
    genre: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

/// A film as a card on the list.
#[derive(Serialize)]
struct Card {
    id: i64,
    title: String,
    release_date: Option<String>,
    year: Option<String>,
    poster: Option<String>,
}

#[handler]
pub async fn list(page: Page<'_>, Query(params): Query<ListParams>) -> Result<Html<String>> {
    let state = page.state;
    let db = state.db();
    let config = state.config().section::<MoviesConfig>("movies")?;
    let search: String = params
        .q
        .as_deref()
        .unwrap_or_default()
        .trim()
        .chars()
        .take(MAX_SEARCH_CHARS)
        .collect();
    let genres = genre::Entity::find()
        .order_by_asc(genre::Column::Name)
        .all(db)
        .await?;
    let chosen_genre = params
        .genre
        .as_deref()
        .and_then(|g| g.parse::<i64>().ok())
        .filter(|id| genres.iter().any(|g| g.id == *id));
    let sort = params
        .sort
        .as_deref()
        .filter(|s| SORTS.iter().any(|(name, _)| name == s))
        .unwrap_or("popularity");

    let mut query = movie::Entity::find();
    if !search.is_empty() {
        let folded = fold(&search);
        let column = Expr::col((movie::Entity, movie::Column::TitleSearch));
        query = query.filter(icontains(column, &folded, db.get_database_backend()));
    }
    if let Some(genre_id) = chosen_genre {
        let films = Sql::select()
            .column(movie_genre::Column::MovieId)
            .from(movie_genre::Entity)
            .and_where(Expr::col(movie_genre::Column::GenreId).eq(genre_id))
            .to_owned();
        query = query.filter(movie::Column::Id.in_subquery(films));
    }
    let count = query.clone().count(db).await?;
    let (number, pages) = page_of(params.page.as_deref(), count, PER_PAGE)?;
    let films = ordered(query, sort)
        .offset((number - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .all(db)
        .await?;
    let cards: Vec<Card> = films
        .into_iter()
        .map(|film| Card {
            poster: config.poster_url(film.poster_path.as_deref()),
            release_date: film.release_date.map(|d| d.format("%-d %B %Y").to_string()),
            year: film.release_date.map(|d| d.format("%Y").to_string()),
            id: film.id,
            title: film.title,
        })
        .collect();
    let link = |page: u64, sort: &str| {
        let mut query: Vec<(&str, String)> = Vec::new();
        if !search.is_empty() {
            query.push(("q", search.clone()));
        }
        if let Some(genre) = chosen_genre {
            query.push(("genre", genre.to_string()));
        }
        if sort != "popularity" {
            query.push(("sort", sort.to_owned()));
        }
        if page > 1 {
            query.push(("page", page.to_string()));
        }
        let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
        if encoded.is_empty() {
            "/".to_owned()
        } else {
            format!("/?{encoded}")
        }
    };
    let sorts: Vec<_> = SORTS
        .iter()
        .map(|(name, label)| json!({ "href": link(1, name), "label": label, "current": *name == sort }))
        .collect();
    let context = json!({
        "films": cards,
        "count": count,
        "count_text": thousands(count),
        "search": search,
        "genres": genres.iter().map(|g| json!({ "id": g.id, "name": g.name })).collect::<Vec<_>>(),
        "genre": chosen_genre,
        "sort": sort,
        "sorts": sorts,
        "page": number,
        "pages": pages,
        "previous": (number > 1).then(|| link(number - 1, sort)),
        "next": (number < pages).then(|| link(number + 1, sort)),
    });
    page.render("movies/list.html", context).await
}

/// `3201` as `3,201`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The home page's orders, each ending in the key so that pages never overlap; films without a
/// release date come last when sorting by it.
fn ordered(query: Select<movie::Entity>, sort: &str) -> Select<movie::Entity> {
    match sort {
        "release" => query
            .order_by_with_nulls(movie::Column::ReleaseDate, Order::Desc, NullOrdering::Last)
            .order_by_desc(movie::Column::Id),
        "rating" => query
            .order_by_desc(movie::Column::VoteAverage)
            .order_by_desc(movie::Column::Id),
        _ => query
            .order_by_desc(movie::Column::Popularity)
            .order_by_desc(movie::Column::Id),
    }
}

#[handler]
pub async fn detail(page: Page<'_>, Path(id): Path<String>) -> Result<Html<String>> {
    let state = page.state;
    let db = state.db();
    let config = state.config().section::<MoviesConfig>("movies")?;
    let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    let film = movie::Entity::find_by_id(id)
        .one(db)
        .await?
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
        .await?;
    let cast = cast_member::Entity::find()
        .filter(cast_member::Column::MovieId.eq(film.id))
        .order_by_asc(cast_member::Column::Position)
        .all(db)
        .await?;
    // Other modules' parts of the page (the forum's posts about the film).
    let extras =
        bureau_core::fragments::render(state, "movies.detail", json!({ "movie_id": film.id }))
            .await?;
    let context = json!({
        "extras": extras,
        "film": {
            "id": film.id,
            "title": film.title,
            "tmdb_id": film.tmdb_id,
            "overview": film.overview,
            "release_date": film.release_date.map(|d| d.format("%-d %B %Y").to_string()),
            "year": film.release_date.map(|d| d.format("%Y").to_string()),
            "poster": config.poster_url(film.poster_path.as_deref()),
            "vote_average": format!("{:.1}", film.vote_average),
            "vote_count": thousands(u64::try_from(film.vote_count).unwrap_or(0)),
            "popularity": format!("{:.1}", film.popularity),
            "director": film.director,
        },
        "genres": genres.iter().map(|g| json!({ "id": g.id, "name": g.name })).collect::<Vec<_>>(),
        "cast": cast.iter().map(|c| json!({ "name": c.name, "character": c.character })).collect::<Vec<_>>(),
    });
    page.render("movies/detail.html", context).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_separated() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(3201), "3,201");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }
}
