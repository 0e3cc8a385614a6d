//! Pages in real headless Chromium (Debian's, driven by Playwright for Python; `.ci/run` installs
//! both): what a person on a phone sees and can do.

use bureau_core::auth::users::{self, NewUser};
use bureau_core::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use bureau_core::testing::TestApp;

use crate::support::spawn;

const SCRIPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser");

/// Runs `tests/browser/<script>` against the app with `args`; its output shows on failure.
async fn run(script: &str, app: &TestApp, args: Vec<String>) {
    let mut all = vec![format!("{SCRIPTS}/{script}"), app.url("")];
    all.extend(args);
    // On the blocking pool: the app under test shares this test's runtime.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3").args(all).output()
    })
    .await
    .unwrap()
    .expect("running python3 (Playwright and Chromium are installed by .ci/run)");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn staff_manage_a_note_in_the_admin_in_chromium() {
    let (app, _) = spawn().await;
    let new = NewUser {
        username: "editor".to_owned(),
        email: "editor@example.com".to_owned(),
        password: "quiet granite harbour".to_owned(),
        is_staff: true,
        is_superuser: true,
        email_verified: true,
    };
    users::create(app.state().db(), app.state(), &new)
        .await
        .unwrap();
    let shots = concat!(env!("CARGO_TARGET_TMPDIR"), "/screenshots/admin").to_owned();
    run(
        "admin_journey.py",
        &app,
        vec![new.username.clone(), new.password.clone(), shots],
    )
    .await;
}

#[tokio::test]
async fn account_pages_work_on_a_phone_in_chromium() {
    let (app, _) = spawn().await;
    let new = NewUser {
        username: "mobile".to_owned(),
        email: "mobile@example.com".to_owned(),
        password: "tall green ladder 7".to_owned(),
        email_verified: true,
        ..Default::default()
    };
    users::create(app.state().db(), app.state(), &new)
        .await
        .unwrap();

    run(
        "accounts_on_a_phone.py",
        &app,
        vec![new.username.clone(), new.password.clone()],
    )
    .await;
}

#[tokio::test]
async fn api_docs_render_in_chromium_and_try_it_out_uses_the_session() {
    let (app, _) = spawn().await;
    let new = NewUser {
        username: "integrator".to_owned(),
        email: "integrator@example.com".to_owned(),
        password: "long quiet river 42".to_owned(),
        email_verified: true,
        ..Default::default()
    };
    users::create(app.state().db(), app.state(), &new)
        .await
        .unwrap();
    let shots = concat!(env!("CARGO_TARGET_TMPDIR"), "/screenshots/api-docs").to_owned();

    run(
        "api_docs.py",
        &app,
        vec![new.username.clone(), new.password.clone(), shots],
    )
    .await;
}

#[tokio::test]
async fn a_new_user_signs_up_finds_a_film_posts_and_votes_in_chromium() {
    let (app, _) = crate::support::spawn_with(|s| {
        s.var("BUREAU_APP__LOAD_DEMO_FIXTURES", "true")
            .var("BUREAU_AUTH__EMAIL_VERIFICATION", "optional")
    })
    .await;
    let shots = concat!(env!("CARGO_TARGET_TMPDIR"), "/screenshots/forum").to_owned();

    run("forum_journey.py", &app, vec![shots]).await;

    // What the browser did is in the database: the post, and its author's last vote on it.
    let db = app.state().db();
    let post = bureau_forum::post::Entity::find()
        .filter(bureau_forum::post::Column::Title.starts_with("Seen it twice"))
        .one(db)
        .await
        .unwrap()
        .expect("the post written in Chromium");
    assert_eq!(post.score, -1);
    assert!(post.movie_id.is_some());
}

#[tokio::test]
async fn a_customer_buys_and_pays_and_staff_ship_and_refund_in_chromium() {
    let (app, _) =
        crate::support::spawn_with(|s| s.var("BUREAU_APP__LOAD_DEMO_FIXTURES", "true")).await;
    let new = NewUser {
        username: "shopper".to_owned(),
        email: "shopper@example.com".to_owned(),
        password: "seven blue teacups".to_owned(),
        email_verified: true,
        ..Default::default()
    };
    let shopper = users::create(app.state().db(), app.state(), &new)
        .await
        .unwrap();
    crate::support::person(&app, "meg", &["store_manager"]).await;
    let shots = concat!(env!("CARGO_TARGET_TMPDIR"), "/screenshots/store").to_owned();

    run(
        "store_journey.py",
        &app,
        vec![
            new.username.clone(),
            new.password.clone(),
            shots,
            "meg".to_owned(),
            crate::support::PASSWORD.to_owned(),
        ],
    )
    .await;

    // The shopper's own: the demo data has paid orders of its customers too.
    let paid = bureau_store::order::Entity::find()
        .filter(bureau_store::order::Column::UserId.eq(shopper.id))
        .filter(bureau_store::order::Column::Status.eq("paid"))
        .all(app.state().db())
        .await
        .unwrap();
    assert_eq!(paid.len(), 1, "the phone's order, paid");
    let refunded = bureau_store::order::Entity::find()
        .filter(bureau_store::order::Column::UserId.eq(shopper.id))
        .filter(bureau_store::order::Column::Status.eq("refunded"))
        .all(app.state().db())
        .await
        .unwrap();
    assert_eq!(
        refunded.len(),
        1,
        "the desktop's order, shipped then refunded in the admin"
    );
}
