//! The housekeeping job: deletes what can no longer be used — expired sessions (of the database
//! store; Redis expires its own keys), login failures older than the lockout window, spent or
//! expired mailed tokens, and expired API token families. Safe on several instances at once: each
//! is one idempotent DELETE.

use crate::session::Store;
use crate::{AppState, Result};

use super::{jwt, lockout, tokens};

pub async fn run(state: &AppState) -> Result<()> {
    let db = state.db();
    let sessions = match state.sessions() {
        Store::Database(store) => store.delete_expired().await?,
        Store::Redis(_) => 0,
    };
    let failures = lockout::delete_expired(db, &state.config().auth).await?;
    let spent = tokens::delete_spent(db).await?;
    let families = jwt::delete_expired(db).await?;
    tracing::info!(
        sessions,
        failures,
        spent,
        families,
        "deleted expired account data"
    );
    Ok(())
}
