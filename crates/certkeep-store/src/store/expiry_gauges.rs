//! What the Prometheus metrics are made of: the current, present version of every certificate
//! and TLS secret with its end of validity, issuer and tags (no DER is read), and the sync runs
//! counted by kind and outcome with the last finished one of each vault.
use std::collections::HashMap;

use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};

use super::Store;
use super::sync_runs::to_run;
use crate::entities::{certificate, sync_run, tls_secret};
use crate::model::Tags;
use crate::model::certificate::CertificateSource;
use crate::model::sync_run::SyncRun;
use crate::{StoreError, VaultId, json};

/// A certificate's current version, for its gauge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateExpiry {
    pub vault_id: VaultId,
    pub name: String,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    pub policy_issuer: Option<String>,
    pub tags: Tags,
}

/// A TLS secret's current version, for its gauges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSecretExpiry {
    pub vault_id: VaultId,
    pub name: String,
    /// The secret's `exp` attribute, if set.
    pub expiry: Option<i64>,
    /// The notAfter of the certificate inside, when it was read.
    pub certificate_not_after: Option<i64>,
    /// Key Vault manages it: the secret backing a Key Vault certificate.
    pub is_managed: bool,
    pub tags: Tags,
}

/// Sync runs of one kind that ended one way (or are running).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncRunCount {
    pub kind: String,
    /// `running`, `succeeded` or `failed`.
    pub outcome: String,
    pub count: u64,
}

#[derive(FromQueryResult)]
struct CertificateRow {
    vault_id: i64,
    name: String,
    not_after: i64,
    policy_issuer: Option<String>,
    tags: String,
}

#[derive(FromQueryResult)]
struct SecretRow {
    vault_id: i64,
    name: String,
    expiry: Option<i64>,
    certificate_id: Option<i64>,
    is_managed: bool,
    tags: String,
}

impl Store {
    /// The current, present version of every Key Vault certificate (those read from TLS
    /// secrets are the secrets' own gauges).
    pub async fn current_certificate_expiries(&self) -> Result<Vec<CertificateExpiry>, StoreError> {
        use certificate::Column as C;
        let rows = certificate::Entity::find()
            .select_only()
            .columns([C::VaultId, C::Name, C::NotAfter, C::PolicyIssuer, C::Tags])
            .filter(C::IsCurrent.eq(true))
            .filter(C::IsMissing.eq(false))
            .filter(C::Source.eq(CertificateSource::KeyVault.as_str()))
            .into_model::<CertificateRow>()
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(CertificateExpiry {
                    vault_id: VaultId(r.vault_id),
                    name: r.name,
                    not_after: r.not_after,
                    policy_issuer: r.policy_issuer,
                    tags: json::decode(&r.tags, "certificates.tags")?,
                })
            })
            .collect()
    }

    /// The current, present version of every TLS secret, with the notAfter of the
    /// certificate found inside it.
    pub async fn current_tls_secret_expiries(&self) -> Result<Vec<TlsSecretExpiry>, StoreError> {
        use tls_secret::Column as S;
        let present = || {
            Query::select()
                .column(S::CertificateId)
                .from(tls_secret::Entity)
                .and_where(S::IsCurrent.eq(true))
                .and_where(S::IsMissing.eq(false))
                .and_where(S::CertificateId.is_not_null())
                .to_owned()
        };
        let rows = tls_secret::Entity::find()
            .select_only()
            .columns([
                S::VaultId,
                S::Name,
                S::Expiry,
                S::CertificateId,
                S::IsManaged,
                S::Tags,
            ])
            .filter(S::IsCurrent.eq(true))
            .filter(S::IsMissing.eq(false))
            .into_model::<SecretRow>()
            .all(&self.db)
            .await?;
        let not_after: HashMap<i64, i64> = certificate::Entity::find()
            .select_only()
            .columns([certificate::Column::Id, certificate::Column::NotAfter])
            .filter(certificate::Column::Id.in_subquery(present()))
            .into_tuple::<(i64, i64)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        rows.into_iter()
            .map(|r| {
                Ok(TlsSecretExpiry {
                    vault_id: VaultId(r.vault_id),
                    name: r.name,
                    expiry: r.expiry,
                    certificate_not_after: r
                        .certificate_id
                        .and_then(|id| not_after.get(&id).copied()),
                    is_managed: r.is_managed,
                    tags: json::decode(&r.tags, "tls_secrets.tags")?,
                })
            })
            .collect()
    }

    /// Runs counted by kind and outcome, and the last finished run of each (kind, vault).
    pub async fn sync_run_stats(&self) -> Result<(Vec<SyncRunCount>, Vec<SyncRun>), StoreError> {
        use sync_run::Column as R;
        let counts: Vec<(String, String, i64)> = sync_run::Entity::find()
            .select_only()
            .columns([R::Kind, R::Outcome])
            .column_as(sea_orm::sea_query::Expr::cust("COUNT(*)"), "n")
            .group_by(R::Kind)
            .group_by(R::Outcome)
            .into_tuple()
            .all(&self.db)
            .await?;
        let last_ids = Query::select()
            .expr(sea_orm::sea_query::Func::max(
                sea_orm::sea_query::Expr::col(R::Id),
            ))
            .from(sync_run::Entity)
            .and_where(R::FinishedAt.is_not_null())
            .and_where(R::VaultId.is_not_null())
            .group_by_columns([R::Kind, R::VaultId])
            .to_owned();
        let last = sync_run::Entity::find()
            .filter(R::Id.in_subquery(last_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_run)
            .collect::<Result<_, _>>()?;
        let counts = counts
            .into_iter()
            .map(|(kind, outcome, n)| SyncRunCount {
                kind,
                outcome,
                count: u64::try_from(n).unwrap_or(0),
            })
            .collect();
        Ok((counts, last))
    }
}
