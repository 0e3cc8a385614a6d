//! TMDb's JSON as the import reads it — list pages (`/movie/popular`, `/discover/movie`) and movie
//! details with `append_to_response=credits` — turned into [`Film`]s ready to save.
//!
//! Only what the catalogue keeps is read; TMDb's other fields are ignored, so documents saved
//! from any version of the API import.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;

use crate::search;

/// How many of a film's cast the catalogue keeps, top billed first.
pub(crate) const CAST_SIZE: usize = 10;

// The columns' lengths (in characters), so a long TMDb value is cut rather than refused by
// PostgreSQL and MySQL.
const TITLE_LEN: usize = 300;
const POSTER_LEN: usize = 300;
const DIRECTOR_LEN: usize = 200;
const NAME_LEN: usize = 200;
const CHARACTER_LEN: usize = 300;

/// A film as TMDb describes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Film {
    pub tmdb_id: i64,
    pub title: String,
    pub title_search: String,
    pub overview: String,
    /// TMDb writes an unknown date as `""`.
    pub release_date: Option<NaiveDate>,
    pub poster_path: Option<String>,
    pub vote_average: f64,
    pub vote_count: i64,
    pub popularity: f64,
    /// `None` when the document names no genres at all: the film's genres stay as they are.
    pub genres: Option<Genres>,
    /// Only details fetched with credits have them; without, the cast and director stay as
    /// they are.
    pub credits: Option<Credits>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Genres {
    /// Details name their genres: `[{"id": 18, "name": "Drama"}]`.
    Named(Vec<(i64, String)>),
    /// List entries give only ids (`genre_ids`).
    Ids(Vec<i64>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Credits {
    /// The crew's directors, joined with ", "; empty when TMDb lists none.
    pub director: String,
    /// At most [`CAST_SIZE`], top billed first.
    pub cast: Vec<CastEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CastEntry {
    /// TMDb's billing `order` + 1.
    pub position: i32,
    pub name: String,
    pub character: String,
}

/// What a file holds.
#[derive(Debug)]
pub(crate) enum Document {
    List(ListPage),
    Details(Film),
}

/// One page of a TMDb list. Each entry is read on its own, so one bad entry spoils only itself.
#[derive(Debug)]
pub(crate) struct ListPage {
    pub total_pages: u32,
    pub entries: Vec<Entry>,
}

#[derive(Debug)]
pub(crate) struct Entry {
    /// The entry's id, when it has one: the API import needs nothing else from a list.
    pub tmdb_id: Option<i64>,
    pub film: Result<Film, String>,
}

/// Reads a file's document, deciding by its shape what it is.
pub(crate) fn document(json: &[u8]) -> Result<Document, String> {
    let value: Value = serde_json::from_slice(json).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(object) = &value else {
        return Err("not a TMDb document: expected a JSON object".into());
    };
    if object.contains_key("results") {
        list_value(value).map(Document::List)
    } else if object.contains_key("id") {
        film_value(value).map(Document::Details)
    } else if let Some(message) = error_message(&value) {
        Err(format!("a TMDb error, not a film: {message}"))
    } else {
        Err("neither a TMDb list page (`results`) nor a movie details document (`id`)".into())
    }
}

/// Reads a list page the API answered.
pub(crate) fn list_page(json: &[u8]) -> Result<ListPage, String> {
    let value: Value = serde_json::from_slice(json).map_err(|e| format!("not JSON: {e}"))?;
    list_value(value)
}

/// Reads movie details the API answered.
pub(crate) fn details(json: &[u8]) -> Result<Film, String> {
    let value: Value = serde_json::from_slice(json).map_err(|e| format!("not JSON: {e}"))?;
    film_value(value)
}

/// TMDb's own account of an error: `{"status_code": 34, "status_message": "..."}`.
pub(crate) fn error_message(value: &Value) -> Option<String> {
    let message = value.get("status_message")?.as_str()?;
    Some(match value.get("status_code").and_then(Value::as_i64) {
        Some(code) => format!("{message} (TMDb status {code})"),
        None => message.to_owned(),
    })
}

#[derive(Deserialize)]
struct RawList {
    results: Vec<Value>,
    #[serde(default)]
    total_pages: Option<u32>,
}

fn list_value(value: Value) -> Result<ListPage, String> {
    let raw: RawList =
        serde_json::from_value(value).map_err(|e| format!("not a TMDb list page: {e}"))?;
    let entries = raw
        .results
        .into_iter()
        .map(|result| Entry {
            tmdb_id: result.get("id").and_then(Value::as_i64),
            film: film_value(result),
        })
        .collect();
    Ok(ListPage {
        total_pages: raw.total_pages.unwrap_or(1),
        entries,
    })
}

#[derive(Deserialize)]
struct RawFilm {
    id: i64,
    title: String,
    overview: Option<String>,
    release_date: Option<String>,
    poster_path: Option<String>,
    vote_average: Option<f64>,
    vote_count: Option<i64>,
    popularity: Option<f64>,
    genre_ids: Option<Vec<i64>>,
    genres: Option<Vec<RawGenre>>,
    credits: Option<RawCredits>,
}

#[derive(Deserialize)]
struct RawGenre {
    id: i64,
    name: String,
}

#[derive(Deserialize)]
struct RawCredits {
    #[serde(default)]
    cast: Vec<RawCast>,
    #[serde(default)]
    crew: Vec<RawCrew>,
}

#[derive(Deserialize)]
struct RawCast {
    name: String,
    character: Option<String>,
    order: i64,
}

#[derive(Deserialize)]
struct RawCrew {
    job: Option<String>,
    name: String,
}

fn film_value(value: Value) -> Result<Film, String> {
    let raw: RawFilm =
        serde_json::from_value(value).map_err(|e| format!("not a TMDb movie: {e}"))?;
    if raw.id <= 0 {
        return Err(format!("not a TMDb movie: id {} is not positive", raw.id));
    }
    let title = cut(raw.title.trim(), TITLE_LEN);
    if title.is_empty() {
        return Err("not a TMDb movie: the title is empty".into());
    }
    let release_date = match raw.release_date.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(date) => Some(
            NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map_err(|_| format!("release_date `{date}` is not a date (YYYY-MM-DD)"))?,
        ),
    };
    let genres = match (raw.genres, raw.genre_ids) {
        (Some(named), _) => Some(Genres::Named(
            named
                .into_iter()
                .map(|genre| (genre.id, genre.name))
                .collect(),
        )),
        (None, Some(ids)) => Some(Genres::Ids(ids)),
        (None, None) => None,
    };
    Ok(Film {
        tmdb_id: raw.id,
        title_search: cut(&search::fold(&title), TITLE_LEN),
        title,
        overview: raw.overview.unwrap_or_default(),
        release_date,
        poster_path: raw
            .poster_path
            .filter(|path| !path.is_empty())
            .map(|path| cut(&path, POSTER_LEN)),
        vote_average: raw.vote_average.unwrap_or(0.0),
        vote_count: raw.vote_count.unwrap_or(0),
        popularity: raw.popularity.unwrap_or(0.0),
        genres,
        credits: raw.credits.map(credits),
    })
}

fn credits(raw: RawCredits) -> Credits {
    let directors: Vec<&str> = raw
        .crew
        .iter()
        .filter(|member| member.job.as_deref() == Some("Director"))
        .map(|member| member.name.as_str())
        .collect();
    let mut billed: Vec<RawCast> = raw
        .cast
        .into_iter()
        .filter(|member| (0..i64::from(i32::MAX)).contains(&member.order))
        .collect();
    billed.sort_by_key(|member| member.order);
    // A film's positions are unique in the table; TMDb's orders are too, but a repeated one
    // must not cost the whole film.
    billed.dedup_by_key(|member| member.order);
    let cast = billed
        .into_iter()
        .take(CAST_SIZE)
        .map(|member| CastEntry {
            position: i32::try_from(member.order + 1).unwrap_or(i32::MAX),
            name: cut(member.name.trim(), NAME_LEN),
            character: cut(member.character.unwrap_or_default().trim(), CHARACTER_LEN),
        })
        .collect();
    Credits {
        director: cut(&directors.join(", "), DIRECTOR_LEN),
        cast,
    }
}

/// At most `len` characters of `text`.
fn cut(text: &str, len: usize) -> String {
    text.chars().take(len).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_page_reads_entry_by_entry() {
        let json = br#"{"page": 1, "total_pages": 3, "results": [
            {"id": 550, "title": "Fight Club", "release_date": "1999-10-15", "genre_ids": [18],
             "poster_path": "/pB8BM7pdSp6B6Ih7QZ4DrQ3PmJK.jpg", "vote_average": 8.4,
             "vote_count": 26280, "popularity": 61.4, "overview": "A ticking-time-bomb insomniac..."},
            {"id": 13, "release_date": "1994-06-23"},
            {"id": 7, "title": "Unreleased", "release_date": "", "poster_path": null}
        ]}"#;

        let Ok(Document::List(page)) = document(json) else {
            panic!("not read as a list page");
        };

        assert_eq!(page.total_pages, 3);
        assert_eq!(page.entries.len(), 3);
        let fight_club = page.entries[0].film.as_ref().unwrap();
        assert_eq!(fight_club.genres, Some(Genres::Ids(vec![18])));
        assert_eq!(
            fight_club.release_date,
            NaiveDate::from_ymd_opt(1999, 10, 15)
        );
        assert_eq!(fight_club.credits, None);
        assert_eq!(page.entries[1].tmdb_id, Some(13));
        assert!(
            page.entries[1]
                .film
                .as_ref()
                .unwrap_err()
                .contains("missing field `title`")
        );
        let unreleased = page.entries[2].film.as_ref().unwrap();
        assert_eq!(unreleased.release_date, None);
        assert_eq!(unreleased.poster_path, None);
    }

    #[test]
    fn details_keep_the_top_ten_billed_and_the_directors() {
        let cast: Vec<String> = (0..12)
            .rev()
            .map(|order| {
                format!(r#"{{"name": "Actor {order}", "character": null, "order": {order}}}"#)
            })
            .collect();
        let json = format!(
            r#"{{"id": 44264, "title": "True Grit", "release_date": "2010-12-22",
                "genres": [{{"id": 37, "name": "Western"}}],
                "credits": {{"cast": [{}], "crew": [
                    {{"job": "Director", "name": "Joel Coen"}},
                    {{"job": "Screenplay", "name": "Ethan Coen"}},
                    {{"job": "Director", "name": "Ethan Coen"}}]}}}}"#,
            cast.join(",")
        );

        let Ok(Document::Details(film)) = document(json.as_bytes()) else {
            panic!("not read as details");
        };

        let credits = film.credits.unwrap();
        assert_eq!(credits.director, "Joel Coen, Ethan Coen");
        let positions: Vec<i32> = credits.cast.iter().map(|c| c.position).collect();
        assert_eq!(positions, (1..=10).collect::<Vec<_>>());
        assert_eq!(credits.cast[0].name, "Actor 0");
        assert_eq!(credits.cast[0].character, "");
        assert_eq!(
            film.genres,
            Some(Genres::Named(vec![(37, "Western".into())]))
        );
    }

    #[test]
    fn other_documents_are_refused_with_the_reason() {
        let error = |json: &str| document(json.as_bytes()).unwrap_err();

        assert!(error("{\"page\": 1").starts_with("not JSON"));
        assert!(error("[1, 2]").contains("expected a JSON object"));
        assert_eq!(
            error(
                r#"{"success": false, "status_code": 34, "status_message": "The resource you requested could not be found."}"#
            ),
            "a TMDb error, not a film: The resource you requested could not be found. (TMDb status 34)"
        );
        assert!(
            error(r#"{"id": 5, "title": "Four Rooms", "release_date": "1995-13-40"}"#)
                .contains("release_date `1995-13-40` is not a date")
        );
    }
}
