//! View and export a secret's associated certificate (PEM, DER or a PEM chain), never a key.

use super::*;

impl Engine {
    /// View/Export the associated certificate of a secret's current version (seed §4.2): PEM
    /// or DER from the stored DER; a PEM chain from the secret's value in Key Vault. Never a
    /// private key. Audited as `secret.export`.
    pub async fn export_secret_certificate(
        &self,
        actor: &Actor,
        scope: &Scope,
        name: &str,
        format: ExportFormat,
    ) -> Result<Exported, EngineError> {
        let target = target_of(scope, name);
        self.audited(actor, "secret.export", &target, async {
            let (c, v) = self.tk_vault_for_names(scope, &[name.to_string()]).await?;
            let row = self.tk_current_secret(&v, name).await?;
            let id = row.certificate_id.ok_or_else(|| EngineError::NotFound {
                what: format!(
                    "the associated certificate of secret '{name}' (obtain it first)"
                ),
            })?;
            let cert = self
                .store
                .find_certificate(id)
                .await?
                .ok_or_else(|| EngineError::NotFound {
                    what: format!("the associated certificate of secret '{name}'"),
                })?;
            let exported = self
                .tk_export_der(&c, &v, &cert, Some((name, row.record.version.as_str())), format)
                .await?;
            let event = self.audit(
                actor,
                "secret.export",
                &format!("{}/{}/{name}", c.name, v.record.name),
                "succeeded",
                json!({"version": row.record.version, "format": format, "certificates": exported.certificates, "sha1": exported.sha1}),
            );
            self.store.record_audit_event(event).await?;
            Ok(exported)
        })
        .await
    }

    /// A stored certificate as PEM, DER or a PEM chain. The chain comes from the value of
    /// `secret` (name, version) in Key Vault when it can be read, else the stored leaf alone
    /// with a note.
    pub(crate) async fn tk_export_der(
        &self,
        c: &Credential,
        v: &Vault,
        cert: &certkeep_store::Certificate,
        secret: Option<(&str, &str)>,
        format: ExportFormat,
    ) -> Result<Exported, EngineError> {
        let der = &cert.record.der;
        let mut note = None;
        let (bytes, certificates) = match format {
            ExportFormat::Der => (der.clone(), 1),
            ExportFormat::Pem => (pem_of(std::slice::from_ref(der)).into_bytes(), 1),
            ExportFormat::Chain => {
                let chain = match secret {
                    Some((sname, sver)) => match self.tk_secret_chain(c, v, sname, sver).await {
                        Ok(chain) if chain.first() == Some(der) => Ok(chain),
                        Ok(_) => Err(format!(
                            "the value of secret '{sname}' version {sver} holds another certificate"
                        )),
                        Err(e) => Err(e.to_string()),
                    },
                    None => Err("no secret holds this certificate's chain".to_string()),
                };
                match chain {
                    Ok(chain) => (pem_of(&chain).into_bytes(), chain.len()),
                    Err(why) => {
                        note = Some(format!("only the certificate itself: {why}"));
                        (pem_of(std::slice::from_ref(der)).into_bytes(), 1)
                    }
                }
            }
        };
        Ok(Exported {
            vault: v.record.name.clone(),
            name: cert.record.name.clone(),
            version: cert.record.version.clone(),
            format,
            certificates,
            subject: cert.record.subject.clone(),
            sha1: cert.record.sha1_hex.clone(),
            note,
            bytes,
        })
    }

    pub(super) async fn tk_secret_chain(
        &self,
        c: &Credential,
        v: &Vault,
        name: &str,
        version: &str,
    ) -> Result<Vec<Vec<u8>>, EngineError> {
        let client: std::sync::Arc<VaultClient> = self.pool_for(c)?.vault(&v.record.vault_uri)?;
        let secret = client
            .get_secret(name, Some(version))
            .await
            .map_err(|e| match e {
                AzureError::NotFound { .. } => EngineError::NotFound {
                    what: format!("secret '{name}' version {version} in Key Vault"),
                },
                other => other.into(),
            })?;
        let ct = secret.content_type.clone().unwrap_or_default();
        chain_in_secret(secret.value.expose_secret(), &ct)
    }
}
