//! Passwords: argon2id (19 MiB, 2 passes, 1 lane: OWASP's minimum), and the rules a new
//! password must meet — 12 characters or more, not a common password, not the user's name.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::EngineError;

/// Memory cost in KiB, passes and lanes.
pub const MEMORY_KIB: u32 = 19_456;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;
pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 256;

/// Passwords people pick first (lowercased); any of them, or one of them with digits or
/// punctuation appended, is refused.
const COMMON: &[&str] = &[
    "password",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "123456789012",
    "1234567890",
    "qwertyuiop",
    "qwerty123456",
    "iloveyou",
    "letmein",
    "welcome",
    "changeme",
    "administrator",
    "admin",
    "certkeep",
    "azure",
    "keyvault",
    "trustno1",
    "monkey",
    "dragon",
    "sunshine",
    "football",
    "baseball",
    "princess",
    "superman",
    "starwars",
    "whatever",
    "abc123",
    "111111111111",
    "000000000000",
    "aaaaaaaaaaaa",
    "qazwsxedc",
    "zaq12wsx",
    "1q2w3e4r5t6y",
    "password1234",
    "correcthorsebatterystaple",
];

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).expect("constant argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) for `password`.
pub fn hash(password: &str) -> Result<String, EngineError> {
    let mut salt = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt)
        .map_err(|_| EngineError::invalid("password", "no randomness for the salt"))?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| EngineError::invalid("password", e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| EngineError::invalid("password", e.to_string()))
}

/// Whether `password` matches the stored hash (a malformed hash never matches).
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A hash of a random password, to verify against when the user does not exist, so that a
/// wrong user name costs as long as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let mut bytes = [0u8; 24];
        let _ = aws_lc_rs::rand::fill(&mut bytes);
        hash(&hex::encode(bytes)).unwrap_or_default()
    })
}

/// Checks a new password against the rules (`field` names the form field in the error).
pub fn check_new(field: &'static str, password: &str, username: &str) -> Result<(), EngineError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(EngineError::invalid(
            field,
            format!("must be at least {MIN_CHARS} characters (it has {chars})"),
        ));
    }
    if chars > MAX_CHARS {
        return Err(EngineError::invalid(
            field,
            format!("must be at most {MAX_CHARS} characters"),
        ));
    }
    let lower = password.to_lowercase();
    let core = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    if COMMON.contains(&lower.as_str()) || COMMON.contains(&core) {
        return Err(EngineError::invalid(
            field,
            "is a commonly used password: choose another",
        ));
    }
    // Names of three letters or fewer occur in random passwords by chance; longer ones do not.
    if username.chars().count() >= 4 && lower.contains(&username.to_lowercase()) {
        return Err(EngineError::invalid(
            field,
            "must not contain the user name",
        ));
    }
    if password
        .chars()
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        < 4
    {
        return Err(EngineError::invalid(
            field,
            "uses too few different characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_the_stated_cost_and_verify() {
        let h = hash("a long passphrase here").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("a long passphrase here", &h));
        assert!(!verify("a long passphrase herE", &h));
        assert!(!verify("x", "not a hash"));
        assert_ne!(hash("a long passphrase here").unwrap(), h, "salted");
    }

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        let reason = |p: &str| check_new("password", p, "alice").unwrap_err().to_string();
        assert!(reason("short").contains("at least 12"));
        assert!(reason("Password1234!").contains("common"));
        assert!(reason("changeme2026!!").contains("common"));
        assert!(reason("alice-is-my-name").contains("user name"));
        assert!(reason("aaaaaaaaaaaaab").contains("different characters"));
        assert!(check_new("password", "correct horse battery", "alice").is_ok());
    }
}
