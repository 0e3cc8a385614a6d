//! Pages in real headless Chromium (Debian's, driven by Playwright for Python; `.ci/run` installs
//! both): what a person on a phone sees and can do.

use bureau_core::auth::users::{self, NewUser};

use crate::support::spawn;

const SCRIPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser");

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

    // On the blocking pool: the app under test shares this test's runtime.
    let args = [app.url(""), new.username.clone(), new.password.clone()];
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(format!("{SCRIPTS}/accounts_on_a_phone.py"))
            .args(args)
            .output()
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
