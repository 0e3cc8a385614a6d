//! `features/accounts.feature`: signing up, confirming the address from the mailed link, logging
//! in and out. Mail is read where the app's file transport delivers it.

use std::path::Path;
use std::time::{Duration, Instant};

use cucumber::{then, when};

use crate::accounts::link_path;
use crate::features::world::{Journey, Who};

#[when(
    expr = "I sign up as {string} with the email {string} and the passwords {string} and {string}"
)]
async fn sign_up(
    world: &mut Journey,
    username: String,
    email: String,
    password1: String,
    password2: String,
) {
    world
        .submit(
            &Who::Me,
            "/accounts/signup/",
            "/accounts/signup/",
            &[
                ("username", &username),
                ("email", &email),
                ("password1", &password1),
                ("password2", &password2),
            ],
        )
        .await;
}

#[when(expr = "I log in as {string} with the password {string}")]
async fn log_in(world: &mut Journey, login: String, password: String) {
    world
        .submit(
            &Who::Me,
            "/accounts/login/",
            "/accounts/login/",
            &[("login", &login), ("password", &password)],
        )
        .await;
}

#[when("I log out")]
async fn log_out(world: &mut Journey) {
    world
        .submit(&Who::Me, "/accounts/profile/", "/accounts/logout/", &[])
        .await;
}

#[then(expr = "a mail {string} reaches {string} with a link")]
async fn mail_reaches(world: &mut Journey, subject: String, to: String) {
    let folder = world.app().database.dir.path().join("mail");
    let mail = mail_to(&folder, &to).await;
    assert!(
        mail.contains(&format!("Subject: {subject}")),
        "the subject in {mail}"
    );
    world.mail_link = Some(link_path(world.app(), &mail));
}

#[when("I open the link in the mail and confirm my address")]
async fn confirm(world: &mut Journey) {
    let link = world
        .mail_link
        .clone()
        .expect("a mail with a link was read");
    assert!(link.starts_with("/accounts/confirm-email/"), "{link}");
    world.submit(&Who::Me, &link, &link, &[]).await;
}

#[then(expr = "I am logged in as {string}")]
async fn logged_in_as(world: &mut Journey, username: String) {
    let reply = world.visit(&Who::Me, "/accounts/profile/").await;
    assert_eq!(reply.status, 200, "the profile is for people logged in");
    let page = reply.page();
    assert!(
        page.contains(&format!("<a href=\"/accounts/profile/\">{username}</a>")),
        "{page}"
    );
}

#[then("I am not logged in")]
async fn not_logged_in(world: &mut Journey) {
    let reply = world.visit(&Who::Me, "/accounts/profile/").await;
    assert_eq!(reply.status, 303, "the profile sends visitors to log in");
    let home = world.visit(&Who::Me, "/").await.page();
    assert!(
        home.contains("href=\"/accounts/login/\">Log in</a>"),
        "{home}"
    );
}

/// The first message to `to` the file transport delivered into `folder`, waiting for the
/// outbox worker to send it.
async fn mail_to(folder: &Path, to: &str) -> String {
    let header = format!("To: {to}\r\n");
    let start = Instant::now();
    loop {
        let delivered = std::fs::read_dir(folder)
            .into_iter()
            .flatten()
            .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
            .find(|mail| mail.contains(&header));
        if let Some(mail) = delivered {
            // Undo quoted-printable soft line breaks and `=`, should the body be encoded.
            return mail.replace("=\r\n", "").replace("=3D", "=");
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no mail to {to} in {}",
            folder.display()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
