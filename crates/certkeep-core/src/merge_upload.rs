//! Reading the signed certificate an external CA returned for a pending request of issuer
//! `Unknown` (a CSR Key Vault made): PEM (certificates, or a `PKCS7` block), one DER
//! certificate, or a DER PKCS#7 (`.p7b`) bundle. The chain is ordered leaf first, and the leaf
//! must carry the CSR's public key.

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::FromDer as _;

use crate::tls_secret::{UploadError, chain};

/// Why an uploaded certificate cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// Nothing in the file reads as a certificate.
    #[error("the file holds no certificate (expected PEM, DER or PKCS#7): {0}")]
    Unreadable(String),
    /// A private key has no place in a merge; it was not read.
    #[error("the file holds a private key: upload only the signed certificate and its chain")]
    HoldsPrivateKey,
    /// No certificate in the file has the pending request's key.
    #[error(
        "no certificate in the file has the pending request's public key: it was not issued for this CSR"
    )]
    KeyMismatch,
    /// The pending request's CSR cannot be read.
    #[error("the pending request's CSR cannot be read: {0}")]
    BadCsr(String),
}

/// One DER TLV: (tag byte, content, rest).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

const SEQUENCE: u8 = 0x30;
const OID: u8 = 0x06;
const CONTEXT_0: u8 = 0xa0;
/// 1.2.840.113549.1.7.2 (signedData).
const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

/// The certificates of a DER PKCS#7 SignedData (ContentInfo), in file order.
fn pkcs7_certificates(der: &[u8]) -> Option<Vec<Vec<u8>>> {
    let (SEQUENCE, content_info, _) = tlv(der)? else {
        return None;
    };
    let (OID, oid, rest) = tlv(content_info)? else {
        return None;
    };
    if oid != SIGNED_DATA {
        return None;
    }
    let (CONTEXT_0, explicit, _) = tlv(rest)? else {
        return None;
    };
    let (SEQUENCE, signed_data, _) = tlv(explicit)? else {
        return None;
    };
    // version, digestAlgorithms, encapContentInfo, then [0] IMPLICIT certificates.
    let mut rest = signed_data;
    for _ in 0..3 {
        rest = tlv(rest)?.2;
    }
    let (CONTEXT_0, mut certs, _) = tlv(rest)? else {
        return Some(Vec::new());
    };
    let mut out = Vec::new();
    while !certs.is_empty() {
        let before = certs;
        let (_, _, after) = tlv(certs)?;
        out.push(before[..before.len() - after.len()].to_vec());
        certs = after;
    }
    Some(out)
}

/// Every certificate in the upload.
pub fn certificates_in(file: &[u8]) -> Result<Vec<Vec<u8>>, MergeError> {
    let text = std::str::from_utf8(file)
        .ok()
        .filter(|t| t.contains("-----BEGIN"));
    let certs = match text {
        Some(text) => {
            let mut certs = Vec::new();
            for block in x509_parser::pem::Pem::iter_from_buffer(text.as_bytes()) {
                let block = block.map_err(|e| MergeError::Unreadable(e.to_string()))?;
                match block.label.as_str() {
                    "CERTIFICATE" => certs.push(block.contents),
                    "PKCS7" | "CMS" => {
                        certs.extend(pkcs7_certificates(&block.contents).ok_or_else(|| {
                            MergeError::Unreadable("the PKCS7 block is not SignedData".into())
                        })?)
                    }
                    l if l.contains("PRIVATE KEY") => return Err(MergeError::HoldsPrivateKey),
                    other => {
                        return Err(MergeError::Unreadable(format!(
                            "unexpected PEM block '{other}'"
                        )));
                    }
                }
            }
            certs
        }
        None if x509_parser::parse_x509_certificate(file).is_ok() => vec![file.to_vec()],
        None => pkcs7_certificates(file).ok_or_else(|| {
            MergeError::Unreadable("neither a DER certificate nor a PKCS#7 bundle".into())
        })?,
    };
    if certs.is_empty() {
        return Err(MergeError::Unreadable("no certificate found".into()));
    }
    Ok(certs)
}

/// The chain to merge (DER, leaf first) for the pending request whose CSR is `csr_der`.
pub fn chain_for_csr(file: &[u8], csr_der: &[u8]) -> Result<Vec<Vec<u8>>, MergeError> {
    let (_, csr) = X509CertificationRequest::from_der(csr_der)
        .map_err(|e| MergeError::BadCsr(e.to_string()))?;
    let key_bits = csr
        .certification_request_info
        .subject_pki
        .subject_public_key
        .data
        .to_vec();
    let certs = certificates_in(file)?;
    match chain::order(&certs, &key_bits) {
        Ok(ordered) => Ok(ordered.chain),
        Err(UploadError::KeyMismatch) => Err(MergeError::KeyMismatch),
        Err(e) => Err(MergeError::Unreadable(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca_and_csr() -> (rcgen::Certificate, rcgen::KeyPair, Vec<u8>, rcgen::KeyPair) {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["www.example.com".to_string()]).unwrap();
        let csr = params.serialize_request(&leaf_key).unwrap();
        (ca, ca_key, csr.der().to_vec(), leaf_key)
    }

    /// A certs-only PKCS#7 around `certs`, built by hand.
    fn p7b(certs: &[&[u8]]) -> Vec<u8> {
        fn wrap(tag: u8, content: &[u8]) -> Vec<u8> {
            let mut out = vec![tag];
            let len = content.len();
            if len < 0x80 {
                out.push(len as u8);
            } else {
                let bytes = (len as u32).to_be_bytes();
                let skip = bytes.iter().take_while(|b| **b == 0).count();
                out.push(0x80 | (4 - skip) as u8);
                out.extend(&bytes[skip..]);
            }
            out.extend(content);
            out
        }
        let certs: Vec<u8> = certs.iter().flat_map(|c| c.to_vec()).collect();
        let data_oid = wrap(OID, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]);
        let mut sd = wrap(0x02, &[1]);
        sd.extend(wrap(0x31, &[]));
        sd.extend(wrap(SEQUENCE, &data_oid));
        sd.extend(wrap(CONTEXT_0, &certs));
        sd.extend(wrap(0x31, &[]));
        let mut ci = wrap(OID, SIGNED_DATA);
        ci.extend(wrap(CONTEXT_0, &wrap(SEQUENCE, &sd)));
        wrap(SEQUENCE, &ci)
    }

    #[test]
    fn pem_der_and_pkcs7_uploads_give_the_chain_leaf_first() {
        let (ca, ca_key, csr_der, _) = ca_and_csr();
        let csr =
            rcgen::CertificateSigningRequestParams::from_der(&csr_der.clone().into()).unwrap();
        let issuer = rcgen::Issuer::from_ca_cert_der(ca.der(), &ca_key).unwrap();
        let leaf = csr.signed_by(&issuer).unwrap();
        let (leaf, ca) = (leaf.der().to_vec(), ca.der().to_vec());
        // PEM with the CA first: reordered.
        let pem = format!(
            "{}{}",
            crate::pem::encode_block("CERTIFICATE", &ca),
            crate::pem::encode_block("CERTIFICATE", &leaf)
        );
        assert_eq!(
            chain_for_csr(pem.as_bytes(), &csr_der).unwrap(),
            vec![leaf.clone(), ca.clone()]
        );
        assert_eq!(chain_for_csr(&leaf, &csr_der).unwrap(), vec![leaf.clone()]);
        let bundle = p7b(&[&ca, &leaf]);
        assert_eq!(
            chain_for_csr(&bundle, &csr_der).unwrap(),
            vec![leaf.clone(), ca.clone()]
        );
        let pem7 = crate::pem::encode_block("PKCS7", &bundle);
        assert_eq!(
            chain_for_csr(pem7.as_bytes(), &csr_der).unwrap(),
            vec![leaf, ca]
        );
    }

    #[test]
    fn a_certificate_for_another_key_or_a_key_is_refused() {
        let (ca, _, csr_der, _) = ca_and_csr();
        assert_eq!(
            chain_for_csr(ca.der(), &csr_der).unwrap_err(),
            MergeError::KeyMismatch
        );
        let with_key = format!(
            "{}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            crate::pem::encode_block("CERTIFICATE", ca.der())
        );
        assert_eq!(
            chain_for_csr(with_key.as_bytes(), &csr_der).unwrap_err(),
            MergeError::HoldsPrivateKey
        );
        assert!(matches!(
            chain_for_csr(b"garbage", &csr_der).unwrap_err(),
            MergeError::Unreadable(_)
        ));
    }
}
