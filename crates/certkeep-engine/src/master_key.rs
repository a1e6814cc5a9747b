//! Secrets at rest: a master key kept outside the database (a key file with mode 0600, made on
//! first start, or the file named by `CERTKEEP_MASTER_KEY_FILE`), and AES-256-GCM sealing in which
//! the ciphertext names its key id and the owning row is the associated data — a ciphertext copied
//! into another row does not decrypt.

use std::path::{Path, PathBuf};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use serde::{Deserialize, Serialize};

/// Environment variable naming the master key file.
pub const MASTER_KEY_ENV: &str = "CERTKEEP_MASTER_KEY_FILE";

/// Why the master key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file cannot be read or written.
    #[error("master key file {path}: {reason}")]
    Io { path: PathBuf, reason: String },
    /// Group or others may read the key file.
    #[error(
        "master key file {path} is readable by group or others (mode {mode:o}); run: chmod 600 {path}"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    /// The file is not a Certkeep key file.
    #[error("master key file {path} is malformed: {reason}")]
    Malformed { path: PathBuf, reason: String },
    /// Sealed by a key this key file does not hold.
    #[error("the secret was sealed with key '{0}', which is not in the master key file")]
    UnknownKey(String),
    /// Wrong key, wrong row (associated data), or tampered bytes.
    #[error("the secret cannot be decrypted: it belongs to another record or was altered")]
    Decrypt,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    active: String,
    keys: Vec<KeyEntry>,
}

#[derive(Serialize, Deserialize)]
struct KeyEntry {
    id: String,
    /// 32 bytes, hex.
    key: String,
}

/// A sealed secret: which key sealed it, and nonce ‖ ciphertext ‖ tag.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed(key {}, {} bytes)", self.key_id, self.bytes.len())
    }
}

/// The loaded master keys (the active one seals; all of them open).
pub struct MasterKey {
    active: String,
    keys: Vec<(String, LessSafeKey)>,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "MasterKey(active {}, {} keys)",
            self.active,
            self.keys.len()
        )
    }
}

impl MasterKey {
    /// Loads the key file at `path`, creating it (mode 0600) when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        if !path.exists() {
            create(path)?;
        }
        Self::load(path)
    }

    /// Loads an existing key file, refusing one that group or others can read.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let io = |e: std::io::Error| KeyError::Io {
            path: path.into(),
            reason: e.to_string(),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeyError::TooOpen {
                    path: path.into(),
                    mode,
                });
            }
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        let malformed = |reason: String| KeyError::Malformed {
            path: path.into(),
            reason,
        };
        let file: KeyFile = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
        let mut keys = Vec::new();
        for entry in &file.keys {
            let raw = hex::decode(&entry.key)
                .map_err(|_| malformed(format!("key '{}' is not hex", entry.id)))?;
            let unbound = UnboundKey::new(&AES_256_GCM, &raw)
                .map_err(|_| malformed(format!("key '{}' is not 32 bytes", entry.id)))?;
            keys.push((entry.id.clone(), LessSafeKey::new(unbound)));
        }
        if !keys.iter().any(|(id, _)| *id == file.active) {
            return Err(malformed(format!(
                "active key '{}' is not in the file",
                file.active
            )));
        }
        Ok(Self {
            active: file.active,
            keys,
        })
    }

    /// The id of the key that seals new secrets.
    pub fn active_id(&self) -> &str {
        &self.active
    }

    /// Encrypts `plaintext` bound to `aad` (the owning row, e.g. `credentials/{id}/client_secret`).
    pub fn seal(&self, plaintext: &[u8], aad: &str) -> Result<Sealed, KeyError> {
        let key = self.key(&self.active)?;
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| KeyError::Decrypt)?;
        let mut buf = plaintext.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad.as_bytes()),
            &mut buf,
        )
        .map_err(|_| KeyError::Decrypt)?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&buf);
        Ok(Sealed {
            key_id: self.active.clone(),
            bytes,
        })
    }

    /// Decrypts a sealed secret; fails if `aad` is not the row it was sealed for.
    pub fn open(&self, sealed: &Sealed, aad: &str) -> Result<Vec<u8>, KeyError> {
        let key = self.key(&sealed.key_id)?;
        if sealed.bytes.len() < NONCE_LEN {
            return Err(KeyError::Decrypt);
        }
        let (nonce, ct) = sealed.bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| KeyError::Decrypt)?;
        let mut buf = ct.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buf)
            .map_err(|_| KeyError::Decrypt)?;
        Ok(plain.to_vec())
    }

    fn key(&self, id: &str) -> Result<&LessSafeKey, KeyError> {
        self.keys
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, key)| key)
            .ok_or_else(|| KeyError::UnknownKey(id.to_string()))
    }
}

/// Associated data binding a credential's client secret to its row.
pub fn credential_aad(credential_id: &str) -> String {
    format!("certkeep/credentials/{credential_id}/client_secret")
}

fn create(path: &Path) -> Result<(), KeyError> {
    let io = |e: std::io::Error| KeyError::Io {
        path: path.into(),
        reason: e.to_string(),
    };
    let mut raw = [0u8; 32];
    SystemRandom::new()
        .fill(&mut raw)
        .map_err(|_| KeyError::Io {
            path: path.into(),
            reason: "no randomness".into(),
        })?;
    let id = {
        use sha2::Digest as _;
        format!("k{}", &hex::encode(sha2::Sha256::digest(raw))[..12])
    };
    let file = KeyFile {
        active: id.clone(),
        keys: vec![KeyEntry {
            id,
            key: hex::encode(raw),
        }],
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| KeyError::Io {
        path: path.into(),
        reason: e.to_string(),
    })?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    use std::io::Write as _;
    opts.open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ck-key-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("master.key")
    }

    #[test]
    fn seals_and_opens_only_for_the_same_row() {
        let path = temp("rows");
        let key = MasterKey::load_or_create(&path).unwrap();
        let sealed = key.seal(b"s3cret", &credential_aad("a")).unwrap();
        assert!(!sealed.bytes.windows(6).any(|w| w == b"s3cret"));
        assert_eq!(key.open(&sealed, &credential_aad("a")).unwrap(), b"s3cret");
        assert!(matches!(
            key.open(&sealed, &credential_aad("b")),
            Err(KeyError::Decrypt)
        ));
        let mut tampered = sealed.clone();
        tampered.bytes[20] ^= 1;
        assert!(key.open(&tampered, &credential_aad("a")).is_err());
        // The same file loads again with the same key.
        let again = MasterKey::load(&path).unwrap();
        assert_eq!(
            again.open(&sealed, &credential_aad("a")).unwrap(),
            b"s3cret"
        );
        assert!(format!("{key:?}{sealed:?}").find("s3cret").is_none());
    }

    #[test]
    fn refuses_a_key_file_others_can_read() {
        let path = temp("mode");
        MasterKey::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                MasterKey::load(&path),
                Err(KeyError::TooOpen { .. })
            ));
        }
    }

    #[test]
    fn a_foreign_key_id_is_reported() {
        let a = MasterKey::load_or_create(&temp("a")).unwrap();
        let b = MasterKey::load_or_create(&temp("b")).unwrap();
        let sealed = a.seal(b"x", "row").unwrap();
        assert!(matches!(
            b.open(&sealed, "row"),
            Err(KeyError::UnknownKey(_))
        ));
    }
}
