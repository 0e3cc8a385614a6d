//! Actions on one object that ask for input first: the probe's "Publish" on a note (a required
//! note and a channel, offered only while the note is unpublished) and "Redact" on a comment of
//! the read-only comments panel.

use bureau_core::auth::users::{self, NewUser};
use bureau_core::entities::{admin_log, user};
use bureau_core::sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};
use bureau_core::testing::TestApp;

use crate::browser::{Browser, location};
use crate::probe::{REDACTED, comment, note};
use crate::support::{PASSWORD, admin_login, html, person, spawn};

async fn superuser(app: &TestApp, username: &str) -> user::Model {
    let new = NewUser {
        username: username.to_owned(),
        email: format!("{username}@example.com"),
        password: PASSWORD.to_owned(),
        is_staff: true,
        is_superuser: true,
        email_verified: true,
    };
    users::create(app.state().db(), app.state(), &new)
        .await
        .unwrap()
}

/// Lets `role` do `actions` on `object`.
async fn grant(app: &TestApp, role: &str, object: &str, actions: &[&str]) {
    for action in actions {
        app.state()
            .rbac()
            .grant(app.state().db(), role, object, action)
            .await
            .unwrap();
    }
}

async fn add_note(app: &TestApp, title: &str, body: Option<&str>, published: bool) -> i32 {
    note::ActiveModel {
        title: Set(title.to_owned()),
        body: Set(body.map(str::to_owned)),
        published: Set(published),
        created_at: Set(bureau_core::sea_orm::prelude::ChronoUtc::now().fixed_offset()),
        ..Default::default()
    }
    .insert(app.state().db())
    .await
    .unwrap()
    .id
}

async fn published(app: &TestApp, id: i32) -> bool {
    note::Entity::find_by_id(id)
        .one(app.state().db())
        .await
        .unwrap()
        .unwrap()
        .published
}

async fn audit_entries(app: &TestApp) -> Vec<admin_log::Model> {
    admin_log::Entity::find()
        .order_by_asc(admin_log::Column::Id)
        .all(app.state().db())
        .await
        .unwrap()
}

fn urls(id: i32) -> (String, String) {
    (
        format!("/admin/probe/note/{id}/change/"),
        format!("/admin/probe/note/{id}/action/publish/"),
    )
}

/// The text of a response, entities undone.
async fn text(response: reqwest::Response) -> String {
    html(&response.text().await.unwrap())
}

#[tokio::test]
async fn an_object_action_asks_checks_runs_and_is_audited() {
    let (app, _) = spawn().await;
    superuser(&app, "root").await;
    let id = add_note(&app, "Draft", Some("Words"), false).await;
    let (change, action) = urls(id);
    let browser = admin_login(&app, "root").await;

    let (status, page) = browser.page(&change).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("href=\"{action}\">Publish</a>")),
        "{page}"
    );

    let (status, form) = browser.page(&action).await;
    assert_eq!(status, 200, "{form}");
    for expected in [
        "<h1>Publish</h1>",
        "“Draft”",
        &format!("<li><a href=\"{change}\">Draft</a></li>"),
        "<li><a href=\"/admin/probe/note/\">Note</a></li>",
        "<textarea id=\"id_note\" name=\"note\" rows=\"5\" maxlength=\"200\" required",
        "Why it goes out now; kept in the history.",
        "<option value=\"newsletter\">Site and newsletter</option>",
        "name=\"csrf_token\"",
        &format!("<a class=\"button secondary\" href=\"{change}\">Cancel</a>"),
    ] {
        assert!(form.contains(expected), "{expected} in {form}");
    }

    // Nothing given: each required field says so.
    let empty = browser.submit(&action, &action, &[]).await;
    assert_eq!(empty.status(), 422);
    let page = text(empty).await;
    assert_eq!(page.matches("This field is required.").count(), 2, "{page}");

    // Too long, and a channel that is not offered: both reported, the input kept.
    let long = "x".repeat(201);
    let bad = browser
        .submit(
            &action,
            &action,
            &[("note", long.as_str()), ("channel", "carrier-pigeon")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let page = text(bad).await;
    assert!(
        page.contains("Ensure this value has at most 200 characters (it has 201)."),
        "{page}"
    );
    assert!(
        page.contains("Select a valid choice. carrier-pigeon is not one of the available choices."),
        "{page}"
    );
    assert!(page.contains(&format!(">{long}</textarea>")), "{page}");
    assert!(page.contains("aria-invalid=\"true\""), "{page}");
    assert!(!published(&app, id).await, "nothing written");
    assert!(audit_entries(&app).await.is_empty(), "nothing recorded");

    let done = browser
        .submit(
            &action,
            &action,
            &[("note", "  Ready for readers.  "), ("channel", "site")],
        )
        .await;
    assert_eq!(done.status(), 303);
    assert_eq!(location(&done), change);
    assert!(published(&app, id).await);
    let entries = audit_entries(&app).await;
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(
        (
            entry.action.as_str(),
            entry.model.as_str(),
            entry.object_id.as_str(),
            entry.object_repr.as_str(),
            entry.username.as_str()
        ),
        (
            "publish",
            "probe.note",
            id.to_string().as_str(),
            "Draft",
            "root"
        )
    );
    let changes: serde_json::Value = serde_json::from_str(&entry.changes).unwrap();
    assert_eq!(
        changes,
        serde_json::json!({ "note": "Ready for readers.", "channel": "site" }),
        "the input, trimmed"
    );

    let (_, page) = browser.page(&change).await;
    assert!(page.contains("“Draft” was published by root."), "{page}");
    assert!(
        !page.contains(&action),
        "a published note offers no Publish: {page}"
    );
    let (_, history) = browser
        .page(&format!("/admin/probe/note/{id}/history/"))
        .await;
    assert!(
        history.contains("publish") && history.contains("Ready for readers."),
        "{history}"
    );
}

#[tokio::test]
async fn a_refusal_rolls_back_what_the_action_wrote() {
    let (app, _) = spawn().await;
    superuser(&app, "root").await;
    let id = add_note(&app, "No body", None, false).await;
    let (change, action) = urls(id);
    let browser = admin_login(&app, "root").await;

    // The probe's action publishes before it looks at the channel, then refuses.
    let refused = browser
        .submit(
            &action,
            &action,
            &[("note", "Big news"), ("channel", "newsletter")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let page = text(refused).await;
    assert!(
        page.contains("A note without a body cannot go to the newsletter."),
        "{page}"
    );
    assert!(page.contains(">Big news</textarea>"), "input kept: {page}");
    assert!(
        page.contains("<option value=\"newsletter\" selected>"),
        "{page}"
    );
    assert!(!published(&app, id).await, "the write was rolled back");
    assert!(audit_entries(&app).await.is_empty());

    // Field errors from the action are shown next to their field, and roll back too.
    let invalid = browser
        .submit(&action, &action, &[("note", "TBD"), ("channel", "site")])
        .await;
    assert_eq!(invalid.status(), 422);
    let page = text(invalid).await;
    assert!(
        page.contains(
            "<ul class=\"errorlist\" id=\"id_note_errors\"><li>Say why it goes out, not “tbd”.</li>"
        ),
        "{page}"
    );
    assert!(!published(&app, id).await);
    assert!(audit_entries(&app).await.is_empty());

    // The object's page still offers the action.
    let (_, page) = browser.page(&change).await;
    assert!(page.contains(&action), "{page}");
}

#[tokio::test]
async fn an_action_that_no_longer_applies_is_hidden_and_refused() {
    let (app, _) = spawn().await;
    superuser(&app, "root").await;
    let done = add_note(&app, "Out already", Some("Words"), true).await;
    let browser = admin_login(&app, "root").await;

    let (change, action) = urls(done);
    let (_, page) = browser.page(&change).await;
    assert!(!page.contains(&action), "{page}");
    let (status, page) = browser.page(&action).await;
    assert_eq!(status, 409);
    assert!(
        page.contains("“Publish” does not apply to this note as it is now"),
        "{page}"
    );
    assert!(!page.contains("name=\"note\""), "no form: {page}");
    let refused = browser
        .submit(&change, &action, &[("note", "Again"), ("channel", "site")])
        .await;
    assert_eq!(refused.status(), 409);

    // Opened while it applied, submitted after someone else published it.
    let id = add_note(&app, "Race", Some("Words"), false).await;
    let (_, action) = urls(id);
    let token = browser.csrf_token(&action).await;
    note::ActiveModel {
        id: Set(id),
        published: Set(true),
        ..Default::default()
    }
    .update(app.state().db())
    .await
    .unwrap();
    let late = browser
        .client
        .post(browser.url(&action))
        .form(&[
            ("csrf_token", token.as_str()),
            ("note", "Me too"),
            ("channel", "site"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 409);
    assert!(
        text(late).await.contains("Nothing was done."),
        "the refusal explains itself"
    );
    assert!(audit_entries(&app).await.is_empty());
}

#[tokio::test]
async fn only_users_allowed_the_action_see_and_run_it() {
    let (app, _) = spawn().await;
    superuser(&app, "root").await;
    grant(&app, "note_reader", "probe.note", &["view"]).await;
    grant(&app, "note_publisher", "probe.note", &["view", "publish"]).await;
    person(&app, "reader", &["note_reader"]).await;
    person(&app, "publisher", &["note_publisher"]).await;
    let id = add_note(&app, "Draft", Some("Words"), false).await;
    let (change, action) = urls(id);
    let fields = [("note", "Go"), ("channel", "site")];

    let reader = admin_login(&app, "reader").await;
    let (status, page) = reader.page(&change).await;
    assert_eq!(status, 200);
    assert!(!page.contains(&action), "no button: {page}");
    let (status, page) = reader.page(&action).await;
    assert_eq!(status, 403);
    assert!(page.contains("permission to publish probe.note"), "{page}");
    let forbidden = reader.submit(&change, &action, &fields).await;
    assert_eq!(forbidden.status(), 403);
    assert!(!published(&app, id).await);

    // Visitors who are not logged in are sent to log in, whether they look or post.
    let anonymous = Browser::new(&app);
    let visit = anonymous.get(&action).await;
    assert_eq!(visit.status(), 303);
    assert!(
        location(&visit).starts_with("/admin/login/?next="),
        "{}",
        location(&visit)
    );
    let post = anonymous.submit("/admin/login/", &action, &fields).await;
    assert_eq!(post.status(), 303);
    assert!(location(&post).starts_with("/admin/login/"));

    // A post without the CSRF token is refused before the handler, even a superuser's.
    let root = admin_login(&app, "root").await;
    let forged = root
        .client
        .post(root.url(&action))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(text(forged).await.contains("CSRF"));
    assert!(!published(&app, id).await);
    assert!(audit_entries(&app).await.is_empty());

    // Unknown actions and objects are not found.
    assert_eq!(
        root.page(&format!("/admin/probe/note/{id}/action/nope/"))
            .await
            .0,
        404
    );
    assert_eq!(
        root.page("/admin/probe/note/999999/action/publish/")
            .await
            .0,
        404
    );
    assert_eq!(
        root.page("/admin/probe/note/x/action/publish/").await.0,
        404
    );

    // A staff user whose role grants the action sees the button and runs it.
    let publisher = admin_login(&app, "publisher").await;
    let (_, page) = publisher.page(&change).await;
    assert!(page.contains(&action), "{page}");
    let done = publisher.submit(&action, &action, &fields).await;
    assert_eq!(done.status(), 303);
    assert!(published(&app, id).await);
    let entries = audit_entries(&app).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].username, "publisher");
}

#[tokio::test]
async fn read_only_panels_still_run_their_object_actions() {
    let (app, _) = spawn().await;
    superuser(&app, "root").await;
    grant(
        &app,
        "moderator_of_comments",
        "probe.comment",
        &["view", "redact"],
    )
    .await;
    person(&app, "mod", &["moderator_of_comments"]).await;
    let note = add_note(&app, "Discussed", None, true).await;
    let comment = comment::ActiveModel {
        note_id: Set(note),
        author: Set("troll".into()),
        body: Set("Something rude".into()),
        ..Default::default()
    }
    .insert(app.state().db())
    .await
    .unwrap();
    let change = format!("/admin/probe/comment/{}/change/", comment.id);
    let action = format!("/admin/probe/comment/{}/action/redact/", comment.id);

    for username in ["root", "mod"] {
        let browser = admin_login(&app, username).await;
        let (status, page) = browser.page(&change).await;
        assert_eq!(status, 200);
        assert!(page.contains("View comment"), "{page}");
        assert!(!page.contains("name=\"_save\""), "{page}");
        assert!(page.contains(&action), "{username} may redact: {page}");
        // The panel's forms stay closed.
        let edit = browser
            .submit(
                &change,
                &change,
                &[
                    ("note_id", &note.to_string()),
                    ("author", "x"),
                    ("body", "y"),
                ],
            )
            .await;
        assert_eq!(edit.status(), 403, "{username}");
    }

    let moderator = admin_login(&app, "mod").await;
    let done = moderator
        .submit(&action, &action, &[("reason", "Insults")])
        .await;
    assert_eq!(done.status(), 303);
    assert_eq!(location(&done), change);
    let body = comment::Entity::find_by_id(comment.id)
        .one(app.state().db())
        .await
        .unwrap()
        .unwrap()
        .body;
    assert_eq!(body, REDACTED);
    let entries = audit_entries(&app).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].action.as_str(), entries[0].model.as_str()),
        ("redact", "probe.comment")
    );
    let (_, page) = moderator.page(&change).await;
    assert!(page.contains("The comment was redacted."), "{page}");
    assert!(!page.contains(&action), "nothing left to redact: {page}");
}

#[tokio::test]
async fn a_double_submit_runs_the_action_once() {
    let (app, _) = spawn().await;
    superuser(&app, "root").await;
    let id = add_note(&app, "Twice", Some("Words"), false).await;
    let (_, action) = urls(id);
    let browser = admin_login(&app, "root").await;
    let token = browser.csrf_token(&action).await;
    let post = || {
        browser
            .client
            .post(browser.url(&action))
            .form(&[
                ("csrf_token", token.as_str()),
                ("note", "Click"),
                ("channel", "site"),
            ])
            .send()
    };

    let (first, second) = tokio::join!(post(), post());
    let mut statuses = [first.unwrap().status(), second.unwrap().status()];
    statuses.sort();
    // The second waits for the first's lock, then finds the note published: the action does not
    // apply any more (409), rather than running into the probe's own check (422).
    assert_eq!(statuses, [303, 409]);
    assert!(published(&app, id).await);
    assert_eq!(audit_entries(&app).await.len(), 1);
}
