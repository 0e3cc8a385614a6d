//! The forum module, first part: its tables' rules, and moderation in the admin.

use bureau_core::entities::{admin_log, user};
use bureau_core::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set,
    Statement,
};
use bureau_core::testing::TestApp;
use bureau_forum::{post, report, vote};
use bureau_movies::movie;

use crate::support::{PASSWORD, admin_login, logged_in, person, spawn};

/// Sets a post's `hidden` or `locked` flag, as a moderator would.
async fn flag(app: &TestApp, id: i64, name: &str, value: bool) {
    let mut row = post::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    match name {
        "hidden" => row.hidden = Set(value),
        _ => row.locked = Set(value),
    }
    row.update(app.state().db()).await.unwrap();
}

async fn film(app: &TestApp, title: &str) -> movie::Model {
    movie::ActiveModel {
        title: Set(title.to_owned()),
        title_search: Set(title.to_lowercase()),
        overview: Set(String::new()),
        release_date: Set(None),
        poster_path: Set(None),
        vote_average: Set(0.0),
        vote_count: Set(0),
        popularity: Set(0.0),
        director: Set(String::new()),
        tmdb_id: Set(None),
        ..Default::default()
    }
    .insert(app.state().db())
    .await
    .unwrap()
}

async fn post_by(
    app: &TestApp,
    author: &user::Model,
    movie: Option<i64>,
    title: &str,
) -> post::Model {
    let now = chrono::Utc::now().fixed_offset();
    post::ActiveModel {
        author_id: Set(author.id),
        movie_id: Set(movie),
        title: Set(title.to_owned()),
        body: Set("Some *thoughts*.".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        score: Set(0),
        hidden: Set(false),
        locked: Set(false),
        ..Default::default()
    }
    .insert(app.state().db())
    .await
    .unwrap()
}

#[tokio::test]
async fn one_vote_per_user_and_post_of_plus_or_minus_one() {
    let (app, _) = spawn().await;
    let ann = person(&app, "ann", &[]).await;
    let post = post_by(&app, &ann, None, "Hello").await;
    let db = app.state().db();
    let vote = |value: i16| vote::ActiveModel {
        post_id: Set(post.id),
        user_id: Set(ann.id),
        value: Set(value),
    };
    vote(1).insert(db).await.unwrap();
    assert!(
        vote(-1).insert(db).await.is_err(),
        "a second vote by the same user"
    );
    vote::Entity::delete_many().exec(db).await.unwrap();
    assert!(vote(2).insert(db).await.is_err(), "only +1 or -1");
}

#[tokio::test]
async fn posts_outlive_their_film_but_not_their_author() {
    let (app, _) = spawn().await;
    let ann = person(&app, "ann", &[]).await;
    let bob = person(&app, "bob", &[]).await;
    let brazil = film(&app, "Brazil").await;
    let about = post_by(&app, &ann, Some(brazil.id), "On Brazil").await;
    let bobs = post_by(&app, &bob, Some(brazil.id), "Bob on Brazil").await;
    let db = app.state().db();
    movie::Entity::delete_by_id(brazil.id)
        .exec(db)
        .await
        .unwrap();
    let kept = post::Entity::find_by_id(about.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.movie_id, None);
    user::Entity::delete_by_id(bob.id).exec(db).await.unwrap();
    assert!(
        post::Entity::find_by_id(bobs.id)
            .one(db)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn moderators_hide_lock_and_resolve_reports_in_bulk_with_audit_entries() {
    let (app, _) = spawn().await;
    let ann = person(&app, "ann", &[]).await;
    person(&app, "mo", &["moderator"]).await;
    person(&app, "stan", &["staff"]).await;
    let db = app.state().db();
    let first = post_by(&app, &ann, None, "First").await;
    let second = post_by(&app, &ann, None, "Second").await;
    report::ActiveModel {
        post_id: Set(first.id),
        reporter_id: Set(ann.id),
        reason: Set("Spoilers".to_owned()),
        created_at: Set(chrono::Utc::now().fixed_offset()),
        resolved: Set(false),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let ids = [first.id.to_string(), second.id.to_string()];

    let stan = admin_login(&app, "stan").await;
    let mut hide = vec![("action", "hide"), ("confirm", "yes")];
    hide.extend(ids.iter().map(|id| ("_selected", id.as_str())));
    let refused = stan
        .submit("/admin/forum/post/", "/admin/forum/post/action/", &hide)
        .await;
    assert_eq!(refused.status(), 403, "staff may look, not moderate");

    let mo = admin_login(&app, "mo").await;
    for action in ["hide", "lock"] {
        let mut form = vec![("action", action), ("confirm", "yes")];
        form.extend(ids.iter().map(|id| ("_selected", id.as_str())));
        let done = mo
            .submit("/admin/forum/post/", "/admin/forum/post/action/", &form)
            .await;
        assert_eq!(done.status(), 303, "{action}");
    }
    let posts = post::Entity::find().all(db).await.unwrap();
    assert!(posts.iter().all(|p| p.hidden && p.locked), "{posts:?}");
    let (_, queue) = mo.page("/admin/forum/report/?resolved=false").await;
    assert!(
        queue.contains("Spoilers") && queue.contains("1 row"),
        "{queue}"
    );
    let open = report::Entity::find().one(db).await.unwrap().unwrap();
    let id = open.id.to_string();
    let resolve = [
        ("action", "resolve"),
        ("confirm", "yes"),
        ("_selected", id.as_str()),
    ];
    let done = mo
        .submit(
            "/admin/forum/report/",
            "/admin/forum/report/action/",
            &resolve,
        )
        .await;
    assert_eq!(done.status(), 303);
    let (_, queue) = mo.page("/admin/forum/report/?resolved=false").await;
    assert!(queue.contains("0 rows"), "{queue}");

    let entries = admin_log::Entity::find()
        .filter(admin_log::Column::Username.eq("mo"))
        .all(db)
        .await
        .unwrap();
    let count = |action: &str| entries.iter().filter(|e| e.action == action).count();
    assert_eq!((count("hide"), count("lock"), count("resolve")), (2, 2, 1));
}

#[tokio::test]
async fn hidden_posts_show_only_to_their_author_and_moderators() {
    let (app, _) = spawn().await;
    let ann = person(&app, "ann", &[]).await;
    person(&app, "bob", &[]).await;
    person(&app, "mo", &["moderator"]).await;
    post_by(&app, &ann, None, "Visible").await;
    let hidden = post_by(&app, &ann, None, "Secret").await;
    flag(&app, hidden.id, "hidden", true).await;
    let path = format!("/forum/{}/", hidden.id);
    let anonymous = app.get("/forum/").await.text().await.unwrap();
    assert!(anonymous.contains("Visible") && !anonymous.contains("Secret"));
    assert_eq!(app.get(&path).await.status(), 404);
    let bob = logged_in(&app, "bob").await;
    assert_eq!(bob.page(&path).await.0, 404);
    for who in ["ann", "mo"] {
        let browser = logged_in(&app, who).await;
        let (status, page) = browser.page(&path).await;
        assert_eq!(status, 200, "{who}");
        assert!(page.contains("hidden"), "{who}");
        let (_, list) = browser.page("/forum/").await;
        assert!(list.contains("Secret"), "{who}");
    }
}

/// The list as visitors see it (not hidden, newest or top first, a page deep) reads an index in
/// list order rather than sorting the table: on SQLite the plan says so; elsewhere, where the
/// planner may prefer a sort of a test's few rows, the indexes are there.
#[tokio::test]
async fn the_forum_list_pages_through_an_index_not_a_sort() {
    let (app, _) = spawn().await;
    let db = app.state().db();
    let backend = db.get_database_backend();
    let rows = |sql: &str| db.query_all_raw(Statement::from_string(backend, sql.to_owned()));
    let indexes = ["forum_post_visible_created", "forum_post_visible_score"];

    match backend {
        DbBackend::Sqlite => {
            for (order, index) in [("created_at", indexes[0]), ("score", indexes[1])] {
                let sql = format!(
                    "EXPLAIN QUERY PLAN SELECT id FROM forum_post WHERE hidden = false \
                     ORDER BY {order} DESC, id DESC LIMIT 20 OFFSET 1980"
                );
                let plan: Vec<String> = rows(&sql)
                    .await
                    .unwrap()
                    .iter()
                    .map(|row| row.try_get::<String>("", "detail").unwrap())
                    .collect();
                let plan = plan.join("; ");
                assert!(plan.contains(index), "{order}: {plan}");
                assert!(!plan.contains("TEMP B-TREE"), "{order} sorts: {plan}");
            }
        }
        _ => {
            let sql = if backend == DbBackend::Postgres {
                "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'forum_post'"
            } else {
                "SELECT DISTINCT index_name AS name FROM information_schema.statistics \
                 WHERE table_schema = DATABASE() AND table_name = 'forum_post'"
            };
            let names: Vec<String> = rows(sql)
                .await
                .unwrap()
                .iter()
                .map(|row| row.try_get::<String>("", "name").unwrap())
                .collect();
            for index in indexes {
                assert!(names.iter().any(|n| n == index), "{index}: {names:?}");
            }
        }
    }
}

#[tokio::test]
async fn users_write_posts_about_films_safely_and_not_too_fast() {
    let (app, _) = spawn().await;
    person(&app, "ann", &[]).await;
    let brazil = film(&app, "Brazil").await;
    let anonymous = app.get("/forum/new/").await;
    assert_eq!(anonymous.status(), 303, "log in first");

    let ann = logged_in(&app, "ann").await;
    let new = format!("/forum/new/?movie={}", brazil.id);
    let (status, form) = ann.page(&new).await;
    assert_eq!(status, 200);
    assert!(form.contains("About") && form.contains("Brazil"), "{form}");

    let movie = brazil.id.to_string();
    let bad = ann
        .submit(
            &new,
            "/forum/new/",
            &[
                ("title", "   "),
                ("body", "Kept *body*"),
                ("movie", movie.as_str()),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let page = crate::support::html(&bad.text().await.unwrap());
    assert!(
        page.contains("This field is required.") && page.contains("Kept *body*"),
        "{page}"
    );
    assert!(
        page.contains("message-error") && page.contains("Your post is not published yet"),
        "an error message above the form: {page}"
    );
    let (_, after) = ann.page("/forum/").await;
    assert!(!after.contains("not published yet"), "shown once: {after}");
    let wrong_film = ann
        .submit(
            &new,
            "/forum/new/",
            &[("title", "T"), ("body", "B"), ("movie", "999999")],
        )
        .await;
    assert_eq!(wrong_film.status(), 422);

    let attack = "**bold** text\n\n[x](javascript:alert(2))\n\n<script>alert(1)</script>";
    let done = ann
        .submit(
            &new,
            "/forum/new/",
            &[
                ("title", "<img src=x onerror=alert(1)> Brazil"),
                ("body", attack),
                ("movie", movie.as_str()),
            ],
        )
        .await;
    assert_eq!(done.status(), 303);
    let url = crate::browser::location(&done);
    let shown = ann.get(&url).await.text().await.unwrap();
    assert!(
        shown.contains("Your post is published."),
        "the flash message after the redirect"
    );
    assert!(
        shown.contains("<strong>bold</strong>"),
        "Markdown is rendered"
    );
    assert!(
        !shown.contains("<script>alert") && !shown.contains("href=\"javascript:"),
        "{shown}"
    );
    assert!(!shown.contains("<img src=x"), "titles are escaped");
    let about = post::Entity::find()
        .one(app.state().db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(about.movie_id, Some(brazil.id));
    let (_, listed) = ann.page(&format!("/forum/?movie={}", brazil.id)).await;
    assert!(listed.contains("1 post"), "{listed}");

    for i in 2..=5 {
        let title = format!("Post {i}");
        let ok = ann
            .submit(
                "/forum/new/",
                "/forum/new/",
                &[("title", title.as_str()), ("body", "More.")],
            )
            .await;
        assert_eq!(ok.status(), 303, "{title}");
    }
    let sixth = ann
        .submit(
            "/forum/new/",
            "/forum/new/",
            &[("title", "Too fast"), ("body", "More.")],
        )
        .await;
    assert_eq!(sixth.status(), 429);
    let sixth = crate::support::html(&sixth.text().await.unwrap());
    assert!(
        sixth.contains("message-error") && sixth.contains("wait a little"),
        "{sixth}"
    );
    assert!(sixth.contains("Too fast"), "the post is kept in the form");
    assert_eq!(
        post::Entity::find()
            .all(app.state().db())
            .await
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn only_authors_edit_and_delete_their_posts_and_not_when_locked() {
    let (app, _) = spawn().await;
    let ann = person(&app, "ann", &[]).await;
    person(&app, "bob", &[]).await;
    let mine = post_by(&app, &ann, None, "Ann's post").await;
    let edit = format!("/forum/{}/edit/", mine.id);
    let delete = format!("/forum/{}/delete/", mine.id);
    let db = app.state().db();
    let stored = || async { post::Entity::find_by_id(mine.id).one(db).await.unwrap() };

    assert_eq!(
        app.get(&edit).await.status(),
        303,
        "anonymous: log in first"
    );
    let bob = logged_in(&app, "bob").await;
    let (status, refusal) = bob.page(&edit).await;
    assert_eq!(status, 403);
    assert!(
        refusal.contains("Only its author may change a post."),
        "the refusal says why: {refusal}"
    );
    let ann_page = format!("/forum/{}/", mine.id);
    let refused = bob
        .submit(
            &ann_page,
            &edit,
            &[("title", "Bob was here"), ("body", "x")],
        )
        .await;
    assert_eq!(refused.status(), 403);
    let refused = bob.submit(&ann_page, &delete, &[]).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(stored().await.unwrap().title, "Ann's post", "no change");

    let ann_browser = logged_in(&app, "ann").await;
    let bad = ann_browser
        .submit(&edit, &edit, &[("title", ""), ("body", "Still here")])
        .await;
    assert_eq!(bad.status(), 422);
    let bad = crate::support::html(&bad.text().await.unwrap());
    assert!(bad.contains("Your changes are not saved yet"), "{bad}");
    let saved = ann_browser
        .submit(
            &edit,
            &edit,
            &[("title", "Ann's better post"), ("body", "New *text*")],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let shown = ann_browser.get(&ann_page).await.text().await.unwrap();
    assert!(shown.contains("Your post is saved.") && shown.contains("<em>text</em>"));
    let edited = stored().await.unwrap();
    assert_eq!(edited.title, "Ann's better post");
    // MariaDB keeps whole seconds: the edit may share the creation's second.
    assert!(edited.updated_at >= edited.created_at);

    flag(&app, edited.id, "locked", true).await;
    assert_eq!(ann_browser.page(&edit).await.0, 403, "locked");
    let refused = ann_browser.submit(&ann_page, &delete, &[]).await;
    assert_eq!(refused.status(), 403);
    let vote_url = format!("/forum/{}/vote/", mine.id);
    let voted = ann_browser
        .submit(&ann_page, &vote_url, &[("value", "up")])
        .await;
    assert_eq!(voted.status(), 303);
    let after = ann_browser.get(&ann_page).await.text().await.unwrap();
    assert!(after.contains("it takes no more votes"), "{after}");
    assert_eq!(stored().await.unwrap().score, 0);

    flag(&app, mine.id, "locked", false).await;
    let confirm = ann_browser.page(&delete).await;
    assert!(confirm.1.contains("Delete your post?"));
    let deleted = ann_browser.submit(&delete, &delete, &[]).await;
    assert_eq!(deleted.status(), 303);
    let list = ann_browser.get("/forum/").await.text().await.unwrap();
    assert!(crate::support::html(&list).contains("is deleted."));
    assert!(stored().await.is_none());
}

#[tokio::test]
async fn votes_toggle_and_switch_and_reports_reach_the_queue() {
    let (app, _) = spawn().await;
    let ann = person(&app, "ann", &[]).await;
    person(&app, "bob", &[]).await;
    let post = post_by(&app, &ann, None, "Vote on me").await;
    let page = format!("/forum/{}/", post.id);
    let url = format!("/forum/{}/vote/", post.id);
    let db = app.state().db();
    let score = || async {
        post::Entity::find_by_id(post.id)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .score
    };
    let bob = logged_in(&app, "bob").await;
    for (value, expected, message) in [
        ("up", 1, "You voted this post up."),
        ("up", 0, "Your vote is taken back."),
        ("down", -1, "You voted this post down."),
        ("up", 1, "You voted this post up."),
    ] {
        let done = bob.submit(&page, &url, &[("value", value)]).await;
        assert_eq!(done.status(), 303);
        let shown = bob.get(&page).await.text().await.unwrap();
        assert!(shown.contains(message), "{value}: {message}");
        assert_eq!(score().await, expected, "{value}");
    }
    assert_eq!(vote::Entity::find().all(db).await.unwrap().len(), 1);
    let odd = bob.submit(&page, &url, &[("value", "sideways")]).await;
    assert_eq!(odd.status(), 400);

    let report_url = format!("/forum/{}/report/", post.id);
    let empty = bob.submit(&page, &report_url, &[("reason", "  ")]).await;
    assert_eq!(empty.status(), 303);
    assert!(report::Entity::find().all(db).await.unwrap().is_empty());
    let sent = bob
        .submit(&page, &report_url, &[("reason", "Off topic")])
        .await;
    assert_eq!(sent.status(), 303);
    let shown = bob.get(&page).await.text().await.unwrap();
    assert!(shown.contains("a moderator will look at this post"));
    let reports = report::Entity::find().all(db).await.unwrap();
    assert_eq!(
        (reports.len(), reports[0].reason.as_str()),
        (1, "Off topic")
    );
}

#[tokio::test]
async fn fifty_concurrent_votes_give_the_exact_score() {
    let (app, _) = spawn().await;
    let ann = person(&app, "ann", &[]).await;
    let post = post_by(&app, &ann, None, "Popular").await;
    let page = format!("/forum/{}/", post.id);
    let url = format!("/forum/{}/vote/", post.id);
    let mut voters = Vec::new();
    for i in 0..50 {
        let name = format!("voter{i:02}");
        person(&app, &name, &[]).await;
        voters.push(logged_in(&app, &name).await);
    }
    // Forms first (each fetches its CSRF token), then all votes at once: 40 up, 10 down.
    let mut tokens = Vec::new();
    for voter in &voters {
        tokens.push(voter.csrf_token(&page).await);
    }
    let votes = voters
        .iter()
        .zip(&tokens)
        .enumerate()
        .map(|(i, (voter, token))| {
            let value = if i < 40 { "up" } else { "down" };
            voter
                .client
                .post(voter.url(&url))
                .form(&[("csrf_token", token.as_str()), ("value", value)])
                .send()
        });
    for answer in futures_util::future::join_all(votes).await {
        let answer = answer.unwrap();
        let status = answer.status();
        assert_eq!(status, 303, "{}", answer.text().await.unwrap());
    }
    let db = app.state().db();
    let stored = post::Entity::find_by_id(post.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.score, 30);
    assert_eq!(vote::Entity::find().all(db).await.unwrap().len(), 50);
}

#[tokio::test]
async fn a_films_page_shows_the_posts_about_it() {
    let (app, _) = spawn().await;
    let ann = person(&app, "ann", &[]).await;
    let brazil = film(&app, "Brazil").await;
    let other = film(&app, "Heat").await;
    post_by(&app, &ann, Some(brazil.id), "Gilliam's best").await;
    post_by(&app, &ann, Some(other.id), "About Heat").await;
    let hidden = post_by(&app, &ann, Some(brazil.id), "Hidden take").await;
    flag(&app, hidden.id, "hidden", true).await;
    let page = crate::support::html(
        &app.get(&format!("/movies/{}/", brazil.id))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(
        page.contains("Forum posts") && page.contains("Gilliam's best"),
        "{page}"
    );
    assert!(!page.contains("About Heat") && !page.contains("Hidden take"));
    assert!(page.contains(&format!("/forum/new/?movie={}", brazil.id)));
    let empty = crate::support::html(
        &app.get(&format!("/movies/{}/", other.id))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(empty.contains("About Heat"));
}

#[tokio::test]
async fn integrators_read_write_and_vote_through_the_api() {
    use serde_json::{Value, json};
    let (app, _) = spawn().await;
    let ann = person(&app, "ann", &[]).await;
    person(&app, "bob", &[]).await;
    let brazil = film(&app, "Brazil").await;
    post_by(&app, &ann, None, "Older").await;
    let token = |username: &'static str| {
        let app = &app;
        async move {
            let login: Value = app
                .client
                .post(app.url("/api/auth/login/"))
                .json(&json!({"username": username, "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            login["access_token"].as_str().unwrap().to_owned()
        }
    };
    let bob = token("bob").await;
    let send = |request: reqwest::RequestBuilder| async move {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        (
            status,
            location,
            response.json::<Value>().await.unwrap_or_default(),
        )
    };

    let anonymous = send(
        app.client
            .post(app.url("/api/forum/posts/"))
            .json(&json!({"title": "x", "body": "y"})),
    )
    .await;
    assert_eq!(anonymous.0, 401);
    let bad = send(
        app.client
            .post(app.url("/api/forum/posts/"))
            .bearer_auth(&bob)
            .json(&json!({"title": " ", "body": 5, "movie_id": 999999, "extra": true})),
    )
    .await;
    assert_eq!(bad.0, 422);
    let mut fields: Vec<&str> = bad.2["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(fields, ["body", "extra", "title"], "{}", bad.2);
    let no_film = send(
        app.client
            .post(app.url("/api/forum/posts/"))
            .bearer_auth(&bob)
            .json(&json!({"title": "T", "body": "B", "movie_id": 999999})),
    )
    .await;
    assert_eq!(no_film.0, 404, "no such film");

    let created = send(
        app.client
            .post(app.url("/api/forum/posts/"))
            .bearer_auth(&bob)
            .json(&json!({"title": "Gilliam's best", "body": "*Brazil* holds up.", "movie_id": brazil.id})),
    )
    .await;
    assert_eq!(created.0, 201, "{}", created.2);
    assert_eq!(created.2["author"], "bob");
    assert_eq!(created.2["body_html"], "<p><em>Brazil</em> holds up.</p>\n");
    let location = created.1.unwrap();
    let id = created.2["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/forum/posts/{id}/"));

    let vote_url = app.url(&format!("/api/forum/posts/{id}/vote/"));
    let up = send(
        app.client
            .post(&vote_url)
            .bearer_auth(&bob)
            .json(&json!({"value": "up"})),
    )
    .await;
    assert_eq!(
        (up.0, up.2["score"].as_i64(), up.2["my_vote"].as_i64()),
        (200, Some(1), Some(1))
    );
    let again = send(
        app.client
            .post(&vote_url)
            .bearer_auth(&bob)
            .json(&json!({"value": "up"})),
    )
    .await;
    assert_eq!(
        (again.2["score"].as_i64(), again.2["my_vote"].as_i64()),
        (Some(0), Some(0))
    );
    let ann_token = token("ann").await;
    let down = send(
        app.client
            .post(&vote_url)
            .bearer_auth(&ann_token)
            .json(&json!({"value": "down"})),
    )
    .await;
    assert_eq!(down.2["score"], -1);

    let (status, _, about) = send(
        app.client
            .get(app.url(&format!("/api/forum/posts/?movie={}", brazil.id))),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(about["count"], 1);
    let (_, _, top) = send(app.client.get(app.url("/api/forum/posts/?ordering=top"))).await;
    assert_eq!(top["results"][0]["title"], "Older", "0 beats -1");
    let (status, _, one) = send(app.client.get(app.url(&format!("/api/forum/posts/{id}/")))).await;
    assert_eq!((status, one["score"].as_i64()), (200, Some(-1)));

    let post_url = app.url(&format!("/api/forum/posts/{id}/"));
    let not_yours = send(
        app.client
            .patch(&post_url)
            .bearer_auth(&ann_token)
            .json(&json!({"title": "Ann was here"})),
    )
    .await;
    assert_eq!(not_yours.0, 403);
    let not_yours = send(app.client.delete(&post_url).bearer_auth(&ann_token)).await;
    assert_eq!(not_yours.0, 403);
    let blank = send(
        app.client
            .patch(&post_url)
            .bearer_auth(&bob)
            .json(&json!({"body": "  "})),
    )
    .await;
    assert_eq!(blank.0, 422);
    let patched = send(
        app.client
            .patch(&post_url)
            .bearer_auth(&bob)
            .json(&json!({"title": "Gilliam's very best"})),
    )
    .await;
    assert_eq!(patched.0, 200, "{}", patched.2);
    assert_eq!(patched.2["title"], "Gilliam's very best");
    assert_eq!(patched.2["body"], "*Brazil* holds up.", "left as it was");
    let db = app.state().db();
    flag(&app, id, "locked", true).await;
    let locked = send(
        app.client
            .post(&vote_url)
            .bearer_auth(&bob)
            .json(&json!({"value": "down"})),
    )
    .await;
    assert_eq!(locked.0, 403);
    flag(&app, id, "hidden", true).await;
    let (status, _, _) = send(app.client.get(app.url(&format!("/api/forum/posts/{id}/")))).await;
    assert_eq!(status, 404, "hidden");
    let locked = send(app.client.delete(&post_url).bearer_auth(&bob)).await;
    assert_eq!(locked.0, 403, "locked, even for its author");
    flag(&app, id, "locked", false).await;
    let deleted = send(app.client.delete(&post_url).bearer_auth(&bob)).await;
    assert_eq!(deleted.0, 204);
    assert!(
        post::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_demo_forum_has_posts_about_demo_films_with_exact_scores() {
    use bureau_core::sea_orm::{PaginatorTrait, QueryOrder};
    let (app, _) =
        crate::support::spawn_with(|s| s.var("BUREAU_APP__LOAD_DEMO_FIXTURES", "true")).await;
    let db = app.state().db();
    let posts = post::Entity::find()
        .order_by_asc(post::Column::Id)
        .all(db)
        .await
        .unwrap();
    assert!(posts.len() >= 5, "{posts:?}");
    for post in &posts {
        let votes = vote::Entity::find()
            .filter(vote::Column::PostId.eq(post.id))
            .all(db)
            .await
            .unwrap();
        let total: i64 = votes.iter().map(|v| i64::from(v.value)).sum();
        assert_eq!(post.score, total, "post {} keeps its votes' sum", post.id);
    }
    let open = report::Entity::find()
        .filter(report::Column::Resolved.eq(false))
        .count(db)
        .await
        .unwrap();
    assert!(open >= 1, "the moderation queue has something to show");

    let top = crate::support::html(&app.get("/forum/?sort=top").await.text().await.unwrap());
    assert!(top.contains("Hope is a good thing"), "{top}");
    let shawshank = posts[0]
        .movie_id
        .expect("the first demo post is about a film");
    let page = app.get(&format!("/movies/{shawshank}/")).await;
    let page = crate::support::html(&page.text().await.unwrap());
    assert!(page.contains("The Shawshank Redemption"), "{page}");
    assert!(page.contains("Hope is a good thing"), "{page}");
    // The demo accounts log in with the documented password.
    let ann = crate::browser::Browser::new(&app);
    let login = ann
        .fill(
            "/accounts/login/",
            &[("login", "ann"), ("password", "demo-password")],
        )
        .await;
    assert_eq!(login.status(), 303);
}
