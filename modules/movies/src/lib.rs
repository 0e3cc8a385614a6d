//! Movies: a TMDb-style film catalogue — films with their genres and main cast, kept by content
//! editors in the admin and browsed by everyone.

mod api;
mod config;
pub mod entities;
mod migrations;
mod pages;
pub mod search;
mod tmdb;

use bureau_core::rust_embed::RustEmbed;
use bureau_core::{AdminPanel, AppBuilder, Module, Policy, get};

pub use config::MoviesConfig;

pub use entities::{cast_member, genre, movie, movie_genre};

#[derive(RustEmbed)]
#[folder = "templates/"]
#[crate_path = "bureau_core::rust_embed"]
struct Templates;

#[derive(RustEmbed)]
#[folder = "static/"]
#[crate_path = "bureau_core::rust_embed"]
struct Static;

/// The movies module, as the composition root lists it.
pub struct Movies;

impl Module for Movies {
    fn name(&self) -> &'static str {
        "movies"
    }

    fn build(&self, app: &mut AppBuilder) {
        app.migrations(migrations::all)
            .model::<movie_genre::Entity>()
            .model::<cast_member::Entity>()
            .admin(
                AdminPanel::of::<movie::Entity>()
                    .label("movies")
                    .list_display(["title", "poster", "year", "vote_average", "popularity"])
                    .thumbnail("poster", "Poster", |row, config| {
                        let movies = config.section::<MoviesConfig>("movies").ok()?;
                        movies.poster_url(row.get("poster_path")?.as_str())
                    })
                    .computed("year", "Year", |row| {
                        row.get("release_date")
                            .and_then(|date| date.as_str())
                            .and_then(|date| date.get(..4))
                            .unwrap_or_default()
                            .to_owned()
                    })
                    // `title_search` makes "deja" find "Déjà Vu".
                    .search_fields(["title", "title_search", "director"])
                    .list_filter(["genres", "release_date"])
                    .by_year(["release_date"])
                    .ordering(["-popularity"])
                    .display("title")
                    .derive("title_search", "title", search::fold)
                    .blank(["overview", "director"])
                    .many_to_many::<movie_genre::Entity>("genres", "Genres", "movie_id", "genre_id")
                    .inline::<cast_member::Entity>(
                        "cast",
                        "Main cast",
                        "movie_id",
                        ["position", "name", "character"],
                    )
                    .fieldset("Film", ["title", "release_date", "director", "overview"])
                    .fieldset(
                        "TMDb",
                        [
                            "tmdb_id",
                            "poster_path",
                            "vote_average",
                            "vote_count",
                            "popularity",
                        ],
                    ),
            )
            .admin(
                AdminPanel::of::<genre::Entity>()
                    .label("genres")
                    .list_display(["id", "name"])
                    .search_fields(["name"])
                    .ordering(["name"])
                    .display("name"),
            )
            // The catalogue is the home page.
            .route("/", get(pages::list))
            .route("/movies/:id/", get(pages::detail))
            .api("/api/movies", api::MoviesApi)
            .templates::<Templates>()
            .static_files::<Static>()
            .nav("Movies", "/")
            .config_section::<MoviesConfig>("movies")
            // 3,201 films from vega-datasets (fixtures/README.md says where from and how).
            .fixture("demo", include_str!("../../../fixtures/movies_demo.json"));
        for object in ["movies.movie", "movies.genre", "movies.cast_member"] {
            for action in ["view", "add", "change", "delete"] {
                app.policy(Policy::allow("content_editor", object, action));
            }
            app.policy(Policy::allow("staff", object, "view"));
        }
        app.command(tmdb::NAME, tmdb::ABOUT, tmdb::ImportTmdb);
    }
}
