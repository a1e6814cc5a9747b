//! Rediscover: one or many secrets brought to their latest version.

use super::*;

impl Engine {
    /// Rediscover (seed §4.2): re-reads each named secret's versions and stores them, the
    /// newest as current; a secret Key Vault no longer has is marked missing. One report per
    /// name (a failed one does not stop the others); each audited as `secret.rediscover`.
    pub async fn rediscover_secrets(
        &self,
        actor: &Actor,
        scope: &Scope,
        names: &[String],
    ) -> Result<Vec<RediscoverReport>, EngineError> {
        let target = target_of(scope, &names.join(","));
        let (c, v) = match self.tk_vault_for_names(scope, names).await {
            Ok(cv) => cv,
            Err(e) => {
                self.audit_failure(actor, "secret.rediscover", &target, &e)
                    .await;
                return Err(e);
            }
        };
        let mut reports = Vec::new();
        for name in names {
            let target = format!("{}/{}/{name}", c.name, v.record.name);
            let mut report = RediscoverReport {
                vault: v.record.name.clone(),
                name: name.clone(),
                ..Default::default()
            };
            let work = self.with_lease(
                actor,
                LeaseKind::Secret,
                v.id,
                name,
                self.tk_rediscover_one(&c, &v, name, &mut report),
            );
            match work.await {
                Ok(()) => {
                    let event = self.audit(
                        actor,
                        "secret.rediscover",
                        &target,
                        "succeeded",
                        serde_json::to_value(&report).unwrap_or_default(),
                    );
                    self.store.record_audit_event(event).await?;
                }
                Err(e) => {
                    self.audit_failure(actor, "secret.rediscover", &target, &e)
                        .await;
                    report.outcome = "failed".into();
                    report.error = Some(e.to_string());
                }
            }
            reports.push(report);
        }
        Ok(reports)
    }

    /// The vault of a scope, with the names checked (at least one, each valid).
    pub(crate) async fn tk_vault_for_names(
        &self,
        scope: &Scope,
        names: &[String],
    ) -> Result<(Credential, Vault), EngineError> {
        if names.is_empty() {
            return Err(EngineError::invalid("name", "name at least one"));
        }
        for n in names {
            check_object_name("name", n)?;
        }
        self.one_vault(scope).await
    }

    pub(super) async fn tk_rediscover_one(
        &self,
        c: &Credential,
        v: &Vault,
        name: &str,
        report: &mut RediscoverReport,
    ) -> Result<(), EngineError> {
        if self.tk_find_secret_row_any(v, name).await?.is_none() {
            return Err(EngineError::NotFound {
                what: format!("secret '{name}' in Certkeep (discover or create it first)"),
            });
        }
        let client = self.pool_for(c)?.vault(&v.record.vault_uri)?;
        let versions = client.list_secret_versions(name).await?;
        let Some(current) = newest(&versions).map(|s| s.version.clone()) else {
            self.store
                .mark_tls_secrets_missing(v.id, &[name.to_string()])
                .await?;
            report.outcome = "missing".into();
            return Ok(());
        };
        let recs: Vec<_> = versions
            .iter()
            .filter(|s| is_tls(s))
            .map(|s| records::tls_secret_record(name, s, s.version == current))
            .collect();
        let counts = self
            .store
            .upsert_tls_secret_versions(v.id, &recs, self.now())
            .await?;
        report.versions_added = counts.added;
        report.versions_updated = counts.updated;
        report.current_version = Some(current);
        report.outcome = if counts.added + counts.updated > 0 {
            "updated".into()
        } else {
            "unchanged".into()
        };
        Ok(())
    }

    /// Any stored version of a secret (current or not, missing included).
    pub(super) async fn tk_find_secret_row_any(
        &self,
        v: &Vault,
        name: &str,
    ) -> Result<Option<TlsSecret>, EngineError> {
        Ok(self
            .store
            .list_tls_secrets(&TlsSecretFilter {
                show: Show::All,
                vault: Some(v.id),
                search: Some(name.to_string()),
                include_missing: true,
                ..Default::default()
            })
            .await?
            .into_iter()
            .find(|s| s.record.name == name))
    }
}
