//! The one error type of bureau-core. How each variant answers over HTTP is decided in
//! `web::errors`, and only there.

use poem::http::StatusCode;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Configuration that cannot be used; the message names the key and what was expected.
    #[error("{0}")]
    Config(String),
    /// Modules whose registrations contradict each other (duplicate route, panel, migration...).
    #[error("{0}")]
    Registration(String),
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("cannot connect to the database at {url}: {source}")]
    Connect { url: String, source: sea_orm::DbErr },
    /// A fixture file or record that cannot be loaded; the message names the record.
    #[error("{0}")]
    Fixture(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("template error: {0}")]
    Template(#[from] minijinja::Error),

    // What a single request can run into.
    #[error("not found")]
    NotFound,
    /// A page of a list past its last page.
    #[error("page {page} does not exist; the last page is {last}")]
    NoSuchPage { page: u64, last: u64 },
    #[error("{0}")]
    BadRequest(String),
    /// Input that failed validation, field by field.
    #[error("{}", .0.summary())]
    Invalid(FieldErrors),
    /// No credentials, or credentials that do not hold; answered with `WWW-Authenticate`.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// An unsafe request without a valid CSRF token.
    #[error("CSRF verification failed: {0}")]
    Csrf(&'static str),
    /// The request is valid but the state forbids it now (a cart sold out during checkout).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("request body is larger than the {limit} bytes this server accepts")]
    PayloadTooLarge { limit: u64 },
    /// More requests in flight than `server.max_in_flight`: refused before any work is done.
    #[error("the server is busy; try again in a moment")]
    Overloaded,
    /// Something the request needs (the database, the session store) cannot answer now; the
    /// message names it and why, for the log.
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound | Self::NoSuchPage { .. } => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::Csrf(_) => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Overloaded | Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            // A database that went away or has no free connection is a passing state, not a bug:
            // clients may retry, and load balancers count it apart from 500s.
            Self::Database(error) if crate::db::is_unavailable(error) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Config(_)
            | Self::Registration(_)
            | Self::Database(_)
            | Self::Connect { .. }
            | Self::Fixture(_)
            | Self::Io { .. }
            | Self::Template(_)
            | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Seconds a client should wait before trying again, for the answers that say so.
    fn retry_after(&self) -> Option<&'static str> {
        match self {
            // Overload passes as soon as a few requests finish.
            Self::Overloaded => Some("1"),
            // A database restarting takes a few seconds.
            _ if Error::status(self) == StatusCode::SERVICE_UNAVAILABLE => Some("5"),
            _ => None,
        }
    }
}

impl poem::error::ResponseError for Error {
    fn status(&self) -> StatusCode {
        Error::status(self)
    }

    fn as_response(&self) -> poem::Response {
        let mut response = poem::Response::builder()
            .status(Error::status(self))
            .body(self.to_string());
        if let Self::Unauthorized(_) = self {
            response.headers_mut().insert(
                poem::http::header::WWW_AUTHENTICATE,
                poem::http::HeaderValue::from_static("Bearer realm=\"api\""),
            );
        }
        if let Some(seconds) = self.retry_after() {
            response.headers_mut().insert(
                poem::http::header::RETRY_AFTER,
                poem::http::HeaderValue::from_static(seconds),
            );
        }
        response
    }
}

/// Validation errors by field name, in the order they were found. A message for the input as a
/// whole uses the field name `""`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FieldErrors(Vec<FieldError>);

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// `Ok(())` when there are none, else `Error::Invalid`.
    pub fn into_result(self) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self))
        }
    }

    /// Messages grouped by field, as templates show them: `{"email": ["..."]}`.
    pub fn by_field(&self) -> std::collections::BTreeMap<&str, Vec<&str>> {
        let mut map = std::collections::BTreeMap::<&str, Vec<&str>>::new();
        for error in &self.0 {
            map.entry(error.field.as_str())
                .or_default()
                .push(error.message.as_str());
        }
        map
    }

    fn summary(&self) -> String {
        match self.0.as_slice() {
            [] => "invalid input".to_owned(),
            [one] if one.field.is_empty() => one.message.clone(),
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        }
    }
}
