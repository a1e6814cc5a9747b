//! Microsoft Entra ID stand-in: client-credentials token endpoint, OpenID metadata,
//! instance discovery and signing keys, with AADSTS errors shaped as the real service sends them.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;

use crate::auth::Claims;
use crate::http::json_response;
use crate::request::Req;
use crate::state::AppState;

/// Lifetime of issued tokens, as Entra ID's default for app tokens.
pub const TOKEN_LIFETIME_SECS: i64 = 3599;

/// The route id for counters and faults, or `None` when this is not an Entra route.
pub fn route_of(req: &Req) -> Option<&'static str> {
    let segs = req.segments();
    match (req.method.clone(), segs.as_slice()) {
        (Method::POST, [_, "oauth2", "v2.0", "token"]) | (Method::POST, [_, "oauth2", "token"]) => {
            Some("aad.token")
        }
        (Method::GET, [_, "v2.0", ".well-known", "openid-configuration"])
        | (Method::GET, [_, ".well-known", "openid-configuration"]) => Some("aad.openid"),
        (Method::GET, ["common", "discovery", "instance"]) => Some("aad.discovery"),
        (Method::GET, [_, "discovery", "v2.0", "keys"])
        | (Method::GET, [_, "discovery", "keys"]) => Some("aad.jwks"),
        _ => None,
    }
}

pub fn handle(st: &Arc<AppState>, req: &Req, route: &str) -> Response {
    let segs = req.segments();
    let tenant = segs
        .first()
        .copied()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let authority = st.endpoints.authority();
    match route {
        "aad.token" => token(st, req, &tenant),
        "aad.openid" if !tenant_known(st, &tenant) => aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
            st.clock.now(),
        ),
        "aad.openid" => json_response(
            StatusCode::OK,
            &json!({
                "token_endpoint": format!("{authority}/{tenant}/oauth2/v2.0/token"),
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                "jwks_uri": format!("{authority}/{tenant}/discovery/v2.0/keys"),
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": format!("{authority}/{tenant}/v2.0"),
                "request_uri_parameter_supported": false,
                "userinfo_endpoint": format!("{authority}/oidc/userinfo"),
                "authorization_endpoint": format!("{authority}/{tenant}/oauth2/v2.0/authorize"),
                "device_authorization_endpoint": format!("{authority}/{tenant}/oauth2/v2.0/devicecode"),
                "end_session_endpoint": format!("{authority}/{tenant}/oauth2/v2.0/logout"),
                "tenant_region_scope": "EU",
                "cloud_instance_name": "localhost",
                "cloud_graph_host_name": "graph.localhost",
                "msgraph_host": "graph.localhost",
            }),
        ),
        "aad.discovery" => {
            let host = authority.trim_start_matches("https://").to_string();
            json_response(
                StatusCode::OK,
                &json!({
                    "tenant_discovery_endpoint": format!("{authority}/common/v2.0/.well-known/openid-configuration"),
                    "api-version": "1.1",
                    "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host, format!("login.localhost:{}", st.endpoints.port)]}]
                }),
            )
        }
        _ => json_response(StatusCode::OK, &st.signer.jwks()),
    }
}

/// A tenant in the world, or one of the multi-tenant aliases.
fn tenant_known(st: &AppState, tenant: &str) -> bool {
    ["common", "organizations", "consumers"].contains(&tenant)
        || st.world.lock().tenants.contains_key(tenant)
}

fn token(st: &Arc<AppState>, req: &Req, tenant: &str) -> Response {
    let form = crate::request::parse_query(std::str::from_utf8(&req.body).ok());
    let field = |k: &str| {
        form.get(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let now = st.clock.now();

    let Some(grant) = field("grant_type") else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
            now,
        );
    };
    if grant != "client_credentials" {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{grant}'."),
            now,
        );
    }
    let Some(client_id) = field("client_id") else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
            now,
        );
    };
    // v2 asks for `scope=X/.default`; v1 for `resource=X`.
    let resource = match (field("scope"), field("resource")) {
        (Some(scope), _) => {
            let first = scope.split_whitespace().find(|s| s.ends_with("/.default"));
            match first {
                Some(s) => s.trim_end_matches("/.default").to_string(),
                None => {
                    return aad_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        1002012,
                        &format!(
                            "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                        ),
                        now,
                    );
                }
            }
        }
        (None, Some(resource)) => resource,
        (None, None) => {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                90014,
                "The required field 'scope' is missing from the credential. Ensure that you have all the necessary parameters for the login request.",
                now,
            );
        }
    };
    let resource = resource.trim_end_matches('/').to_string();

    let world = st.world.lock();
    let Some(t) = world.tenants.get(tenant) else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
            now,
        );
    };
    let Some(app) = t.applications.get(&client_id.to_ascii_lowercase()) else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                t.name
            ),
            now,
        );
    };
    let presented = field("client_secret").unwrap_or_default();
    let matching = app.secrets.iter().find(|s| s.value == presented);
    match matching {
        None => {
            return aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
                &format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                ),
                now,
            );
        }
        Some(s) if s.expires.is_some_and(|e| e <= now) => {
            return aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000222,
                &format!(
                    "The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."
                ),
                now,
            );
        }
        Some(_) => {}
    }
    let known: Vec<String> = st
        .endpoints
        .vault_audiences()
        .into_iter()
        .chain(st.endpoints.arm_audiences())
        .collect();
    if !known.iter().any(|k| k.eq_ignore_ascii_case(&resource)) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500011,
            &format!(
                "The resource principal named {resource} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
                t.name
            ),
            now,
        );
    }
    let claims = Claims {
        aud: resource,
        iss: format!("https://sts.windows.net/{tenant}/"),
        iat: now,
        nbf: now - 300,
        exp: now + TOKEN_LIFETIME_SECS,
        appid: app.client_id.clone(),
        azp: app.client_id.clone(),
        oid: app.object_id.clone(),
        sub: app.object_id.clone(),
        tid: tenant.to_string(),
        idtyp: "app".into(),
        ver: "1.0".into(),
    };
    let token = st.signer.sign(&claims);
    json_response(
        StatusCode::OK,
        &json!({"token_type": "Bearer", "expires_in": TOKEN_LIFETIME_SECS, "ext_expires_in": TOKEN_LIFETIME_SECS, "access_token": token}),
    )
}

fn aad_error(status: StatusCode, error: &str, code: u32, text: &str, now: i64) -> Response {
    let trace = uuid::Uuid::new_v4();
    let correlation = uuid::Uuid::new_v4();
    let timestamp = time::OffsetDateTime::from_unix_timestamp(now)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    json_response(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {timestamp}"),
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}
