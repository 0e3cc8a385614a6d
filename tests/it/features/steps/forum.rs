//! `features/forum.feature`: posts about films, votes, and who may change a post. The admin's
//! journey reuses writing, reporting and looking for posts.

use cucumber::{given, then, when};

use crate::features::steps::movies::{film_page, href_before};
use crate::features::world::{Journey, Who};

/// Writes a post from the film's page, as its "Write about this film" link leads, and remembers
/// the post's id by its title.
async fn write(world: &mut Journey, who: &Who, film: &str, title: &str, body: &str) {
    film_page(world, who, film).await;
    let film_page = world.last(who).page();
    let form = href_before(&film_page, ">Write about this film</a>");
    let movie = form
        .split_once("movie=")
        .map(|(_, id)| id.to_owned())
        .expect("the form names the film");
    let reply = world
        .submit(
            who,
            &form,
            "/forum/new/",
            &[("title", title), ("body", body), ("movie", &movie)],
        )
        .await;
    if let Some(id) = post_id(&reply.redirected_to) {
        world.posts.insert(title.to_owned(), id);
    }
}

/// `/forum/12/` → 12.
fn post_id(path: &str) -> Option<i64> {
    path.strip_prefix("/forum/")?
        .strip_suffix('/')?
        .parse()
        .ok()
}

fn path_of(world: &Journey, title: &str) -> String {
    let id = world
        .posts
        .get(title)
        .unwrap_or_else(|| panic!("no post {title} was written"));
    format!("/forum/{id}/")
}

#[when(expr = "{who} write(s) a post about {string} titled {string} saying {string}")]
async fn writes(world: &mut Journey, who: Who, film: String, title: String, body: String) {
    write(world, &who, &film, &title, &body).await;
}

#[given(expr = "{who} wrote the post {string} about {string}")]
async fn wrote(world: &mut Journey, who: Who, title: String, film: String) {
    write(world, &who, &film, &title, "What I think of it.").await;
    assert!(world.posts.contains_key(&title), "{title} is published");
}

#[given(expr = "{who} reported the post {string} as {string}")]
async fn reported(world: &mut Journey, who: Who, title: String, reason: String) {
    let page = path_of(world, &title);
    let reply = world
        .submit(
            &who,
            &page,
            &format!("{page}report/"),
            &[("reason", &reason)],
        )
        .await;
    assert_eq!(reply.status, 200);
}

#[when(expr = "{who} vote(s) {word} the post {string}")]
async fn vote(world: &mut Journey, who: Who, value: String, title: String) {
    let page = path_of(world, &title);
    world
        .submit(&who, &page, &format!("{page}vote/"), &[("value", &value)])
        .await;
}

#[when(expr = "{who} tries/try to change the title of the post {string} to {string}")]
async fn try_to_edit(world: &mut Journey, who: Who, title: String, new_title: String) {
    let page = path_of(world, &title);
    world
        .submit(
            &who,
            &page,
            &format!("{page}edit/"),
            &[("title", &new_title), ("body", "Changed.")],
        )
        .await;
}

#[then(expr = "I see the post {string} about {string} with a score of {int}")]
async fn see_post(world: &mut Journey, title: String, film: String, score: i64) {
    let reply = world.last(&Who::Me);
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.redirected_to,
        path_of(world, &title),
        "the post's page"
    );
    let text = reply.text();
    assert!(text.contains(&format!("Forum {title} By ")), "{text}");
    assert!(
        text.contains(&format!("about {film} · score {score}")),
        "{text}"
    );
}

#[then(expr = "its text shows {string} in emphasis")]
async fn emphasis(world: &mut Journey, words: String) {
    let page = world.last(&Who::Me).page();
    assert!(page.contains(&format!("<em>{words}</em>")), "{page}");
}

#[then(expr = "the page of the film {string} lists the post {string}")]
async fn film_lists_post(world: &mut Journey, film: String, title: String) {
    film_page(world, &Who::Me, &film).await;
    let text = world.last(&Who::Me).text();
    let section = text.split("Forum posts").nth(1).expect("the film's posts");
    assert!(section.contains(&title), "{section}");
}

#[then(expr = "the post {string} has a score of {int}")]
async fn has_score(world: &mut Journey, title: String, score: i64) {
    let page = path_of(world, &title);
    let shown = world.visit(&Who::Me, &page).await.page();
    let marker = "<strong class=\"score\">";
    let at = shown.find(marker).expect("the score") + marker.len();
    let value = shown[at..].split('<').next().unwrap_or_default();
    assert_eq!(value, score.to_string(), "{shown}");
}

#[then(expr = "{who} see(s) the post {string} in the forum")]
async fn sees(world: &mut Journey, who: Who, title: String) {
    let list = world.visit(&who, "/forum/").await.text();
    assert!(list.contains(&title), "{list}");
    let page = path_of(world, &title);
    let reply = world.visit(&who, &page).await;
    assert_eq!(reply.status, 200, "{}", reply.page());
}

#[then(expr = "{who} see(s) the post {string} in the forum marked hidden")]
async fn sees_hidden(world: &mut Journey, who: Who, title: String) {
    let list = world.visit(&who, "/forum/").await.text();
    assert!(list.contains(&format!("{title} hidden")), "{list}");
}

#[then(expr = "{who} no longer see(s) the post {string} in the forum")]
async fn no_longer_sees(world: &mut Journey, who: Who, title: String) {
    let list = world.visit(&who, "/forum/").await.text();
    assert!(!list.contains(&title), "{list}");
    let page = path_of(world, &title);
    assert_eq!(world.visit(&who, &page).await.status, 404);
}

#[then(expr = "the forum lists no post titled {string}")]
async fn no_post_titled(world: &mut Journey, title: String) {
    let list = world.visit(&Who::Me, "/forum/").await.text();
    assert!(!list.contains(&title), "{list}");
}

#[then("the forum has no posts")]
async fn no_posts(world: &mut Journey) {
    let list = world.visit(&Who::Me, "/forum/").await.text();
    assert!(list.contains("0 posts No posts yet."), "{list}");
}
