//! Credentials: create, find, list, replace the secret, delete (with everything found through it).
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, sea_query::Expr};

use super::{Store, audit, count, with_member};
use crate::entities::{certificate, credential, issuer, tls_secret, vault};
use crate::model::audit::NewAuditEvent;
use crate::model::credential::{Credential, DeletedCounts, NewCredential};
use crate::{CredentialId, StoreError};

fn to_credential(m: credential::Model) -> Credential {
    Credential {
        id: CredentialId::from_db(m.id),
        name: m.name,
        cloud: m.cloud,
        tenant_id: m.tenant_id,
        subscription_id: m.subscription_id,
        client_id: m.client_id,
        secret_ciphertext: m.secret_ciphertext,
        secret_key_id: m.secret_key_id,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn not_found(id: &CredentialId) -> StoreError {
    StoreError::NotFound {
        entity: "credential",
        key: id.to_string(),
    }
}

impl Store {
    /// Stores a new credential. A taken name (or id) is [`StoreError::Conflict`] and writes nothing,
    /// not even the audit event.
    pub async fn create_credential(
        &self,
        new: NewCredential,
        audit: NewAuditEvent,
    ) -> Result<Credential, StoreError> {
        if new.name.trim().is_empty() {
            return Err(StoreError::Invalid("credential name is empty".into()));
        }
        let now = self.clock.now();
        let txn = self.begin_audited().await?;
        let name_taken = credential::Entity::find()
            .filter(credential::Column::Name.eq(new.name.as_str()))
            .count(&txn)
            .await?
            > 0;
        if name_taken {
            return Err(StoreError::Conflict {
                entity: "credential",
                field: "name",
                value: new.name,
            });
        }
        if credential::Entity::find_by_id(new.id.as_str())
            .count(&txn)
            .await?
            > 0
        {
            return Err(StoreError::Conflict {
                entity: "credential",
                field: "id",
                value: new.id.to_string(),
            });
        }
        let model = credential::Model {
            id: new.id.as_str().to_string(),
            name: new.name,
            cloud: new.cloud,
            tenant_id: new.tenant_id,
            subscription_id: new.subscription_id,
            client_id: new.client_id,
            secret_ciphertext: new.secret_ciphertext,
            secret_key_id: new.secret_key_id,
            created_at: now,
            updated_at: now,
        };
        credential::Entity::insert(credential::ActiveModel::from(model.clone()))
            .exec_without_returning(&txn)
            .await?;
        audit::append(&txn, now, audit).await?;
        txn.commit().await?;
        Ok(to_credential(model))
    }

    /// The credential with this name.
    pub async fn find_credential_by_name(
        &self,
        name: &str,
    ) -> Result<Option<Credential>, StoreError> {
        Ok(credential::Entity::find()
            .filter(credential::Column::Name.eq(name))
            .one(&self.db)
            .await?
            .map(to_credential))
    }

    /// The credential with this id.
    pub async fn find_credential(
        &self,
        id: &CredentialId,
    ) -> Result<Option<Credential>, StoreError> {
        Ok(credential::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await?
            .map(to_credential))
    }

    /// Every credential, by name.
    pub async fn list_credentials(&self) -> Result<Vec<Credential>, StoreError> {
        Ok(credential::Entity::find()
            .order_by_asc(credential::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_credential)
            .collect())
    }

    /// Replaces the stored secret (ciphertext and the id of the key that made it).
    pub async fn update_credential_secret(
        &self,
        id: &CredentialId,
        secret_ciphertext: Vec<u8>,
        secret_key_id: &str,
        audit: NewAuditEvent,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let txn = self.begin_audited().await?;
        let updated = credential::Entity::update_many()
            .col_expr(
                credential::Column::SecretCiphertext,
                Expr::value(secret_ciphertext),
            )
            .col_expr(credential::Column::SecretKeyId, Expr::value(secret_key_id))
            .col_expr(credential::Column::UpdatedAt, Expr::value(now))
            .filter(credential::Column::Id.eq(id.as_str()))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            return Err(not_found(id));
        }
        audit::append(&txn, now, audit).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Deletes a credential and, by cascade, its vaults and everything found in them. The audit
    /// event's detail gets a `removed` member with the counts.
    pub async fn delete_credential(
        &self,
        id: &CredentialId,
        audit: NewAuditEvent,
    ) -> Result<DeletedCounts, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_audited().await?;
        let vault_ids = Query::select()
            .column(vault::Column::Id)
            .from(vault::Entity)
            .and_where(vault::Column::CredentialId.eq(id.as_str()))
            .to_owned();
        let removed = DeletedCounts {
            vaults: count(
                vault::Entity::find()
                    .filter(vault::Column::CredentialId.eq(id.as_str()))
                    .count(&txn)
                    .await?,
            ),
            issuers: count(
                issuer::Entity::find()
                    .filter(issuer::Column::VaultId.in_subquery(vault_ids.clone()))
                    .count(&txn)
                    .await?,
            ),
            certificates: count(
                certificate::Entity::find()
                    .filter(certificate::Column::VaultId.in_subquery(vault_ids.clone()))
                    .count(&txn)
                    .await?,
            ),
            tls_secrets: count(
                tls_secret::Entity::find()
                    .filter(tls_secret::Column::VaultId.in_subquery(vault_ids))
                    .count(&txn)
                    .await?,
            ),
        };
        let deleted = credential::Entity::delete_by_id(id.as_str())
            .exec(&txn)
            .await?;
        if deleted.rows_affected == 0 {
            return Err(not_found(id));
        }
        let detail = with_member(
            audit.detail,
            "removed",
            serde_json::json!({
                "vaults": removed.vaults,
                "issuers": removed.issuers,
                "certificates": removed.certificates,
                "tls_secrets": removed.tls_secrets,
            }),
        );
        audit::append(&txn, now, NewAuditEvent { detail, ..audit }).await?;
        txn.commit().await?;
        Ok(removed)
    }
}
