//! Azure Resource Manager stand-in: the caller's subscriptions, the subscription's Key Vault
//! listing (full vault properties, `$top` paging with nextLink), one vault, the (always empty)
//! managed HSM listing, the generic resources filter and the cloud metadata document.

pub mod metadata;
pub mod subscriptions;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::TokenProblem;
use crate::http::{ApiError, json_response};
use crate::kv::model::VaultProps;
use crate::kv::paging;
use crate::request::Req;
use crate::state::AppState;

pub fn route_of(req: &Req) -> Option<&'static str> {
    if req.method != Method::GET {
        return None;
    }
    let segs: Vec<String> = req
        .segments()
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["metadata", "endpoints"] => Some("arm.metadata.endpoints"),
        ["subscriptions"] | ["subscriptions", ""] => Some("arm.subscriptions.list"),
        ["subscriptions", _] => Some("arm.subscriptions.get"),
        [
            "subscriptions",
            _,
            "providers",
            "microsoft.keyvault",
            "managedhsms",
        ] => Some("arm.managedhsms.list"),
        [
            "subscriptions",
            _,
            "resourcegroups",
            _,
            "providers",
            "microsoft.keyvault",
            "managedhsms",
        ] => Some("arm.managedhsms.list_by_resource_group"),
        [
            "subscriptions",
            _,
            "providers",
            "microsoft.keyvault",
            "vaults",
        ] => Some("arm.vaults.list"),
        [
            "subscriptions",
            _,
            "resourcegroups",
            _,
            "providers",
            "microsoft.keyvault",
            "vaults",
        ] => Some("arm.vaults.list_by_resource_group"),
        [
            "subscriptions",
            _,
            "resourcegroups",
            _,
            "providers",
            "microsoft.keyvault",
            "vaults",
            _,
        ] => Some("arm.vaults.get"),
        ["subscriptions", _, "resources"] => Some("arm.resources.list"),
        _ => None,
    }
}

pub fn handle(st: &Arc<AppState>, req: &Req, route: &str) -> Response {
    match handle_inner(st, req, route) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn handle_inner(st: &Arc<AppState>, req: &Req, route: &str) -> Result<Response, ApiError> {
    let segs = req.segments();
    let sub_id = segs
        .get(1)
        .copied()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let now = st.clock.now();

    if route == "arm.metadata.endpoints" {
        let version = require_api_version(req)?;
        return Ok(metadata::endpoints(&st.endpoints, version));
    }
    let claims = authenticate(st, req, now)?;
    require_api_version(req)?;
    if route == "arm.subscriptions.list" {
        return subscriptions::list(st, req, &claims);
    }
    let world = st.world.lock();
    let Some(sub) = world.subscriptions.get(&sub_id) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            format!("The subscription '{sub_id}' could not be found."),
        ));
    };
    if claims.tid != sub.tenant_id {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationTokenTenant",
            format!(
                "The access token is from the wrong issuer 'https://sts.windows.net/{}/'. It must match the tenant 'https://sts.windows.net/{}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/{}' to get the token.",
                claims.tid, sub.tenant_id, sub.tenant_id
            ),
        ));
    }
    if !sub.readers.contains(&claims.appid.to_ascii_lowercase()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "AuthorizationFailed",
            format!(
                "The client '{}' with object id '{}' does not have authorization to perform action '{}' over scope '/subscriptions/{sub_id}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
                claims.oid,
                claims.oid,
                read_action(route)
            ),
        ));
    }
    if let Err(wait) = st
        .throttle
        .lock()
        .take_arm(&format!("{sub_id}:{}", claims.appid))
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "SubscriptionRequestsThrottled",
            format!("Number of 'read' requests for subscription '{sub_id}' actor '{}' exceeded. Please try again after '{wait}' seconds after the additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.", claims.oid),
        )
        .header("Retry-After", wait.to_string()));
    }

    let vaults: Vec<&VaultProps> = world
        .vaults
        .values()
        .filter_map(|v| v.props.as_ref())
        .filter(|p| p.subscription_id == sub_id)
        .collect();
    let arm = st.endpoints.arm();
    match route {
        "arm.subscriptions.get" => Ok(json_response(
            StatusCode::OK,
            &subscriptions::subscription_json(sub),
        )),
        // No managed HSMs are emulated: the listings answer like a subscription without any.
        "arm.managedhsms.list" | "arm.managedhsms.list_by_resource_group" => {
            Ok(json_response(StatusCode::OK, &json!({ "value": [] })))
        }
        "arm.vaults.get" => {
            let rg = segs.get(3).copied().unwrap_or_default();
            let name = segs
                .get(7)
                .copied()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let found = vaults.iter().find(|v| {
                v.name.eq_ignore_ascii_case(&name) && v.resource_group.eq_ignore_ascii_case(rg)
            });
            match found {
                Some(v) => Ok(json_response(StatusCode::OK, &vault_json(st, v))),
                None => Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "ResourceNotFound",
                    format!(
                        "The Resource 'Microsoft.KeyVault/vaults/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
                    ),
                )),
            }
        }
        _ => {
            let rg_filter = (route == "arm.vaults.list_by_resource_group").then(|| {
                segs.get(3)
                    .copied()
                    .unwrap_or_default()
                    .to_ascii_lowercase()
            });
            let generic = route == "arm.resources.list";
            if generic {
                let filter = req.q("$filter").unwrap_or_default().to_ascii_lowercase();
                if !filter.contains("microsoft.keyvault/vaults") {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "InvalidFilterInQueryString",
                        "Only resourceType eq 'Microsoft.KeyVault/vaults' filters are emulated.",
                    ));
                }
            }
            let top = subscriptions::top(req)?;
            let start = subscriptions::skip_marker(req)?;
            let items = vaults
                .iter()
                .filter(|v| {
                    rg_filter
                        .as_ref()
                        .is_none_or(|rg| v.resource_group.eq_ignore_ascii_case(rg))
                })
                .map(|v| (v.name.to_ascii_lowercase(), *v));
            let empty = st.faults.lock().empty_page();
            let page = paging::page(items, start.as_deref(), top, empty);
            let value: Vec<Value> = page
                .items
                .iter()
                .map(|v| {
                    if generic {
                        resource_json(v)
                    } else {
                        vault_json(st, v)
                    }
                })
                .collect();
            let next = page.next.map(|marker| {
                let path = req.path.trim_end_matches('/');
                let mut link = format!(
                    "{arm}{path}?api-version={}&$top={top}&$skiptoken={}",
                    req.q("api-version").unwrap_or_default(),
                    paging::encode_token(&marker)
                );
                if generic {
                    link.push_str("&$filter=resourceType%20eq%20%27Microsoft.KeyVault%2Fvaults%27");
                }
                link
            });
            let mut body = json!({ "value": value });
            if let Some(n) = next {
                body["nextLink"] = json!(n);
            }
            Ok(json_response(StatusCode::OK, &body))
        }
    }
}

fn require_api_version(req: &Req) -> Result<&str, ApiError> {
    req.q("api-version").ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    })
}

/// The ARM action a subscription-scoped read needs (named in `AuthorizationFailed`).
fn read_action(route: &str) -> &'static str {
    match route {
        "arm.managedhsms.list" | "arm.managedhsms.list_by_resource_group" => {
            "Microsoft.KeyVault/managedHSMs/read"
        }
        "arm.subscriptions.get" => "Microsoft.Resources/subscriptions/read",
        "arm.resources.list" => "Microsoft.Resources/subscriptions/resources/read",
        _ => "Microsoft.KeyVault/vaults/read",
    }
}

fn authenticate(st: &Arc<AppState>, req: &Req, now: i64) -> Result<crate::auth::Claims, ApiError> {
    let challenge = |desc: &str| {
        format!(
            "Bearer authorization_uri=\"{}/\", error=\"invalid_token\", error_description=\"{desc}\"",
            st.endpoints.authority()
        )
    };
    let Some(token) = crate::auth::bearer(&req.headers) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        )
        .header(
            "WWW-Authenticate",
            challenge("The authentication failed because of missing 'Authorization' header."),
        ));
    };
    let claims = st.signer.verify(token, now).map_err(|p| match p {
        TokenProblem::Expired => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
        )
        .header(
            "WWW-Authenticate",
            challenge("The access token has expired."),
        ),
        _ => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "The access token is invalid.",
        )
        .header(
            "WWW-Authenticate",
            challenge("The access token is invalid."),
        ),
    })?;
    let aud = claims.aud.trim_end_matches('/');
    if !st
        .endpoints
        .arm_audiences()
        .iter()
        .any(|a| a.eq_ignore_ascii_case(aud))
    {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationTokenAudience", format!("The access token has been obtained for wrong audience or resource '{aud}'. It should exactly match with one of the allowed audiences '{}'.", st.endpoints.arm_audiences().join("','")))
            .header("WWW-Authenticate", challenge("The access token has an invalid audience.")));
    }
    Ok(claims)
}

fn vault_json(st: &AppState, v: &VaultProps) -> Value {
    json!({
        "id": format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}", v.subscription_id, v.resource_group, v.name),
        "name": v.name,
        "type": "Microsoft.KeyVault/vaults",
        "location": v.location,
        "tags": v.tags,
        "properties": {
            "sku": {"family": "A", "name": v.sku},
            "tenantId": v.tenant_id,
            "accessPolicies": [],
            "enabledForDeployment": false,
            "enabledForDiskEncryption": false,
            "enabledForTemplateDeployment": false,
            "enableSoftDelete": true,
            "softDeleteRetentionInDays": v.soft_delete_retention_days,
            "enableRbacAuthorization": v.rbac,
            "enablePurgeProtection": v.purge_protection.then_some(true),
            "vaultUri": format!("{}/", st.endpoints.vault_url(&v.name)),
            "provisioningState": "Succeeded",
            "publicNetworkAccess": v.public_network_access,
        }
    })
}

fn resource_json(v: &VaultProps) -> Value {
    json!({
        "id": format!("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}", v.subscription_id, v.resource_group, v.name),
        "name": v.name, "type": "Microsoft.KeyVault/vaults", "location": v.location, "tags": v.tags,
    })
}
