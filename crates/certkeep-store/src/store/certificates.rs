//! Certificate versions: idempotent batch upserts during discovery, current-version switching,
//! missing/present marking, and the markers that make discovery incremental.
use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect,
};

use super::{CHUNK, Store, count};
use crate::entities::{certificate, vault};
use crate::model::UpsertCounts;
use crate::model::certificate::{Certificate, CertificateRecord, CertificateSource};
use crate::{CertificateId, StoreError, VaultId, json};

/// Rows per multi-row insert (about 40 bound values each).
const INSERT_ROWS: usize = 100;

/// The store-owned fields of a row.
struct RowMeta {
    id: i64,
    is_current: bool,
    discovered_at: i64,
    refreshed_at: i64,
}

fn to_model(
    vault_id: VaultId,
    r: &CertificateRecord,
    meta: RowMeta,
) -> Result<certificate::Model, StoreError> {
    Ok(certificate::Model {
        id: meta.id,
        vault_id: vault_id.0,
        name: r.name.clone(),
        version: r.version.clone(),
        is_current: meta.is_current,
        source: r.source.as_str().to_string(),
        source_secret_name: r.source_secret_name.clone(),
        source_secret_version: r.source_secret_version.clone(),
        kv_id: r.kv_id.clone(),
        x5t: r.x5t.clone(),
        is_enabled: r.is_enabled,
        kv_created: r.kv_created,
        kv_updated: r.kv_updated,
        nbf: r.nbf,
        exp: r.exp,
        tags: json::encode(&r.tags)?,
        policy_issuer: r.policy_issuer.clone(),
        content_type: r.content_type.clone(),
        subject: r.subject.clone(),
        issuer_dn: r.issuer_dn.clone(),
        serial_hex: r.serial_hex.clone(),
        sans: json::encode(&r.sans)?,
        key_usage: json::encode(&r.key_usage)?,
        is_key_usage_critical: r.is_key_usage_critical,
        ekus: json::encode(&r.ekus)?,
        key_type: r.key_type.clone(),
        key_size: r.key_size,
        key_curve: r.key_curve.clone(),
        signature_algorithm: r.signature_algorithm.clone(),
        not_before: r.not_before,
        not_after: r.not_after,
        sha1_hex: r.sha1_hex.clone(),
        sha256_hex: r.sha256_hex.clone(),
        der: r.der.clone(),
        is_missing: false,
        discovered_at: meta.discovered_at,
        refreshed_at: meta.refreshed_at,
    })
}

pub(super) fn to_certificate(m: certificate::Model) -> Result<Certificate, StoreError> {
    Ok(Certificate {
        id: CertificateId(m.id),
        vault_id: VaultId(m.vault_id),
        record: CertificateRecord {
            source: CertificateSource::parse(&m.source)?,
            tags: json::decode(&m.tags, "certificates.tags")?,
            sans: json::decode(&m.sans, "certificates.sans")?,
            key_usage: json::decode(&m.key_usage, "certificates.key_usage")?,
            ekus: json::decode(&m.ekus, "certificates.ekus")?,
            name: m.name,
            version: m.version,
            is_current: m.is_current,
            source_secret_name: m.source_secret_name,
            source_secret_version: m.source_secret_version,
            kv_id: m.kv_id,
            x5t: m.x5t,
            is_enabled: m.is_enabled,
            kv_created: m.kv_created,
            kv_updated: m.kv_updated,
            nbf: m.nbf,
            exp: m.exp,
            policy_issuer: m.policy_issuer,
            content_type: m.content_type,
            subject: m.subject,
            issuer_dn: m.issuer_dn,
            serial_hex: m.serial_hex,
            is_key_usage_critical: m.is_key_usage_critical,
            key_type: m.key_type,
            key_size: m.key_size,
            key_curve: m.key_curve,
            signature_algorithm: m.signature_algorithm,
            not_before: m.not_before,
            not_after: m.not_after,
            sha1_hex: m.sha1_hex,
            sha256_hex: m.sha256_hex,
            der: m.der,
        },
        is_missing: m.is_missing,
        discovered_at: m.discovered_at,
        refreshed_at: m.refreshed_at,
    })
}

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
fn flagged_versions(
    records: &[CertificateRecord],
) -> Result<HashMap<(CertificateSource, &str), &str>, StoreError> {
    let mut seen = HashSet::new();
    let mut current = HashMap::new();
    for r in records {
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
    pub async fn upsert_certificate_versions(
        &self,
        vault_id: VaultId,
        records: &[CertificateRecord],
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
            let rows = certificate::Entity::find()
                .filter(certificate::Column::VaultId.eq(vault_id.0))
                .filter(certificate::Column::Name.is_in(chunk.iter().cloned()))
                .all(&txn)
                .await?;
            for row in rows {
                existing.insert(
                    (row.source.clone(), row.name.clone(), row.version.clone()),
                    row,
                );
            }
        }
        let mut inserts = Vec::new();
        for r in records {
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
                        changed.into_active_model().reset_all().update(&txn).await?;
                        counts.updated += 1;
                    }
                }
                None => {
                    let meta = RowMeta {
                        id: 0,
                        is_current: flagged == Some(r.version.as_str()),
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
                .exec_without_returning(&txn)
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
                .exec(&txn)
                .await?;
        }
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
