//! Renewing (the seed's §3.3.1): for each chosen certificate, the policy's validity is updated
//! and a create sent, which gives a new version in Key Vault and then in the inventory. Each
//! refusal says why: a third-party issuer, a previous version, a pending operation, a
//! certificate missing in Azure.

use std::time::Duration;

use certkeep_azure::AzureError;
use certkeep_azure::write_models::{IssuerName, NewCertificate};
use certkeep_store::{
    CertificateFilter, CertificateSource, CertificateSummary, Credential, PageRequest, RequestId,
    RequestKind, Show, Vault,
};
use futures::StreamExt as _;
use serde::Serialize;
use serde_json::json;

use super::policy::REQUEST_TAG;
use super::submit::{Submission, refusal};
use crate::reports::ItemOutcome;
use crate::{Actor, Engine, EngineError, Scope};

/// One certificate to renew: its name, and the version the user picked (the current one when
/// absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewTarget {
    pub name: String,
    pub version: Option<String>,
}

/// What happened to one renewal.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RenewOutcome {
    pub vault: String,
    pub name: String,
    /// `requested` (pending in Key Vault), `completed`, `refused` or `failed`.
    pub outcome: &'static str,
    pub request_id: Option<String>,
    pub version: Option<String>,
    pub reason: Option<String>,
}

impl ItemOutcome for RenewOutcome {
    const KIND: &'static str = "certificates";
    fn label(&self) -> String {
        format!("{}/{}", self.vault, self.name)
    }
    fn error(&self) -> Option<&str> {
        match self.outcome {
            "refused" | "failed" => self.reason.as_deref(),
            _ => None,
        }
    }
}

/// A waited-for renewal's final state. A failed item always has a reason (a cancelled one has
/// no error).
fn apply_view(o: &mut RenewOutcome, view: &super::RequestView) {
    o.outcome = match view.status {
        "completed" => "completed",
        "failed" | "cancelled" => "failed",
        _ => "requested",
    };
    o.version = view.version.clone();
    o.reason = match o.outcome {
        "failed" => Some(
            view.error
                .clone()
                .or(view.status_details.clone())
                .unwrap_or_else(|| format!("the renewal was {}", view.status)),
        ),
        _ => view.error.clone(),
    };
}

/// How long a bulk renewal waits for Key Vault to issue when asked to wait.
const WAIT: Duration = Duration::from_secs(600);

impl Engine {
    /// Renews certificates of one vault with a new validity in months. With `wait`, each
    /// renewal is followed until Key Vault has issued the new version (stored in the
    /// inventory). Every item gets its own outcome; see [`crate::reports::check`].
    pub async fn renew_certificates(
        &self,
        actor: &Actor,
        scope: &Scope,
        targets: &[RenewTarget],
        validity_months: u32,
        wait: bool,
    ) -> Result<Vec<RenewOutcome>, EngineError> {
        if targets.is_empty() {
            return Err(EngineError::invalid(
                "names",
                "name at least one certificate",
            ));
        }
        if validity_months == 0 {
            return Err(EngineError::invalid(
                "validity_months",
                "must be at least 1 month",
            ));
        }
        let (c, v) = self.one_vault(scope).await?;
        let (c, v) = (&c, &v);
        // Owned items: a stream over borrowed ones makes the future not `Send` for every
        // lifetime, and a spawned caller (the server, the benchmark) needs it to be.
        let mut outcomes: Vec<RenewOutcome> = futures::stream::iter(targets.to_vec())
            .map(|t| async move {
                let target = format!("{}/{}", v.record.name, t.name);
                let result = self
                    .audited(
                        actor,
                        "certificate.renew",
                        &target,
                        self.renew_one(actor, c, v, &t, validity_months),
                    )
                    .await;
                let mut o = RenewOutcome {
                    vault: v.record.name.clone(),
                    name: t.name.clone(),
                    outcome: "requested",
                    request_id: None,
                    version: None,
                    reason: None,
                };
                match result {
                    Ok(req) => {
                        o.request_id = Some(req.id.as_str().to_string());
                        o.version = req.result_version.clone();
                        o.outcome = match req.status {
                            certkeep_store::RequestStatus::Completed => "completed",
                            certkeep_store::RequestStatus::Failed
                            | certkeep_store::RequestStatus::Cancelled => "failed",
                            _ => "requested",
                        };
                        o.reason = match o.outcome {
                            "failed" => Some(req.error_message.clone().unwrap_or_else(|| {
                                format!("the renewal was {}", req.status.as_str())
                            })),
                            _ => req.error_message.clone(),
                        };
                    }
                    Err(e @ (EngineError::Refused { .. } | EngineError::InProgress { .. })) => {
                        o.outcome = "refused";
                        o.reason = Some(e.to_string());
                    }
                    Err(e) => {
                        o.outcome = "failed";
                        o.reason = Some(e.to_string());
                    }
                }
                // Each renewal is followed from its own create, so Key Vault's issuance of
                // one overlaps the sending of the others.
                if wait
                    && o.outcome == "requested"
                    && let Some(id) = o.request_id.clone()
                {
                    match self
                        .wait_for_requests(actor, std::slice::from_ref(&id), WAIT)
                        .await
                    {
                        Ok(views) => {
                            if let Some(view) = views.into_iter().next() {
                                apply_view(&mut o, &view);
                            }
                        }
                        // Waiting never loses the outcome already known: the renewal stays
                        // `requested` (the poller follows it), with the reason.
                        Err(e) => {
                            o.reason = Some(format!(
                                "requested; waiting for Key Vault failed ({e}): `request poll` follows it"
                            ))
                        }
                    }
                }
                o
            })
            .buffer_unordered(self.config.item_concurrency.max(1) * 8)
            .collect()
            .await;
        outcomes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(outcomes)
    }

    /// The stored version a renewal starts from (the current one unless a version is named).
    async fn renewal_source(
        &self,
        v: &Vault,
        t: &RenewTarget,
    ) -> Result<CertificateSummary, EngineError> {
        let rows = self
            .store
            .certificate_page(
                &CertificateFilter {
                    show: Show::All,
                    vault: Some(v.id),
                    name: Some(t.name.clone()),
                    include_missing: true,
                    now: self.now(),
                    ..Default::default()
                },
                Default::default(),
                false,
                PageRequest::new(0, 1000),
            )
            .await?
            .items;
        let refused = |reason: String| EngineError::Refused { reason };
        if rows.is_empty() {
            return Err(EngineError::NotFound {
                what: format!("certificate '{}' in vault '{}'", t.name, v.record.name),
            });
        }
        let pick = match &t.version {
            Some(ver) => rows
                .iter()
                .find(|r| r.version.eq_ignore_ascii_case(ver))
                // A unique prefix (tables show the first 8 characters) names a version too.
                .or_else(|| {
                    let prefix = ver.to_ascii_lowercase();
                    let mut matching = rows.iter().filter(|r| {
                        prefix.len() >= 6 && r.version.to_ascii_lowercase().starts_with(&prefix)
                    });
                    match (matching.next(), matching.next()) {
                        (Some(one), None) => Some(one),
                        _ => None,
                    }
                })
                .ok_or_else(|| EngineError::NotFound {
                    what: format!("version {ver} of '{}'", t.name),
                })?,
            None => rows
                .iter()
                .filter(|r| r.source == CertificateSource::KeyVault)
                .find(|r| r.is_current)
                .or_else(|| rows.iter().find(|r| r.is_current))
                .unwrap_or(&rows[0]),
        };
        if pick.source == CertificateSource::TlsSecret {
            return Err(refused(format!(
                "'{}' is a certificate inside a TLS secret, not a Key Vault certificate: renew it where it was issued and update the secret",
                t.name
            )));
        }
        if !pick.is_current {
            return Err(refused(format!(
                "version {} of '{}' is a previous version: only the current version can be renewed",
                pick.version, t.name
            )));
        }
        if pick.is_missing {
            return Err(refused(format!(
                "'{}' is missing in Azure (discovery no longer finds it)",
                t.name
            )));
        }
        Ok(pick.clone())
    }

    async fn renew_one(
        &self,
        actor: &Actor,
        c: &Credential,
        v: &Vault,
        t: &RenewTarget,
        validity_months: u32,
    ) -> Result<certkeep_store::CertificateRequest, EngineError> {
        let source = self.renewal_source(v, t).await?;
        let third_party = |issuer: &str| EngineError::Refused {
            reason: format!(
                "'{}' was issued by a third-party issuer ({issuer}: imported or merged): Key Vault cannot renew it; renew it with its CA and import or merge the result",
                t.name
            ),
        };
        let client = self.pool_for(c)?.vault(&v.record.vault_uri)?;
        // Key Vault's own policy decides (the inventory may be older).
        let policy = match client.get_certificate_policy(&t.name).await {
            Ok(p) => p,
            Err(AzureError::NotFound { .. }) => {
                return Err(EngineError::Refused {
                    reason: format!("'{}' is missing in Azure (404)", t.name),
                });
            }
            Err(e) => return Err(refusal(e)),
        };
        let issuer = policy
            .issuer
            .as_ref()
            .map(|i| i.name.clone())
            .unwrap_or(IssuerName::Unknown);
        let provider = match &issuer {
            IssuerName::Unknown => return Err(third_party("Unknown")),
            IssuerName::SelfSigned => "Self".to_string(),
            IssuerName::Named(n) => self
                .store
                .list_issuers(v.id)
                .await?
                .into_iter()
                .find(|i| i.record.name.eq_ignore_ascii_case(n))
                .map(|i| i.record.provider)
                .unwrap_or_else(|| n.clone()),
        };
        certkeep_core::request::renewal_policy_validity(validity_months, &provider).map_err(
            |e| EngineError::Invalid {
                field: e.field,
                reason: e.reason,
            },
        )?;
        let id = RequestId::parse(&uuid::Uuid::new_v4().to_string())?;
        let mut tags = source.tags.clone();
        tags.insert(REQUEST_TAG.into(), id.as_str().to_string());
        let submission = Submission {
            kind: RequestKind::Renew,
            name: source.name.clone(),
            issuer_name: issuer.as_str().to_string(),
            spec: json!({"validity_months": validity_months, "from_version": source.version}),
            new: NewCertificate {
                policy,
                enabled: Some(true),
                tags,
            },
            contact: None,
            validity_months: Some(validity_months),
        };
        self.submit(actor, c, v, id, submission).await
    }
}
