//! The movies module: the demo catalogue, and content editors keeping films in the admin.

use bureau_core::auth::users::{self, NewUser};
use bureau_core::entities::user;
use bureau_core::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use bureau_core::testing::TestApp;
use bureau_movies::{cast_member, genre, movie, movie_genre};

use crate::browser::Browser;
use crate::support::{spawn, spawn_with};

const PASSWORD: &str = "correct horse battery";

async fn person(app: &TestApp, username: &str, roles: &[&str]) -> user::Model {
    let new = NewUser {
        username: username.to_owned(),
        email: format!("{username}@example.com"),
        password: PASSWORD.to_owned(),
        is_staff: true,
        email_verified: true,
        ..Default::default()
    };
    let person = users::create(app.state().db(), app.state(), &new)
        .await
        .unwrap();
    for role in roles {
        app.state()
            .rbac()
            .assign(app.state().db(), person.id, role)
            .await
            .unwrap();
    }
    person
}

async fn admin_of(app: &TestApp, username: &str) -> Browser {
    let browser = Browser::new(app);
    let response = browser
        .fill(
            "/admin/login/",
            &[("login", username), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), 303);
    browser
}

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

    let edna = admin_of(&app, "edna").await;
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
    let film = movie::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!(film.title_search, "deja vu", "derived on save");
    assert_eq!(film.tmdb_id, None);
    let linked = movie_genre::Entity::find().all(db).await.unwrap();
    assert_eq!((linked.len(), linked[0].genre_id), (1, 18));
    let cast = cast_member::Entity::find().all(db).await.unwrap();
    assert_eq!(cast.len(), 1);
    assert_eq!(cast[0].name, "Denzel Washington");

    let (status, list) = edna.page("/admin/movies/movie/?q=deja").await;
    assert_eq!(status, 200);
    assert!(!list.contains("0 rows"), "{list}");
    let (_, by_year) = edna
        .page("/admin/movies/movie/?release_date__gte=2006-01-01")
        .await;
    assert!(by_year.contains("2006"), "the year column");

    let stan = admin_of(&app, "stan").await;
    let (status, _) = stan.page("/admin/movies/movie/").await;
    assert_eq!(status, 200, "staff may look");
    let (status, _) = stan.page("/admin/movies/movie/add/").await;
    assert_eq!(status, 403, "but not add");
    let delete = format!("/admin/movies/movie/{}/delete/", film.id);
    let (status, _) = stan.page(&delete).await;
    assert_eq!(status, 403, "nor delete");
    assert_eq!(movie::Entity::find().count(db).await.unwrap(), 1);
}
