//! One-time messages shown on the next page a user sees ("Your password was changed."), kept in
//! the session like Django's messages framework.

use serde::{Deserialize, Serialize};

use crate::Result;
use crate::session::{Session, session_error};

const KEY: &str = "_flash";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Success,
    Warning,
    Error,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Message {
    pub level: Level,
    pub text: String,
}

/// Queues a message for the next page rendered for this session.
pub async fn add(session: &Session, level: Level, text: impl Into<String>) -> Result<()> {
    let mut messages = session
        .get::<Vec<Message>>(KEY)
        .await
        .map_err(session_error)?
        .unwrap_or_default();
    messages.push(Message {
        level,
        text: text.into(),
    });
    session.insert(KEY, messages).await.map_err(session_error)
}

/// The queued messages, removed from the session.
pub async fn take(session: &Session) -> Result<Vec<Message>> {
    // `remove` marks the session changed even when nothing was there; looking first spares a
    // store write on every page view.
    let Some(messages) = session
        .get::<Vec<Message>>(KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(Vec::new());
    };
    session.remove_value(KEY).await.map_err(session_error)?;
    Ok(messages)
}
