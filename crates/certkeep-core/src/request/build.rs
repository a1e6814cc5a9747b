//! `validate`: from the form's strings to a `RequestSpec`, collecting every error.

use super::fields::{parse_key, parse_lifetime, parse_tags};
use super::names::{check_dns_name, check_ip, check_mailbox, parse_sans};
use super::usage::{DEFAULT_EKUS, DEFAULT_KEY_USAGE, parse_ekus, parse_key_usages};
use super::validity::{REFERENCE_DATE, check_validity, issuer_class};
use super::{FieldError, IssuerChoice, RawRequest, RequestContext, RequestSpec, SecretFormat};
use crate::dn::{DnAttr, DnKind, format_dn, parse_dn};
use crate::keyvault::{CONTENT_TYPE_PEM, CONTENT_TYPE_PFX, is_valid_object_name};

/// Validates a request; on failure returns every error found, in form order.
pub fn validate(raw: &RawRequest, ctx: &RequestContext) -> Result<RequestSpec, Vec<FieldError>> {
    let mut errs: Vec<FieldError> = Vec::new();
    let mut err = |field: &'static str, reason: String| errs.push(FieldError::new(field, reason));
    let today = ctx.today.unwrap_or(REFERENCE_DATE);

    let name = raw.name.trim().to_string();
    if !is_valid_object_name(&name) {
        err(
            "name",
            format!(
                "'{name}' is not a valid certificate name: use 1 to 127 letters, digits and hyphens"
            ),
        );
    }

    // Issuer first: validity, lifetime action and the CN depend on it.
    let issuer = match parse_issuer(&raw.issuer, ctx) {
        Ok(i) => Some(i),
        Err(e) => {
            err("issuer", e);
            None
        }
    };
    let public_ca = issuer
        .as_ref()
        .is_some_and(|i| issuer_class(i.provider()) == super::validity::IssuerClass::PublicTls);

    let common_name = raw.common_name.trim().to_string();
    let mut cn_dns = None;
    let mut cn_ip = None;
    if common_name.is_empty() {
        err(
            "common_name",
            "the domain name (common name) is required".into(),
        );
    } else if let Some(reason) = text_problem(&common_name, 64) {
        err("common_name", reason);
    } else if let Ok(ip) = check_ip(&common_name) {
        cn_ip = Some(ip);
    } else if let Ok(dns) = check_dns_name(&common_name) {
        cn_dns = Some(dns);
    } else if public_ca || (common_name.contains('.') && !common_name.contains(' ')) {
        // A name with dots and no spaces is meant as a DNS name: report why it is not one.
        let why = check_dns_name(&common_name).err().unwrap_or_default();
        let who = if public_ca {
            "a public CA needs the common name to be a DNS name: "
        } else {
            ""
        };
        err("common_name", format!("{who}{why}"));
    }

    let mut sans = match parse_sans(&raw.sans) {
        Ok(s) => s,
        Err(list) => {
            for e in list {
                err("sans", e);
            }
            Default::default()
        }
    };
    if let Some(dns) = &cn_dns
        && !sans.dns_names.contains(dns)
    {
        sans.dns_names.insert(0, dns.clone());
    }
    if let Some(ip) = &cn_ip
        && !sans.ip_addresses.contains(ip)
    {
        sans.ip_addresses.insert(0, ip.clone());
    }

    let email = raw.email.trim();
    let contact_email = if email.is_empty() {
        None
    } else {
        match check_mailbox(email, "an e-mail address") {
            Ok(e) => Some(e),
            Err(e) => {
                err("email", e);
                None
            }
        }
    };

    let (key, hsm) = parse_key(raw, ctx, &mut err);

    // Subject: CN, O, OU, L, ST, C.
    let mut attrs = Vec::new();
    if !common_name.is_empty() {
        attrs.push((DnKind::CommonName, "common_name", common_name.clone()));
    }
    for (kind, field, value, max) in [
        (DnKind::Organization, "organization", &raw.organization, 64),
        (
            DnKind::OrganizationalUnit,
            "organizational_unit",
            &raw.organizational_unit,
            64,
        ),
        (DnKind::Locality, "locality", &raw.locality, 128),
        (DnKind::State, "state", &raw.state, 128),
    ] {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match text_problem(value, max) {
            Some(reason) => err(field, reason),
            None => attrs.push((kind, field, value.to_string())),
        }
    }
    let country = raw.country.trim();
    if !country.is_empty() {
        if country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic()) {
            attrs.push((DnKind::Country, "country", country.to_ascii_uppercase()));
        } else {
            err(
                "country",
                format!("'{country}' is not a two-letter country code such as NL or US"),
            );
        }
    }
    let dn: Vec<DnAttr> = attrs
        .iter()
        .map(|(kind, _, value)| DnAttr {
            kind: *kind,
            value: value.clone(),
        })
        .collect();
    let subject = format_dn(&dn);
    if !dn.is_empty() {
        match parse_dn(&subject) {
            Ok(parsed) if parsed == dn => {}
            Ok(parsed) => {
                let field = attrs
                    .iter()
                    .zip(parsed.iter().map(Some).chain(std::iter::repeat(None)))
                    .find(|((k, _, v), p)| p.is_none_or(|p| p.kind != *k || &p.value != v))
                    .map_or("common_name", |((_, f, _), _)| *f);
                err(
                    field,
                    format!("the value does not survive as a subject ({subject})"),
                );
            }
            Err(e) => err("common_name", format!("the subject is not valid: {e}")),
        }
    }

    // Validity, then the lifetime action that depends on it.
    let provider = issuer.as_ref().map_or("Self", |i| i.provider()).to_string();
    let validity_text = raw.validity_months.trim();
    let validity = if validity_text.is_empty() {
        let max = super::validity::max_validity_months(issuer_class(&provider), today);
        Some(12.min(max))
    } else {
        match validity_text.parse::<u32>() {
            Ok(m) => match check_validity(m, &provider, today, "validity_months") {
                Ok(m) => Some(m),
                Err(e) => {
                    errs_push(&mut err, e);
                    None
                }
            },
            Err(_) => {
                err(
                    "validity_months",
                    format!("'{validity_text}' is not a whole number of months"),
                );
                None
            }
        }
    };
    let lifetime_action = parse_lifetime(raw, issuer.as_ref(), validity, &mut err);

    let key_usage = match parse_key_usages(&raw.key_usage) {
        Ok(k) if k.is_empty() => DEFAULT_KEY_USAGE.iter().map(|s| s.to_string()).collect(),
        Ok(k) => k,
        Err(list) => {
            list.into_iter().for_each(|e| err("key_usage", e));
            Vec::new()
        }
    };
    let ekus = match parse_ekus(&raw.eku) {
        Ok(e) if e.is_empty() => DEFAULT_EKUS.iter().map(|s| s.to_string()).collect(),
        Ok(e) => e,
        Err(list) => {
            list.into_iter().for_each(|e| err("eku", e));
            Vec::new()
        }
    };

    let format = match raw.content_type.trim().to_ascii_lowercase().as_str() {
        "" | "pfx" | "p12" | "pkcs12" | CONTENT_TYPE_PFX => Some(SecretFormat::Pfx),
        "pem" | CONTENT_TYPE_PEM => Some(SecretFormat::Pem),
        other => {
            err(
                "content_type",
                format!("'{other}' is not a content type: use pfx or pem"),
            );
            None
        }
    };

    let tags = parse_tags(&raw.tags, &mut err);

    match (issuer, key, validity, lifetime_action, format) {
        (Some(issuer), Some(key), Some(validity_months), Some(lifetime_action), Some(format))
            if errs.is_empty() =>
        {
            Ok(RequestSpec {
                name,
                subject,
                common_name,
                sans,
                contact_email,
                key,
                hsm,
                exportable: raw.exportable.unwrap_or(true),
                reuse_key: raw.reuse_key.unwrap_or(false),
                validity_months,
                lifetime_action,
                key_usage,
                ekus,
                critical: raw.critical,
                issuer,
                format,
                tags,
            })
        }
        _ => Err(errs),
    }
}

fn errs_push(err: &mut impl FnMut(&'static str, String), e: FieldError) {
    err(e.field, e.reason);
}

/// A subject value problem: control characters or too long.
fn text_problem(value: &str, max_chars: usize) -> Option<String> {
    if value.chars().any(char::is_control) {
        return Some("the value holds control characters".into());
    }
    let n = value.chars().count();
    (n > max_chars).then(|| format!("{n} characters is too long (at most {max_chars})"))
}

fn parse_issuer(text: &str, ctx: &RequestContext) -> Result<IssuerChoice, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("self") {
        return Ok(IssuerChoice::SelfSigned);
    }
    if text.eq_ignore_ascii_case("unknown") {
        return Ok(IssuerChoice::Unknown);
    }
    if let Some(i) = ctx
        .issuers
        .iter()
        .find(|i| i.name.eq_ignore_ascii_case(text))
    {
        return Ok(IssuerChoice::Named {
            name: i.name.clone(),
            provider: i.provider.clone(),
        });
    }
    let mut known: Vec<&str> = vec!["Self", "Unknown"];
    known.extend(ctx.issuers.iter().map(|i| i.name.as_str()));
    Err(format!(
        "issuer '{text}' is not configured in this vault; known issuers: {}",
        known.join(", ")
    ))
}
