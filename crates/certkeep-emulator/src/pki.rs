//! Real X.509 for the emulator: key generation, certificates built from a Key Vault policy,
//! CSRs, CA authorities, and the managed secret's PFX or PEM value.

use std::sync::Arc;

use certkeep_core::dn::{DnKind, parse_dn};
use certkeep_core::keyvault::{KEY_USAGES, oid_arcs};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use time::OffsetDateTime;

use crate::error::PkiError;

/// A private key with the facts Key Vault reports about it.
pub struct KeyMaterial {
    pub pair: KeyPair,
    /// `RSA` or `EC`.
    pub kty: &'static str,
    pub size: u32,
    pub curve: Option<&'static str>,
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyMaterial({} {})", self.kty, self.size)
    }
}

/// What kind of key to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeySpec {
    Rsa(u32),
    Ec(&'static str),
}

impl KeyMaterial {
    /// Generates a fresh key (RSA generation is slow: call it off the async runtime).
    pub fn generate(spec: KeySpec) -> Result<Arc<Self>, PkiError> {
        let pair = match spec {
            KeySpec::Rsa(bits) => {
                let size = match bits {
                    2048 => rcgen::RsaKeySize::_2048,
                    3072 => rcgen::RsaKeySize::_3072,
                    4096 => rcgen::RsaKeySize::_4096,
                    other => return Err(PkiError::Unsupported(format!("RSA key size {other}"))),
                };
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, size)?
            }
            KeySpec::Ec(curve) => KeyPair::generate_for(ec_alg(curve)?)?,
        };
        Ok(Arc::new(Self::from_pair(pair)?))
    }

    /// Wraps an existing key (PKCS#8 DER), working out its type.
    pub fn from_pkcs8(der: &[u8]) -> Result<Arc<Self>, PkiError> {
        let pair = KeyPair::try_from(der)?;
        Ok(Arc::new(Self::from_pair(pair)?))
    }

    fn from_pair(pair: KeyPair) -> Result<Self, PkiError> {
        let alg = pair.algorithm();
        let (kty, curve) = if alg == &rcgen::PKCS_ECDSA_P256_SHA256 {
            ("EC", Some("P-256"))
        } else if alg == &rcgen::PKCS_ECDSA_P384_SHA384 {
            ("EC", Some("P-384"))
        } else if alg == &rcgen::PKCS_ECDSA_P521_SHA512
            || alg == &rcgen::PKCS_ECDSA_P521_SHA256
            || alg == &rcgen::PKCS_ECDSA_P521_SHA384
        {
            ("EC", Some("P-521"))
        } else if pair.is_compatible(&rcgen::PKCS_RSA_SHA256) {
            ("RSA", None)
        } else {
            return Err(PkiError::Unsupported("key algorithm".into()));
        };
        let size = match curve {
            Some("P-256") => 256,
            Some("P-384") => 384,
            Some("P-521") => 521,
            _ => rsa_bits(&pair),
        };
        Ok(Self {
            pair,
            kty,
            size,
            curve,
        })
    }

    /// PKCS#8 DER of the private key.
    pub fn pkcs8(&self) -> &[u8] {
        self.pair.serialized_der()
    }

    /// DER SubjectPublicKeyInfo (to compare with a certificate's key).
    pub fn spki(&self) -> Vec<u8> {
        use rcgen::PublicKeyData as _;
        self.pair.subject_public_key_info()
    }
}

fn rsa_bits(pair: &KeyPair) -> u32 {
    use rcgen::PublicKeyData as _;
    let spki = pair.subject_public_key_info();
    match x509_parser::x509::SubjectPublicKeyInfo::from_der(&spki) {
        Ok((_, info)) => info.parsed().map(|k| k.key_size() as u32).unwrap_or(0),
        Err(_) => 0,
    }
}

use x509_parser::prelude::FromDer as _;

fn ec_alg(curve: &str) -> Result<&'static rcgen::SignatureAlgorithm, PkiError> {
    Ok(match curve {
        "P-256" => &rcgen::PKCS_ECDSA_P256_SHA256,
        "P-384" => &rcgen::PKCS_ECDSA_P384_SHA384,
        "P-521" => &rcgen::PKCS_ECDSA_P521_SHA512,
        other => return Err(PkiError::Unsupported(format!("curve {other}"))),
    })
}

/// The certificate contents a policy asks for.
#[derive(Debug, Clone, Default)]
pub struct CertRequest {
    pub subject: String,
    pub dns_names: Vec<String>,
    pub emails: Vec<String>,
    pub upns: Vec<String>,
    pub ip_addresses: Vec<String>,
    pub uris: Vec<String>,
    pub key_usage: Vec<String>,
    pub ekus: Vec<String>,
    pub not_before: i64,
    pub not_after: i64,
}

impl CertRequest {
    /// rcgen parameters: CA:FALSE, critical key usage, AKI/SKI, random positive 16-byte serial.
    pub fn params(&self) -> Result<CertificateParams, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(&self.subject)?;
        params.not_before = timestamp(self.not_before)?;
        params.not_after = timestamp(self.not_after)?;
        params.serial_number = Some(random_serial());
        params.is_ca = IsCa::ExplicitNoCa;
        params.use_authority_key_identifier_extension = true;
        params.key_usages = self
            .key_usage
            .iter()
            .map(|u| key_usage(u))
            .collect::<Result<_, _>>()?;
        params.extended_key_usages = self.ekus.iter().map(|e| eku(e)).collect::<Result<_, _>>()?;
        let ia5 = |s: &str| {
            rcgen::string::Ia5String::try_from(s.to_string())
                .map_err(|_| PkiError::Invalid(format!("'{s}' is not ASCII")))
        };
        for d in &self.dns_names {
            params.subject_alt_names.push(SanType::DnsName(ia5(d)?));
        }
        for e in &self.emails {
            params.subject_alt_names.push(SanType::Rfc822Name(ia5(e)?));
        }
        for u in &self.upns {
            params.subject_alt_names.push(SanType::OtherName((
                vec![1, 3, 6, 1, 4, 1, 311, 20, 2, 3],
                u.clone().into(),
            )));
        }
        for ip in &self.ip_addresses {
            let addr = ip
                .parse()
                .map_err(|_| PkiError::Invalid(format!("'{ip}' is not an IP address")))?;
            params.subject_alt_names.push(SanType::IpAddress(addr));
        }
        for u in &self.uris {
            params.subject_alt_names.push(SanType::URI(ia5(u)?));
        }
        Ok(params)
    }

    /// A self-signed certificate (issuer = subject), DER.
    pub fn self_signed(&self, key: &KeyMaterial) -> Result<Vec<u8>, PkiError> {
        Ok(self.params()?.self_signed(&key.pair)?.der().to_vec())
    }

    /// A certificate signed by `ca`, DER.
    pub fn signed_by(&self, key: &KeyMaterial, ca: &Authority) -> Result<Vec<u8>, PkiError> {
        Ok(self
            .params()?
            .signed_by(&key.pair, &ca.issuer)?
            .der()
            .to_vec())
    }

    /// A PKCS#10 CSR for this request, DER.
    pub fn csr(&self, key: &KeyMaterial) -> Result<Vec<u8>, PkiError> {
        let mut params = self.params()?;
        params.use_authority_key_identifier_extension = false;
        params.serial_number = None;
        Ok(params.serialize_request(&key.pair)?.der().to_vec())
    }
}

/// A certificate authority the emulator signs with (its own TLS CA and the integrated-CA stand-ins).
pub struct Authority {
    pub cert_der: Vec<u8>,
    pub cert_pem: String,
    pub key_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Authority {
    /// A new root CA with `CN={common_name}`, valid for ten years.
    pub fn generate(common_name: &str, organization: &str, now: i64) -> Result<Self, PkiError> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let params = ca_params(common_name, organization, now)?;
        let cert = params.self_signed(&key)?;
        let key_pem = key.serialize_pem();
        Ok(Self {
            cert_der: cert.der().to_vec(),
            cert_pem: cert.pem(),
            key_pem,
            issuer: Issuer::new(params, key),
        })
    }

    /// Loads a CA saved earlier (certificate and key PEM).
    pub fn load(cert_pem: &str, key_pem: &str) -> Result<Self, PkiError> {
        let key = KeyPair::from_pem(key_pem)?;
        let issuer = Issuer::from_ca_cert_pem(cert_pem, key)?;
        let bundle = certkeep_core::pem::parse_bundle(cert_pem)
            .map_err(|e| PkiError::Invalid(e.to_string()))?;
        let cert_der = bundle
            .certificates
            .into_iter()
            .next()
            .ok_or_else(|| PkiError::Invalid("CA file holds no certificate".into()))?;
        Ok(Self {
            cert_der,
            cert_pem: cert_pem.to_string(),
            key_pem: key_pem.to_string(),
            issuer,
        })
    }

    /// Signs arbitrary parameters (used for the emulator's own TLS certificate).
    pub fn sign(&self, params: &CertificateParams, key: &KeyPair) -> Result<Vec<u8>, PkiError> {
        Ok(params.signed_by(key, &self.issuer)?.der().to_vec())
    }
}

fn ca_params(
    common_name: &str,
    organization: &str,
    now: i64,
) -> Result<CertificateParams, PkiError> {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, organization);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = timestamp(now - 3600)?;
    params.not_after = timestamp(now + 10 * 365 * 86_400)?;
    params.serial_number = Some(random_serial());
    Ok(params)
}

/// The managed secret's value: base64 PFX with an empty password, or PEM (key, then chain).
pub fn secret_value(
    content_type: &str,
    key: &KeyMaterial,
    chain: &[Vec<u8>],
) -> Result<String, PkiError> {
    use base64::Engine as _;
    if content_type == certkeep_core::keyvault::CONTENT_TYPE_PEM {
        let mut pem = certkeep_core::pem::encode_block("PRIVATE KEY", key.pkcs8());
        for der in chain {
            pem.push_str(&certkeep_core::pem::encode_block("CERTIFICATE", der));
        }
        Ok(pem)
    } else {
        let pfx = certkeep_core::pfx::write_pfx(key.pkcs8(), chain, "")
            .map_err(|e| PkiError::Invalid(e.to_string()))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(pfx))
    }
}

fn distinguished_name(subject: &str) -> Result<DistinguishedName, PkiError> {
    let attrs = parse_dn(subject).map_err(|e| PkiError::Invalid(e.to_string()))?;
    let mut dn = DistinguishedName::new();
    for a in attrs {
        let ty = match a.kind {
            DnKind::CommonName => DnType::CommonName,
            DnKind::Organization => DnType::OrganizationName,
            DnKind::OrganizationalUnit => DnType::OrganizationalUnitName,
            DnKind::Locality => DnType::LocalityName,
            DnKind::State => DnType::StateOrProvinceName,
            DnKind::Country => DnType::CountryName,
            other => DnType::CustomDnType(other.oid().to_vec()),
        };
        let value = match a.kind {
            DnKind::Country => DnValue::PrintableString(
                rcgen::string::PrintableString::try_from(a.value.to_ascii_uppercase())
                    .map_err(|_| PkiError::Invalid("country must be printable".into()))?,
            ),
            DnKind::Email | DnKind::DomainComponent => DnValue::Ia5String(
                rcgen::string::Ia5String::try_from(a.value.clone())
                    .map_err(|_| PkiError::Invalid(format!("'{}' is not ASCII", a.value)))?,
            ),
            _ => DnValue::Utf8String(a.value.clone()),
        };
        dn.push(ty, value);
    }
    Ok(dn)
}

fn key_usage(name: &str) -> Result<KeyUsagePurpose, PkiError> {
    let i = KEY_USAGES
        .iter()
        .position(|k| k.eq_ignore_ascii_case(name))
        .ok_or_else(|| PkiError::Invalid(format!("unknown key usage '{name}'")))?;
    Ok([
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::DataEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::EncipherOnly,
        KeyUsagePurpose::DecipherOnly,
    ][i])
}

fn eku(oid: &str) -> Result<ExtendedKeyUsagePurpose, PkiError> {
    Ok(match oid {
        "1.3.6.1.5.5.7.3.1" => ExtendedKeyUsagePurpose::ServerAuth,
        "1.3.6.1.5.5.7.3.2" => ExtendedKeyUsagePurpose::ClientAuth,
        "1.3.6.1.5.5.7.3.3" => ExtendedKeyUsagePurpose::CodeSigning,
        "1.3.6.1.5.5.7.3.4" => ExtendedKeyUsagePurpose::EmailProtection,
        "1.3.6.1.5.5.7.3.8" => ExtendedKeyUsagePurpose::TimeStamping,
        "1.3.6.1.5.5.7.3.9" => ExtendedKeyUsagePurpose::OcspSigning,
        "2.5.29.37.0" => ExtendedKeyUsagePurpose::Any,
        other => ExtendedKeyUsagePurpose::Other(
            oid_arcs(other).ok_or_else(|| PkiError::Invalid(format!("'{other}' is not an OID")))?,
        ),
    })
}

fn timestamp(secs: i64) -> Result<OffsetDateTime, PkiError> {
    OffsetDateTime::from_unix_timestamp(secs)
        .map_err(|_| PkiError::Invalid(format!("time {secs} out of range")))
}

/// 16 random bytes with the top bit cleared so the INTEGER stays positive and 16 bytes long.
fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    SerialNumber::from_slice(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_type_issues_a_certificate_with_the_requested_key() {
        let specs = [
            (KeySpec::Rsa(2048), "RSA", 2048, None),
            (KeySpec::Rsa(3072), "RSA", 3072, None),
            (KeySpec::Rsa(4096), "RSA", 4096, None),
            (KeySpec::Ec("P-256"), "EC", 256, Some("P-256")),
            (KeySpec::Ec("P-384"), "EC", 384, Some("P-384")),
            (KeySpec::Ec("P-521"), "EC", 521, Some("P-521")),
        ];
        let req = CertRequest {
            subject: "CN=k.example, C=nl".into(),
            dns_names: vec!["k.example".into()],
            key_usage: vec!["digitalSignature".into()],
            ekus: vec!["1.3.6.1.5.5.7.3.1".into(), "1.2.3.4.5".into()],
            not_before: 1_700_000_000,
            not_after: 1_731_536_000,
            ..Default::default()
        };
        for (spec, kty, size, curve) in specs {
            let key = KeyMaterial::generate(spec).unwrap();
            assert_eq!((key.kty, key.size, key.curve), (kty, size, curve));
            let der = req.self_signed(&key).unwrap();
            let f = certkeep_core::x509::inspect(&der).unwrap();
            assert_eq!(f.key.kty, kty);
            assert_eq!(f.key.size, size);
            assert_eq!(f.key.curve.as_deref(), curve);
            assert_eq!(f.subject, "CN=k.example, C=NL");
            assert_eq!(f.ekus, vec!["1.3.6.1.5.5.7.3.1", "1.2.3.4.5"]);
            assert_eq!((f.not_before, f.not_after), (1_700_000_000, 1_731_536_000));
            assert_eq!(
                key.spki(),
                certkeep_core::x509::public_key_der(&der).unwrap()
            );
            // The CSR carries the same key and parses.
            let csr = req.csr(&key).unwrap();
            use x509_parser::prelude::FromDer as _;
            let (_, parsed) =
                x509_parser::certification_request::X509CertificationRequest::from_der(&csr)
                    .unwrap();
            assert_eq!(
                parsed.certification_request_info.subject_pki.raw,
                key.spki().as_slice()
            );
        }
    }

    #[test]
    fn bad_values_are_refused() {
        let key = KeyMaterial::generate(KeySpec::Ec("P-256")).unwrap();
        let mut req = CertRequest {
            subject: "CN=a".into(),
            not_before: 0,
            not_after: 1000,
            ..Default::default()
        };
        req.ip_addresses = vec!["not-an-ip".into()];
        assert!(req.self_signed(&key).is_err());
        assert!(KeyMaterial::generate(KeySpec::Rsa(1024)).is_err());
        assert!(KeyMaterial::generate(KeySpec::Ec("P-256K")).is_err());
    }
}
