//! The errors of `certkeep-engine`, each mapped to a stable exit code for scripts.

use certkeep_azure::AzureError;
use certkeep_store::StoreError;

use crate::master_key::KeyError;

/// Why a use case did not complete. Messages never contain secrets.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// An input field is wrong; nothing was written.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// A named thing does not exist in Certkeep.
    #[error("{what} not found")]
    NotFound { what: String },
    /// Several input fields are wrong (each named); nothing was written or sent.
    #[error("{}", errors.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; "))]
    Fields {
        errors: Vec<certkeep_core::request::FieldError>,
    },
    /// Another operation holds this name right now.
    #[error("{what} is in progress by {holder} since {since}: try again when it has finished")]
    InProgress {
        what: String,
        holder: String,
        since: String,
    },
    /// The action is refused for this item (e.g. renewing a third-party certificate).
    #[error("{reason}")]
    Refused { reason: String },
    /// A name is taken.
    #[error("{what} already exists")]
    Conflict { what: String },
    /// Azure refused or failed (classified, see `AzureError`).
    #[error(transparent)]
    Azure(#[from] AzureError),
    /// The database failed.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// The master key could not be used.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Not signed in, or the credentials given (password, session, token) are not valid.
    /// The message is the same for every reason, so it tells a guesser nothing.
    #[error("{reason}")]
    Unauthenticated { reason: String },
    /// Signed in, but the role does not allow this.
    #[error("{reason}")]
    Forbidden { reason: String },
    /// Too many failed attempts: try again after this many seconds.
    #[error("too many failed attempts: try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: i64 },
    /// Some items (vaults, credentials, certificates) failed; the others succeeded.
    #[error("{failed} of {total} {what} failed: {first}")]
    Partial {
        failed: usize,
        total: usize,
        what: &'static str,
        first: String,
    },
}

impl EngineError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// Exit codes: 2 invalid input, 3 Azure refused the credential or access, 4 not found,
    /// 5 conflict, 6 partial failure, 7 not signed in or not allowed, 1 anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Invalid { .. } | Self::Fields { .. } => 2,
            Self::Azure(
                AzureError::WrongClientSecret
                | AzureError::ClientSecretExpired
                | AzureError::UnknownApplication
                | AzureError::UnknownTenant
                | AzureError::NoSubscriptionAccess
                | AzureError::SubscriptionNotFound
                | AzureError::VaultAccessDenied { .. },
            ) => 3,
            Self::NotFound { .. } => 4,
            Self::Conflict { .. } | Self::InProgress { .. } | Self::Refused { .. } => 5,
            Self::Partial { .. } => 6,
            Self::Unauthenticated { .. } | Self::Forbidden { .. } | Self::RateLimited { .. } => 7,
            _ => 1,
        }
    }
}
