//! Certkeep's persistent store: credentials, the vault inventory (vaults, issuers, certificate
//! and TLS secret versions), sync runs and a hash-chained audit log, in SQLite or PostgreSQL
//! through one sea-orm code path.
//!
//! Every mutation that changes what a person would call the inventory runs in one transaction
//! together with the audit event the caller passes, so a failed mutation writes no event. The
//! store never sees secrets in plaintext: credentials carry ciphertext and a key id.
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

pub use clock::{Clock, SystemClock};
pub use connect::{Backend, redact_database_url};
pub use error::StoreError;
pub use ids::{
    AuditEventId, CertificateId, CredentialId, ExclusionId, IssuerId, RequestId, SyncRunId,
    TlsSecretId, VaultId,
};
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
pub use model::lease::{Lease, LeaseHeld};
pub use model::page::{
    DEFAULT_HEALTHY_AFTER_SECS, DEFAULT_PAGE_LIMIT, ExpiryState, MAX_PAGE_LIMIT, Page, PageRequest,
    StateCounts, TagFilter,
};
pub use model::request::{
    CertificateRequest, NewRequest, RequestFilter, RequestKind, RequestStatus, RequestUpdate,
};
pub use model::sync_run::{SyncOutcome, SyncRun};
pub use model::tls_secret::{TlsSecret, TlsSecretFilter, TlsSecretRecord};
pub use model::tls_secret_page::{
    TlsSecretFacets, TlsSecretPageFilter, TlsSecretSort, TlsSecretSummary,
};
pub use model::vault::{Issuer, IssuerRecord, Vault, VaultRecord};
pub use model::{Show, SyncCounts, Tags, UpsertCounts, VaultSyncCounts};
pub use store::Store;
