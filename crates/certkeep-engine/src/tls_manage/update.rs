//! Update Secret: activation and expiration dates and the enabled status of the current version.

use super::*;

impl Engine {
    /// Update Secret (seed §4.2): the activation and expiration dates and the enabled status of
    /// the secret's current version, in Key Vault and then in the inventory. Audited as
    /// `secret.update`.
    pub async fn update_tls_secret(
        &self,
        actor: &Actor,
        req: UpdateSecret,
    ) -> Result<SecretView, EngineError> {
        let target = target_of(&req.scope, &req.name);
        self.audited(
            actor,
            "secret.update",
            &target,
            self.tk_update_secret(actor, &req),
        )
        .await
    }

    pub(super) async fn tk_update_secret(
        &self,
        actor: &Actor,
        req: &UpdateSecret,
    ) -> Result<SecretView, EngineError> {
        check_object_name("name", &req.name)?;
        if req.activation.is_none() && req.expiration.is_none() && req.enabled.is_none() {
            return Err(EngineError::invalid(
                "update",
                "nothing to change: give an activation date, an expiration date or a status",
            ));
        }
        let (c, v) = self.one_vault(&req.scope).await?;
        let current = self.tk_current_secret(&v, &req.name).await?;
        if current.record.is_managed {
            return Err(EngineError::Refused {
                reason: format!(
                    "secret '{}' backs a Key Vault certificate: update the certificate instead",
                    req.name
                ),
            });
        }
        check_dates(
            req.activation.or(current.record.activation),
            req.expiration.or(current.record.expiry),
        )?;
        let version = current.record.version.clone();
        let work = async {
            let client = self.pool_for(&c)?.vault(&v.record.vault_uri)?;
            let update = SecretUpdate {
                enabled: req.enabled,
                not_before: req.activation,
                expires: req.expiration,
                ..Default::default()
            };
            let item = client.update_secret(&req.name, &version, &update).await?;
            let rec = records::tls_secret_record(&req.name, &item, current.record.is_current);
            self.store
                .upsert_tls_secret_versions(v.id, &[rec], self.now())
                .await?;
            let row = self.tk_secret_row(&v, &req.name, &version).await?;
            let event = self.audit(
                actor,
                "secret.update",
                &format!("{}/{}/{}", c.name, v.record.name, req.name),
                "succeeded",
                json!({
                    "version": version,
                    "activation": req.activation,
                    "expiration": req.expiration,
                    "enabled": req.enabled,
                    "before": {
                        "activation": current.record.activation,
                        "expiration": current.record.expiry,
                        "enabled": current.record.is_enabled,
                    },
                }),
            );
            self.store.record_audit_event(event).await?;
            Ok(SecretView::new(&c.name, &v.record.name, &row, self.now()))
        };
        self.with_lease(actor, LeaseKind::Secret, v.id, &req.name, work)
            .await
    }
}
