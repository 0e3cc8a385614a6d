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
    #[error("{0}")]
    BadRequest(String),
    #[error("request body is larger than the {limit} bytes this server accepts")]
    PayloadTooLarge { limit: u64 },
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
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
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
}

impl poem::error::ResponseError for Error {
    fn status(&self) -> StatusCode {
        Error::status(self)
    }
}
