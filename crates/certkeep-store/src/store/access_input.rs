//! Checks on what the server's tables receive, so that nothing secret is ever stored as it is:
//! bearer secrets arrive as SHA-256 hex digests, passwords as argon2 PHC strings. The error
//! messages never quote the value, which might be the secret itself passed by mistake.
use sea_orm::{DbErr, SqlErr};

use crate::StoreError;

/// Longest user name and API token name.
pub(super) const NAME_MAX_CHARS: usize = 128;
/// Longest API token display prefix.
pub(super) const PREFIX_MAX_CHARS: usize = 16;

/// A hex SHA-256 digest (64 hex digits, any case), lowercased; `what` names it in the error.
pub(super) fn sha256_hex(what: &str, text: &str) -> Result<String, StoreError> {
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(text.to_ascii_lowercase())
    } else {
        Err(StoreError::Invalid(format!(
            "{what} must be a hex SHA-256 digest (64 hex digits) computed by the caller"
        )))
    }
}

/// An argon2 PHC string (`$argon2id$v=19$...`, also `$argon2i$`, `$argon2d$`).
pub(super) fn password_hash(text: &str) -> Result<(), StoreError> {
    let is_phc = ["$argon2id$", "$argon2i$", "$argon2d$"]
        .iter()
        .any(|p| text.starts_with(p))
        && text.len() <= 1024
        && !text.chars().any(char::is_whitespace);
    if is_phc {
        Ok(())
    } else {
        Err(StoreError::Invalid(
            "password hash must be an argon2 PHC string ($argon2id$...) made by the caller".into(),
        ))
    }
}

/// A user name as stored: lowercase. Empty names, names with surrounding whitespace or control
/// characters, and names longer than [`NAME_MAX_CHARS`] are refused.
pub(super) fn username(text: &str) -> Result<String, StoreError> {
    if text.is_empty()
        || text.trim() != text
        || text.chars().any(char::is_control)
        || text.chars().count() > NAME_MAX_CHARS
    {
        return Err(StoreError::Invalid(format!(
            "user name '{}' must be 1 to {NAME_MAX_CHARS} characters without surrounding \
             whitespace or control characters",
            text_preview(text)
        )));
    }
    Ok(text.to_lowercase())
}

/// A name or label given by a person: not blank, no control characters, at most `max` chars.
pub(super) fn label(what: &str, text: &str, max: usize) -> Result<(), StoreError> {
    if text.trim().is_empty() || text.chars().any(char::is_control) || text.chars().count() > max {
        return Err(StoreError::Invalid(format!(
            "{what} '{}' must be 1 to {max} characters, not blank, without control characters",
            text_preview(text)
        )));
    }
    Ok(())
}

/// Longest login throttle key.
pub(super) const THROTTLE_KEY_MAX_CHARS: usize = 512;

/// A login throttle key: not empty, no control characters (PostgreSQL cannot store NUL), at
/// most [`THROTTLE_KEY_MAX_CHARS`].
pub(super) fn throttle_key(key: &str) -> Result<(), StoreError> {
    if key.is_empty()
        || key.chars().any(char::is_control)
        || key.chars().count() > THROTTLE_KEY_MAX_CHARS
    {
        return Err(StoreError::Invalid(format!(
            "login throttle key '{}' must be 1 to {THROTTLE_KEY_MAX_CHARS} characters without \
             control characters",
            text_preview(key)
        )));
    }
    Ok(())
}

/// The first characters of `text`, escaped, for an error message.
fn text_preview(text: &str) -> String {
    let preview: String = text.chars().take(64).collect();
    preview.escape_debug().to_string()
}

/// Text from a client (a user agent, an address) as stored: control characters removed (a NUL
/// cannot be stored in PostgreSQL text), cut to `max` characters.
pub(super) fn client_text(text: String, max: usize) -> String {
    let clean: String = if text.chars().any(char::is_control) {
        text.chars().filter(|c| !c.is_control()).collect()
    } else {
        text
    };
    truncate_chars(clean, max)
}

/// `text` cut to at most `max` characters.
pub(super) fn truncate_chars(text: String, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_string(),
        None => text,
    }
}

/// Whether the database refused a write for a unique index.
pub(super) fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_64_hex_digits_and_errors_never_quote_them() {
        let digest = "AB".repeat(32);
        assert_eq!(sha256_hex("x", &digest).ok(), Some("ab".repeat(32)));
        for bad in ["ck_secret-token", "", &"a".repeat(63), &"g".repeat(64)] {
            match sha256_hex("API token hash", bad) {
                Err(StoreError::Invalid(message)) => {
                    assert!(bad.is_empty() || !message.contains(bad), "{message}")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn password_hashes_must_be_argon2_phc_strings() {
        assert!(password_hash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA").is_ok());
        for bad in ["hunter2", "$2b$12$abc", "$argon2id$ with space", ""] {
            match password_hash(bad) {
                Err(StoreError::Invalid(message)) => {
                    assert!(bad.is_empty() || !message.contains(bad), "{message}")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn usernames_are_lowercased_and_checked() {
        assert_eq!(username("Alice").ok().as_deref(), Some("alice"));
        assert_eq!(username("ÉLODIE").ok().as_deref(), Some("élodie"));
        for bad in ["", " alice", "alice\n", "a\u{7}b", &"a".repeat(129)] {
            assert!(username(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate_chars("héllo".into(), 2), "hé");
        assert_eq!(truncate_chars("abc".into(), 3), "abc");
        assert_eq!(truncate_chars("é".repeat(300), 200).chars().count(), 200);
        assert_eq!(client_text("a\u{0}b\nc".into(), 10), "abc");
    }

    #[test]
    fn throttle_keys_have_no_control_characters() {
        assert!(throttle_key("user:alice").is_ok());
        assert!(throttle_key("addr:2001:db8::1").is_ok());
        for bad in ["", "user:\u{0}", "user:a\nb", &"k".repeat(513)] {
            assert!(throttle_key(bad).is_err(), "{bad:?}");
        }
    }
}
