//! Mail: messages queued with `mail::enqueue` reach a real SMTP server (`tests/smtp_sink.py`) or
//! the mail folder, are retried when the server fails, and are sent once by several instances.

use std::collections::HashSet;
use std::time::Duration;

use bureau_core::entities::outbox;
use bureau_core::sea_orm::{
    ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, TransactionTrait,
};
use bureau_core::testing::TestApp;
use bureau_core::{AppState, ConfigSource};
use serde_json::json;

use crate::probe::Probe;
use crate::smtp::{Options, SmtpSink, Tls};
use crate::support::{app_with, spawn_with};

const LIMIT: Duration = Duration::from_secs(20);
const FROM: &str = "Bureau Tests <bureau@example.com>";

/// The app sends to the sink on `port` by plain SMTP and looks for mail every 20 ms.
pub(crate) fn smtp(port: u16) -> impl FnOnce(ConfigSource) -> ConfigSource {
    move |source| {
        source
            .var("BUREAU_MAIL__TRANSPORT", "smtp")
            .var("BUREAU_MAIL__FROM", FROM)
            .var("BUREAU_MAIL__SMTP_HOST", "127.0.0.1")
            .var("BUREAU_MAIL__SMTP_PORT", port.to_string())
            .var("BUREAU_MAIL__SMTP_TLS", "none")
            .var("BUREAU_MAIL__SMTP_TIMEOUT_SECS", "5")
            .var("BUREAU_MAIL__POLL_INTERVAL_MS", "20")
    }
}

async fn enqueue(db: &impl ConnectionTrait, state: &AppState, template: &str, name: &str) {
    bureau_core::mail::enqueue(
        db,
        state,
        &format!("{}@example.com", name.to_lowercase()),
        template,
        json!({ "name": name }),
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

/// Waits until the only outbox row satisfies `done`, and returns it.
async fn row_when(db: &DatabaseConnection, done: impl Fn(&outbox::Model) -> bool) -> outbox::Model {
    let start = std::time::Instant::now();
    loop {
        let rows = rows(db).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        if done(&rows[0]) {
            return rows[0].clone();
        }
        assert!(
            start.elapsed() < LIMIT,
            "outbox row never got there: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The value of header `name` in a raw message (unfolded headers only, which ours are).
fn header<'m>(message: &'m str, name: &str) -> Option<&'m str> {
    message
        .lines()
        .take_while(|line| !line.is_empty())
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
}

fn assert_sent_once(row: &outbox::Model) {
    assert_eq!(row.status, outbox::SENT, "{row:?}");
    assert_eq!(row.attempts, 1, "{row:?}");
    assert!(row.sent_at.is_some(), "{row:?}");
    assert!(
        row.claim_token.is_none() && row.claimed_until.is_none(),
        "{row:?}"
    );
}

#[tokio::test]
async fn mail_enqueued_arrives_by_smtp_with_text_and_html_parts() {
    let sink = SmtpSink::start(Options::default());
    let (app, _) = spawn_with(smtp(sink.port())).await;

    enqueue(app.state().db(), app.state(), "probe/mail/hello", "Ada").await;

    let messages = sink.wait_for(1, LIMIT).await;
    let message = &messages[0];
    assert_eq!(header(message, "X-MailFrom"), Some("bureau@example.com"));
    assert_eq!(header(message, "X-RcptTo"), Some("ada@example.com"));
    // lettre quotes a display name with a space in it, as RFC 5322 allows.
    assert_eq!(
        header(message, "From"),
        Some("\"Bureau Tests\" <bureau@example.com>")
    );
    assert_eq!(header(message, "To"), Some("ada@example.com"));
    assert_eq!(header(message, "Subject"), Some("Hello Ada"));
    assert!(
        header(message, "Content-Type").is_some_and(|t| t.starts_with("multipart/alternative")),
        "{message}"
    );
    assert!(message.contains("Content-Type: text/plain"), "{message}");
    assert!(
        message.contains("Hello Ada, this is the text part."),
        "{message}"
    );
    assert!(message.contains("Content-Type: text/html"), "{message}");
    assert!(
        message.contains("<p>Hello <b>Ada</b>, this is the HTML part.</p>"),
        "{message}"
    );
    let row = row_when(app.state().db(), |row| row.status == outbox::SENT).await;
    assert_sent_once(&row);
}

#[tokio::test]
async fn mail_is_sent_with_smtp_auth() {
    let sink = SmtpSink::start(Options {
        login: Some(("mailer".into(), "s3cret pass".into())),
        ..Options::default()
    });
    let (app, _) = spawn_with(|source| {
        smtp(sink.port())(source)
            .var("BUREAU_MAIL__SMTP_USERNAME", "mailer")
            .var("BUREAU_MAIL__SMTP_PASSWORD", "s3cret pass")
    })
    .await;

    enqueue(app.state().db(), app.state(), "probe/mail/hello", "Grace").await;

    let messages = sink.wait_for(1, LIMIT).await;
    assert_eq!(header(&messages[0], "Subject"), Some("Hello Grace"));
    let row = row_when(app.state().db(), |row| row.status == outbox::SENT).await;
    assert_sent_once(&row);
}

#[tokio::test]
async fn mail_refused_login_stays_pending_with_the_error_and_a_later_retry() {
    let sink = SmtpSink::start(Options {
        login: Some(("mailer".into(), "right".into())),
        ..Options::default()
    });
    let (app, _) = spawn_with(|source| {
        smtp(sink.port())(source)
            .var("BUREAU_MAIL__SMTP_USERNAME", "mailer")
            .var("BUREAU_MAIL__SMTP_PASSWORD", "wrong")
            .var("BUREAU_MAIL__RETRY_BASE_SECS", "3600")
    })
    .await;

    enqueue(app.state().db(), app.state(), "probe/mail/hello", "Mallory").await;

    let row = row_when(app.state().db(), |row| row.attempts >= 1).await;
    assert_eq!(row.status, outbox::PENDING, "{row:?}");
    assert_eq!(row.attempts, 1, "{row:?}");
    let error = row.last_error.as_deref().unwrap_or_default();
    assert!(error.contains("535"), "{row:?}");
    // The first retry waits retry_base_secs.
    assert!(
        (row.next_attempt_at - row.created_at).num_seconds() >= 3600,
        "{row:?}"
    );
    assert!(
        row.claim_token.is_none() && row.sent_at.is_none(),
        "{row:?}"
    );
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn mail_is_sent_over_starttls_to_a_server_trusted_through_smtp_ca_file() {
    let tls = Tls::self_signed();
    let sink = SmtpSink::start(Options {
        login: Some(("mailer".into(), "pw".into())),
        tls: Some(&tls),
        ..Options::default()
    });
    let ca_file = tls.cert.display().to_string();
    let (app, _) = spawn_with(|source| {
        smtp(sink.port())(source)
            .var("BUREAU_MAIL__SMTP_TLS", "starttls")
            .var("BUREAU_MAIL__SMTP_CA_FILE", ca_file)
            .var("BUREAU_MAIL__SMTP_USERNAME", "mailer")
            .var("BUREAU_MAIL__SMTP_PASSWORD", "pw")
    })
    .await;

    enqueue(app.state().db(), app.state(), "probe/mail/hello", "Alan").await;

    let messages = sink.wait_for(1, LIMIT).await;
    assert_eq!(header(&messages[0], "Subject"), Some("Hello Alan"));
    assert_sent_once(&row_when(app.state().db(), |row| row.status == outbox::SENT).await);
}

#[tokio::test]
async fn mail_starttls_to_an_untrusted_certificate_is_not_sent() {
    let tls = Tls::self_signed();
    let sink = SmtpSink::start(Options {
        tls: Some(&tls),
        ..Options::default()
    });
    let (app, _) = spawn_with(|source| {
        smtp(sink.port())(source)
            .var("BUREAU_MAIL__SMTP_TLS", "starttls")
            .var("BUREAU_MAIL__RETRY_BASE_SECS", "3600")
    })
    .await;

    enqueue(app.state().db(), app.state(), "probe/mail/hello", "Eve").await;

    let row = row_when(app.state().db(), |row| row.attempts >= 1).await;
    assert_eq!(row.status, outbox::PENDING, "{row:?}");
    assert!(row.last_error.is_some(), "{row:?}");
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn mail_settings_that_cannot_work_stop_the_start_naming_the_key() {
    let bureau = app_with(&Probe::default());
    let database = bureau_core::testing::TestDatabase::create().await;
    let missing = database.dir.path().join("no-such-ca.pem");
    let cases = [
        (
            vec![
                ("BUREAU_MAIL__TRANSPORT", "smtp".to_owned()),
                ("BUREAU_MAIL__SMTP_CA_FILE", missing.display().to_string()),
            ],
            "mail.smtp_ca_file",
        ),
        (
            vec![("BUREAU_MAIL__FROM", "not an address".to_owned())],
            "mail.from",
        ),
        (
            vec![("BUREAU_MAIL__POLL_INTERVAL_MS", "0".to_owned())],
            "mail.poll_interval_ms",
        ),
    ];
    for (vars, key) in cases {
        let source = vars
            .into_iter()
            .fold(database.config_source(&bureau), |source, (name, value)| {
                source.var(name, value)
            });
        match bureau.start(&source).await {
            Ok(_) => panic!("started with a bad {key}"),
            Err(error) => assert!(error.to_string().contains(key), "{key}: {error}"),
        }
    }
}

#[tokio::test]
async fn mail_file_transport_writes_eml_files_into_the_data_folder() {
    let (app, _) = spawn_with(|source| source.var("BUREAU_MAIL__POLL_INTERVAL_MS", "20")).await;

    enqueue(app.state().db(), app.state(), "probe/mail/plain", "Ada").await;

    let row = row_when(app.state().db(), |row| row.status == outbox::SENT).await;
    assert_sent_once(&row);
    let folder = app.database.dir.path().join("mail");
    let files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].extension().is_some_and(|ext| ext == "eml"));
    let message = std::fs::read_to_string(&files[0]).unwrap();
    assert_eq!(header(&message, "Subject"), Some("Plain note for Ada"));
    assert_eq!(header(&message, "To"), Some("ada@example.com"));
    // No HTML template: a plain text message, not a multipart one.
    assert!(
        header(&message, "Content-Type").is_some_and(|t| t.starts_with("text/plain")),
        "{message}"
    );
    assert!(message.contains("Only text for Ada."), "{message}");
}

#[tokio::test]
async fn mail_two_instances_on_one_database_send_each_message_once() {
    let sink = SmtpSink::start(Options::default());
    let bureau = app_with(&Probe::default());
    let first = TestApp::spawn_with(&bureau, smtp(sink.port())).await;
    let second = bureau.start(&first.source).await.unwrap();
    let state = first.state();

    // One transaction, so all 30 become due at once and both workers race for them.
    let txn = state.db().begin().await.unwrap();
    for n in 0..30 {
        enqueue(&txn, state, "probe/mail/hello", &format!("N{n}")).await;
    }
    txn.commit().await.unwrap();

    sink.wait_for(30, LIMIT).await;
    // A duplicate would arrive about as fast as the originals; give it the chance.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages = sink.messages();
    let subjects: HashSet<_> = messages
        .iter()
        .filter_map(|message| header(message, "Subject"))
        .collect();
    assert_eq!(messages.len(), 30);
    assert_eq!(subjects.len(), 30);
    let rows = rows(state.db()).await;
    assert_eq!(rows.len(), 30);
    rows.iter().for_each(assert_sent_once);
    second.shutdown().await.unwrap();
}

#[tokio::test]
async fn mail_to_a_server_that_is_down_is_retried_and_delivered_once_it_is_up() {
    // A port nothing listens on, until the sink is started on it below.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (app, _) = spawn_with(|source| {
        smtp(port)(source)
            .var("BUREAU_MAIL__RETRY_BASE_SECS", "1")
            .var("BUREAU_MAIL__SMTP_TIMEOUT_SECS", "1")
    })
    .await;
    let db = app.state().db();

    enqueue(db, app.state(), "probe/mail/hello", "Linus").await;

    let failed = row_when(db, |row| row.attempts >= 1).await;
    assert_eq!(failed.status, outbox::PENDING, "{failed:?}");
    assert!(failed.last_error.is_some(), "{failed:?}");
    assert!(
        (failed.next_attempt_at - failed.created_at).num_seconds() >= 1,
        "{failed:?}"
    );

    let sink = SmtpSink::start(Options {
        port,
        ..Options::default()
    });
    let messages = sink.wait_for(1, LIMIT).await;
    assert_eq!(header(&messages[0], "Subject"), Some("Hello Linus"));
    let sent = row_when(db, |row| row.status == outbox::SENT).await;
    assert!(sent.attempts >= 2, "{sent:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sink.messages().len(), 1);
}
