//! Bearer secrets (session ids, CSRF tokens, API tokens): 32 random bytes, URL-safe base64,
//! stored only as their SHA-256 digest.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::EngineError;

/// A new random secret with `prefix` (`ck_` for API tokens).
pub fn new_secret(prefix: &str) -> Result<String, EngineError> {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| EngineError::invalid("token", "no randomness available"))?;
    Ok(format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

/// The digest the store keeps.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two digests in constant time.
pub fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
