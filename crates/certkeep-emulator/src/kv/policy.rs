//! Certificate policies as Key Vault writes them on the wire, with the service's defaults,
//! merge-on-update and validation (each failure a `BadParameter` naming the field).

use std::collections::BTreeMap;

use certkeep_core::keyvault::{CONTENT_TYPE_PEM, CONTENT_TYPE_PFX, KEY_USAGES, is_valid_oid};
use serde::{Deserialize, Serialize};

use crate::pki::KeySpec;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PolicyJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_props: Option<KeyProps>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_props: Option<SecretProps>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x509_props: Option<X509Props>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_actions: Option<Vec<LifetimeAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<IssuerParams>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<PolicyAttributes>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct KeyProps {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exportable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kty: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_size: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reuse_key: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SecretProps {
    #[serde(
        default,
        rename = "contentType",
        skip_serializing_if = "Option::is_none"
    )]
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct X509Props {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sans: Option<Sans>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ekus: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_usage: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_months: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_constraints: Option<BasicConstraints>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct BasicConstraints {
    pub ca: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Sans {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_names: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upns: Option<Vec<String>>,
    #[serde(
        default,
        rename = "ipAddresses",
        alias = "ip_addresses",
        skip_serializing_if = "Option::is_none"
    )]
    pub ip_addresses: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uris: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LifetimeAction {
    #[serde(default)]
    pub trigger: Trigger,
    #[serde(default)]
    pub action: Action,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Trigger {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_percentage: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_before_expiry: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Action {
    #[serde(default)]
    pub action_type: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IssuerParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cty: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_transparency: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PolicyAttributes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<i64>,
}

/// Fills in what the service fills in for a minimal policy. Call `validate` first.
pub fn apply_defaults(p: &mut PolicyJson, now: i64) {
    let issuer = p.issuer.get_or_insert_with(Default::default);
    let issuer_name = issuer.name.get_or_insert_with(|| "Unknown".into()).clone();

    let kp = p.key_props.get_or_insert_with(Default::default);
    kp.exportable.get_or_insert(true);
    kp.reuse_key.get_or_insert(false);
    let kty = kp.kty.get_or_insert_with(|| "RSA".into()).clone();
    if kty.starts_with("EC") {
        let crv = kp
            .crv
            .get_or_insert_with(|| {
                match kp.key_size {
                    Some(384) => "P-384",
                    Some(521) => "P-521",
                    _ => "P-256",
                }
                .into()
            })
            .clone();
        kp.key_size.get_or_insert(curve_bits(&crv));
    } else {
        kp.key_size.get_or_insert(2048);
    }

    let sp = p.secret_props.get_or_insert_with(Default::default);
    sp.content_type
        .get_or_insert_with(|| CONTENT_TYPE_PFX.into());

    let x = p.x509_props.get_or_insert_with(Default::default);
    x.ekus
        .get_or_insert_with(|| vec!["1.3.6.1.5.5.7.3.1".into(), "1.3.6.1.5.5.7.3.2".into()]);
    x.key_usage
        .get_or_insert_with(|| vec!["digitalSignature".into(), "keyEncipherment".into()]);
    x.validity_months.get_or_insert(12);
    x.basic_constraints = Some(BasicConstraints { ca: false });

    if p.lifetime_actions.is_none() {
        let action = if issuer_name.eq_ignore_ascii_case("Unknown") {
            "EmailContacts"
        } else {
            "AutoRenew"
        };
        p.lifetime_actions = Some(vec![LifetimeAction {
            trigger: Trigger {
                lifetime_percentage: Some(80),
                days_before_expiry: None,
            },
            action: Action {
                action_type: action.into(),
            },
        }]);
    }
    let attrs = p.attributes.get_or_insert_with(Default::default);
    attrs.enabled.get_or_insert(true);
    attrs.created.get_or_insert(now);
    attrs.updated = Some(now);
}

/// Overlays the fields present in `update` onto `base` (Key Vault's PATCH of a policy).
pub fn merge(base: &PolicyJson, update: &PolicyJson) -> PolicyJson {
    let mut out = base.clone();
    if let Some(k) = &update.key_props {
        let b = out.key_props.get_or_insert_with(Default::default);
        overlay(&mut b.exportable, &k.exportable);
        if k.kty.is_some() && k.kty != b.kty {
            // A new key type resets what belonged to the old one.
            b.crv = None;
            b.key_size = None;
        }
        overlay(&mut b.kty, &k.kty);
        overlay(&mut b.key_size, &k.key_size);
        overlay(&mut b.reuse_key, &k.reuse_key);
        overlay(&mut b.crv, &k.crv);
    }
    if let Some(s) = &update.secret_props {
        let b = out.secret_props.get_or_insert_with(Default::default);
        overlay(&mut b.content_type, &s.content_type);
    }
    if let Some(x) = &update.x509_props {
        let b = out.x509_props.get_or_insert_with(Default::default);
        overlay(&mut b.subject, &x.subject);
        overlay(&mut b.sans, &x.sans);
        overlay(&mut b.ekus, &x.ekus);
        overlay(&mut b.key_usage, &x.key_usage);
        overlay(&mut b.validity_months, &x.validity_months);
    }
    if update.lifetime_actions.is_some() {
        out.lifetime_actions = update.lifetime_actions.clone();
    }
    if let Some(i) = &update.issuer {
        let b = out.issuer.get_or_insert_with(Default::default);
        overlay(&mut b.name, &i.name);
        overlay(&mut b.cty, &i.cty);
        overlay(&mut b.cert_transparency, &i.cert_transparency);
    }
    if let Some(a) = &update.attributes {
        let b = out.attributes.get_or_insert_with(Default::default);
        overlay(&mut b.enabled, &a.enabled);
    }
    out
}

fn overlay<T: Clone>(target: &mut Option<T>, value: &Option<T>) {
    if value.is_some() {
        *target = value.clone();
    }
}

fn curve_bits(crv: &str) -> i64 {
    match crv {
        "P-384" => 384,
        "P-521" => 521,
        _ => 256,
    }
}

/// Checks a policy (before defaults); `issuers` are the vault's configured issuer names.
/// Returns the message for a 400 `BadParameter`.
pub fn validate(p: &PolicyJson, issuers: &[String], premium: bool) -> Result<(), String> {
    if let Some(k) = &p.key_props {
        let kty = k.kty.as_deref().unwrap_or("RSA");
        match kty {
            "RSA" | "RSA-HSM" => {
                if let Some(crv) = &k.crv {
                    return Err(format!(
                        "Invalid key_props.crv: curve '{crv}' cannot be used with key type {kty}."
                    ));
                }
                if let Some(size) = k.key_size
                    && ![2048, 3072, 4096].contains(&size)
                {
                    return Err(format!(
                        "Invalid key_props.key_size: RSA key size {size} is not supported. Supported sizes are 2048, 3072 and 4096."
                    ));
                }
            }
            "EC" | "EC-HSM" => {
                if let Some(crv) = &k.crv {
                    if !["P-256", "P-384", "P-521", "P-256K"].contains(&crv.as_str()) {
                        return Err(format!("Invalid key_props.crv: unknown curve '{crv}'."));
                    }
                    if crv == "P-256K" {
                        return Err("Invalid key_props.crv: P-256K certificates are not issued by this emulator.".into());
                    }
                    if let Some(size) = k.key_size
                        && size != curve_bits(crv)
                    {
                        return Err(format!(
                            "Invalid key_props.key_size: {size} does not match curve {crv}."
                        ));
                    }
                } else if let Some(size) = k.key_size
                    && ![256, 384, 521].contains(&size)
                {
                    return Err(format!(
                        "Invalid key_props.key_size: EC key size {size} is not supported."
                    ));
                }
            }
            other => {
                return Err(format!(
                    "Invalid key_props.kty: '{other}' is not a certificate key type (RSA, RSA-HSM, EC, EC-HSM)."
                ));
            }
        }
        if kty.ends_with("-HSM") && !premium {
            return Err(format!(
                "Invalid key_props.kty: {kty} keys need a premium vault."
            ));
        }
    }
    if let Some(ct) = p
        .secret_props
        .as_ref()
        .and_then(|s| s.content_type.as_deref())
        && ct != CONTENT_TYPE_PFX
        && ct != CONTENT_TYPE_PEM
    {
        return Err(format!(
            "Invalid secret_props.contentType: '{ct}'. Use application/x-pkcs12 or application/x-pem-file."
        ));
    }
    let x = p.x509_props.clone().unwrap_or_default();
    let has_sans = x.sans.as_ref().is_some_and(|s| {
        [&s.dns_names, &s.emails, &s.upns, &s.ip_addresses, &s.uris]
            .iter()
            .any(|v| v.as_ref().is_some_and(|v| !v.is_empty()))
    });
    match &x.subject {
        Some(subject) if !subject.trim().is_empty() => {
            certkeep_core::dn::parse_dn(subject)
                .map_err(|e| format!("Invalid x509_props.subject: {e}"))?;
        }
        _ if has_sans => {}
        _ => {
            return Err(
                "Invalid x509_props: a subject or subject alternative names are required.".into(),
            );
        }
    }
    if let Some(sans) = &x.sans {
        for ip in sans.ip_addresses.iter().flatten() {
            if ip.parse::<std::net::IpAddr>().is_err() {
                return Err(format!(
                    "Invalid x509_props.sans.ipAddresses: '{ip}' is not an IP address."
                ));
            }
        }
        for d in sans.dns_names.iter().flatten() {
            if d.is_empty() || !d.is_ascii() || d.contains(' ') {
                return Err(format!(
                    "Invalid x509_props.sans.dns_names: '{d}' is not a DNS name."
                ));
            }
        }
        for e in sans.emails.iter().chain(sans.upns.iter()).flatten() {
            if !e.contains('@') {
                return Err(format!(
                    "Invalid x509_props.sans: '{e}' is not an e-mail address or UPN."
                ));
            }
        }
    }
    for ku in x.key_usage.iter().flatten() {
        if !KEY_USAGES.contains(&ku.as_str()) {
            return Err(format!(
                "Invalid x509_props.key_usage: unknown key usage '{ku}'."
            ));
        }
    }
    for eku in x.ekus.iter().flatten() {
        if !is_valid_oid(eku) {
            return Err(format!(
                "Invalid x509_props.ekus: '{eku}' is not an object identifier."
            ));
        }
    }
    let validity = x.validity_months;
    if let Some(v) = validity
        && !(1..=1200).contains(&v)
    {
        return Err(format!(
            "Invalid x509_props.validity_months: {v}. It must be between 1 and 1200."
        ));
    }
    let issuer_name = p
        .issuer
        .as_ref()
        .and_then(|i| i.name.clone())
        .unwrap_or_else(|| "Unknown".into());
    let builtin = ["Self", "Unknown"]
        .iter()
        .any(|b| b.eq_ignore_ascii_case(&issuer_name));
    if !builtin && !issuers.iter().any(|i| i.eq_ignore_ascii_case(&issuer_name)) {
        return Err(format!(
            "Invalid issuer.name: issuer '{issuer_name}' is not configured in this vault."
        ));
    }
    if let Some(actions) = &p.lifetime_actions {
        if actions.len() > 1 {
            return Err("Invalid lifetime_actions: at most one lifetime action is allowed.".into());
        }
        for a in actions {
            match (a.trigger.lifetime_percentage, a.trigger.days_before_expiry) {
                (Some(_), Some(_)) => return Err("Invalid lifetime_actions.trigger: give lifetime_percentage or days_before_expiry, not both.".into()),
                (None, None) => return Err("Invalid lifetime_actions.trigger: lifetime_percentage or days_before_expiry is required.".into()),
                (Some(pct), None) if !(1..=99).contains(&pct) => {
                    return Err(format!("Invalid lifetime_actions.trigger.lifetime_percentage: {pct}. It must be between 1 and 99."));
                }
                (None, Some(days)) => {
                    let max_days = validity.unwrap_or(12) * 27;
                    if days < 1 || days > max_days {
                        return Err(format!("Invalid lifetime_actions.trigger.days_before_expiry: {days}. It must be between 1 and {max_days}."));
                    }
                }
                _ => {}
            }
            match a.action.action_type.as_str() {
                "EmailContacts" => {}
                "AutoRenew" if issuer_name.eq_ignore_ascii_case("Unknown") => {
                    return Err("Invalid lifetime_actions.action: AutoRenew is not supported for certificates of issuer Unknown.".into());
                }
                "AutoRenew" => {}
                other => {
                    return Err(format!(
                        "Invalid lifetime_actions.action.action_type: '{other}'. Use AutoRenew or EmailContacts."
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A policy after defaults, read into the values issuance needs.
#[derive(Debug, Clone)]
pub struct Effective {
    pub key: KeySpec,
    pub kty: String,
    pub reuse_key: bool,
    pub content_type: String,
    pub subject: String,
    pub validity_months: i64,
    pub issuer_name: String,
}

impl Effective {
    pub fn of(p: &PolicyJson) -> Self {
        let kp = p.key_props.clone().unwrap_or_default();
        let kty = kp.kty.clone().unwrap_or_else(|| "RSA".into());
        let key = if kty.starts_with("EC") {
            KeySpec::Ec(match kp.crv.as_deref() {
                Some("P-384") => "P-384",
                Some("P-521") => "P-521",
                _ => "P-256",
            })
        } else {
            KeySpec::Rsa(kp.key_size.unwrap_or(2048) as u32)
        };
        let x = p.x509_props.clone().unwrap_or_default();
        Self {
            key,
            kty,
            reuse_key: kp.reuse_key.unwrap_or(false),
            content_type: p
                .secret_props
                .as_ref()
                .and_then(|s| s.content_type.clone())
                .unwrap_or_else(|| CONTENT_TYPE_PFX.into()),
            subject: x.subject.unwrap_or_default(),
            validity_months: x.validity_months.unwrap_or(12),
            issuer_name: p
                .issuer
                .as_ref()
                .and_then(|i| i.name.clone())
                .unwrap_or_else(|| "Unknown".into()),
        }
    }
}

/// The certificate request a policy describes, valid from `created - 600` for `validity_months`.
pub fn cert_request(p: &PolicyJson, created: i64) -> crate::pki::CertRequest {
    let x = p.x509_props.clone().unwrap_or_default();
    let sans = x.sans.unwrap_or_default();
    let months = x.validity_months.unwrap_or(12);
    crate::pki::CertRequest {
        subject: x
            .subject
            .filter(|s| !s.trim().is_empty())
            .or_else(|| {
                sans.dns_names
                    .as_ref()
                    .and_then(|d| d.first())
                    .map(|d| format!("CN={d}"))
            })
            .unwrap_or_else(|| "CN=certificate".into()),
        dns_names: sans.dns_names.unwrap_or_default(),
        emails: sans.emails.unwrap_or_default(),
        upns: sans.upns.unwrap_or_default(),
        ip_addresses: sans.ip_addresses.unwrap_or_default(),
        uris: sans.uris.unwrap_or_default(),
        key_usage: x.key_usage.unwrap_or_default(),
        ekus: x.ekus.unwrap_or_default(),
        not_before: created - 600,
        not_after: add_months(created, months),
    }
}

/// Adds calendar months to a Unix time (clamping the day, as Key Vault's validity does).
pub fn add_months(t: i64, months: i64) -> i64 {
    let Ok(dt) = time::OffsetDateTime::from_unix_timestamp(t) else {
        return t + months * 30 * 86_400;
    };
    let total = dt.year() as i64 * 12 + (dt.month() as i64 - 1) + months;
    let (year, month0) = (total.div_euclid(12) as i32, total.rem_euclid(12) as u8);
    let Ok(month) = time::Month::try_from(month0 + 1) else {
        return t;
    };
    let day = dt.day().min(month.length(year));
    time::Date::from_calendar_date(year, month, day)
        .map(|d| d.with_time(dt.time()).assume_utc().unix_timestamp())
        .unwrap_or(t)
}

/// Tags: at most 15, names ≤ 512 and values ≤ 256 characters.
pub fn validate_tags(tags: &BTreeMap<String, String>) -> Result<(), String> {
    if tags.len() > 15 {
        return Err("Invalid tags: at most 15 tags are allowed.".into());
    }
    for (k, v) in tags {
        if k.is_empty() || k.len() > 512 || v.len() > 256 {
            return Err(format!("Invalid tags: tag '{k}' is too long or empty."));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: serde_json::Value) -> PolicyJson {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn minimal_policy_gets_the_service_defaults() {
        let mut p = parse(
            serde_json::json!({"x509_props": {"subject": "CN=a"}, "issuer": {"name": "Self"}}),
        );
        validate(&p, &[], false).unwrap();
        apply_defaults(&mut p, 1000);
        let e = Effective::of(&p);
        assert_eq!(e.key, KeySpec::Rsa(2048));
        assert_eq!(e.content_type, CONTENT_TYPE_PFX);
        assert_eq!(e.validity_months, 12);
        let la = &p.lifetime_actions.as_ref().unwrap()[0];
        assert_eq!(la.action.action_type, "AutoRenew");
        assert_eq!(la.trigger.lifetime_percentage, Some(80));
    }

    #[test]
    fn rejects_the_classic_mistakes() {
        let bad = [
            serde_json::json!({"key_props": {"kty": "RSA", "crv": "P-256"}, "x509_props": {"subject": "CN=a"}}),
            serde_json::json!({"key_props": {"kty": "RSA", "key_size": 1024}, "x509_props": {"subject": "CN=a"}}),
            serde_json::json!({"x509_props": {"subject": "CN=a", "validity_months": 0}}),
            serde_json::json!({"x509_props": {"subject": "CN=a", "key_usage": ["signEverything"]}}),
            serde_json::json!({"x509_props": {}}),
            serde_json::json!({"x509_props": {"subject": "CN=a"}, "issuer": {"name": "Nope"}}),
            serde_json::json!({"x509_props": {"subject": "CN=a"}, "issuer": {"name": "Unknown"},
                "lifetime_actions": [{"trigger": {"lifetime_percentage": 50}, "action": {"action_type": "AutoRenew"}}]}),
        ];
        for b in bad {
            assert!(validate(&parse(b.clone()), &[], false).is_err(), "{b}");
        }
    }

    #[test]
    fn months_are_calendar_months() {
        // 2025-01-31 + 1 month = 2025-02-28
        let jan31 = 1_738_281_600;
        assert_eq!(add_months(jan31, 1), 1_740_700_800);
    }
}
