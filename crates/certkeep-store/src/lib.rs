//! Certkeep's persistent store: credentials, the vault inventory (vaults, issuers, certificate
//! and TLS secret versions), sync runs, a hash-chained audit log, and what the server needs
//! (users, sessions, API tokens, login throttling, background jobs), in SQLite or PostgreSQL
//! through one sea-orm code path.
//!
//! Every mutation that changes what a person would call the inventory runs in one transaction
//! together with the audit event the caller passes, so a failed mutation writes no event. The
//! store never sees secrets in plaintext: credentials carry ciphertext and a key id; users carry
//! an argon2 PHC hash of their password; session ids, CSRF tokens and API tokens are stored only
//! as SHA-256 hex digests computed by the caller.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod clock;
mod connect;
mod entities;
mod error;
mod ids;
mod json;
mod migrate;
pub mod model;
mod store;
mod tx;

/// The schema version this build migrates to (a server is ready only at this version).
pub const LATEST_MIGRATION: i64 = 5;

pub use clock::{Clock, SystemClock};
pub use connect::{Backend, redact_database_url};
pub use error::StoreError;
pub use ids::{
    ApiTokenId, AuditEventId, CertificateId, CredentialId, ExclusionId, IssuerId, JobId, RequestId,
    SyncRunId, TlsSecretId, UserId, VaultId,
};
pub use model::api_token::{ApiToken, NewApiToken};
pub use model::audit::{AuditEvent, NewAuditEvent};
pub use model::certificate::{
    Certificate, CertificateFilter, CertificateRecord, CertificateSource, CertificateUpsert, Sans,
};
pub use model::certificate_page::{
    CertificateFacets, CertificateSort, CertificateSummary, IssuerKind,
};
pub use model::credential::{Credential, DeletedCounts, NewCredential};
pub use model::exclusion::{DeleteCounts, Exclusion, ExclusionKind};
pub use model::filters::{AuditFilter, IssuerFilter, SyncRunFilter, VaultFilter};
pub use model::job::{Job, JobFilter, JobStatus, NewJob};
pub use model::lease::{Lease, LeaseHeld};
pub use model::login_throttle::LoginThrottle;
pub use model::page::{
    DEFAULT_HEALTHY_AFTER_SECS, DEFAULT_PAGE_LIMIT, ExpiryState, MAX_PAGE_LIMIT, Page, PageRequest,
    StateCounts, TagFilter,
};
pub use model::request::{
    CertificateRequest, NewRequest, RequestFilter, RequestKind, RequestStatus, RequestUpdate,
};
pub use model::session::{NewSession, Session, USER_AGENT_MAX_CHARS};
pub use model::setting::Setting;
pub use model::sync_run::{SyncOutcome, SyncRun};
pub use model::tls_secret::{TlsSecret, TlsSecretFilter, TlsSecretRecord};
pub use model::tls_secret_page::{
    TlsSecretFacets, TlsSecretPageFilter, TlsSecretSort, TlsSecretSummary,
};
pub use model::user::{NewUser, Role, User, UserUpdate};
pub use model::vault::{Issuer, IssuerRecord, Vault, VaultRecord};
pub use model::{Show, SyncCounts, Tags, UpsertCounts, VaultSyncCounts};
pub use store::{
    CertificateExpiry, ExpiryWeekCount, INTERRUPTED_ERROR, Store, SyncRunCount, TlsSecretExpiry,
    WEEK_SECS,
};

#[cfg(test)]
mod latest_migration_tests {
    #[test]
    fn latest_migration_is_the_last_one_known() {
        assert_eq!(
            crate::migrate::MIGRATIONS.last().map(|(v, _)| *v),
            Some(crate::LATEST_MIGRATION)
        );
    }
}
