//! Key Vault's own vocabulary and rules: object names, TLS content types, key usage names and
//! extended key usage OIDs.

/// Content type of a PFX (PKCS#12) secret.
pub const CONTENT_TYPE_PFX: &str = "application/x-pkcs12";
/// Content type of a PEM secret.
pub const CONTENT_TYPE_PEM: &str = "application/x-pem-file";

/// Whether a secret of this content type holds a certificate (a "TLS secret").
pub fn is_tls_content_type(content_type: &str) -> bool {
    let ct = content_type.trim().to_ascii_lowercase();
    ct == CONTENT_TYPE_PFX || ct == CONTENT_TYPE_PEM
}

/// Checks a certificate, secret or issuer name: `^[0-9a-zA-Z-]+$`, 1 to 127 characters.
pub fn is_valid_object_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 127
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Checks a vault name: 3–24 characters, letters, digits and dashes, starting with a letter,
/// no consecutive dashes, not ending with a dash.
pub fn is_valid_vault_name(name: &str) -> bool {
    (3..=24).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && name.as_bytes()[0].is_ascii_alphabetic()
        && !name.ends_with('-')
        && !name.contains("--")
}

/// Key usage names as Key Vault policies spell them, in X.509 bit order.
pub const KEY_USAGES: [&str; 9] = [
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];

/// Well-known extended key usages: (OID, name).
pub const KNOWN_EKUS: [(&str, &str); 6] = [
    ("1.3.6.1.5.5.7.3.1", "serverAuth"),
    ("1.3.6.1.5.5.7.3.2", "clientAuth"),
    ("1.3.6.1.5.5.7.3.3", "codeSigning"),
    ("1.3.6.1.5.5.7.3.4", "emailProtection"),
    ("1.3.6.1.5.5.7.3.8", "timeStamping"),
    ("1.3.6.1.5.5.7.3.9", "OCSPSigning"),
];

/// Checks that a string is a dotted object identifier such as `1.3.6.1.5.5.7.3.1`.
pub fn is_valid_oid(oid: &str) -> bool {
    let arcs: Vec<&str> = oid.split('.').collect();
    arcs.len() >= 2
        && arcs
            .iter()
            .all(|a| !a.is_empty() && a.len() <= 19 && a.bytes().all(|b| b.is_ascii_digit()))
        && matches!(arcs[0], "0" | "1" | "2")
}

/// Parses a dotted OID into arcs.
pub fn oid_arcs(oid: &str) -> Option<Vec<u64>> {
    if !is_valid_oid(oid) {
        return None;
    }
    oid.split('.').map(|a| a.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_follow_key_vault() {
        assert!(is_valid_object_name("web-prod-01"));
        assert!(!is_valid_object_name("web_prod"));
        assert!(!is_valid_object_name(""));
        assert!(!is_valid_object_name(&"a".repeat(128)));
        assert!(is_valid_vault_name("kv-prod-01"));
        assert!(!is_valid_vault_name("1kv"));
        assert!(!is_valid_vault_name("kv--a"));
    }

    #[test]
    fn tls_content_types_and_oids() {
        assert!(is_tls_content_type("application/x-pkcs12"));
        assert!(is_tls_content_type("Application/X-PEM-File"));
        assert!(!is_tls_content_type("text/plain"));
        assert_eq!(
            oid_arcs("1.3.6.1.5.5.7.3.1"),
            Some(vec![1, 3, 6, 1, 5, 5, 7, 3, 1])
        );
        assert!(oid_arcs("serverAuth").is_none());
        assert!(!is_valid_oid("1"));
    }
}
