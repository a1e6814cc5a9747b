//! Typed ids for every row kind.
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::StoreError;

/// A credential's id: a UUID in its lowercase hyphenated text form. The caller generates it before
/// the insert, because the encrypted client secret's associated data includes it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CredentialId(String);

impl CredentialId {
    /// Accepts a UUID in hyphenated form (`8-4-4-4-12` hex digits, any case); stores it lowercase.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let groups: Vec<&str> = text.split('-').collect();
        let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        let is_hex = groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()));
        if lengths == [8, 4, 4, 4, 12] && is_hex {
            Ok(Self(text.to_ascii_lowercase()))
        } else {
            Err(StoreError::Invalid(format!(
                "credential id '{text}' is not a hyphenated UUID"
            )))
        }
    }

    /// The UUID text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps a value read back from the database (written through [`CredentialId::parse`]).
    pub(crate) fn from_db(text: String) -> Self {
        Self(text)
    }
}

impl TryFrom<String> for CredentialId {
    type Error = StoreError;
    fn try_from(text: String) -> Result<Self, StoreError> {
        Self::parse(&text)
    }
}

impl From<CredentialId> for String {
    fn from(id: CredentialId) -> String {
        id.0
    }
}

impl std::str::FromStr for CredentialId {
    type Err = StoreError;
    fn from_str(text: &str) -> Result<Self, StoreError> {
        Self::parse(text)
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CredentialId({})", self.0)
    }
}

macro_rules! integer_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

integer_id!(
    /// A vault row's id.
    VaultId
);
integer_id!(
    /// An issuer row's id.
    IssuerId
);
integer_id!(
    /// A certificate version row's id.
    CertificateId
);
integer_id!(
    /// A TLS secret version row's id.
    TlsSecretId
);
integer_id!(
    /// A sync run's id.
    SyncRunId
);
integer_id!(
    /// An audit event's id (its position in the chain).
    AuditEventId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_ids_are_uuids() {
        let id = CredentialId::parse("0F8FAD5B-D9CB-469F-A165-70867728950E").ok();
        assert_eq!(
            id.map(|i| i.to_string()).as_deref(),
            Some("0f8fad5b-d9cb-469f-a165-70867728950e")
        );
        assert!(CredentialId::parse("not-a-uuid").is_err());
        assert!(CredentialId::parse("0f8fad5b-d9cb-469f-a165-70867728950").is_err());
        assert!(CredentialId::parse("0f8fad5b-d9cb-469f-a165-70867728950g").is_err());
    }
}
