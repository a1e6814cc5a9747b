//! Passwords: argon2id (19 MiB, 2 passes, 1 lane: OWASP's minimum), and the rules a new
//! password must meet — 12 characters or more, not a common password, not the user's name.

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

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

/// Argon2id working memory kept for reuse: each hash needs 19 MiB, and memory freed by the
/// allocator after a hash stays with the thread that used it (several threads hashing left
/// 60-100 MB resident). At most two buffers are kept, zeroed after each use.
static WORKING_MEMORY: std::sync::Mutex<Vec<Vec<Block>>> = std::sync::Mutex::new(Vec::new());
const KEPT_BUFFERS: usize = 2;

/// Runs `f` with `count` blocks of working memory, reused when they have our size.
fn with_working_memory<R>(count: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
    let pooled = count == argon2().params().block_count();
    let reused = if pooled {
        WORKING_MEMORY
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
    } else {
        None
    };
    let mut blocks = reused.unwrap_or_else(|| vec![Block::default(); count]);
    let out = f(&mut blocks);
    if pooled {
        // What the hash leaves in memory derives from the password: never kept.
        blocks.fill(Block::default());
        let mut kept = WORKING_MEMORY.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() < KEPT_BUFFERS {
            kept.push(blocks);
        }
    }
    out
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) for `password`.
pub fn hash(password: &str) -> Result<String, EngineError> {
    let invalid = |e: String| EngineError::invalid("password", e);
    let mut salt = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt).map_err(|_| invalid("no randomness for the salt".into()))?;
    let salt_b64 = SaltString::encode_b64(&salt).map_err(|e| invalid(e.to_string()))?;
    let hasher = argon2();
    let mut out = [0u8; 32];
    with_working_memory(hasher.params().block_count(), |blocks| {
        hasher.hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, blocks)
    })
    .map_err(|e| invalid(e.to_string()))?;
    let output = Output::new(&out).map_err(|e| invalid(e.to_string()))?;
    Ok(format!(
        "$argon2id$v=19$m={MEMORY_KIB},t={PASSES},p={LANES}${}${output}",
        salt_b64.as_str()
    ))
}

/// Whether `password` matches the stored hash (a malformed hash never matches).
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    if parsed.algorithm != argon2::ARGON2ID_IDENT {
        return false;
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let version = parsed
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or(Version::V0x13);
    let hasher = Argon2::new(Algorithm::Argon2id, version, params);
    let mut out = vec![0u8; expected.len()];
    let computed = with_working_memory(hasher.params().block_count(), |blocks| {
        hasher.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, blocks)
    });
    // `Output` compares in constant time.
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
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
    fn hashes_verify_with_the_argon2_crate_and_its_hashes_verify_here() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let ours = hash("another long passphrase").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            argon2()
                .verify_password(b"another long passphrase", &parsed)
                .is_ok()
        );
        let salt = SaltString::encode_b64(b"sixteen byte salt").unwrap();
        let theirs = argon2()
            .hash_password(b"another long passphrase", &salt)
            .unwrap()
            .to_string();
        assert!(verify("another long passphrase", &theirs));
        assert!(!verify("another long passphrasE", &theirs));
        // Other parameters (an older, cheaper hash) still verify, outside the kept memory.
        let cheap = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8_192, 1, 1, None).unwrap(),
        )
        .hash_password(b"another long passphrase", &salt)
        .unwrap()
        .to_string();
        assert!(verify("another long passphrase", &cheap));
        assert!(WORKING_MEMORY.lock().unwrap().len() <= KEPT_BUFFERS);
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
