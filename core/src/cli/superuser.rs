//! `bureau createsuperuser`: interactive like Django's, or `--no-input` with the password from
//! `BUREAU_SUPERUSER_PASSWORD` (for scripts and containers, where no terminal asks).

use std::io::{BufRead, IsTerminal, Write};

use super::{SUPERUSER_PASSWORD_VAR, with_database};
use crate::auth::users::{self, NewUser};
use crate::{Config, Error, FieldErrors, Registry, Result};

pub(super) struct Answers {
    username: String,
    email: String,
    password: String,
}

impl Answers {
    pub fn given(
        username: Option<String>,
        email: Option<String>,
        password: Option<String>,
    ) -> Result<Self> {
        let missing = |what: &str| Error::BadRequest(format!("--no-input needs {what}"));
        Ok(Self {
            username: username.ok_or_else(|| missing("--username"))?,
            email: email.ok_or_else(|| missing("--email"))?,
            password: password.filter(|p| !p.is_empty()).ok_or_else(|| {
                missing(&format!(
                    "the {SUPERUSER_PASSWORD_VAR} environment variable"
                ))
            })?,
        })
    }

    /// Asks for what the command line did not give, on the terminal (or, piped, from standard
    /// input one line each), the password twice and hidden.
    pub fn ask(username: Option<String>, email: Option<String>) -> Result<Self> {
        let username = match username {
            Some(username) => username,
            None => prompt("Username: ")?,
        };
        let email = match email {
            Some(email) => email,
            None => prompt("Email address: ")?,
        };
        let password = secret("Password: ")?;
        if secret("Password (again): ")? != password {
            return Err(Error::BadRequest(
                "the two passwords did not match".to_owned(),
            ));
        }
        Ok(Self {
            username,
            email,
            password,
        })
    }
}

fn prompt(question: &str) -> Result<String> {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let read = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::io("reading the answer", e))?;
    if read == 0 {
        return Err(Error::BadRequest(
            "standard input ended before every question was answered".to_owned(),
        ));
    }
    Ok(line.trim_end_matches(['\r', '\n']).trim().to_owned())
}

fn secret(question: &str) -> Result<String> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(question).map_err(|e| Error::io("reading the password", e))
    } else {
        prompt(question)
    }
}

pub(super) async fn create(
    answers: Answers,
    registry: Registry,
    config: Config,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    with_database(&config.clone(), async |db| {
        let state = super::state(db, registry, config)?;
        let new = NewUser {
            username: answers.username.trim().to_owned(),
            email: answers.email.trim().to_owned(),
            password: answers.password,
            is_staff: true,
            is_superuser: true,
            email_verified: true,
        };
        let user = match users::create(db, &state, &new).await {
            Err(Error::Invalid(errors)) => return Err(Error::BadRequest(describe(&errors))),
            other => other?,
        };
        writeln!(out, "Superuser {} created.", user.username)
            .map_err(|e| Error::io("writing output", e))
    })
    .await
}

fn describe(errors: &FieldErrors) -> String {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("  {}: {}", e.field, e.message))
        .collect();
    format!("the superuser was not created:\n{}", lines.join("\n"))
}
