//! The tasks module in the admin: owners' tasks listed with the owner's name, filtered by status
//! and owner, searched by title; `updated_at` moves only when a task changes.

use bureau_core::auth::users::{self, NewUser};
use bureau_core::entities::user;
use bureau_core::sea_orm::{ActiveModelTrait, EntityTrait, Set};
use bureau_core::testing::TestApp;
use bureau_tasks::task;

use crate::browser::{Browser, location};
use crate::support::spawn;

const PASSWORD: &str = "correct horse battery";

async fn person(app: &TestApp, username: &str, superuser: bool) -> user::Model {
    let new = NewUser {
        username: username.to_owned(),
        email: format!("{username}@example.com"),
        password: PASSWORD.to_owned(),
        is_staff: superuser,
        is_superuser: superuser,
        email_verified: true,
    };
    users::create(app.state().db(), app.state(), &new)
        .await
        .unwrap()
}

async fn task_of(app: &TestApp, owner: &user::Model, title: &str, status: &str) -> task::Model {
    let at = "2026-11-01T09:00:00Z".parse().unwrap();
    task::ActiveModel {
        owner_id: Set(owner.id),
        title: Set(title.to_owned()),
        description: Set(String::new()),
        status: Set(status.to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(app.state().db())
    .await
    .unwrap()
}

#[tokio::test]
async fn staff_find_tasks_by_status_owner_and_title() {
    let (app, _) = spawn().await;
    person(&app, "root", true).await;
    let ann = person(&app, "ann", false).await;
    let bob = person(&app, "bob", false).await;
    task_of(&app, &ann, "Write the report", "doing").await;
    task_of(&app, &ann, "Buy milk", "done").await;
    task_of(&app, &bob, "Report the bug", "todo").await;
    let browser = Browser::new(&app);
    browser
        .fill(
            "/admin/login/",
            &[("login", "root"), ("password", PASSWORD)],
        )
        .await;

    let (status, all) = browser.page("/admin/tasks/task/").await;
    assert_eq!(status, 200);
    assert!(
        all.contains("3 rows") && all.contains(">ann<") && all.contains(">bob<"),
        "{all}"
    );
    let (_, reports) = browser.page("/admin/tasks/task/?q=REPORT").await;
    assert!(reports.contains("2 rows"), "{reports}");
    let (_, doing) = browser.page("/admin/tasks/task/?status=doing").await;
    assert!(
        doing.contains("Write the report") && doing.contains("1 row"),
        "{doing}"
    );
    let (_, bobs) = browser
        .page(&format!("/admin/tasks/task/?owner_id={}", bob.id))
        .await;
    assert!(
        bobs.contains("Report the bug") && bobs.contains("1 row"),
        "{bobs}"
    );
    let (_, refused) = browser.page("/admin/tasks/task/?status=later").await;
    assert!(
        !refused.contains("Write the report"),
        "an unknown status matches nothing"
    );
}

#[tokio::test]
async fn updated_at_moves_only_when_a_task_changes() {
    let (app, _) = spawn().await;
    person(&app, "root", true).await;
    let ann = person(&app, "ann", false).await;
    let task = task_of(&app, &ann, "Water plants", "todo").await;
    let browser = Browser::new(&app);
    browser
        .fill(
            "/admin/login/",
            &[("login", "root"), ("password", PASSWORD)],
        )
        .await;
    let url = format!("/admin/tasks/task/{}/change/", task.id);
    let save = |status: &'static str| {
        let browser = &browser;
        let url = url.clone();
        async move {
            let form = browser.get(&url).await.text().await.unwrap();
            let hidden = |name: &str| {
                let marker = format!("name=\"{name}\" value=\"");
                let start = form.find(&marker).unwrap() + marker.len();
                crate::support::html(&form[start..start + form[start..].find('"').unwrap()])
            };
            let owner = ann.id.to_string();
            let fields = [
                ("owner_id", owner.as_str()),
                ("title", "Water plants"),
                ("description", ""),
                ("status", status),
                ("_version", &hidden("_version")),
                ("_original", &hidden("_original")),
            ];
            let response = browser.fill(&url, &fields).await;
            assert_eq!(response.status(), 303, "{}", location(&response));
        }
    };
    let stored = || async {
        task::Entity::find_by_id(task.id)
            .one(app.state().db())
            .await
            .unwrap()
            .unwrap()
    };
    save("todo").await;
    assert_eq!(
        stored().await.updated_at,
        task.updated_at,
        "nothing changed"
    );
    save("done").await;
    let changed = stored().await;
    assert_eq!(changed.status, "done");
    assert!(changed.updated_at > task.updated_at);
}
