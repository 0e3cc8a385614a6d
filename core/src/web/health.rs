//! `/healthz` (the process answers) and `/readyz` (it can do its work: the database answers and
//! its schema is current), as JSON for load balancers and orchestrators.

use std::sync::atomic::Ordering;
use std::time::Duration;

use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{IntoResponse, Response, handler};
use serde_json::json;

use crate::{AppState, db};

const DATABASE_TIMEOUT: Duration = Duration::from_secs(3);

/// The probes' paths. Load balancers call them by address and while the app is overloaded, so the
/// Host check and load shedding let them through.
const PROBES: [&str; 2] = ["/healthz", "/readyz"];

pub(crate) fn is_probe(path: &str) -> bool {
    PROBES.contains(&path)
}

#[handler]
pub(crate) fn live() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

#[handler]
pub(crate) async fn ready(state: Data<&AppState>) -> Response {
    let (database, migrations) = match db::ping(state.db(), DATABASE_TIMEOUT).await {
        Err(error) => {
            tracing::warn!(%error, "readiness: database unreachable");
            ("unreachable", "unknown")
        }
        Ok(()) => ("ok", migrations_state(&state).await),
    };
    let ready = database == "ok" && migrations == "ok";
    let body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "checks": { "database": database, "migrations": migrations },
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Json(body).with_status(status).into_response()
}

/// Once every migration was seen applied it stays so for this process (migrations only go
/// forward while it runs), which saves the query on every later probe.
async fn migrations_state(state: &AppState) -> &'static str {
    if state.schema_current().load(Ordering::Relaxed) {
        return "ok";
    }
    match db::migrate::status(state.db(), state.registry()).await {
        Ok(migrations) if migrations.pending() == 0 => {
            // Said once per process: after this the flag skips the query.
            if let Some(note) = migrations.newer_note() {
                tracing::warn!("{note}");
            }
            state.schema_current().store(true, Ordering::Relaxed);
            "ok"
        }
        Ok(_) => "pending",
        Err(error) => {
            tracing::warn!(%error, "readiness: cannot read migration state");
            "unknown"
        }
    }
}
