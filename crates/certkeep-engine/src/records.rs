//! Turning what Azure said into what the store keeps: vaults, issuers, certificate versions
//! (with every X.509 fact parsed here) and TLS-secret versions, and reading the certificate
//! out of a TLS secret's value.

use base64::Engine as _;
use certkeep_azure::{CertBundle, IssuerItem, SecretItem, SecretVersionItem, VaultInfo};
use certkeep_core::keyvault::{CONTENT_TYPE_PEM, CONTENT_TYPE_PFX};
use certkeep_store::{
    CertificateRecord, CertificateSource, CertificateUpsert, IssuerRecord, TlsSecretRecord,
    VaultRecord,
};

use crate::EngineError;

/// Key Vault's `x5t` (base64url SHA-1) from the hex thumbprint the Azure client reports.
pub fn x5t_from_hex(hex_sha1: &str) -> String {
    match hex::decode(hex_sha1) {
        Ok(bytes) => base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        Err(_) => hex_sha1.to_string(),
    }
}

pub fn vault_record(v: &VaultInfo) -> VaultRecord {
    VaultRecord {
        name: v.name.clone(),
        vault_uri: v.vault_uri.clone(),
        resource_id: v.resource_id.clone(),
        resource_group: v.resource_group.clone(),
        location: v.location.clone(),
        tenant_id: v.tenant_id.clone(),
        sku: v.sku.clone(),
        has_rbac_authorization: v.rbac,
        soft_delete_retention_days: v.soft_delete_retention_days.map(|d| d as i32),
        has_purge_protection: v.purge_protection,
        tags: v.tags.clone(),
    }
}

pub fn issuer_record(i: &IssuerItem) -> IssuerRecord {
    IssuerRecord {
        name: i.name.clone(),
        provider: i.provider.clone().unwrap_or_default(),
    }
}

/// Where a certificate version came from, besides its DER.
pub struct Origin<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub is_current: bool,
    pub source: CertificateSource,
    pub secret: Option<(&'a str, &'a str)>,
    pub kv_id: String,
    pub is_enabled: bool,
    pub kv_created: i64,
    pub kv_updated: i64,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
    pub tags: certkeep_store::Tags,
    pub policy_issuer: Option<String>,
    pub content_type: Option<String>,
}

/// Parses the DER and combines it with the Key Vault facts (what the store upserts).
pub fn certificate_record(
    origin: Origin<'_>,
    der: &[u8],
) -> Result<CertificateUpsert, EngineError> {
    let f = certkeep_core::x509::inspect(der).map_err(|e| {
        EngineError::invalid(
            "certificate",
            format!("{} {}: {e}", origin.name, origin.version),
        )
    })?;
    let record = CertificateRecord {
        name: origin.name.to_string(),
        version: origin.version.to_string(),
        is_current: origin.is_current,
        source: origin.source,
        source_secret_name: origin.secret.map(|s| s.0.to_string()),
        source_secret_version: origin.secret.map(|s| s.1.to_string()),
        kv_id: origin.kv_id,
        x5t: certkeep_core::x509::x5t(der),
        is_enabled: origin.is_enabled,
        kv_created: origin.kv_created,
        kv_updated: origin.kv_updated,
        nbf: origin.nbf,
        exp: origin.exp,
        tags: origin.tags,
        policy_issuer: origin.policy_issuer,
        content_type: origin.content_type,
        subject: f.subject,
        issuer_dn: f.issuer,
        serial_hex: f.serial_hex,
        sans: certkeep_store::Sans {
            dns: f.sans.dns_names,
            emails: f.sans.emails,
            upns: f.sans.upns,
            ips: f.sans.ip_addresses,
            uris: f.sans.uris,
        },
        key_usage: f.key_usage,
        is_key_usage_critical: f.key_usage_critical,
        ekus: f.ekus,
        key_type: f.key.kty,
        key_size: f.key.size as i32,
        key_curve: f.key.curve,
        signature_algorithm: f.signature_algorithm,
        not_before: f.not_before,
        not_after: f.not_after,
        sha1_hex: f.sha1_hex,
        sha256_hex: f.sha256_hex,
        der: der.to_vec(),
    };
    Ok(CertificateUpsert {
        record,
        is_eku_critical: f.eku_critical,
    })
}

/// A certificate version from its Key Vault bundle.
pub fn bundle_record(b: &CertBundle, is_current: bool) -> Result<CertificateUpsert, EngineError> {
    let origin = Origin {
        name: &b.name,
        version: &b.version,
        is_current,
        source: CertificateSource::KeyVault,
        secret: None,
        kv_id: b.kv_id.clone(),
        is_enabled: b.enabled,
        kv_created: b.created.unwrap_or_default(),
        kv_updated: b.updated.unwrap_or_default(),
        nbf: b.nbf,
        exp: b.exp,
        tags: b.tags.clone(),
        policy_issuer: b.policy_issuer.clone(),
        content_type: b.content_type.clone(),
    };
    certificate_record(origin, &b.der)
}

/// A TLS-secret version record (the secret's own attributes; no value).
pub fn tls_secret_record(name: &str, v: &SecretVersionItem, is_current: bool) -> TlsSecretRecord {
    TlsSecretRecord {
        name: name.to_string(),
        version: v.version.clone(),
        is_current,
        content_type: v.content_type.clone().unwrap_or_default(),
        is_enabled: v.enabled,
        activation: v.nbf,
        expiry: v.exp,
        kv_created: v.created.unwrap_or_default(),
        kv_updated: v.updated.unwrap_or_default(),
        is_managed: v.managed,
        tags: v.tags.clone(),
    }
}

/// Whether a listed secret is a TLS secret of the requested kind.
pub fn is_wanted_secret(s: &SecretItem, include_certificate_backed: bool) -> bool {
    s.content_type
        .as_deref()
        .is_some_and(certkeep_core::keyvault::is_tls_content_type)
        && (include_certificate_backed || !s.managed)
}

/// The leaf certificate inside a TLS secret's value: base64 PFX (empty password) or PEM.
pub fn leaf_in_secret(value: &str, content_type: &str) -> Result<Vec<u8>, EngineError> {
    let ct = content_type.trim().to_ascii_lowercase();
    let chain = if ct == CONTENT_TYPE_PEM {
        certkeep_core::pem::parse_bundle(value)
            .map_err(|e| EngineError::invalid("secret", e.to_string()))?
            .certificates
    } else if ct == CONTENT_TYPE_PFX {
        let der = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .map_err(|_| EngineError::invalid("secret", "the PFX value is not base64"))?;
        certkeep_core::pfx::read_pfx(&der, "")
            .map_err(|e| EngineError::invalid("secret", e.to_string()))?
            .chain
    } else {
        return Err(EngineError::invalid(
            "secret",
            format!("content type '{content_type}' holds no certificate"),
        ));
    };
    chain
        .into_iter()
        .next()
        .ok_or_else(|| EngineError::invalid("secret", "no certificate in the secret"))
}
