//! The admin over HTTP: staff-only access, RBAC per model, the dashboard, and the change list's
//! search, filters, ordering, pagination and count.

use bureau_core::auth::users::{self, NewUser};
use bureau_core::entities::user;
use bureau_core::sea_orm::{ActiveModelTrait, EntityTrait, Set};
use bureau_core::testing::TestApp;

use crate::browser::{Browser, location};
use crate::probe::note;
use crate::support::spawn;

const PASSWORD: &str = "correct horse battery";

async fn account(app: &TestApp, username: &str, staff: bool, superuser: bool) -> user::Model {
    let new = NewUser {
        username: username.to_owned(),
        email: format!("{username}@example.com"),
        password: PASSWORD.to_owned(),
        is_staff: staff,
        is_superuser: superuser,
        email_verified: true,
    };
    users::create(app.state().db(), app.state(), &new)
        .await
        .unwrap()
}

/// Gives `user` a role of its own allowed `action` on `object`.
async fn grant(app: &TestApp, user: &user::Model, role: &str, object: &str, action: &str) {
    let (rbac, db) = (app.state().rbac(), app.state().db());
    rbac.grant(db, role, object, action).await.unwrap();
    rbac.assign(db, user.id, role).await.unwrap();
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

async fn notes(app: &TestApp, titles: &[&str], published: bool) {
    for title in titles {
        note::ActiveModel {
            title: Set((*title).to_owned()),
            body: Set(None),
            published: Set(published),
            created_at: Set(bureau_core::sea_orm::prelude::ChronoUtc::now().fixed_offset()),
            ..Default::default()
        }
        .insert(app.state().db())
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn the_admin_is_for_logged_in_staff() {
    let (app, _) = spawn().await;
    account(&app, "customer", false, false).await;

    let anonymous = Browser::new(&app).get("/admin/core/user/").await;
    assert_eq!(anonymous.status(), 303);
    assert_eq!(
        location(&anonymous),
        "/admin/login/?next=%2Fadmin%2Fcore%2Fuser%2F"
    );

    // The admin's login takes staff only, and says no more than that.
    let at_the_door = Browser::new(&app);
    let refused = at_the_door
        .fill(
            "/admin/login/",
            &[("login", "customer"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let text = crate::support::html(&refused.text().await.unwrap());
    assert!(text.contains("for a staff account"), "{text}");
    let wrong = at_the_door
        .fill(
            "/admin/login/",
            &[("login", "nobody"), ("password", PASSWORD)],
        )
        .await;
    assert!(crate::support::html(&wrong.text().await.unwrap()).contains("for a staff account"));
    assert_eq!(
        at_the_door.get("/admin/").await.status(),
        303,
        "not logged in"
    );
    account(&app, "boss", true, false).await;
    let staff = at_the_door
        .fill(
            "/admin/login/?next=/admin/core/user/",
            &[
                ("login", "boss"),
                ("password", PASSWORD),
                ("next", "/admin/core/user/"),
            ],
        )
        .await;
    assert_eq!(location(&staff), "/admin/core/user/");

    let customer = logged_in(&app, "customer").await;
    for path in ["/admin/", "/admin/core/user/"] {
        let (status, page) = customer.page(path).await;
        assert_eq!(status, 403, "{path}");
        assert!(page.contains("The administration is for staff"), "{page}");
    }
}

#[tokio::test]
async fn staff_see_only_what_their_roles_allow() {
    let (app, _) = spawn().await;
    let clerk = account(&app, "clerk", true, false).await;
    grant(&app, &clerk, "clerk_role", "core.user", "view").await;
    let browser = logged_in(&app, "clerk").await;

    let (status, dashboard) = browser.page("/admin/").await;
    assert_eq!(status, 200);
    assert!(
        dashboard.contains("href=\"/admin/core/user/\""),
        "{dashboard}"
    );
    assert!(
        !dashboard.contains("/admin/core/role/"),
        "roles are not theirs to see"
    );
    assert!(
        !dashboard.contains("/admin/core/user/add/"),
        "no add link without the add permission"
    );

    let (status, list) = browser.page("/admin/core/user/").await;
    assert_eq!(status, 200, "{list}");
    assert!(list.contains("clerk@example.com"));
    let first = crate::support::html(&list);
    assert!(
        first.contains("href=\"/admin/core/user/1/change/\""),
        "rows link to their pages, to view"
    );
    let (status, view) = browser.page("/admin/core/user/1/change/").await;
    assert_eq!(status, 200);
    assert!(
        view.contains("View user") && !view.contains("Change user"),
        "without the change permission the page only shows: {view}"
    );

    let (status, refused) = browser.page("/admin/core/role/").await;
    assert_eq!(status, 403);
    assert!(
        refused.contains("you do not have permission to view core.role")
            || refused.contains("You do not have permission to view core.role"),
        "{refused}"
    );
    assert_eq!(browser.page("/admin/nope/thing/").await.0, 404);
}

#[tokio::test]
async fn the_change_list_searches_filters_sorts_and_pages() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    notes(&app, &["Apple pie", "apple Crumble", "Banana bread"], true).await;
    notes(&app, &["Cherry tart", "100%_sure"], false).await;
    let browser = logged_in(&app, "root").await;

    let (status, dashboard) = browser.page("/admin/").await;
    assert_eq!(status, 200);
    for model in [
        "/admin/core/user/",
        "/admin/core/role/",
        "/admin/probe/note/",
        "/admin/core/admin_log/",
    ] {
        assert!(
            dashboard.contains(model),
            "{model} missing from {dashboard}"
        );
    }

    // Search ignores case on every backend, and % and _ are not wildcards.
    let (_, apples) = browser.page("/admin/probe/note/?q=APPLE").await;
    assert!(
        apples.contains("Apple pie") && apples.contains("apple Crumble"),
        "{apples}"
    );
    assert!(!apples.contains("Banana bread"));
    assert!(apples.contains("2 rows"), "{apples}");
    let (_, literal) = browser.page("/admin/probe/note/?q=%25_").await;
    assert!(
        literal.contains("100%_sure") && literal.contains("1 row"),
        "{literal}"
    );

    let (_, unpublished) = browser.page("/admin/probe/note/?published=false").await;
    assert!(unpublished.contains("Cherry tart") && !unpublished.contains("Apple pie"));
    assert!(
        unpublished.contains("aria-current=\"true\" class=\"selected\">No<"),
        "{unpublished}"
    );

    let (_, ascending) = browser.page("/admin/probe/note/?o=title").await;
    let (_, descending) = browser.page("/admin/probe/note/?o=-title").await;
    let position = |page: &str, text: &str| page.find(text).unwrap();
    assert!(position(&ascending, "Apple pie") < position(&ascending, "Cherry tart"));
    assert!(position(&descending, "Cherry tart") < position(&descending, "Apple pie"));
    assert!(ascending.contains("aria-sort=\"ascending\""));

    for bad in [
        "/admin/probe/note/?o=body",
        "/admin/probe/note/?published=maybe",
        "/admin/probe/note/?p=0",
    ] {
        assert_eq!(browser.page(bad).await.0, 400, "{bad}");
    }
    assert_eq!(browser.page("/admin/probe/note/?p=99").await.0, 404);
}

#[tokio::test]
async fn a_big_table_is_not_counted_past_the_cap() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    let now = bureau_core::sea_orm::prelude::ChronoUtc::now().fixed_offset();
    for chunk in 0..21 {
        let rows = (0..500).map(|i| note::ActiveModel {
            title: Set(format!("note {}", chunk * 500 + i)),
            body: Set(None),
            published: Set(i % 2 == 0),
            created_at: Set(now),
            ..Default::default()
        });
        note::Entity::insert_many(rows)
            .exec(app.state().db())
            .await
            .unwrap();
    }
    let browser = logged_in(&app, "root").await;
    let (status, list) = browser.page("/admin/probe/note/").await;
    assert_eq!(status, 200);
    assert!(
        list.contains("More than 10000 rows") || list.contains("About "),
        "{list}"
    );
    assert!(list.contains("rel=\"next\""));
    let (_, filtered) = browser.page("/admin/probe/note/?q=note+1049").await;
    assert!(
        filtered.contains("11 rows"),
        "exact below the cap: {filtered}"
    );
    let (status, deep) = browser.page("/admin/probe/note/?p=200").await;
    assert_eq!(status, 200);
    assert!(deep.contains("Page 200"));

    // The end of an uncounted list: the reversed order's first page, then pages before it.
    let (status, last) = browser.page("/admin/probe/note/?p=last").await;
    assert_eq!(status, 200);
    assert!(
        last.contains(">note 0<") && last.contains("Last page"),
        "{last}"
    );
    assert!(!last.contains("rel=\"next\""), "{last}");
    let previous = link(&last, "prev").expect("a link to the page before the last");
    let (_, before_last) = browser.page(&previous).await;
    assert!(
        before_last.contains(">note 50<") && before_last.contains("Page 2 from the end"),
        "{before_last}"
    );
}

/// The ids of the rows a list page shows, in order, read from their change links.
fn row_ids(page: &str, base: &str) -> Vec<i64> {
    page.split(&format!("href=\"{base}"))
        .skip(1)
        .filter_map(|rest| {
            rest.split_once("/change/\"")
                .and_then(|(id, _)| id.parse().ok())
        })
        .collect()
}

/// The page's `rel` link ("next", "prev").
fn link(page: &str, rel: &str) -> Option<String> {
    let end = page.find(&format!("\" rel=\"{rel}\""))?;
    let start = page[..end].rfind("href=\"")? + "href=\"".len();
    Some(page[start..end].to_owned())
}

/// The rows of each page from `start` on, following the `rel` links to the end.
async fn walk(browser: &Browser, base: &str, start: &str, rel: &str) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    let mut next = Some(start.to_owned());
    while let Some(path) = next {
        let (status, page) = browser.page(&path).await;
        assert_eq!(status, 200, "{path}: {page}");
        pages.push(row_ids(&page, base));
        next = link(&page, rel);
        assert!(pages.len() <= 10, "the {rel} links from {start} do not end");
    }
    pages
}

/// Walks a list forward from its first page and back from its last, and checks that both see
/// every row once, in `expected` order, in the same pages.
async fn pages_by_row(browser: &Browser, base: &str, order: &str, expected: &[i64]) {
    let separator = if order.is_empty() { "" } else { "&" };
    let forward = walk(browser, base, &format!("{base}?{order}"), "next").await;
    assert_eq!(forward.concat(), expected, "{order}: forward");
    assert!(forward.len() >= 3, "{order}: {forward:?}");
    let mut backward = walk(
        browser,
        base,
        &format!("{base}?{order}{separator}p=last"),
        "prev",
    )
    .await;
    backward.reverse();
    assert_eq!(backward, forward, "{order}: backward");
}

#[tokio::test]
async fn next_and_previous_neither_skip_nor_repeat_rows_with_equal_sort_values() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    let db = app.state().db();
    let start = bureau_core::sea_orm::prelude::ChronoUtc::now().fixed_offset();
    // Four titles, two flags, five times: every order has long runs of equal values.
    let rows = (0..130u64).map(|i| note::ActiveModel {
        title: Set(format!("tie {}", i % 4)),
        body: Set(None),
        published: Set(i % 3 == 0),
        created_at: Set(start + std::time::Duration::from_secs(60 * (i % 5))),
        ..Default::default()
    });
    note::Entity::insert_many(rows).exec(db).await.unwrap();
    let notes = note::Entity::find().all(db).await.unwrap();
    let browser = logged_in(&app, "root").await;

    let sorted = |compare: fn(&note::Model, &note::Model) -> std::cmp::Ordering| {
        let mut notes = notes.clone();
        notes.sort_by(compare);
        notes.iter().map(|n| i64::from(n.id)).collect::<Vec<_>>()
    };
    let base = "/admin/probe/note/";
    // The panel's order, -created_at; the key breaks ties in the last column's direction.
    let expected = sorted(|a, b| (b.created_at, b.id).cmp(&(a.created_at, a.id)));
    pages_by_row(&browser, base, "", &expected).await;
    let expected = sorted(|a, b| (a.published, a.id).cmp(&(b.published, b.id)));
    pages_by_row(&browser, base, "o=published", &expected).await;
    let expected = sorted(|a, b| (b.published, &a.title, a.id).cmp(&(a.published, &b.title, b.id)));
    pages_by_row(&browser, base, "o=-published,title", &expected).await;
    let expected =
        sorted(|a, b| (&a.title, b.created_at, b.id).cmp(&(&b.title, a.created_at, a.id)));
    pages_by_row(&browser, base, "o=title,-created_at", &expected).await;
}

#[tokio::test]
async fn pages_by_row_place_nulls_first_on_every_backend() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    let db = app.state().db();
    let joined = bureau_core::sea_orm::prelude::ChronoUtc::now().fixed_offset();
    let rows = (0..110u64).map(|i| user::ActiveModel {
        username: Set(format!("person{i}")),
        username_key: Set(format!("person{i}")),
        email: Set(format!("person{i}@example.com")),
        email_key: Set(format!("person{i}@example.com")),
        password: Set("!".to_owned()),
        is_active: Set(true),
        is_staff: Set(false),
        is_superuser: Set(false),
        email_verified: Set(true),
        date_joined: Set(joined),
        // A third never logged in; the rest share four times.
        last_login: Set(
            (i % 3 != 0).then(|| joined + std::time::Duration::from_secs(3600 * (i % 4)))
        ),
        ..Default::default()
    });
    user::Entity::insert_many(rows).exec(db).await.unwrap();
    let browser = logged_in(&app, "root").await;
    let users = user::Entity::find().all(db).await.unwrap();

    let mut ascending: Vec<_> = users.iter().map(|u| (u.last_login, u.id)).collect();
    ascending.sort();
    let ascending: Vec<i64> = ascending.into_iter().map(|(_, id)| id).collect();
    pages_by_row(&browser, "/admin/core/user/", "o=last_login", &ascending).await;
    let descending: Vec<i64> = ascending.iter().rev().copied().collect();
    pages_by_row(&browser, "/admin/core/user/", "o=-last_login", &descending).await;
}

#[tokio::test]
async fn a_page_link_keeps_its_place_when_rows_come_and_go() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    let db = app.state().db();
    let now = bureau_core::sea_orm::prelude::ChronoUtc::now().fixed_offset();
    let rows = (0..120u64).map(|i| note::ActiveModel {
        title: Set(format!("tie {}", i % 2)),
        body: Set(None),
        published: Set(true),
        created_at: Set(now),
        ..Default::default()
    });
    note::Entity::insert_many(rows).exec(db).await.unwrap();
    let browser = logged_in(&app, "root").await;
    let base = "/admin/probe/note/";
    let (_, first) = browser.page("/admin/probe/note/?o=title").await;
    let (_, second) = browser.page("/admin/probe/note/?o=title&p=2").await;
    let first_ids = row_ids(&first, base);
    let second_ids = row_ids(&second, base);
    assert_eq!((first_ids.len(), second_ids.len()), (50, 50));
    let next = link(&first, "next").unwrap();
    assert!(next.contains("after="), "{next}");

    // The row the link starts after goes, and two new ones sort onto the first page: skipping 50
    // rows would now show the first page's 49th row again; the link still starts where the first
    // page ended.
    let last_shown = first_ids[49];
    note::Entity::delete_by_id(i32::try_from(last_shown).unwrap())
        .exec(db)
        .await
        .unwrap();
    for _ in 0..2 {
        note::ActiveModel {
            title: Set("tie".to_owned()),
            body: Set(None),
            published: Set(true),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
    let (_, skipped) = browser.page("/admin/probe/note/?o=title&p=2").await;
    assert_eq!(row_ids(&skipped, base)[0], first_ids[48]);
    let (status, page) = browser.page(&next).await;
    assert_eq!(status, 200);
    assert_eq!(row_ids(&page, base), second_ids);
    assert!(page.contains("Page 2 of 3"), "{page}");

    let garbage = [
        "/admin/probe/note/?after=not-a-cursor",
        // A cursor for another order: one value where the title order needs two.
        "/admin/probe/note/?o=title&after=eyJrIjpbMV19",
        // A value the column cannot hold.
        "/admin/probe/note/?after=eyJrIjpbIm5vdCBhIHRpbWUiLDFdfQ",
        "/admin/probe/note/?after=eyJrIjpbMV19&before=eyJrIjpbMV19",
    ];
    for path in garbage {
        assert_eq!(browser.page(path).await.0, 400, "{path}");
    }
}

async fn audit_entries(app: &TestApp) -> Vec<bureau_core::entities::admin_log::Model> {
    use bureau_core::sea_orm::QueryOrder;
    bureau_core::entities::admin_log::Entity::find()
        .order_by_asc(bureau_core::entities::admin_log::Column::Id)
        .all(app.state().db())
        .await
        .unwrap()
}

async fn note_titles(app: &TestApp) -> Vec<String> {
    note::Entity::find()
        .all(app.state().db())
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.title)
        .collect()
}

#[tokio::test]
async fn add_change_history_and_delete_with_the_audit_log() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    let browser = logged_in(&app, "root").await;

    let (status, form) = browser.page("/admin/probe/note/add/").await;
    assert_eq!(status, 200);
    assert!(
        form.contains("id=\"id_title\"") && form.contains("type=\"checkbox\" id=\"id_published\""),
        "{form}"
    );
    assert!(form.contains("type=\"datetime-local\""), "{form}");

    let invalid = browser
        .fill(
            "/admin/probe/note/add/",
            &[
                ("title", ""),
                ("body", "kept"),
                ("created_at", "not a time"),
            ],
        )
        .await;
    assert_eq!(invalid.status(), 422);
    let page = crate::support::html(&invalid.text().await.unwrap());
    assert!(page.contains("This field is required."), "{page}");
    assert!(page.contains("Enter a valid date and time."));
    assert!(page.contains("value=\"kept\""), "the input is kept: {page}");
    assert!(note_titles(&app).await.is_empty(), "nothing written");

    let added = browser
        .fill(
            "/admin/probe/note/add/",
            &[
                ("title", "First note"),
                ("body", ""),
                ("published", "on"),
                ("created_at", "2026-11-23T10:00"),
                ("_continue", ""),
            ],
        )
        .await;
    assert_eq!(added.status(), 303);
    let change_url = location(&added);
    assert!(change_url.ends_with("/change/"), "{change_url}");
    let (_, change_form) = browser.page(&change_url).await;
    assert!(
        change_form.contains("The note “First note” was added."),
        "{change_form}"
    );
    assert!(change_form.contains("value=\"First note\""));

    let changed = browser
        .fill(
            &change_url,
            &[
                ("title", "First note, edited"),
                ("body", "more"),
                ("created_at", "2026-11-23T10:00:00"),
                ("_version", &version_of(&change_form)),
                ("_original", &original_of(&change_form)),
            ],
        )
        .await;
    assert_eq!(changed.status(), 303);
    assert_eq!(location(&changed), "/admin/probe/note/");
    assert_eq!(note_titles(&app).await, ["First note, edited"]);

    let log = audit_entries(&app).await;
    assert_eq!(
        log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["add", "change"]
    );
    assert_eq!(log[1].username, "root");
    let diff: serde_json::Value = serde_json::from_str(&log[1].changes).unwrap();
    assert_eq!(
        diff["title"],
        serde_json::json!(["First note", "First note, edited"])
    );
    assert_eq!(diff["published"], serde_json::json!([true, false]));
    assert!(
        diff.get("created_at").is_none(),
        "unchanged fields are not in the diff: {diff}"
    );

    let history_url = change_url.replace("/change/", "/history/");
    let (status, history) = browser.page(&history_url).await;
    assert_eq!(status, 200);
    assert!(
        history.contains("First note → First note, edited"),
        "{history}"
    );

    let delete_url = change_url.replace("/change/", "/delete/");
    let (status, confirm) = browser.page(&delete_url).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("Are you sure?"));
    let deleted = browser.fill(&delete_url, &[]).await;
    assert_eq!(deleted.status(), 303);
    assert!(note_titles(&app).await.is_empty());
    assert_eq!(audit_entries(&app).await.last().unwrap().action, "delete");
    // The audit log is read-only: it has a list, and no way to add.
    let (_, log_list) = browser.page("/admin/core/admin_log/").await;
    assert!(log_list.contains("First note, edited"));
}

/// A hidden field's value; `page` is the page as served (values are HTML-escaped there).
async fn raw_page(browser: &Browser, path: &str) -> String {
    browser.get(path).await.text().await.unwrap()
}

fn version_of(page: &str) -> String {
    crate::support::input(page, "_version")
}

fn original_of(page: &str) -> String {
    crate::support::input(page, "_original")
}

#[tokio::test]
async fn an_edit_made_meanwhile_is_shown_not_overwritten() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    notes(&app, &["Original"], true).await;
    let id = note::Entity::find()
        .one(app.state().db())
        .await
        .unwrap()
        .unwrap()
        .id;
    let browser = logged_in(&app, "root").await;
    let url = format!("/admin/probe/note/{id}/change/");
    let form = raw_page(&browser, &url).await;

    // Someone else saves first.
    let mut other: note::ActiveModel = note::Entity::find_by_id(id)
        .one(app.state().db())
        .await
        .unwrap()
        .unwrap()
        .into();
    other.title = Set("Their title".to_owned());
    other.update(app.state().db()).await.unwrap();

    let response = browser
        .fill(
            &url,
            &[
                ("title", "My title"),
                ("published", "on"),
                ("created_at", "2026-11-23T10:00:00"),
                ("_version", &version_of(&form)),
                ("_original", &original_of(&form)),
            ],
        )
        .await;
    assert_eq!(response.status(), 409);
    let served = response.text().await.unwrap();
    let page = crate::support::html(&served);
    assert!(
        page.contains("changed by someone else after you opened it"),
        "{page}"
    );
    assert!(
        page.contains("Changed by someone else meanwhile to: Their title"),
        "{page}"
    );
    assert!(
        page.contains("value=\"My title\""),
        "the user's input is kept"
    );
    assert_eq!(note_titles(&app).await, ["Their title"]);

    // Saving again from the refreshed form overwrites knowingly.
    let again = browser
        .fill(
            &url,
            &[
                ("title", "My title"),
                ("published", "on"),
                ("created_at", "2026-11-23T10:00:00"),
                ("_version", &version_of(&page)),
                ("_original", &original_of(&page)),
            ],
        )
        .await;
    assert_eq!(again.status(), 303);
    assert_eq!(note_titles(&app).await, ["My title"]);
}

#[tokio::test]
async fn forbidden_and_forged_writes_change_nothing() {
    let (app, _) = spawn().await;
    let viewer = account(&app, "viewer", true, false).await;
    grant(&app, &viewer, "note_viewer", "probe.note", "view").await;
    notes(&app, &["Keep me"], true).await;
    let id = note::Entity::find()
        .one(app.state().db())
        .await
        .unwrap()
        .unwrap()
        .id;
    let browser = logged_in(&app, "viewer").await;
    let url = format!("/admin/probe/note/{id}/change/");

    let (status, view) = browser.page(&url).await;
    assert_eq!(status, 200, "view permission shows the object");
    assert!(
        !view.contains("name=\"_save\""),
        "but offers no save button"
    );
    let token = browser.csrf_token(&url).await;
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let browser = &browser;
        async move {
            browser
                .client
                .post(browser.url(&path))
                .form(&fields)
                .send()
                .await
                .unwrap()
        }
    };
    let with_token = |extra: Vec<(&'static str, String)>| {
        let mut fields = vec![("csrf_token", token.clone())];
        fields.extend(extra);
        fields
    };
    assert_eq!(
        post(
            url.clone(),
            with_token(vec![
                ("title", "Hacked".into()),
                ("created_at", "2026-11-23T10:00".into())
            ])
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        post(
            "/admin/probe/note/add/".into(),
            with_token(vec![
                ("title", "New".into()),
                ("created_at", "2026-11-23T10:00".into())
            ])
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        post(
            format!("/admin/probe/note/{id}/delete/"),
            with_token(vec![])
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        browser
            .page(&format!("/admin/probe/note/{id}/delete/"))
            .await
            .0,
        403
    );
    assert_eq!(note_titles(&app).await, ["Keep me"]);
    assert!(audit_entries(&app).await.is_empty());

    // A superuser's browser without the form's token is refused before anything runs.
    account(&app, "root", true, true).await;
    let root = logged_in(&app, "root").await;
    let forged = root
        .client
        .post(root.url(&format!("/admin/probe/note/{id}/delete/")))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(note_titles(&app).await, ["Keep me"]);
}

#[tokio::test]
async fn staff_manage_users_and_roles_in_the_admin() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    let browser = logged_in(&app, "root").await;

    let (_, form) = browser.page("/admin/core/user/add/").await;
    assert!(
        !form.contains("name=\"password\""),
        "the hash is never a form field: {form}"
    );
    assert!(!form.contains("name=\"username_key\""));
    let duplicate = browser
        .fill(
            "/admin/core/user/add/",
            &[
                ("username", "ROOT"),
                ("email", "x@example.com"),
                ("is_active", "on"),
            ],
        )
        .await;
    assert_eq!(duplicate.status(), 422);
    assert!(
        duplicate
            .text()
            .await
            .unwrap()
            .contains("A user with this username already exists.")
    );
    let bad = browser
        .fill(
            "/admin/core/user/add/",
            &[("username", "new user"), ("email", "nope")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let text = crate::support::html(&bad.text().await.unwrap());
    assert!(
        text.contains("Enter a valid username") && text.contains("Enter a valid email address."),
        "{text}"
    );

    let made = browser
        .fill(
            "/admin/core/user/add/",
            &[
                ("username", "Editor"),
                ("email", "Editor@Example.com"),
                ("is_active", "on"),
                ("is_staff", "on"),
            ],
        )
        .await;
    assert_eq!(made.status(), 303);
    let editor = users::find_by_login(app.state().db(), "editor@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(editor.username_key, "editor");
    assert!(editor.is_staff && !editor.is_superuser);

    let role = browser
        .fill(
            "/admin/core/role/add/",
            &[("name", "editors"), ("description", "")],
        )
        .await;
    assert_eq!(role.status(), 303, "{}", role.text().await.unwrap());
    let role_id = bureau_core::entities::role::Entity::find()
        .all(app.state().db())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == "editors")
        .unwrap()
        .id;
    let assigned = browser
        .fill(
            "/admin/core/user_role/add/",
            &[
                ("user_id", &editor.id.to_string()),
                ("role_id", &role_id.to_string()),
            ],
        )
        .await;
    assert_eq!(assigned.status(), 303);
    let nowhere = browser
        .fill(
            "/admin/core/user_role/add/",
            &[("user_id", "999999"), ("role_id", &role_id.to_string())],
        )
        .await;
    assert_eq!(nowhere.status(), 422);
    let text = crate::support::html(&nowhere.text().await.unwrap());
    assert!(
        text.contains("There is no core.user with id 999999."),
        "{text}"
    );

    // Deleting the role says the assignment goes with it.
    let (_, confirm) = browser
        .page(&format!("/admin/core/role/{role_id}/delete/"))
        .await;
    assert!(
        confirm.contains("1 core.user_role will be deleted too"),
        "{confirm}"
    );
}

async fn note_ids(app: &TestApp) -> Vec<String> {
    note::Entity::find()
        .all(app.state().db())
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id.to_string())
        .collect()
}

#[tokio::test]
async fn bulk_actions_confirm_then_report_how_many_rows_changed() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    notes(&app, &["One", "Two"], false).await;
    notes(&app, &["Three"], true).await;
    let browser = logged_in(&app, "root").await;
    let ids = note_ids(&app).await;

    let (_, list) = browser.page("/admin/probe/note/").await;
    assert!(
        list.contains("value=\"delete_selected\"") && list.contains("Publish selected notes"),
        "{list}"
    );

    let mut publish = vec![("action", "publish")];
    publish.extend(ids.iter().map(|id| ("_selected", id.as_str())));
    let asked = browser
        .submit("/admin/probe/note/", "/admin/probe/note/action/", &publish)
        .await;
    assert_eq!(asked.status(), 200);
    assert!(asked.text().await.unwrap().contains("Are you sure?"));
    assert_eq!(
        note::Entity::find()
            .all(app.state().db())
            .await
            .unwrap()
            .iter()
            .filter(|n| n.published)
            .count(),
        1,
        "nothing happens before the confirmation"
    );
    let mut confirmed = publish.clone();
    confirmed.push(("confirm", "yes"));
    let done = browser
        .submit(
            "/admin/probe/note/",
            "/admin/probe/note/action/",
            &confirmed,
        )
        .await;
    assert_eq!(done.status(), 303);
    let (_, list) = browser.page("/admin/probe/note/").await;
    assert!(
        list.contains("Publish selected notes: 2 rows changed."),
        "{list}"
    );
    let publishes = audit_entries(&app)
        .await
        .iter()
        .filter(|e| e.action == "publish")
        .count();
    assert_eq!(publishes, 3, "one audit entry per selected row");

    let mut delete = vec![("action", "delete_selected"), ("confirm", "yes")];
    delete.extend(ids.iter().take(2).map(|id| ("_selected", id.as_str())));
    let deleted = browser
        .submit("/admin/probe/note/", "/admin/probe/note/action/", &delete)
        .await;
    assert_eq!(deleted.status(), 303);
    assert_eq!(note_titles(&app).await, ["Three"]);
    let (_, list) = browser.page("/admin/probe/note/").await;
    assert!(
        list.contains("Delete selected note: 2 rows changed."),
        "{list}"
    );
}

#[tokio::test]
async fn the_filtered_list_exports_as_csv() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    notes(
        &app,
        &["Plain", "Comma, \"quoted\"", "=HYPERLINK(\"x\")"],
        true,
    )
    .await;
    notes(&app, &["Hidden draft"], false).await;
    let browser = logged_in(&app, "root").await;
    let response = browser
        .get("/admin/probe/note/export.csv?published=true&o=title")
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("probe-note.csv")
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "Title,Published,Created at");
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("\"Comma, \"\"quoted\"\"\",Yes,")),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("\"'=HYPERLINK(\"\"x\"\")\"")),
        "formulas are defused: {csv}"
    );
    assert!(!csv.contains("Hidden draft"));
}

#[tokio::test]
async fn the_audit_log_is_read_only_even_for_superusers() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    notes(&app, &["Logged"], true).await;
    let browser = logged_in(&app, "root").await;
    let id = note_ids(&app).await[0].clone();
    browser
        .submit(
            "/admin/probe/note/",
            "/admin/probe/note/action/",
            &[
                ("action", "publish"),
                ("_selected", &id),
                ("confirm", "yes"),
            ],
        )
        .await;
    let entry = audit_entries(&app).await[0].id;

    let (status, list) = browser.page("/admin/core/admin_log/").await;
    assert_eq!(status, 200);
    assert!(!list.contains("/admin/core/admin_log/add/"));
    assert_eq!(browser.page("/admin/core/admin_log/add/").await.0, 403);
    let change = format!("/admin/core/admin_log/{entry}/change/");
    let (status, view) = browser.page(&change).await;
    assert_eq!(status, 200);
    assert!(!view.contains("name=\"_save\""));
    let token = browser.csrf_token("/admin/").await;
    let forged = browser
        .client
        .post(browser.url(&change))
        .form(&[("csrf_token", token.as_str()), ("action", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(audit_entries(&app).await[0].action, "publish");
}

/// Statements the app ran for one request (reported in debug, which tests run with).
fn queries(response: &reqwest::Response) -> usize {
    response.headers()["x-bureau-queries"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn related_columns_cost_one_query_per_relation_whatever_the_page_size() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    let db = app.state().db();
    let rbac = app.state().rbac();
    rbac.grant(db, "readers", "probe.note", "view")
        .await
        .unwrap();
    rbac.grant(db, "writers", "probe.note", "change")
        .await
        .unwrap();
    for n in 0..40 {
        let member = user::ActiveModel {
            username: Set(format!("member{n}")),
            username_key: Set(format!("member{n}")),
            email: Set(format!("member{n}@example.com")),
            email_key: Set(format!("member{n}@example.com")),
            password: Set("!".to_owned()),
            is_active: Set(true),
            is_staff: Set(false),
            is_superuser: Set(false),
            email_verified: Set(true),
            date_joined: Set(bureau_core::sea_orm::prelude::ChronoUtc::now().fixed_offset()),
            last_login: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        rbac.assign(
            db,
            member.id,
            if n % 2 == 0 { "readers" } else { "writers" },
        )
        .await
        .unwrap();
    }
    let browser = logged_in(&app, "root").await;
    // The first page after login also shows (and so removes) the welcome message.
    browser.get("/admin/").await;

    let forty = browser.get("/admin/core/user_role/").await;
    let forty_queries = queries(&forty);
    let page = crate::support::html(&forty.text().await.unwrap());
    assert!(
        page.contains("member0") && page.contains("readers") && page.contains("writers"),
        "{page}"
    );
    assert!(
        page.contains("User username") && page.contains("Role name"),
        "{page}"
    );

    use bureau_core::sea_orm::{ColumnTrait, QueryFilter};
    bureau_core::entities::user_role::Entity::delete_many()
        .filter(bureau_core::entities::user_role::Column::Id.gt(1))
        .exec(db)
        .await
        .unwrap();
    let one = browser.get("/admin/core/user_role/").await;
    assert_eq!(
        queries(&one),
        forty_queries,
        "40 rows cost what 1 row costs"
    );
}

#[tokio::test]
async fn foreign_key_fields_offer_type_ahead_choices() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    account(&app, "alice", false, false).await;
    account(&app, "alicia", false, false).await;
    account(&app, "bob", false, false).await;
    let browser = logged_in(&app, "root").await;

    let (_, form) = browser.page("/admin/core/user_role/add/").await;
    assert!(
        form.contains("hx-get=\"/admin/core/user/autocomplete/\"")
            && form.contains("list=\"id_user_id_choices\""),
        "{form}"
    );
    assert!(
        form.contains("htmx-2.0.11.min.js"),
        "htmx is served from the binary"
    );
    let (status, options) = browser
        .page("/admin/core/user/autocomplete/?user_id=ALI")
        .await;
    assert_eq!(status, 200);
    assert!(
        options.contains(">alice</option>") && options.contains(">alicia</option>"),
        "{options}"
    );
    assert!(!options.contains("bob"));
    let bob = users::find_by_login(app.state().db(), "bob")
        .await
        .unwrap()
        .unwrap();
    let (_, by_id) = browser
        .page(&format!(
            "/admin/core/user/autocomplete/?user_id={}",
            bob.id
        ))
        .await;
    assert!(by_id.contains(">bob</option>"), "{by_id}");
    let js = browser.get("/static/core/js/htmx-2.0.11.min.js").await;
    assert_eq!(js.status(), 200);
}

#[tokio::test]
async fn staff_set_a_users_password_and_their_sessions_end() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    let target = account(&app, "pat", false, false).await;
    let pat = logged_in(&app, "pat").await;
    assert_eq!(pat.get("/accounts/profile/").await.status(), 200);
    let browser = logged_in(&app, "root").await;
    let url = format!("/admin/core/user/{}/password/", target.id);

    let (_, change) = browser
        .page(&format!("/admin/core/user/{}/change/", target.id))
        .await;
    assert!(
        change.contains(&url),
        "the change page links to it: {change}"
    );
    let weak = browser
        .fill(
            &url,
            &[("password1", "pat12345678"), ("password2", "pat12345678")],
        )
        .await;
    assert_eq!(weak.status(), 422);
    let set = browser
        .fill(
            &url,
            &[
                ("password1", "a brand new secret"),
                ("password2", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(set.status(), 303);
    assert_eq!(
        pat.get("/accounts/profile/").await.status(),
        303,
        "pat's session ended"
    );
    assert_eq!(
        Browser::new(&app)
            .fill(
                "/accounts/login/",
                &[("login", "pat"), ("password", "a brand new secret")]
            )
            .await
            .status(),
        303
    );
    let entry = audit_entries(&app).await.pop().unwrap();
    assert_eq!(entry.action, "change");
    assert!(!entry.changes.contains("brand new"), "{}", entry.changes);
}

#[tokio::test]
async fn a_users_roles_are_ticked_on_their_page() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    let target = account(&app, "sam", true, false).await;
    let db = app.state().db();
    let roles = bureau_core::entities::role::Entity::find()
        .all(db)
        .await
        .unwrap();
    let role = |name: &str| {
        roles
            .iter()
            .find(|r| r.name == name)
            .unwrap()
            .id
            .to_string()
    };
    let browser = logged_in(&app, "root").await;
    let url = format!("/admin/core/user/{}/change/", target.id);
    let form = raw_page(&browser, &url).await;
    assert!(form.contains("name=\"roles\""), "{form}");

    let base = vec![
        ("username", "sam".to_owned()),
        ("email", "sam@example.com".to_owned()),
        ("is_active", "on".to_owned()),
        ("is_staff", "on".to_owned()),
        ("email_verified", "on".to_owned()),
        ("_version", version_of(&form)),
        ("_original", original_of(&form)),
    ];
    let mut ticked = base.clone();
    ticked.push(("roles", role("moderator")));
    ticked.push(("roles", role("customer")));
    let fields: Vec<(&str, &str)> = ticked.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let saved = browser.fill(&url, &fields).await;
    assert_eq!(saved.status(), 303);
    assert_eq!(
        app.state().rbac().roles_of(db, target.id).await.unwrap(),
        ["customer", "moderator"]
    );
    let diff: serde_json::Value =
        serde_json::from_str(&audit_entries(&app).await.pop().unwrap().changes).unwrap();
    assert!(diff["roles"].is_array(), "{diff}");

    let form = raw_page(&browser, &url).await;
    let mut fewer: Vec<(String, String)> = base
        .iter()
        .filter(|(n, _)| !n.starts_with('_'))
        .map(|(n, v)| ((*n).to_owned(), v.clone()))
        .collect();
    fewer.push(("_version".to_owned(), version_of(&form)));
    fewer.push(("_original".to_owned(), original_of(&form)));
    fewer.push(("roles".to_owned(), role("customer")));
    let fields: Vec<(&str, &str)> = fewer
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(browser.fill(&url, &fields).await.status(), 303);
    assert_eq!(
        app.state().rbac().roles_of(db, target.id).await.unwrap(),
        ["customer"]
    );

    let mut bad: Vec<(&str, &str)> = fields.clone();
    bad.retain(|(n, _)| *n != "roles");
    bad.push(("roles", "999999"));
    let refused = browser.fill(&url, &bad).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        app.state().rbac().roles_of(db, target.id).await.unwrap(),
        ["customer"]
    );
}

#[tokio::test]
async fn choices_and_foreign_keys_filter_the_list() {
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    let alice = account(&app, "alice", false, false).await;
    let bob = account(&app, "bob", false, false).await;
    let db = app.state().db();
    app.state()
        .rbac()
        .assign(db, alice.id, "customer")
        .await
        .unwrap();
    app.state()
        .rbac()
        .assign(db, bob.id, "moderator")
        .await
        .unwrap();
    let browser = logged_in(&app, "root").await;

    let (_, alice_only) = browser
        .page(&format!("/admin/core/user_role/?user_id={}", alice.id))
        .await;
    assert!(
        alice_only.contains("customer") && !alice_only.contains("moderator"),
        "{alice_only}"
    );
    assert!(alice_only.contains("hx-get=\"/admin/core/user/autocomplete/\""));

    // A text column with declared choices: a select on the form, links in the filter, and any
    // other value refused.
    let (_, rules) = browser.page("/admin/core/casbin_rule/?ptype=g").await;
    assert!(
        rules.contains("aria-current=\"true\" class=\"selected\">G<"),
        "{rules}"
    );
    assert!(
        rules.contains("staff"),
        "inheritance rules are listed: {rules}"
    );
    let (_, add) = browser.page("/admin/core/casbin_rule/add/").await;
    assert!(add.contains("<select id=\"id_ptype\""), "{add}");
    let refused = browser
        .fill(
            "/admin/core/casbin_rule/add/",
            &[("ptype", "x"), ("v0", "a"), ("v1", "b")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Select a valid choice.")
    );

    // A permission added in the admin takes effect at once.
    let granted = browser
        .fill(
            "/admin/core/casbin_rule/add/",
            &[
                ("ptype", "p"),
                ("v0", "customer"),
                ("v1", "probe.note"),
                ("v2", "delete"),
            ],
        )
        .await;
    assert_eq!(granted.status(), 303);
    assert!(
        app.state()
            .rbac()
            .allows(db, &alice, "probe.note", "delete")
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn child_rows_are_edited_inline_under_their_parent() {
    use crate::probe::comment;
    let (app, _) = spawn().await;
    account(&app, "root", true, true).await;
    let browser = logged_in(&app, "root").await;

    // Add a note with two comments in one submission.
    let added = browser
        .fill(
            "/admin/probe/note/add/",
            &[
                ("title", "With comments"),
                ("created_at", "2026-11-23T10:00"),
                ("comments-TOTAL", "3"),
                ("comments-0-author", "ann"),
                ("comments-0-body", "First!"),
                ("comments-1-author", "ben"),
                ("comments-1-body", "Second"),
                ("comments-2-author", ""),
                ("comments-2-body", ""),
                ("_continue", ""),
            ],
        )
        .await;
    assert_eq!(added.status(), 303);
    let url = location(&added);
    let db = app.state().db();
    let comments = comment::Entity::find().all(db).await.unwrap();
    assert_eq!(comments.len(), 2, "the empty extra row is skipped");

    let form = raw_page(&browser, &url).await;
    assert!(form.contains("name=\"comments-0-id\""), "{form}");
    assert!(form.contains("value=\"First!\""));

    // Change one, delete one, add one, and leave a bad one: nothing is written.
    let first = comments
        .iter()
        .find(|c| c.author == "ann")
        .unwrap()
        .id
        .to_string();
    let second = comments
        .iter()
        .find(|c| c.author == "ben")
        .unwrap()
        .id
        .to_string();
    let common = [
        ("title", "With comments"),
        ("created_at", "2026-11-23T10:00:00"),
        ("comments-TOTAL", "3"),
        ("comments-0-id", first.as_str()),
        ("comments-0-author", "ann"),
        ("comments-0-body", "First, edited"),
        ("comments-1-id", second.as_str()),
        ("comments-1-author", "ben"),
        ("comments-1-body", "Second"),
        ("comments-1-DELETE", "on"),
    ];
    let version = version_of(&form);
    let original = original_of(&form);
    let mut bad: Vec<(&str, &str)> = common.to_vec();
    bad.extend([
        ("comments-2-author", ""),
        ("comments-2-body", "who wrote this?"),
        ("_version", &version),
        ("_original", &original),
    ]);
    let refused = browser.fill(&url, &bad).await;
    assert_eq!(refused.status(), 422);
    let page = crate::support::html(&refused.text().await.unwrap());
    assert!(page.contains("This field is required."), "{page}");
    assert_eq!(comment::Entity::find().all(db).await.unwrap().len(), 2);

    let mut good: Vec<(&str, &str)> = common.to_vec();
    good.extend([
        ("comments-2-author", "cy"),
        ("comments-2-body", "Third"),
        ("_version", &version),
        ("_original", &original),
    ]);
    assert_eq!(browser.fill(&url, &good).await.status(), 303);
    let mut bodies: Vec<String> = comment::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.body)
        .collect();
    bodies.sort();
    assert_eq!(bodies, ["First, edited", "Third"]);
    let actions: Vec<(String, String)> = audit_entries(&app)
        .await
        .into_iter()
        .filter(|e| e.model == "probe.comment")
        .map(|e| (e.action, e.object_repr))
        .collect();
    assert!(
        actions.contains(&("delete".to_owned(), "ben".to_owned())),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("change".to_owned(), "ann".to_owned())),
        "{actions:?}"
    );

    // A comment of another note cannot be reached through this one.
    notes(&app, &["Other"], true).await;
    let other_note = note::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.title == "Other")
        .unwrap();
    let foreign = comment::ActiveModel {
        note_id: Set(other_note.id),
        author: Set("zed".to_owned()),
        body: Set("not yours".to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let form = raw_page(&browser, &url).await;
    let foreign_id = foreign.id.to_string();
    let version = version_of(&form);
    let original = original_of(&form);
    let hijack = [
        ("title", "With comments"),
        ("created_at", "2026-11-23T10:00:00"),
        ("comments-TOTAL", "1"),
        ("comments-0-id", foreign_id.as_str()),
        ("comments-0-author", "zed"),
        ("comments-0-body", "hijacked"),
        ("_version", version.as_str()),
        ("_original", original.as_str()),
    ];
    let refused = browser.fill(&url, &hijack).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        comment::Entity::find_by_id(foreign.id)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .body,
        "not yours"
    );
}
