//! Certificate export: a stored certificate version as PEM, DER or a PEM chain. PEM and DER
//! come from the stored DER; a chain from the value of the secret holding the certificate in
//! Key Vault (its backing secret, or the TLS secret it was parsed from) when that can be read,
//! else the stored leaf alone with a note. Never a private key.

use certkeep_store::CertificateSource;
use serde_json::json;

use crate::tls_manage::{ExportFormat, Exported, check_object_name, target_of};
use crate::{Actor, Engine, EngineError, Scope};

impl Engine {
    /// Exports one certificate version (`None`: the current one, else the newest stored).
    /// Audited as `certificate.export`.
    pub async fn export_certificate(
        &self,
        actor: &Actor,
        scope: &Scope,
        name: &str,
        version: Option<&str>,
        format: ExportFormat,
    ) -> Result<Exported, EngineError> {
        let target = target_of(scope, name);
        self.audited(actor, "certificate.export", &target, async {
            check_object_name("name", name)?;
            let (c, v) = self.one_vault(scope).await?;
            let versions = self.store.find_certificate_versions(v.id, name).await?;
            let cert = match version {
                Some(ver) => versions.iter().find(|x| x.record.version == ver),
                None => versions
                    .iter()
                    .find(|x| x.record.is_current && x.record.source == CertificateSource::KeyVault)
                    .or_else(|| versions.iter().find(|x| x.record.is_current))
                    .or_else(|| versions.first()),
            }
            .ok_or_else(|| EngineError::NotFound {
                what: match version {
                    Some(ver) => format!("certificate '{name}' version {ver} in vault '{}'", v.record.name),
                    None => format!("certificate '{name}' in vault '{}'", v.record.name),
                },
            })?;
            // The secret holding this version's key and chain: a Key Vault certificate's backing
            // secret has its name and version; a certificate parsed from a TLS secret names it.
            let secret = match cert.record.source {
                CertificateSource::KeyVault => {
                    Some((cert.record.name.as_str(), cert.record.version.as_str()))
                }
                _ => cert
                    .record
                    .source_secret_name
                    .as_deref()
                    .zip(cert.record.source_secret_version.as_deref()),
            };
            let exported = self.tk_export_der(&c, &v, cert, secret, format).await?;
            let event = self.audit(
                actor,
                "certificate.export",
                &format!("{}/{}/{name}", c.name, v.record.name),
                "succeeded",
                json!({"version": exported.version, "format": format, "certificates": exported.certificates, "sha1": exported.sha1, "note": exported.note}),
            );
            self.store.record_audit_event(event).await?;
            Ok(exported)
        })
        .await
    }
}
