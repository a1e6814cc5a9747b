//! Certificate versions: idempotent batch upserts during discovery, current-version switching,
//! missing/present marking, and the markers that make discovery incremental.
use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect,
};

use super::certificate_rows::{RowMeta, to_model};
use super::{CHUNK, Store, count};
use crate::entities::{certificate, vault};
use crate::model::UpsertCounts;
use crate::model::certificate::{CertificateRecord, CertificateSource, CertificateUpsert};
use crate::{StoreError, VaultId};

/// Rows per multi-row insert (about 40 bound values each).
const INSERT_ROWS: usize = 100;

/// On a concurrent insert of the same version, the later one's data wins.
fn on_conflict() -> OnConflict {
    use certificate::Column as C;
    OnConflict::columns([C::VaultId, C::Source, C::Name, C::Version])
        .update_columns([
            C::IsCurrent,
            C::SourceSecretName,
            C::SourceSecretVersion,
            C::KvId,
            C::X5t,
            C::IsEnabled,
            C::KvCreated,
            C::KvUpdated,
            C::Nbf,
            C::Exp,
            C::Tags,
            C::PolicyIssuer,
            C::ContentType,
            C::Subject,
            C::IssuerDn,
            C::SerialHex,
            C::Sans,
            C::KeyUsage,
            C::IsKeyUsageCritical,
            C::Ekus,
            C::IsEkuCritical,
            C::KeyType,
            C::KeySize,
            C::KeyCurve,
            C::SignatureAlgorithm,
            C::NotBefore,
            C::NotAfter,
            C::Sha1Hex,
            C::Sha256Hex,
            C::Der,
            C::IsMissing,
            C::RefreshedAt,
        ])
        .to_owned()
}

/// Rejects a batch that names a version twice or flags two versions of a name current; returns
/// the flagged version of each (source, name).
fn flagged_versions<'a>(
    records: &[(&'a CertificateRecord, Option<bool>)],
) -> Result<HashMap<(CertificateSource, &'a str), &'a str>, StoreError> {
    let mut seen = HashSet::new();
    let mut current = HashMap::new();
    for (r, _) in records {
        if !seen.insert((r.source, r.name.as_str(), r.version.as_str())) {
            return Err(StoreError::Invalid(format!(
                "certificate {}/{} given twice",
                r.name, r.version
            )));
        }
        if r.is_current
            && let Some(other) = current.insert((r.source, r.name.as_str()), r.version.as_str())
        {
            return Err(StoreError::Invalid(format!(
                "two current versions of certificate {}: {other} and {}",
                r.name, r.version
            )));
        }
    }
    Ok(current)
}

impl Store {
    /// Inserts or updates certificate versions of one vault, keyed by (source, name, version).
    /// Idempotent: a version stored exactly as given counts as unchanged and is not written. When
    /// a record is flagged current, it becomes the only current version of its (source, name);
    /// names with no flagged record keep their flags. A missing version given again is present
    /// again. Not audited: the discovery's run and audit event are written by
    /// [`Store::finish_sync_run`].
    ///
    /// Records carry no `is_eku_critical`: a stored version keeps its flag, a new one gets
    /// `false` ([`Store::upsert_certificates`] sets it).
    pub async fn upsert_certificate_versions(
        &self,
        vault_id: VaultId,
        records: &[CertificateRecord],
        now: i64,
    ) -> Result<UpsertCounts, StoreError> {
        let items: Vec<_> = records.iter().map(|r| (r, None)).collect();
        self.upsert_certificate_items(vault_id, &items, now).await
    }

    /// [`Store::upsert_certificate_versions`] with the fields a [`CertificateRecord`] does not
    /// carry (`is_eku_critical`), which are stored as given.
    pub async fn upsert_certificates(
        &self,
        vault_id: VaultId,
        versions: &[CertificateUpsert],
        now: i64,
    ) -> Result<UpsertCounts, StoreError> {
        let items: Vec<_> = versions
            .iter()
            .map(|v| (&v.record, Some(v.is_eku_critical)))
            .collect();
        self.upsert_certificate_items(vault_id, &items, now).await
    }

    /// Records with their EKU criticality (`None`: keep the stored flag, `false` when new).
    async fn upsert_certificate_items(
        &self,
        vault_id: VaultId,
        records: &[(&CertificateRecord, Option<bool>)],
        now: i64,
    ) -> Result<UpsertCounts, StoreError> {
        if records.is_empty() {
            return Ok(UpsertCounts::default());
        }
        let txn = self.begin_write().await?;
        let counts = upsert_in(&txn, vault_id, records, now).await?;
        txn.commit().await?;
        Ok(counts)
    }

    /// For incremental discovery: each Key Vault certificate name's current, present version's
    /// `(x5t, kv_updated)`. A name whose listing shows the same pair needs no fetch.
    pub async fn current_certificate_markers(
        &self,
        vault_id: VaultId,
    ) -> Result<HashMap<String, (String, i64)>, StoreError> {
        let rows: Vec<(String, String, i64)> = certificate::Entity::find()
            .select_only()
            .column(certificate::Column::Name)
            .column(certificate::Column::X5t)
            .column(certificate::Column::KvUpdated)
            .filter(certificate::Column::VaultId.eq(vault_id.0))
            .filter(certificate::Column::Source.eq(CertificateSource::KeyVault.as_str()))
            .filter(certificate::Column::IsCurrent.eq(true))
            .filter(certificate::Column::IsMissing.eq(false))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(name, x5t, updated)| (name, (x5t, updated)))
            .collect())
    }

    /// Marks every version of these names (from `source`) missing; returns how many rows changed.
    /// Rows are kept.
    pub async fn mark_certificates_missing(
        &self,
        vault_id: VaultId,
        source: CertificateSource,
        names: &[String],
        now: i64,
    ) -> Result<usize, StoreError> {
        self.set_certificates_missing(vault_id, source, names, true, now)
            .await
    }

    /// Marks every version of these names (from `source`) present again; returns how many rows
    /// changed.
    pub async fn mark_certificates_present(
        &self,
        vault_id: VaultId,
        source: CertificateSource,
        names: &[String],
        now: i64,
    ) -> Result<usize, StoreError> {
        self.set_certificates_missing(vault_id, source, names, false, now)
            .await
    }

    async fn set_certificates_missing(
        &self,
        vault_id: VaultId,
        source: CertificateSource,
        names: &[String],
        is_missing: bool,
        now: i64,
    ) -> Result<usize, StoreError> {
        let txn = self.begin_write().await?;
        let mut changed = 0;
        for chunk in names.chunks(CHUNK) {
            let result = certificate::Entity::update_many()
                .col_expr(certificate::Column::IsMissing, Expr::value(is_missing))
                .col_expr(certificate::Column::RefreshedAt, Expr::value(now))
                .filter(certificate::Column::VaultId.eq(vault_id.0))
                .filter(certificate::Column::Source.eq(source.as_str()))
                .filter(certificate::Column::Name.is_in(chunk.iter().cloned()))
                .filter(certificate::Column::IsMissing.eq(!is_missing))
                .exec(&txn)
                .await?;
            changed += count(result.rows_affected);
        }
        txn.commit().await?;
        Ok(changed)
    }
}

/// The upsert inside a write transaction the caller commits (with whatever else belongs to it).
pub(super) async fn upsert_in(
    txn: &DatabaseTransaction,
    vault_id: VaultId,
    records: &[(&CertificateRecord, Option<bool>)],
    now: i64,
) -> Result<UpsertCounts, StoreError> {
    let current = flagged_versions(records)?;
    let mut counts = UpsertCounts::default();
    if vault::Entity::find_by_id(vault_id.0).count(txn).await? == 0 {
        return Err(StoreError::NotFound {
            entity: "vault",
            key: vault_id.to_string(),
        });
    }
    let names: Vec<String> = records
        .iter()
        .map(|(r, _)| r.name.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut existing = HashMap::new();
    for chunk in names.chunks(CHUNK) {
        let rows = certificate::Entity::find()
            .filter(certificate::Column::VaultId.eq(vault_id.0))
            .filter(certificate::Column::Name.is_in(chunk.iter().cloned()))
            .all(txn)
            .await?;
        for row in rows {
            existing.insert(
                (row.source.clone(), row.name.clone(), row.version.clone()),
                row,
            );
        }
    }
    let mut inserts = Vec::new();
    for &(r, eku_critical) in records {
        let flagged = current.get(&(r.source, r.name.as_str())).copied();
        let key = (
            r.source.as_str().to_string(),
            r.name.clone(),
            r.version.clone(),
        );
        match existing.get(&key) {
            Some(row) => {
                let meta = RowMeta {
                    id: row.id,
                    is_current: flagged.map_or(row.is_current, |v| v == r.version),
                    is_eku_critical: eku_critical.unwrap_or(row.is_eku_critical),
                    discovered_at: row.discovered_at,
                    refreshed_at: row.refreshed_at,
                };
                let candidate = to_model(vault_id, r, meta)?;
                if candidate == *row {
                    counts.unchanged += 1;
                } else {
                    let changed = certificate::Model {
                        refreshed_at: now,
                        ..candidate
                    };
                    changed.into_active_model().reset_all().update(txn).await?;
                    counts.updated += 1;
                }
            }
            None => {
                let meta = RowMeta {
                    id: 0,
                    is_current: flagged == Some(r.version.as_str()),
                    is_eku_critical: eku_critical.unwrap_or(false),
                    discovered_at: now,
                    refreshed_at: now,
                };
                let mut active = to_model(vault_id, r, meta)?.into_active_model().reset_all();
                active.id = NotSet;
                inserts.push(active);
                counts.added += 1;
            }
        }
    }
    for chunk in inserts.chunks(INSERT_ROWS) {
        certificate::Entity::insert_many(chunk.to_vec())
            .on_conflict(on_conflict())
            .exec_without_returning(txn)
            .await?;
    }
    for ((source, name), version) in current {
        certificate::Entity::update_many()
            .col_expr(certificate::Column::IsCurrent, Expr::value(false))
            .filter(certificate::Column::VaultId.eq(vault_id.0))
            .filter(certificate::Column::Source.eq(source.as_str()))
            .filter(certificate::Column::Name.eq(name))
            .filter(certificate::Column::Version.ne(version))
            .filter(certificate::Column::IsCurrent.eq(true))
            .exec(txn)
            .await?;
    }
    Ok(counts)
}
