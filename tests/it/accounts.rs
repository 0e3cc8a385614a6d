//! Accounts over HTTP with a cookie jar: signup, verification, login, profile, password change and
//! reset, logout, CSRF, login protection and the session cookie.

use std::time::Duration;

use std::cell::RefCell;
use std::collections::HashMap;

use bureau_core::ConfigSource;
use bureau_core::entities::user;
use bureau_core::sea_orm::{EntityTrait, PaginatorTrait};
use bureau_core::testing::TestApp;

use crate::browser::{Browser, location};
use crate::smtp::{Options, SmtpSink};
use crate::support::spawn_with;

const PASSWORD: &str = "correct horse battery";

/// The app with mail going to a real SMTP server, and a way to read what each address received.
async fn spawn_with_mail(adjust: impl FnOnce(ConfigSource) -> ConfigSource) -> (TestApp, Mailbox) {
    let sink = SmtpSink::start(Options::default());
    let port = sink.port().to_string();
    let (app, _) = spawn_with(|s| {
        adjust(
            s.var("BUREAU_MAIL__TRANSPORT", "smtp")
                .var("BUREAU_MAIL__SMTP_HOST", "127.0.0.1")
                .var("BUREAU_MAIL__SMTP_PORT", port)
                .var("BUREAU_MAIL__SMTP_TLS", "none")
                .var("BUREAU_MAIL__POLL_INTERVAL_MS", "20"),
        )
    })
    .await;
    (
        app,
        Mailbox {
            sink,
            read: RefCell::new(HashMap::new()),
        },
    )
}

struct Mailbox {
    sink: SmtpSink,
    read: RefCell<HashMap<String, usize>>,
}

impl Mailbox {
    /// The next message to `to` not read yet, as the SMTP server received it.
    async fn next_to(&self, to: &str) -> String {
        let envelope = format!("X-RcptTo: {to}\r\n");
        let already = self.read.borrow().get(to).copied().unwrap_or(0);
        for _ in 0..400 {
            let mine: Vec<String> = self
                .sink
                .messages()
                .into_iter()
                .filter(|m| m.contains(&envelope))
                .collect();
            if let Some(message) = mine.get(already) {
                self.read.borrow_mut().insert(to.to_owned(), already + 1);
                // Undo quoted-printable soft line breaks, should the body be encoded.
                return message.replace("=\r\n", "");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no new mail to {to}");
    }

    /// Whether anything was sent to `to` at all.
    fn received_any(&self, to: &str) -> bool {
        let envelope = format!("X-RcptTo: {to}\r\n");
        self.sink.messages().iter().any(|m| m.contains(&envelope))
    }
}

/// The first link in a mail, as a path on the app.
pub(crate) fn link_path(app: &TestApp, mail: &str) -> String {
    let start = mail.find("http://").expect("a link in the mail");
    let end = mail[start..]
        .find(char::is_whitespace)
        .map_or(mail.len(), |e| e + start);
    mail[start..end]
        .strip_prefix(&app.url(""))
        .unwrap_or_else(|| panic!("link to another site: {}", &mail[start..end]))
        .to_owned()
}

async fn users(app: &TestApp) -> u64 {
    user::Entity::find().count(app.state().db()).await.unwrap()
}

async fn signup(browser: &Browser, username: &str, email: &str) -> reqwest::Response {
    browser
        .fill(
            "/accounts/signup/",
            &[
                ("username", username),
                ("email", email),
                ("password1", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await
}

/// Signs up and follows the verification link; the user is verified and logged out.
async fn verified_user(
    app: &TestApp,
    mail: &Mailbox,
    browser: &Browser,
    username: &str,
    email: &str,
) {
    assert_eq!(signup(browser, username, email).await.status(), 303);
    let link = link_path(app, &mail.next_to(email).await);
    let confirmed = browser.submit(&link, &link, &[]).await;
    assert_eq!(confirmed.status(), 303);
}

async fn login(browser: &Browser, login: &str, password: &str) -> reqwest::Response {
    browser
        .fill(
            "/accounts/login/",
            &[("login", login), ("password", password)],
        )
        .await
}

#[tokio::test]
async fn signup_verify_login_profile_change_password_logout() {
    let (app, mail) = spawn_with_mail(|s| s).await;
    let browser = Browser::new(&app);

    let signed_up = signup(&browser, "alice", "Alice@Example.com").await;
    assert_eq!(signed_up.status(), 303);
    assert_eq!(location(&signed_up), "/accounts/login/");
    let (_, page) = browser.page("/accounts/login/").await;
    assert!(
        page.contains("We sent a confirmation link to Alice@Example.com"),
        "{page}"
    );

    // Before verification the right password is not enough.
    let early = login(&browser, "alice", PASSWORD).await;
    assert_eq!(early.status(), 422);
    assert!(early.text().await.unwrap().contains("not verified yet"));

    let message = mail.next_to("Alice@Example.com").await;
    assert!(message.contains("Hello alice"), "{message}");
    assert!(
        message.contains("Subject: Confirm your email address for Bureau"),
        "{message}"
    );
    assert!(message.contains("Content-Type: text/html"), "{message}");
    let link = link_path(&app, &message);
    // The early login attempt mailed a fresh link of its own.
    let resent = link_path(&app, &mail.next_to("Alice@Example.com").await);
    assert!(resent.starts_with("/accounts/confirm-email/") && resent != link);
    let (status, confirm_page) = browser.page(&link).await;
    assert_eq!(status, 200);
    assert!(confirm_page.contains("Alice@Example.com"));
    let confirmed = browser.submit(&link, &link, &[]).await;
    assert_eq!(confirmed.status(), 303);
    // The link works once.
    assert_eq!(browser.page(&link).await.0, 404);

    // Login by email, ignoring case; lands on the page asked for.
    let logged_in = browser
        .fill(
            "/accounts/login/?next=/accounts/password/change/",
            &[
                ("login", "ALICE@example.com"),
                ("password", PASSWORD),
                ("next", "/accounts/password/change/"),
            ],
        )
        .await;
    assert_eq!(logged_in.status(), 303);
    assert_eq!(location(&logged_in), "/accounts/password/change/");
    let (status, profile) = browser.page("/accounts/profile/").await;
    assert_eq!(status, 200);
    assert!(
        profile.contains("Successfully signed in as alice."),
        "{profile}"
    );
    assert!(profile.contains("Alice@Example.com") && profile.contains("verified"));
    // Flash messages show once.
    assert!(
        !browser
            .page("/accounts/profile/")
            .await
            .1
            .contains("Successfully signed in")
    );

    let wrong_old = browser
        .fill(
            "/accounts/password/change/",
            &[
                ("oldpassword", "nope"),
                ("password1", "a new passphrase 42"),
                ("password2", "a new passphrase 42"),
            ],
        )
        .await;
    assert_eq!(wrong_old.status(), 422);
    assert!(
        wrong_old
            .text()
            .await
            .unwrap()
            .contains("Please type your current password.")
    );
    let changed = browser
        .fill(
            "/accounts/password/change/",
            &[
                ("oldpassword", PASSWORD),
                ("password1", "a new passphrase 42"),
                ("password2", "a new passphrase 42"),
            ],
        )
        .await;
    assert_eq!(changed.status(), 303);
    let (_, profile) = browser.page("/accounts/profile/").await;
    assert!(profile.contains("Password successfully changed."));
    assert!(
        mail.next_to("Alice@Example.com")
            .await
            .contains("password of your")
    );

    let logged_out = browser
        .submit("/accounts/profile/", "/accounts/logout/", &[])
        .await;
    assert_eq!(logged_out.status(), 303);
    let profile = browser.get("/accounts/profile/").await;
    assert_eq!(profile.status(), 303);
    assert_eq!(
        location(&profile),
        "/accounts/login/?next=%2Faccounts%2Fprofile%2F"
    );

    assert_eq!(login(&browser, "alice", PASSWORD).await.status(), 422);
    assert_eq!(
        login(&browser, "alice", "a new passphrase 42")
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn logout_is_post_only_and_get_asks_first() {
    let (app, mail) = spawn_with_mail(|s| s).await;
    let browser = Browser::new(&app);
    verified_user(&app, &mail, &browser, "bob", "bob@example.com").await;
    login(&browser, "bob", PASSWORD).await;

    let (status, page) = browser.page("/accounts/logout/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Are you sure you want to log out?"));
    assert_eq!(
        browser.page("/accounts/profile/").await.0,
        200,
        "GET must not log out"
    );
}

#[tokio::test]
async fn the_session_id_changes_at_login_and_at_logout() {
    let (app, mail) = spawn_with_mail(|s| s).await;
    let browser = Browser::new(&app);
    verified_user(&app, &mail, &browser, "carol", "carol@example.com").await;
    browser.page("/accounts/login/").await;
    let anonymous = browser.session_id().expect("a session for the login form");

    login(&browser, "carol", PASSWORD).await;
    let logged_in = browser.session_id().unwrap();
    assert_ne!(anonymous, logged_in);

    // The old id is dead: presenting it gives no access.
    let stolen = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let with_old = stolen
        .get(app.url("/accounts/profile/"))
        .header("cookie", format!("bureau_session={anonymous}"))
        .send()
        .await
        .unwrap();
    assert_eq!(with_old.status(), 303);

    let cookie = browser
        .submit("/accounts/profile/", "/accounts/logout/", &[])
        .await
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_ne!(browser.session_id(), Some(logged_in.clone()));
    let with_logged_out = stolen
        .get(app.url("/accounts/profile/"))
        .header("cookie", format!("bureau_session={logged_in}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_logged_out.status(),
        303,
        "a logged-out session must not work again"
    );
}

#[tokio::test]
async fn csrf_missing_or_wrong_is_refused_and_changes_nothing() {
    let (app, mail) = spawn_with_mail(|s| s).await;
    let browser = Browser::new(&app);
    verified_user(&app, &mail, &browser, "dave", "dave@example.com").await;
    login(&browser, "dave", PASSWORD).await;
    let before = users(&app).await;

    let fields = [
        ("username", "mallory"),
        ("email", "m@example.com"),
        ("password1", PASSWORD),
        ("password2", PASSWORD),
    ];
    let missing = browser
        .client
        .post(browser.url("/accounts/signup/"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 403);
    let page = missing.text().await.unwrap();
    assert!(page.contains("CSRF verification failed"), "{page}");

    let mut wrong = vec![("csrf_token", "not-the-token")];
    wrong.extend_from_slice(&fields);
    let wrong = browser
        .client
        .post(browser.url("/accounts/signup/"))
        .form(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    assert_eq!(users(&app).await, before);

    // A forged password change from another site: the browser sends the cookie, not the token.
    let forged = browser
        .client
        .post(browser.url("/accounts/password/change/"))
        .form(&[
            ("oldpassword", PASSWORD),
            ("password1", "hijacked pass 99"),
            ("password2", "hijacked pass 99"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    browser
        .submit("/accounts/profile/", "/accounts/logout/", &[])
        .await;
    assert_eq!(login(&browser, "dave", PASSWORD).await.status(), 303);

    // The API with the session cookie needs the header; a bearer token does not.
    let api = browser
        .client
        .post(browser.url("/api/auth/logout"))
        .json(&serde_json::json!({"refresh_token": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 403);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn password_reset_by_mail_works_once() {
    let (app, mail) = spawn_with_mail(|s| s).await;
    let browser = Browser::new(&app);
    verified_user(&app, &mail, &browser, "erin", "erin@example.com").await;

    let unknown = browser
        .fill(
            "/accounts/password/reset/",
            &[("email", "nobody@example.com")],
        )
        .await;
    let known = browser
        .fill(
            "/accounts/password/reset/",
            &[("email", "ERIN@example.com")],
        )
        .await;
    // The same answer either way: the page reveals nobody's membership.
    assert_eq!(unknown.status(), 303);
    assert_eq!(location(&unknown), location(&known));
    let link = link_path(&app, &mail.next_to("erin@example.com").await);
    assert!(!mail.received_any("nobody@example.com"));

    assert!(link.starts_with("/accounts/password/reset/key/"), "{link}");
    let weak = browser
        .fill(
            &link,
            &[("password1", "12345678901"), ("password2", "12345678901")],
        )
        .await;
    assert_eq!(weak.status(), 422);
    let text = weak.text().await.unwrap();
    assert!(
        text.contains("too common") || text.contains("entirely numeric"),
        "{text}"
    );

    let reset = browser
        .fill(
            &link,
            &[
                ("password1", "brand new secret 7"),
                ("password2", "brand new secret 7"),
            ],
        )
        .await;
    assert_eq!(reset.status(), 303);
    assert_eq!(location(&reset), "/accounts/login/");
    // Single use.
    assert_eq!(browser.page(&link).await.0, 404);
    assert_eq!(login(&browser, "erin", PASSWORD).await.status(), 422);
    assert_eq!(
        login(&browser, "erin", "brand new secret 7").await.status(),
        303
    );
}

#[tokio::test]
async fn an_expired_reset_link_does_not_work() {
    let (app, mail) =
        spawn_with_mail(|s| s.var("BUREAU_AUTH__PASSWORD_RESET_TOKEN_MINUTES", "0")).await;
    let browser = Browser::new(&app);
    verified_user(&app, &mail, &browser, "frank", "frank@example.com").await;
    browser
        .fill(
            "/accounts/password/reset/",
            &[("email", "frank@example.com")],
        )
        .await;
    let link = link_path(&app, &mail.next_to("frank@example.com").await);
    let (status, page) = browser.page(&link).await;
    assert_eq!(status, 404);
    assert!(page.contains("does not work"));
}

#[tokio::test]
async fn bad_signups_get_field_errors_and_write_nothing() {
    let (app, mail) = spawn_with_mail(|s| s).await;
    let browser = Browser::new(&app);
    verified_user(&app, &mail, &browser, "grace", "grace@example.com").await;
    let before = users(&app).await;
    let long = "x".repeat(300);
    let cases: Vec<([(&str, &str); 4], &str)> = vec![
        (
            [
                ("username", ""),
                ("email", ""),
                ("password1", ""),
                ("password2", ""),
            ],
            "Enter a username.",
        ),
        (
            [
                ("username", &long),
                ("email", "a@example.com"),
                ("password1", PASSWORD),
                ("password2", PASSWORD),
            ],
            "at most 150 characters",
        ),
        (
            [
                ("username", "heidi"),
                ("email", "not-an-email"),
                ("password1", PASSWORD),
                ("password2", PASSWORD),
            ],
            "Enter a valid email address.",
        ),
        (
            [
                ("username", "he\u{202e}idi"),
                ("email", "h@example.com"),
                ("password1", PASSWORD),
                ("password2", PASSWORD),
            ],
            "Enter a valid username",
        ),
        (
            [
                ("username", "GRACE"),
                ("email", "g2@example.com"),
                ("password1", PASSWORD),
                ("password2", PASSWORD),
            ],
            "already exists",
        ),
        (
            [
                ("username", "heidi"),
                ("email", "Grace@Example.com"),
                ("password1", PASSWORD),
                ("password2", PASSWORD),
            ],
            "already registered",
        ),
        (
            [
                ("username", "heidi"),
                ("email", "h@example.com"),
                ("password1", "password123"),
                ("password2", "password123"),
            ],
            "too common",
        ),
        (
            [
                ("username", "heidi"),
                ("email", "h@example.com"),
                ("password1", PASSWORD),
                ("password2", "other"),
            ],
            "same password",
        ),
        (
            [
                ("username", "heidi"),
                ("email", "h@example.com"),
                ("password1", "heidi12345!"),
                ("password2", "heidi12345!"),
            ],
            "too similar to the username",
        ),
    ];
    for (fields, expected) in cases {
        let response = browser.fill("/accounts/signup/", &fields).await;
        assert_eq!(response.status(), 422, "{fields:?}");
        let page = crate::support::html(&response.text().await.unwrap());
        assert!(page.contains(expected), "{expected} for {fields:?}");
        // What was typed is kept (passwords are not).
        if fields[1].1 == "not-an-email" {
            assert!(page.contains("value=\"not-an-email\""));
            assert!(!page.contains(PASSWORD));
        }
    }
    assert_eq!(users(&app).await, before);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_until_the_window_passes() {
    let (app, mail) = spawn_with_mail(|s| {
        s.var("BUREAU_AUTH__LOCKOUT_ACCOUNT_FAILURES", "3")
            .var("BUREAU_AUTH__LOCKOUT_WINDOW_SECS", "2")
    })
    .await;
    let browser = Browser::new(&app);
    verified_user(&app, &mail, &browser, "ivan", "ivan@example.com").await;

    for _ in 0..3 {
        let failed = login(&browser, "ivan", "wrong password").await;
        assert_eq!(failed.status(), 422);
        let page = crate::support::html(&failed.text().await.unwrap());
        assert!(
            page.contains("The username/email or password is not correct."),
            "{page}"
        );
    }
    let locked = login(&browser, "ivan", PASSWORD).await;
    assert_eq!(locked.status(), 429);
    assert!(
        locked
            .text()
            .await
            .unwrap()
            .contains("Too many failed login attempts")
    );
    // By email too: it is the same account.
    assert_eq!(
        login(&browser, "ivan@example.com", PASSWORD).await.status(),
        429
    );

    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(login(&browser, "ivan", PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn the_client_address_is_locked_out_across_accounts() {
    let (app, _mail) = spawn_with_mail(|s| s.var("BUREAU_AUTH__LOCKOUT_IP_FAILURES", "4")).await;
    let browser = Browser::new(&app);
    for n in 0..4 {
        let name = format!("guess{n}");
        assert_eq!(login(&browser, &name, "x").await.status(), 422);
    }
    assert_eq!(login(&browser, "someone-else", "x").await.status(), 429);
}

/// An unknown account costs the same as a wrong password, so timing does not tell which
/// usernames exist. Production-cost hashing makes the difference plain if the decoy is missing.
#[tokio::test]
async fn unknown_accounts_take_as_long_as_wrong_passwords() {
    let (app, mail) = spawn_with_mail(|s| {
        s.var("BUREAU_AUTH__PASSWORD_MEMORY_KIB", "19456")
            .var("BUREAU_AUTH__PASSWORD_ITERATIONS", "2")
            .var("BUREAU_AUTH__LOCKOUT_ACCOUNT_FAILURES", "0")
            .var("BUREAU_AUTH__LOCKOUT_IP_FAILURES", "0")
    })
    .await;
    let browser = Browser::new(&app);
    verified_user(&app, &mail, &browser, "judy", "judy@example.com").await;
    let token = browser.csrf_token("/accounts/login/").await;
    let time = |login: &'static str| {
        let browser = &browser;
        let token = token.clone();
        async move {
            let mut samples = Vec::new();
            for _ in 0..7 {
                let start = std::time::Instant::now();
                let response = browser
                    .client
                    .post(browser.url("/accounts/login/"))
                    .form(&[
                        ("csrf_token", token.as_str()),
                        ("login", login),
                        ("password", "wrong password"),
                    ])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 422);
                samples.push(start.elapsed());
            }
            samples.sort();
            samples[samples.len() / 2]
        }
    };
    time("nobody").await; // the decoy hash is made on first use
    let unknown = time("nobody").await.as_secs_f64();
    let wrong = time("judy").await.as_secs_f64();
    let ratio = unknown / wrong;
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown {unknown:.4}s vs wrong password {wrong:.4}s"
    );
}

#[tokio::test]
async fn profile_changes_email_after_confirmation_and_deletes_the_account() {
    let (app, mail) = spawn_with_mail(|s| s).await;
    let browser = Browser::new(&app);
    verified_user(&app, &mail, &browser, "kim", "kim@example.com").await;
    verified_user(&app, &mail, &Browser::new(&app), "lee", "lee@example.com").await;
    login(&browser, "kim", PASSWORD).await;

    let taken = browser
        .fill("/accounts/email/", &[("email", "LEE@example.com")])
        .await;
    assert_eq!(taken.status(), 422);
    let asked = browser
        .fill("/accounts/email/", &[("email", "kim@new.example.com")])
        .await;
    assert_eq!(asked.status(), 303);
    // Not changed until the new address confirms.
    assert!(
        browser
            .page("/accounts/profile/")
            .await
            .1
            .contains("kim@example.com")
    );
    let link = link_path(&app, &mail.next_to("kim@new.example.com").await);
    browser.submit(&link, &link, &[]).await;
    let (_, profile) = browser.page("/accounts/profile/").await;
    assert!(
        profile.contains("You have confirmed kim@new.example.com."),
        "{profile}"
    );
    assert!(profile.contains("kim@new.example.com"));

    let unconfirmed = browser
        .fill("/accounts/delete/", &[("password", PASSWORD)])
        .await;
    assert_eq!(unconfirmed.status(), 422);
    let wrong = browser
        .fill(
            "/accounts/delete/",
            &[("password", "nope"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let before = users(&app).await;
    let deleted = browser
        .fill(
            "/accounts/delete/",
            &[("password", PASSWORD), ("confirm", "yes")],
        )
        .await;
    assert_eq!(deleted.status(), 303);
    assert_eq!(users(&app).await, before - 1);
    assert!(
        browser
            .page("/")
            .await
            .1
            .contains("The account kim and its data have been deleted.")
    );
    assert_eq!(login(&browser, "kim", PASSWORD).await.status(), 422);
}

#[tokio::test]
async fn pages_are_usable_on_a_phone_and_extend_the_layout() {
    let (app, _mail) = spawn_with_mail(|s| s).await;
    let browser = Browser::new(&app);
    for path in [
        "/accounts/signup/",
        "/accounts/login/",
        "/accounts/password/reset/",
    ] {
        let (status, page) = browser.page(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(page.contains("name=\"viewport\" content=\"width=device-width, initial-scale=1\""));
        assert!(
            page.contains("class=\"site-header\""),
            "{path} extends base.html"
        );
        assert!(
            page.contains("<label for=\"id_"),
            "{path} labels its fields"
        );
    }
}
