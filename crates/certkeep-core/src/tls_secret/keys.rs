//! Private keys of an upload: parsed with aws-lc-rs to learn their public key (to find the
//! certificate they belong to) and to normalise them to PKCS#8.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, ECDSA_P521_SHA512_ASN1_SIGNING,
    EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair as _, RsaKeyPair,
};
use x509_parser::prelude::FromDer as _;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::UploadError;

/// The encodings a private key arrives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyEncoding {
    /// `PRIVATE KEY` (PKCS#8), as in every PFX.
    Pkcs8,
    /// `RSA PRIVATE KEY` (PKCS#1).
    Pkcs1,
    /// `EC PRIVATE KEY` (SEC 1 / RFC 5915).
    Sec1,
}

/// A private key, as PKCS#8, with the bits of its public key (the SubjectPublicKeyInfo's
/// BIT STRING, which is what a certificate carries).
pub(crate) struct ParsedKey {
    pub(crate) pkcs8: Vec<u8>,
    pub(crate) public_key_bits: Vec<u8>,
}

impl std::fmt::Debug for ParsedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ParsedKey(<redacted>)")
    }
}

const CURVES: [&EcdsaSigningAlgorithm; 3] = [
    &ECDSA_P256_SHA256_ASN1_SIGNING,
    &ECDSA_P384_SHA384_ASN1_SIGNING,
    &ECDSA_P521_SHA512_ASN1_SIGNING,
];

fn unsupported() -> UploadError {
    UploadError::UnsupportedKey(
        "the private key is not an RSA key of 2048 to 8192 bits or an EC key on P-256, P-384 or P-521"
            .into(),
    )
}

/// Parses a private key and derives its public key.
pub(crate) fn parse_key(der: &[u8], encoding: KeyEncoding) -> Result<ParsedKey, UploadError> {
    let rsa = match encoding {
        KeyEncoding::Pkcs8 => RsaKeyPair::from_pkcs8(der).ok(),
        KeyEncoding::Pkcs1 => RsaKeyPair::from_der(der).ok(),
        KeyEncoding::Sec1 => None,
    };
    if let Some(kp) = rsa {
        let pkcs8 = match encoding {
            KeyEncoding::Pkcs8 => der.to_vec(),
            _ => AsDer::<Pkcs8V1Der>::as_der(&kp)
                .map_err(|_| unsupported())?
                .as_ref()
                .to_vec(),
        };
        let spki = AsDer::<PublicKeyX509Der>::as_der(kp.public_key()).map_err(|_| unsupported())?;
        return Ok(ParsedKey {
            pkcs8,
            public_key_bits: spki_bits(spki.as_ref())?,
        });
    }
    if encoding == KeyEncoding::Pkcs1 {
        return Err(unsupported());
    }
    for alg in CURVES {
        let ec = match encoding {
            KeyEncoding::Pkcs8 => EcdsaKeyPair::from_pkcs8(alg, der),
            _ => EcdsaKeyPair::from_private_key_der(alg, der),
        };
        let Ok(kp) = ec else { continue };
        let pkcs8 = match encoding {
            KeyEncoding::Pkcs8 => der.to_vec(),
            _ => kp
                .to_pkcs8v1()
                .map_err(|_| unsupported())?
                .as_ref()
                .to_vec(),
        };
        let spki = AsDer::<PublicKeyX509Der>::as_der(kp.public_key()).map_err(|_| unsupported())?;
        return Ok(ParsedKey {
            pkcs8,
            public_key_bits: spki_bits(spki.as_ref())?,
        });
    }
    Err(unsupported())
}

/// The BIT STRING contents of a DER SubjectPublicKeyInfo.
pub(crate) fn spki_bits(spki_der: &[u8]) -> Result<Vec<u8>, UploadError> {
    let (_, spki) = SubjectPublicKeyInfo::from_der(spki_der)
        .map_err(|e| UploadError::Corrupt(format!("unreadable public key: {e}")))?;
    Ok(spki.subject_public_key.data.to_vec())
}
