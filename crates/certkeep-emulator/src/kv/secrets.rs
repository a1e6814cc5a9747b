//! Secret routes: set, get (latest or a version), list, versions, update, delete and the
//! soft-deleted secrets. Certificate-backed secrets render their PFX or PEM on read.

use std::sync::Arc;

use axum::http::StatusCode;
use serde::Deserialize;

use crate::http::{ApiError, ApiResult, ok};
use crate::kv::model::{Deleted, SecretEntry, SecretValue, SecretVersion, Tags, new_version_id};
use crate::kv::{Ctx, list_body, list_params, paging, policy, secret_not_found, wire};
use crate::pki::KeyMaterial;

/// Key Vault's limit on a secret value.
pub const MAX_SECRET_BYTES: usize = 25 * 1024;

#[derive(Debug, Default, Deserialize)]
struct SecretAttributes {
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    exp: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct SetBody {
    value: Option<String>,
    #[serde(default, rename = "contentType")]
    content_type: Option<String>,
    #[serde(default)]
    attributes: Option<SecretAttributes>,
    #[serde(default)]
    tags: Option<Tags>,
}

#[derive(Debug, Deserialize)]
struct UpdateBody {
    #[serde(default, rename = "contentType")]
    content_type: Option<String>,
    #[serde(default)]
    attributes: Option<SecretAttributes>,
    #[serde(default)]
    tags: Option<Tags>,
}

fn check_dates(nbf: Option<i64>, exp: Option<i64>) -> Result<(), ApiError> {
    if let (Some(n), Some(e)) = (nbf, exp)
        && n >= e
    {
        return Err(ApiError::bad_parameter(
            "Invalid attributes: nbf (activation) must be before exp (expiry).",
        ));
    }
    Ok(())
}

/// What it takes to render a certificate-backed value after the lock is released.
struct Render {
    content_type: String,
    key: Arc<KeyMaterial>,
    chain: Vec<Vec<u8>>,
}

pub fn route(ctx: &Ctx, route: &str, name: &str, version: &str) -> ApiResult {
    let k = name.to_ascii_lowercase();
    let base = ctx.base.as_str();
    let mut w = ctx.st.world.lock();
    let props = w.vaults[&ctx.vault].props().clone();
    let vault = w
        .vaults
        .get_mut(&ctx.vault)
        .ok_or_else(|| secret_not_found(name))?;
    match route {
        "kv.secrets.list" => {
            let (max, start) = list_params(ctx)?;
            let items = vault.secrets.iter().filter_map(|(k, e)| {
                e.current()
                    .map(|s| (k.clone(), wire::secret_item(base, &props, e, s, false)))
            });
            let empty = ctx.st.faults.lock().empty_page();
            let page = paging::page(items, start.as_deref(), max, empty);
            ok(list_body(ctx, page.items, page.next))
        }
        "kv.secrets.versions" => {
            let (max, start) = list_params(ctx)?;
            let mut items: Vec<(String, serde_json::Value)> = match vault.secrets.get(&k) {
                Some(e) => e
                    .versions
                    .iter()
                    .map(|s| {
                        (
                            s.version.clone(),
                            wire::secret_item(base, &props, e, s, true),
                        )
                    })
                    .collect(),
                None => Vec::new(),
            };
            items.sort_by(|a, b| a.0.cmp(&b.0));
            let empty = ctx.st.faults.lock().empty_page();
            let page = paging::page(items.into_iter(), start.as_deref(), max, empty);
            ok(list_body(ctx, page.items, page.next))
        }
        "kv.secrets.get" => {
            let e = vault
                .secrets
                .get(&k)
                .ok_or_else(|| secret_not_found(name))?;
            let s = if version.is_empty() {
                e.current()
            } else {
                e.versions
                    .iter()
                    .find(|s| s.version.eq_ignore_ascii_case(version))
            }
            .ok_or_else(|| secret_not_found(&format!("{name}/{version}")))?;
            if !s.enabled {
                return Err(ApiError::forbidden(
                    "Operation get is not allowed on a disabled secret.",
                )
                .inner("SecretDisabled"));
            }
            let mut bundle = wire::secret_bundle(base, &props, e, s, None);
            let render = match &s.value {
                SecretValue::Plain(v) => {
                    bundle["value"] = serde_json::json!(v);
                    None
                }
                SecretValue::CertBacked { cert, version } => {
                    let c = vault
                        .certificates
                        .get(cert)
                        .and_then(|ce| ce.find(version))
                        .ok_or_else(|| secret_not_found(name))?;
                    Some(Render {
                        content_type: c.content_type.clone(),
                        key: c.key.clone(),
                        chain: c.chain.clone(),
                    })
                }
            };
            drop(w);
            if let Some(r) = render {
                let value =
                    crate::pki::secret_value(&r.content_type, &r.key, &r.chain).map_err(|e| {
                        ApiError::new(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "InternalServerError",
                            e.to_string(),
                        )
                    })?;
                bundle["value"] = serde_json::json!(value);
            }
            ok(bundle)
        }
        "kv.secrets.set" => {
            let body: SetBody = ctx.json()?;
            let value = body
                .value
                .ok_or_else(|| ApiError::bad_parameter("The secret value is required."))?;
            if value.len() > MAX_SECRET_BYTES {
                return Err(ApiError::bad_parameter(format!(
                    "The secret value is {} bytes; the maximum is 25 KB ({MAX_SECRET_BYTES} bytes).",
                    value.len()
                )));
            }
            if let Some(tags) = &body.tags {
                policy::validate_tags(tags).map_err(ApiError::bad_parameter)?;
            }
            let attrs = body.attributes.unwrap_or_default();
            check_dates(attrs.nbf, attrs.exp)?;
            if vault.deleted_secrets.contains_key(&k) {
                return Err(ApiError::conflict(format!("Secret {name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.")).inner("ObjectIsDeletedButRecoverable"));
            }
            if vault.certificates.contains_key(&k) {
                return Err(ApiError::forbidden(format!(
                    "Operation set is not allowed on secret '{name}' because it is managed by a certificate."
                )));
            }
            let entry = vault.secrets.entry(k).or_insert_with(|| SecretEntry {
                name: name.to_string(),
                versions: Vec::new(),
            });
            entry.versions.push(SecretVersion {
                version: new_version_id(),
                value: SecretValue::Plain(value.clone()),
                content_type: body.content_type,
                enabled: attrs.enabled.unwrap_or(true),
                nbf: attrs.nbf,
                exp: attrs.exp,
                created: ctx.now,
                updated: ctx.now,
                tags: body.tags.unwrap_or_default(),
                managed: false,
            });
            let s = entry.current().expect("just pushed");
            ok(wire::secret_bundle(base, &props, entry, s, Some(&value)))
        }
        "kv.secrets.update" => {
            let body: UpdateBody = ctx.json()?;
            if let Some(tags) = &body.tags {
                policy::validate_tags(tags).map_err(ApiError::bad_parameter)?;
            }
            let e = vault
                .secrets
                .get_mut(&k)
                .ok_or_else(|| secret_not_found(name))?;
            let idx = if version.is_empty() {
                e.versions.len().checked_sub(1)
            } else {
                e.versions
                    .iter()
                    .position(|s| s.version.eq_ignore_ascii_case(version))
            }
            .ok_or_else(|| secret_not_found(&format!("{name}/{version}")))?;
            let s = &mut e.versions[idx];
            if s.managed {
                return Err(ApiError::forbidden(format!(
                    "Operation update is not allowed on secret '{name}' because it is managed by a certificate; update the certificate instead."
                )));
            }
            let attrs = body.attributes.unwrap_or_default();
            check_dates(attrs.nbf.or(s.nbf), attrs.exp.or(s.exp))?;
            if let Some(en) = attrs.enabled {
                s.enabled = en;
            }
            if attrs.nbf.is_some() {
                s.nbf = attrs.nbf;
            }
            if attrs.exp.is_some() {
                s.exp = attrs.exp;
            }
            if body.content_type.is_some() {
                s.content_type = body.content_type;
            }
            if let Some(t) = body.tags {
                s.tags = t;
            }
            s.updated = ctx.now;
            ok(wire::secret_bundle(base, &props, e, &e.versions[idx], None))
        }
        "kv.secrets.delete" => {
            if vault.certificates.contains_key(&k) {
                return Err(ApiError::forbidden(format!(
                    "Operation delete is not allowed on secret '{name}' because it is managed by a certificate; delete the certificate instead."
                )));
            }
            let entry = vault
                .secrets
                .remove(&k)
                .ok_or_else(|| secret_not_found(name))?;
            let d = Deleted {
                entry,
                deleted_date: ctx.now,
                scheduled_purge_date: ctx.now + props.soft_delete_retention_days * 86_400,
            };
            let body = wire::deleted_secret(base, &props, &d, false);
            vault.deleted_secrets.insert(k, d);
            body.map(ok).unwrap_or_else(|| Err(secret_not_found(name)))
        }
        "kv.deletedsecrets.list" => {
            let (max, start) = list_params(ctx)?;
            let items = vault.deleted_secrets.iter().filter_map(|(k, d)| {
                wire::deleted_secret(base, &props, d, true).map(|v| (k.clone(), v))
            });
            let page = paging::page(items, start.as_deref(), max, false);
            ok(list_body(ctx, page.items, page.next))
        }
        "kv.deletedsecrets.get" => {
            let d = vault
                .deleted_secrets
                .get(&k)
                .ok_or_else(|| deleted_not_found(name))?;
            wire::deleted_secret(base, &props, d, false)
                .map(ok)
                .unwrap_or_else(|| Err(deleted_not_found(name)))
        }
        "kv.deletedsecrets.purge" => {
            if props.purge_protection {
                return Err(ApiError::forbidden(
                    "Operation \"purge\" is not allowed because purge protection is enabled for this vault.",
                ));
            }
            vault
                .deleted_secrets
                .remove(&k)
                .ok_or_else(|| deleted_not_found(name))?;
            Ok(axum::response::IntoResponse::into_response(
                StatusCode::NO_CONTENT,
            ))
        }
        "kv.deletedsecrets.recover" => {
            if vault.secrets.contains_key(&k) {
                return Err(ApiError::conflict(format!("Secret {name} already exists.")));
            }
            let d = vault
                .deleted_secrets
                .remove(&k)
                .ok_or_else(|| deleted_not_found(name))?;
            let body = d
                .entry
                .current()
                .map(|s| wire::secret_bundle(base, &props, &d.entry, s, None));
            vault.secrets.insert(k, d.entry);
            body.map(ok).unwrap_or_else(|| Err(secret_not_found(name)))
        }
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            "Unknown secret operation.",
        )),
    }
}

fn deleted_not_found(name: &str) -> ApiError {
    ApiError::not_found(
        "SecretNotFound",
        format!("Deleted Secret not found: {name}"),
    )
}
