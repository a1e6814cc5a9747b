//! `GET /subscriptions`: the subscriptions the caller can see (its token's tenant, and a role
//! on the subscription), paged with `$top` and an opaque `$skiptoken` like the vault listings.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::auth::Claims;
use crate::http::{ApiError, json_response};
use crate::kv::model::Subscription;
use crate::kv::paging;
use crate::request::Req;
use crate::state::AppState;

/// One subscription as `GET /subscriptions[/{id}]` returns it.
pub fn subscription_json(sub: &Subscription) -> Value {
    json!({
        "id": format!("/subscriptions/{}", sub.id),
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub.id,
        "tenantId": sub.tenant_id,
        "displayName": sub.name,
        "state": "Enabled",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    })
}

/// `$top` (1–1000, default 1000), shared by the ARM listings.
pub fn top(req: &Req) -> Result<usize, ApiError> {
    let Some(t) = req.q("$top") else {
        return Ok(1000);
    };
    match t.parse::<usize>() {
        Ok(n) if (1..=1000).contains(&n) => Ok(n),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidTopValue",
            format!(
                "The value '{t}' of query parameter '$top' is not valid. It must be an integer between 1 and 1000."
            ),
        )),
    }
}

/// The decoded `$skiptoken`, if any.
pub fn skip_marker(req: &Req) -> Result<Option<String>, ApiError> {
    match req.q("$skiptoken") {
        Some(t) => paging::decode_token(t).map(Some).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidSkipToken",
                "The skip token is not valid.",
            )
        }),
        None => Ok(None),
    }
}

pub fn list(st: &AppState, req: &Req, claims: &Claims) -> Result<Response, ApiError> {
    let top = top(req)?;
    let start = skip_marker(req)?;
    if let Err(wait) = st
        .throttle
        .lock()
        .take_arm(&format!("tenant:{}:{}", claims.tid, claims.appid))
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TenantRequestsThrottled",
            format!("Number of 'read' requests for tenant '{}' actor '{}' exceeded. Please try again after '{wait}' seconds after the additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.", claims.tid, claims.oid),
        )
        .header("Retry-After", wait.to_string()));
    }
    let appid = claims.appid.to_ascii_lowercase();
    let world = st.world.lock();
    let visible: Vec<&Subscription> = world
        .subscriptions
        .values()
        .filter(|s| s.tenant_id == claims.tid && s.readers.contains(&appid))
        .collect();
    let total = visible.len();
    let empty = st.faults.lock().empty_page();
    let page = paging::page(
        visible.into_iter().map(|s| (s.id.clone(), s)),
        start.as_deref(),
        top,
        empty,
    );
    let mut body = json!({
        "value": page.items.iter().map(|s| subscription_json(s)).collect::<Vec<_>>(),
        "count": {"type": "Total", "value": total},
    });
    if let Some(marker) = page.next {
        body["nextLink"] = json!(format!(
            "{}/subscriptions?api-version={}&$top={top}&$skiptoken={}",
            st.endpoints.arm(),
            req.q("api-version").unwrap_or_default(),
            paging::encode_token(&marker)
        ));
    }
    Ok(json_response(StatusCode::OK, &body))
}
