//! PFX (PKCS#12) files: open one with its password, and write one.

use p12_keystore::{
    Certificate, KeyStore, KeyStoreEntry, LocalKeyId, Pkcs12Archive, PrivateKey, PrivateKeyChain,
};
use x509_parser::prelude::*;

use crate::CoreError;

/// A private key (PKCS#8 DER) with its certificate chain, leaf first.
#[derive(Clone)]
pub struct KeyAndChain {
    pub key_pkcs8: Option<Vec<u8>>,
    pub chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for KeyAndChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyAndChain")
            .field("key_pkcs8", &self.key_pkcs8.as_ref().map(|_| "<redacted>"))
            .field("chain_len", &self.chain.len())
            .finish()
    }
}

/// Opens a PFX. A wrong password and a corrupt file give the same error kind with a reason.
pub fn read_pfx(data: &[u8], password: &str) -> Result<KeyAndChain, CoreError> {
    let archive = Pkcs12Archive::from_pkcs12(data, password).map_err(|e| {
        let text = e.to_string();
        if text.to_ascii_lowercase().contains("mac") {
            CoreError::InvalidPfx("wrong password or corrupt file (MAC check failed)".into())
        } else {
            CoreError::InvalidPfx(text)
        }
    })?;
    if archive.keys.len() > 1 {
        return Err(CoreError::InvalidPfx("more than one private key".into()));
    }
    let key = archive.keys.first();
    let certs: Vec<Vec<u8>> = archive
        .certs
        .iter()
        .map(|c| c.cert.as_der().to_vec())
        .collect();
    if certs.is_empty() {
        return Err(CoreError::InvalidPfx("no certificate in the file".into()));
    }
    // The leaf is the certificate sharing the key's local key id, else the one that issued nothing.
    let by_key_id = key.and_then(|k| k.local_key_id.as_ref()).and_then(|id| {
        archive
            .certs
            .iter()
            .position(|c| c.local_key_id.as_deref() == Some(id.0.as_slice()))
    });
    let leaf = match by_key_id {
        Some(i) => i,
        None => leaf_index(&certs)?,
    };
    Ok(KeyAndChain {
        key_pkcs8: key.map(|k| k.key.as_der().to_vec()),
        chain: order_chain(certs, leaf),
    })
}

/// Writes a PFX holding one key and its chain (leaf first), AES-256/PBES2 with an HMAC-SHA256 MAC.
pub fn write_pfx(
    key_pkcs8: &[u8],
    chain: &[Vec<u8>],
    password: &str,
) -> Result<Vec<u8>, CoreError> {
    let bad = |e: p12_keystore::error::Error| CoreError::InvalidPfx(e.to_string());
    let key = PrivateKey::from_der(key_pkcs8).map_err(bad)?;
    let certs = chain
        .iter()
        .map(|der| Certificate::from_der(der))
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)?;
    let local_key_id: Vec<u8> = {
        use sha1::Digest as _;
        sha1::Sha1::digest(chain.first().map(Vec::as_slice).unwrap_or_default()).to_vec()
    };
    let mut store = KeyStore::new();
    store.add_entry(
        "1",
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(LocalKeyId(local_key_id), key, certs)),
    );
    store.writer(password).write().map_err(bad)
}

fn leaf_index(certs: &[Vec<u8>]) -> Result<usize, CoreError> {
    let parsed = parse_all(certs)?;
    let issued_something = |i: usize| {
        parsed
            .iter()
            .enumerate()
            .any(|(j, (_, issuer))| j != i && issuer == &parsed[i].0 && parsed[j].0 != parsed[j].1)
    };
    Ok((0..certs.len())
        .find(|&i| !issued_something(i))
        .unwrap_or(0))
}

/// Orders the chain from the leaf up by following issuer names; the rest keep file order.
fn order_chain(certs: Vec<Vec<u8>>, leaf: usize) -> Vec<Vec<u8>> {
    let Ok(names) = parse_all(&certs) else {
        return certs;
    };
    let mut order = vec![leaf];
    while let Some(&last) = order.last() {
        let (subject, issuer) = &names[last];
        if subject == issuer {
            break;
        }
        match (0..certs.len()).find(|i| !order.contains(i) && &names[*i].0 == issuer) {
            Some(next) => order.push(next),
            None => break,
        }
    }
    for i in 0..certs.len() {
        if !order.contains(&i) {
            order.push(i);
        }
    }
    order.into_iter().map(|i| certs[i].clone()).collect()
}

/// (subject, issuer) raw DER names of each certificate.
type Names = Vec<(Vec<u8>, Vec<u8>)>;

fn parse_all(certs: &[Vec<u8>]) -> Result<Names, CoreError> {
    certs
        .iter()
        .map(|der| {
            let (_, c) = X509Certificate::from_der(der)
                .map_err(|e| CoreError::InvalidCertificate(e.to_string()))?;
            Ok((c.subject().as_raw().to_vec(), c.issuer().as_raw().to_vec()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, IsCa, Issuer, KeyPair};

    #[test]
    fn writes_and_reads_a_chain_with_an_empty_password() {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, &ca_key);
        let key = KeyPair::generate().unwrap();
        let mut leaf_params = CertificateParams::new(vec!["leaf.example".to_string()]).unwrap();
        leaf_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "leaf.example");
        let leaf = leaf_params.signed_by(&key, &issuer).unwrap();

        // Written root first to prove that reading orders the chain leaf first.
        let chain = vec![leaf.der().to_vec(), ca_cert.der().to_vec()];
        let pfx = write_pfx(key.serialized_der(), &chain, "").unwrap();
        let read = read_pfx(&pfx, "").unwrap();
        assert_eq!(read.chain, chain);
        assert_eq!(read.key_pkcs8.as_deref(), Some(key.serialized_der()));
        assert!(read_pfx(&pfx, "wrong").is_err());
        assert!(read_pfx(b"garbage", "").is_err());
    }
}
