//! Parsing of the key, lifetime action and tag fields of a request.

use std::collections::BTreeMap;

use super::validity::max_days_before_expiry;
use super::{
    ActionSpec, EcCurve, IssuerChoice, KeyAlgorithm, LifetimeActionSpec, LifetimeActionType,
    RawRequest, RequestContext, TriggerSpec,
};

/// Key Vault's tag limits: at most 15 tags, keys of 1–512 and values of 0–256 characters.
pub const MAX_TAGS: usize = 15;
pub const MAX_TAG_KEY_CHARS: usize = 512;
pub const MAX_TAG_VALUE_CHARS: usize = 256;

pub(super) fn parse_key(
    raw: &RawRequest,
    ctx: &RequestContext,
    err: &mut impl FnMut(&'static str, String),
) -> (Option<KeyAlgorithm>, bool) {
    let kty = raw.key.trim().to_ascii_uppercase();
    let (family, hsm) = match kty.strip_suffix("-HSM") {
        Some(f) => (f.to_string(), true),
        None => (kty.clone(), false),
    };
    let size = raw.key_size.trim();
    let curve = raw.curve.trim();
    if hsm && !ctx.vault_is_premium {
        err(
            "key",
            format!("{kty} keys need a premium vault; this vault is standard"),
        );
    }
    let key = match family.as_str() {
        "" | "RSA" => {
            if !curve.is_empty() {
                err(
                    "curve",
                    format!("RSA keys take a key size, not a curve ('{curve}')"),
                );
            }
            match size {
                "" => Some(KeyAlgorithm::Rsa(2048)),
                "2048" | "3072" | "4096" => size.parse().ok().map(KeyAlgorithm::Rsa),
                other => {
                    err(
                        "key_size",
                        format!("RSA key size '{other}' is not supported: use 2048, 3072 or 4096"),
                    );
                    None
                }
            }
        }
        "EC" | "ECC" | "ECDSA" => {
            if !size.is_empty() {
                err(
                    "key_size",
                    format!("EC keys take a curve, not a key size ('{size}')"),
                );
            }
            match curve.to_ascii_uppercase().replace(['_', ' '], "-").as_str() {
                "" | "P-256" | "P256" => Some(KeyAlgorithm::Ec(EcCurve::P256)),
                "P-384" | "P384" => Some(KeyAlgorithm::Ec(EcCurve::P384)),
                "P-521" | "P521" => Some(KeyAlgorithm::Ec(EcCurve::P521)),
                _ => {
                    err(
                        "curve",
                        format!("curve '{curve}' is not supported: use P-256, P-384 or P-521"),
                    );
                    None
                }
            }
        }
        _ => {
            err(
                "key",
                format!(
                    "key type '{}' is not supported: use RSA, EC, RSA-HSM or EC-HSM",
                    raw.key.trim()
                ),
            );
            None
        }
    };
    (key, hsm)
}

pub(super) fn parse_lifetime(
    raw: &RawRequest,
    issuer: Option<&IssuerChoice>,
    validity: Option<u32>,
    err: &mut impl FnMut(&'static str, String),
) -> Option<LifetimeActionSpec> {
    let unknown = matches!(issuer, Some(IssuerChoice::Unknown));
    let text: String = raw
        .lifetime_action
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    let days_text = raw.days_before_expiry.trim();
    let action = match text.as_str() {
        "" if days_text.is_empty() => {
            // Key Vault's default: 80% of the lifetime.
            let action_type = if unknown {
                LifetimeActionType::EmailContacts
            } else {
                LifetimeActionType::AutoRenew
            };
            return Some(LifetimeActionSpec {
                trigger: TriggerSpec {
                    lifetime_percentage: Some(80),
                    days_before_expiry: None,
                },
                action: ActionSpec { action_type },
            });
        }
        "" => {
            err(
                "lifetime_action",
                "choose AutoRenew or EmailContacts for the days before expiry".into(),
            );
            None
        }
        "autorenew" => Some(LifetimeActionType::AutoRenew),
        "emailcontacts" | "email" => Some(LifetimeActionType::EmailContacts),
        _ => {
            err(
                "lifetime_action",
                format!(
                    "'{}' is not a lifetime action: use AutoRenew or EmailContacts",
                    raw.lifetime_action.trim()
                ),
            );
            None
        }
    };
    if action == Some(LifetimeActionType::AutoRenew) && unknown {
        err(
            "lifetime_action",
            "AutoRenew is not possible with issuer Unknown: Key Vault only renews certificates of Self and integrated CAs; use EmailContacts".into(),
        );
    }
    let trigger = if days_text.is_empty() {
        Some(TriggerSpec {
            lifetime_percentage: Some(80),
            days_before_expiry: None,
        })
    } else {
        match (days_text.parse::<u32>(), validity) {
            (Err(_), _) => {
                err(
                    "days_before_expiry",
                    format!("'{days_text}' is not a whole number of days"),
                );
                None
            }
            (Ok(0), _) => {
                err("days_before_expiry", "must be at least 1 day".into());
                None
            }
            (Ok(d), Some(months)) if d > max_days_before_expiry(months) => {
                err(
                    "days_before_expiry",
                    format!(
                        "{d} days is too many for {months} months of validity: at most {} (27 days per month, Key Vault's limit)",
                        max_days_before_expiry(months)
                    ),
                );
                None
            }
            (Ok(d), _) => Some(TriggerSpec {
                lifetime_percentage: None,
                days_before_expiry: Some(d),
            }),
        }
    };
    match (action, trigger) {
        (Some(action_type), Some(trigger)) => Some(LifetimeActionSpec {
            trigger,
            action: ActionSpec { action_type },
        }),
        _ => None,
    }
}

pub(super) fn parse_tags(
    entries: &[String],
    err: &mut impl FnMut(&'static str, String),
) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        let Some((k, v)) = entry.split_once('=') else {
            err("tags", format!("'{entry}' is not key=value"));
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() {
            err("tags", format!("'{entry}' has an empty key"));
        } else if k.chars().count() > MAX_TAG_KEY_CHARS {
            err(
                "tags",
                format!("tag key '{k}' is longer than {MAX_TAG_KEY_CHARS} characters"),
            );
        } else if v.chars().count() > MAX_TAG_VALUE_CHARS {
            err(
                "tags",
                format!("the value of tag '{k}' is longer than {MAX_TAG_VALUE_CHARS} characters"),
            );
        } else if tags.insert(k.to_string(), v.to_string()).is_some() {
            err("tags", format!("tag '{k}' is given twice"));
        }
    }
    if tags.len() > MAX_TAGS {
        err(
            "tags",
            format!(
                "{} tags is too many: Key Vault allows at most {MAX_TAGS}",
                tags.len()
            ),
        );
    }
    tags
}
