//! Who is logged in to a browser session: login (new session id, fresh CSRF token), logout
//! (session destroyed), and the current user, checked on every request against the database so a
//! deactivated account or a changed password ends its other sessions at once, as in Django.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::entities::user;
use crate::session::{Session, session_error};
use crate::web::csrf;
use crate::{AppState, Result};

const KEY: &str = "_auth";
/// How stale the session's "last seen" may get before a request refreshes it (and with it the
/// idle expiry); saves a store write on every request. Never more than a quarter of the idle
/// timeout, so an active user is never logged out for idleness.
const TOUCH_AFTER_SECS: i64 = 60;

#[derive(Serialize, Deserialize)]
struct SessionAuth {
    user_id: i64,
    /// Changes when the password does, logging out every other session.
    password_tag: String,
    login_at: i64,
    seen_at: i64,
}

/// Logs `user` in to `session`: the session id changes (no fixation), the CSRF token changes,
/// and `last_login` is recorded.
pub async fn login(state: &AppState, session: &Session, user: &user::Model) -> Result<()> {
    session.cycle_id().await.map_err(session_error)?;
    let now = Utc::now();
    let auth = SessionAuth {
        user_id: user.id,
        password_tag: password_tag(state, &user.password),
        login_at: now.timestamp(),
        seen_at: now.timestamp(),
    };
    session.insert(KEY, auth).await.map_err(session_error)?;
    csrf::rotate(session).await?;
    let mut active = user.clone().into_active_model();
    active.last_login = Set(Some(now.fixed_offset()));
    active.update(state.db()).await?;
    super::login_hooks::run(state, session, user).await;
    Ok(())
}

/// Ends the session: its record is deleted and the browser gets a new, empty one.
pub async fn logout(session: &Session) -> Result<()> {
    session.flush().await.map_err(session_error)?;
    // `flush` keeps the record's id in memory; anything stored after logout (a flash message)
    // would revive the old id. A new id makes sure it cannot.
    session.cycle_id().await.map_err(session_error)
}

/// The logged-in user, if the session holds one that is still valid: the account exists and is
/// active, the password has not changed since login, and the absolute lifetime has not passed.
pub async fn current_user(state: &AppState, session: &Session) -> Result<Option<user::Model>> {
    let Some(mut auth) = session
        .get::<SessionAuth>(KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    let now = Utc::now().timestamp();
    if now - auth.login_at > state.config().session.absolute_timeout_secs {
        logout(session).await?;
        return Ok(None);
    }
    let user = user::Entity::find_by_id(auth.user_id)
        .one(state.db())
        .await?;
    let Some(user) = user.filter(|u| u.is_active) else {
        logout(session).await?;
        return Ok(None);
    };
    if auth.password_tag != password_tag(state, &user.password) {
        logout(session).await?;
        return Ok(None);
    }
    let touch_after = TOUCH_AFTER_SECS.min(state.config().session.idle_timeout_secs / 4);
    if now - auth.seen_at >= touch_after {
        auth.seen_at = now;
        session.insert(KEY, auth).await.map_err(session_error)?;
    }
    Ok(Some(user))
}

/// Keeps the session of the user who just changed their password (other sessions end).
pub async fn password_changed(
    state: &AppState,
    session: &Session,
    user: &user::Model,
) -> Result<()> {
    if let Some(mut auth) = session
        .get::<SessionAuth>(KEY)
        .await
        .map_err(session_error)?
    {
        auth.password_tag = password_tag(state, &user.password);
        session.insert(KEY, auth).await.map_err(session_error)?;
        session.cycle_id().await.map_err(session_error)?;
    }
    Ok(())
}

/// A keyed digest of the stored hash: not the hash itself, which never leaves the database.
fn password_tag(state: &AppState, password_hash: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(b"bureau session auth\0");
    digest.update(state.config().security.secret_key.expose().as_bytes());
    digest.update(b"\0");
    digest.update(password_hash.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest.finalize()[..16])
}
