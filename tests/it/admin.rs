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
        "/accounts/login/?next=%2Fadmin%2Fcore%2Fuser%2F"
    );

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
    let rbac = app.state().rbac();
    rbac.grant(app.state().db(), "clerk_role", "core.user", "view")
        .await
        .unwrap();
    rbac.assign(app.state().db(), clerk.id, "clerk_role")
        .await
        .unwrap();
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
    assert_eq!(status, 200);
    assert!(list.contains("clerk@example.com"));
    assert!(
        !list.contains("/admin/core/user/1/change/"),
        "no change links without the change permission"
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
