//! Create Secret: an uploaded PFX or PEM written once to Key Vault, then stored with its leaf.

use super::*;

impl Engine {
    /// Create Secret (seed §4.2): checks the name, opens the file (a wrong password and a
    /// corrupt file are different errors), checks the dates, then under the secret's lease
    /// refuses an existing name unless `new_version`, writes the secret once, and stores the
    /// new version and its leaf certificate (linked). Audited as `secret.create`.
    pub async fn create_tls_secret(
        &self,
        actor: &Actor,
        req: CreateSecret,
    ) -> Result<CreatedSecret, EngineError> {
        let target = target_of(&req.scope, &req.name);
        self.audited(
            actor,
            "secret.create",
            &target,
            self.tk_create_secret(actor, &req),
        )
        .await
    }

    pub(super) async fn tk_create_secret(
        &self,
        actor: &Actor,
        req: &CreateSecret,
    ) -> Result<CreatedSecret, EngineError> {
        check_object_name("name", &req.name)?;
        check_tags(&req.tags)?;
        let prepared = prepare(req)?;
        let expiration = req
            .expiration
            .unwrap_or_else(|| certkeep_core::tls_secret::default_expiration(&prepared.leaf));
        check_dates(req.activation, Some(expiration))?;
        let (c, v) = self.one_vault(&req.scope).await?;
        let work = async {
            let client = self.pool_for(&c)?.vault(&v.record.vault_uri)?;
            let existing = client.list_secret_versions(&req.name).await?;
            if let Some(current) = newest(&existing) {
                if !req.new_version {
                    return Err(EngineError::Conflict {
                        what: format!(
                            "secret '{}' in vault '{}' (add a new version of it explicitly)",
                            req.name, v.record.name
                        ),
                    });
                }
                if existing.iter().any(|s| s.managed) {
                    return Err(EngineError::Refused {
                        reason: format!(
                            "secret '{}' backs a Key Vault certificate: renew or import the certificate instead",
                            req.name
                        ),
                    });
                }
                if !is_tls(current) {
                    return Err(EngineError::Refused {
                        reason: format!(
                            "secret '{}' is not a TLS secret (content type {}): Certkeep adds versions only to TLS secrets",
                            req.name,
                            current.content_type.as_deref().unwrap_or("none")
                        ),
                    });
                }
            }
            let spec = SecretSpec {
                value: prepared.value.clone(),
                content_type: Some(prepared.content_type.to_string()),
                enabled: Some(req.enabled),
                not_before: req.activation,
                expires: Some(expiration),
                tags: req.tags.clone(),
            };
            let written = client.set_secret(&req.name, &spec).await?;
            let version = written.version.version.clone();
            let rec = records::tls_secret_record(&req.name, &written.version, true);
            self.store
                .upsert_tls_secret_versions(v.id, &[rec], self.now())
                .await?;
            let leaf = prepared
                .chain
                .first()
                .ok_or_else(|| EngineError::invalid("file", "the file holds no certificate"))?;
            let cert_id = self
                .tk_store_secret_certificate(&v, &req.name, &written.version, leaf)
                .await?;
            let row = self.tk_secret_row(&v, &req.name, &version).await?;
            let certificate = match cert_id {
                Some(id) => self.tk_certificate_view(&c, &v, &req.name, id).await?,
                None => None,
            };
            let detail = json!({
                "version": version,
                "new_version": !existing.is_empty(),
                "content_type": prepared.content_type,
                "subject": prepared.leaf.subject,
                "sha1": prepared.leaf.sha1_hex,
                "activation": req.activation,
                "expiration": expiration,
                "enabled": req.enabled,
                "adopted": written.adopted,
            });
            let event = self.audit(
                actor,
                "secret.create",
                &format!("{}/{}/{}", c.name, v.record.name, req.name),
                "succeeded",
                detail,
            );
            self.store.record_audit_event(event).await?;
            Ok(CreatedSecret {
                secret: SecretView::new(&c.name, &v.record.name, &row, self.now()),
                certificate,
                new_version: !existing.is_empty(),
                chain_length: prepared.chain.len(),
                ignored_certificates: prepared.ignored_certificates,
                adopted: written.adopted,
            })
        };
        self.with_lease(actor, LeaseKind::Secret, v.id, &req.name, work)
            .await
    }

    /// Stores the leaf of a TLS-secret version as a certificate record (source `tls_secret`)
    /// and links the secret row to it. Returns the certificate's id.
    pub(super) async fn tk_store_secret_certificate(
        &self,
        v: &Vault,
        name: &str,
        s: &SecretVersionItem,
        der: &[u8],
    ) -> Result<Option<certkeep_store::CertificateId>, EngineError> {
        let origin = records::Origin {
            name,
            version: &s.version,
            is_current: true,
            source: CertificateSource::TlsSecret,
            secret: Some((name, &s.version)),
            kv_id: format!("{}secrets/{name}/{}", v.record.vault_uri, s.version),
            is_enabled: s.enabled,
            kv_created: s.created.unwrap_or_default(),
            kv_updated: s.updated.unwrap_or_default(),
            nbf: s.nbf,
            exp: s.exp,
            tags: s.tags.clone(),
            policy_issuer: None,
            content_type: s.content_type.clone(),
        };
        let rec = records::certificate_record(origin, der)?;
        self.store
            .upsert_certificates(v.id, &[rec], self.now())
            .await?;
        self.tk_link(v, name, &s.version, CertificateSource::TlsSecret)
            .await
    }
}
