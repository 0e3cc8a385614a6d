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
}
