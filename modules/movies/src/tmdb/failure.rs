//! Why one film, file or list page could not be imported. A failure is reported in the summary
//! and the import goes on; only "nothing at all was imported" becomes the command's error.

use std::fmt;
use std::time::Duration;

#[derive(Debug)]
pub(crate) enum Failure {
    /// The document is not what TMDb sends, or not JSON at all.
    Invalid(String),
    /// A file that cannot be read.
    Io(std::io::Error),
    /// TMDb answered with an error status; `message` is TMDb's own account, when it gave one.
    Status {
        status: u16,
        message: Option<String>,
    },
    /// Still answered 429 after the retries, or asked for a longer pause than the import waits.
    RateLimited {
        retries: u32,
        retry_after: Duration,
    },
    Timeout(Duration),
    /// No answer at all: refused connection, DNS, TLS... (never with the URL: it carries the key).
    Network(String),
    Database(bureau_core::sea_orm::DbErr),
}

impl Failure {
    /// TMDb refused the credentials: every later request would be refused too.
    pub(crate) fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Status { status: 401, .. })
    }

    /// From reqwest, with the request's URL left out: its query holds the API key.
    pub(crate) fn from_http(error: reqwest::Error, timeout: Duration) -> Self {
        if error.is_timeout() {
            return Self::Timeout(timeout);
        }
        let error = error.without_url();
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::Network(message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(reason) => f.write_str(reason),
            Self::Io(error) => write!(f, "cannot be read: {error}"),
            Self::Status { status, message } => {
                write!(f, "TMDb answered HTTP {status}")?;
                match message {
                    Some(message) => write!(f, ": {message}"),
                    None => Ok(()),
                }
            }
            Self::RateLimited {
                retries,
                retry_after,
            } => write!(
                f,
                "TMDb still limited the request rate after {retries} retries (it asked to wait {} s)",
                retry_after.as_secs()
            ),
            Self::Timeout(limit) => write!(
                f,
                "TMDb did not answer within {} s (movies.tmdb_timeout_secs)",
                limit.as_secs()
            ),
            Self::Network(message) => write!(f, "cannot reach TMDb: {message}"),
            Self::Database(error) => write!(f, "not saved: {error}"),
        }
    }
}

impl From<bureau_core::sea_orm::DbErr> for Failure {
    fn from(error: bureau_core::sea_orm::DbErr) -> Self {
        Self::Database(error)
    }
}
