//! Rules that span keys: what the production profile refuses, and where a dev secret key comes from.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use super::{AllowedOrigins, Config, MailTransportKind, SecretKey};
use crate::{Error, Result};

const MIN_SECRET_LEN: usize = 32;
/// OWASP's password storage cheat sheet: argon2id with 19 MiB of memory and 2 iterations.
const OWASP_MEMORY_KIB: u32 = 19_456;
const OWASP_ITERATIONS: u32 = 2;
const MIN_SECRET_DISTINCT_CHARS: usize = 10;
/// Values that appear in our own examples; a deployment that kept one has no secret at all.
const PLACEHOLDER_SECRETS: [&str; 2] = [
    "change-me-to-a-long-random-string-of-at-least-32-characters",
    "insecure-dev-secret-key-do-not-use-in-production",
];

pub(super) fn check(config: &Config) -> Result<()> {
    let mut problems = Vec::new();
    let db = &config.database;
    if db.max_connections < 2 {
        problems.push(
            "database.max_connections must be at least 2: startup holds one connection for the \
             migration lock while the migrations run on another"
                .to_owned(),
        );
    }
    if db.min_connections > db.max_connections {
        problems.push(format!(
            "database.min_connections ({}) is larger than database.max_connections ({})",
            db.min_connections, db.max_connections
        ));
    }
    let secret = &config.security.secret_key;
    if !secret.is_empty()
        && let Some(weakness) = weakness(secret)
    {
        problems.push(format!("security.secret_key {weakness}"));
    }
    if config.is_production() {
        if config.app.debug {
            problems.push("app.debug is on; set BUREAU_APP__DEBUG=false".to_owned());
        }
        if config.server.allowed_hosts.is_empty() {
            problems.push(
                "server.allowed_hosts is empty; set BUREAU_SERVER__ALLOWED_HOSTS to the site's host names, \
                 e.g. example.com,www.example.com"
                    .to_owned(),
            );
        }
        if secret.is_empty() {
            problems.push(format!(
                "security.secret_key is not set; set BUREAU_SECURITY__SECRET_KEY to at least {MIN_SECRET_LEN} \
                 random characters (e.g. `openssl rand -base64 48`), the same on every instance"
            ));
        }
        let auth = &config.auth;
        if auth.password_memory_kib < OWASP_MEMORY_KIB
            || auth.password_iterations < OWASP_ITERATIONS
        {
            problems.push(format!(
                "auth.password_memory_kib ({}) and auth.password_iterations ({}) are below OWASP's \
                 minimum for argon2id ({OWASP_MEMORY_KIB} KiB, {OWASP_ITERATIONS} iterations)",
                auth.password_memory_kib, auth.password_iterations
            ));
        }
        if let AllowedOrigins::List(origins) = &config.cors.allowed_origins {
            let local: Vec<&str> = origins
                .iter()
                .filter(|origin| origin.is_loopback())
                .map(|origin| origin.as_str())
                .collect();
            // A listed origin reads the API with the visitor's cookies; on a visitor's machine
            // any program can serve a page on localhost.
            if !local.is_empty() {
                problems.push(format!(
                    "cors.allowed_origins lists local development origins ({}); set \
                     BUREAU_CORS__ALLOWED_ORIGINS to the front ends that may call the API, \
                     e.g. https://app.example.com, or to an empty value for none",
                    local.join(", ")
                ));
            }
        }
        if config.app.load_demo_fixtures {
            problems.push(
                "app.load_demo_fixtures is on; set BUREAU_APP__LOAD_DEMO_FIXTURES=false".to_owned(),
            );
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let heading = if config.is_production() {
        "the production profile refuses to start"
    } else {
        "configuration error"
    };
    Err(Error::Config(format!(
        "{heading}:\n  - {}",
        problems.join("\n  - ")
    )))
}

/// What production accepts but an operator should look at; logged at start and listed by
/// `bureau check`.
pub(super) fn warnings(config: &Config) -> Vec<String> {
    let mut warnings = Vec::new();
    let url = &config.database.url;
    // A warning, not a refusal: a private network or a tunnel may protect the connection already.
    if config.is_production() && !url.is_local() && !url.requires_tls() {
        warnings.push(format!(
            "database.url ({url}) reaches a server on another machine without requiring TLS, so the \
             connection may fall back to plain text; add ?sslmode=verify-full&sslrootcert=<CA file> \
             (PostgreSQL) or ?ssl-mode=VERIFY_IDENTITY&ssl-ca=<CA file> (MySQL/MariaDB), or at \
             least sslmode=require / ssl-mode=REQUIRED"
        ));
    }
    // Not a refusal: a site whose staff only use the admin may send no mail at all.
    if config.is_production() && config.mail.transport == MailTransportKind::File {
        warnings.push(format!(
            "mail.transport is \"file\": mail (sign-up confirmations, password resets, order \
             notices) is only written to {} and reaches nobody; set BUREAU_MAIL__TRANSPORT=smtp \
             and BUREAU_MAIL__SMTP_HOST",
            config.mail.file_dir(&config.app).display()
        ));
    }
    warnings
}

fn weakness(secret: &SecretKey) -> Option<String> {
    let key = secret.expose();
    if PLACEHOLDER_SECRETS.contains(&key) {
        return Some("is the example value from the documentation; generate a new one".to_owned());
    }
    if key.chars().count() < MIN_SECRET_LEN {
        return Some(format!("is shorter than {MIN_SECRET_LEN} characters"));
    }
    if key.chars().collect::<HashSet<_>>().len() < MIN_SECRET_DISTINCT_CHARS {
        return Some(format!(
            "has fewer than {MIN_SECRET_DISTINCT_CHARS} distinct characters"
        ));
    }
    None
}

/// Without a configured key, dev uses one generated into the data folder on first run, so sessions
/// survive restarts and the key is never in the repository. (Production refused an empty key above.)
pub(super) fn settle_secret_key(config: &mut Config) -> Result<()> {
    if !config.security.secret_key.is_empty() {
        return Ok(());
    }
    let dir = &config.app.data_dir;
    let path = dir.join("secret_key");
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating data folder {}", dir.display()), e))?;
    if !path.exists() {
        publish_new_key(&path)?;
    }
    let key = std::fs::read_to_string(&path)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let key = SecretKey::from(key);
    if let Some(weakness) = weakness(&key) {
        return Err(Error::Config(format!(
            "the secret key in {} {weakness}",
            path.display()
        )));
    }
    config.security.secret_key = key;
    Ok(())
}

/// Writes a fresh key beside `path` and links it into place, which fails if the file exists: two
/// instances starting at once both end up reading the one key that won, never a half-written file.
fn publish_new_key(path: &Path) -> Result<()> {
    let draft = path.with_extension(format!("new-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&draft).and_then(|mut file| {
        file.write_all(generate_key()?.as_bytes())
            .and_then(|()| file.sync_all())
    });
    let linked = written.and_then(|()| match std::fs::hard_link(&draft, path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    });
    let _ = std::fs::remove_file(&draft);
    linked.map_err(|e| Error::io(format!("creating {}", path.display()), e))
}

fn generate_key() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| std::io::Error::other(format!("no randomness for the secret key: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
