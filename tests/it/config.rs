//! Configuration from config.toml, .env and BUREAU_<SECTION>__<KEY>: mistakes stop the app with
//! a message naming the key, where it was set, and what was expected.

use bureau_core::ConfigSource;

use crate::support::{bureau, stderr, stdout};

pub(crate) fn check_fails_with(env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output = bureau(dir.path(), &["check"], env);
    assert!(!output.status.success(), "check passed with {env:?}");
    stderr(&output)
}

#[test]
fn an_unknown_key_in_the_environment_is_named_with_its_variable() {
    let message = check_fails_with(&[("BUREAU_SERVER__ADRR", "0.0.0.0:80")]);

    assert!(
        message.contains("environment variable BUREAU_SERVER__ADRR"),
        "{message}"
    );
    assert!(
        message.contains("unknown key `server.adrr`; expected one of: addr, allowed_hosts"),
        "{message}"
    );
}

#[test]
fn a_bad_value_is_named_with_what_was_expected() {
    let message = check_fails_with(&[("BUREAU_DATABASE__MAX_CONNECTIONS", "lots")]);

    assert!(
        message.contains("environment variable BUREAU_DATABASE__MAX_CONNECTIONS"),
        "{message}"
    );
    assert!(
        message.contains(r#"bad value for `database.max_connections`: found string "lots", expected a whole number, 0 or more"#),
        "{message}"
    );
}

#[test]
fn bad_values_with_rules_of_their_own_explain_the_rule() {
    let url = check_fails_with(&[("BUREAU_DATABASE__URL", "oracle://db/x")]);
    let addr = check_fails_with(&[("BUREAU_SERVER__ADDR", "localhost")]);
    let profile = check_fails_with(&[("BUREAU_APP__PROFILE", "prod")]);
    let hosts = check_fails_with(&[("BUREAU_SERVER__ALLOWED_HOSTS", "https://example.com")]);

    assert!(
        url.contains(
            "expected a database URL starting with sqlite://, postgres://, mysql:// or mariadb://"
        ),
        "{url}"
    );
    assert!(addr.contains("bad value for `server.addr`"), "{addr}");
    assert!(
        profile.contains(r#"found "prod", expected one of: dev, production"#),
        "{profile}"
    );
    assert!(
        hosts.contains("expected a host name without scheme, path or port"),
        "{hosts}"
    );
}

#[test]
fn a_variable_with_one_underscore_is_not_silently_ignored() {
    let message = check_fails_with(&[("BUREAU_DATABASE_URL", "postgres://db/x")]);

    assert!(
        message.contains("BUREAU_DATABASE_URL is not a configuration variable"),
        "{message}"
    );
    assert!(message.contains("BUREAU_<SECTION>__<KEY>"), "{message}");
}

#[test]
fn mistakes_in_the_config_file_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[server]\nadrr = \"0.0.0.0:80\"\n\n[servers]\n",
    )
    .unwrap();

    let output = bureau(dir.path(), &["check"], &[]);

    let message = stderr(&output);
    assert!(!output.status.success());
    assert!(
        message.contains("configuration error in config.toml"),
        "{message}"
    );
    assert!(
        message.contains("unknown key `server.adrr`")
            || message.contains("unknown section [servers]"),
        "{message}"
    );
}

#[test]
fn a_missing_config_file_named_explicitly_is_an_error() {
    let dir = tempfile::tempdir().unwrap();

    let output = bureau(dir.path(), &["--config", "nope.toml", "check"], &[]);

    assert!(!output.status.success());
    assert!(stderr(&output).contains("config file nope.toml does not exist"));
}

#[test]
fn dotenv_is_read_and_the_environment_wins_over_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "# local settings\nBUREAU_DATABASE__URL=oracle://not/used\nBUREAU_LOG__LEVEL=warn\nOTHER_TOOL=ignored\n",
    )
    .unwrap();
    let db = format!("sqlite://{}/x.db", dir.path().display());

    let output = bureau(dir.path(), &["check"], &[("BUREAU_DATABASE__URL", &db)]);

    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("from the built-in defaults, .env, the environment"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_bad_value_in_dotenv_names_dotenv() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "BUREAU_SERVER__COMPRESSION=maybe\n",
    )
    .unwrap();

    let output = bureau(dir.path(), &["check"], &[]);

    let message = stderr(&output);
    assert!(
        message.contains("environment variable BUREAU_SERVER__COMPRESSION (from .env)"),
        "{message}"
    );
    assert!(message.contains("expected true or false"), "{message}");
}

#[test]
fn production_refuses_debug_no_hosts_demo_data_and_no_secret_key() {
    let message = check_fails_with(&[("BUREAU_APP__PROFILE", "production")]);

    assert!(
        message.contains("the production profile refuses to start"),
        "{message}"
    );
    assert!(message.contains("app.debug is on"), "{message}");
    assert!(
        message.contains("server.allowed_hosts is empty"),
        "{message}"
    );
    assert!(
        message.contains("security.secret_key is not set"),
        "{message}"
    );
    assert!(
        message.contains("app.load_demo_fixtures is on"),
        "{message}"
    );
}

#[test]
fn production_refuses_a_weak_or_example_secret_key() {
    let production = [
        ("BUREAU_APP__PROFILE", "production"),
        ("BUREAU_APP__DEBUG", "false"),
        ("BUREAU_APP__LOAD_DEMO_FIXTURES", "false"),
        ("BUREAU_SERVER__ALLOWED_HOSTS", "example.com"),
    ];
    let with_key = |key: &'static str| {
        let mut env = production.to_vec();
        env.push(("BUREAU_SECURITY__SECRET_KEY", key));
        check_fails_with(&env)
    };

    assert!(with_key("short").contains("security.secret_key is shorter than 32 characters"));
    assert!(
        with_key("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
            .contains("fewer than 10 distinct characters")
    );
    assert!(
        with_key("change-me-to-a-long-random-string-of-at-least-32-characters")
            .contains("example value")
    );
}

#[test]
fn production_starts_with_everything_set() {
    let source = ConfigSource::defaults(bureau::app().defaults())
        .var("BUREAU_APP__PROFILE", "production")
        .var("BUREAU_APP__DEBUG", "false")
        .var("BUREAU_APP__LOAD_DEMO_FIXTURES", "false")
        .var("BUREAU_SERVER__ALLOWED_HOSTS", "example.com,.example.org")
        .var("BUREAU_CORS__ALLOWED_ORIGINS", "https://app.example.com")
        .var(
            "BUREAU_SECURITY__SECRET_KEY",
            "Zq3x9Lw2Vb7Nc4Mk8Jh1Gf6Dd5Ss0Aa_-+",
        );

    let config = bureau::app().config(&source).unwrap();

    assert!(config.is_production());
    assert!(config.json_logs(), "production logs are JSON");
    assert_eq!(config.server.allowed_hosts.len(), 2);
    // Mail that only lands in files reaches nobody: production starts, but says so.
    let warnings = config.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("BUREAU_MAIL__TRANSPORT=smtp"),
        "{warnings:?}"
    );
    let with_smtp = source
        .var("BUREAU_MAIL__TRANSPORT", "smtp")
        .var("BUREAU_MAIL__SMTP_HOST", "smtp.example.com");
    let config = bureau::app().config(&with_smtp).unwrap();
    assert_eq!(config.warnings(), Vec::<String>::new());
}

#[test]
fn the_secret_key_is_generated_once_into_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let source = ConfigSource::defaults(bureau::app().defaults()).var(
        "BUREAU_APP__DATA_DIR",
        dir.path().join("state").display().to_string(),
    );

    let first = bureau::app().config(&source).unwrap();
    let second = bureau::app().config(&source).unwrap();

    let path = dir.path().join("state/secret_key");
    let stored = std::fs::read_to_string(&path).unwrap();
    assert_eq!(stored.len(), 64);
    assert_eq!(first.security.secret_key.expose(), stored);
    assert_eq!(
        second.security.secret_key.expose(),
        stored,
        "the key survives restarts"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(format!("{:?}", first.security.secret_key), "SecretKey(***)");
}
