//! PEM text: reading a bundle of a private key and certificates, and writing blocks.

use base64::Engine as _;

use crate::CoreError;

/// What a PEM file holds: at most one private key and the certificates in file order.
#[derive(Debug, Clone, Default)]
pub struct PemBundle {
    /// The private key's DER and its PEM label (`PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`).
    pub private_key: Option<(String, Vec<u8>)>,
    pub certificates: Vec<Vec<u8>>,
}

/// Reads every PEM block; unknown labels are an error so nothing is silently dropped.
pub fn parse_bundle(text: &str) -> Result<PemBundle, CoreError> {
    let mut bundle = PemBundle::default();
    for block in x509_parser::pem::Pem::iter_from_buffer(text.as_bytes()) {
        let block = block.map_err(|e| CoreError::InvalidPem(e.to_string()))?;
        match block.label.as_str() {
            "CERTIFICATE" => bundle.certificates.push(block.contents),
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                if bundle.private_key.is_some() {
                    return Err(CoreError::InvalidPem("more than one private key".into()));
                }
                bundle.private_key = Some((block.label.clone(), block.contents));
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(CoreError::InvalidPem(
                    "encrypted private keys are not supported in PEM; use a PFX".into(),
                ));
            }
            other => return Err(CoreError::InvalidPem(format!("unexpected block '{other}'"))),
        }
    }
    if bundle.certificates.is_empty() && bundle.private_key.is_none() {
        return Err(CoreError::InvalidPem("no PEM blocks found".into()));
    }
    Ok(bundle)
}

/// Encodes one PEM block with 64-character lines.
pub fn encode_block(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_blocks_and_rejects_unknown_ones() {
        let text = format!(
            "{}{}",
            encode_block("PRIVATE KEY", b"key"),
            encode_block("CERTIFICATE", b"cert")
        );
        let bundle = parse_bundle(&text).unwrap();
        assert_eq!(bundle.private_key.unwrap().1, b"key");
        assert_eq!(bundle.certificates, vec![b"cert".to_vec()]);
        assert!(parse_bundle(&encode_block("X509 CRL", b"x")).is_err());
        assert!(parse_bundle("nothing here").is_err());
    }
}
