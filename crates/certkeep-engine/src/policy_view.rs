//! A certificate's issuance policy as Key Vault holds it now, read live (the inventory stores
//! versions, not policies), for the certificate's page.

use certkeep_azure::AzureError;
use certkeep_azure::write_models::{
    CertificatePolicySpec, CurveKind, KeyKind, LifetimeActionKind, LifetimeTrigger,
};
use serde::Serialize;

use crate::{Engine, EngineError, Scope};

/// The policy in words a page shows.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct PolicyView {
    pub issuer: Option<String>,
    /// `RSA 2048`, `EC P-256 (HSM)`.
    pub key: Option<String>,
    pub exportable: Option<bool>,
    pub reuse_key: Option<bool>,
    pub content_type: Option<String>,
    pub subject: Option<String>,
    pub dns_names: Vec<String>,
    pub key_usage: Vec<String>,
    pub ekus: Vec<String>,
    pub validity_months: Option<u32>,
    /// `AutoRenew 30 days before expiry`, `EmailContacts at 80% of the lifetime`.
    pub lifetime_actions: Vec<String>,
    pub enabled: Option<bool>,
}

fn kind(k: &KeyKind) -> String {
    match k {
        KeyKind::Rsa => "RSA".into(),
        KeyKind::RsaHsm => "RSA-HSM".into(),
        KeyKind::Ec => "EC".into(),
        KeyKind::EcHsm => "EC-HSM".into(),
        KeyKind::Other(o) => o.clone(),
    }
}

fn curve(c: &CurveKind) -> String {
    match c {
        CurveKind::P256 => "P-256".into(),
        CurveKind::P384 => "P-384".into(),
        CurveKind::P521 => "P-521".into(),
        CurveKind::P256K => "P-256K".into(),
        CurveKind::Other(o) => o.clone(),
    }
}

impl PolicyView {
    pub fn of(p: &CertificatePolicySpec) -> Self {
        let key = p.key.as_ref().and_then(|k| {
            let kind = kind(k.kty.as_ref()?);
            Some(match (&k.key_size, &k.curve) {
                (_, Some(c)) => format!("{kind} {}", curve(c)),
                (Some(size), None) => format!("{kind} {size}"),
                (None, None) => kind,
            })
        });
        let x = p.x509.as_ref();
        Self {
            issuer: p.issuer.as_ref().map(|i| i.name.to_string()),
            key,
            exportable: p.key.as_ref().and_then(|k| k.exportable),
            reuse_key: p.key.as_ref().and_then(|k| k.reuse_key),
            content_type: p.content_type.clone(),
            subject: x.and_then(|x| x.subject.clone()),
            dns_names: x
                .and_then(|x| x.sans.as_ref())
                .map(|s| s.dns_names.clone())
                .unwrap_or_default(),
            key_usage: x
                .and_then(|x| x.key_usage.as_ref())
                .map(|k| k.iter().map(|u| u.as_str().to_string()).collect())
                .unwrap_or_default(),
            ekus: x.and_then(|x| x.ekus.clone()).unwrap_or_default(),
            validity_months: x.and_then(|x| x.validity_months),
            lifetime_actions: p
                .lifetime_actions
                .iter()
                .flatten()
                .map(|a| {
                    let what = match a.action {
                        LifetimeActionKind::AutoRenew => "AutoRenew",
                        LifetimeActionKind::EmailContacts => "EmailContacts",
                    };
                    match a.trigger {
                        LifetimeTrigger::DaysBeforeExpiry(d) => {
                            format!("{what} {d} days before expiry")
                        }
                        LifetimeTrigger::LifetimePercentage(p) => {
                            format!("{what} at {p}% of the lifetime")
                        }
                    }
                })
                .collect(),
            enabled: p.enabled,
        }
    }
}

impl Engine {
    /// The certificate's policy, read from Key Vault now.
    pub async fn certificate_policy(
        &self,
        scope: &Scope,
        name: &str,
    ) -> Result<PolicyView, EngineError> {
        let (c, v) = self.one_vault(scope).await?;
        let client = self.pool_for(&c)?.vault(&v.record.vault_uri)?;
        match client.get_certificate_policy(name).await {
            Ok(p) => Ok(PolicyView::of(&p)),
            Err(AzureError::NotFound { .. }) => Err(EngineError::NotFound {
                what: format!(
                    "the policy of '{name}' in Key Vault (a certificate read from a TLS secret has none)"
                ),
            }),
            Err(e) => Err(e.into()),
        }
    }
}
