//! `GET /api/health/`: the API's own health check, for integrators and uptime monitors. Unlike
//! the bare `/healthz` and `/readyz` probes it is part of the API document.

use std::time::Duration;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::{AppState, db};

const DATABASE_TIMEOUT: Duration = Duration::from_secs(3);

/// The state of the service.
#[derive(Object)]
#[oai(example)]
struct Health {
    /// `ok`, or `unavailable` when the database does not answer.
    status: String,
    /// The running version of Bureau.
    version: String,
    /// `ok` or `unreachable`.
    database: String,
}

impl poem_openapi::types::Example for Health {
    fn example() -> Self {
        Self {
            status: "ok".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            database: "ok".to_owned(),
        }
    }
}

#[derive(ApiResponse)]
enum HealthResponse {
    /// The service and its database answer.
    #[oai(status = 200)]
    Healthy(Json<Health>),
    /// The database does not answer.
    #[oai(status = 503)]
    Unavailable(Json<Health>),
}

pub(crate) struct HealthApi;

#[OpenApi(tag = "HealthTag::Health")]
impl HealthApi {
    /// Health of the service: its version and whether its database answers. Needs no
    /// authentication.
    #[oai(path = "/", method = "get", operation_id = "health")]
    async fn health(&self, state: Data<&AppState>) -> HealthResponse {
        let version = env!("CARGO_PKG_VERSION").to_owned();
        match db::ping(state.db(), DATABASE_TIMEOUT).await {
            Ok(()) => HealthResponse::Healthy(Json(Health {
                status: "ok".to_owned(),
                version,
                database: "ok".to_owned(),
            })),
            Err(error) => {
                tracing::warn!(%error, "API health: database unreachable");
                HealthResponse::Unavailable(Json(Health {
                    status: "unavailable".to_owned(),
                    version,
                    database: "unreachable".to_owned(),
                }))
            }
        }
    }
}

#[derive(poem_openapi::Tags)]
enum HealthTag {
    /// Service health.
    Health,
}
