//! Certificate policies between the write models and the SDK models, both ways: what Certkeep
//! sends (only the fields that are set) and what the service holds (its defaults filled in).

use azure_security_keyvault_certificates::models as c;

use crate::AzureError;
use crate::write_models::*;

fn non_empty(v: &[String]) -> Option<Vec<String>> {
    (!v.is_empty()).then(|| v.to_vec())
}

// ---- policy: ours → SDK ----

fn key_type(k: &KeyKind) -> c::KeyType {
    match k {
        KeyKind::Rsa => c::KeyType::Rsa,
        KeyKind::RsaHsm => c::KeyType::RsaHsm,
        KeyKind::Ec => c::KeyType::Ec,
        KeyKind::EcHsm => c::KeyType::EcHsm,
        KeyKind::Other(s) => c::KeyType::UnknownValue(s.clone()),
    }
}

fn curve(k: &CurveKind) -> c::CurveName {
    match k {
        CurveKind::P256 => c::CurveName::P256,
        CurveKind::P384 => c::CurveName::P384,
        CurveKind::P521 => c::CurveName::P521,
        CurveKind::P256K => c::CurveName::P256K,
        CurveKind::Other(s) => c::CurveName::UnknownValue(s.clone()),
    }
}

fn key_usage(k: &KeyUsage) -> c::KeyUsageType {
    match k {
        KeyUsage::DigitalSignature => c::KeyUsageType::DigitalSignature,
        KeyUsage::NonRepudiation => c::KeyUsageType::NonRepudiation,
        KeyUsage::KeyEncipherment => c::KeyUsageType::KeyEncipherment,
        KeyUsage::DataEncipherment => c::KeyUsageType::DataEncipherment,
        KeyUsage::KeyAgreement => c::KeyUsageType::KeyAgreement,
        KeyUsage::KeyCertSign => c::KeyUsageType::KeyCertSign,
        KeyUsage::CrlSign => c::KeyUsageType::CRlSign,
        KeyUsage::EncipherOnly => c::KeyUsageType::EncipherOnly,
        KeyUsage::DecipherOnly => c::KeyUsageType::DecipherOnly,
        KeyUsage::Other(s) => c::KeyUsageType::UnknownValue(s.clone()),
    }
}

fn to_i32(field: &str, v: Option<u32>) -> Result<Option<i32>, AzureError> {
    v.map(|v| {
        i32::try_from(v).map_err(|_| AzureError::InvalidInput(format!("{field} {v} is too large")))
    })
    .transpose()
}

/// Our policy as the SDK sends it.
pub(crate) fn policy_to_sdk(p: &CertificatePolicySpec) -> Result<c::CertificatePolicy, AzureError> {
    let key_properties = p
        .key
        .as_ref()
        .map(|k| {
            Ok::<_, AzureError>(c::KeyProperties {
                key_type: k.kty.as_ref().map(key_type),
                key_size: to_i32("key_size", k.key_size)?,
                curve: k.curve.as_ref().map(curve),
                exportable: k.exportable,
                reuse_key: k.reuse_key,
            })
        })
        .transpose()?;
    let x509 = p
        .x509
        .as_ref()
        .map(|x| {
            Ok::<_, AzureError>(c::X509CertificateProperties {
                subject: x.subject.clone(),
                subject_alternative_names: x.sans.as_ref().map(|s| c::SubjectAlternativeNames {
                    dns_names: non_empty(&s.dns_names),
                    emails: non_empty(&s.emails),
                    user_principal_names: non_empty(&s.upns),
                    ip_addresses: non_empty(&s.ip_addresses),
                    uris: non_empty(&s.uris),
                }),
                enhanced_key_usage: x.ekus.clone(),
                key_usage: x
                    .key_usage
                    .as_ref()
                    .map(|k| k.iter().map(key_usage).collect()),
                validity_in_months: to_i32("validity_months", x.validity_months)?,
            })
        })
        .transpose()?;
    let lifetime_actions = p
        .lifetime_actions
        .as_ref()
        .map(|actions| {
            actions
                .iter()
                .map(|a| {
                    let trigger = match a.trigger {
                        LifetimeTrigger::DaysBeforeExpiry(d) => c::LifetimeActionTrigger {
                            days_before_expiry: to_i32("days_before_expiry", Some(d))?,
                            ..Default::default()
                        },
                        LifetimeTrigger::LifetimePercentage(pc) => c::LifetimeActionTrigger {
                            lifetime_percentage: to_i32("lifetime_percentage", Some(pc))?,
                            ..Default::default()
                        },
                    };
                    let action_type = match a.action {
                        LifetimeActionKind::AutoRenew => c::CertificatePolicyAction::AutoRenew,
                        LifetimeActionKind::EmailContacts => {
                            c::CertificatePolicyAction::EmailContacts
                        }
                    };
                    Ok(c::LifetimeAction {
                        trigger: Some(trigger),
                        action: Some(c::LifetimeActionType {
                            action_type: Some(action_type),
                        }),
                    })
                })
                .collect::<Result<Vec<_>, AzureError>>()
        })
        .transpose()?;
    Ok(c::CertificatePolicy {
        key_properties,
        secret_properties: p.content_type.as_ref().map(|ct| c::SecretProperties {
            content_type: Some(ct.clone()),
        }),
        x509_certificate_properties: x509,
        lifetime_actions,
        issuer_parameters: p.issuer.as_ref().map(|i| c::IssuerParameters {
            name: Some(i.name.as_str().to_string()),
            certificate_transparency: i.cert_transparency,
            certificate_type: i.certificate_type.clone(),
        }),
        attributes: p.enabled.map(|e| c::CertificateAttributes {
            enabled: Some(e),
            ..Default::default()
        }),
        id: None,
    })
}

// ---- policy: SDK → ours ----

fn key_kind(k: c::KeyType) -> KeyKind {
    match k {
        c::KeyType::Rsa => KeyKind::Rsa,
        c::KeyType::RsaHsm => KeyKind::RsaHsm,
        c::KeyType::Ec => KeyKind::Ec,
        c::KeyType::EcHsm => KeyKind::EcHsm,
        other => KeyKind::Other(other.to_string()),
    }
}

fn curve_kind(k: c::CurveName) -> CurveKind {
    match k {
        c::CurveName::P256 => CurveKind::P256,
        c::CurveName::P384 => CurveKind::P384,
        c::CurveName::P521 => CurveKind::P521,
        c::CurveName::P256K => CurveKind::P256K,
        c::CurveName::UnknownValue(s) => CurveKind::Other(s),
    }
}

fn usage_of(k: c::KeyUsageType) -> KeyUsage {
    match k {
        c::KeyUsageType::DigitalSignature => KeyUsage::DigitalSignature,
        c::KeyUsageType::NonRepudiation => KeyUsage::NonRepudiation,
        c::KeyUsageType::KeyEncipherment => KeyUsage::KeyEncipherment,
        c::KeyUsageType::DataEncipherment => KeyUsage::DataEncipherment,
        c::KeyUsageType::KeyAgreement => KeyUsage::KeyAgreement,
        c::KeyUsageType::KeyCertSign => KeyUsage::KeyCertSign,
        c::KeyUsageType::CRlSign => KeyUsage::CrlSign,
        c::KeyUsageType::EncipherOnly => KeyUsage::EncipherOnly,
        c::KeyUsageType::DecipherOnly => KeyUsage::DecipherOnly,
        c::KeyUsageType::UnknownValue(s) => KeyUsage::Other(s),
    }
}

fn u32_of(v: Option<i32>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

/// A policy as the service returned it.
pub(crate) fn policy_from_sdk(p: c::CertificatePolicy) -> CertificatePolicySpec {
    CertificatePolicySpec {
        key: p.key_properties.map(|k| KeySpec {
            kty: k.key_type.map(key_kind),
            key_size: u32_of(k.key_size),
            curve: k.curve.map(curve_kind),
            exportable: k.exportable,
            reuse_key: k.reuse_key,
        }),
        content_type: p.secret_properties.and_then(|s| s.content_type),
        x509: p.x509_certificate_properties.map(|x| X509Spec {
            subject: x.subject,
            sans: x.subject_alternative_names.map(|s| SubjectAltNames {
                dns_names: s.dns_names.unwrap_or_default(),
                emails: s.emails.unwrap_or_default(),
                upns: s.user_principal_names.unwrap_or_default(),
                ip_addresses: s.ip_addresses.unwrap_or_default(),
                uris: s.uris.unwrap_or_default(),
            }),
            ekus: x.enhanced_key_usage,
            key_usage: x.key_usage.map(|k| k.into_iter().map(usage_of).collect()),
            validity_months: u32_of(x.validity_in_months),
        }),
        lifetime_actions: p.lifetime_actions.map(|actions| {
            actions
                .into_iter()
                .filter_map(|a| {
                    let t = a.trigger?;
                    let trigger = match (t.days_before_expiry, t.lifetime_percentage) {
                        (Some(d), _) => LifetimeTrigger::DaysBeforeExpiry(u32::try_from(d).ok()?),
                        (None, Some(p)) => {
                            LifetimeTrigger::LifetimePercentage(u32::try_from(p).ok()?)
                        }
                        (None, None) => return None,
                    };
                    let action = match a.action?.action_type? {
                        c::CertificatePolicyAction::AutoRenew => LifetimeActionKind::AutoRenew,
                        c::CertificatePolicyAction::EmailContacts => {
                            LifetimeActionKind::EmailContacts
                        }
                    };
                    Some(LifetimeActionSpec { trigger, action })
                })
                .collect()
        }),
        issuer: p.issuer_parameters.and_then(|i| {
            Some(IssuerSpec {
                name: IssuerName::parse(&i.name?),
                cert_transparency: i.certificate_transparency,
                certificate_type: i.certificate_type,
            })
        }),
        enabled: p.attributes.and_then(|a| a.enabled),
    }
}
