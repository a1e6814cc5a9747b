//! One operation per certificate or secret name at a time, across processes and instances:
//! a lease held in the store. A second operation on a name is refused with who holds it and
//! since when.

use certkeep_store::VaultId;

use crate::views::Timestamp;
use crate::{Actor, Engine, EngineError};

/// How long a lease lasts without being released (a crashed holder's lease expires).
pub const LEASE_TTL_SECS: i64 = 300;

/// What a lease protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseKind {
    Certificate,
    Secret,
}

/// A held lease; release it with [`Engine::release`] (an unreleased one expires).
#[derive(Debug)]
#[must_use = "release the lease when the operation ends"]
pub struct NameLease {
    name: String,
    holder: String,
}

fn lease_name(kind: LeaseKind, vault: VaultId, name: &str) -> String {
    let kind = match kind {
        LeaseKind::Certificate => "certificate",
        LeaseKind::Secret => "secret",
    };
    // Key Vault names are case-insensitive.
    format!("{kind}:{}:{}", vault.0, name.to_ascii_lowercase())
}

impl Engine {
    /// Takes the lease on `name` in `vault` for `actor`, or says who holds it.
    pub(crate) async fn lease(
        &self,
        actor: &Actor,
        kind: LeaseKind,
        vault: VaultId,
        name: &str,
    ) -> Result<NameLease, EngineError> {
        let lease = lease_name(kind, vault, name);
        // Unique per operation: two operations of one actor in one process exclude each other
        // too (a holder that already holds a lease renews it, so it must never be shared).
        let op = uuid::Uuid::new_v4().simple().to_string();
        let holder = format!(
            "{} ({}, operation {})",
            actor.audit_name(),
            self.instance_id(),
            &op[..8]
        );
        match self
            .store
            .acquire_lease(&lease, &holder, self.now(), LEASE_TTL_SECS)
            .await?
        {
            Ok(_) => Ok(NameLease {
                name: lease,
                holder,
            }),
            Err(held) => Err(EngineError::InProgress {
                what: format!("'{name}'"),
                holder: held.holder,
                since: Timestamp(held.since).rfc3339(),
            }),
        }
    }

    /// Releases a lease (a failure is logged: the lease then expires on its own).
    pub(crate) async fn release(&self, lease: NameLease) {
        if let Err(e) = self.store.release_lease(&lease.name, &lease.holder).await {
            tracing::warn!("releasing lease {} failed: {e}", lease.name);
        }
    }

    /// Runs `work` under the lease on `name`, releasing it afterwards whatever happened.
    pub(crate) async fn with_lease<T>(
        &self,
        actor: &Actor,
        kind: LeaseKind,
        vault: VaultId,
        name: &str,
        work: impl std::future::Future<Output = Result<T, EngineError>>,
    ) -> Result<T, EngineError> {
        let lease = self.lease(actor, kind, vault, name).await?;
        let result = work.await;
        self.release(lease).await;
        result
    }
}
