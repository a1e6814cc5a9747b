//! Obtain Certificate: the certificate of a secret's newest version, linked as its associated
//! certificate.

use super::*;

impl Engine {
    /// Obtain Certificate (seed §4.2): reads the secret's newest version from Key Vault, stores
    /// it as current, parses the certificate inside and links it as the secret's associated
    /// certificate (a certificate-backed secret links its Key Vault certificate). Audited as
    /// `secret.obtain_certificate`.
    pub async fn obtain_secret_certificate(
        &self,
        actor: &Actor,
        scope: &Scope,
        name: &str,
    ) -> Result<CertificateView, EngineError> {
        let target = target_of(scope, name);
        self.audited(
            actor,
            "secret.obtain_certificate",
            &target,
            self.tk_obtain_certificate(actor, scope, name),
        )
        .await
    }

    pub(super) async fn tk_obtain_certificate(
        &self,
        actor: &Actor,
        scope: &Scope,
        name: &str,
    ) -> Result<CertificateView, EngineError> {
        let (c, v) = self.tk_vault_for_names(scope, &[name.to_string()]).await?;
        if self.tk_find_secret_row_any(&v, name).await?.is_none() {
            return Err(EngineError::NotFound {
                what: format!("secret '{name}' in Certkeep (discover or create it first)"),
            });
        }
        let work = async {
            let client = self.pool_for(&c)?.vault(&v.record.vault_uri)?;
            let versions = client.list_secret_versions(name).await?;
            let current = newest(&versions)
                .cloned()
                .ok_or_else(|| EngineError::NotFound {
                    what: format!("secret '{name}' in Key Vault"),
                })?;
            if !is_tls(&current) {
                return Err(EngineError::Refused {
                    reason: format!(
                        "the newest version of secret '{name}' is not a TLS secret (content type {})",
                        current.content_type.as_deref().unwrap_or("none")
                    ),
                });
            }
            let recs: Vec<_> = versions
                .iter()
                .filter(|s| is_tls(s))
                .map(|s| records::tls_secret_record(name, s, s.version == current.version))
                .collect();
            self.store
                .upsert_tls_secret_versions(v.id, &recs, self.now())
                .await?;
            let id = if current.managed {
                let bundle = client.get_certificate(name, Some(&current.version)).await?;
                let rec = records::bundle_record(&bundle, true)?;
                self.store
                    .upsert_certificates(v.id, &[rec], self.now())
                    .await?;
                self.tk_link(&v, name, &current.version, CertificateSource::KeyVault)
                    .await?
            } else {
                let secret = client.get_secret(name, Some(&current.version)).await?;
                let ct = secret.content_type.clone().unwrap_or_default();
                let chain = chain_in_secret(secret.value.expose_secret(), &ct)?;
                self.tk_store_secret_certificate(&v, name, &current, &chain[0])
                    .await?
            };
            let id = id.ok_or_else(|| EngineError::NotFound {
                what: format!("the certificate of secret '{name}'"),
            })?;
            let view = self
                .tk_certificate_view(&c, &v, name, id)
                .await?
                .ok_or_else(|| EngineError::NotFound {
                    what: format!("the certificate of secret '{name}'"),
                })?;
            let event = self.audit(
                actor,
                "secret.obtain_certificate",
                &format!("{}/{}/{name}", c.name, v.record.name),
                "succeeded",
                json!({"version": current.version, "certificate_id": id.0, "sha1": view.sha1}),
            );
            self.store.record_audit_event(event).await?;
            Ok(view)
        };
        self.with_lease(actor, LeaseKind::Secret, v.id, name, work)
            .await
    }
}
