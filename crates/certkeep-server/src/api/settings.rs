//! Settings shared by every instance: the discovery schedule (read by everyone, changed by an
//! admin). A change applies to every instance's scheduler at its next tick.

use axum::extract::State;
use certkeep_engine::access::Role;
use certkeep_engine::schedule_setting::{ScheduleInput, ScheduleView};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

#[utoipa::path(operation_id = "settings_schedule_show", get, path = "/api/v1/settings/schedule", tag = "settings",
    responses((status = 200, description = "The schedule in force, and the configured one", body = ScheduleView)))]
pub async fn schedule(
    State(st): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<ScheduleView>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(st.engine.schedule(&st.settings.schedule).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    /// How often each credential is discovered: `6h`, `90m`, `1d` (10s to 30d).
    pub discovery_interval: String,
    /// Up to this percent of the interval is added at random (0 to 50).
    pub jitter_percent: u32,
    /// How often open requests are polled: `30s`, `5m` (1s to 1d).
    pub poll_interval: String,
}

#[utoipa::path(operation_id = "settings_schedule_set", put, path = "/api/v1/settings/schedule", tag = "settings", request_body = ScheduleBody,
    responses((status = 200, description = "Set for every instance", body = ScheduleView),
              (status = 400, description = "Bad input: the error names the field", body = ErrorBody),
              (status = 403, description = "The role does not allow this", body = ErrorBody)))]
pub async fn set_schedule(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> ApiResult<axum::Json<ScheduleView>> {
    let p = auth.require(Role::Admin)?;
    let input = ScheduleInput {
        discovery_interval: body.discovery_interval,
        jitter_percent: body.jitter_percent.to_string(),
        poll_interval: body.poll_interval,
    };
    Ok(axum::Json(
        st.engine
            .set_schedule(&p.actor, &st.settings.schedule, &input)
            .await?,
    ))
}

#[utoipa::path(operation_id = "settings_schedule_reset", delete, path = "/api/v1/settings/schedule", tag = "settings",
    responses((status = 200, description = "Back to the configured schedule", body = ScheduleView),
              (status = 403, description = "The role does not allow this", body = ErrorBody)))]
pub async fn reset_schedule(
    State(st): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<ScheduleView>> {
    let p = auth.require(Role::Admin)?;
    Ok(axum::Json(
        st.engine
            .reset_schedule(&p.actor, &st.settings.schedule)
            .await?,
    ))
}
