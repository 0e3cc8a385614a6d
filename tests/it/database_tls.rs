//! TLS settings in `database.url` are honoured: PostgreSQL with `sslmode=require` talks TLS on
//! every connection of the app's pool, `sslmode=verify-full` with a CA that did not sign the
//! server's certificate stops the start with a clear error, and MariaDB (which has TLS off here)
//! refuses `ssl-mode=REQUIRED`. Production warns about a remote database without TLS required.
//! The server tests need BUREAU_TEST_DATABASE_URL naming that server, and skip otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;

use bureau_core::ConfigSource;
use bureau_core::sea_orm::{ConnectionTrait, DbBackend, Statement};
use bureau_core::testing::{DATABASE_VAR, TestDatabase};

use crate::probe::Probe;
use crate::support::{app_with, bureau, stderr, stdout};

/// The test database server's scheme, when one is named.
fn server() -> Option<String> {
    let url = std::env::var(DATABASE_VAR).ok()?;
    Some(url.split("://").next()?.to_owned())
}

fn with_parameters(url: &str, parameters: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{parameters}")
}

/// Whether the session running this statement is encrypted, as the server sees it.
async fn ssl(db: &impl ConnectionTrait) -> bool {
    let sql = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<bool>(0).unwrap()
}

#[tokio::test]
async fn postgres_pool_connections_use_tls_when_the_url_requires_it() {
    if server().as_deref() != Some("postgres") {
        eprintln!("skipped: needs {DATABASE_VAR}=postgres://...");
        return;
    }
    let app = app_with(&Probe::default());
    for (mode, encrypted) in [("disable", false), ("require", true)] {
        let database = TestDatabase::create().await;
        let url = with_parameters(&database.url, &format!("sslmode={mode}"));
        let source = database
            .config_source(&app)
            .var("BUREAU_DATABASE__URL", url)
            .var("BUREAU_DATABASE__MIN_CONNECTIONS", "3");
        let server = app.start(&source).await.unwrap();
        let db = server.state().db();

        // Several statements at once, so they run on several of the pool's connections.
        let answers = futures_util::future::join_all((0..3).map(|_| ssl(db))).await;
        let sql = "SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_ssl s \
                   JOIN pg_stat_activity a ON a.pid = s.pid WHERE a.datname = current_database()";
        let row = db
            .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await
            .unwrap()
            .unwrap();
        let (tls, all): (i64, i64) = (
            row.try_get_by_index(0).unwrap(),
            row.try_get_by_index(1).unwrap(),
        );

        assert_eq!(answers, vec![encrypted; 3], "sslmode={mode}");
        assert!(all >= 1);
        assert_eq!(
            tls,
            if encrypted { all } else { 0 },
            "sslmode={mode}: {tls} of the database's {all} connections use TLS"
        );
        server.shutdown().await.unwrap();
    }
}

/// A CA certificate of our own, which signed nothing the server has.
fn foreign_ca(dir: &Path) -> PathBuf {
    let (cert, key) = (dir.join("ca.pem"), dir.join("ca.key"));
    let output = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
        .args(["-subj", "/CN=Not the database's CA"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("running openssl");
    assert!(output.status.success(), "openssl: {}", stderr(&output));
    cert
}

#[tokio::test]
async fn postgres_verify_full_with_a_foreign_ca_stops_the_start_with_a_clear_error() {
    if server().as_deref() != Some("postgres") {
        eprintln!("skipped: needs {DATABASE_VAR}=postgres://...");
        return;
    }
    let database = TestDatabase::create().await;
    let ca = foreign_ca(database.dir.path());
    let url = with_parameters(
        &database.url,
        &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
    );
    let data_dir = database.dir.path().display().to_string();

    // The real binary, as an operator starts it.
    let output = bureau(
        database.dir.path(),
        &["serve"],
        &[
            ("BUREAU_DATABASE__URL", &url),
            ("BUREAU_APP__DATA_DIR", &data_dir),
            ("BUREAU_APP__LOAD_DEMO_FIXTURES", "false"),
            ("BUREAU_SERVER__ADDR", "127.0.0.1:0"),
        ],
    );

    let error = stderr(&output);
    assert!(!output.status.success(), "{}", stdout(&output));
    assert!(error.contains("cannot connect to the database"), "{error}");
    assert!(
        error.to_lowercase().contains("certificate"),
        "the error says the certificate was refused: {error}"
    );
    assert!(!error.contains("panicked"), "{error}");
}

#[tokio::test]
async fn mariadb_ssl_mode_required_refuses_a_server_without_tls() {
    if server().as_deref() != Some("mysql") {
        eprintln!("skipped: needs {DATABASE_VAR}=mysql://...");
        return;
    }
    let app = app_with(&Probe::default());
    let database = TestDatabase::create().await;
    let source = database.config_source(&app).var(
        "BUREAU_DATABASE__URL",
        with_parameters(&database.url, "ssl-mode=REQUIRED"),
    );

    let error = match app.start(&source).await {
        Ok(_) => panic!("started without TLS although ssl-mode=REQUIRED"),
        Err(error) => error.to_string(),
    };

    assert!(error.contains("cannot connect to the database"), "{error}");
    assert!(error.to_lowercase().contains("tls"), "{error}");
}

#[test]
fn production_warns_about_a_remote_database_without_tls() {
    let production = |url: &str| {
        ConfigSource::defaults(bureau::app().defaults())
            .var("BUREAU_APP__PROFILE", "production")
            .var("BUREAU_APP__DEBUG", "false")
            .var("BUREAU_APP__LOAD_DEMO_FIXTURES", "false")
            .var("BUREAU_SERVER__ALLOWED_HOSTS", "example.com")
            .var("BUREAU_CORS__ALLOWED_ORIGINS", "")
            .var(
                "BUREAU_SECURITY__SECRET_KEY",
                "Zq3x9Lw2Vb7Nc4Mk8Jh1Gf6Dd5Ss0Aa_-+",
            )
            .var("BUREAU_MAIL__TRANSPORT", "smtp")
            .var("BUREAU_DATABASE__URL", url)
    };
    let warnings = |url: &str| bureau::app().config(&production(url)).unwrap().warnings();

    let remote = warnings("postgres://bureau:pw@db.example.com/bureau");
    assert_eq!(remote.len(), 1, "{remote:?}");
    assert!(remote[0].contains("sslmode=verify-full"), "{remote:?}");
    assert!(!remote[0].contains("pw@"), "the password is not shown");
    assert_eq!(
        warnings("mysql://bureau@10.0.0.7/bureau").len(),
        1,
        "MySQL too"
    );
    for quiet in [
        "postgres://bureau@db.example.com/bureau?sslmode=verify-full&sslrootcert=/etc/ca.pem",
        "mysql://bureau@db.example.com/bureau?ssl-mode=REQUIRED",
        "postgres://bureau@127.0.0.1/bureau",
    ] {
        assert_eq!(warnings(quiet), Vec::<String>::new(), "{quiet}");
    }
}
