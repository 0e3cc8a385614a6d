//! `bureau movies import-tmdb`: TMDb documents from files (`tests/fixtures/tmdb/`), and from a
//! local server that answers as TMDb's API does.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bureau_core::ConfigSource;
use bureau_core::poem::http::StatusCode;
use bureau_core::poem::listener::{Acceptor, Listener, TcpListener};
use bureau_core::poem::web::Data;
use bureau_core::poem::{EndpointExt, Request, Response, Route, handler};
use bureau_core::sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use bureau_core::testing::TestApp;
use bureau_movies::{cast_member, genre, movie, movie_genre};
use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::support::{bureau, stderr, stdout};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/tmdb/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs `bureau movies import-tmdb <args>` on the app's database: the outcome and the output.
async fn import(
    app: &TestApp,
    args: &[&str],
    adjust: impl FnOnce(ConfigSource) -> ConfigSource,
) -> (Result<(), String>, String) {
    let bureau = bureau::app();
    let mut out = Vec::new();
    let outcome = bureau
        .run_command(
            ["movies", "import-tmdb"].iter().chain(args),
            adjust(app.database.config_source(&bureau)),
            &mut out,
        )
        .await
        .map_err(|e| e.to_string());
    (outcome, String::from_utf8_lossy(&out).into_owned())
}

async fn spawn() -> TestApp {
    TestApp::spawn(&bureau::app()).await
}

async fn film(db: &DatabaseConnection, tmdb_id: i64) -> movie::Model {
    movie::Entity::find()
        .filter(movie::Column::TmdbId.eq(tmdb_id))
        .one(db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no film with TMDb id {tmdb_id}"))
}

async fn genres_of(db: &DatabaseConnection, movie_id: i64) -> Vec<(i64, String)> {
    let links = movie_genre::Entity::find()
        .filter(movie_genre::Column::MovieId.eq(movie_id))
        .all(db)
        .await
        .unwrap();
    let mut genres = Vec::new();
    for link in links {
        let genre = genre::Entity::find_by_id(link.genre_id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        genres.push((genre.id, genre.name));
    }
    genres.sort();
    genres
}

async fn cast_of(db: &DatabaseConnection, movie_id: i64) -> Vec<(i32, String, String)> {
    cast_member::Entity::find()
        .filter(cast_member::Column::MovieId.eq(movie_id))
        .order_by_asc(cast_member::Column::Position)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.position, m.name, m.character))
        .collect()
}

#[tokio::test]
async fn import_tmdb_from_files_reads_list_pages_and_details_with_credits() {
    let app = spawn().await;
    let db = app.state().db();

    let (outcome, output) = import(
        &app,
        &[
            "--file",
            &fixture("popular_page_1.json"),
            &fixture("movie_550.json"),
            &fixture("movie_194.json"),
        ],
        |s| s,
    )
    .await;

    outcome.unwrap();
    assert_eq!(
        output, "Imported 7 films: 5 created, 2 updated, 0 failed.\n",
        "the page creates five films, the details update two of them"
    );
    assert_eq!(movie::Entity::find().count(db).await.unwrap(), 5);

    let fight_club = film(db, 550).await;
    assert_eq!(fight_club.title, "Fight Club");
    assert_eq!(fight_club.director, "David Fincher");
    assert_eq!(
        fight_club.release_date,
        NaiveDate::from_ymd_opt(1999, 10, 15)
    );
    assert_eq!(
        fight_club.poster_path.as_deref(),
        Some("/pB8BM7pdSp6B6Ih7QZ4DrQ3PmJK.jpg")
    );
    assert_eq!(fight_club.vote_average, 8.438);
    assert_eq!(fight_club.vote_count, 29815);
    assert!(
        fight_club
            .overview
            .starts_with("A ticking-time-bomb insomniac")
    );
    assert_eq!(genres_of(db, fight_club.id).await, [(18, "Drama".into())]);
    let cast = cast_of(db, fight_club.id).await;
    assert_eq!(cast.len(), 10, "the top ten billed of twelve");
    assert_eq!(cast[0], (1, "Edward Norton".into(), "Narrator".into()));
    assert_eq!(
        cast[3],
        (4, "Meat Loaf".into(), "Robert \"Bob\" Paulson".into())
    );
    assert_eq!(cast[9], (10, "David Andrews".into(), "Thomas".into()));

    let amelie = film(db, 194).await;
    assert_eq!(amelie.title, "Amélie");
    assert_eq!(amelie.title_search, "amelie");
    assert_eq!(amelie.director, "Jean-Pierre Jeunet");
    assert_eq!(
        genres_of(db, amelie.id).await,
        [(35, "Comedy".into()), (10749, "Romance".into())]
    );

    // Films only on the page: no credits, so no cast or director; the page's genre ids name
    // genres nobody had imported yet, so none are linked.
    let pulp_fiction = film(db, 680).await;
    assert_eq!(pulp_fiction.director, "");
    assert!(cast_of(db, pulp_fiction.id).await.is_empty());
    assert!(genres_of(db, pulp_fiction.id).await.is_empty());
    let superman = film(db, 1061474).await;
    assert_eq!(superman.release_date, None, "TMDb's \"\" is no date");
    assert_eq!(superman.poster_path, None);
}

#[tokio::test]
async fn import_tmdb_again_updates_by_tmdb_id_and_replaces_genres_and_cast() {
    let app = spawn().await;
    let db = app.state().db();
    // A film of the same title typed in the admin: it has no TMDb id, so the import leaves it be.
    movie::ActiveModel {
        title: Set("Fight Club".into()),
        title_search: Set("fight club".into()),
        overview: Set(String::new()),
        director: Set("Someone Else".into()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    import(&app, &["--file", &fixture("movie_550.json")], |s| s)
        .await
        .0
        .unwrap();
    let first = film(db, 550).await;

    let mut details: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("movie_550.json")).unwrap()).unwrap();
    details["title"] = json!("Fight Club (Director's Cut)");
    details["vote_count"] = json!(30000);
    details["release_date"] = json!("");
    details["genres"] = json!([{"id": 18, "name": "Drama"}, {"id": 53, "name": "Thriller"}]);
    details["credits"] = json!({
        "cast": [
            {"name": "Brad Pitt", "character": "Tyler Durden", "order": 0},
            {"name": "Edward Norton", "character": "The Narrator", "order": 1}
        ],
        "crew": [{"job": "Producer", "name": "Art Linson"}]
    });
    let changed = app.database.dir.path().join("movie_550_changed.json");
    std::fs::write(&changed, details.to_string()).unwrap();

    let (outcome, output) = import(&app, &["--file", changed.to_str().unwrap()], |s| s).await;

    outcome.unwrap();
    assert_eq!(
        output,
        "Imported 1 films: 0 created, 1 updated, 0 failed.\n"
    );
    assert_eq!(movie::Entity::find().count(db).await.unwrap(), 2);
    let second = film(db, 550).await;
    assert_eq!(second.id, first.id, "the local id is kept");
    assert_eq!(second.title, "Fight Club (Director's Cut)");
    assert_eq!(second.title_search, "fight club (director's cut)");
    assert_eq!(second.vote_count, 30000);
    assert_eq!(second.release_date, None);
    assert_eq!(second.director, "", "no director in the crew any more");
    assert_eq!(
        genres_of(db, second.id).await,
        [(18, "Drama".into()), (53, "Thriller".into())]
    );
    assert_eq!(
        cast_of(db, second.id).await,
        [
            (1, "Brad Pitt".into(), "Tyler Durden".into()),
            (2, "Edward Norton".into(), "The Narrator".into())
        ]
    );
    let typed = movie::Entity::find()
        .filter(movie::Column::TmdbId.is_null())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(typed.director, "Someone Else");
}

#[tokio::test]
async fn import_tmdb_counts_broken_files_and_films_as_failed_and_imports_the_rest() {
    let app = spawn().await;
    let db = app.state().db();
    let dir = app.database.dir.path();
    let truncated = dir.join("truncated.json");
    std::fs::write(
        &truncated,
        r#"{"id": 603, "title": "The Matrix", "genres": ["#,
    )
    .unwrap();
    let page = dir.join("page.json");
    std::fs::write(
        &page,
        json!({"page": 1, "total_pages": 1, "results": [
            {"id": 13, "overview": "No title", "release_date": "1994-06-23"},
            {"title": "No id"},
            {"id": 680, "title": "Pulp Fiction", "release_date": "1994-09-10", "genre_ids": [80]}
        ]})
        .to_string(),
    )
    .unwrap();
    // A genre whose name another id has: the film is saved first and its genres fail after, so
    // the film's transaction must take the film back with them.
    let mut clash: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("movie_278.json")).unwrap()).unwrap();
    clash["genres"] = json!([{"id": 18, "name": "Drama"}, {"id": 99018, "name": "Drama"}]);
    let clash_file = dir.join("clash.json");
    std::fs::write(&clash_file, clash.to_string()).unwrap();
    let missing = dir.join("missing.json");

    let (outcome, output) = import(
        &app,
        &[
            "--file",
            truncated.to_str().unwrap(),
            page.to_str().unwrap(),
            missing.to_str().unwrap(),
            &fixture("movie_550.json"),
            clash_file.to_str().unwrap(),
        ],
        |s| s,
    )
    .await;

    outcome.unwrap();
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(
        lines[0], "Imported 2 films: 2 created, 0 updated, 5 failed.",
        "{output}"
    );
    assert!(
        lines[1].starts_with(&format!("  failed: {}: not JSON: EOF", truncated.display())),
        "{output}"
    );
    assert_eq!(
        lines[2],
        format!(
            "  failed: TMDb id 13 ({}): not a TMDb movie: missing field `title`",
            page.display()
        )
    );
    assert_eq!(
        lines[3],
        format!(
            "  failed: {}, result 2: not a TMDb movie: missing field `id`",
            page.display()
        )
    );
    assert!(
        lines[4].starts_with(&format!(
            "  failed: {}: cannot be read: ",
            missing.display()
        )),
        "{output}"
    );
    assert!(
        lines[5].starts_with("  failed: TMDb id 278: not saved: "),
        "{output}"
    );
    assert_eq!(lines.len(), 6, "{output}");
    assert!(
        movie::Entity::find()
            .filter(movie::Column::TmdbId.eq(278))
            .one(db)
            .await
            .unwrap()
            .is_none(),
        "half a film was kept"
    );
    let fight_club = film(db, 550).await;
    assert_eq!(cast_of(db, fight_club.id).await.len(), 10);
    assert_eq!(film(db, 680).await.title, "Pulp Fiction");

    let (outcome, output) = import(
        &app,
        &[
            "--file",
            truncated.to_str().unwrap(),
            missing.to_str().unwrap(),
        ],
        |s| s,
    )
    .await;
    assert_eq!(
        outcome.unwrap_err(),
        "nothing was imported: 2 failed",
        "nothing imported is an error"
    );
    assert!(output.starts_with("Imported 0 films: 0 created, 0 updated, 2 failed.\n"));
}

#[tokio::test]
async fn import_tmdb_exits_non_zero_only_when_nothing_was_imported() {
    let app = spawn().await;
    let dir = app.database.dir.path();
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "<html>502 Bad Gateway</html>").unwrap();
    let env = [
        ("BUREAU_DATABASE__URL", app.database.url.as_str()),
        ("BUREAU_APP__LOAD_DEMO_FIXTURES", "false"),
    ];
    let fight_club = fixture("movie_550.json");
    // The same settings from a file, named after the command's own arguments.
    let config = dir.join("import.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"{}\"\n[app]\nload_demo_fixtures = false\n",
            app.database.url
        ),
    )
    .unwrap();

    let partial = bureau(
        dir,
        &[
            "movies",
            "import-tmdb",
            "--file",
            &fight_club,
            broken.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ],
        &[],
    );
    let nothing = bureau(
        dir,
        &["movies", "import-tmdb", "--file", broken.to_str().unwrap()],
        &env,
    );

    assert!(partial.status.success(), "{}", stderr(&partial));
    assert!(
        stdout(&partial).starts_with("Imported 1 films: 1 created, 0 updated, 1 failed.\n"),
        "{}",
        stdout(&partial)
    );
    assert_eq!(nothing.status.code(), Some(1));
    assert!(
        stdout(&nothing).contains("broken.json: not JSON: expected value at line 1 column 1"),
        "{}",
        stdout(&nothing)
    );
    assert!(
        stderr(&nothing).contains("error: nothing was imported: 1 failed"),
        "{}",
        stderr(&nothing)
    );
}

#[test]
fn import_tmdb_is_listed_by_help_with_its_options() {
    let dir = tempfile::tempdir().unwrap();

    let help = bureau(dir.path(), &["--help"], &[]);
    let own = bureau(dir.path(), &["movies", "import-tmdb", "--help"], &[]);
    let both = bureau(
        dir.path(),
        &["movies", "import-tmdb", "--api", "--file", "x.json"],
        &[],
    );

    assert!(help.status.success());
    let help = stdout(&help);
    assert!(
        help.lines()
            .any(|line| line.trim_start().starts_with("movies ")
                && line.ends_with("Commands of the movies module: import-tmdb")),
        "{help}"
    );
    let own = stdout(&own);
    for option in [
        "--file <PATH>...",
        "--api",
        "--pages <PAGES>",
        "--list <LIST>",
        "popular:",
        "discover:",
        "--config <FILE>",
    ] {
        assert!(own.contains(option), "{option} in {own}");
    }
    assert_eq!(
        both.status.code(),
        Some(2),
        "clap refuses --api with --file"
    );
    assert!(
        stderr(&both).contains("cannot be used with"),
        "{}",
        stderr(&both)
    );
}

/// A stand-in for TMDb's API v3 under `/3`: list pages and details from the fixtures, TMDb's
/// errors, and the misbehaviour the import must survive.
#[derive(Default)]
struct FakeTmdb {
    /// Each request's path and query, and whether it carried a bearer token.
    requests: Mutex<Vec<(String, bool)>>,
    limited: Mutex<HashMap<i64, usize>>,
}

const API_KEY: &str = "k3y-that-must-not-leak";
const READ_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.read-token";

fn tmdb_error(status: StatusCode, code: i64, message: &str) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json;charset=utf-8")
        .body(json!({"success": false, "status_code": code, "status_message": message}).to_string())
}

fn tmdb_json(body: String) -> Response {
    Response::builder()
        .content_type("application/json;charset=utf-8")
        .body(body)
}

#[handler]
async fn fake_tmdb(request: &Request, fake: Data<&Arc<FakeTmdb>>) -> Response {
    let query: HashMap<String, String> =
        serde_urlencoded::from_str(request.uri().query().unwrap_or_default()).unwrap();
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let bearer = authorization == Some(&format!("Bearer {READ_TOKEN}"));
    fake.requests.lock().unwrap().push((
        request.uri().path_and_query().unwrap().to_string(),
        authorization.is_some(),
    ));
    if !bearer && query.get("api_key").map(String::as_str) != Some(API_KEY) {
        return tmdb_error(
            StatusCode::UNAUTHORIZED,
            7,
            "Invalid API key: You must be granted a valid key.",
        );
    }
    let page = query.get("page").cloned().unwrap_or_else(|| "1".into());
    let path = request.uri().path();
    match path.strip_prefix("/3/").unwrap_or_default() {
        "movie/popular" => match std::fs::read_to_string(fixture(&format!("popular_page_{page}.json"))) {
            Ok(body) => tmdb_json(body),
            Err(_) => tmdb_error(StatusCode::UNPROCESSABLE_ENTITY, 22, "Invalid page."),
        },
        "discover/movie" => tmdb_json(
            json!({"page": 1, "total_pages": 1, "total_results": 2, "results": [
                {"id": 11, "title": "Star Wars", "release_date": "1977-05-25", "genre_ids": [12, 28, 878]},
                {"id": 550, "title": "Fight Club", "release_date": "1999-10-15", "genre_ids": [18]}
            ]})
            .to_string(),
        ),
        other => {
            let Some(id) = other
                .strip_prefix("movie/")
                .and_then(|id| id.parse::<i64>().ok())
            else {
                return tmdb_error(StatusCode::NOT_FOUND, 34, "The resource you requested could not be found.");
            };
            assert_eq!(
                query.get("append_to_response").map(String::as_str),
                Some("credits")
            );
            match id {
                // The first ask is over the limit: TMDb says when to come back.
                278 if {
                    let mut limited = fake.limited.lock().unwrap();
                    let times = limited.entry(id).or_default();
                    *times += 1;
                    *times == 1
                } =>
                {
                    let mut response = tmdb_error(
                        StatusCode::TOO_MANY_REQUESTS,
                        25,
                        "Your request count (#) is over the allowed limit of (40).",
                    );
                    response
                        .headers_mut()
                        .insert("retry-after", "1".parse().unwrap());
                    response
                }
                603 => tmdb_json(r#"{"id": 603, "title": "The Matrix", "genres": [{"id": 28,"#.into()),
                11 => {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    tmdb_json(json!({"id": 11, "title": "Star Wars"}).to_string())
                }
                _ => match std::fs::read_to_string(fixture(&format!("movie_{id}.json"))) {
                    Ok(body) => tmdb_json(body),
                    Err(_) => tmdb_error(
                        StatusCode::NOT_FOUND,
                        34,
                        "The resource you requested could not be found.",
                    ),
                },
            }
        }
    }
}

/// Serves [`FakeTmdb`] on a free port of 127.0.0.1 for as long as the test runs.
async fn serve_fake_tmdb() -> (String, Arc<FakeTmdb>) {
    let fake = Arc::new(FakeTmdb::default());
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr: SocketAddr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
    let app = Route::new().at("/3/*path", fake_tmdb).data(fake.clone());
    tokio::spawn(bureau_core::poem::Server::new_with_acceptor(acceptor).run(app));
    (format!("http://{addr}/3"), fake)
}

#[tokio::test]
async fn import_tmdb_from_the_api_reports_missing_and_malformed_films_and_waits_when_limited() {
    let app = spawn().await;
    let db = app.state().db();
    let (url, fake) = serve_fake_tmdb().await;

    let (outcome, output) = import(&app, &["--api", "--pages", "3"], |s| {
        s.var("BUREAU_MOVIES__TMDB_API_URL", &url)
            .var("BUREAU_MOVIES__TMDB_API_KEY", API_KEY)
    })
    .await;

    outcome.unwrap();
    assert_eq!(
        output,
        "Imported 5 films: 5 created, 0 updated, 2 failed.\n\
         \x20 failed: TMDb id 13: TMDb answered HTTP 404: The resource you requested could not be found. (TMDb status 34)\n\
         \x20 failed: TMDb id 603: not JSON: EOF while parsing a value at line 1 column 56\n"
    );
    let requests: Vec<String> = fake
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|(path, _)| path.replace(API_KEY, "KEY"))
        .collect();
    assert_eq!(
        requests[..3],
        [
            "/3/movie/popular?page=1&api_key=KEY",
            "/3/movie/popular?page=2&api_key=KEY",
            "/3/movie/550?append_to_response=credits&api_key=KEY",
        ],
        "the list stops at its last page (2), before the films"
    );
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.starts_with("/3/movie/278?"))
            .count(),
        2,
        "asked again after the 429"
    );
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.starts_with("/3/movie/550?"))
            .count(),
        1,
        "a film on two pages is fetched once"
    );
    assert!(!output.contains(API_KEY));
    assert_eq!(movie::Entity::find().count(db).await.unwrap(), 5);
    let shawshank = film(db, 278).await;
    assert_eq!(shawshank.director, "Frank Darabont");
    assert_eq!(cast_of(db, shawshank.id).await.len(), 5);
    let superman = film(db, 1061474).await;
    assert_eq!(superman.release_date, None);
    assert_eq!(superman.director, "", "no director in an empty crew");
    assert_eq!(
        genres_of(db, superman.id).await,
        [
            (12, "Adventure".into()),
            (28, "Action".into()),
            (878, "Science Fiction".into())
        ]
    );
}

#[tokio::test]
async fn import_tmdb_from_the_api_with_a_read_token_and_a_film_that_times_out() {
    let app = spawn().await;
    let db = app.state().db();
    let (url, fake) = serve_fake_tmdb().await;

    let (outcome, output) = import(&app, &["--api", "--list", "discover"], |s| {
        s.var("BUREAU_MOVIES__TMDB_API_URL", &url)
            .var("BUREAU_MOVIES__TMDB_READ_TOKEN", READ_TOKEN)
            .var("BUREAU_MOVIES__TMDB_TIMEOUT_SECS", "1")
    })
    .await;

    outcome.unwrap();
    assert_eq!(
        output,
        "Imported 1 films: 1 created, 0 updated, 1 failed.\n\
         \x20 failed: TMDb id 11: TMDb did not answer within 1 s (movies.tmdb_timeout_secs)\n"
    );
    let requests = fake.requests.lock().unwrap().clone();
    assert_eq!(
        requests[0],
        (
            "/3/discover/movie?page=1&sort_by=popularity.desc&include_adult=false".into(),
            true
        ),
        "the token goes in a header, not the URL"
    );
    assert_eq!(film(db, 550).await.director, "David Fincher");
}

#[tokio::test]
async fn import_tmdb_from_the_api_fails_when_the_key_is_refused_without_showing_it() {
    let app = spawn().await;
    let (url, fake) = serve_fake_tmdb().await;
    let wrong = "wrong-key-0123456789";

    let (outcome, output) = import(&app, &["--api", "--pages", "5"], |s| {
        s.var("BUREAU_MOVIES__TMDB_API_URL", &url)
            .var("BUREAU_MOVIES__TMDB_API_KEY", wrong)
    })
    .await;
    let (unset, _) = import(&app, &["--api"], |s| s).await;

    assert_eq!(outcome.unwrap_err(), "nothing was imported: 1 failed");
    assert_eq!(
        output,
        "Imported 0 films: 0 created, 0 updated, 1 failed.\n\
         \x20 failed: popular page 1: TMDb answered HTTP 401: Invalid API key: You must be granted a valid key. (TMDb status 7)\n"
    );
    assert_eq!(
        fake.requests.lock().unwrap().len(),
        1,
        "a refused key stops the import"
    );
    assert!(!output.contains(wrong));
    assert_eq!(
        unset.unwrap_err(),
        "importing from the TMDb API needs movies.tmdb_api_key or movies.tmdb_read_token \
         (e.g. BUREAU_MOVIES__TMDB_API_KEY in the environment)"
    );
}

#[tokio::test]
async fn import_tmdb_names_an_unreachable_api_without_the_key() {
    let app = spawn().await;
    // A port nothing listens on: bound, then let go.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/3", free.local_addr().unwrap());
    drop(free);

    let (outcome, output) = import(&app, &["--api"], |s| {
        s.var("BUREAU_MOVIES__TMDB_API_URL", &url)
            .var("BUREAU_MOVIES__TMDB_API_KEY", API_KEY)
    })
    .await;

    assert!(outcome.is_err());
    assert!(
        output.contains("  failed: popular page 1: cannot reach TMDb: "),
        "{output}"
    );
    assert!(!output.contains(API_KEY), "{output}");
}
