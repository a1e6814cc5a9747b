//! What `/metrics` shows, read in one go: an expiry gauge per current certificate version and
//! TLS secret (labelled by credential, subscription, vault, name, issuer kind and the chosen
//! tags), counts by expiry state, discovery runs, and this process's Azure requests. The server
//! only writes it out in Prometheus' text format.

use std::collections::HashMap;

use certkeep_azure::metrics::AzureRequestCount;
use certkeep_store::{
    CertificateFilter, IssuerKind, Show, StateCounts, SyncRunCount, TlsSecretPageFilter,
};

use crate::{Engine, EngineError};

/// Where a certificate or secret lives, as labels.
#[derive(Debug, Clone, Default)]
pub struct Place {
    pub credential: String,
    pub subscription: String,
    pub vault: String,
}

/// One expiry gauge.
#[derive(Debug, Clone)]
pub struct ExpiryGauge {
    pub place: Place,
    pub name: String,
    /// `self_signed`, `integrated_ca` or `unknown` (certificates only).
    pub issuer_kind: Option<&'static str>,
    /// TLS secrets only: whether Key Vault manages it (the secret backing a Key Vault
    /// certificate, whose own gauge has the same end).
    pub managed: Option<bool>,
    /// The chosen tags' values, in the order asked for (empty when the tag is absent).
    pub tags: Vec<String>,
    /// Unix seconds.
    pub at: i64,
}

/// The last finished discovery of one vault.
#[derive(Debug, Clone)]
pub struct LastRun {
    pub kind: String,
    pub place: Place,
    pub outcome: &'static str,
    pub finished_at: i64,
    pub duration_secs: i64,
}

/// Everything `/metrics` shows.
#[derive(Debug, Clone, Default)]
pub struct MetricsSnapshot {
    /// The tags given as labels (their label names are `tag_{key}`, sanitised).
    pub tag_keys: Vec<String>,
    pub certificates: Vec<ExpiryGauge>,
    /// TLS secrets' `exp` attribute (those that have one).
    pub secret_expiries: Vec<ExpiryGauge>,
    /// The notAfter of the certificate inside each TLS secret (where it was read).
    pub secret_certificates: Vec<ExpiryGauge>,
    pub certificate_states: StateCounts,
    pub secret_states: StateCounts,
    pub runs: Vec<SyncRunCount>,
    pub last_runs: Vec<LastRun>,
    pub azure_requests: Vec<AzureRequestCount>,
    pub throttle_wait_secs: f64,
}

impl Engine {
    /// The metrics at the engine's time, with `tag_keys` as labels of the expiry gauges.
    pub async fn metrics(&self, tag_keys: &[String]) -> Result<MetricsSnapshot, EngineError> {
        let now = self.now();
        let credentials: HashMap<_, _> = self
            .store
            .list_credentials()
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let places: HashMap<_, _> = self
            .store
            .list_vaults(None)
            .await?
            .into_iter()
            .map(|v| {
                let c = credentials.get(&v.credential_id);
                let place = Place {
                    credential: c.map(|c| c.name.clone()).unwrap_or_default(),
                    subscription: c.map(|c| c.subscription_id.clone()).unwrap_or_default(),
                    vault: v.record.name.clone(),
                };
                (v.id, place)
            })
            .collect();
        let place = |id| places.get(&id).cloned().unwrap_or_default();
        let tags_of = |tags: &certkeep_store::Tags| {
            tag_keys
                .iter()
                .map(|k| tags.get(k).cloned().unwrap_or_default())
                .collect::<Vec<_>>()
        };
        let certificates = self
            .store
            .current_certificate_expiries()
            .await?
            .into_iter()
            .map(|c| ExpiryGauge {
                place: place(c.vault_id),
                issuer_kind: Some(IssuerKind::of(c.policy_issuer.as_deref()).as_str()),
                managed: None,
                tags: tags_of(&c.tags),
                name: c.name,
                at: c.not_after,
            })
            .collect();
        let mut secret_expiries = Vec::new();
        let mut secret_certificates = Vec::new();
        for s in self.store.current_tls_secret_expiries().await? {
            let gauge = |at| ExpiryGauge {
                place: place(s.vault_id),
                name: s.name.clone(),
                issuer_kind: None,
                managed: Some(s.is_managed),
                tags: tags_of(&s.tags),
                at,
            };
            if let Some(at) = s.expiry {
                secret_expiries.push(gauge(at));
            }
            if let Some(at) = s.certificate_not_after {
                secret_certificates.push(gauge(at));
            }
        }
        let certificate_states = self
            .store
            .certificate_facets(&CertificateFilter {
                now,
                ..Default::default()
            })
            .await?
            .by_state;
        let secret_states = self
            .store
            .tls_secret_facets(&TlsSecretPageFilter {
                show: Show::Current,
                now,
                ..Default::default()
            })
            .await?
            .by_state;
        let (runs, last) = self.store.sync_run_stats().await?;
        let last_runs = last
            .into_iter()
            .filter_map(|r| {
                let finished_at = r.finished_at?;
                Some(LastRun {
                    place: place(r.vault_id?),
                    outcome: r.outcome.as_str(),
                    duration_secs: (finished_at - r.started_at).max(0),
                    finished_at,
                    kind: r.kind,
                })
            })
            .collect();
        Ok(MetricsSnapshot {
            tag_keys: tag_keys.to_vec(),
            certificates,
            secret_expiries,
            secret_certificates,
            certificate_states,
            secret_states,
            runs,
            last_runs,
            azure_requests: certkeep_azure::metrics::request_counts(),
            throttle_wait_secs: certkeep_azure::metrics::throttle_wait_secs(),
        })
    }
}
