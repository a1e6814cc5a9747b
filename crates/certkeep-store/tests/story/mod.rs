//! The story, told in steps that build on each other. Each step file covers one part of the API.
pub(crate) mod fixtures;

mod access;
mod audit_chain;
mod certificate_pages;
mod certificates;
mod count_cache;
mod credentials;
mod deep_pages;
mod deletion;
// Comparing with one-element arrays of clones reads best in these steps.
#[allow(clippy::cloned_ref_to_slice_refs)]
mod eku;
mod leases;
mod local_delete;
mod migrations;
mod other_pages;
mod page_model;
#[allow(clippy::cloned_ref_to_slice_refs)]
mod requests;
mod tls_secret_pages;
mod tls_secrets;
pub(crate) mod upgrade;
mod vaults;

use std::sync::Arc;

use certkeep_store::{CredentialId, Store, VaultId};

use fixtures::TestClock;

/// Unix seconds the story starts at (2025-01-01T00:00:00Z).
pub(crate) const T0: i64 = 1_735_689_600;
pub(crate) const DAY: i64 = 86_400;

/// What the steps share.
pub(crate) struct Ctx {
    pub(crate) url: String,
    pub(crate) store: Store,
    pub(crate) clock: Arc<TestClock>,
    /// Set by the credentials step.
    pub(crate) prod: Option<CredentialId>,
    /// Set by the vaults step: the vault the certificates go into, and a second one.
    pub(crate) vault_a: Option<VaultId>,
    pub(crate) vault_b: Option<VaultId>,
}

impl Ctx {
    pub(crate) fn prod(&self) -> &CredentialId {
        self.prod.as_ref().expect("credentials step ran")
    }
    pub(crate) fn vault_a(&self) -> VaultId {
        self.vault_a.expect("vaults step ran")
    }
    pub(crate) fn vault_b(&self) -> VaultId {
        self.vault_b.expect("vaults step ran")
    }
    pub(crate) fn clock_now(&self) -> i64 {
        use certkeep_store::Clock;
        self.clock.now()
    }
    pub(crate) async fn audit_count(&self) -> usize {
        self.store
            .list_audit_events(1_000_000)
            .await
            .expect("list audit events")
            .len()
    }
}

/// The whole story against one database URL (an empty database).
pub(crate) async fn run(url: String) {
    let clock = Arc::new(TestClock::new(T0));
    let store = migrations::connect_twice(&url, clock.clone()).await;
    let mut ctx = Ctx {
        url,
        store,
        clock,
        prod: None,
        vault_a: None,
        vault_b: None,
    };
    credentials::story(&mut ctx).await;
    vaults::story(&mut ctx).await;
    certificates::story(&ctx).await;
    tls_secrets::story(&ctx).await;
    deletion::story(&ctx).await;
    audit_chain::story(&ctx).await;
    let pages = page_model::seed(&ctx).await;
    certificate_pages::story(&ctx, &pages).await;
    tls_secret_pages::story(&ctx, &pages).await;
    other_pages::story(&ctx, &pages).await;
    eku::story(&ctx, &pages).await;
    requests::story(&ctx, &pages).await;
    leases::story(&ctx).await;
    local_delete::story(&ctx, &pages).await;
    count_cache::story(&ctx, &pages).await;
    deep_pages::story(&ctx, &pages).await;
    access::story(&ctx).await;
    ctx.store.close().await.expect("close");
}
