//! Paginated, filtered, sorted TLS secret versions and their facets (GROUP BY counts).
use std::collections::BTreeMap;

use sea_orm::sea_query::{Expr, Func, NullOrdering};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::Store;
use super::certificate_query::{contains_pattern, lower_like, vaults_of};
use super::sql::{Expiry, state_counts, tag_condition, to_u64, vault_name_of};
use super::tls_secrets::to_tls_secret;
use crate::entities::tls_secret;
use crate::model::Show;
use crate::model::page::{Page, PageRequest};
use crate::model::tls_secret_page::{
    TlsSecretFacets, TlsSecretPageFilter, TlsSecretSort, TlsSecretSummary,
};
use crate::{StoreError, VaultId};

/// TLS secret expiry states are evaluated on the expiry attribute; none counts as healthy.
const EXPIRY: Expiry<tls_secret::Column, tls_secret::Column> = Expiry {
    end: tls_secret::Column::Expiry,
    missing: tls_secret::Column::IsMissing,
    null_is_healthy: true,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Facet {
    None,
    Vault,
    State,
}

fn condition(filter: &TlsSecretPageFilter, skip: Facet) -> Result<Condition, StoreError> {
    use tls_secret::Column as C;
    let mut all = Condition::all();
    match filter.show {
        Show::Current => all = all.add(C::IsCurrent.eq(true)),
        Show::Previous => all = all.add(C::IsCurrent.eq(false)),
        Show::All => {}
    }
    if skip != Facet::State {
        match filter.state {
            Some(state) => {
                all = all.add(EXPIRY.condition(state, filter.now, filter.healthy_after_secs));
            }
            None if !filter.include_missing => all = all.add(C::IsMissing.eq(false)),
            None => {}
        }
    }
    if skip != Facet::Vault {
        if let Some(vault) = filter.vault {
            all = all.add(C::VaultId.eq(vault.0));
        }
        if !filter.vaults.is_empty() {
            all = all.add(C::VaultId.is_in(filter.vaults.iter().map(|v| v.0)));
        }
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
    if let Some(tag) = &filter.tag {
        all = all.add(tag_condition(C::Tags, tag)?);
    }
    if let Some(name) = &filter.name {
        all = all.add(C::Name.eq(name.clone()));
    }
    Ok(all)
}

fn fold<K: Ord>(rows: Vec<(K, i64)>) -> Vec<(K, u64)> {
    let mut out = BTreeMap::new();
    for (key, n) in rows {
        *out.entry(key).or_insert(0) += to_u64(n);
    }
    out.into_iter().collect()
}

impl Store {
    /// One page of the TLS secret versions matching `filter`, sorted by `sort` (descending with
    /// `descending`; no expiry sorts last either way), ties by name then id.
    pub async fn tls_secret_page(
        &self,
        filter: &TlsSecretPageFilter,
        sort: TlsSecretSort,
        descending: bool,
        page: PageRequest,
    ) -> Result<Page<TlsSecretSummary>, StoreError> {
        use tls_secret::Column as C;
        let page = page.clamped();
        let cond = condition(filter, Facet::None)?;
        let total = tls_secret::Entity::find()
            .filter(cond.clone())
            .count(&self.db)
            .await?;
        let order = if descending { Order::Desc } else { Order::Asc };
        let sort_expr = match sort {
            TlsSecretSort::Expiry => Expr::col((tls_secret::Entity, C::Expiry)),
            TlsSecretSort::Name => Expr::col((tls_secret::Entity, C::Name)),
            TlsSecretSort::Vault => vault_name_of((tls_secret::Entity, C::VaultId)),
            TlsSecretSort::Created => Expr::col((tls_secret::Entity, C::KvCreated)),
        };
        let rows = tls_secret::Entity::find()
            .filter(cond)
            .order_by_with_nulls(sort_expr, order, NullOrdering::Last)
            .order_by_asc(C::Name)
            .order_by_asc(C::Id)
            .offset(page.offset)
            .limit(page.limit)
            .all(&self.db)
            .await?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(to_tls_secret)
                .collect::<Result<_, _>>()?,
            total,
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// Counts of the TLS secret versions matching `filter` by vault, content type and expiry
    /// state, with the same rule as [`Store::certificate_facets`]: `by_vault` ignores `vault`
    /// and `vaults`, `by_state` ignores `state` and `include_missing`.
    pub async fn tls_secret_facets(
        &self,
        filter: &TlsSecretPageFilter,
    ) -> Result<TlsSecretFacets, StoreError> {
        use tls_secret::Column as C;
        let count = || Expr::expr(Func::count(Expr::col((tls_secret::Entity, C::Id))));
        let by_vault: Vec<(i64, i64)> = tls_secret::Entity::find()
            .select_only()
            .column(C::VaultId)
            .column_as(count(), "n")
            .filter(condition(filter, Facet::Vault)?)
            .group_by(C::VaultId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let by_content_type: Vec<(String, i64)> = tls_secret::Entity::find()
            .select_only()
            .column(C::ContentType)
            .column_as(count(), "n")
            .filter(condition(filter, Facet::None)?)
            .group_by(C::ContentType)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut states = tls_secret::Entity::find().select_only();
        for (expr, alias) in EXPIRY.count_exprs(filter.now, filter.healthy_after_secs) {
            states = states.column_as(expr, alias);
        }
        let by_state = states
            .filter(condition(filter, Facet::State)?)
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(TlsSecretFacets {
            by_vault: fold(by_vault.into_iter().map(|(v, n)| (VaultId(v), n)).collect()),
            by_content_type: fold(by_content_type),
            by_state: state_counts(by_state),
        })
    }
}
