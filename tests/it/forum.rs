//! The forum module, first part: its tables' rules, and moderation in the admin.

use bureau_core::auth::users::{self, NewUser};
use bureau_core::entities::{admin_log, user};
use bureau_core::sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use bureau_core::testing::TestApp;
use bureau_forum::{post, report, vote};
use bureau_movies::movie;

use crate::browser::Browser;
use crate::support::spawn;

const PASSWORD: &str = "correct horse battery";

async fn person(app: &TestApp, username: &str, roles: &[&str]) -> user::Model {
    let new = NewUser {
        username: username.to_owned(),
        email: format!("{username}@example.com"),
        password: PASSWORD.to_owned(),
        is_staff: !roles.is_empty(),
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

    let stan = admin_of(&app, "stan").await;
    let mut hide = vec![("action", "hide"), ("confirm", "yes")];
    hide.extend(ids.iter().map(|id| ("_selected", id.as_str())));
    let refused = stan
        .submit("/admin/forum/post/", "/admin/forum/post/action/", &hide)
        .await;
    assert_eq!(refused.status(), 403, "staff may look, not moderate");

    let mo = admin_of(&app, "mo").await;
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

async fn logged_in(app: &TestApp, username: &str) -> Browser {
    let browser = Browser::new(app);
    let response = browser
        .fill(
            "/accounts/login/",
            &[("login", username), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), 303);
    browser
}

#[tokio::test]
async fn hidden_posts_show_only_to_their_author_and_moderators() {
    let (app, _) = spawn().await;
    let ann = person(&app, "ann", &[]).await;
    person(&app, "bob", &[]).await;
    person(&app, "mo", &["moderator"]).await;
    post_by(&app, &ann, None, "Visible").await;
    let hidden = post_by(&app, &ann, None, "Secret").await;
    {
        use bureau_core::sea_orm::IntoActiveModel;
        let mut row = hidden.clone().into_active_model();
        row.hidden = Set(true);
        row.update(app.state().db()).await.unwrap();
    }
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
    assert!(crate::support::html(&sixth.text().await.unwrap()).contains("wait a little"));
    assert_eq!(
        post::Entity::find()
            .all(app.state().db())
            .await
            .unwrap()
            .len(),
        5
    );
}
