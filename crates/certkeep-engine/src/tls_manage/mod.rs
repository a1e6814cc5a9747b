//! Managing TLS secrets from Certkeep (seed §4.2): create one from an uploaded PFX or PEM,
//! update its dates and status, rediscover it to its latest version, obtain the certificate of
//! its newest version, and export that certificate (never a private key).
//!
//! Every use case runs under the secret's lease (one operation per name across processes) and
//! writes an audit event, failures too. The upload's password only opens the file: it is never
//! stored, logged, audited or put in an error.

use std::collections::BTreeMap;

use base64::Engine as _;
use certkeep_azure::secrecy::{ExposeSecret as _, SecretString};
use certkeep_azure::{AzureError, SecretSpec, SecretUpdate, SecretVersionItem, VaultClient};
use certkeep_core::keyvault::{CONTENT_TYPE_PEM, CONTENT_TYPE_PFX, is_valid_object_name};
use certkeep_core::tls_secret::{PreparedSecret, UploadError, check_activation};
use certkeep_store::{
    CertificateFilter, CertificateSource, Credential, Show, TlsSecret, TlsSecretFilter, Vault,
};
use serde::Serialize;
use serde_json::json;

use crate::lease::LeaseKind;
use crate::reports::ItemOutcome;
use crate::views::{CertificateQuery, CertificateView, PageRequest, SecretView, ShowVersions};
use crate::{Actor, Engine, EngineError, Scope, records};

/// What an uploaded file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadFormat {
    /// PKCS#12 (`.pfx`, `.p12`), opened with its password.
    Pfx,
    /// PEM text: one unencrypted private key and certificates.
    Pem,
}

/// PEM when the file is text holding a `-----BEGIN` line, PFX otherwise.
pub fn guess_format(bytes: &[u8]) -> UploadFormat {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains("-----BEGIN") => UploadFormat::Pem,
        _ => UploadFormat::Pfx,
    }
}

/// A date as users type it: RFC 3339 (`2026-05-01T12:00:00Z`) or a day (`2026-05-01`,
/// midnight UTC), in Unix seconds.
pub fn parse_date(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if let Ok(dt) = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
        return Ok(dt.unix_timestamp());
    }
    let day = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(t, &day)
        .map(|d| d.midnight().assume_utc().unix_timestamp())
        .map_err(|_| {
            format!("'{text}' is not a date: use YYYY-MM-DD or RFC 3339 (2026-05-01T12:00:00Z)")
        })
}

/// Create Secret: a TLS secret (or a new version of one) from an uploaded certificate file.
#[derive(Clone)]
pub struct CreateSecret {
    /// The vault (its credential may be left out when unambiguous).
    pub scope: Scope,
    /// Key Vault secret name: `^[0-9a-zA-Z-]{1,127}$`.
    pub name: String,
    /// The file's bytes.
    pub file: Vec<u8>,
    /// `None`: guessed from the content ([`guess_format`]).
    pub format: Option<UploadFormat>,
    /// The PFX's password (ignored for PEM). Only used to open the file.
    pub password: SecretString,
    /// `nbf`, Unix seconds.
    pub activation: Option<i64>,
    /// `exp`, Unix seconds; default: the leaf certificate's notAfter.
    pub expiration: Option<i64>,
    pub enabled: bool,
    pub tags: BTreeMap<String, String>,
    /// An existing name gets a new version only when this is set (otherwise `Conflict`).
    pub new_version: bool,
}

impl std::fmt::Debug for CreateSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateSecret")
            .field("scope", &self.scope)
            .field("name", &self.name)
            .field("file_len", &self.file.len())
            .field("format", &self.format)
            .field("password", &"<redacted>")
            .field("activation", &self.activation)
            .field("expiration", &self.expiration)
            .field("enabled", &self.enabled)
            .field("tags", &self.tags)
            .field("new_version", &self.new_version)
            .finish()
    }
}

/// What Create Secret wrote.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedSecret {
    pub secret: SecretView,
    /// The certificate record of the leaf, linked to the secret.
    pub certificate: Option<CertificateView>,
    /// True when the name existed and this is a new version of it.
    pub new_version: bool,
    /// Certificates in the secret (leaf first).
    pub chain_length: usize,
    /// Certificates of the file outside the leaf's chain (left out).
    pub ignored_certificates: usize,
    /// True when Key Vault's answer was lost and the written version was found instead.
    pub adopted: bool,
}

/// Update Secret: the current version's dates and status; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UpdateSecret {
    pub scope: Scope,
    pub name: String,
    pub activation: Option<i64>,
    pub expiration: Option<i64>,
    pub enabled: Option<bool>,
}

/// What rediscovering one secret did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct RediscoverReport {
    pub vault: String,
    pub name: String,
    /// `updated`, `unchanged`, `missing` (no longer in Key Vault: marked missing) or `failed`.
    pub outcome: String,
    pub current_version: Option<String>,
    pub versions_added: usize,
    pub versions_updated: usize,
    pub error: Option<String>,
}

impl ItemOutcome for RediscoverReport {
    const KIND: &'static str = "secrets";
    fn label(&self) -> String {
        format!("{}/{}", self.vault, self.name)
    }
    fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

/// How a certificate is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// The certificate, one PEM block.
    Pem,
    /// The certificate, DER bytes.
    Der,
    /// The certificate and its issuers, PEM blocks leaf first.
    Chain,
}

/// An exported certificate: the bytes to write and what they are. Never holds a key.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Exported {
    pub vault: String,
    pub name: String,
    pub version: String,
    pub format: ExportFormat,
    /// Certificates in the output.
    pub certificates: usize,
    pub subject: String,
    pub sha1: String,
    /// Why a chain holds only the leaf, when it does.
    pub note: Option<String>,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// Checks a Key Vault object name.
pub(crate) fn check_object_name(field: &'static str, name: &str) -> Result<(), EngineError> {
    if is_valid_object_name(name) {
        Ok(())
    } else {
        Err(EngineError::invalid(
            field,
            format!("'{name}' is not a valid Key Vault name: 1 to 127 letters, digits and dashes"),
        ))
    }
}

/// `credential/vault/name` as the scope names it (before resolution), for failure events.
pub(crate) fn target_of(scope: &Scope, name: &str) -> String {
    format!(
        "{}/{}/{name}",
        scope.credential.as_deref().unwrap_or("-"),
        scope.vault.as_deref().unwrap_or("-")
    )
}

fn upload_error(e: UploadError) -> EngineError {
    match e {
        UploadError::WrongPassword => EngineError::invalid("password", e.to_string()),
        other => EngineError::invalid("file", other.to_string()),
    }
}

/// Opens the upload (the password only exposed here, to open a PFX).
fn prepare(req: &CreateSecret) -> Result<PreparedSecret, EngineError> {
    match req.format.unwrap_or_else(|| guess_format(&req.file)) {
        UploadFormat::Pfx => {
            certkeep_core::tls_secret::prepare_pfx(&req.file, req.password.expose_secret())
                .map_err(upload_error)
        }
        UploadFormat::Pem => {
            let text = std::str::from_utf8(&req.file)
                .map_err(|_| EngineError::invalid("file", "a PEM file must be text (UTF-8)"))?;
            certkeep_core::tls_secret::prepare_pem(text).map_err(upload_error)
        }
    }
}

fn check_tags(tags: &BTreeMap<String, String>) -> Result<(), EngineError> {
    if tags.len() > 14 {
        return Err(EngineError::invalid(
            "tags",
            "at most 14 tags (Key Vault allows 15; Certkeep adds one)",
        ));
    }
    for (k, v) in tags {
        if k.trim().is_empty() || k.len() > 512 || v.len() > 256 {
            return Err(EngineError::invalid(
                "tags",
                format!("tag '{k}': names are 1 to 512 characters, values at most 256"),
            ));
        }
        if k == certkeep_azure::WRITE_ID_TAG {
            return Err(EngineError::invalid(
                "tags",
                format!("tag '{k}' is Certkeep's own"),
            ));
        }
    }
    Ok(())
}

/// The dates a version ends with may not have activation after expiration.
fn check_dates(activation: Option<i64>, expiration: Option<i64>) -> Result<(), EngineError> {
    check_activation(activation, expiration).map_err(|e| EngineError::Invalid {
        field: "activation",
        reason: e.reason,
    })
}

/// Key Vault's current version: the most recently created.
pub(crate) fn newest(versions: &[SecretVersionItem]) -> Option<&SecretVersionItem> {
    versions
        .iter()
        .max_by_key(|s| (s.created.unwrap_or_default(), s.version.clone()))
}

fn is_tls(v: &SecretVersionItem) -> bool {
    v.content_type
        .as_deref()
        .is_some_and(certkeep_core::keyvault::is_tls_content_type)
}

/// The certificates of a TLS secret's value (base64 PFX or PEM), leaf first. Keys are dropped.
pub(crate) fn chain_in_secret(
    value: &str,
    content_type: &str,
) -> Result<Vec<Vec<u8>>, EngineError> {
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
    if chain.is_empty() {
        return Err(EngineError::invalid(
            "secret",
            "no certificate in the secret",
        ));
    }
    Ok(chain)
}

/// PEM blocks of these certificates.
pub(crate) fn pem_of(chain: &[Vec<u8>]) -> String {
    chain
        .iter()
        .map(|der| certkeep_core::pem::encode_block("CERTIFICATE", der))
        .collect()
}

mod create;
mod export;
mod obtain;
mod rediscover;
mod rows;
mod update;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_days_or_rfc3339() {
        assert_eq!(parse_date("1970-01-02"), Ok(86_400));
        assert_eq!(parse_date("1970-01-01T00:01:00Z"), Ok(60));
        assert_eq!(parse_date("1970-01-01T01:00:00+01:00"), Ok(0));
        assert!(parse_date("tomorrow").is_err());
        assert!(parse_date("2026-13-01").is_err());
    }

    #[test]
    fn formats_are_guessed_from_the_content() {
        assert_eq!(
            guess_format(b"-----BEGIN CERTIFICATE-----\n"),
            UploadFormat::Pem
        );
        assert_eq!(guess_format(&[0x30, 0x82, 0x01]), UploadFormat::Pfx);
    }

    #[test]
    fn names_follow_key_vault_rules() {
        assert!(check_object_name("name", "tls-www-01").is_ok());
        assert!(check_object_name("name", "bad_name").is_err());
        assert!(check_object_name("name", &"a".repeat(128)).is_err());
        assert!(check_object_name("name", "").is_err());
    }
}
