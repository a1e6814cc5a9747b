//! Certificate routes: list, versions, get, update, policy, create, import, merge, the
//! pending operation, delete and the soft-deleted certificates.

use axum::http::{HeaderValue, StatusCode};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{ApiError, ApiResult, json_response, ok};
use crate::kv::model::{CertEntry, Deleted, OpStatus, PendingOp, Tags, World, new_version_id};
use crate::kv::policy::{self, Effective, PolicyJson};
use crate::kv::{Ctx, cert_not_found, lifecycle, list_body, list_params, paging, wire};
use crate::pki::KeyMaterial;

#[derive(Debug, Default, Deserialize)]
struct Attributes {
    #[serde(default)]
    enabled: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct CreateBody {
    #[serde(default)]
    policy: Option<PolicyJson>,
    #[serde(default)]
    attributes: Option<Attributes>,
    #[serde(default)]
    tags: Option<Tags>,
}

#[derive(Debug, Default, Deserialize)]
struct UpdateBody {
    #[serde(default)]
    attributes: Option<Attributes>,
    #[serde(default)]
    tags: Option<Tags>,
    #[serde(default)]
    policy: Option<PolicyJson>,
}

#[derive(Debug, Default, Deserialize)]
struct ImportBody {
    value: Option<String>,
    #[serde(default)]
    pwd: Option<String>,
    #[serde(default)]
    policy: Option<PolicyJson>,
    #[serde(default)]
    attributes: Option<Attributes>,
    #[serde(default)]
    tags: Option<Tags>,
}

#[derive(Debug, Default, Deserialize)]
struct MergeBody {
    #[serde(default)]
    x5c: Option<Vec<String>>,
    #[serde(default)]
    attributes: Option<Attributes>,
    #[serde(default)]
    tags: Option<Tags>,
}

#[derive(Debug, Default, Deserialize)]
struct CancelBody {
    cancellation_requested: Option<bool>,
}

fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn vault_props(w: &World, ctx: &Ctx) -> crate::kv::model::VaultProps {
    w.vaults[&ctx.vault].props().clone()
}

fn reserved(w: &World, ctx: &Ctx, name: &str) -> Result<(), ApiError> {
    if w.vaults[&ctx.vault]
        .deleted_certificates
        .contains_key(&key(name))
    {
        return Err(ApiError::conflict(format!("Certificate {name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the certificate can only be recovered or purged.")).inner("ObjectIsDeletedButRecoverable"));
    }
    Ok(())
}

fn pending_conflict(entry: Option<&CertEntry>) -> Result<(), ApiError> {
    if entry
        .and_then(|e| e.pending.as_ref())
        .is_some_and(|op| op.status == OpStatus::InProgress)
    {
        return Err(ApiError::conflict(
            "A new key vault certificate can not be created or imported while a pending key vault certificate's status is inProgress.",
        ));
    }
    Ok(())
}

/// Synchronous certificate routes, under the world lock.
pub fn route(ctx: &Ctx, w: &mut World, route: &str, name: &str, version: &str) -> ApiResult {
    let props = vault_props(w, ctx);
    let base = ctx.base.as_str();
    let vault = w
        .vaults
        .get_mut(&ctx.vault)
        .ok_or_else(|| cert_not_found(name))?;
    match route {
        "kv.certificates.list" => {
            let (max, start) = list_params(ctx)?;
            let include_pending = ctx
                .req
                .q("includePending")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let items = vault.certificates.iter().filter_map(|(k, e)| {
                let item = match e.current() {
                    Some(c) => Some(wire::cert_item(base, &props, e, c, false)),
                    None if include_pending => {
                        e.pending.as_ref().map(|op| wire::pending_item(base, e, op))
                    }
                    None => None,
                };
                item.map(|i| (k.clone(), i))
            });
            let empty = ctx.st.faults.lock().empty_page();
            let page = paging::page(items, start.as_deref(), max, empty);
            ok(list_body(ctx, page.items, page.next))
        }
        "kv.certificates.versions" => {
            let (max, start) = list_params(ctx)?;
            let mut items: Vec<(String, Value)> = match vault.certificates.get(&key(name)) {
                Some(e) => e
                    .versions
                    .iter()
                    .map(|c| (c.version.clone(), wire::cert_item(base, &props, e, c, true)))
                    .collect(),
                None => Vec::new(),
            };
            items.sort_by(|a, b| a.0.cmp(&b.0));
            let empty = ctx.st.faults.lock().empty_page();
            let page = paging::page(items.into_iter(), start.as_deref(), max, empty);
            ok(list_body(ctx, page.items, page.next))
        }
        "kv.certificates.get" => {
            let e = vault
                .certificates
                .get(&key(name))
                .ok_or_else(|| cert_not_found(name))?;
            if version.is_empty() {
                return match e.current() {
                    Some(c) => ok(wire::cert_bundle(base, &props, e, c)),
                    None => partial_bundle(base, &props, e).ok_or_else(|| cert_not_found(name)),
                };
            }
            let c = e
                .find(version)
                .ok_or_else(|| cert_not_found(&format!("{name}/versions/{version}")))?;
            ok(wire::cert_bundle(base, &props, e, c))
        }
        "kv.certificates.update" => {
            let body: UpdateBody = ctx.json()?;
            if let Some(tags) = &body.tags {
                policy::validate_tags(tags).map_err(ApiError::bad_parameter)?;
            }
            let e = vault
                .certificates
                .get_mut(&key(name))
                .ok_or_else(|| cert_not_found(name))?;
            if let Some(p) = &body.policy {
                let merged = policy::merge(&e.policy, p);
                policy::validate(&merged, &[], props.sku == "premium")
                    .map_err(ApiError::bad_parameter)?;
                e.policy = merged;
            }
            let idx = if version.is_empty() {
                e.versions.len().checked_sub(1)
            } else {
                e.versions
                    .iter()
                    .position(|v| v.version.eq_ignore_ascii_case(version))
            }
            .ok_or_else(|| cert_not_found(&format!("{name}/versions/{version}")))?;
            let c = &mut e.versions[idx];
            if let Some(enabled) = body.attributes.as_ref().and_then(|a| a.enabled) {
                c.enabled = enabled;
            }
            if let Some(tags) = body.tags {
                c.tags = tags;
            }
            c.updated = ctx.now;
            let (ver, enabled) = (c.version.clone(), c.enabled);
            let bundle = wire::cert_bundle(base, &props, e, &e.versions[idx]);
            if let Some(s) = vault.secrets.get_mut(&key(name))
                && let Some(sv) = s.versions.iter_mut().find(|v| v.version == ver)
            {
                sv.enabled = enabled;
                sv.updated = ctx.now;
            }
            ok(bundle)
        }
        "kv.certificates.policy.get" => {
            let e = vault
                .certificates
                .get(&key(name))
                .ok_or_else(|| cert_not_found(name))?;
            ok(wire::policy(base, e))
        }
        "kv.certificates.policy.update" => {
            let update: PolicyJson = ctx.json()?;
            let issuer_names: Vec<String> =
                vault.issuers.values().map(|i| i.name.clone()).collect();
            let e = vault
                .certificates
                .get_mut(&key(name))
                .ok_or_else(|| cert_not_found(name))?;
            let mut merged = policy::merge(&e.policy, &update);
            policy::validate(&merged, &issuer_names, props.sku == "premium")
                .map_err(ApiError::bad_parameter)?;
            policy::apply_defaults(&mut merged, ctx.now);
            e.policy = merged;
            ok(wire::policy(base, e))
        }
        "kv.certificates.pending.get"
        | "kv.certificates.pending.update"
        | "kv.certificates.pending.delete" => pending_route(ctx, vault, route, name),
        "kv.certificates.delete" => {
            let k = key(name);
            let entry = vault
                .certificates
                .remove(&k)
                .ok_or_else(|| cert_not_found(name))?;
            vault.pending.remove(&k);
            vault.secrets.remove(&k);
            let deleted = Deleted {
                entry,
                deleted_date: ctx.now,
                scheduled_purge_date: ctx.now + props.soft_delete_retention_days * 86_400,
            };
            let body = wire::deleted_cert(base, &props, &deleted).unwrap_or_else(|| json!({
                "recoveryId": format!("{base}/deletedcertificates/{}", deleted.entry.name),
                "deletedDate": deleted.deleted_date, "scheduledPurgeDate": deleted.scheduled_purge_date,
                "id": format!("{base}/certificates/{}", deleted.entry.name),
                "policy": wire::policy(base, &deleted.entry),
            }));
            vault.deleted_certificates.insert(k, deleted);
            ok(body)
        }
        "kv.deletedcertificates.list" => {
            let (max, start) = list_params(ctx)?;
            let items = vault.deleted_certificates.iter().filter_map(|(k, d)| {
                wire::deleted_cert_item(base, &props, d).map(|v| (k.clone(), v))
            });
            let page = paging::page(items, start.as_deref(), max, false);
            ok(list_body(ctx, page.items, page.next))
        }
        "kv.deletedcertificates.get" => {
            let d = vault
                .deleted_certificates
                .get(&key(name))
                .ok_or_else(|| deleted_not_found(name))?;
            wire::deleted_cert(base, &props, d)
                .map(ok)
                .unwrap_or_else(|| Err(deleted_not_found(name)))
        }
        "kv.deletedcertificates.purge" => {
            if props.purge_protection {
                return Err(ApiError::forbidden(format!(
                    "Operation \"purge\" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed. Vault: {}",
                    ctx.vault
                )));
            }
            vault
                .deleted_certificates
                .remove(&key(name))
                .ok_or_else(|| deleted_not_found(name))?;
            let mut resp = axum::response::IntoResponse::into_response(StatusCode::NO_CONTENT);
            resp.headers_mut().remove(axum::http::header::CONTENT_TYPE);
            Ok(resp)
        }
        "kv.deletedcertificates.recover" => {
            let k = key(name);
            if vault.certificates.contains_key(&k) {
                return Err(ApiError::conflict(format!(
                    "Certificate {name} already exists."
                )));
            }
            let d = vault
                .deleted_certificates
                .remove(&k)
                .ok_or_else(|| deleted_not_found(name))?;
            let entry = d.entry;
            for c in &entry.versions {
                lifecycle::backing_secret(&mut vault.secrets, &entry.name, c);
            }
            let body = match entry.current() {
                Some(c) => wire::cert_bundle(base, &props, &entry, c),
                None => json!({"id": format!("{base}/certificates/{}", entry.name)}),
            };
            vault.certificates.insert(k, entry);
            ok(body)
        }
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            "Unknown certificate operation.",
        )),
    }
}

fn deleted_not_found(name: &str) -> ApiError {
    ApiError::not_found(
        "CertificateNotFound",
        format!("Deleted Certificate not found: {name}"),
    )
}

/// While the first version is still pending, GET returns attributes, policy and `pending` only.
fn partial_bundle(
    base: &str,
    props: &crate::kv::model::VaultProps,
    e: &CertEntry,
) -> Option<axum::response::Response> {
    let op = e.pending.as_ref()?;
    let version = op.target_version.clone().unwrap_or_default();
    let (level, days) = if props.purge_protection {
        ("Recoverable", props.soft_delete_retention_days)
    } else {
        ("Recoverable+Purgeable", props.soft_delete_retention_days)
    };
    Some(json_response(
        StatusCode::OK,
        &json!({
            "id": format!("{base}/certificates/{}/{version}", e.name),
            "attributes": {"enabled": false, "created": op.created, "updated": op.created, "recoveryLevel": level, "recoverableDays": days},
            "policy": wire::policy(base, e),
            "pending": {"id": format!("{base}/certificates/{}/pending", e.name)},
        }),
    ))
}

fn pending_not_found(name: &str) -> ApiError {
    ApiError::not_found(
        "PendingCertificateNotFound",
        format!("Pending Certificate not found: {name}"),
    )
}

fn pending_route(
    ctx: &Ctx,
    vault: &mut crate::kv::model::Vault,
    route: &str,
    name: &str,
) -> ApiResult {
    let base = ctx.base.as_str();
    let k = key(name);
    let e = vault
        .certificates
        .get_mut(&k)
        .ok_or_else(|| pending_not_found(name))?;
    let Some(op) = e.pending.as_mut() else {
        return Err(pending_not_found(name));
    };
    if let Some(rid) = ctx.req.q("request_id")
        && !rid.eq_ignore_ascii_case(&op.request_id)
    {
        return Err(pending_not_found(name));
    }
    match route {
        "kv.certificates.pending.get" => {
            let mut resp = json_response(
                StatusCode::OK,
                &wire::operation(base, e, e.pending.as_ref().expect("checked")),
            );
            if e.pending
                .as_ref()
                .is_some_and(|op| op.status == OpStatus::InProgress)
            {
                resp.headers_mut()
                    .insert("Retry-After", HeaderValue::from_static("1"));
            }
            Ok(resp)
        }
        "kv.certificates.pending.update" => {
            let body: CancelBody = ctx.json()?;
            if op.status != OpStatus::InProgress {
                return Err(ApiError::forbidden(
                    "Pending status must be in progress to allow update.",
                ));
            }
            match body.cancellation_requested {
                Some(true) => op.cancellation_requested = true,
                Some(false) => {}
                None => {
                    return Err(ApiError::bad_parameter(
                        "cancellation_requested is required.",
                    ));
                }
            }
            ok(wire::operation(
                base,
                e,
                e.pending.as_ref().expect("checked"),
            ))
        }
        _ => {
            let body = wire::operation(base, e, e.pending.as_ref().expect("checked"));
            e.pending = None;
            vault.pending.remove(&k);
            if e.versions.is_empty() {
                vault.certificates.remove(&k);
            }
            ok(body)
        }
    }
}

/// POST create: reserve the pending slot, make the key off the runtime, then answer 202.
pub async fn create(ctx: &Ctx, name: &str) -> ApiResult {
    let body: CreateBody = ctx.json()?;
    if let Some(tags) = &body.tags {
        policy::validate_tags(tags).map_err(ApiError::bad_parameter)?;
    }
    let k = key(name);
    let request_id = new_version_id();
    let (effective, reuse) = {
        let mut w = ctx.st.world.lock();
        reserved(&w, ctx, name)?;
        let premium = vault_props(&w, ctx).sku == "premium";
        let vault = w
            .vaults
            .get(&ctx.vault)
            .ok_or_else(|| cert_not_found(name))?;
        let existing = vault.certificates.get(&k);
        pending_conflict(existing)?;
        let issuer_names: Vec<String> = vault.issuers.values().map(|i| i.name.clone()).collect();
        let mut pol = match (&body.policy, existing) {
            (Some(p), Some(e)) => policy::merge(&e.policy, p),
            (Some(p), None) => p.clone(),
            (None, Some(e)) => e.policy.clone(),
            (None, None) => {
                return Err(ApiError::bad_parameter(
                    "The policy is required to create a new certificate.",
                ));
            }
        };
        policy::validate(&pol, &issuer_names, premium).map_err(ApiError::bad_parameter)?;
        let created_policy = existing
            .and_then(|e| e.policy.attributes.as_ref())
            .and_then(|a| a.created);
        policy::apply_defaults(&mut pol, ctx.now);
        if let (Some(created), Some(attrs)) = (created_policy, pol.attributes.as_mut()) {
            attrs.created = Some(created);
        }
        let eff = Effective::of(&pol);
        let reuse = if eff.reuse_key {
            existing
                .and_then(|e| e.current())
                .filter(|c| c.key.kty == eff.key_kty())
                .map(|c| c.key.clone())
        } else {
            None
        };
        let (provider, delay, will_fail) = w.issuance_plan(&ctx.vault, &eff.issuer_name);
        let mut op = PendingOp::start(
            &eff.issuer_name,
            provider,
            pol.clone(),
            ctx.now,
            delay,
            will_fail,
        );
        op.request_id = request_id.clone();
        op.tags = body.tags.clone().unwrap_or_default();
        op.enabled = body
            .attributes
            .as_ref()
            .and_then(|a| a.enabled)
            .unwrap_or(true);
        let vault = w
            .vaults
            .get_mut(&ctx.vault)
            .ok_or_else(|| cert_not_found(name))?;
        let entry = vault
            .certificates
            .entry(k.clone())
            .or_insert_with(|| CertEntry {
                name: name.to_string(),
                versions: Vec::new(),
                policy: pol.clone(),
                pending: None,
                fired: Default::default(),
            });
        entry.policy = pol;
        entry.pending = Some(op);
        vault.pending.insert(k.clone());
        (eff, reuse)
    };

    // Spawned: a client that disconnects drops this handler, and Key Vault still finishes an
    // operation it has accepted (a pending operation without a key would never complete).
    let st = ctx.st.clone();
    let (vault_name, entry_key, id, now) =
        (ctx.vault.clone(), k.clone(), request_id.clone(), ctx.now);
    let spec = effective.key;
    tokio::spawn(async move {
        let key_material = match reuse.or_else(|| st.key_pool.take(spec)) {
            Some(k) => Ok(k),
            None => tokio::task::spawn_blocking(move || KeyMaterial::generate(spec))
                .await
                .map_err(|e| crate::error::PkiError::Invalid(e.to_string()))
                .and_then(|r| r),
        };
        attach_key(&st, &vault_name, &entry_key, &id, key_material, now);
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            e.to_string(),
        )
    })?;

    let mut w = ctx.st.world.lock();
    let vault = w
        .vaults
        .get_mut(&ctx.vault)
        .ok_or_else(|| cert_not_found(name))?;
    let e = vault
        .certificates
        .get_mut(&k)
        .ok_or_else(|| pending_not_found(name))?;
    if e.pending
        .as_ref()
        .is_none_or(|op| op.request_id != request_id)
    {
        return Err(pending_not_found(name));
    }
    let body = wire::operation(&ctx.base, e, e.pending.as_ref().expect("set above"));
    let mut resp = json_response(StatusCode::ACCEPTED, &body);
    let location = format!(
        "{}/certificates/{}/pending?api-version={}&request_id={request_id}",
        ctx.base,
        e.name,
        ctx.req.q("api-version").unwrap_or_default()
    );
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert("Location", v);
    }
    resp.headers_mut()
        .insert("Retry-After", HeaderValue::from_static("1"));
    Ok(resp)
}

/// Gives the pending operation `request_id` of certificate `entry_key` its key and CSR, or
/// fails it when the key could not be made (it may be gone: cancelled and deleted meanwhile).
fn attach_key(
    st: &crate::state::AppState,
    vault: &str,
    entry_key: &str,
    request_id: &str,
    key_material: Result<std::sync::Arc<KeyMaterial>, crate::error::PkiError>,
    now: i64,
) {
    let mut w = st.world.lock();
    let Some(op) = w
        .vaults
        .get_mut(vault)
        .and_then(|v| v.certificates.get_mut(entry_key))
        .and_then(|e| e.pending.as_mut())
        .filter(|op| op.request_id == request_id)
    else {
        return;
    };
    match key_material.and_then(|km| {
        let csr = policy::cert_request(&op.policy, now).csr(&km)?;
        Ok((km, csr))
    }) {
        Ok((km, csr)) => {
            op.key = Some(km);
            op.csr = Some(csr);
        }
        Err(err) => {
            op.status = OpStatus::Failed;
            op.status_details = String::new();
            op.error = Some(("KeyGenerationFailed".into(), err.to_string()));
        }
    }
}

impl Effective {
    fn key_kty(&self) -> &'static str {
        if self.kty.starts_with("EC") {
            "EC"
        } else {
            "RSA"
        }
    }
}

/// POST import: PFX (base64, with password) or PEM; the policy's x509 section is read from the certificate.
pub fn import(ctx: &Ctx, name: &str) -> ApiResult {
    let body: ImportBody = ctx.json()?;
    let value = body
        .value
        .clone()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::bad_parameter("The certificate value is required."))?;
    if let Some(tags) = &body.tags {
        policy::validate_tags(tags).map_err(ApiError::bad_parameter)?;
    }
    let requested_ct = body
        .policy
        .as_ref()
        .and_then(|p| p.secret_props.as_ref())
        .and_then(|s| s.content_type.clone());
    let looks_pem = value.trim_start().starts_with("-----BEGIN");
    let content_type = requested_ct.clone().unwrap_or_else(|| {
        if looks_pem {
            certkeep_core::keyvault::CONTENT_TYPE_PEM.into()
        } else {
            certkeep_core::keyvault::CONTENT_TYPE_PFX.into()
        }
    });
    let (key_der, chain) = if content_type == certkeep_core::keyvault::CONTENT_TYPE_PEM {
        // SDKs send the PEM file base64-encoded; raw PEM text is accepted too.
        let text = if looks_pem {
            value.clone()
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(value.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_else(|| value.clone())
        };
        let bundle = certkeep_core::pem::parse_bundle(&text)
            .map_err(|e| ApiError::bad_parameter(format!("The specified PEM X.509 certificate content is in an unexpected format. Please check if certificate is in valid PEM format. ({e})")))?;
        let key = bundle.private_key.ok_or_else(|| ApiError::bad_parameter("Private key is not specified in the specified X.509 PEM certificate content. Please specify private key in the X.509 PEM certificate content."))?;
        if key.0 != "PRIVATE KEY" {
            return Err(ApiError::bad_parameter(
                "The private key must be PKCS#8 (BEGIN PRIVATE KEY).",
            ));
        }
        (key.1, bundle.certificates)
    } else {
        let der = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .map_err(|_| {
                ApiError::bad_parameter(
                    "The specified PKCS#12 X.509 certificate content is not valid base64.",
                )
            })?;
        let read = certkeep_core::pfx::read_pfx(&der, body.pwd.as_deref().unwrap_or_default())
            .map_err(|e| ApiError::bad_parameter(format!("The specified PKCS#12 X.509 certificate content can not be read. Please check if certificate is in valid PKCS#12 format and the password is correct. ({e})")))?;
        let key = read.key_pkcs8.ok_or_else(|| {
            ApiError::bad_parameter(
                "The specified PKCS#12 X.509 certificate content does not contain a private key.",
            )
        })?;
        (key, read.chain)
    };
    let leaf = chain
        .first()
        .ok_or_else(|| ApiError::bad_parameter("The certificate content holds no certificate."))?;
    let facts =
        certkeep_core::x509::inspect(leaf).map_err(|e| ApiError::bad_parameter(e.to_string()))?;
    let km = KeyMaterial::from_pkcs8(&key_der)
        .map_err(|e| ApiError::bad_parameter(format!("The private key cannot be used: {e}")))?;
    if km.spki()
        != certkeep_core::x509::public_key_der(leaf)
            .map_err(|e| ApiError::bad_parameter(e.to_string()))?
    {
        return Err(ApiError::bad_parameter(
            "The private key does not match the certificate's public key.",
        ));
    }

    let mut w = ctx.st.world.lock();
    reserved(&w, ctx, name)?;
    let props = vault_props(&w, ctx);
    let vault = w
        .vaults
        .get_mut(&ctx.vault)
        .ok_or_else(|| cert_not_found(name))?;
    let k = key(name);
    pending_conflict(vault.certificates.get(&k))?;
    let mut pol = body.policy.clone().unwrap_or_default();
    if pol
        .issuer
        .as_ref()
        .and_then(|i| i.name.as_deref())
        .is_none()
    {
        pol.issuer = Some(policy::IssuerParams {
            name: Some("Unknown".into()),
            ..Default::default()
        });
    }
    let kp = pol.key_props.get_or_insert_with(Default::default);
    kp.kty = Some(km.kty.to_string());
    kp.key_size = Some(km.size as i64);
    kp.crv = km.curve.map(str::to_string);
    pol.secret_props = Some(policy::SecretProps {
        content_type: Some(content_type.clone()),
    });
    let months = ((facts.not_after - facts.not_before) as f64 / (30.44 * 86_400.0))
        .round()
        .max(1.0) as i64;
    pol.x509_props = Some(policy::X509Props {
        subject: Some(facts.subject.clone()),
        sans: None,
        ekus: Some(facts.ekus.clone()),
        key_usage: Some(facts.key_usage.clone()),
        validity_months: Some(months.min(1200)),
        basic_constraints: None,
    });
    let issuer_names: Vec<String> = vault.issuers.values().map(|i| i.name.clone()).collect();
    policy::validate(&pol, &issuer_names, true).map_err(ApiError::bad_parameter)?;
    policy::apply_defaults(&mut pol, ctx.now);
    if let Some(x) = pol.x509_props.as_mut() {
        x.basic_constraints = Some(policy::BasicConstraints {
            ca: facts.is_ca.unwrap_or(false),
        });
    }
    let version = lifecycle::NewVersion {
        chain,
        key: km,
        enabled: body
            .attributes
            .as_ref()
            .and_then(|a| a.enabled)
            .unwrap_or(true),
        tags: body.tags.clone().unwrap_or_default(),
        nbf: facts.not_before,
        exp: facts.not_after,
        content_type,
    };
    let created = lifecycle::add_version(vault, name, Some(pol), version, ctx.now);
    let e = &vault.certificates[&k];
    let c = e.find(&created).ok_or_else(|| cert_not_found(name))?;
    ok(wire::cert_bundle(&ctx.base, &props, e, c))
}

/// POST pending/merge: the signed certificate must carry the pending key.
pub fn merge(ctx: &Ctx, name: &str) -> ApiResult {
    let body: MergeBody = ctx.json()?;
    let x5c = body.x5c.clone().filter(|v| !v.is_empty()).ok_or_else(|| {
        ApiError::bad_parameter(
            "x5c is required: the signed certificate chain, leaf first, base64 DER.",
        )
    })?;
    let chain: Vec<Vec<u8>> = x5c
        .iter()
        .map(|c| base64::engine::general_purpose::STANDARD.decode(c.trim()))
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::bad_parameter("x5c entries must be base64 DER certificates."))?;
    let facts = certkeep_core::x509::inspect(&chain[0])
        .map_err(|e| ApiError::bad_parameter(format!("x5c[0] is not a certificate: {e}")))?;
    let leaf_spki = certkeep_core::x509::public_key_der(&chain[0])
        .map_err(|e| ApiError::bad_parameter(e.to_string()))?;

    let mut w = ctx.st.world.lock();
    let props = vault_props(&w, ctx);
    let vault = w
        .vaults
        .get_mut(&ctx.vault)
        .ok_or_else(|| cert_not_found(name))?;
    let k = key(name);
    let e = vault
        .certificates
        .get_mut(&k)
        .ok_or_else(|| pending_not_found(name))?;
    let op = e.pending.as_mut().ok_or_else(|| pending_not_found(name))?;
    if op.status != OpStatus::InProgress {
        return Err(ApiError::forbidden(
            "Pending status must be in progress to allow merge.",
        ));
    }
    if !op.issuer_name.eq_ignore_ascii_case("Unknown") {
        return Err(ApiError::forbidden(format!(
            "Merge is forbidden on pending object created with issuer : {} while it is in progess.",
            op.issuer_name
        )));
    }
    let Some(km) = op.key.clone() else {
        return Err(ApiError::conflict(
            "The pending certificate's key is still being generated; retry shortly.",
        ));
    };
    if km.spki() != leaf_spki {
        return Err(ApiError::bad_parameter(
            "Public key from x509 certificate and key of this instance doesn't match",
        ));
    }
    op.status = OpStatus::Completed;
    let content_type = Effective::of(&op.policy).content_type;
    let mut tags = op.tags.clone();
    if let Some(t) = body.tags.clone() {
        tags = t;
    }
    let enabled = body
        .attributes
        .as_ref()
        .and_then(|a| a.enabled)
        .unwrap_or(op.enabled);
    let target = op.target_version.clone();
    vault.pending.remove(&k);
    let version = lifecycle::NewVersion {
        chain,
        key: km,
        enabled,
        tags,
        nbf: facts.not_before,
        exp: facts.not_after,
        content_type,
    };
    let created = lifecycle::add_version_with_id(vault, name, None, version, ctx.now, target);
    let e = &vault.certificates[&k];
    let c = e.find(&created).ok_or_else(|| cert_not_found(name))?;
    let mut resp = json_response(
        StatusCode::CREATED,
        &wire::cert_bundle(&ctx.base, &props, e, c),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{}/certificates/{}?api-version={}",
        ctx.base,
        e.name,
        ctx.req.q("api-version").unwrap_or_default()
    )) {
        resp.headers_mut().insert("Location", v);
    }
    Ok(resp)
}
