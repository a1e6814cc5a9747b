//! JSON shapes of Key Vault objects: certificate bundles and list items, policies, pending
//! operations, secrets, issuers, contacts and deleted objects.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::kv::model::{
    CertEntry, CertVersion, Deleted, IssuerEntry, PendingOp, SecretEntry, SecretVersion, VaultProps,
};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// `Recoverable+Purgeable`, or `Recoverable` when purge protection is on.
fn recovery(v: &VaultProps) -> (&'static str, i64) {
    let level = if v.purge_protection {
        "Recoverable"
    } else {
        "Recoverable+Purgeable"
    };
    (level, v.soft_delete_retention_days)
}

pub fn cert_attributes(v: &VaultProps, c: &CertVersion) -> Value {
    let (level, days) = recovery(v);
    json!({
        "enabled": c.enabled, "nbf": c.nbf, "exp": c.exp, "created": c.created,
        "updated": c.updated, "recoveryLevel": level, "recoverableDays": days
    })
}

/// The full certificate bundle of one version.
pub fn cert_bundle(base: &str, v: &VaultProps, e: &CertEntry, c: &CertVersion) -> Value {
    let mut b = json!({
        "id": format!("{base}/certificates/{}/{}", e.name, c.version),
        "kid": format!("{base}/keys/{}/{}", e.name, c.version),
        "sid": format!("{base}/secrets/{}/{}", e.name, c.version),
        "x5t": c.x5t,
        "cer": B64.encode(c.der()),
        "attributes": cert_attributes(v, c),
        "policy": policy(base, e),
    });
    if !c.tags.is_empty() {
        b["tags"] = json!(c.tags);
    }
    if let Some(op) = &e.pending
        && op.status == crate::kv::model::OpStatus::InProgress
    {
        b["pending"] = json!({"id": format!("{base}/certificates/{}/pending", e.name)});
    }
    b
}

/// A list item: `/certificates` gives the name's id, `/versions` the version's.
pub fn cert_item(
    base: &str,
    v: &VaultProps,
    e: &CertEntry,
    c: &CertVersion,
    with_version: bool,
) -> Value {
    let id = if with_version {
        format!("{base}/certificates/{}/{}", e.name, c.version)
    } else {
        format!("{base}/certificates/{}", e.name)
    };
    let _ = v;
    let attributes = json!({
        "enabled": c.enabled, "nbf": c.nbf, "exp": c.exp, "created": c.created, "updated": c.updated
    });
    let mut item = json!({"id": id, "x5t": c.x5t, "attributes": attributes, "subject": ""});
    if !c.tags.is_empty() {
        item["tags"] = json!(c.tags);
    }
    item
}

/// The pending-only list item (`includePending=true`).
pub fn pending_item(base: &str, e: &CertEntry, op: &PendingOp) -> Value {
    json!({
        "id": format!("{base}/certificates/{}", e.name),
        "attributes": {"enabled": op.enabled, "created": op.created, "updated": op.created},
    })
}

pub fn policy(base: &str, e: &CertEntry) -> Value {
    let mut p = serde_json::to_value(&e.policy).unwrap_or_else(|_| json!({}));
    p["id"] = json!(format!("{base}/certificates/{}/policy", e.name));
    p
}

pub fn operation(base: &str, e: &CertEntry, op: &PendingOp) -> Value {
    let mut o = json!({
        "id": format!("{base}/certificates/{}/pending", e.name),
        "issuer": {"name": op.issuer_name},
        "cancellation_requested": op.cancellation_requested,
        "status": op.status.wire(),
        "request_id": op.request_id,
    });
    if op.status == crate::kv::model::OpStatus::InProgress
        || op.status == crate::kv::model::OpStatus::Failed
    {
        o["status_details"] = json!(op.status_details);
    }
    if let Some(csr) = &op.csr {
        o["csr"] = json!(B64.encode(csr));
    }
    if let Some((code, message)) = &op.error {
        o["error"] = json!({"code": code, "message": message});
    }
    if op.status == crate::kv::model::OpStatus::Completed {
        o["target"] = json!(format!("{base}/certificates/{}", e.name));
    }
    o
}

pub fn deleted_cert(base: &str, v: &VaultProps, d: &Deleted<CertEntry>) -> Option<Value> {
    let c = d.entry.current()?;
    let mut b = cert_bundle(base, v, &d.entry, c);
    b["recoveryId"] = json!(format!("{base}/deletedcertificates/{}", d.entry.name));
    b["deletedDate"] = json!(d.deleted_date);
    b["scheduledPurgeDate"] = json!(d.scheduled_purge_date);
    Some(b)
}

pub fn deleted_cert_item(base: &str, v: &VaultProps, d: &Deleted<CertEntry>) -> Option<Value> {
    let c = d.entry.current()?;
    let mut b = cert_item(base, v, &d.entry, c, false);
    b["recoveryId"] = json!(format!("{base}/deletedcertificates/{}", d.entry.name));
    b["deletedDate"] = json!(d.deleted_date);
    b["scheduledPurgeDate"] = json!(d.scheduled_purge_date);
    Some(b)
}

pub fn secret_attributes(v: &VaultProps, s: &SecretVersion) -> Value {
    let (level, days) = recovery(v);
    let mut a = json!({
        "enabled": s.enabled, "created": s.created, "updated": s.updated,
        "recoveryLevel": level, "recoverableDays": days
    });
    if let Some(nbf) = s.nbf {
        a["nbf"] = json!(nbf);
    }
    if let Some(exp) = s.exp {
        a["exp"] = json!(exp);
    }
    a
}

fn secret_common(
    base: &str,
    v: &VaultProps,
    e: &SecretEntry,
    s: &SecretVersion,
    id: String,
) -> Value {
    let mut b = json!({"id": id, "attributes": secret_attributes(v, s)});
    if let Some(ct) = &s.content_type {
        b["contentType"] = json!(ct);
    }
    if !s.tags.is_empty() {
        b["tags"] = json!(s.tags);
    }
    if s.managed {
        b["managed"] = json!(true);
        b["kid"] = json!(format!("{base}/keys/{}/{}", e.name, s.version));
    }
    b
}

pub fn secret_bundle(
    base: &str,
    v: &VaultProps,
    e: &SecretEntry,
    s: &SecretVersion,
    value: Option<&str>,
) -> Value {
    let id = format!("{base}/secrets/{}/{}", e.name, s.version);
    let mut b = secret_common(base, v, e, s, id);
    if let Some(value) = value {
        b["value"] = json!(value);
    }
    b
}

pub fn secret_item(
    base: &str,
    v: &VaultProps,
    e: &SecretEntry,
    s: &SecretVersion,
    with_version: bool,
) -> Value {
    let id = if with_version {
        format!("{base}/secrets/{}/{}", e.name, s.version)
    } else {
        format!("{base}/secrets/{}", e.name)
    };
    secret_common(base, v, e, s, id)
}

pub fn deleted_secret(
    base: &str,
    v: &VaultProps,
    d: &Deleted<SecretEntry>,
    item: bool,
) -> Option<Value> {
    let s = d.entry.current()?;
    let mut b = if item {
        secret_item(base, v, &d.entry, s, false)
    } else {
        secret_bundle(base, v, &d.entry, s, None)
    };
    b["recoveryId"] = json!(format!("{base}/deletedsecrets/{}", d.entry.name));
    b["deletedDate"] = json!(d.deleted_date);
    b["scheduledPurgeDate"] = json!(d.scheduled_purge_date);
    Some(b)
}

pub fn issuer(base: &str, i: &IssuerEntry) -> Value {
    let mut b = json!({
        "id": format!("{base}/certificates/issuers/{}", i.name),
        "provider": i.provider,
        "attributes": {"enabled": i.enabled, "created": i.created, "updated": i.updated},
    });
    if i.account_id.is_some() || i.has_password {
        let mut creds = json!({});
        if let Some(a) = &i.account_id {
            creds["account_id"] = json!(a);
        }
        b["credentials"] = creds;
    }
    if let Some(org) = &i.org_details {
        b["org_details"] = org.clone();
    }
    b
}

pub fn issuer_item(base: &str, i: &IssuerEntry) -> Value {
    json!({"id": format!("{base}/certificates/issuers/{}", i.name), "provider": i.provider})
}

pub fn contacts(base: &str, list: &[crate::kv::model::Contact]) -> Value {
    json!({"id": format!("{base}/certificates/contacts"), "contacts": list})
}
