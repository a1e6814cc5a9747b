//! The inventory rows of TLS secrets: finding them, linking them to their certificate, viewing.

use super::*;

impl Engine {
    /// Links the TLS-secret row (name, version) to the certificate record of the same name and
    /// version from `source`; returns the certificate's id when both exist.
    pub(crate) async fn tk_link(
        &self,
        v: &Vault,
        name: &str,
        version: &str,
        source: CertificateSource,
    ) -> Result<Option<certkeep_store::CertificateId>, EngineError> {
        let cert = self
            .store
            .list_certificates(&CertificateFilter {
                show: Show::All,
                vault: Some(v.id),
                source: Some(source),
                name: Some(name.to_string()),
                include_missing: true,
                ..Default::default()
            })
            .await?
            .into_iter()
            .find(|c| c.record.name == name && c.record.version == version);
        let row = self.tk_find_secret_row(v, name, Some(version)).await?;
        match (cert, row) {
            (Some(cert), Some(row)) => {
                self.store
                    .link_tls_secret_certificate(row.id, cert.id)
                    .await?;
                Ok(Some(cert.id))
            }
            _ => Ok(None),
        }
    }

    /// The stored row of a secret's version (`None`: its current one), missing ones included.
    pub(crate) async fn tk_find_secret_row(
        &self,
        v: &Vault,
        name: &str,
        version: Option<&str>,
    ) -> Result<Option<TlsSecret>, EngineError> {
        Ok(self
            .store
            .list_tls_secrets(&TlsSecretFilter {
                show: if version.is_some() {
                    Show::All
                } else {
                    Show::Current
                },
                vault: Some(v.id),
                search: Some(name.to_string()),
                include_missing: true,
                ..Default::default()
            })
            .await?
            .into_iter()
            .find(|s| s.record.name == name && version.is_none_or(|ver| s.record.version == ver)))
    }

    pub(super) async fn tk_secret_row(
        &self,
        v: &Vault,
        name: &str,
        version: &str,
    ) -> Result<TlsSecret, EngineError> {
        self.tk_find_secret_row(v, name, Some(version))
            .await?
            .ok_or_else(|| EngineError::NotFound {
                what: format!("secret '{name}' version {version}"),
            })
    }

    /// The current stored version of a secret, or `NotFound`.
    pub(super) async fn tk_current_secret(
        &self,
        v: &Vault,
        name: &str,
    ) -> Result<TlsSecret, EngineError> {
        self.tk_find_secret_row(v, name, None)
            .await?
            .ok_or_else(|| EngineError::NotFound {
                what: format!("secret '{name}' in vault '{}'", v.record.name),
            })
    }

    /// The view of certificate `id` (of this name) with names resolved.
    pub(crate) async fn tk_certificate_view(
        &self,
        c: &Credential,
        v: &Vault,
        name: &str,
        id: certkeep_store::CertificateId,
    ) -> Result<Option<CertificateView>, EngineError> {
        let listing = self
            .list_certificates(&CertificateQuery {
                scope: Scope::vault(&c.name, &v.record.name),
                show: ShowVersions::All,
                include_missing: true,
                name: Some(name.to_string()),
                page: PageRequest::new(0, crate::views::MAX_PAGE_LIMIT),
                ..Default::default()
            })
            .await?;
        Ok(listing.items.into_iter().find(|x| x.id == id.0))
    }
}
