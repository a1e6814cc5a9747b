//! Read-only queries for front ends: each filtered, sorted and paginated in the database, and
//! returned as views with names resolved. No query loads a DER blob.

use certkeep_store::{
    AuditFilter, CertificateFilter, CertificateSource, CredentialId, ExpiryState, PageRequest,
    Show, SyncRunFilter, TagFilter, TlsSecretFilter, TlsSecretPageFilter, TlsSecretSort, VaultId,
};
use serde::Serialize;

use crate::views::{
    AuditView, CertificateQuery, CertificateView, Listing, Names, SecretView, ShowVersions,
    SyncRunView,
};
use crate::{Engine, EngineError, Scope};

/// Counts by facet under a listing's filter, for the filter panels of the web interface.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateFacetsView {
    pub by_vault: Vec<FacetCount>,
    pub by_issuer: Vec<FacetCount>,
    pub by_issuer_kind: Vec<FacetCount>,
    pub by_key_type: Vec<FacetCount>,
    /// The most frequent tags as `key=value` (at most 20), most frequent first.
    pub by_tag: Vec<FacetCount>,
    #[schema(value_type = Object)]
    pub by_state: certkeep_store::StateCounts,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// Whether the audit log's hash chain verifies.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditChainStatus {
    pub intact: bool,
    /// Events checked (when intact).
    pub verified_events: usize,
    /// The first event that does not verify: it, or the one before it, was altered or removed.
    pub broken_at: Option<i64>,
}

/// What a TLS-secret listing asks for.
#[derive(Debug, Clone, Default)]
pub struct SecretQuery {
    pub scope: Scope,
    pub show: ShowVersions,
    pub expiring_within: Option<i64>,
    pub search: Option<String>,
    pub include_missing: bool,
    pub state: Option<ExpiryState>,
    pub tag: Option<TagFilter>,
    pub name: Option<String>,
    pub sort: TlsSecretSort,
    pub descending: bool,
    pub page: PageRequest,
}

/// Which audit events to list.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub filter: AuditFilter,
    pub page: PageRequest,
}

fn show(s: ShowVersions) -> Show {
    match s {
        ShowVersions::Current => Show::Current,
        ShowVersions::Previous => Show::Previous,
        ShowVersions::All => Show::All,
    }
}

/// The store's narrowing for a scope: a credential, and one vault when named.
struct ScopeIds {
    credential: Option<CredentialId>,
    vault: Option<VaultId>,
}

impl Engine {
    async fn scope_ids(&self, scope: &Scope) -> Result<ScopeIds, EngineError> {
        // A vault without its credential is resolved first (it must be unambiguous).
        let scope = match scope {
            Scope {
                credential: None,
                vault: Some(_),
            } => &self.resolve_scope(scope).await?,
            _ => scope,
        };
        // Each name is looked up once.
        Ok(match (&scope.credential, &scope.vault) {
            (Some(c), Some(v)) => match self.store.vault_ids_by_names(c, v).await? {
                Some((credential, vault)) => ScopeIds {
                    credential: Some(credential),
                    vault: Some(vault),
                },
                // Not found: the lookup by steps names what is missing.
                None => {
                    let (credential, vault) = self.vault(c, v).await?;
                    ScopeIds {
                        credential: Some(credential.id),
                        vault: Some(vault.id),
                    }
                }
            },
            (Some(c), None) => ScopeIds {
                credential: Some(self.credential(c).await?.id),
                vault: None,
            },
            _ => ScopeIds {
                credential: None,
                vault: None,
            },
        })
    }

    async fn certificate_filter(
        &self,
        q: &CertificateQuery,
    ) -> Result<CertificateFilter, EngineError> {
        let ids = self.scope_ids(&q.scope).await?;
        let now = self.now();
        Ok(CertificateFilter {
            show: show(q.show),
            vault: ids.vault,
            credential: ids.credential,
            expiring_before: q.expiring_within.map(|d| now.saturating_add(d)),
            search: q.search.clone(),
            include_missing: q.include_missing,
            issuer: q.issuer.clone(),
            issuer_kind: q.issuer_kind,
            key_type: q.key_type.clone(),
            state: q.state,
            now,
            tag: q.tag.clone(),
            name: q.name.clone(),
            ..Default::default()
        })
    }

    /// Certificate versions matching the query, one page of them.
    pub async fn list_certificates(
        &self,
        q: &CertificateQuery,
    ) -> Result<Listing<CertificateView>, EngineError> {
        let filter = self.certificate_filter(q).await?;
        let page = self
            .store
            .certificate_page(&filter, q.sort, q.descending, q.page)
            .await?;
        let names = Names::of_vaults(&self.store, page.items.iter().map(|c| c.vault_id)).await?;
        let now = self.now();
        Ok(Listing {
            total: page.total,
            offset: page.offset,
            limit: page.limit,
            items: page
                .items
                .into_iter()
                .map(|c| {
                    let (credential, vault) = names.of(c.vault_id);
                    CertificateView::new(&credential, &vault, c, now)
                })
                .collect(),
        })
    }

    /// Counts by vault, issuer, issuer kind, key type and state under the query's filters.
    pub async fn certificate_facets(
        &self,
        q: &CertificateQuery,
    ) -> Result<CertificateFacetsView, EngineError> {
        let filter = self.certificate_filter(q).await?;
        let f = self.store.certificate_facets(&filter).await?;
        let names = Names::load(&self.store).await?;
        let counts = |v: Vec<(String, u64)>| {
            v.into_iter()
                .map(|(value, count)| FacetCount { value, count })
                .collect()
        };
        Ok(CertificateFacetsView {
            by_vault: f
                .by_vault
                .into_iter()
                .map(|(id, count)| {
                    let (credential, vault) = names.of(id);
                    FacetCount {
                        value: format!("{credential}/{vault}"),
                        count,
                    }
                })
                .collect(),
            by_issuer: counts(f.by_issuer),
            by_issuer_kind: f
                .by_issuer_kind
                .into_iter()
                .map(|(k, count)| FacetCount {
                    value: k.as_str().to_string(),
                    count,
                })
                .collect(),
            by_key_type: counts(f.by_key_type),
            by_tag: counts(f.by_tag),
            by_state: f.by_state,
        })
    }

    /// How many certificate versions match (no rows loaded).
    pub async fn count_certificates(&self, q: &CertificateQuery) -> Result<u64, EngineError> {
        let filter = self.certificate_filter(q).await?;
        Ok(self.store.count_certificates(&filter).await?)
    }

    /// TLS-secret versions matching the query, one page of them.
    pub async fn list_secrets(&self, q: &SecretQuery) -> Result<Listing<SecretView>, EngineError> {
        let ids = self.scope_ids(&q.scope).await?;
        let now = self.now();
        let filter = TlsSecretPageFilter {
            show: show(q.show),
            vault: ids.vault,
            credential: ids.credential,
            expiring_before: q.expiring_within.map(|d| now.saturating_add(d)),
            search: q.search.clone(),
            include_missing: q.include_missing,
            state: q.state,
            now,
            tag: q.tag.clone(),
            name: q.name.clone(),
            ..Default::default()
        };
        let page = self
            .store
            .tls_secret_page(&filter, q.sort, q.descending, q.page)
            .await?;
        let names = Names::of_vaults(&self.store, page.items.iter().map(|s| s.vault_id)).await?;
        Ok(Listing {
            total: page.total,
            offset: page.offset,
            limit: page.limit,
            items: page
                .items
                .iter()
                .map(|s| {
                    let (credential, vault) = names.of(s.vault_id);
                    SecretView::new(&credential, &vault, s, now)
                })
                .collect(),
        })
    }

    /// Audit events, newest first.
    pub async fn list_audit(&self, q: &AuditQuery) -> Result<Listing<AuditView>, EngineError> {
        let page = self.store.audit_page(&q.filter, q.page).await?;
        Ok(Listing {
            total: page.total,
            offset: page.offset,
            limit: page.limit,
            items: page.items.iter().map(AuditView::from).collect(),
        })
    }

    /// Whether the audit chain is intact: the number of events checked.
    pub async fn verify_audit_chain(&self) -> Result<usize, EngineError> {
        Ok(self.store.verify_audit_chain().await?)
    }

    /// The audit chain's state for front ends: intact with the count checked, or the first
    /// event that does not verify.
    pub async fn audit_chain_status(&self) -> Result<AuditChainStatus, EngineError> {
        match self.store.verify_audit_chain().await {
            Ok(n) => Ok(AuditChainStatus {
                intact: true,
                verified_events: n,
                broken_at: None,
            }),
            Err(certkeep_store::StoreError::AuditChainBroken { id }) => Ok(AuditChainStatus {
                intact: false,
                verified_events: 0,
                broken_at: Some(id),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Discovery and sync runs, newest first.
    pub async fn list_sync_runs(
        &self,
        scope: &Scope,
        kind: Option<String>,
        page: PageRequest,
    ) -> Result<Listing<SyncRunView>, EngineError> {
        let ids = self.scope_ids(scope).await?;
        let filter = SyncRunFilter {
            vault: ids.vault,
            kind,
            outcome: None,
        };
        let runs = self.store.sync_run_page(&filter, page).await?;
        let names = Names::load(&self.store).await?;
        Ok(Listing {
            total: runs.total,
            offset: runs.offset,
            limit: runs.limit,
            items: runs
                .items
                .iter()
                .map(|r| {
                    let (credential, vault) = r.vault_id.map(|v| names.of(v)).unwrap_or_default();
                    SyncRunView::new(&credential, &vault, r)
                })
                .collect(),
        })
    }
}

/// The expiry summary the demo and dashboards print: distinct current certificates (by
/// SHA-256; a certificate-backed secret holds the same certificate as its Key Vault
/// certificate) past their notAfter and within 30 days of it, plus totals.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct InventorySummary {
    pub vaults: usize,
    /// Current Key Vault certificates, and all their versions.
    pub certificates: u64,
    pub certificate_versions: u64,
    /// Certificates read from the current version of TLS secrets.
    pub certificates_from_secrets: u64,
    pub expired: u64,
    pub expiring_within_30_days: u64,
    pub tls_secrets: u64,
    pub tls_secret_versions: u64,
}

impl Engine {
    /// Totals and expiry counts over the whole inventory.
    pub async fn inventory_summary(&self) -> Result<InventorySummary, EngineError> {
        let now = self.now();
        let certs = |show: Show, source: Option<CertificateSource>| CertificateFilter {
            show,
            source,
            now,
            ..Default::default()
        };
        let key_vault = Some(CertificateSource::KeyVault);
        let (expired, expiring) = self.store.distinct_current_expiry(now, 30 * 86_400).await?;
        let secrets = |show: Show| TlsSecretFilter {
            show,
            ..Default::default()
        };
        Ok(InventorySummary {
            vaults: self.list_vaults(None).await?.len(),
            certificates: self
                .store
                .count_certificates(&certs(Show::Current, key_vault))
                .await?,
            certificate_versions: self
                .store
                .count_certificates(&certs(Show::All, key_vault))
                .await?,
            certificates_from_secrets: self
                .store
                .count_certificates(&certs(Show::Current, Some(CertificateSource::TlsSecret)))
                .await?,
            expired,
            expiring_within_30_days: expiring,
            tls_secrets: self
                .store
                .count_tls_secrets(&secrets(Show::Current))
                .await?,
            tls_secret_versions: self.store.count_tls_secrets(&secrets(Show::All)).await?,
        })
    }
}

/// Which vaults to list.
#[derive(Debug, Clone, Default)]
pub struct VaultQuery {
    pub credential: Option<String>,
    pub search: Option<String>,
    /// Also vaults that vanished from Azure (kept, marked missing).
    pub include_missing: bool,
    pub page: PageRequest,
}

impl Engine {
    /// Imported vaults, by name, one page of them.
    pub async fn list_vault_page(
        &self,
        q: &VaultQuery,
    ) -> Result<Listing<crate::views::VaultView>, EngineError> {
        let credential = match &q.credential {
            Some(c) => Some(self.credential(c).await?.id),
            None => None,
        };
        let page = self
            .store
            .vault_page(
                &certkeep_store::VaultFilter {
                    credential,
                    search: q.search.clone(),
                    include_missing: q.include_missing,
                },
                q.page,
            )
            .await?;
        let credentials: std::collections::HashMap<_, _> = self
            .store
            .list_credentials()
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        Ok(Listing {
            total: page.total,
            offset: page.offset,
            limit: page.limit,
            items: page
                .items
                .iter()
                .map(|v| {
                    let name = credentials
                        .get(&v.credential_id)
                        .map(String::as_str)
                        .unwrap_or_default();
                    crate::views::VaultView::new(name, v)
                })
                .collect(),
        })
    }
}
