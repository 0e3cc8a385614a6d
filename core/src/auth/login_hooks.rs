//! Login hooks: what modules do when someone logs in on the site, in the new session — the store
//! moves a guest's cart into the customer's. A hook that fails is logged and the login goes on:
//! nobody should be kept out because a side task broke.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::AppState;
use crate::entities::user;
use crate::session::Session;

pub type HookFn = dyn Fn(AppState, Session, user::Model) -> Pin<Box<dyn Future<Output = crate::Result<()>> + Send>>
    + Send
    + Sync;

#[derive(Clone)]
pub struct LoginHook {
    pub module: &'static str,
    pub(crate) run: Arc<HookFn>,
}

/// Runs every module's hook for `user`, who has just logged in with `session`.
pub(crate) async fn run(state: &AppState, session: &Session, user: &user::Model) {
    for hook in state.registry().login_hooks() {
        if let Err(error) = (hook.run)(state.clone(), session.clone(), user.clone()).await {
            tracing::warn!(module = hook.module, %error, "a login hook failed");
        }
    }
}
