//! Fragments: a module's piece of another module's page. The page names a slot
//! (`"movies.detail"`) and shows whatever modules registered there, so it never names them — the
//! film page shows the forum's posts about the film though movies knows nothing of the forum.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

use crate::{AppState, Result};

/// Renders a fragment's HTML from the page's context (ids, mostly); the HTML is the module's own
/// escaped template output.
pub type RenderFn =
    dyn Fn(AppState, Value) -> Pin<Box<dyn Future<Output = Result<String>> + Send>> + Send + Sync;

#[derive(Clone)]
pub struct Fragment {
    pub module: &'static str,
    pub slot: &'static str,
    pub(crate) render: Arc<RenderFn>,
}

/// The HTML every fragment registered at `slot` renders for `context`, in startup order.
pub async fn render(state: &AppState, slot: &str, context: Value) -> Result<Vec<String>> {
    let mut pieces = Vec::new();
    for fragment in state
        .registry()
        .fragments()
        .iter()
        .filter(|f| f.slot == slot)
    {
        pieces.push((fragment.render)(state.clone(), context.clone()).await?);
    }
    Ok(pieces)
}
