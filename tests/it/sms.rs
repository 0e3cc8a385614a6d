//! SMS: messages queued with `sms::enqueue` in the caller's transaction reach Twilio (a local
//! stand-in, `twilio.rs`) or the log sender's file, are retried when Twilio is busy or failing,
//! are given up on when it refuses them, and are sent once by several instances.

use std::collections::HashSet;
use std::time::Duration;

use bureau_core::auth::users::{self, NewUser};
use bureau_core::entities::outbox;
use bureau_core::sea_orm::{
    ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, TransactionTrait,
};
use bureau_core::testing::TestApp;
use bureau_core::{AppState, ConfigSource, Error};
use serde_json::json;

use crate::probe::Probe;
use crate::support::{admin_login, app_with, html, spawn_with};
use crate::twilio::{ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, INVALID_NUMBER, Scripted};

const LIMIT: Duration = Duration::from_secs(20);
const FROM: &str = "+14155550100";
const TO: &str = "+14155550123";

/// The app sends SMS through the Twilio stand-in at `url` and looks for messages every 20 ms.
fn twilio(url: &str) -> impl FnOnce(ConfigSource) -> ConfigSource {
    move |source| {
        source
            .var("BUREAU_SMS__TRANSPORT", "twilio")
            .var("BUREAU_SMS__TWILIO_BASE_URL", url)
            .var("BUREAU_SMS__TWILIO_ACCOUNT_SID", ACCOUNT_SID)
            .var("BUREAU_SMS__TWILIO_AUTH_TOKEN", AUTH_TOKEN)
            .var("BUREAU_SMS__FROM", FROM)
            .var("BUREAU_SMS__TIMEOUT_SECS", "5")
            .var("BUREAU_MAIL__POLL_INTERVAL_MS", "20")
    }
}

async fn enqueue(db: &impl ConnectionTrait, state: &AppState, to: &str, name: &str) {
    bureau_core::sms::enqueue(
        db,
        state,
        to,
        "probe/sms/code",
        json!({ "name": name, "code": "123456" }),
    )
    .await
    .unwrap();
}

async fn rows(db: &DatabaseConnection) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await
        .unwrap()
}

/// Waits until there are `count` outbox rows and every one satisfies `done`; returns them.
async fn rows_when(
    db: &DatabaseConnection,
    count: usize,
    done: impl Fn(&outbox::Model) -> bool,
) -> Vec<outbox::Model> {
    let start = std::time::Instant::now();
    loop {
        let rows = rows(db).await;
        assert!(rows.len() <= count, "{rows:?}");
        if rows.len() == count && rows.iter().all(&done) {
            return rows;
        }
        assert!(
            start.elapsed() < LIMIT,
            "outbox rows never got there: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn row_when(db: &DatabaseConnection, done: impl Fn(&outbox::Model) -> bool) -> outbox::Model {
    rows_when(db, 1, done).await.remove(0)
}

fn assert_sent_once(row: &outbox::Model) {
    assert_eq!(row.channel, outbox::SMS, "{row:?}");
    assert_eq!(row.status, outbox::SENT, "{row:?}");
    assert_eq!(row.attempts, 1, "{row:?}");
    assert!(row.sent_at.is_some(), "{row:?}");
    assert!(
        row.claim_token.is_none() && row.claimed_until.is_none(),
        "{row:?}"
    );
}

#[tokio::test]
async fn sms_committed_is_delivered_once_with_exact_fields_and_a_rolled_back_one_never() {
    let (fake, url) = FakeTwilio::start().await;
    let (app, _) = spawn_with(twilio(&url)).await;
    let (state, db) = (app.state(), app.state().db());

    let txn = db.begin().await.unwrap();
    enqueue(&txn, state, "+14155550999", "Rolled Back").await;
    txn.rollback().await.unwrap();
    let txn = db.begin().await.unwrap();
    enqueue(&txn, state, TO, "Ada").await;
    txn.commit().await.unwrap();

    let delivered = fake.wait_for(1, LIMIT).await;
    let row = row_when(db, |row| row.status == outbox::SENT).await;
    assert_sent_once(&row);
    assert_eq!(row.recipient, TO);
    assert_eq!(row.subject, "");
    assert_eq!(row.text_body, "Your code for Ada is 123456.");
    assert_eq!(row.html_body, None);
    let request = &delivered[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
    );
    assert_eq!(
        request.login,
        Some((ACCOUNT_SID.to_owned(), AUTH_TOKEN.to_owned()))
    );
    assert_eq!(
        request.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let form: Vec<(&str, &str)> = request
        .form
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    assert_eq!(
        form,
        [
            ("To", TO),
            ("From", FROM),
            ("Body", "Your code for Ada is 123456.")
        ]
    );
    // A duplicate, or the rolled-back message, would come about as fast; give it the chance.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.received().len(), 1, "{:?}", fake.received());
}

#[tokio::test]
async fn sms_from_a_messaging_service_is_sent_with_its_sid_instead_of_from() {
    const SERVICE: &str = "MG0123456789abcdef0123456789abcdef";
    let (fake, url) = FakeTwilio::start().await;
    let (app, _) = spawn_with(|source| twilio(&url)(source).var("BUREAU_SMS__FROM", SERVICE)).await;

    enqueue(app.state().db(), app.state(), TO, "Grace").await;

    let delivered = fake.wait_for(1, LIMIT).await;
    assert_eq!(delivered[0].field("MessagingServiceSid"), Some(SERVICE));
    assert_eq!(delivered[0].field("From"), None);
    assert_sent_once(&row_when(app.state().db(), |row| row.status == outbox::SENT).await);
}

#[tokio::test]
async fn sms_is_retried_after_a_500_and_a_429_and_delivered_once_twilio_recovers() {
    let (fake, url) = FakeTwilio::start().await;
    fake.script(&[Scripted::ServerError, Scripted::TooManyRequests]);
    let (app, _) =
        spawn_with(|source| twilio(&url)(source).var("BUREAU_MAIL__RETRY_BASE_SECS", "1")).await;
    let db = app.state().db();

    enqueue(db, app.state(), TO, "Linus").await;

    let failed = row_when(db, |row| row.attempts >= 1).await;
    assert_eq!(failed.status, outbox::PENDING, "{failed:?}");
    let error = failed.last_error.as_deref().unwrap_or_default();
    assert!(error.contains("500"), "{failed:?}");
    assert!(
        (failed.next_attempt_at - failed.created_at).num_seconds() >= 1,
        "{failed:?}"
    );
    let sent = row_when(db, |row| row.status == outbox::SENT).await;
    assert_eq!(sent.attempts, 3, "{sent:?}");
    assert!(
        sent.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("429"),
        "the last failure is kept: {sent:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let statuses: Vec<u16> = fake.received().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 429, 201]);
    assert!(
        fake.received()
            .iter()
            .all(|r| r.field("Body") == Some("Your code for Linus is 123456."))
    );
}

#[tokio::test]
async fn sms_to_a_number_twilio_refuses_fails_at_once_with_twilios_message() {
    let (fake, url) = FakeTwilio::start().await;
    let (app, _) =
        spawn_with(|source| twilio(&url)(source).var("BUREAU_MAIL__RETRY_BASE_SECS", "1")).await;
    let db = app.state().db();

    enqueue(db, app.state(), INVALID_NUMBER, "Nobody").await;

    let row = row_when(db, |row| row.status == outbox::FAILED).await;
    assert_eq!(row.attempts, 1, "{row:?}");
    assert!(
        row.sent_at.is_none() && row.claim_token.is_none(),
        "{row:?}"
    );
    let error = row.last_error.as_deref().unwrap_or_default();
    assert!(error.contains("400"), "{error}");
    assert!(
        error.contains(&format!(
            "error 21211: The 'To' number {INVALID_NUMBER} is not a valid phone number."
        )),
        "{error}"
    );
    assert!(
        error.contains("https://www.twilio.com/docs/errors/21211"),
        "{error}"
    );
    // A retry would come after retry_base_secs.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(fake.received().len(), 1, "{:?}", fake.received());
    assert_eq!(rows(db).await[0].status, outbox::FAILED);
}

#[tokio::test]
async fn sms_with_a_wrong_auth_token_fails_at_once_and_the_token_is_not_in_the_error() {
    let (fake, url) = FakeTwilio::start().await;
    let (app, _) = spawn_with(|source| {
        twilio(&url)(source)
            .var("BUREAU_SMS__TWILIO_AUTH_TOKEN", "wrong-token")
            .var("BUREAU_MAIL__RETRY_BASE_SECS", "1")
    })
    .await;
    let db = app.state().db();

    enqueue(db, app.state(), TO, "Mallory").await;

    let row = row_when(db, |row| row.status == outbox::FAILED).await;
    let error = row.last_error.as_deref().unwrap_or_default();
    assert!(
        error.contains("401") && error.contains("error 20003"),
        "{error}"
    );
    assert!(!error.contains("wrong-token"), "{error}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(fake.received().len(), 1);
    assert_eq!(
        fake.received()[0].login,
        Some((ACCOUNT_SID.to_owned(), "wrong-token".to_owned()))
    );
}

#[tokio::test]
async fn sms_to_twilio_while_it_is_unreachable_stays_pending_for_a_retry() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let (app, _) =
        spawn_with(|source| twilio(&url)(source).var("BUREAU_MAIL__RETRY_BASE_SECS", "3600")).await;
    let db = app.state().db();

    enqueue(db, app.state(), TO, "Offline").await;

    let row = row_when(db, |row| row.attempts >= 1).await;
    assert_eq!(row.status, outbox::PENDING, "{row:?}");
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|error| error.contains(&format!("127.0.0.1:{port}"))),
        "{row:?}"
    );
    assert!(
        (row.next_attempt_at - row.created_at).num_seconds() >= 3600,
        "{row:?}"
    );
}

#[tokio::test]
async fn sms_log_sender_writes_json_lines_into_the_data_folder() {
    let (app, _) = spawn_with(|source| source.var("BUREAU_MAIL__POLL_INTERVAL_MS", "20")).await;
    let (state, db) = (app.state(), app.state().db());

    enqueue(db, state, TO, "Ada").await;
    enqueue(db, state, "+4915123456789", "Jürgen \"J\"").await;

    let rows = rows_when(db, 2, |row| row.status == outbox::SENT).await;
    rows.iter().for_each(assert_sent_once);
    let file = app.database.dir.path().join("sms/outbox.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for line in &lines {
        let object = line.as_object().unwrap();
        let keys: HashSet<&str> = object.keys().map(String::as_str).collect();
        assert_eq!(keys, HashSet::from(["to", "body", "at"]), "{line}");
        let at = line["at"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
        seen.push((line["to"].as_str().unwrap(), line["body"].as_str().unwrap()));
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            ("+14155550123", "Your code for Ada is 123456."),
            ("+4915123456789", "Your code for Jürgen \"J\" is 123456."),
        ]
    );
}

#[tokio::test]
async fn sms_bad_numbers_and_bodies_are_refused_at_enqueue_and_nothing_is_written() {
    let (app, _) = spawn_with(|source| source).await;
    let (state, db) = (app.state(), app.state().db());

    for to in [
        "",
        "0612345678",
        "14155550123",
        "+1415555",
        "+1234567890123456",
        "+04155550123",
        "+1 415 555 0123",
        "+1-415-555-0123",
        "+1415555012a",
        "tel:+14155550123",
        "+14155550123\n",
    ] {
        let txn = db.begin().await.unwrap();
        let refused = bureau_core::sms::enqueue(
            &txn,
            state,
            to,
            "probe/sms/code",
            json!({ "name": "X", "code": "1" }),
        )
        .await;
        txn.commit().await.unwrap();
        match refused {
            Err(error @ Error::BadRequest(_)) => {
                assert_eq!(error.status(), 400);
                assert!(error.to_string().contains("E.164"), "{to:?}: {error}");
            }
            other => panic!("{to:?} was not refused: {other:?}"),
        }
    }
    for text in [" \n ".to_owned(), "x".repeat(1601)] {
        let refused =
            bureau_core::sms::enqueue(db, state, TO, "probe/sms/echo", json!({ "text": text }))
                .await;
        assert!(matches!(refused, Err(Error::BadRequest(_))), "{refused:?}");
    }
    assert!(rows(db).await.is_empty());
    // The longest body that can be sent is accepted.
    bureau_core::sms::enqueue(
        db,
        state,
        TO,
        "probe/sms/echo",
        json!({ "text": "x".repeat(1600) }),
    )
    .await
    .unwrap();
    assert_eq!(rows(db).await.len(), 1);
}

#[tokio::test]
async fn sms_two_instances_on_one_database_send_each_message_once() {
    let (fake, url) = FakeTwilio::start().await;
    let bureau = app_with(&Probe::default());
    let first = TestApp::spawn_with(&bureau, twilio(&url)).await;
    let second = bureau.start(&first.source).await.unwrap();
    let state = first.state();

    // One transaction, so all 30 become due at once and both workers race for them.
    let txn = state.db().begin().await.unwrap();
    for n in 0..30 {
        enqueue(&txn, state, &format!("+1415555{n:04}"), &format!("N{n}")).await;
    }
    txn.commit().await.unwrap();

    fake.wait_for(30, LIMIT).await;
    // A duplicate would arrive about as fast as the originals; give it the chance.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = fake.received();
    let numbers: HashSet<_> = received.iter().filter_map(|r| r.field("To")).collect();
    assert_eq!(received.len(), 30);
    assert_eq!(numbers.len(), 30);
    let rows = rows(state.db()).await;
    assert_eq!(rows.len(), 30);
    rows.iter().for_each(assert_sent_once);
    second.shutdown().await.unwrap();
}

/// Environment variables a case sets.
type Vars = &'static [(&'static str, &'static str)];

#[tokio::test]
async fn sms_settings_that_cannot_work_stop_the_start_naming_the_key() {
    let bureau = app_with(&Probe::default());
    let database = bureau_core::testing::TestDatabase::create().await;
    let cases: [(Vars, &[&str]); 5] = [
        (
            &[("BUREAU_SMS__TRANSPORT", "twilio")],
            &[
                "sms.twilio_account_sid",
                "sms.twilio_auth_token",
                "sms.from",
            ],
        ),
        (
            &[
                ("BUREAU_SMS__TRANSPORT", "twilio"),
                ("BUREAU_SMS__TWILIO_ACCOUNT_SID", ACCOUNT_SID),
                ("BUREAU_SMS__TWILIO_AUTH_TOKEN", AUTH_TOKEN),
                ("BUREAU_SMS__FROM", "Bureau Shop 24"),
                ("BUREAU_SMS__TWILIO_BASE_URL", "ftp://api.twilio.com"),
            ],
            &["sms.from", "sms.twilio_base_url"],
        ),
        (
            &[
                ("BUREAU_SMS__TRANSPORT", "twilio"),
                ("BUREAU_SMS__TWILIO_ACCOUNT_SID", "AC../../x"),
                ("BUREAU_SMS__TWILIO_AUTH_TOKEN", AUTH_TOKEN),
                ("BUREAU_SMS__FROM", FROM),
            ],
            &["sms.twilio_account_sid"],
        ),
        (&[("BUREAU_SMS__TIMEOUT_SECS", "0")], &["sms.timeout_secs"]),
        (&[("BUREAU_SMS__TRANSPORT", "pigeon")], &["sms.transport"]),
    ];
    for (vars, keys) in cases {
        let source = vars
            .iter()
            .fold(database.config_source(&bureau), |source, (name, value)| {
                source.var(*name, *value)
            });
        match bureau.start(&source).await {
            Ok(_) => panic!("started with {vars:?}"),
            Err(error) => {
                let message = error.to_string();
                for key in keys {
                    assert!(message.contains(key), "{key}: {message}");
                }
                assert!(!message.contains(AUTH_TOKEN), "{message}");
            }
        }
    }
}

#[tokio::test]
async fn sms_log_sender_is_accepted_by_the_production_profile() {
    let (app, _) = spawn_with(|source| {
        source
            .var("BUREAU_APP__PROFILE", "production")
            .var("BUREAU_APP__DEBUG", "false")
            .var("BUREAU_SERVER__ALLOWED_HOSTS", "127.0.0.1")
            .var("BUREAU_CORS__ALLOWED_ORIGINS", "")
            .var(
                "BUREAU_SECURITY__SECRET_KEY",
                "Zq3x9Lw2Vb7Nc4Mk8Jh1Gf6Dd5Ss0Aa_-+",
            )
            .var("BUREAU_AUTH__PASSWORD_MEMORY_KIB", "19456")
            .var("BUREAU_AUTH__PASSWORD_ITERATIONS", "2")
            .var("BUREAU_MAIL__POLL_INTERVAL_MS", "20")
    })
    .await;
    assert!(app.state().config().is_production());

    enqueue(app.state().db(), app.state(), TO, "Prod").await;

    assert_sent_once(&row_when(app.state().db(), |row| row.status == outbox::SENT).await);
    let file = app.database.dir.path().join("sms/outbox.jsonl");
    assert!(
        std::fs::read_to_string(file)
            .unwrap()
            .contains("Your code for Prod is 123456.")
    );
}

#[tokio::test]
async fn sms_outbox_panel_shows_and_filters_the_channel() {
    // The worker never runs within the test, so both rows stay as they were written.
    let (app, _) =
        spawn_with(|source| source.var("BUREAU_MAIL__POLL_INTERVAL_MS", "3600000")).await;
    let (state, db) = (app.state(), app.state().db());
    let new = NewUser {
        username: "root".to_owned(),
        email: "root@example.com".to_owned(),
        password: crate::support::PASSWORD.to_owned(),
        is_staff: true,
        is_superuser: true,
        email_verified: true,
    };
    users::create(db, state, &new).await.unwrap();
    bureau_core::mail::enqueue(
        db,
        state,
        "ada@example.com",
        "probe/mail/plain",
        json!({ "name": "Ada" }),
    )
    .await
    .unwrap();
    enqueue(db, state, TO, "Ada").await;
    let browser = admin_login(&app, "root").await;

    let (status, all) = browser.page("/admin/core/outbox/").await;
    let (_, sms) = browser.page("/admin/core/outbox/?channel=sms").await;
    let (_, mail) = browser.page("/admin/core/outbox/?channel=mail").await;

    assert_eq!(status, 200);
    let (all, sms, mail) = (html(&all), html(&sms), html(&mail));
    assert!(all.contains(TO) && all.contains("ada@example.com"), "{all}");
    assert!(
        sms.contains(TO) && !sms.contains("ada@example.com"),
        "{sms}"
    );
    assert!(
        mail.contains("ada@example.com") && !mail.contains(TO),
        "{mail}"
    );
    assert!(
        all.contains("channel=sms"),
        "the filter offers the channel: {all}"
    );
}
