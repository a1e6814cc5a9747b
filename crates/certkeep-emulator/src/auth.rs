//! Access tokens: RS256 JWTs the token endpoint signs and every ARM and vault call verifies.

use base64::Engine as _;
use rcgen::{KeyPair, PublicKeyData as _, SigningKey as _};
use serde::{Deserialize, Serialize};
use serde_json::json;

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The claims Certkeep's emulator puts in a token (a subset of Entra ID's v1 app tokens).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub appid: String,
    pub azp: String,
    pub oid: String,
    pub sub: String,
    pub tid: String,
    pub idtyp: String,
    pub ver: String,
}

/// Why a presented token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Malformed,
    BadSignature,
    Expired,
    NotYetValid,
}

pub struct TokenSigner {
    key: KeyPair,
    /// The RSAPublicKey bits, parsed once for verification.
    public_key: Vec<u8>,
    kid: String,
    modulus: Vec<u8>,
    exponent: Vec<u8>,
}

impl TokenSigner {
    pub fn generate() -> Result<Self, crate::error::PkiError> {
        let key = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)?;
        let spki = key.subject_public_key_info();
        let (modulus, exponent) = rsa_parts(&spki).unwrap_or_default();
        let kid = {
            use sha2::Digest as _;
            B64URL.encode(&sha2::Sha256::digest(&spki)[..16])
        };
        let public_key = rsa_public_key_bits(&spki).unwrap_or_default();
        Ok(Self {
            key,
            public_key,
            kid,
            modulus,
            exponent,
        })
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": self.kid, "x5t": self.kid});
        let body = serde_json::to_vec(claims).unwrap_or_default();
        let signing_input = format!(
            "{}.{}",
            B64URL.encode(header.to_string()),
            B64URL.encode(body)
        );
        let sig = self.key.sign(signing_input.as_bytes()).unwrap_or_default();
        format!("{signing_input}.{}", B64URL.encode(sig))
    }

    /// Checks signature and lifetime; audience and tenant are the caller's to judge.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenProblem> {
        let mut parts = token.split('.');
        let (Some(h), Some(b), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenProblem::Malformed);
        };
        let sig = B64URL.decode(s).map_err(|_| TokenProblem::Malformed)?;
        let verifier = aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            &self.public_key,
        );
        verifier
            .verify(format!("{h}.{b}").as_bytes(), &sig)
            .map_err(|_| TokenProblem::BadSignature)?;
        let claims: Claims =
            serde_json::from_slice(&B64URL.decode(b).map_err(|_| TokenProblem::Malformed)?)
                .map_err(|_| TokenProblem::Malformed)?;
        if now >= claims.exp {
            return Err(TokenProblem::Expired);
        }
        if now + 300 < claims.nbf {
            return Err(TokenProblem::NotYetValid);
        }
        Ok(claims)
    }

    /// The JWKS document for `/discovery/v2.0/keys`.
    pub fn jwks(&self) -> serde_json::Value {
        json!({"keys": [{
            "kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid,
            "n": B64URL.encode(&self.modulus), "e": B64URL.encode(&self.exponent),
        }]})
    }
}

fn rsa_public_key_bits(spki: &[u8]) -> Option<Vec<u8>> {
    use x509_parser::prelude::FromDer as _;
    let (_, info) = x509_parser::x509::SubjectPublicKeyInfo::from_der(spki).ok()?;
    Some(info.subject_public_key.data.to_vec())
}

fn rsa_parts(spki: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    use x509_parser::prelude::FromDer as _;
    let (_, info) = x509_parser::x509::SubjectPublicKeyInfo::from_der(spki).ok()?;
    match info.parsed().ok()? {
        x509_parser::public_key::PublicKey::RSA(rsa) => {
            let strip = |b: &[u8]| {
                b.iter()
                    .skip_while(|x| **x == 0)
                    .copied()
                    .collect::<Vec<u8>>()
            };
            Some((strip(rsa.modulus), strip(rsa.exponent)))
        }
        _ => None,
    }
}

/// Reads `Authorization: Bearer X`.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            aud: "https://vault.localhost:1".into(),
            iss: "https://sts.windows.net/t/".into(),
            iat: 0,
            nbf: 0,
            exp,
            appid: "a".into(),
            azp: "a".into(),
            oid: "o".into(),
            sub: "o".into(),
            tid: "t".into(),
            idtyp: "app".into(),
            ver: "1.0".into(),
        }
    }

    #[test]
    fn signed_tokens_verify_and_tampering_or_expiry_is_caught() {
        let signer = TokenSigner::generate().unwrap();
        let token = signer.sign(&claims(100));
        assert_eq!(signer.verify(&token, 50).unwrap().appid, "a");
        assert_eq!(
            signer.verify(&token, 100).unwrap_err(),
            TokenProblem::Expired
        );
        let other = TokenSigner::generate().unwrap().sign(&claims(100));
        assert_eq!(
            signer.verify(&other, 50).unwrap_err(),
            TokenProblem::BadSignature
        );
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = B64URL.encode(serde_json::to_vec(&claims(10_000)).unwrap());
        parts[1] = &forged;
        assert_eq!(
            signer.verify(&parts.join("."), 50).unwrap_err(),
            TokenProblem::BadSignature
        );
        assert_eq!(
            signer.verify("nonsense", 50).unwrap_err(),
            TokenProblem::Malformed
        );
    }
}
