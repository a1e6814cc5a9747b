//! Adding, rotating, listing and removing Azure credentials. A credential is checked against
//! Azure (token and subscription access) before anything is stored; its secret is sealed.

use certkeep_azure::secrecy::{ExposeSecret as _, SecretString};
use certkeep_azure::{ArmClient, AzureCredentialSpec, AzureSession, RetrySettings};
use certkeep_store::{Credential, CredentialId, DeletedCounts, NewCredential, SyncCounts};
use serde::Serialize;
use serde_json::json;

use certkeep_core::request::FieldError;

use crate::master_key::credential_aad;
use crate::views::Timestamp;
use crate::{Actor, Engine, EngineError, records};

/// What `credential add` takes. The secret never comes from a command-line flag.
pub struct AddCredential {
    pub name: String,
    pub cloud: String,
    pub tenant_id: String,
    pub subscription_id: String,
    pub client_id: String,
    pub client_secret: SecretString,
}

/// A credential as shown to users: never the secret, only that one is set.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CredentialView {
    pub id: String,
    pub name: String,
    pub cloud: String,
    pub tenant_id: String,
    pub subscription_id: String,
    pub client_id: String,
    pub secret_set: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub vaults: usize,
}

/// What removing a credential took with it (from Certkeep only; Azure is untouched).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Removed {
    pub credential: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub counts: DeletedCounts,
}

/// Outcome of adding a credential: it, and the vaults imported with it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Added {
    pub credential: CredentialView,
    #[schema(value_type = Object)]
    pub vaults: SyncCounts,
    pub already_existed: bool,
}

fn check_guid(field: &'static str, value: &str) -> Result<String, EngineError> {
    let v = value.trim();
    let ok = v.len() == 36
        && v.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if ok {
        Ok(v.to_ascii_lowercase())
    } else {
        Err(EngineError::invalid(
            field,
            format!("'{v}' is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"),
        ))
    }
}

fn check_name(name: &str) -> Result<String, EngineError> {
    let n = name.trim();
    if n.is_empty() || n.len() > 100 {
        return Err(EngineError::invalid("name", "must be 1 to 100 characters"));
    }
    if !n
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " ._-".contains(c))
    {
        return Err(EngineError::invalid(
            "name",
            "may contain letters, digits, space, '.', '_' and '-' only",
        ));
    }
    Ok(n.to_string())
}

impl Engine {
    fn view(&self, c: &Credential, vaults: usize) -> CredentialView {
        CredentialView {
            id: c.id.as_str().to_string(),
            name: c.name.clone(),
            cloud: c.cloud.clone(),
            tenant_id: c.tenant_id.clone(),
            subscription_id: c.subscription_id.clone(),
            client_id: c.client_id.clone(),
            secret_set: !c.secret_ciphertext.is_empty(),
            created_at: c.created_at.into(),
            updated_at: c.updated_at.into(),
            vaults,
        }
    }

    /// Checks the fields, then Azure (token, subscription), then stores the credential and
    /// imports every vault of the subscription. Repeating it with the same identity only syncs.
    pub async fn add_credential(
        &self,
        actor: &Actor,
        input: AddCredential,
    ) -> Result<Added, EngineError> {
        let target = input.name.trim().to_string();
        self.audited(
            actor,
            "credential.add",
            &target,
            self.add_credential_checked(actor, input),
        )
        .await
    }

    async fn add_credential_checked(
        &self,
        actor: &Actor,
        input: AddCredential,
    ) -> Result<Added, EngineError> {
        // Every bad field at once, so a form shows each next to its field.
        let mut errors = Vec::new();
        let mut field = |checked: Result<String, EngineError>| match checked {
            Ok(v) => Ok(v),
            Err(EngineError::Invalid { field, reason }) => {
                errors.push(FieldError::new(field, reason));
                Ok(String::new())
            }
            Err(e) => Err(e),
        };
        let name = field(check_name(&input.name))?;
        let tenant_id = field(check_guid("tenant_id", &input.tenant_id))?;
        let subscription_id = field(check_guid("subscription_id", &input.subscription_id))?;
        let client_id = field(check_guid("client_id", &input.client_id))?;
        if input.client_secret.expose_secret().trim().is_empty() {
            errors.push(FieldError::new("client_secret", "is empty"));
        }
        match errors.len() {
            0 => {}
            1 => {
                let e = errors.remove(0);
                return Err(EngineError::invalid(e.field, e.reason));
            }
            _ => return Err(EngineError::Fields { errors }),
        }
        let cloud = self.cloud(&input.cloud)?;
        if let Some(existing) = self.store.find_credential_by_name(&name).await? {
            let same = existing.tenant_id == tenant_id
                && existing.client_id == client_id
                && existing.subscription_id == subscription_id
                && existing.cloud == cloud.name;
            if !same {
                return Err(EngineError::Conflict {
                    what: format!("a credential named '{name}'"),
                });
            }
            let vaults = self.sync_credential_vaults(actor, &existing).await?;
            let count = self.store.list_vaults(Some(&existing.id)).await?.len();
            return Ok(Added {
                credential: self.view(&existing, count),
                vaults,
                already_existed: true,
            });
        }
        let spec = AzureCredentialSpec {
            cloud: cloud.clone(),
            tenant_id: tenant_id.clone(),
            client_id: client_id.clone(),
            client_secret: input.client_secret.clone(),
            subscription_id: subscription_id.clone(),
        };
        // Interactive retry settings: a person waits for this answer.
        let session = AzureSession::with_retry(&spec, &RetrySettings::interactive())?;
        let arm = ArmClient::new(&session)?;
        // Token and subscription access first: nothing is stored when either fails.
        let vaults = arm.list_vaults(&subscription_id).await?;

        let id = CredentialId::parse(&uuid::Uuid::new_v4().to_string())?;
        let sealed = self.key()?.seal(
            input.client_secret.expose_secret().as_bytes(),
            &credential_aad(id.as_str()),
        )?;
        let new = NewCredential {
            id: id.clone(),
            name: name.clone(),
            cloud: cloud.name.clone(),
            tenant_id,
            subscription_id,
            client_id,
            secret_ciphertext: sealed.bytes,
            secret_key_id: sealed.key_id,
        };
        let credential = self
            .store
            .create_credential(
                new,
                self.audit(
                    actor,
                    "credential.add",
                    &name,
                    "succeeded",
                    json!({"cloud": cloud.name}),
                ),
            )
            .await?;
        let records: Vec<_> = vaults.iter().map(records::vault_record).collect();
        let counts = self
            .store
            .sync_vaults(
                &credential.id,
                &records,
                true,
                self.now(),
                self.audit(actor, "vault.sync", &name, "succeeded", json!({})),
            )
            .await?;
        Ok(Added {
            credential: self.view(&credential, records.len()),
            vaults: counts,
            already_existed: false,
        })
    }

    /// Replaces the client secret after checking the new one against Azure.
    pub async fn update_credential_secret(
        &self,
        actor: &Actor,
        name: &str,
        secret: SecretString,
    ) -> Result<CredentialView, EngineError> {
        self.audited(
            actor,
            "credential.update",
            name,
            self.rotate_secret(actor, name, secret),
        )
        .await
    }

    async fn rotate_secret(
        &self,
        actor: &Actor,
        name: &str,
        secret: SecretString,
    ) -> Result<CredentialView, EngineError> {
        let existing = self.credential(name).await?;
        if secret.expose_secret().trim().is_empty() {
            return Err(EngineError::invalid("client_secret", "is empty"));
        }
        let mut spec = self.spec_for(&existing)?;
        spec.client_secret = secret.clone();
        let session = AzureSession::with_retry(&spec, &RetrySettings::interactive())?;
        ArmClient::new(&session)?.check_token(&session).await?;
        let sealed = self.key()?.seal(
            secret.expose_secret().as_bytes(),
            &credential_aad(existing.id.as_str()),
        )?;
        self.store
            .update_credential_secret(
                &existing.id,
                sealed.bytes,
                &sealed.key_id,
                self.audit(
                    actor,
                    "credential.update",
                    name,
                    "succeeded",
                    json!({"secret_rotated": true}),
                ),
            )
            .await?;
        let updated = self.credential(name).await?;
        let vaults = self.store.list_vaults(Some(&updated.id)).await?.len();
        Ok(self.view(&updated, vaults))
    }

    /// Removes a credential and everything discovered through it (Azure is untouched).
    pub async fn remove_credential(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<Removed, EngineError> {
        self.audited(actor, "credential.remove", name, async {
            let existing = self.credential(name).await?;
            let counts = self
                .store
                .delete_credential(
                    &existing.id,
                    self.audit(actor, "credential.remove", name, "succeeded", json!({})),
                )
                .await?;
            Ok(Removed {
                credential: name.to_string(),
                counts,
            })
        })
        .await
    }

    /// How many certificate versions (any state) a credential's vaults hold, for a
    /// confirmation prompt.
    pub async fn credential_certificate_count(&self, name: &str) -> Result<u64, EngineError> {
        let c = self.credential(name).await?;
        Ok(self
            .store
            .count_certificates(&certkeep_store::CertificateFilter {
                show: certkeep_store::Show::All,
                credential: Some(c.id),
                include_missing: true,
                ..Default::default()
            })
            .await?)
    }

    pub async fn list_credentials(&self) -> Result<Vec<CredentialView>, EngineError> {
        let mut out = Vec::new();
        for c in self.store.list_credentials().await? {
            let vaults = self.store.list_vaults(Some(&c.id)).await?.len();
            out.push(self.view(&c, vaults));
        }
        Ok(out)
    }

    pub async fn show_credential(&self, name: &str) -> Result<CredentialView, EngineError> {
        let c = self.credential(name).await?;
        let vaults = self.store.list_vaults(Some(&c.id)).await?.len();
        Ok(self.view(&c, vaults))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_and_names_are_checked() {
        assert!(check_guid("tenant_id", "3f6c1a52-8d3e-4b7a-9c41-2e5d7f9a0b13").is_ok());
        assert_eq!(
            check_guid("tenant_id", " 3F6C1A52-8D3E-4B7A-9C41-2E5D7F9A0B13 ").unwrap(),
            "3f6c1a52-8d3e-4b7a-9c41-2e5d7f9a0b13"
        );
        let e = check_guid("client_id", "not-a-guid").unwrap_err();
        assert!(e.to_string().starts_with("client_id:"));
        assert!(check_name("prod").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a;drop").is_err());
    }
}
