//! Plain structs for what Certkeep reads from a vault, converted from the SDK models. Times are
//! Unix seconds; `x5t` is the lowercase hex SHA-1 of the DER (Key Vault sends it base64url).

use std::collections::{BTreeMap, HashMap};

use azure_core::http::Url;
use azure_core::time::OffsetDateTime;
use azure_security_keyvault_certificates::models::{
    Certificate, CertificateAttributes, CertificateProperties, IssuerProperties,
};
use azure_security_keyvault_secrets::models::{Secret, SecretAttributes, SecretProperties};
use secrecy::SecretString;

/// One certificate in a listing (its current version's attributes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertListItem {
    pub name: String,
    pub x5t: String,
    pub enabled: bool,
    pub created: Option<i64>,
    pub updated: Option<i64>,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
    pub tags: BTreeMap<String, String>,
}

/// One version of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertVersionItem {
    pub version: String,
    pub x5t: String,
    pub enabled: bool,
    pub created: Option<i64>,
    pub updated: Option<i64>,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
    pub tags: BTreeMap<String, String>,
}

/// A certificate version with its DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertBundle {
    pub name: String,
    pub version: String,
    /// The Key Vault id, `https://{vault}/certificates/{name}/{version}`.
    pub kv_id: String,
    pub der: Vec<u8>,
    pub x5t: String,
    pub enabled: bool,
    pub created: Option<i64>,
    pub updated: Option<i64>,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
    pub tags: BTreeMap<String, String>,
    /// The policy's issuer name (`Self`, `Unknown` or an issuer of the vault).
    pub policy_issuer: Option<String>,
    /// Content type of the backing secret (`application/x-pkcs12` or `application/x-pem-file`).
    pub content_type: Option<String>,
}

/// A certificate issuer of the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerItem {
    pub name: String,
    pub provider: Option<String>,
}

/// One secret in a listing (no value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretItem {
    pub name: String,
    pub content_type: Option<String>,
    pub enabled: bool,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
    pub created: Option<i64>,
    pub updated: Option<i64>,
    /// True for the secret that backs a certificate version.
    pub managed: bool,
    pub tags: BTreeMap<String, String>,
}

/// One version of a secret (no value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretVersionItem {
    pub version: String,
    pub content_type: Option<String>,
    pub enabled: bool,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
    pub created: Option<i64>,
    pub updated: Option<i64>,
    pub managed: bool,
    pub tags: BTreeMap<String, String>,
}

/// A secret version with its value. `Debug` shows `[REDACTED]` for the value.
#[derive(Debug, Clone)]
pub struct SecretValue {
    pub name: String,
    pub version: String,
    pub value: SecretString,
    pub content_type: Option<String>,
    pub enabled: bool,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
    pub created: Option<i64>,
    pub updated: Option<i64>,
    pub managed: bool,
    /// For a certificate's secret: the key id.
    pub kid: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// Name and version from a Key Vault id under `collection` (`certificates`, `secrets`,
/// `certificates/issuers`).
pub(crate) fn id_parts(id: Option<&str>, collection: &str) -> Option<(String, Option<String>)> {
    let url = Url::parse(id?).ok()?;
    let segs: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let col: Vec<&str> = collection.split('/').collect();
    if segs.len() <= col.len() || segs[..col.len()] != col[..] {
        return None;
    }
    let name = segs[col.len()].to_string();
    let version = segs.get(col.len() + 1).map(|v| v.to_string());
    Some((name, version))
}

fn unix(t: Option<OffsetDateTime>) -> Option<i64> {
    t.map(OffsetDateTime::unix_timestamp)
}

fn tags(t: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    t.map(|m| m.into_iter().collect()).unwrap_or_default()
}

fn x5t_hex(t: Option<Vec<u8>>) -> String {
    t.map(hex::encode).unwrap_or_default()
}

struct Times {
    enabled: bool,
    created: Option<i64>,
    updated: Option<i64>,
    nbf: Option<i64>,
    exp: Option<i64>,
}

fn cert_times(a: Option<CertificateAttributes>) -> Times {
    let a = a.unwrap_or_default();
    Times {
        enabled: a.enabled.unwrap_or(true),
        created: unix(a.created),
        updated: unix(a.updated),
        nbf: unix(a.not_before),
        exp: unix(a.expires),
    }
}

fn secret_times(a: Option<SecretAttributes>) -> Times {
    let a = a.unwrap_or_default();
    Times {
        enabled: a.enabled.unwrap_or(true),
        created: unix(a.created),
        updated: unix(a.updated),
        nbf: unix(a.not_before),
        exp: unix(a.expires),
    }
}

pub(crate) fn cert_list_item(p: CertificateProperties) -> Option<CertListItem> {
    let (name, _) = id_parts(p.id.as_deref(), "certificates")?;
    let t = cert_times(p.attributes);
    Some(CertListItem {
        name,
        x5t: x5t_hex(p.x509_thumbprint),
        enabled: t.enabled,
        created: t.created,
        updated: t.updated,
        nbf: t.nbf,
        exp: t.exp,
        tags: tags(p.tags),
    })
}

pub(crate) fn cert_version_item(p: CertificateProperties) -> Option<CertVersionItem> {
    let (_, version) = id_parts(p.id.as_deref(), "certificates")?;
    let t = cert_times(p.attributes);
    Some(CertVersionItem {
        version: version?,
        x5t: x5t_hex(p.x509_thumbprint),
        enabled: t.enabled,
        created: t.created,
        updated: t.updated,
        nbf: t.nbf,
        exp: t.exp,
        tags: tags(p.tags),
    })
}

pub(crate) fn cert_bundle(c: Certificate) -> Option<CertBundle> {
    let kv_id = c.id.clone()?;
    let (name, version) = id_parts(Some(&kv_id), "certificates")?;
    let t = cert_times(c.attributes);
    let policy = c.policy.unwrap_or_default();
    let policy_issuer = policy.issuer_parameters.and_then(|i| i.name);
    let content_type = c
        .content_type
        .or_else(|| policy.secret_properties.and_then(|s| s.content_type));
    Some(CertBundle {
        name,
        version: version?,
        kv_id,
        der: c.cer?,
        x5t: x5t_hex(c.x509_thumbprint),
        enabled: t.enabled,
        created: t.created,
        updated: t.updated,
        nbf: t.nbf,
        exp: t.exp,
        tags: tags(c.tags),
        policy_issuer,
        content_type,
    })
}

pub(crate) fn issuer_item(p: IssuerProperties) -> Option<IssuerItem> {
    let (name, _) = id_parts(p.id.as_deref(), "certificates/issuers")?;
    Some(IssuerItem {
        name,
        provider: p.provider,
    })
}

pub(crate) fn secret_item(p: SecretProperties) -> Option<SecretItem> {
    let (name, _) = id_parts(p.id.as_deref(), "secrets")?;
    let t = secret_times(p.attributes);
    Some(SecretItem {
        name,
        content_type: p.content_type,
        enabled: t.enabled,
        nbf: t.nbf,
        exp: t.exp,
        created: t.created,
        updated: t.updated,
        managed: p.managed.unwrap_or(false),
        tags: tags(p.tags),
    })
}

pub(crate) fn secret_version_item(p: SecretProperties) -> Option<SecretVersionItem> {
    let (_, version) = id_parts(p.id.as_deref(), "secrets")?;
    let t = secret_times(p.attributes);
    Some(SecretVersionItem {
        version: version?,
        content_type: p.content_type,
        enabled: t.enabled,
        nbf: t.nbf,
        exp: t.exp,
        created: t.created,
        updated: t.updated,
        managed: p.managed.unwrap_or(false),
        tags: tags(p.tags),
    })
}

pub(crate) fn secret_value(s: Secret) -> Option<SecretValue> {
    let (name, version) = id_parts(s.id.as_deref(), "secrets")?;
    let t = secret_times(s.attributes);
    Some(SecretValue {
        name,
        version: version?,
        value: SecretString::from(s.value.unwrap_or_default()),
        content_type: s.content_type,
        enabled: t.enabled,
        nbf: t.nbf,
        exp: t.exp,
        created: t.created,
        updated: t.updated,
        managed: s.managed.unwrap_or(false),
        kid: s.kid,
        tags: tags(s.tags),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_split_into_name_and_version() {
        let id = "https://kv1.vault.azure.net/certificates/www/0123abcd";
        assert_eq!(
            id_parts(Some(id), "certificates"),
            Some(("www".into(), Some("0123abcd".into())))
        );
        assert_eq!(
            id_parts(
                Some("https://kv1.vault.azure.net/certificates/www"),
                "certificates"
            ),
            Some(("www".into(), None))
        );
        assert_eq!(
            id_parts(
                Some("https://kv1.vault.azure.net/certificates/issuers/digicert"),
                "certificates/issuers"
            ),
            Some(("digicert".into(), None))
        );
        assert_eq!(id_parts(Some(id), "secrets"), None);
        assert_eq!(id_parts(None, "secrets"), None);
    }

    #[test]
    fn secret_values_do_not_show_in_debug() {
        let mut s = Secret::default();
        s.id = Some("https://kv1.vault.azure.net/secrets/db/v1".into());
        s.value = Some("hunter2-value".into());
        let v = secret_value(s).unwrap();
        assert_eq!((v.name.as_str(), v.version.as_str()), ("db", "v1"));
        let dbg = format!("{v:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
    }
}
