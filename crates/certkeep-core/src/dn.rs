//! Distinguished names in the string form Key Vault policies use: `CN=a, O=b, C=NL`.

use crate::CoreError;

/// The attribute types a Key Vault subject may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnKind {
    CommonName,
    Organization,
    OrganizationalUnit,
    Locality,
    State,
    Country,
    Email,
    DomainComponent,
    Street,
    PostalCode,
    SerialNumber,
}

impl DnKind {
    /// The attribute's object identifier as arcs.
    pub fn oid(self) -> &'static [u64] {
        match self {
            DnKind::CommonName => &[2, 5, 4, 3],
            DnKind::Organization => &[2, 5, 4, 10],
            DnKind::OrganizationalUnit => &[2, 5, 4, 11],
            DnKind::Locality => &[2, 5, 4, 7],
            DnKind::State => &[2, 5, 4, 8],
            DnKind::Country => &[2, 5, 4, 6],
            DnKind::Email => &[1, 2, 840, 113549, 1, 9, 1],
            DnKind::DomainComponent => &[0, 9, 2342, 19200300, 100, 1, 25],
            DnKind::Street => &[2, 5, 4, 9],
            DnKind::PostalCode => &[2, 5, 4, 17],
            DnKind::SerialNumber => &[2, 5, 4, 5],
        }
    }

    /// The short name used when printing a subject.
    pub fn short_name(self) -> &'static str {
        match self {
            DnKind::CommonName => "CN",
            DnKind::Organization => "O",
            DnKind::OrganizationalUnit => "OU",
            DnKind::Locality => "L",
            DnKind::State => "ST",
            DnKind::Country => "C",
            DnKind::Email => "E",
            DnKind::DomainComponent => "DC",
            DnKind::Street => "STREET",
            DnKind::PostalCode => "PostalCode",
            DnKind::SerialNumber => "SERIALNUMBER",
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        Some(match key.to_ascii_uppercase().as_str() {
            "CN" => DnKind::CommonName,
            "O" => DnKind::Organization,
            "OU" => DnKind::OrganizationalUnit,
            "L" => DnKind::Locality,
            "ST" | "S" => DnKind::State,
            "C" => DnKind::Country,
            "E" | "EMAIL" | "EMAILADDRESS" => DnKind::Email,
            "DC" => DnKind::DomainComponent,
            "STREET" => DnKind::Street,
            "POSTALCODE" => DnKind::PostalCode,
            "SERIALNUMBER" => DnKind::SerialNumber,
            _ => return None,
        })
    }
}

/// One attribute of a distinguished name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnAttr {
    pub kind: DnKind,
    pub value: String,
}

/// Parses `CN=a, O=b` (commas or semicolons; `\,` and double quotes protect separators).
pub fn parse_dn(subject: &str) -> Result<Vec<DnAttr>, CoreError> {
    let bad = |reason: String| CoreError::InvalidSubject {
        subject: subject.to_string(),
        reason,
    };
    let mut attrs = Vec::new();
    for part in split_rdns(subject) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| bad(format!("'{part}' is not KEY=VALUE")))?;
        let kind = DnKind::from_key(key.trim())
            .ok_or_else(|| bad(format!("unknown attribute '{}'", key.trim())))?;
        let value = unquote(value.trim());
        if value.is_empty() {
            return Err(bad(format!("attribute {} has an empty value", key.trim())));
        }
        if kind == DnKind::Country && (value.len() != 2 || !value.is_ascii()) {
            return Err(bad(format!("country '{value}' must be a two-letter code")));
        }
        if value.chars().count() > 256 {
            return Err(bad(format!(
                "attribute {} is longer than 256 characters",
                key.trim()
            )));
        }
        attrs.push(DnAttr { kind, value });
    }
    if attrs.is_empty() {
        return Err(bad("no attributes".into()));
    }
    Ok(attrs)
}

/// Formats attributes the way Key Vault prints a subject: `CN=a, O=b`.
pub fn format_dn(attrs: &[DnAttr]) -> String {
    attrs
        .iter()
        .map(|a| format!("{}={}", a.kind.short_name(), escape(&a.value)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn split_rdns(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' | ';' if !quoted => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
}

fn unquote(v: &str) -> String {
    v.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v)
        .to_string()
}

/// Quotes a value that holds a separator or special character (RFC 4514's specials, and a
/// leading or trailing space); inside the quotes `\` and `"` are backslash-escaped, which is
/// what `split_rdns` and `unquote` undo. Plain values are written as they are.
fn escape(v: &str) -> String {
    let special = v.contains([',', ';', '"', '=', '+', '<', '>', '\\', '#'])
        || v.starts_with(' ')
        || v.ends_with(' ');
    if special {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_key_vault_attribute() {
        let attrs = parse_dn(
            "CN=www.contoso.com, O=Contoso Ltd, OU=Web; L=Delft, ST=ZH, C=NL, E=pki@contoso.com",
        )
        .unwrap();
        let kinds: Vec<_> = attrs.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            vec![
                DnKind::CommonName,
                DnKind::Organization,
                DnKind::OrganizationalUnit,
                DnKind::Locality,
                DnKind::State,
                DnKind::Country,
                DnKind::Email
            ]
        );
        assert_eq!(attrs[1].value, "Contoso Ltd");
    }

    #[test]
    fn quotes_and_escapes_protect_commas() {
        let attrs = parse_dn(r#"CN=a\, b, O="Contoso, Inc""#).unwrap();
        assert_eq!(attrs[0].value, "a, b");
        assert_eq!(attrs[1].value, "Contoso, Inc");
        assert_eq!(format_dn(&attrs), r#"CN="a, b", O="Contoso, Inc""#);
    }

    #[test]
    fn specials_round_trip_through_format_and_parse() {
        for value in [
            "a+b",
            r"back\slash",
            r#"say "hi", ok"#,
            "#hash",
            "<x>",
            " padded ",
            "x=y;z",
        ] {
            let attrs = vec![DnAttr {
                kind: DnKind::Organization,
                value: value.to_string(),
            }];
            let text = format_dn(&attrs);
            assert_eq!(parse_dn(&text).unwrap(), attrs, "{value} as {text}");
        }
        assert_eq!(
            format_dn(&[DnAttr {
                kind: DnKind::CommonName,
                value: "plain".into()
            }]),
            "CN=plain"
        );
    }

    #[test]
    fn rejects_unknown_keys_empty_values_and_bad_countries() {
        assert!(parse_dn("XX=1").is_err());
        assert!(parse_dn("CN=").is_err());
        assert!(parse_dn("CN=a, C=NLD").is_err());
        assert!(parse_dn("").is_err());
        assert!(parse_dn("just text").is_err());
    }
}
