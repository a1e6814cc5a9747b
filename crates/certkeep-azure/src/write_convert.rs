//! Conversions between the write models and the SDK models (operations, attributes, secrets,
//! contacts; policies are in `policy_convert`), and the checks made before a write is sent
//! (object names that stay one URL segment, times that are valid).

use std::collections::{BTreeMap, HashMap};

use azure_core::time::OffsetDateTime;
use azure_security_keyvault_certificates::models as c;
use azure_security_keyvault_secrets::models as s;

use crate::AzureError;
use crate::vault_models::{SecretVersionItem, id_parts};
use crate::write_models::*;

pub(crate) use crate::policy_convert::{policy_from_sdk, policy_to_sdk};

/// Key Vault object names: 1–127 of `0-9a-zA-Z-`. Checked before a name goes into a URL path.
pub(crate) fn check_name(what: &str, name: &str) -> Result<(), AzureError> {
    let ok = (1..=127).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(AzureError::InvalidInput(format!(
            "{what} name '{name}' must be 1-127 letters, digits and '-'"
        )))
    }
}

/// Version ids are alphanumeric (32 hex digits in Key Vault).
pub(crate) fn check_version(version: &str) -> Result<(), AzureError> {
    if !version.is_empty() && version.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(AzureError::InvalidInput(format!(
            "version '{version}' must be letters and digits"
        )))
    }
}

fn time(field: &str, t: Option<i64>) -> Result<Option<OffsetDateTime>, AzureError> {
    t.map(|t| {
        OffsetDateTime::from_unix_timestamp(t)
            .map_err(|e| AzureError::InvalidInput(format!("{field} {t}: {e}")))
    })
    .transpose()
}

fn check_dates(nbf: Option<i64>, exp: Option<i64>) -> Result<(), AzureError> {
    match (nbf, exp) {
        (Some(n), Some(e)) if n >= e => Err(AzureError::InvalidInput(format!(
            "not_before ({n}) must be before expires ({e})"
        ))),
        _ => Ok(()),
    }
}

pub(crate) fn tags_map(t: &BTreeMap<String, String>) -> HashMap<String, String> {
    t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn tags_of(t: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    t.map(|m| m.into_iter().collect()).unwrap_or_default()
}

fn unix(t: Option<OffsetDateTime>) -> Option<i64> {
    t.map(OffsetDateTime::unix_timestamp)
}

// ---- operations, attributes, secrets, contacts ----

pub(crate) fn operation_from_sdk(name: &str, op: c::CertificateOperation) -> PendingOperation {
    let name = id_parts(op.id.as_deref(), "certificates")
        .map(|(n, _)| n)
        .unwrap_or_else(|| name.to_string());
    PendingOperation {
        name,
        status: OperationStatus::parse(op.status.as_deref().unwrap_or_default()),
        status_details: op.status_details,
        error: op.error.map(|e| OperationError {
            code: e.code,
            message: e.message,
        }),
        request_id: op.request_id,
        issuer_name: op.issuer_parameters.and_then(|i| i.name),
        csr: op.csr,
        cancellation_requested: op.cancellation_requested.unwrap_or(false),
        target: op.target,
    }
}

pub(crate) fn cert_update_to_sdk(
    u: &CertificateUpdate,
) -> Result<c::UpdateCertificatePropertiesParameters, AzureError> {
    check_dates(u.not_before, u.expires)?;
    let any_attr = u.enabled.is_some() || u.not_before.is_some() || u.expires.is_some();
    Ok(c::UpdateCertificatePropertiesParameters {
        certificate_attributes: any_attr
            .then(|| {
                Ok::<_, AzureError>(c::CertificateAttributes {
                    enabled: u.enabled,
                    not_before: time("not_before", u.not_before)?,
                    expires: time("expires", u.expires)?,
                    ..Default::default()
                })
            })
            .transpose()?,
        tags: u.tags.as_ref().map(tags_map),
        certificate_policy: None,
    })
}

fn secret_attributes(
    enabled: Option<bool>,
    nbf: Option<i64>,
    exp: Option<i64>,
) -> Result<Option<s::SecretAttributes>, AzureError> {
    check_dates(nbf, exp)?;
    if enabled.is_none() && nbf.is_none() && exp.is_none() {
        return Ok(None);
    }
    Ok(Some(s::SecretAttributes {
        enabled,
        not_before: time("not_before", nbf)?,
        expires: time("expires", exp)?,
        ..Default::default()
    }))
}

/// The PUT body; the caller's tags plus [`WRITE_ID_TAG`]. The value leaves its `SecretString`
/// only here, into the request body.
pub(crate) fn secret_set_to_sdk(
    spec: &SecretSpec,
    write_id: &str,
) -> Result<s::SetSecretParameters, AzureError> {
    use secrecy::ExposeSecret;
    let mut tags = tags_map(&spec.tags);
    tags.insert(WRITE_ID_TAG.to_string(), write_id.to_string());
    Ok(s::SetSecretParameters {
        value: Some(spec.value.expose_secret().to_string()),
        content_type: spec.content_type.clone(),
        secret_attributes: secret_attributes(spec.enabled, spec.not_before, spec.expires)?,
        tags: Some(tags),
    })
}

pub(crate) fn secret_update_to_sdk(
    u: &SecretUpdate,
) -> Result<s::UpdateSecretPropertiesParameters, AzureError> {
    Ok(s::UpdateSecretPropertiesParameters {
        content_type: u.content_type.clone(),
        secret_attributes: secret_attributes(u.enabled, u.not_before, u.expires)?,
        tags: u.tags.as_ref().map(tags_map),
    })
}

/// A secret bundle without its value.
pub(crate) fn secret_version(secret: s::Secret) -> Option<(String, SecretVersionItem)> {
    let (name, version) = id_parts(secret.id.as_deref(), "secrets")?;
    let a = secret.attributes.unwrap_or_default();
    Some((
        name,
        SecretVersionItem {
            version: version?,
            content_type: secret.content_type,
            enabled: a.enabled.unwrap_or(true),
            nbf: unix(a.not_before),
            exp: unix(a.expires),
            created: unix(a.created),
            updated: unix(a.updated),
            managed: secret.managed.unwrap_or(false),
            tags: tags_of(secret.tags),
        },
    ))
}

pub(crate) fn contacts_from_sdk(c: c::Contacts) -> Vec<Contact> {
    c.contact_list
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| {
            Some(Contact {
                email: c.email?,
                name: c.name,
                phone: c.phone,
            })
        })
        .collect()
}

pub(crate) fn contacts_to_sdk(list: &[Contact]) -> c::Contacts {
    c::Contacts {
        contact_list: Some(
            list.iter()
                .map(|x| c::Contact {
                    email: Some(x.email.clone()),
                    name: x.name.clone(),
                    phone: x.phone.clone(),
                })
                .collect(),
        ),
        id: None,
    }
}

#[cfg(test)]
#[path = "write_convert_tests.rs"]
mod tests;
