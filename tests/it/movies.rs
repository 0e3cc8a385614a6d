//! The movies module: the demo catalogue, and content editors keeping films in the admin.

use bureau_core::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use bureau_core::testing::TestApp;
use bureau_movies::{cast_member, genre, movie, movie_genre};

use crate::support::{admin_login, person, spawn, spawn_with};

#[tokio::test]
async fn the_demo_catalogue_has_three_thousand_films_with_genres() {
    let (app, _) = spawn_with(|s| s.var("BUREAU_APP__LOAD_DEMO_FIXTURES", "true")).await;
    let db = app.state().db();
    assert_eq!(movie::Entity::find().count(db).await.unwrap(), 3201);
    assert_eq!(genre::Entity::find().count(db).await.unwrap(), 19);
    let amelie = movie::Entity::find()
        .filter(movie::Column::TitleSearch.eq("le fabuleux destin d'amelie poulain"))
        .one(db)
        .await
        .unwrap()
        .expect("the repaired title, folded for search");
    assert_eq!(amelie.title, "Le Fabuleux destin d'Amélie Poulain");
    assert_eq!(
        amelie.to_string(),
        "Le Fabuleux destin d'Amélie Poulain (2001)"
    );
    let genres = movie_genre::Entity::find()
        .filter(movie_genre::Column::MovieId.eq(amelie.id))
        .count(db)
        .await
        .unwrap();
    assert!(genres >= 1);
}

#[tokio::test]
async fn content_editors_keep_films_and_staff_only_look() {
    let (app, _) = spawn().await;
    person(&app, "edna", &["content_editor"]).await;
    person(&app, "stan", &["staff"]).await;
    let db = app.state().db();
    for (id, name) in [(18, "Drama"), (35, "Comedy")] {
        genre::Entity::insert(genre::ActiveModel {
            id: bureau_core::sea_orm::Set(id),
            name: bureau_core::sea_orm::Set(name.to_owned()),
        })
        .exec(db)
        .await
        .unwrap();
    }

    let edna = admin_login(&app, "edna").await;
    let added = edna
        .fill(
            "/admin/movies/movie/add/",
            &[
                ("title", "Déjà Vu"),
                ("release_date", "2006-11-22"),
                ("director", "Tony Scott"),
                ("overview", "An agent travels back in time."),
                ("vote_average", "6.7"),
                ("vote_count", "3000"),
                ("popularity", "12.5"),
                ("genres", "18"),
                ("cast-TOTAL", "2"),
                ("cast-0-position", "1"),
                ("cast-0-name", "Denzel Washington"),
                ("cast-0-character", "Doug Carlin"),
                ("cast-1-position", ""),
                ("cast-1-name", ""),
                ("cast-1-character", ""),
                ("_continue", ""),
            ],
        )
        .await;
    let status = added.status();
    assert_eq!(status, 303, "{}", added.text().await.unwrap());
    let added = movie::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!(added.title_search, "deja vu", "derived on save");
    assert_eq!(added.tmdb_id, None);
    let linked = movie_genre::Entity::find().all(db).await.unwrap();
    assert_eq!((linked.len(), linked[0].genre_id), (1, 18));
    let cast = cast_member::Entity::find().all(db).await.unwrap();
    assert_eq!(cast.len(), 1);
    assert_eq!(cast[0].name, "Denzel Washington");

    {
        use bureau_core::sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
        let mut row = added.clone().into_active_model();
        row.poster_path = Set(Some("/poster.jpg".to_owned()));
        row.update(db).await.unwrap();
    }
    let (_, with_poster) = edna.page("/admin/movies/movie/").await;
    assert!(
        with_poster.contains(
            r#"<td class="thumbnail"><img src="https://image.tmdb.org/t/p/w342/poster.jpg""#
        ),
        "{with_poster}"
    );
    let (status, list) = edna.page("/admin/movies/movie/?q=deja").await;
    assert_eq!(status, 200);
    assert!(!list.contains("0 rows"), "{list}");
    let other = film(&app, "Brazil", Some("1985-02-20"), 7.9, &[35]).await;
    let (_, dramas) = edna.page("/admin/movies/movie/?genres=18").await;
    assert!(
        dramas.contains("1 row") && dramas.contains("Déjà Vu"),
        "{dramas}"
    );
    let (_, comedies) = edna.page("/admin/movies/movie/?genres=35").await;
    assert!(
        comedies.contains("1 row") && comedies.contains(&other.title),
        "{comedies}"
    );
    assert!(
        comedies.contains("By genres") && comedies.contains(">Comedy<"),
        "the filter block"
    );
    let (status, _) = edna.page("/admin/movies/movie/?genres=comedy").await;
    assert_eq!(status, 400);
    let (_, list) = edna.page("/admin/movies/movie/").await;
    assert!(
        list.contains(">2000s<")
            && list.contains(">1990s<")
            && list.contains(">1980s<")
            && !list.contains(">1970s<"),
        "decades from the last film's to the first's: {list}"
    );
    assert!(
        !list.contains("\u{a0}2006<"),
        "years only once a decade is chosen"
    );
    let (_, eighties) = edna
        .page("/admin/movies/movie/?release_date__gte=1980-01-01&release_date__lte=1989-12-31")
        .await;
    assert!(
        eighties.contains("1 row") && eighties.contains("Brazil"),
        "{eighties}"
    );
    assert!(
        eighties.contains("\u{a0}1985<") && !eighties.contains("\u{a0}1984<"),
        "the decade's years, within the catalogue's span: {eighties}"
    );
    let (_, year) = edna
        .page("/admin/movies/movie/?release_date__gte=2006-01-01&release_date__lte=2006-12-31")
        .await;
    assert!(year.contains("1 row") && year.contains("Déjà Vu"), "{year}");
    assert!(year.contains(">2006<"), "the year column");

    let stan = admin_login(&app, "stan").await;
    let (status, _) = stan.page("/admin/movies/movie/").await;
    assert_eq!(status, 200, "staff may look");
    let (status, _) = stan.page("/admin/movies/movie/add/").await;
    assert_eq!(status, 403, "but not add");
    let delete = format!("/admin/movies/movie/{}/delete/", added.id);
    let (status, _) = stan.page(&delete).await;
    assert_eq!(status, 403, "nor delete");
    assert_eq!(movie::Entity::find().count(db).await.unwrap(), 2);
}

/// A film straight into the table, with its genres.
pub(crate) async fn film(
    app: &TestApp,
    title: &str,
    date: Option<&str>,
    rating: f64,
    genres: &[i64],
) -> movie::Model {
    use bureau_core::sea_orm::{ActiveModelTrait, Set};
    let db = app.state().db();
    let film = movie::ActiveModel {
        title: Set(title.to_owned()),
        title_search: Set(bureau_movies::search::fold(title)),
        overview: Set(String::new()),
        release_date: Set(date.map(|d| d.parse().unwrap())),
        poster_path: Set(None),
        vote_average: Set(rating),
        vote_count: Set(100),
        popularity: Set(rating),
        director: Set(String::new()),
        tmdb_id: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    for genre in genres {
        movie_genre::ActiveModel {
            movie_id: Set(film.id),
            genre_id: Set(*genre),
        }
        .insert(db)
        .await
        .unwrap();
    }
    film
}

pub(crate) async fn genres(app: &TestApp) {
    for (id, name) in [(18, "Drama"), (35, "Comedy"), (878, "Science Fiction")] {
        genre::Entity::insert(genre::ActiveModel {
            id: bureau_core::sea_orm::Set(id),
            name: bureau_core::sea_orm::Set(name.to_owned()),
        })
        .exec(app.state().db())
        .await
        .unwrap();
    }
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    (
        status,
        crate::support::html(&response.text().await.unwrap()),
    )
}

/// The film titles a list page shows, in order.
pub(crate) fn titles(page: &str) -> Vec<String> {
    page.split("<span class=\"movie-title\">")
        .skip(1)
        .filter_map(|rest| rest.split("</span>").next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_home_page_searches_ignoring_case_and_accents_with_a_genre() {
    let (app, _) = spawn().await;
    genres(&app).await;
    film(&app, "Déjà Vu", Some("2006-11-22"), 6.7, &[878]).await;
    film(&app, "Deja Vu", Some("1985-03-01"), 5.0, &[18]).await;
    film(
        &app,
        "Le Fabuleux destin d'Amélie Poulain",
        Some("2001-04-25"),
        8.4,
        &[35],
    )
    .await;
    film(&app, "100% Arabica", None, 4.0, &[35]).await;

    let (status, all) = page(&app, "/").await;
    assert_eq!(status, 200);
    assert!(all.contains("4 films"), "{all}");
    assert_eq!(
        titles(&all),
        [
            "Le Fabuleux destin d'Amélie Poulain",
            "Déjà Vu",
            "Deja Vu",
            "100% Arabica"
        ],
        "most popular first"
    );
    for query in ["deja", "DÉJÀ", "déjà vu", "DeJa"] {
        let (_, found) = page(&app, &format!("/?q={}", urlencode(query))).await;
        assert_eq!(titles(&found), ["Déjà Vu", "Deja Vu"], "{query}");
    }
    let (_, amelie) = page(&app, "/?q=AMELIE").await;
    assert_eq!(titles(&amelie), ["Le Fabuleux destin d'Amélie Poulain"]);
    let (_, scifi) = page(&app, "/?q=deja&genre=878").await;
    assert_eq!(titles(&scifi), ["Déjà Vu"], "search and genre combine");
    let (_, percent) = page(&app, "/?q=100%25").await;
    assert_eq!(titles(&percent), ["100% Arabica"], "% is no wildcard");
    let (_, nothing) = page(&app, "/?q=zzz").await;
    assert!(nothing.contains("No film matches"), "{nothing}");
    let (_, newest) = page(&app, "/?sort=release").await;
    assert_eq!(
        titles(&newest),
        [
            "Déjà Vu",
            "Le Fabuleux destin d'Amélie Poulain",
            "Deja Vu",
            "100% Arabica"
        ],
        "no date last"
    );
    let (_, rated) = page(&app, "/?sort=rating&genre=35").await;
    assert_eq!(
        titles(&rated),
        ["Le Fabuleux destin d'Amélie Poulain", "100% Arabica"]
    );
    let (status, _) = page(&app, "/?sort=bogus&genre=nope").await;
    assert_eq!(status, 200, "unusable choices are ignored");
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)]).unwrap()[2..].to_owned()
}

#[tokio::test]
async fn the_home_page_pages_and_film_pages_show_everything() {
    let (app, _) = spawn_with(|s| {
        s.var(
            "BUREAU_MOVIES__IMAGE_BASE_URL",
            "https://images.example.org/t/p/w342/",
        )
    })
    .await;
    genres(&app).await;
    for i in 1..=30 {
        film(
            &app,
            &format!("Film {i:02}"),
            Some("2000-01-01"),
            f64::from(i),
            &[],
        )
        .await;
    }
    let (_, first) = page(&app, "/").await;
    assert_eq!(titles(&first).len(), 24);
    assert!(
        first.contains("Page 1 of 2") && first.contains("href=\"/?page=2\""),
        "{first}"
    );
    let (_, second) = page(&app, "/?page=2").await;
    assert_eq!(
        titles(&second),
        [
            "Film 06", "Film 05", "Film 04", "Film 03", "Film 02", "Film 01"
        ]
    );
    for bad in ["/?page=3", "/?page=0", "/?page=abc"] {
        assert_eq!(page(&app, bad).await.0, 404, "{bad}");
    }

    let db = app.state().db();
    let shown = film(
        &app,
        "<script>alert(1)</script> Rising",
        Some("2012-07-20"),
        7.8,
        &[18, 878],
    )
    .await;
    {
        use bureau_core::sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
        let mut row = shown.clone().into_active_model();
        row.poster_path = Set(Some("/abc123.jpg".to_owned()));
        row.overview = Set("A <b>bold</b> overview.".to_owned());
        row.director = Set("Christopher Nolan".to_owned());
        row.tmdb_id = Set(Some(49026));
        row.update(db).await.unwrap();
        for (position, name, character) in [
            (2, "Anne Hathaway", "Selina"),
            (1, "Christian Bale", "Bruce Wayne"),
        ] {
            cast_member::ActiveModel {
                movie_id: Set(shown.id),
                position: Set(position),
                name: Set(name.to_owned()),
                character: Set(character.to_owned()),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
        }
    }
    let response = app.get(&format!("/movies/{}/", shown.id)).await;
    assert_eq!(response.status(), 200);
    let raw = response.text().await.unwrap();
    assert!(!raw.contains("<script>alert"), "titles are escaped");
    assert!(!raw.contains("<b>bold</b>"), "overviews are escaped");
    let detail = crate::support::html(&raw);
    for expected in [
        "20 July 2012",
        "Christopher Nolan",
        "7.8 / 10",
        ">Drama<",
        ">Science Fiction<",
        "https://images.example.org/t/p/w342/abc123.jpg",
        "https://www.themoviedb.org/movie/49026",
    ] {
        assert!(detail.contains(expected), "{expected} in {detail}");
    }
    let bale = detail.find("Christian Bale").unwrap();
    let hathaway = detail.find("Anne Hathaway").unwrap();
    assert!(bale < hathaway, "billing order");
    let (_, plain) = page(&app, "/movies/1/").await;
    assert!(
        plain.contains("/static/movies/placeholder") && plain.contains("No overview yet"),
        "{plain}"
    );
    for missing in ["/movies/999999/", "/movies/abc/"] {
        assert_eq!(page(&app, missing).await.0, 404, "{missing}");
    }
}

#[tokio::test]
async fn integrators_list_search_and_read_films_through_the_api() {
    let (app, _) = spawn().await;
    genres(&app).await;
    let deja = film(&app, "Déjà Vu", Some("2006-11-22"), 6.7, &[878, 18]).await;
    film(&app, "Deja Vu", None, 5.0, &[18]).await;
    for i in 1..=25 {
        film(
            &app,
            &format!("Film {i:02}"),
            Some("2000-01-01"),
            1.0,
            &[35],
        )
        .await;
    }
    let get = |path: &str| {
        let url = app.url(path);
        let client = app.client.clone();
        async move {
            let response = client.get(url).send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response
                    .json::<serde_json::Value>()
                    .await
                    .unwrap_or_default(),
            )
        }
    };
    let (status, all) = get("/api/movies/").await;
    assert_eq!(status, 200);
    assert_eq!(all["count"], 27);
    assert_eq!(all["results"].as_array().unwrap().len(), 20);
    assert_eq!(all["results"][0]["title"], "Déjà Vu", "most popular first");
    assert_eq!(all["next"], app.url("/api/movies/?page=2").as_str());

    let (_, found) = get("/api/movies/?search=DEJA%20VU&ordering=release_date").await;
    let titles: Vec<&str> = found["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Déjà Vu", "Deja Vu"]);
    let (_, scifi) = get("/api/movies/?search=deja&genre=878").await;
    assert_eq!(scifi["count"], 1);
    assert_eq!(scifi["results"][0]["release_date"], "2006-11-22");
    assert_eq!(scifi["results"][0]["poster_url"], serde_json::Value::Null);

    let (status, one) = get(&format!("/api/movies/{}/", deja.id)).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = one["genres"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Drama", "Science Fiction"]);
    assert_eq!(one["cast"], serde_json::json!([]));
    for (path, expected) in [
        ("/api/movies/999999/", 404),
        ("/api/movies/abc/", 404),
        ("/api/movies/?page=9", 404),
        ("/api/movies/?genre=drama", 400),
        ("/api/movies/?ordering=rank", 400),
    ] {
        assert_eq!(get(path).await.0, expected, "{path}");
    }
}
