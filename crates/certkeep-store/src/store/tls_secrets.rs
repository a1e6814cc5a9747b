//! TLS secret versions: idempotent batch upserts, missing marking, the link to the certificate
//! version parsed from a secret, and listing.
use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, NullOrdering, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    Order, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::certificate_query::{contains_pattern, lower_like, vaults_of};
use super::{CHUNK, Store, count};
use crate::entities::{certificate, tls_secret, vault};
use crate::model::tls_secret::{TlsSecret, TlsSecretFilter, TlsSecretRecord};
use crate::model::{Show, UpsertCounts};
use crate::{CertificateId, StoreError, TlsSecretId, VaultId, json};

/// Rows per multi-row insert.
const INSERT_ROWS: usize = 200;

fn to_model(
    vault_id: VaultId,
    r: &TlsSecretRecord,
    base: &tls_secret::Model,
    is_current: bool,
) -> Result<tls_secret::Model, StoreError> {
    Ok(tls_secret::Model {
        vault_id: vault_id.0,
        name: r.name.clone(),
        version: r.version.clone(),
        is_current,
        content_type: r.content_type.clone(),
        is_enabled: r.is_enabled,
        activation: r.activation,
        expiry: r.expiry,
        kv_created: r.kv_created,
        kv_updated: r.kv_updated,
        is_managed: r.is_managed,
        tags: json::encode(&r.tags)?,
        is_missing: false,
        ..base.clone()
    })
}

pub(super) fn to_tls_secret(m: tls_secret::Model) -> Result<TlsSecret, StoreError> {
    Ok(TlsSecret {
        id: TlsSecretId(m.id),
        vault_id: VaultId(m.vault_id),
        record: TlsSecretRecord {
            tags: json::decode(&m.tags, "tls_secrets.tags")?,
            name: m.name,
            version: m.version,
            is_current: m.is_current,
            content_type: m.content_type,
            is_enabled: m.is_enabled,
            activation: m.activation,
            expiry: m.expiry,
            kv_created: m.kv_created,
            kv_updated: m.kv_updated,
            is_managed: m.is_managed,
        },
        certificate_id: m.certificate_id.map(CertificateId),
        is_missing: m.is_missing,
        discovered_at: m.discovered_at,
    })
}

fn on_conflict() -> OnConflict {
    use tls_secret::Column as C;
    OnConflict::columns([C::VaultId, C::Name, C::Version])
        .update_columns([
            C::IsCurrent,
            C::ContentType,
            C::IsEnabled,
            C::Activation,
            C::Expiry,
            C::KvCreated,
            C::KvUpdated,
            C::IsManaged,
            C::Tags,
            C::IsMissing,
        ])
        .to_owned()
}

fn flagged_versions(records: &[TlsSecretRecord]) -> Result<HashMap<&str, &str>, StoreError> {
    let mut seen = HashSet::new();
    let mut current = HashMap::new();
    for r in records {
        if !seen.insert((r.name.as_str(), r.version.as_str())) {
            return Err(StoreError::Invalid(format!(
                "secret {}/{} given twice",
                r.name, r.version
            )));
        }
        if r.is_current
            && let Some(other) = current.insert(r.name.as_str(), r.version.as_str())
        {
            return Err(StoreError::Invalid(format!(
                "two current versions of secret {}: {other} and {}",
                r.name, r.version
            )));
        }
    }
    Ok(current)
}

fn condition(filter: &TlsSecretFilter) -> Condition {
    use tls_secret::Column as C;
    let mut all = Condition::all();
    match filter.show {
        Show::Current => all = all.add(C::IsCurrent.eq(true)),
        Show::Previous => all = all.add(C::IsCurrent.eq(false)),
        Show::All => {}
    }
    if !filter.include_missing {
        all = all.add(C::IsMissing.eq(false));
    }
    if let Some(vault) = filter.vault {
        all = all.add(C::VaultId.eq(vault.0));
    }
    if let Some(credential) = &filter.credential {
        all = all.add(C::VaultId.in_subquery(vaults_of(credential)));
    }
    if let Some(before) = filter.expiring_before {
        all = all.add(C::Expiry.lt(before));
    }
    if let Some(pattern) = filter.search.as_deref().and_then(contains_pattern) {
        all = all.add(lower_like(C::Name, &pattern));
    }
    all
}

impl Store {
    /// Inserts or updates TLS secret versions of one vault, keyed by (name, version), with the
    /// same rules as [`Store::upsert_certificate_versions`]. The certificate link is kept.
    pub async fn upsert_tls_secret_versions(
        &self,
        vault_id: VaultId,
        records: &[TlsSecretRecord],
        now: i64,
    ) -> Result<UpsertCounts, StoreError> {
        let current = flagged_versions(records)?;
        let mut counts = UpsertCounts::default();
        if records.is_empty() {
            return Ok(counts);
        }
        let txn = self.begin_write().await?;
        if vault::Entity::find_by_id(vault_id.0).count(&txn).await? == 0 {
            return Err(StoreError::NotFound {
                entity: "vault",
                key: vault_id.to_string(),
            });
        }
        let names: Vec<String> = records
            .iter()
            .map(|r| r.name.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut existing = HashMap::new();
        for chunk in names.chunks(CHUNK) {
            let rows = tls_secret::Entity::find()
                .filter(tls_secret::Column::VaultId.eq(vault_id.0))
                .filter(tls_secret::Column::Name.is_in(chunk.iter().cloned()))
                .all(&txn)
                .await?;
            for row in rows {
                existing.insert((row.name.clone(), row.version.clone()), row);
            }
        }
        let mut inserts = Vec::new();
        for r in records {
            let flagged = current.get(r.name.as_str()).copied();
            match existing.get(&(r.name.clone(), r.version.clone())) {
                Some(row) => {
                    let is_current = flagged.map_or(row.is_current, |v| v == r.version);
                    let candidate = to_model(vault_id, r, row, is_current)?;
                    if candidate == *row {
                        counts.unchanged += 1;
                    } else {
                        candidate
                            .into_active_model()
                            .reset_all()
                            .update(&txn)
                            .await?;
                        counts.updated += 1;
                    }
                }
                None => {
                    let base = tls_secret::Model {
                        id: 0,
                        vault_id: vault_id.0,
                        name: String::new(),
                        version: String::new(),
                        is_current: false,
                        content_type: String::new(),
                        is_enabled: false,
                        activation: None,
                        expiry: None,
                        kv_created: 0,
                        kv_updated: 0,
                        is_managed: false,
                        tags: String::new(),
                        certificate_id: None,
                        is_missing: false,
                        discovered_at: now,
                    };
                    let is_current = flagged == Some(r.version.as_str());
                    let mut active = to_model(vault_id, r, &base, is_current)?
                        .into_active_model()
                        .reset_all();
                    active.id = NotSet;
                    inserts.push(active);
                    counts.added += 1;
                }
            }
        }
        for chunk in inserts.chunks(INSERT_ROWS) {
            tls_secret::Entity::insert_many(chunk.to_vec())
                .on_conflict(on_conflict())
                .exec_without_returning(&txn)
                .await?;
        }
        for (name, version) in current {
            tls_secret::Entity::update_many()
                .col_expr(tls_secret::Column::IsCurrent, Expr::value(false))
                .filter(tls_secret::Column::VaultId.eq(vault_id.0))
                .filter(tls_secret::Column::Name.eq(name))
                .filter(tls_secret::Column::Version.ne(version))
                .filter(tls_secret::Column::IsCurrent.eq(true))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(counts)
    }

    /// Marks every version of these secret names missing; returns how many rows changed.
    pub async fn mark_tls_secrets_missing(
        &self,
        vault_id: VaultId,
        names: &[String],
    ) -> Result<usize, StoreError> {
        let txn = self.begin_write().await?;
        let mut changed = 0;
        for chunk in names.chunks(CHUNK) {
            let result = tls_secret::Entity::update_many()
                .col_expr(tls_secret::Column::IsMissing, Expr::value(true))
                .filter(tls_secret::Column::VaultId.eq(vault_id.0))
                .filter(tls_secret::Column::Name.is_in(chunk.iter().cloned()))
                .filter(tls_secret::Column::IsMissing.eq(false))
                .exec(&txn)
                .await?;
            changed += count(result.rows_affected);
        }
        txn.commit().await?;
        Ok(changed)
    }

    /// Links a TLS secret version to the certificate version parsed from it (same vault).
    pub async fn link_tls_secret_certificate(
        &self,
        tls_secret_id: TlsSecretId,
        certificate_id: CertificateId,
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let Some(secret) = tls_secret::Entity::find_by_id(tls_secret_id.0)
            .one(&txn)
            .await?
        else {
            return Err(StoreError::NotFound {
                entity: "tls secret",
                key: tls_secret_id.to_string(),
            });
        };
        let Some(cert) = certificate::Entity::find_by_id(certificate_id.0)
            .one(&txn)
            .await?
        else {
            return Err(StoreError::NotFound {
                entity: "certificate",
                key: certificate_id.to_string(),
            });
        };
        if cert.vault_id != secret.vault_id {
            return Err(StoreError::Invalid(format!(
                "certificate {certificate_id} is in another vault than secret {tls_secret_id}"
            )));
        }
        tls_secret::Entity::update_many()
            .col_expr(tls_secret::Column::CertificateId, Expr::value(cert.id))
            .filter(tls_secret::Column::Id.eq(secret.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// TLS secret versions matching `filter`, soonest expiry first (none last), then by name.
    pub async fn list_tls_secrets(
        &self,
        filter: &TlsSecretFilter,
    ) -> Result<Vec<TlsSecret>, StoreError> {
        tls_secret::Entity::find()
            .filter(condition(filter))
            .order_by_with_nulls(tls_secret::Column::Expiry, Order::Asc, NullOrdering::Last)
            .order_by_asc(tls_secret::Column::Name)
            .order_by_asc(tls_secret::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_tls_secret)
            .collect()
    }

    /// How many TLS secret versions match `filter`.
    pub async fn count_tls_secrets(&self, filter: &TlsSecretFilter) -> Result<u64, StoreError> {
        Ok(tls_secret::Entity::find()
            .filter(condition(filter))
            .count(&self.db)
            .await?)
    }
}
