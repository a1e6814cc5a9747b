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
    /// A vault's discovery (the name says of what): one at a time across instances.
    Discovery,
}

/// A held lease; release it with [`Engine::release`] (an unreleased one expires).
#[derive(Debug)]
#[must_use = "release the lease when the operation ends"]
pub struct NameLease {
    name: String,
    holder: String,
}

/// This host's name, when the system says it (Linux).
fn host_name() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty() && !h.contains(char::is_whitespace))
}

/// How a lease holder names its process: `pid N on HOST`.
pub(crate) fn this_process() -> String {
    format!(
        "pid {} on {}",
        std::process::id(),
        host_name().unwrap_or_else(|| "an unknown host".into())
    )
}

/// Whether `holder` names a process of this host that no longer runs. Only where processes
/// can be looked up (`/proc`); a holder on another host, or of unknown form, is never dead.
pub(crate) fn holder_is_dead(holder: &str) -> bool {
    let (Some(host), true) = (host_name(), std::path::Path::new("/proc/self").exists()) else {
        return false;
    };
    let Some(rest) = holder.split("(pid ").nth(1) else {
        return false;
    };
    let Some((pid, rest)) = rest.split_once(" on ") else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    let Some((their_host, _)) = rest.split_once(',') else {
        return false;
    };
    their_host == host
        && pid != std::process::id()
        && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// The lease name of a certificate or secret (for tests and tools that look leases up).
pub fn lease_name_of(kind: LeaseKind, vault: VaultId, name: &str) -> String {
    lease_name(kind, vault, name)
}

fn lease_name(kind: LeaseKind, vault: VaultId, name: &str) -> String {
    let kind = match kind {
        LeaseKind::Certificate => "certificate",
        LeaseKind::Secret => "secret",
        LeaseKind::Discovery => "discovery",
    };
    // Key Vault names are case-insensitive.
    format!("{kind}:{}:{}", vault.0, name.to_ascii_lowercase())
}

impl Engine {
    /// Takes the lease on `name` in `vault` for `actor`, or says who holds it. A lease whose
    /// holder was a process of this host that no longer runs (killed mid-operation) is taken
    /// over at once rather than after its TTL.
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
            this_process(),
            &op[..8]
        );
        let mut took_over = false;
        loop {
            match self
                .store
                .acquire_lease(&lease, &holder, self.now(), LEASE_TTL_SECS)
                .await?
            {
                Ok(_) => {
                    return Ok(NameLease {
                        name: lease,
                        holder,
                    });
                }
                Err(held) if !took_over && holder_is_dead(&held.holder) => {
                    tracing::warn!(
                        "lease {lease}: its holder '{}' no longer runs; taking it over",
                        held.holder
                    );
                    self.store.release_lease(&lease, &held.holder).await?;
                    took_over = true;
                }
                Err(held) => {
                    return Err(EngineError::InProgress {
                        what: format!("'{name}'"),
                        holder: held.holder,
                        since: Timestamp(held.since).rfc3339(),
                    });
                }
            }
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
