//! The Key Vault data plane: the challenge, token checks, access, throttling, then the
//! certificate, secret, issuer and contact routes.

pub mod certificates;
pub mod denied;
pub mod issuers;
pub mod lifecycle;
pub mod model;
pub mod paging;
pub mod policy;
pub mod secrets;
pub mod wire;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::auth::TokenProblem;
use crate::http::{ApiError, ApiResult};
use crate::request::Req;
use crate::state::AppState;

/// What a vault handler works with.
pub struct Ctx {
    pub st: Arc<AppState>,
    /// Vault name, lowercase.
    pub vault: String,
    /// `https://{vault}.vault.localhost:{port}`.
    pub base: String,
    pub req: Req,
    pub now: i64,
}

impl Ctx {
    /// Parses the JSON body, answering Key Vault's 400 for bad JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        if self.req.body.is_empty() {
            return Err(ApiError::bad_parameter(
                "The request body is missing or empty.",
            ));
        }
        let mut de = serde_json::Deserializer::from_slice(&self.req.body);
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() || path == "." {
                ApiError::bad_parameter(format!("The request body is not valid JSON: {inner}"))
            } else {
                ApiError::bad_parameter(format!("Invalid value for '{path}': {inner}"))
            }
        })
    }
}

/// Route id of a vault request, for counters and fault rules.
pub fn route_of(req: &Req) -> &'static str {
    let segs = req.segments();
    let m = &req.method;
    match (m, segs.as_slice()) {
        (&Method::GET, ["certificates"]) => "kv.certificates.list",
        (&Method::GET, ["certificates", "issuers"]) => "kv.issuers.list",
        (_, ["certificates", "issuers", _]) => match *m {
            Method::GET => "kv.issuers.get",
            Method::PUT => "kv.issuers.set",
            Method::PATCH => "kv.issuers.update",
            Method::DELETE => "kv.issuers.delete",
            _ => "kv.unknown",
        },
        (_, ["certificates", "contacts"]) => match *m {
            Method::GET => "kv.contacts.get",
            Method::PUT => "kv.contacts.set",
            Method::DELETE => "kv.contacts.delete",
            _ => "kv.unknown",
        },
        (&Method::POST, ["certificates", _, "create"]) => "kv.certificates.create",
        (&Method::POST, ["certificates", _, "import"]) => "kv.certificates.import",
        (&Method::GET, ["certificates", _, "pending"]) => "kv.certificates.pending.get",
        (&Method::PATCH, ["certificates", _, "pending"]) => "kv.certificates.pending.update",
        (&Method::DELETE, ["certificates", _, "pending"]) => "kv.certificates.pending.delete",
        (&Method::POST, ["certificates", _, "pending", "merge"]) => "kv.certificates.merge",
        (&Method::GET, ["certificates", _, "policy"]) => "kv.certificates.policy.get",
        (&Method::PATCH, ["certificates", _, "policy"]) => "kv.certificates.policy.update",
        (&Method::GET, ["certificates", _, "versions"]) => "kv.certificates.versions",
        (&Method::GET, ["certificates", _]) | (&Method::GET, ["certificates", _, _]) => {
            "kv.certificates.get"
        }
        (&Method::PATCH, ["certificates", _, _]) => "kv.certificates.update",
        (&Method::DELETE, ["certificates", _]) => "kv.certificates.delete",
        (&Method::GET, ["deletedcertificates"]) => "kv.deletedcertificates.list",
        (&Method::GET, ["deletedcertificates", _]) => "kv.deletedcertificates.get",
        (&Method::DELETE, ["deletedcertificates", _]) => "kv.deletedcertificates.purge",
        (&Method::POST, ["deletedcertificates", _, "recover"]) => "kv.deletedcertificates.recover",
        (&Method::GET, ["secrets"]) => "kv.secrets.list",
        (&Method::PUT, ["secrets", _]) => "kv.secrets.set",
        (&Method::GET, ["secrets", _, "versions"]) => "kv.secrets.versions",
        (&Method::GET, ["secrets", _]) | (&Method::GET, ["secrets", _, _]) => "kv.secrets.get",
        (&Method::PATCH, ["secrets", _, _]) => "kv.secrets.update",
        (&Method::DELETE, ["secrets", _]) => "kv.secrets.delete",
        (&Method::GET, ["deletedsecrets"]) => "kv.deletedsecrets.list",
        (&Method::GET, ["deletedsecrets", _]) => "kv.deletedsecrets.get",
        (&Method::DELETE, ["deletedsecrets", _]) => "kv.deletedsecrets.purge",
        (&Method::POST, ["deletedsecrets", _, "recover"]) => "kv.deletedsecrets.recover",
        _ => "kv.unknown",
    }
}

pub async fn handle(st: Arc<AppState>, vault: String, req: Req, route: &'static str) -> Response {
    let now = st.clock.now();
    let ctx = Ctx {
        base: st.endpoints.vault_url(&vault),
        st,
        vault,
        req,
        now,
    };
    match guard(&ctx, route) {
        Ok(()) => {}
        Err(e) => return e.into_response(),
    }
    let result = dispatch(&ctx, route).await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// Existence, the challenge, token checks, api-version, access and throttling — in Azure's order.
fn guard(ctx: &Ctx, route: &str) -> Result<(), ApiError> {
    let st = &ctx.st;
    // Verified once, outside the world lock; judged below in Azure's order.
    let verified = crate::auth::bearer(&ctx.req.headers).map(|t| st.signer.verify(t, ctx.now));
    let (tenant, subscription, rbac, access_ok, location, resource_group) = {
        let w = st.world.lock();
        let Some(props) = w.vaults.get(&ctx.vault).and_then(|v| v.props.as_ref()) else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "VaultNotFound",
                format!("The vault '{}' does not exist in this emulator.", ctx.vault),
            ));
        };
        let access_ok = matches!(&verified, Some(Ok(c)) if props.access.contains(&c.appid.to_ascii_lowercase()));
        (
            props.tenant_id.clone(),
            props.subscription_id.clone(),
            props.rbac,
            access_ok,
            props.location.clone(),
            props.resource_group.clone(),
        )
    };
    let challenge = format!(
        "Bearer authorization=\"{}/{tenant}\", resource=\"{}\"",
        st.endpoints.authority(),
        st.endpoints.vault_resource()
    );
    let unauthorized = |msg: &str| {
        ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized", msg)
            .header("WWW-Authenticate", challenge.clone())
    };
    let Some(verified) = verified else {
        return Err(unauthorized(
            "AKV10000: Request is missing a Bearer or PoP token.",
        ));
    };
    let claims = verified.map_err(|p| match p {
        TokenProblem::Expired => unauthorized(
            "AKV10032: Token expired. The access token's lifetime has ended; acquire a new token.",
        ),
        TokenProblem::NotYetValid => unauthorized("AKV10033: Token is not valid yet."),
        TokenProblem::BadSignature => {
            unauthorized("AKV10021: Invalid token: the signature could not be verified.")
        }
        TokenProblem::Malformed => unauthorized("AKV10020: Invalid token: the token is malformed."),
    })?;
    let aud = claims.aud.trim_end_matches('/');
    if !st
        .endpoints
        .vault_audiences()
        .iter()
        .any(|a| a.eq_ignore_ascii_case(aud))
    {
        return Err(unauthorized(&format!(
            "AKV10022: Invalid audience. Expected {}, found: {aud}.",
            st.endpoints.vault_resource()
        )));
    }
    if claims.tid != tenant {
        return Err(unauthorized(&format!(
            "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/{tenant}/, found https://sts.windows.net/{}/.",
            claims.tid
        )));
    }
    if ctx.req.q("api-version").is_none_or(str::is_empty) {
        return Err(ApiError::bad_parameter(
            "The api-version query parameter is missing. Please specify an api-version.",
        ));
    }
    if !api_version_supported(ctx.req.q("api-version").unwrap_or_default()) {
        return Err(ApiError::bad_parameter(format!(
            "The specified version ({}) is not recognized. Consider using the latest supported version (2025-07-01).",
            ctx.req.q("api-version").unwrap_or_default()
        )));
    }
    if !access_ok {
        let caller = format!(
            "appid={};oid={};iss=https://sts.windows.net/{tenant}/",
            claims.appid, claims.oid
        );
        let segments = ctx.req.segments();
        return Err(denied::forbidden(
            route,
            &denied::Refusal {
                caller: &caller,
                vault: &ctx.vault,
                location: &location,
                subscription: &subscription,
                resource_group: &resource_group,
                rbac,
                item: segments.get(1).copied(),
            },
        ));
    }
    if let Err(wait) = st.throttle.lock().take(&ctx.vault, &subscription) {
        st.counters.lock().throttled += 1;
        return Err(crate::gate::throttled(wait));
    }
    Ok(())
}

/// Every version from 7.0 on, including date versions such as `2025-07-01` and previews.
fn api_version_supported(v: &str) -> bool {
    let base = v.split('-').next().unwrap_or_default();
    if let Some((major, _)) = base.split_once('.') {
        return major.parse::<u32>().is_ok_and(|m| m >= 7);
    }
    base.len() == 4 && base.parse::<u32>().is_ok_and(|y| y >= 2016)
}

async fn dispatch(ctx: &Ctx, route: &'static str) -> ApiResult {
    let segs: Vec<String> = ctx.req.segments().iter().map(|s| s.to_string()).collect();
    let seg = |i: usize| segs.get(i).map(String::as_str).unwrap_or_default();
    {
        let mut w = ctx.st.world.lock();
        lifecycle::settle_vault(&ctx.st, &mut w, &ctx.vault, ctx.now);
    }
    let name = seg(1);
    let check = |n: &str| {
        if certkeep_core::keyvault::is_valid_object_name(n) {
            Ok(())
        } else {
            Err(ApiError::bad_parameter(format!(
                "The request URI contains an invalid name: {n}"
            )))
        }
    };
    match route {
        "kv.certificates.create" => {
            check(name)?;
            certificates::create(ctx, name).await
        }
        "kv.certificates.import" => {
            check(name)?;
            certificates::import(ctx, name)
        }
        "kv.certificates.merge" => {
            check(name)?;
            certificates::merge(ctx, name)
        }
        "kv.issuers.list" | "kv.issuers.get" | "kv.issuers.set" | "kv.issuers.update"
        | "kv.issuers.delete" => {
            let issuer = seg(2);
            if route != "kv.issuers.list" {
                check(issuer)?;
            }
            issuers::issuer_route(ctx, route, issuer)
        }
        "kv.contacts.get" | "kv.contacts.set" | "kv.contacts.delete" => {
            issuers::contacts_route(ctx, route)
        }
        r if r.starts_with("kv.certificates") || r.starts_with("kv.deletedcertificates") => {
            if r != "kv.certificates.list" && r != "kv.deletedcertificates.list" {
                check(name)?;
            }
            let version = seg(2);
            let mut w = ctx.st.world.lock();
            certificates::route(ctx, &mut w, r, name, version)
        }
        r if r.starts_with("kv.secrets") || r.starts_with("kv.deletedsecrets") => {
            if r != "kv.secrets.list" && r != "kv.deletedsecrets.list" {
                check(name)?;
            }
            secrets::route(ctx, r, name, seg(2))
        }
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!(
                "The requested path '{} {}' is not a Key Vault operation.",
                ctx.req.method, ctx.req.path
            ),
        )),
    }
}

/// `maxresults` (1–25) and the decoded skiptoken of a list request.
pub fn list_params(ctx: &Ctx) -> Result<(usize, Option<String>), ApiError> {
    let max = match ctx.req.q("maxresults") {
        None => 25,
        Some(m) => match m.parse::<usize>() {
            Ok(n) if (1..=25).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_parameter(format!(
                    "Invalid maxresults value '{m}'. It must be an integer between 1 and 25."
                )));
            }
        },
    };
    let start = match ctx.req.q("$skiptoken") {
        None => None,
        Some(t) => Some(
            paging::decode_token(t)
                .ok_or_else(|| ApiError::bad_parameter("The $skiptoken is not valid."))?,
        ),
    };
    Ok((max, start))
}

/// `{"value":[...],"nextLink":...}` with a link that repeats the request's api-version and maxresults.
pub fn list_body(
    ctx: &Ctx,
    items: Vec<serde_json::Value>,
    next: Option<String>,
) -> serde_json::Value {
    let link = next.map(|marker| {
        let mut l = format!(
            "{}{}?api-version={}&$skiptoken={}",
            ctx.base,
            ctx.req.path.trim_end_matches('/'),
            ctx.req.q("api-version").unwrap_or_default(),
            paging::encode_token(&marker)
        );
        if let Some(m) = ctx.req.q("maxresults") {
            l.push_str(&format!("&maxresults={m}"));
        }
        if let Some(p) = ctx.req.q("includePending") {
            l.push_str(&format!("&includePending={p}"));
        }
        l
    });
    serde_json::json!({"value": items, "nextLink": link})
}

/// The 404 Key Vault sends for an unknown certificate.
pub fn cert_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "CertificateNotFound",
        format!(
            "A certificate with (name/id) {id} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
        ),
    )
}

/// The 404 Key Vault sends for an unknown secret.
pub fn secret_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "SecretNotFound",
        format!(
            "A secret with (name/id) {id} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
        ),
    )
}
