//! The Key Vault certificate policy a validated request describes, as plain serialisable data.
//! Field names follow Key Vault's wire format (`key_props`, `secret_props.contentType`,
//! `x509_props.sans.ipAddresses`, …), so `serde_json::to_value(policy)` is a policy body.

use serde::{Deserialize, Serialize};

use super::names::SanSpec;

/// A certificate policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySpec {
    pub key_props: KeyPropsSpec,
    pub secret_props: SecretPropsSpec,
    pub x509_props: X509PropsSpec,
    pub lifetime_actions: Vec<LifetimeActionSpec>,
    pub issuer: IssuerSpec,
    pub attributes: PolicyAttributesSpec,
}

/// `key_props`: `kty` is `RSA`, `RSA-HSM`, `EC` or `EC-HSM`; RSA keys carry `key_size`, EC
/// keys `crv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPropsSpec {
    pub exportable: bool,
    pub kty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_size: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    pub reuse_key: bool,
}

/// `secret_props`: the content type of the certificate's backing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretPropsSpec {
    #[serde(rename = "contentType")]
    pub content_type: String,
}

/// `x509_props`. Key Vault has no critical flag: see the `criticality` module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct X509PropsSpec {
    pub subject: String,
    pub sans: SanSpec,
    /// EKUs as dotted OIDs.
    pub ekus: Vec<String>,
    /// Key Vault key usage names, in X.509 bit order.
    pub key_usage: Vec<String>,
    pub validity_months: u32,
}

/// One lifetime action: a trigger and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifetimeActionSpec {
    pub trigger: TriggerSpec,
    pub action: ActionSpec,
}

/// Exactly one of the two is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_percentage: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_before_expiry: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionSpec {
    pub action_type: LifetimeActionType,
}

/// What Key Vault does when the trigger fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LifetimeActionType {
    AutoRenew,
    EmailContacts,
}

impl LifetimeActionType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            LifetimeActionType::AutoRenew => "AutoRenew",
            LifetimeActionType::EmailContacts => "EmailContacts",
        }
    }
}

/// `issuer`: `Self`, `Unknown` or the name of one of the vault's issuers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerSpec {
    pub name: String,
}

/// `attributes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyAttributesSpec {
    pub enabled: bool,
}
