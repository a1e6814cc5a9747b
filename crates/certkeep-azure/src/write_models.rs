//! Plain structs for what Certkeep writes to a vault: certificate policies, pending operations,
//! attribute and tag updates, secrets and certificate contacts. Times are Unix seconds. The SDK
//! models are converted in `write_convert`; nothing here depends on the SDK.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::SecretString;

use crate::vault_models::{CertBundle, SecretVersionItem};

/// The tag every secret set by Certkeep carries: a unique id per write, so that a write whose
/// answer was lost can be recognised among the secret's versions instead of being sent again.
pub const WRITE_ID_TAG: &str = "certkeep-write-id";

/// `kty` of a certificate's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyKind {
    Rsa,
    RsaHsm,
    Ec,
    EcHsm,
    /// A value this version of Certkeep does not know (read back from the service).
    Other(String),
}

/// `crv` of an EC key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CurveKind {
    P256,
    P384,
    P521,
    P256K,
    Other(String),
}

/// One X.509 key usage (Key Vault has no critical flag in the policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyUsage {
    DigitalSignature,
    NonRepudiation,
    KeyEncipherment,
    DataEncipherment,
    KeyAgreement,
    KeyCertSign,
    CrlSign,
    EncipherOnly,
    DecipherOnly,
    Other(String),
}

impl KeyUsage {
    /// The wire name (`digitalSignature`, `cRLSign`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            Self::DigitalSignature => "digitalSignature",
            Self::NonRepudiation => "nonRepudiation",
            Self::KeyEncipherment => "keyEncipherment",
            Self::DataEncipherment => "dataEncipherment",
            Self::KeyAgreement => "keyAgreement",
            Self::KeyCertSign => "keyCertSign",
            Self::CrlSign => "cRLSign",
            Self::EncipherOnly => "encipherOnly",
            Self::DecipherOnly => "decipherOnly",
            Self::Other(s) => s,
        }
    }
}

/// The policy's key properties; `None` fields are left to the service (or, on update, unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySpec {
    pub kty: Option<KeyKind>,
    pub key_size: Option<u32>,
    pub curve: Option<CurveKind>,
    pub exportable: Option<bool>,
    pub reuse_key: Option<bool>,
}

/// Subject alternative names of every kind Key Vault supports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectAltNames {
    pub dns_names: Vec<String>,
    pub emails: Vec<String>,
    pub upns: Vec<String>,
    pub ip_addresses: Vec<String>,
    pub uris: Vec<String>,
}

impl SubjectAltNames {
    pub fn is_empty(&self) -> bool {
        self.dns_names.is_empty()
            && self.emails.is_empty()
            && self.upns.is_empty()
            && self.ip_addresses.is_empty()
            && self.uris.is_empty()
    }
}

/// The policy's X.509 properties.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct X509Spec {
    /// e.g. `CN=www.contoso.com, O=Contoso`.
    pub subject: Option<String>,
    pub sans: Option<SubjectAltNames>,
    /// Extended key usage OIDs (`1.3.6.1.5.5.7.3.1` = serverAuth).
    pub ekus: Option<Vec<String>>,
    pub key_usage: Option<Vec<KeyUsage>>,
    pub validity_months: Option<u32>,
}

/// When a lifetime action fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifetimeTrigger {
    DaysBeforeExpiry(u32),
    /// 1–99 % of the validity period.
    LifetimePercentage(u32),
}

/// What a lifetime action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifetimeActionKind {
    AutoRenew,
    EmailContacts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifetimeActionSpec {
    pub trigger: LifetimeTrigger,
    pub action: LifetimeActionKind,
}

/// Who issues the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerName {
    /// `Self`: self-signed by Key Vault.
    SelfSigned,
    /// `Unknown`: Key Vault makes a CSR; the certificate is merged in later.
    Unknown,
    /// An issuer configured in the vault (DigiCert, GlobalSign).
    Named(String),
}

impl IssuerName {
    pub fn as_str(&self) -> &str {
        match self {
            Self::SelfSigned => "Self",
            Self::Unknown => "Unknown",
            Self::Named(n) => n,
        }
    }

    /// `Self` and `Unknown` case-insensitively, anything else as an issuer name.
    pub fn parse(s: &str) -> Self {
        if s.eq_ignore_ascii_case("self") {
            Self::SelfSigned
        } else if s.eq_ignore_ascii_case("unknown") {
            Self::Unknown
        } else {
            Self::Named(s.to_string())
        }
    }
}

impl fmt::Display for IssuerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerSpec {
    pub name: IssuerName,
    pub cert_transparency: Option<bool>,
    /// `cty`: the certificate type some issuers ask for (e.g. `OV-SSL`).
    pub certificate_type: Option<String>,
}

impl IssuerSpec {
    pub fn named(name: IssuerName) -> Self {
        Self {
            name,
            cert_transparency: None,
            certificate_type: None,
        }
    }
}

/// A certificate policy. For create, set what matters and leave the rest to the service's
/// defaults; for update, only the `Some` fields are sent (Key Vault merges them in).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificatePolicySpec {
    pub key: Option<KeySpec>,
    /// Content type of the backing secret: `application/x-pkcs12` or `application/x-pem-file`.
    pub content_type: Option<String>,
    pub x509: Option<X509Spec>,
    pub lifetime_actions: Option<Vec<LifetimeActionSpec>>,
    pub issuer: Option<IssuerSpec>,
    /// The policy's `attributes.enabled`.
    pub enabled: Option<bool>,
}

/// A certificate to create (a first version, or a new version of an existing certificate).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCertificate {
    pub policy: CertificatePolicySpec,
    /// The new version's `attributes.enabled` (default: enabled).
    pub enabled: Option<bool>,
    pub tags: BTreeMap<String, String>,
}

/// Status of a pending certificate operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationStatus {
    InProgress,
    Completed,
    Failed,
    Cancelled,
    Other(String),
}

impl OperationStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            s if s.eq_ignore_ascii_case("inProgress") => Self::InProgress,
            s if s.eq_ignore_ascii_case("completed") => Self::Completed,
            s if s.eq_ignore_ascii_case("failed") => Self::Failed,
            s if s.eq_ignore_ascii_case("cancelled") || s.eq_ignore_ascii_case("canceled") => {
                Self::Cancelled
            }
            other => Self::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::InProgress => "inProgress",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Other(s) => s,
        }
    }
}

/// The `error` of a failed operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationError {
    pub code: Option<String>,
    pub message: Option<String>,
}

/// A certificate's pending operation (`/certificates/{name}/pending`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingOperation {
    pub name: String,
    pub status: OperationStatus,
    pub status_details: Option<String>,
    pub error: Option<OperationError>,
    /// Identifies this creation; a new create gets a new one.
    pub request_id: Option<String>,
    pub issuer_name: Option<String>,
    /// The PKCS#10 request (DER), for issuer `Unknown`.
    pub csr: Option<Vec<u8>>,
    pub cancellation_requested: bool,
    /// Once completed: the certificate's URL.
    pub target: Option<String>,
}

impl PendingOperation {
    pub fn in_progress(&self) -> bool {
        self.status == OperationStatus::InProgress
    }
}

/// What a certificate create led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedCertificate {
    pub operation: PendingOperation,
    /// True when the create's answer was lost (or it was answered 409) and this operation, new
    /// since the pre-check, was taken as the one the create started. Nothing was sent twice.
    pub adopted: bool,
}

/// What a merge led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedCertificate {
    pub bundle: CertBundle,
    /// True when the merge's answer was lost and the current version was found to be the
    /// merged certificate (same SHA-1). Nothing was sent twice.
    pub adopted: bool,
}

/// Attributes of one certificate version to change; `None` leaves a field as it is.
/// (For certificates, Key Vault takes nbf/exp from the certificate itself and may ignore them.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateUpdate {
    pub enabled: Option<bool>,
    pub not_before: Option<i64>,
    pub expires: Option<i64>,
    /// Replaces all the version's tags when set.
    pub tags: Option<BTreeMap<String, String>>,
}

/// A new secret version. `Debug` shows `[REDACTED]` for the value.
#[derive(Debug, Clone)]
pub struct SecretSpec {
    pub value: SecretString,
    pub content_type: Option<String>,
    pub enabled: Option<bool>,
    pub not_before: Option<i64>,
    pub expires: Option<i64>,
    /// Certkeep adds [`WRITE_ID_TAG`] to these.
    pub tags: BTreeMap<String, String>,
}

impl SecretSpec {
    pub fn new(value: SecretString) -> Self {
        Self {
            value,
            content_type: None,
            enabled: None,
            not_before: None,
            expires: None,
            tags: BTreeMap::new(),
        }
    }
}

/// What a secret set led to (no value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenSecret {
    pub name: String,
    pub version: SecretVersionItem,
    /// The [`WRITE_ID_TAG`] value this write carried.
    pub write_id: String,
    /// True when the answer was lost and the version carrying `write_id` was found instead.
    pub adopted: bool,
}

/// Attributes of one secret version to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretUpdate {
    pub enabled: Option<bool>,
    pub not_before: Option<i64>,
    pub expires: Option<i64>,
    pub content_type: Option<String>,
    /// Replaces all the version's tags when set.
    pub tags: Option<BTreeMap<String, String>>,
}

/// A certificate contact of the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
}

impl Contact {
    pub fn email(email: &str) -> Self {
        Self {
            email: email.to_string(),
            name: None,
            phone: None,
        }
    }
}

/// The result of adding contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactsUpdate {
    /// The vault's contacts after the call.
    pub contacts: Vec<Contact>,
    /// The ones this call added (empty: nothing was written).
    pub added: Vec<Contact>,
}
