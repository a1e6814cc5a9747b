//! Names a certificate request carries: DNS names (with the one wildcard form CAs accept),
//! e-mail addresses and UPNs, IP addresses and URIs, and the comma-separated SAN list of the
//! request form.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Subject alternative names by kind, as a request asks for them (normalised, de-duplicated).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
/// Serialises with Key Vault's field names (`ipAddresses`), leaving out empty kinds.
pub struct SanSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upns: Vec<String>,
    #[serde(
        default,
        rename = "ipAddresses",
        alias = "ip_addresses",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ip_addresses: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uris: Vec<String>,
}

impl SanSpec {
    /// True when no name of any kind is present.
    pub fn is_empty(&self) -> bool {
        self.dns_names.is_empty()
            && self.emails.is_empty()
            && self.upns.is_empty()
            && self.ip_addresses.is_empty()
            && self.uris.is_empty()
    }
}

/// Checks a DNS name: labels of 1–63 letters, digits and inner hyphens, at most 253
/// characters, no trailing dot; a wildcard only as the whole left-most label, followed by at
/// least two labels (`*.example.com`). Returns the name in lowercase.
pub fn check_dns_name(name: &str) -> Result<String, String> {
    if name.is_empty() {
        return Err("a DNS name cannot be empty".into());
    }
    if !name.is_ascii() {
        return Err(format!(
            "'{name}' is not ASCII; write internationalised names in their xn-- (punycode) form"
        ));
    }
    if name.len() > 253 {
        return Err(format!("'{name}' is longer than 253 characters"));
    }
    if name.parse::<IpAddr>().is_ok() {
        return Err(format!(
            "'{name}' is an IP address, not a DNS name; write it as ip:{name}"
        ));
    }
    let labels: Vec<&str> = name.split('.').collect();
    for (i, label) in labels.iter().enumerate() {
        if label.is_empty() {
            return Err(format!("'{name}' has an empty label"));
        }
        if label.contains('*') {
            if *label != "*" || i != 0 {
                return Err(format!(
                    "'{name}': a wildcard is only allowed as the whole left-most label, as in *.example.com"
                ));
            }
            if labels.len() < 3 {
                return Err(format!(
                    "'{name}': a wildcard needs at least two labels after it, as in *.example.com"
                ));
            }
            continue;
        }
        if label.len() > 63 {
            return Err(format!("'{name}' has a label longer than 63 characters"));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(format!(
                "'{name}' contains '{c}', which a DNS name cannot hold"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "'{name}' has a label that starts or ends with a hyphen"
            ));
        }
    }
    Ok(name.to_ascii_lowercase())
}

/// Checks `local@domain`: one `@`, a local part of 1–64 printable ASCII characters without
/// spaces, and a DNS-name domain (no wildcard). The domain is lowercased.
pub fn check_mailbox(addr: &str, what: &str) -> Result<String, String> {
    let Some((local, domain)) = addr.rsplit_once('@') else {
        return Err(format!("'{addr}' is not {what} (no '@')"));
    };
    if local.is_empty() || local.len() > 64 {
        return Err(format!(
            "'{addr}' is not {what}: the part before '@' must be 1 to 64 characters"
        ));
    }
    if local.contains('@')
        || !local.chars().all(|c| {
            c.is_ascii_graphic()
                && !matches!(
                    c,
                    '(' | ')' | '<' | '>' | ',' | ';' | ':' | '[' | ']' | '\\' | '"'
                )
        })
    {
        return Err(format!(
            "'{addr}' is not {what}: the part before '@' holds a character that needs quoting"
        ));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(format!(
            "'{addr}' is not {what}: dots in the part before '@' cannot lead, trail or repeat"
        ));
    }
    if domain.contains('*') {
        return Err(format!(
            "'{addr}' is not {what}: the domain cannot be a wildcard"
        ));
    }
    let domain = check_dns_name(domain).map_err(|e| format!("'{addr}' is not {what}: {e}"))?;
    Ok(format!("{local}@{domain}"))
}

/// Checks an absolute URI: `scheme:rest`, scheme `[A-Za-z][A-Za-z0-9+.-]*`, printable ASCII.
pub fn check_uri(uri: &str) -> Result<String, String> {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err(format!("'{uri}' is not an absolute URI (no scheme)"));
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    if !scheme_ok {
        return Err(format!("'{uri}' has an invalid scheme '{scheme}'"));
    }
    if rest.is_empty() || rest == "//" {
        return Err(format!("'{uri}' has nothing after its scheme"));
    }
    if !uri.chars().all(|c| c.is_ascii_graphic()) {
        return Err(format!(
            "'{uri}' holds characters a URI cannot (percent-encode them)"
        ));
    }
    Ok(uri.to_string())
}

/// Checks an IPv4 or IPv6 address and returns its canonical text.
pub fn check_ip(ip: &str) -> Result<String, String> {
    ip.parse::<IpAddr>()
        .map(|a| a.to_string())
        .map_err(|_| format!("'{ip}' is not an IPv4 or IPv6 address"))
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// Parses the form's SAN list: comma-separated entries; a plain entry is a DNS name, and the
/// prefixes `dns:`, `email:`, `upn:`, `ip:` and `uri:` (any case) name the kind. Blank entries
/// (a trailing comma) are skipped; duplicates are dropped. Every bad entry is reported.
pub fn parse_sans(text: &str) -> Result<SanSpec, Vec<String>> {
    let mut sans = SanSpec::default();
    let mut errors = Vec::new();
    for entry in text.split(',') {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        if entry.chars().any(char::is_whitespace) {
            errors.push(format!("'{entry}' contains a space"));
            continue;
        }
        let (kind, value) = match entry.split_once(':') {
            Some((k, v)) if KINDS.contains(&k.to_ascii_lowercase().as_str()) => {
                (k.to_ascii_lowercase(), v)
            }
            _ => ("dns".to_string(), entry),
        };
        let checked = match kind.as_str() {
            "dns" => check_dns_name(value).map(|v| push_unique(&mut sans.dns_names, v)),
            "email" => {
                check_mailbox(value, "an e-mail address").map(|v| push_unique(&mut sans.emails, v))
            }
            "upn" => check_mailbox(value, "a user principal name")
                .map(|v| push_unique(&mut sans.upns, v)),
            "ip" => check_ip(value).map(|v| push_unique(&mut sans.ip_addresses, v)),
            _ => check_uri(value).map(|v| push_unique(&mut sans.uris, v)),
        };
        if let Err(e) = checked {
            let hint = if kind == "dns" && entry.contains(':') && entry.parse::<IpAddr>().is_err() {
                " (known prefixes: dns:, email:, upn:, ip:, uri:)"
            } else {
                ""
            };
            errors.push(format!("{e}{hint}"));
        }
    }
    if errors.is_empty() {
        Ok(sans)
    } else {
        Err(errors)
    }
}

const KINDS: [&str; 5] = ["dns", "email", "upn", "ip", "uri"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_and_wildcards() {
        assert_eq!(
            check_dns_name("WWW.Example.com").unwrap(),
            "www.example.com"
        );
        assert!(check_dns_name("*.example.com").is_ok());
        assert!(check_dns_name("localhost").is_ok());
        for bad in [
            "a.*.example.com",
            "*example.com",
            "w*.example.com",
            "*.com",
            "a..b",
            "a.b.",
            ".a",
            "-a.b",
            "a_b.c",
            "10.0.0.1",
            "bücher.de",
            "",
        ] {
            assert!(check_dns_name(bad).is_err(), "{bad}");
        }
        assert!(check_dns_name(&format!("{}.com", "a".repeat(64))).is_err());
    }

    #[test]
    fn mailboxes_uris_and_ips() {
        assert_eq!(
            check_mailbox("Pki@Contoso.COM", "x").unwrap(),
            "Pki@contoso.com"
        );
        for bad in [
            "pki",
            "@contoso.com",
            "a@",
            "a@@b.com",
            "a b@c.com",
            "a@*.c.com",
            "a..b@c.com",
        ] {
            assert!(check_mailbox(bad, "x").is_err(), "{bad}");
        }
        assert!(check_uri("spiffe://contoso/web").is_ok());
        assert!(check_uri("urn:uuid:1234").is_ok());
        assert!(check_uri("no-scheme").is_err());
        assert!(check_uri("1http://x").is_err());
        assert!(check_uri("https://").is_err());
        assert_eq!(check_ip("::ffff:0:1").unwrap(), "::ffff:0.0.0.1");
        assert!(check_ip("10.0.0.256").is_err());
    }

    #[test]
    fn sans_by_prefix_with_every_error_reported() {
        let sans = parse_sans(
            "a.example, DNS:b.example, email:pki@contoso.com, upn:u@contoso.com, ip:10.0.0.1, ip:::1, uri:https://a.example/x, a.example,",
        )
        .unwrap();
        assert_eq!(sans.dns_names, vec!["a.example", "b.example"]);
        assert_eq!(sans.emails, vec!["pki@contoso.com"]);
        assert_eq!(sans.upns, vec!["u@contoso.com"]);
        assert_eq!(sans.ip_addresses, vec!["10.0.0.1", "::1"]);
        assert_eq!(sans.uris, vec!["https://a.example/x"]);
        let errors =
            parse_sans("a b.example, ip:300.1.1.1, email:nope, foo:bar, 10.1.1.1").unwrap_err();
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors[3].contains("known prefixes"));
        assert!(errors[4].contains("ip:10.1.1.1"));
        assert!(parse_sans("").unwrap().is_empty());
    }
}
