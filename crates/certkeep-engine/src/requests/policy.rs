//! A validated request's Key Vault policy (the domain's `PolicySpec`) as the Azure client's
//! write model, and the tags Certkeep adds to what it creates.

use std::collections::BTreeMap;

use certkeep_azure::write_models as w;
use certkeep_core::request::{LifetimeActionType, PolicySpec, RequestSpec};

/// The tag that names the Certkeep request a version was created by, so a crashed request can
/// recognise its own version later.
pub const REQUEST_TAG: &str = "certkeep-request";
/// The tag that records a certificate's owner (its contact e-mail), for notification routing.
pub const OWNER_TAG: &str = "owner";

fn kty(s: &str) -> w::KeyKind {
    match s {
        "RSA" => w::KeyKind::Rsa,
        "RSA-HSM" => w::KeyKind::RsaHsm,
        "EC" => w::KeyKind::Ec,
        "EC-HSM" => w::KeyKind::EcHsm,
        other => w::KeyKind::Other(other.to_string()),
    }
}

fn curve(s: &str) -> w::CurveKind {
    match s {
        "P-256" => w::CurveKind::P256,
        "P-384" => w::CurveKind::P384,
        "P-521" => w::CurveKind::P521,
        "P-256K" => w::CurveKind::P256K,
        other => w::CurveKind::Other(other.to_string()),
    }
}

fn key_usage(s: &str) -> w::KeyUsage {
    match s {
        "digitalSignature" => w::KeyUsage::DigitalSignature,
        "nonRepudiation" => w::KeyUsage::NonRepudiation,
        "keyEncipherment" => w::KeyUsage::KeyEncipherment,
        "dataEncipherment" => w::KeyUsage::DataEncipherment,
        "keyAgreement" => w::KeyUsage::KeyAgreement,
        "keyCertSign" => w::KeyUsage::KeyCertSign,
        "cRLSign" => w::KeyUsage::CrlSign,
        "encipherOnly" => w::KeyUsage::EncipherOnly,
        "decipherOnly" => w::KeyUsage::DecipherOnly,
        other => w::KeyUsage::Other(other.to_string()),
    }
}

/// The full policy to create with.
pub fn to_write_policy(p: &PolicySpec) -> w::CertificatePolicySpec {
    let sans = &p.x509_props.sans;
    w::CertificatePolicySpec {
        key: Some(w::KeySpec {
            kty: Some(kty(&p.key_props.kty)),
            key_size: p.key_props.key_size,
            curve: p.key_props.crv.as_deref().map(curve),
            exportable: Some(p.key_props.exportable),
            reuse_key: Some(p.key_props.reuse_key),
        }),
        content_type: Some(p.secret_props.content_type.clone()),
        x509: Some(w::X509Spec {
            subject: Some(p.x509_props.subject.clone()),
            sans: Some(w::SubjectAltNames {
                dns_names: sans.dns_names.clone(),
                emails: sans.emails.clone(),
                upns: sans.upns.clone(),
                ip_addresses: sans.ip_addresses.clone(),
                uris: sans.uris.clone(),
            }),
            ekus: Some(p.x509_props.ekus.clone()),
            key_usage: Some(
                p.x509_props
                    .key_usage
                    .iter()
                    .map(|k| key_usage(k))
                    .collect(),
            ),
            validity_months: Some(p.x509_props.validity_months),
        }),
        lifetime_actions: Some(
            p.lifetime_actions
                .iter()
                .filter_map(|a| {
                    let trigger =
                        match (a.trigger.days_before_expiry, a.trigger.lifetime_percentage) {
                            (Some(d), _) => w::LifetimeTrigger::DaysBeforeExpiry(d),
                            (None, Some(pct)) => w::LifetimeTrigger::LifetimePercentage(pct),
                            (None, None) => return None,
                        };
                    let action = match a.action.action_type {
                        LifetimeActionType::AutoRenew => w::LifetimeActionKind::AutoRenew,
                        LifetimeActionType::EmailContacts => w::LifetimeActionKind::EmailContacts,
                    };
                    Some(w::LifetimeActionSpec { trigger, action })
                })
                .collect(),
        ),
        issuer: Some(w::IssuerSpec::named(w::IssuerName::parse(&p.issuer.name))),
        enabled: Some(p.attributes.enabled),
    }
}

/// The tags of a new version: the request's own, the owner (contact e-mail) and the request id.
pub fn create_tags(spec: &RequestSpec, request_id: &str) -> BTreeMap<String, String> {
    let mut tags = spec.tags.clone();
    if let Some(email) = &spec.contact_email {
        tags.insert(OWNER_TAG.into(), email.clone());
    }
    tags.insert(REQUEST_TAG.into(), request_id.into());
    tags
}
