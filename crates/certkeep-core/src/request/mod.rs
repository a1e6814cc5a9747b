//! A certificate request's inputs, validated before anything is sent to Key Vault.
//!
//! `validate` takes the strings a form or CLI gives (`RawRequest`) and the vault's facts
//! (`RequestContext`), and returns either a `RequestSpec` or **every** problem found, each a
//! `FieldError` naming the form field. Decisions:
//!
//! * The common name, when it is a DNS name (or an IP address), is added as the first DNS (or
//!   IP) SAN unless already listed: browsers ignore the CN and Key Vault does not copy it.
//! * Validity and lifetime limits are those of the `validity` module (1200 months for `Self`,
//!   `Unknown` and private CAs, 6 months for public TLS CAs under SC-081).
//! * Empty optional fields take Key Vault's defaults: RSA 2048, P-256 for EC, PFX, 12 months
//!   (capped at the issuer's maximum), KU digitalSignature+keyEncipherment, EKU
//!   serverAuth+clientAuth, lifetime 80% → AutoRenew (EmailContacts for `Unknown`). An empty
//!   issuer means `Self`. The contact e-mail is kept for the vault's certificate contacts (Key
//!   Vault keeps contacts per vault, not in the policy).

mod build;
mod fields;
pub mod names;
pub mod policy;
pub mod usage;
pub mod validity;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use build::validate;
pub use fields::{MAX_TAG_KEY_CHARS, MAX_TAG_VALUE_CHARS, MAX_TAGS};
pub use names::SanSpec;
pub use policy::{
    ActionSpec, IssuerSpec, KeyPropsSpec, LifetimeActionSpec, LifetimeActionType,
    PolicyAttributesSpec, PolicySpec, SecretPropsSpec, TriggerSpec, X509PropsSpec,
};
pub use validity::{renewal_policy_validity, renewal_policy_validity_on};

use crate::keyvault::{CONTENT_TYPE_PEM, CONTENT_TYPE_PFX};

/// A problem with one input, named as the form names the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    pub field: &'static str,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

/// Which X.509 extensions the requester wants marked critical.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criticality {
    pub key_usage: bool,
    pub eku: bool,
}

/// The request as a form or CLI gives it: strings, untrimmed, possibly empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RawRequest {
    /// Certificate name, `^[0-9a-zA-Z-]{1,127}$`.
    pub name: String,
    /// The domain name: the subject's CN.
    pub common_name: String,
    /// Comma-separated; plain entries are DNS names; `email:`, `upn:`, `ip:`, `uri:` prefixes.
    pub sans: String,
    /// Optional contact e-mail.
    pub email: String,
    /// `RSA`, `EC`, `RSA-HSM` or `EC-HSM` (any case); empty is RSA.
    pub key: String,
    /// RSA only: 2048, 3072 or 4096; empty is 2048.
    pub key_size: String,
    /// EC only: `P-256`, `P-384` or `P-521`; empty is P-256.
    pub curve: String,
    pub organization: String,
    pub organizational_unit: String,
    pub locality: String,
    pub state: String,
    /// Two letters, any case.
    pub country: String,
    pub validity_months: String,
    /// `AutoRenew` or `EmailContacts` (any case, spaces allowed); empty is Key Vault's default.
    pub lifetime_action: String,
    /// Empty with an action means Key Vault's trigger, 80% of the lifetime.
    pub days_before_expiry: String,
    /// Key usage names (each item may be comma-separated); empty is Key Vault's default.
    pub key_usage: Vec<String>,
    /// EKU names or dotted OIDs (each item may be comma-separated); empty is the default.
    pub eku: Vec<String>,
    pub critical: Criticality,
    /// `Self`, `Unknown` or the name of one of the vault's issuers; empty is `Self`.
    pub issuer: String,
    /// `pfx` or `pem` (or the full content type); empty is pfx.
    pub content_type: String,
    /// Default true.
    pub exportable: Option<bool>,
    /// Default false.
    pub reuse_key: Option<bool>,
    /// `key=value` entries.
    pub tags: Vec<String>,
}

/// One of the vault's configured issuers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultIssuer {
    pub name: String,
    /// `DigiCert`, `GlobalSign`, `OneCertV2-PublicCA`, `OneCertV2-PrivateCA`, …
    pub provider: String,
}

/// What validation needs to know about the target vault.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// HSM-backed keys (`RSA-HSM`, `EC-HSM`) need a premium vault.
    pub vault_is_premium: bool,
    /// The vault's issuers (besides the built-in `Self` and `Unknown`).
    pub issuers: Vec<VaultIssuer>,
    /// The date whose CA/Browser Forum limits apply; `None` is `validity::REFERENCE_DATE`.
    pub today: Option<time::Date>,
}

/// An elliptic curve Key Vault issues certificates for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EcCurve {
    #[serde(rename = "P-256")]
    P256,
    #[serde(rename = "P-384")]
    P384,
    #[serde(rename = "P-521")]
    P521,
}

impl EcCurve {
    pub fn as_str(self) -> &'static str {
        match self {
            EcCurve::P256 => "P-256",
            EcCurve::P384 => "P-384",
            EcCurve::P521 => "P-521",
        }
    }

    pub fn bits(self) -> u32 {
        match self {
            EcCurve::P256 => 256,
            EcCurve::P384 => 384,
            EcCurve::P521 => 521,
        }
    }
}

/// The key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyAlgorithm {
    /// RSA with this modulus size.
    Rsa(u32),
    Ec(EcCurve),
}

/// Who issues the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IssuerChoice {
    /// Key Vault signs it itself (`Self`).
    SelfSigned,
    /// Key Vault makes a CSR to merge later (`Unknown`).
    Unknown,
    /// One of the vault's issuers.
    Named { name: String, provider: String },
}

impl IssuerChoice {
    /// The policy's `issuer.name`.
    pub fn name(&self) -> &str {
        match self {
            IssuerChoice::SelfSigned => "Self",
            IssuerChoice::Unknown => "Unknown",
            IssuerChoice::Named { name, .. } => name,
        }
    }

    /// The provider, for validity rules: `Self`, `Unknown` or the issuer's provider.
    pub fn provider(&self) -> &str {
        match self {
            IssuerChoice::SelfSigned => "Self",
            IssuerChoice::Unknown => "Unknown",
            IssuerChoice::Named { provider, .. } => provider,
        }
    }
}

/// The format of the certificate's backing secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecretFormat {
    Pfx,
    Pem,
}

impl SecretFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            SecretFormat::Pfx => CONTENT_TYPE_PFX,
            SecretFormat::Pem => CONTENT_TYPE_PEM,
        }
    }
}

/// A validated request. Stored by the engine as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSpec {
    pub name: String,
    /// The subject DN as Key Vault takes it (`CN=…, O=…, OU=…, L=…, ST=…, C=…`).
    pub subject: String,
    pub common_name: String,
    /// Includes the common name when it is a DNS name or IP address.
    pub sans: SanSpec,
    /// For the vault's certificate contacts; not part of the policy.
    pub contact_email: Option<String>,
    pub key: KeyAlgorithm,
    pub hsm: bool,
    pub exportable: bool,
    pub reuse_key: bool,
    pub validity_months: u32,
    pub lifetime_action: LifetimeActionSpec,
    /// Key Vault key usage names in bit order.
    pub key_usage: Vec<String>,
    /// EKU OIDs.
    pub ekus: Vec<String>,
    pub critical: Criticality,
    pub issuer: IssuerChoice,
    pub format: SecretFormat,
    pub tags: BTreeMap<String, String>,
}

impl RequestSpec {
    /// The Key Vault policy of this request.
    pub fn policy(&self) -> PolicySpec {
        let (kty, key_size, crv) = match self.key {
            KeyAlgorithm::Rsa(bits) => ("RSA", Some(bits), None),
            KeyAlgorithm::Ec(curve) => ("EC", None, Some(curve.as_str().to_string())),
        };
        PolicySpec {
            key_props: KeyPropsSpec {
                exportable: self.exportable,
                kty: if self.hsm {
                    format!("{kty}-HSM")
                } else {
                    kty.to_string()
                },
                key_size,
                crv,
                reuse_key: self.reuse_key,
            },
            secret_props: SecretPropsSpec {
                content_type: self.format.content_type().to_string(),
            },
            x509_props: X509PropsSpec {
                subject: self.subject.clone(),
                sans: self.sans.clone(),
                ekus: self.ekus.clone(),
                key_usage: self.key_usage.clone(),
                validity_months: self.validity_months,
            },
            lifetime_actions: vec![self.lifetime_action.clone()],
            issuer: IssuerSpec {
                name: self.issuer.name().to_string(),
            },
            attributes: PolicyAttributesSpec { enabled: true },
        }
    }
}
