//! Key usage and extended key usage names as a form or CLI spells them, mapped to Key Vault's
//! key usage names and to EKU object identifiers.

use crate::keyvault::{KEY_USAGES, KNOWN_EKUS, is_valid_oid};

/// Key Vault's default key usages for a policy that names none.
pub const DEFAULT_KEY_USAGE: [&str; 2] = ["digitalSignature", "keyEncipherment"];
/// Key Vault's default EKUs (serverAuth, clientAuth) for a policy that names none.
pub const DEFAULT_EKUS: [&str; 2] = ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"];

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Maps `digitalSignature`, `Digital Signature`, `digital_signature`… to Key Vault's name.
pub fn key_usage_name(input: &str) -> Option<&'static str> {
    let s = squash(input);
    let alias = match s.as_str() {
        "contentcommitment" => "nonRepudiation",
        "certsign" | "certificatesign" | "certificatesigning" => "keyCertSign",
        "crlsigning" => "cRLSign",
        _ => "",
    };
    if !alias.is_empty() {
        return Some(alias);
    }
    KEY_USAGES
        .iter()
        .copied()
        .find(|k| k.to_ascii_lowercase() == s)
}

/// Maps an EKU name (`serverAuth`, `Server Authentication`, …) or a dotted OID to its OID.
pub fn eku_oid(input: &str) -> Option<String> {
    let trimmed = input.trim();
    if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        return is_valid_oid(trimmed).then(|| trimmed.to_string());
    }
    let s = squash(trimmed);
    let name = match s.as_str() {
        "serverauthentication" | "tlswebserverauthentication" => "serverAuth",
        "clientauthentication" | "tlswebclientauthentication" => "clientAuth",
        "secureemail" | "emailprotection" | "email" => "emailProtection",
        "timestamp" => "timeStamping",
        "ocsp" => "OCSPSigning",
        _ => "",
    };
    KNOWN_EKUS
        .iter()
        .find(|(_, n)| {
            let n = n.to_ascii_lowercase();
            n == s || (!name.is_empty() && n == name.to_ascii_lowercase())
        })
        .map(|(oid, _)| (*oid).to_string())
}

/// Splits list inputs: each item may itself be comma-separated (a CLI `--key-usage a,b`).
pub(crate) fn items(list: &[String]) -> impl Iterator<Item = &str> {
    list.iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Key usages in X.509 bit order, de-duplicated; every unknown name is an error.
pub fn parse_key_usages(list: &[String]) -> Result<Vec<String>, Vec<String>> {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for item in items(list) {
        match key_usage_name(item) {
            Some(name) => found.push(name),
            None => errors.push(format!(
                "unknown key usage '{item}'; use one of {}",
                KEY_USAGES.join(", ")
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(KEY_USAGES
        .iter()
        .filter(|k| found.contains(k))
        .map(|k| (*k).to_string())
        .collect())
}

/// EKU OIDs in the order given, de-duplicated; every unknown name is an error.
pub fn parse_ekus(list: &[String]) -> Result<Vec<String>, Vec<String>> {
    let mut found: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    for item in items(list) {
        match eku_oid(item) {
            Some(oid) if !found.contains(&oid) => found.push(oid),
            Some(_) => {}
            None => errors.push(format!(
                "unknown extended key usage '{item}'; use a dotted OID or one of {}",
                KNOWN_EKUS
                    .iter()
                    .map(|(_, n)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_usage_names_in_every_spelling() {
        assert_eq!(
            key_usage_name("Digital Signature"),
            Some("digitalSignature")
        );
        assert_eq!(key_usage_name("NON REPUDIATION"), Some("nonRepudiation"));
        assert_eq!(key_usage_name("key_encipherment"), Some("keyEncipherment"));
        assert_eq!(
            key_usage_name("Data Encipherment"),
            Some("dataEncipherment")
        );
        assert_eq!(key_usage_name("crlsign"), Some("cRLSign"));
        assert_eq!(key_usage_name("signEverything"), None);
        let kus = parse_key_usages(&[
            "Key Encipherment, digitalSignature".into(),
            "digital signature".into(),
        ])
        .unwrap();
        assert_eq!(kus, vec!["digitalSignature", "keyEncipherment"]);
        assert_eq!(
            parse_key_usages(&["x".into(), "y".into()])
                .unwrap_err()
                .len(),
            2
        );
    }

    #[test]
    fn eku_names_and_oids() {
        assert_eq!(
            eku_oid("Server Authentication").as_deref(),
            Some("1.3.6.1.5.5.7.3.1")
        );
        assert_eq!(eku_oid("clientauth").as_deref(), Some("1.3.6.1.5.5.7.3.2"));
        assert_eq!(
            eku_oid("Secure Email").as_deref(),
            Some("1.3.6.1.5.5.7.3.4")
        );
        assert_eq!(
            eku_oid("OCSP Signing").as_deref(),
            Some("1.3.6.1.5.5.7.3.9")
        );
        assert_eq!(
            eku_oid("1.3.6.1.4.1.311.10.3.12").as_deref(),
            Some("1.3.6.1.4.1.311.10.3.12")
        );
        assert_eq!(eku_oid("1.3..6"), None);
        assert_eq!(eku_oid("everything"), None);
        assert_eq!(
            parse_ekus(&["serverAuth".into(), "1.3.6.1.5.5.7.3.1".into()]).unwrap(),
            vec!["1.3.6.1.5.5.7.3.1"]
        );
    }
}
