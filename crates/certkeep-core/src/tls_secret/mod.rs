//! Preparing an uploaded PFX or PEM for a Key Vault TLS secret.
//!
//! The upload is opened (a PFX with its password), its private key must belong to one of its
//! certificates (the leaf), and the chain is ordered leaf first by issuer names. The secret's
//! value is what Key Vault itself stores behind a certificate: base64 of a PKCS#12 protected
//! by an **empty** password, or PEM text with the key (PKCS#8) and then the chain. The
//! upload's password is only used to open the file: it is never stored, logged or put in an
//! error.

pub(crate) mod chain;
mod keys;

#[cfg(test)]
mod tests;

use base64::Engine as _;
use p12_keystore::Pkcs12Archive;
use secrecy::SecretString;

use crate::keyvault::{CONTENT_TYPE_PEM, CONTENT_TYPE_PFX};
use crate::request::FieldError;
use crate::x509::{CertificateFacts, inspect};
use keys::{KeyEncoding, parse_key};

/// Why an upload cannot become a TLS secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// The PFX's integrity check (MAC) or decryption failed with this password.
    #[error("the password is wrong for this PFX file")]
    WrongPassword,
    /// The file is not a readable PFX or PEM.
    #[error("the file is corrupt or not a certificate file: {0}")]
    Corrupt(String),
    #[error("the file holds no private key")]
    NoPrivateKey,
    #[error("the file holds no certificate")]
    NoCertificate,
    #[error("the file holds more than one private key")]
    MultipleKeys,
    /// The private key is not the key of any certificate in the file.
    #[error("the private key does not match the certificate")]
    KeyMismatch,
    #[error("unsupported private key: {0}")]
    UnsupportedKey(String),
}

/// A TLS secret ready to be written with `PUT /secrets/{name}`.
#[derive(Clone)]
pub struct PreparedSecret {
    /// Base64 PKCS#12 (empty password) or PEM text: the secret's `value`.
    pub value: SecretString,
    /// `application/x-pkcs12` or `application/x-pem-file`.
    pub content_type: &'static str,
    /// The leaf certificate, whose key the secret holds.
    pub leaf: CertificateFacts,
    /// DER certificates, leaf first, then each issuer.
    pub chain: Vec<Vec<u8>>,
    /// The leaf's notAfter (Unix seconds): the default expiration of the secret.
    pub not_after: i64,
    /// Certificates of the file that are not in the leaf's chain (left out of the secret).
    pub ignored_certificates: usize,
}

impl std::fmt::Debug for PreparedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedSecret")
            .field("value", &"<redacted>")
            .field("content_type", &self.content_type)
            .field("leaf", &self.leaf.subject)
            .field("chain_len", &self.chain.len())
            .field("not_after", &self.not_after)
            .field("ignored_certificates", &self.ignored_certificates)
            .finish()
    }
}

fn map_pfx_error(e: p12_keystore::error::Error) -> UploadError {
    use p12_keystore::error::Error as E;
    match e {
        // The MAC is keyed by the password: a mismatch is a wrong password (a file damaged
        // inside its authenticated content cannot be told apart, and is reported the same).
        E::MacError(_) => UploadError::WrongPassword,
        // MAC-less files: decryption with the wrong key fails on padding.
        E::UnpadError | E::Pkcs5Error(_) => UploadError::WrongPassword,
        other => UploadError::Corrupt(other.to_string()),
    }
}

/// Opens a PFX with its password and prepares an empty-password PKCS#12 secret.
pub fn prepare_pfx(bytes: &[u8], password: &str) -> Result<PreparedSecret, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Corrupt("the file is empty".into()));
    }
    let archive = Pkcs12Archive::from_pkcs12(bytes, password).map_err(map_pfx_error)?;
    let key = match archive.keys.as_slice() {
        [] => return Err(UploadError::NoPrivateKey),
        [one] => parse_key(one.key.as_der(), KeyEncoding::Pkcs8)?,
        _ => return Err(UploadError::MultipleKeys),
    };
    let certs: Vec<Vec<u8>> = archive
        .certs
        .iter()
        .map(|c| c.cert.as_der().to_vec())
        .collect();
    if certs.is_empty() {
        return Err(UploadError::NoCertificate);
    }
    let ordered = chain::order(&certs, &key.public_key_bits)?;
    let pfx = crate::pfx::write_pfx(&key.pkcs8, &ordered.chain, "")
        .map_err(|e| UploadError::Corrupt(format!("the PFX cannot be re-encoded: {e}")))?;
    let value = base64::engine::general_purpose::STANDARD.encode(pfx);
    finish(value, CONTENT_TYPE_PFX, ordered)
}

/// Reads PEM text (one unencrypted private key and certificates in any order) and prepares a
/// PEM secret: `PRIVATE KEY` (PKCS#8), then the chain leaf first.
pub fn prepare_pem(text: &str) -> Result<PreparedSecret, UploadError> {
    let bundle = crate::pem::parse_bundle(text).map_err(|e| match e {
        crate::CoreError::InvalidPem(reason) if reason.contains("more than one private key") => {
            UploadError::MultipleKeys
        }
        crate::CoreError::InvalidPem(reason) => UploadError::Corrupt(reason),
        other => UploadError::Corrupt(other.to_string()),
    })?;
    let Some((label, der)) = bundle.private_key.as_ref() else {
        return Err(UploadError::NoPrivateKey);
    };
    let encoding = match label.as_str() {
        "RSA PRIVATE KEY" => KeyEncoding::Pkcs1,
        "EC PRIVATE KEY" => KeyEncoding::Sec1,
        _ => KeyEncoding::Pkcs8,
    };
    let key = parse_key(der, encoding)?;
    if bundle.certificates.is_empty() {
        return Err(UploadError::NoCertificate);
    }
    let ordered = chain::order(&bundle.certificates, &key.public_key_bits)?;
    let mut value = crate::pem::encode_block("PRIVATE KEY", &key.pkcs8);
    for der in &ordered.chain {
        value.push_str(&crate::pem::encode_block("CERTIFICATE", der));
    }
    finish(value, CONTENT_TYPE_PEM, ordered)
}

fn finish(
    value: String,
    content_type: &'static str,
    ordered: chain::Ordered,
) -> Result<PreparedSecret, UploadError> {
    let leaf_der = ordered.chain.first().ok_or(UploadError::NoCertificate)?;
    let leaf = inspect(leaf_der).map_err(|e| UploadError::Corrupt(e.to_string()))?;
    Ok(PreparedSecret {
        value: SecretString::from(value),
        content_type,
        not_after: leaf.not_after,
        leaf,
        chain: ordered.chain,
        ignored_certificates: ordered.ignored,
    })
}

/// The default expiration of a TLS secret: its leaf certificate's notAfter.
pub fn default_expiration(leaf: &CertificateFacts) -> i64 {
    leaf.not_after
}

/// Checks a secret's activation (`nbf`) against its expiration (`exp`), both Unix seconds and
/// optional: the activation may not be later than the expiration. The error names
/// `activation`.
pub fn check_activation(
    activation: Option<i64>,
    expiration: Option<i64>,
) -> Result<(), FieldError> {
    match (activation, expiration) {
        (Some(a), Some(e)) if a > e => Err(FieldError::new(
            "activation",
            format!(
                "the activation date ({}) is after the expiration date ({})",
                iso(a),
                iso(e)
            ),
        )),
        _ => Ok(()),
    }
}

fn iso(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}
