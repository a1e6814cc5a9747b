//! Sync runs: one row per import or discovery.
use crate::{CredentialId, StoreError, SyncRunId, VaultId};

/// How a run ended (or that it has not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyncOutcome {
    /// Started, not finished.
    Running,
    /// Finished without error.
    Succeeded,
    /// Finished with an error.
    Failed,
}

impl SyncOutcome {
    /// The stored text: `running`, `succeeded`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "running" => Ok(Self::Running),
            "succeeded" => Ok(Self::Succeeded),
            "failed" => Ok(Self::Failed),
            other => Err(StoreError::Corrupt(format!("sync run outcome '{other}'"))),
        }
    }
}

/// A stored sync run.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncRun {
    /// Its id.
    pub id: SyncRunId,
    /// What kind of run (`vault_import`, `discovery`, ... chosen by the caller).
    pub kind: String,
    /// The credential it ran for, if any (cleared if the credential is deleted).
    pub credential_id: Option<CredentialId>,
    /// The vault it ran for, if any (cleared if the vault is deleted).
    pub vault_id: Option<VaultId>,
    /// Unix seconds.
    pub started_at: i64,
    /// Unix seconds; `None` while running.
    pub finished_at: Option<i64>,
    /// How it ended.
    pub outcome: SyncOutcome,
    /// Counts reported by the run (`{}` while running).
    pub counts: serde_json::Value,
    /// The error that ended a failed run.
    pub error: Option<String>,
}
