//! `GET /healthz`: the process answers. `GET /readyz`: the database answers and its schema is
//! the one this build expects.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[utoipa::path(security(()), operation_id = "health_live", get, path = "/healthz", tag = "health", responses((status = 200, description = "OK", body = Health)))]
pub async fn live() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok",
        reason: None,
    })
}

#[utoipa::path(security(()), operation_id = "health_ready", get, path = "/readyz", tag = "health",
    responses((status = 200, description = "OK", body = Health), (status = 503, description = "Not ready", body = Health)))]
pub async fn ready(State(st): State<AppState>) -> (StatusCode, axum::Json<Health>) {
    match st.engine.readiness().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(Health {
                status: "ready",
                reason: None,
            }),
        ),
        Err(reason) => {
            tracing::warn!("not ready: {reason}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(Health {
                    status: "unavailable",
                    reason: Some(reason),
                }),
            )
        }
    }
}
