//! Orders an upload's certificates leaf first: the leaf is the certificate whose public key is
//! the private key's, then each issuer found by subject/issuer name (preferring a matching key
//! identifier when several certificates share a name), whatever the file order.

use x509_parser::prelude::*;

use super::UploadError;

struct Parsed {
    der: Vec<u8>,
    subject: Vec<u8>,
    issuer: Vec<u8>,
    ski: Option<Vec<u8>>,
    aki: Option<Vec<u8>>,
    key_bits: Vec<u8>,
    not_after: i64,
}

/// The chain, leaf first, and how many certificates of the file are not part of it.
#[derive(Debug)]
pub(crate) struct Ordered {
    pub(crate) chain: Vec<Vec<u8>>,
    pub(crate) ignored: usize,
}

fn parse(der: &[u8]) -> Result<Parsed, UploadError> {
    let (_, c) = X509Certificate::from_der(der)
        .map_err(|e| UploadError::Corrupt(format!("a certificate cannot be read: {e}")))?;
    let mut ski = None;
    let mut aki = None;
    for ext in c.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => ski = Some(id.0.to_vec()),
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                aki = a.key_identifier.as_ref().map(|id| id.0.to_vec());
            }
            _ => {}
        }
    }
    Ok(Parsed {
        der: der.to_vec(),
        subject: c.subject().as_raw().to_vec(),
        issuer: c.issuer().as_raw().to_vec(),
        ski,
        aki,
        key_bits: c.public_key().subject_public_key.data.to_vec(),
        not_after: c.validity().not_after.timestamp(),
    })
}

/// Orders `certs` for the key whose public key bits are `key_bits`. Duplicates are dropped;
/// no certificate with the key is `KeyMismatch`. When several carry the key, the one valid
/// the longest is the leaf.
pub(crate) fn order(certs: &[Vec<u8>], key_bits: &[u8]) -> Result<Ordered, UploadError> {
    let mut parsed: Vec<Parsed> = Vec::new();
    for der in certs {
        if parsed.iter().any(|p| &p.der == der) {
            continue;
        }
        parsed.push(parse(der)?);
    }
    let total = parsed.len();
    let leaf = parsed
        .iter()
        .enumerate()
        .filter(|(_, p)| p.key_bits == key_bits)
        .max_by_key(|(i, p)| (p.not_after, std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
        .ok_or(UploadError::KeyMismatch)?;
    let mut order = vec![leaf];
    while let Some(&last) = order.last() {
        let current = &parsed[last];
        if current.subject == current.issuer {
            break;
        }
        let candidates: Vec<usize> = (0..parsed.len())
            .filter(|i| !order.contains(i) && parsed[*i].subject == current.issuer)
            .collect();
        let by_key_id = candidates.iter().copied().find(|i| {
            current.aki.is_some() && parsed[*i].ski.is_some() && parsed[*i].ski == current.aki
        });
        match by_key_id.or_else(|| candidates.first().copied()) {
            Some(next) => order.push(next),
            None => break,
        }
    }
    let ignored = total - order.len();
    Ok(Ordered {
        chain: order.into_iter().map(|i| parsed[i].der.clone()).collect(),
        ignored,
    })
}
