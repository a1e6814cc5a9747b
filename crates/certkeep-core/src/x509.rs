//! Reads an X.509 certificate into the facts Certkeep records and tests compare.

use serde::Serialize;
use sha1::Digest as _;
use x509_parser::prelude::*;

use crate::CoreError;
use crate::dn::DnKind;
use crate::keyvault::{KEY_USAGES, KNOWN_EKUS};

/// Subject alternative names by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SubjectAltNames {
    pub dns_names: Vec<String>,
    pub emails: Vec<String>,
    pub upns: Vec<String>,
    pub ip_addresses: Vec<String>,
    pub uris: Vec<String>,
}

impl SubjectAltNames {
    /// True when no name of any kind is present.
    pub fn is_empty(&self) -> bool {
        self.dns_names.is_empty()
            && self.emails.is_empty()
            && self.upns.is_empty()
            && self.ip_addresses.is_empty()
            && self.uris.is_empty()
    }
}

/// Public key family and strength.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// `RSA` or `EC` (or the algorithm OID for anything else).
    pub kty: String,
    /// Modulus bits for RSA, field bits for EC.
    pub size: u32,
    /// `P-256`, `P-384`, `P-521` or `P-256K` for EC keys.
    pub curve: Option<String>,
}

/// Everything Certkeep reads from one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateFacts {
    pub subject: String,
    pub issuer: String,
    /// Serial number as lowercase hex, as printed by OpenSSL (without colons).
    pub serial_hex: String,
    pub sans: SubjectAltNames,
    /// Key Vault names of the key usage bits that are set.
    pub key_usage: Vec<String>,
    pub key_usage_critical: bool,
    /// Extended key usages as dotted OIDs.
    pub ekus: Vec<String>,
    /// Whether the extended key usage extension is marked critical (false when absent).
    pub eku_critical: bool,
    pub key: KeyInfo,
    /// e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA384`.
    pub signature_algorithm: String,
    pub not_before: i64,
    pub not_after: i64,
    /// Basic constraints `CA` flag, when the extension is present.
    pub is_ca: Option<bool>,
    pub subject_key_id: Option<String>,
    pub authority_key_id: Option<String>,
    /// Lowercase hex SHA-1 of the DER (Key Vault's `x5t`, in hex).
    pub sha1_hex: String,
    pub sha256_hex: String,
    pub self_issued: bool,
}

/// Parses DER and extracts the facts.
pub fn inspect(der: &[u8]) -> Result<CertificateFacts, CoreError> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| CoreError::InvalidCertificate(e.to_string()))?;
    let bad = |e: X509Error| CoreError::InvalidCertificate(e.to_string());

    let mut sans = SubjectAltNames::default();
    if let Some(ext) = cert.subject_alternative_name().map_err(bad)? {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(n) => sans.dns_names.push((*n).to_string()),
                GeneralName::RFC822Name(n) => sans.emails.push((*n).to_string()),
                GeneralName::URI(n) => sans.uris.push((*n).to_string()),
                GeneralName::IPAddress(bytes) => {
                    if let Some(ip) = ip_from_bytes(bytes) {
                        sans.ip_addresses.push(ip);
                    }
                }
                GeneralName::OtherName(oid, value) if oid.to_id_string() == UPN_OID => {
                    if let Some(upn) = upn_from_other_name(value) {
                        sans.upns.push(upn);
                    }
                }
                _ => {}
            }
        }
    }

    let (key_usage, key_usage_critical) = match cert.key_usage().map_err(bad)? {
        Some(ext) => {
            let ku = ext.value;
            let flags = [
                ku.digital_signature(),
                ku.non_repudiation(),
                ku.key_encipherment(),
                ku.data_encipherment(),
                ku.key_agreement(),
                ku.key_cert_sign(),
                ku.crl_sign(),
                ku.encipher_only(),
                ku.decipher_only(),
            ];
            let names = KEY_USAGES
                .iter()
                .zip(flags)
                .filter(|(_, set)| *set)
                .map(|(n, _)| (*n).to_string())
                .collect();
            (names, ext.critical)
        }
        None => (Vec::new(), false),
    };

    let (ekus, eku_critical) = match cert.extended_key_usage().map_err(bad)? {
        Some(ext) => {
            let critical = ext.critical;
            let e = ext.value;
            let mut out = Vec::new();
            let known = [
                e.server_auth,
                e.client_auth,
                e.code_signing,
                e.email_protection,
                e.time_stamping,
                e.ocsp_signing,
            ];
            for ((oid, _), set) in KNOWN_EKUS.iter().zip(known) {
                if set {
                    out.push((*oid).to_string());
                }
            }
            if e.any {
                out.push("2.5.29.37.0".to_string());
            }
            out.extend(e.other.iter().map(|o| o.to_id_string()));
            (out, critical)
        }
        None => (Vec::new(), false),
    };

    let mut subject_key_id = None;
    let mut authority_key_id = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => subject_key_id = Some(hex::encode(id.0)),
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                authority_key_id = aki.key_identifier.as_ref().map(|id| hex::encode(id.0));
            }
            _ => {}
        }
    }

    let is_ca = cert.basic_constraints().map_err(bad)?.map(|bc| bc.value.ca);
    let subject = format_name(cert.subject());
    let issuer = format_name(cert.issuer());
    Ok(CertificateFacts {
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
        subject,
        issuer,
        serial_hex: hex::encode(cert.raw_serial()),
        sans,
        key_usage,
        key_usage_critical,
        ekus,
        eku_critical,
        key: key_info(cert.public_key()),
        signature_algorithm: signature_name(&cert.signature_algorithm.algorithm.to_id_string()),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        is_ca,
        subject_key_id,
        authority_key_id,
        sha1_hex: hex::encode(sha1::Sha1::digest(der)),
        sha256_hex: hex::encode(sha2::Sha256::digest(der)),
    })
}

/// Key Vault's `x5t`: base64url (no padding) of the SHA-1 of the DER.
pub fn x5t(der: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(der))
}

/// The DER-encoded SubjectPublicKeyInfo of a certificate (to compare keys).
pub fn public_key_der(der: &[u8]) -> Result<Vec<u8>, CoreError> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| CoreError::InvalidCertificate(e.to_string()))?;
    Ok(cert.public_key().raw.to_vec())
}

const UPN_OID: &str = "1.3.6.1.4.1.311.20.2.3";

fn format_name(name: &X509Name<'_>) -> String {
    let kinds = [
        DnKind::CommonName,
        DnKind::Organization,
        DnKind::OrganizationalUnit,
        DnKind::Locality,
        DnKind::State,
        DnKind::Country,
        DnKind::Email,
        DnKind::DomainComponent,
        DnKind::Street,
        DnKind::PostalCode,
        DnKind::SerialNumber,
    ];
    name.iter_attributes()
        .map(|attr| {
            let arcs: Vec<u64> = attr
                .attr_type()
                .iter()
                .map(|i| i.collect())
                .unwrap_or_default();
            let key = kinds
                .iter()
                .find(|k| k.oid() == arcs.as_slice())
                .map(|k| k.short_name().to_string())
                .unwrap_or_else(|| attr.attr_type().to_id_string());
            let value = attr.as_str().unwrap_or("<binary>");
            if value.contains([',', ';', '"', '=']) {
                format!("{key}=\"{}\"", value.replace('"', "\\\""))
            } else {
                format!("{key}={value}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn key_info(spki: &SubjectPublicKeyInfo<'_>) -> KeyInfo {
    let alg = spki.algorithm.algorithm.to_id_string();
    match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => KeyInfo {
            kty: "RSA".into(),
            size: rsa.key_size() as u32,
            curve: None,
        },
        Ok(x509_parser::public_key::PublicKey::EC(point)) => {
            let curve_oid = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            let (curve, size) = match curve_oid.as_str() {
                "1.2.840.10045.3.1.7" => ("P-256", 256),
                "1.3.132.0.34" => ("P-384", 384),
                "1.3.132.0.35" => ("P-521", 521),
                "1.3.132.0.10" => ("P-256K", 256),
                _ => ("unknown", point.key_size() as u32),
            };
            KeyInfo {
                kty: "EC".into(),
                size,
                curve: Some(curve.into()),
            }
        }
        _ => KeyInfo {
            kty: alg,
            size: 0,
            curve: None,
        },
    }
}

fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "ED25519",
        other => other,
    }
    .to_string()
}

fn ip_from_bytes(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => Some(std::net::Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).to_string()),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(bytes);
            Some(std::net::Ipv6Addr::from(a).to_string())
        }
        _ => None,
    }
}

/// The UPN other-name value is `[0] EXPLICIT UTF8String`.
fn upn_from_other_name(value: &[u8]) -> Option<String> {
    let (_, any) = x509_parser::der_parser::asn1_rs::Any::from_der(value).ok()?;
    let (_, inner) = x509_parser::der_parser::asn1_rs::Any::from_der(any.data).ok()?;
    std::str::from_utf8(inner.data).ok().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, KeyPair, SanType};

    #[test]
    fn inspects_a_generated_certificate() {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = CertificateParams::new(vec!["a.example".to_string()]).unwrap();
        params
            .subject_alt_names
            .push(SanType::IpAddress("10.1.2.3".parse().unwrap()));
        params.subject_alt_names.push(SanType::OtherName((
            vec![1, 3, 6, 1, 4, 1, 311, 20, 2, 3],
            "user@contoso.com".into(),
        )));
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.self_signed(&key).unwrap();
        let facts = inspect(cert.der()).unwrap();
        assert_eq!(facts.sans.dns_names, vec!["a.example"]);
        assert_eq!(facts.sans.ip_addresses, vec!["10.1.2.3"]);
        assert_eq!(facts.sans.upns, vec!["user@contoso.com"]);
        assert_eq!(facts.key_usage, vec!["digitalSignature"]);
        assert!(facts.key_usage_critical);
        assert_eq!(facts.ekus, vec!["1.3.6.1.5.5.7.3.1"]);
        assert_eq!(facts.key.curve.as_deref(), Some("P-256"));
        assert_eq!(facts.signature_algorithm, "ecdsa-with-SHA256");
        assert!(facts.self_issued);
        assert_eq!(facts.sha1_hex.len(), 40);
        assert_eq!(x5t(cert.der()).len(), 27);
    }

    #[test]
    fn reads_whether_the_eku_extension_is_critical() {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = CertificateParams::new(vec!["a.example".to_string()]).unwrap();
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let facts = inspect(params.self_signed(&key).unwrap().der()).unwrap();
        assert_eq!(facts.ekus, vec!["1.3.6.1.5.5.7.3.1"]);
        assert!(!facts.eku_critical);

        // SEQUENCE { serverAuth, clientAuth } as a critical extension.
        let eku_der = [
            0x30, 0x14, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01, 0x06, 0x08,
            0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02,
        ];
        let mut ext = rcgen::CustomExtension::from_oid_content(&[2, 5, 29, 37], eku_der.to_vec());
        ext.set_criticality(true);
        let mut params = CertificateParams::new(vec!["a.example".to_string()]).unwrap();
        params.custom_extensions = vec![ext];
        let facts = inspect(params.self_signed(&key).unwrap().der()).unwrap();
        assert_eq!(facts.ekus, vec!["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
        assert!(facts.eku_critical);

        let params = CertificateParams::new(vec!["a.example".to_string()]).unwrap();
        let facts = inspect(params.self_signed(&key).unwrap().der()).unwrap();
        assert!(facts.ekus.is_empty() && !facts.eku_critical);
    }

    #[test]
    fn rejects_garbage() {
        assert!(inspect(b"not a certificate").is_err());
    }
}
