//! Server-side sessions: tower-sessions' `Session` and `SessionStore`, driven by a poem middleware
//! of ours (tower-sessions' own layer is a tower layer and does not fit poem).
//!
//! The middleware reads the session cookie, puts a lazily loaded [`Session`] in the request's
//! extensions (handlers take it as `Data<&Session>`), and after the handler saves the session and
//! sets the cookie when it changed — or clears the cookie when the session was emptied. Records
//! live in the database (`core_session`) or Redis, as `session.store` says.

mod database_store;
mod redis_store;

use std::sync::Arc;

use async_trait::async_trait;
use poem::http::{HeaderValue, header};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response};
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::Result as StoreResult;
use tower_sessions_core::{Expiry, SessionStore};

pub use database_store::DatabaseStore;
pub use redis_store::RedisStore;
pub use tower_sessions_core::Session;

use crate::config::{Config, SessionStoreKind};
use crate::{AppState, Error, Result};

/// The session cookie's name. Fixed, because the OpenAPI document names it too.
pub const COOKIE: &str = "bureau_session";

/// The store `session.store` selects.
#[derive(Debug, Clone)]
pub enum Store {
    Database(DatabaseStore),
    Redis(RedisStore),
}

impl Store {
    pub(crate) async fn new(config: &Config, db: &sea_orm::DatabaseConnection) -> Result<Self> {
        Ok(match config.session.store {
            SessionStoreKind::Database => Self::Database(DatabaseStore::new(db.clone())),
            SessionStoreKind::Redis => {
                Self::Redis(RedisStore::connect(&config.session.redis_url).await?)
            }
        })
    }
}

#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> StoreResult<()> {
        match self {
            Self::Database(store) => store.create(record).await,
            Self::Redis(store) => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> StoreResult<()> {
        match self {
            Self::Database(store) => store.save(record).await,
            Self::Redis(store) => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> StoreResult<Option<Record>> {
        match self {
            Self::Database(store) => store.load(id).await,
            Self::Redis(store) => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> StoreResult<()> {
        match self {
            Self::Database(store) => store.delete(id).await,
            Self::Redis(store) => store.delete(id).await,
        }
    }
}

/// Whether the request carries a session cookie at all (CSRF cares; it need not be valid).
pub(crate) fn has_cookie(req: &Request) -> bool {
    cookie(req).is_some()
}

fn cookie(req: &Request) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

pub(crate) fn middleware<E: Endpoint + 'static>(
    ep: E,
    state: AppState,
) -> impl Endpoint<Output = Response> {
    let store = Arc::new(state.sessions().clone());
    let idle = time::Duration::seconds(state.config().session.idle_timeout_secs);
    let secure = state.config().is_production();
    ep.around(move |ep, mut req| {
        let store = store.clone();
        async move {
            let id = cookie(&req).and_then(|value| value.parse::<Id>().ok());
            let had_cookie = id.is_some();
            let session = Session::new(id, store, Some(Expiry::OnInactivity(idle)));
            req.extensions_mut().insert(session.clone());
            // An error keeps its type so `web::errors` can render it; only a response gets a cookie.
            let mut outcome = ep.call(req).await.map(IntoResponse::into_response);
            if session.is_modified() {
                let value = if session.is_empty().await {
                    // Emptied (logout): the record is gone; make the browser forget the cookie.
                    had_cookie.then(|| format!("{COOKIE}=; Max-Age=0"))
                } else {
                    session.save().await.map_err(session_error)?;
                    session
                        .id()
                        .map(|id| format!("{COOKIE}={id}; Max-Age={}", idle.whole_seconds()))
                };
                if let (Some(value), Ok(response)) = (value, &mut outcome) {
                    let secure = if secure { "; Secure" } else { "" };
                    let cookie = format!("{value}; Path=/; HttpOnly; SameSite=Lax{secure}");
                    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
                        response.headers_mut().append(header::SET_COOKIE, cookie);
                    }
                }
            }
            outcome
        }
    })
}

/// A session read or write that failed, as the error it answers with: 503 when the store cannot
/// answer, 500 for a record that does not encode or decode.
pub fn session_error(error: tower_sessions_core::session::Error) -> Error {
    use tower_sessions_core::session::Error as SessionError;
    use tower_sessions_core::session_store::Error as StoreError;
    match error {
        // The store itself failed (the database or Redis unreachable, or busy past its timeout):
        // the request may succeed later. Encoding and decoding failures are bugs, so 500.
        SessionError::Store(StoreError::Backend(cause)) => {
            Error::Unavailable(format!("session store: {cause}"))
        }
        other => Error::Internal(format!("session store: {other}")),
    }
}

fn to_chrono(at: time::OffsetDateTime) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::from_timestamp(at.unix_timestamp(), at.nanosecond())
        .unwrap_or_default()
        .fixed_offset()
}

fn from_chrono(at: chrono::DateTime<chrono::FixedOffset>) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(at.timestamp())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}
