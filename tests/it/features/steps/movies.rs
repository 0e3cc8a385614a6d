//! `features/movies.feature`: the film list on the home page, its search and genre filter, and a
//! film's page.

use bureau_core::sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use bureau_movies::genre;
use cucumber::gherkin::Step;
use cucumber::{given, then, when};

use crate::features::world::{Journey, Who};
use crate::movies::{film, genres, titles};

/// A table with the columns `title`, `released`, `rating`, `genres` (comma-separated names) and
/// `director`; popularity follows the rating, so the list shows the best rated first.
#[given("the catalogue has these films:")]
async fn these_films(world: &mut Journey, step: &Step) {
    let app = world.app();
    genres(app).await;
    let known = genre::Entity::find().all(app.state().db()).await.unwrap();
    let table = step.table.as_ref().expect("a table of films");
    let header = &table.rows[0];
    for row in &table.rows[1..] {
        let cell = |name: &str| {
            let column = header.iter().position(|h| h == name);
            row[column.unwrap_or_else(|| panic!("no {name} column"))].as_str()
        };
        let ids: Vec<i64> = cell("genres")
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(|name| {
                let found = known.iter().find(|g| g.name == name);
                found.unwrap_or_else(|| panic!("no genre {name}")).id
            })
            .collect();
        let rating = cell("rating").parse().expect("a rating");
        let made = film(app, cell("title"), Some(cell("released")), rating, &ids).await;
        let mut row = made.into_active_model();
        row.director = Set(cell("director").to_owned());
        row.update(app.state().db()).await.unwrap();
    }
}

#[given(expr = "the catalogue has the film {string}")]
async fn one_film(world: &mut Journey, title: String) {
    film(world.app(), &title, None, 5.0, &[]).await;
}

#[when("I open the home page")]
async fn home(world: &mut Journey) {
    world.visit(&Who::Me, "/").await;
}

#[when(expr = "I search for {string}")]
async fn search(world: &mut Journey, words: String) {
    let query = serde_urlencoded::to_string([("q", words)]).unwrap();
    world.visit(&Who::Me, &format!("/?{query}")).await;
}

#[when(expr = "I choose the genre {string}")]
async fn choose_genre(world: &mut Journey, name: String) {
    let id = genre_option(world, &name).await;
    world.visit(&Who::Me, &format!("/?genre={id}")).await;
}

#[when(expr = "I search for {string} in the genre {string}")]
async fn search_in_genre(world: &mut Journey, words: String, name: String) {
    let id = genre_option(world, &name).await;
    let query = serde_urlencoded::to_string([("q", words), ("genre", id)]).unwrap();
    world.visit(&Who::Me, &format!("/?{query}")).await;
}

#[when(expr = "I open the film {string}")]
async fn open_film(world: &mut Journey, title: String) {
    let list = world.last(&Who::Me).page();
    let path = href_before(
        &list,
        &format!("<span class=\"movie-title\">{title}</span>"),
    );
    world.visit(&Who::Me, &path).await;
}

/// Finds the film `title` by a search on the home page and opens its page as `who`.
pub(crate) async fn film_page(world: &mut Journey, who: &Who, title: &str) {
    let query = serde_urlencoded::to_string([("q", title)]).unwrap();
    let list = world.visit(who, &format!("/?{query}")).await.page();
    let path = href_before(
        &list,
        &format!("<span class=\"movie-title\">{title}</span>"),
    );
    world.visit(who, &path).await;
}

/// The `href` of the link around the first `marker` in `page`.
pub(crate) fn href_before(page: &str, marker: &str) -> String {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {page}"));
    let link = page[..at].rfind("href=\"").expect("a link") + "href=\"".len();
    page[link..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[when("I open the page of a film that does not exist")]
async fn missing_film(world: &mut Journey) {
    world.visit(&Who::Me, "/movies/999999/").await;
}

#[then(expr = "I see only the film {string}")]
async fn only_film(world: &mut Journey, title: String) {
    let reply = world.last(&Who::Me);
    assert_eq!(reply.status, 200);
    assert_eq!(titles(&reply.page()), [title]);
}

/// A one-column table of titles.
#[then("I see these films, in this order:")]
async fn these_in_order(world: &mut Journey, step: &Step) {
    let table = step.table.as_ref().expect("a table of titles");
    let expected: Vec<&str> = table.rows.iter().map(|row| row[0].as_str()).collect();
    let reply = world.last(&Who::Me);
    assert_eq!(reply.status, 200);
    assert_eq!(titles(&reply.page()), expected);
}

#[then("the list says no film matches")]
async fn none_matches(world: &mut Journey) {
    let page = world.last(&Who::Me).page();
    assert!(titles(&page).is_empty(), "{page}");
    assert!(page.contains("No film matches"), "{page}");
}

/// A one-column table of what the page must show, each as it reads on the page.
#[then("the film's page shows:")]
async fn film_page_shows(world: &mut Journey, step: &Step) {
    let reply = world.last(&Who::Me);
    assert_eq!(reply.status, 200);
    let text = reply.text();
    let table = step.table.as_ref().expect("a table of texts");
    for row in &table.rows {
        assert!(text.contains(&row[0]), "{:?} in {text}", row[0]);
    }
}

/// The value of the home page's genre option named `name`, as the visitor's select would send.
async fn genre_option(world: &mut Journey, name: &str) -> String {
    let page = world.visit(&Who::Me, "/").await.page();
    let label = page
        .find(&format!("\">{name}</option>"))
        .unwrap_or_else(|| panic!("no genre {name} to choose: {page}"));
    let value = page[..label].rfind("value=\"").expect("the option's value") + "value=\"".len();
    page[value..label].to_owned()
}
