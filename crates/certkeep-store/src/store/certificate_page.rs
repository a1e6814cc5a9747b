//! Paginated, filtered, sorted certificate summaries (the DER column is never selected), their
//! facets (GROUP BY counts), and every version of one name for a detail view.
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use sea_orm::sea_query::{Expr, ExprTrait, Func, SimpleExpr};
use sea_orm::{
    ColumnTrait, DerivePartialModel, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};

use super::Store;
use super::certificate_filter::{EXPIRY, Facet, SearchMatch, condition};
use super::certificate_rows::to_certificate;
use super::count_cache::{GenerationOnce, key_of};
use super::ordered_ids::{Lookup, page_of};
use super::search_index::Partition;
use super::sql::{state_counts, to_u64, vault_name_of};
use crate::entities::certificate;
use crate::model::Show;
use crate::model::certificate::{Certificate, CertificateFilter, CertificateSource};
use crate::model::certificate_page::{
    CertificateFacets, CertificateSort, CertificateSummary, IssuerKind,
};
use crate::model::page::{Page, PageRequest, StateCounts};
use crate::{CertificateId, StoreError, VaultId, json};

/// The facets that a cache may keep while the inventory is unchanged.
#[derive(Clone, Debug)]
pub(crate) struct TimelessFacets {
    pub(super) by_vault: Vec<(VaultId, u64)>,
    pub(super) by_issuer: Vec<(String, u64)>,
    pub(super) by_issuer_kind: Vec<(IssuerKind, u64)>,
    pub(super) by_key_type: Vec<(String, u64)>,
    pub(super) by_tag: Vec<(String, u64)>,
}

impl TimelessFacets {
    fn with_states(self, by_state: StateCounts) -> CertificateFacets {
        CertificateFacets {
            by_vault: self.by_vault,
            by_issuer: self.by_issuer,
            by_issuer_kind: self.by_issuer_kind,
            by_key_type: self.by_key_type,
            by_tag: self.by_tag,
            by_state,
        }
    }
}

/// From this offset on, a page's ids are found first (a deferred join).
const DEFERRED_JOIN_OFFSET: u64 = 1_000;

/// The columns of a summary: every column but `der`.
#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "certificate::Entity")]
struct SummaryRow {
    id: i64,
    vault_id: i64,
    source: String,
    name: String,
    version: String,
    is_current: bool,
    source_secret_name: Option<String>,
    source_secret_version: Option<String>,
    kv_id: String,
    x5t: String,
    is_enabled: bool,
    kv_created: i64,
    kv_updated: i64,
    nbf: Option<i64>,
    exp: Option<i64>,
    tags: String,
    policy_issuer: Option<String>,
    content_type: Option<String>,
    subject: String,
    issuer_dn: String,
    serial_hex: String,
    sans: String,
    key_usage: String,
    is_key_usage_critical: bool,
    ekus: String,
    is_eku_critical: bool,
    key_type: String,
    key_size: i32,
    key_curve: Option<String>,
    signature_algorithm: String,
    not_before: i64,
    not_after: i64,
    sha1_hex: String,
    sha256_hex: String,
    is_missing: bool,
    discovered_at: i64,
    refreshed_at: i64,
}

fn to_summary(m: SummaryRow) -> Result<CertificateSummary, StoreError> {
    Ok(CertificateSummary {
        id: CertificateId(m.id),
        vault_id: VaultId(m.vault_id),
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
        is_eku_critical: m.is_eku_critical,
        key_type: m.key_type,
        key_size: m.key_size,
        key_curve: m.key_curve,
        signature_algorithm: m.signature_algorithm,
        not_before: m.not_before,
        not_after: m.not_after,
        sha1_hex: m.sha1_hex,
        sha256_hex: m.sha256_hex,
        is_missing: m.is_missing,
        discovered_at: m.discovered_at,
        refreshed_at: m.refreshed_at,
    })
}

fn sort_expr(sort: CertificateSort) -> SimpleExpr {
    use certificate::Column as C;
    let col = |c: C| Expr::col((certificate::Entity, c));
    match sort {
        CertificateSort::NotAfter => col(C::NotAfter),
        CertificateSort::Name => col(C::Name),
        CertificateSort::Vault => vault_name_of((certificate::Entity, C::VaultId)),
        CertificateSort::Subject => col(C::Subject),
        CertificateSort::Issuer => {
            Expr::expr(Func::coalesce([col(C::PolicyIssuer), Expr::val("Unknown")]))
        }
        CertificateSort::KeyType => col(C::KeyType),
        CertificateSort::DiscoveredAt => col(C::DiscoveredAt),
    }
}

/// `select` in the listing's order: `sort`, ties by name then id, all reversed with
/// `descending` (ties included, so one index serves both directions).
fn in_order(
    select: sea_orm::Select<certificate::Entity>,
    sort: CertificateSort,
    descending: bool,
) -> sea_orm::Select<certificate::Entity> {
    let order = if descending { Order::Desc } else { Order::Asc };
    select
        .order_by(sort_expr(sort), order.clone())
        .order_by(certificate::Column::Name, order.clone())
        .order_by(certificate::Column::Id, order)
}

/// Sums grouped counts by a key derived from the group's value.
fn fold<K: Ord, V>(rows: Vec<(V, i64)>, key: impl Fn(V) -> K) -> Vec<(K, u64)> {
    let mut out = BTreeMap::new();
    for (value, n) in rows {
        *out.entry(key(value)).or_insert(0) += to_u64(n);
    }
    out.into_iter().collect()
}

impl Store {
    /// One page of the certificate versions matching `filter`, sorted by `sort`, ties by name
    /// then id (all reversed with `descending`); `total` counts every match (counted only when
    /// the page is full or past the end; cached while the inventory is unchanged). Reads no DER.
    pub async fn certificate_page(
        &self,
        filter: &CertificateFilter,
        sort: CertificateSort,
        descending: bool,
        page: PageRequest,
    ) -> Result<Page<CertificateSummary>, StoreError> {
        let page = page.clamped();
        let mut generation = GenerationOnce::default();
        let search = self.search_match(filter, &mut generation).await?;
        if let Some(by_position) = self
            .page_by_position(filter, sort, descending, page, &search, &mut generation)
            .await?
        {
            return Ok(by_position);
        }
        let cond = condition(filter, Facet::None, &search)?;
        let ordered = |select| in_order(select, sort, descending);
        let mut select = ordered(certificate::Entity::find().filter(cond.clone()));
        if page.offset >= DEFERRED_JOIN_OFFSET {
            // A deep page: find its ids by walking an index only, then read those rows (rather
            // than reading every skipped row).
            let ids = ordered(certificate::Entity::find().filter(cond))
                .select_only()
                .column(certificate::Column::Id)
                .offset(page.offset)
                .limit(page.limit)
                .into_query();
            select = ordered(
                certificate::Entity::find().filter(certificate::Column::Id.in_subquery(ids)),
            );
        } else {
            select = select.offset(page.offset).limit(page.limit);
        }
        let rows = select
            .into_partial_model::<SummaryRow>()
            .all(&self.db)
            .await?;
        // A page that is not full ends the result: its end is the total, with no count.
        let rows_len = rows.len() as u64;
        let total = if rows_len < page.limit && (rows_len > 0 || page.offset == 0) {
            page.offset + rows_len
        } else {
            self.count_with(filter, &search, &mut generation).await?
        };
        Ok(Page {
            items: rows.into_iter().map(to_summary).collect::<Result<_, _>>()?,
            total,
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// A deep page, or a page of a search the index resolved to ids, from the ordered ids of
    /// the filter (its search aside) kept while the inventory is unchanged; `None` when the
    /// page is read in SQL (a first page, a time-dependent filter, a list paused).
    async fn page_by_position(
        &self,
        filter: &CertificateFilter,
        sort: CertificateSort,
        descending: bool,
        page: PageRequest,
        search: &SearchMatch,
        generation: &mut GenerationOnce,
    ) -> Result<Option<Page<CertificateSummary>>, StoreError> {
        let found = match search {
            SearchMatch::Ids(ids) => Some(ids.as_slice()),
            SearchMatch::None if page.offset >= DEFERRED_JOIN_OFFSET => None,
            _ => return Ok(None),
        };
        let base = CertificateFilter {
            search: None,
            ..filter.clone()
        };
        let Some(key) = key_of(&base) else {
            return Ok(None);
        };
        let key = format!("{key}|{sort:?}|{descending}");
        let generation = generation.get(self).await?;
        let ordered = match self.ordered.lookup(&key, generation) {
            Lookup::Fresh(ids) => ids,
            Lookup::Pause => return Ok(None),
            Lookup::Build => {
                let select = certificate::Entity::find()
                    .select_only()
                    .column(certificate::Column::Id)
                    .filter(condition(&base, Facet::None, &SearchMatch::None)?);
                let ids: Vec<i64> = in_order(select, sort, descending)
                    .into_tuple()
                    .all(&self.db)
                    .await?;
                let ids = Arc::new(ids);
                self.ordered.put(key, generation, ids.clone());
                ids
            }
        };
        let (ids, total) = page_of(&ordered, found, page.offset, page.limit);
        // The page's rows by id (by primary key only: with the filter's flags too, the planner
        // may walk a flag index instead), in order; a row deleted since is left out.
        let mut rows: HashMap<i64, SummaryRow> = if ids.is_empty() {
            HashMap::new()
        } else {
            certificate::Entity::find()
                .filter(certificate::Column::Id.is_in(ids.iter().copied()))
                .into_partial_model::<SummaryRow>()
                .all(&self.db)
                .await?
                .into_iter()
                .map(|r| (r.id, r))
                .collect()
        };
        Ok(Some(Page {
            items: ids
                .iter()
                .filter_map(|id| rows.remove(id))
                .map(to_summary)
                .collect::<Result<_, _>>()?,
            total,
            offset: page.offset,
            limit: page.limit,
        }))
    }

    /// Counts of the versions matching `filter` by vault, issuer, issuer kind, key type and
    /// expiry state, each computed with GROUP BY / COUNT in the database. Each facet is counted
    /// under the whole filter except that facet's own fields (`by_vault` ignores `vault` and
    /// `vaults`, `by_issuer` ignores `issuer`, `by_issuer_kind` ignores `issuer_kind`,
    /// `by_key_type` ignores `key_type`, `by_state` ignores `state` and `include_missing`), so a
    /// facet lists the alternatives to its current selection. With no such field set, every
    /// facet counts exactly the filter's rows (and `by_state.missing` the missing ones).
    pub async fn certificate_facets(
        &self,
        filter: &CertificateFilter,
    ) -> Result<CertificateFacets, StoreError> {
        // Every version the search finds that the filter could show: the state facet counts
        // missing ones too. (Previous versions are most of the index: a listing of current
        // versions does not scan them.)
        let mut generation = GenerationOnce::default();
        let partition = if filter.show == Show::Current {
            Partition::CurrentWithMissing
        } else {
            Partition::All
        };
        let search = self
            .search_match_in(filter, partition, &mut generation)
            .await?;
        if let SearchMatch::Ids(_) = search {
            let (timeless, by_state) = self.facets_in_memory(filter, &search).await?;
            return Ok(timeless.with_states(by_state));
        }
        let timeless = match key_of(filter) {
            Some(key) => {
                let generation = generation.get(self).await?;
                match self.facets.get(&key, generation) {
                    Some(cached) => cached,
                    None => {
                        let counted = self.timeless_facets(filter, &search).await?;
                        self.facets.put(key, generation, counted.clone());
                        counted
                    }
                }
            }
            None => self.timeless_facets(filter, &search).await?,
        };
        // The states depend on the time: counted at `now` from the cached notAfter values, or
        // in the database when the filter has an expiry cutoff.
        let by_state = match self.state_facet(filter, &search, &mut generation).await? {
            Some(counts) => counts,
            None => {
                let mut states = certificate::Entity::find().select_only();
                for (expr, alias) in EXPIRY.count_exprs(filter.now, filter.healthy_after_secs) {
                    states = states.column_as(expr, alias);
                }
                state_counts(
                    states
                        .filter(condition(filter, Facet::State, &search)?)
                        .into_tuple()
                        .one(&self.db)
                        .await?,
                )
            }
        };
        Ok(timeless.with_states(by_state))
    }

    /// The facets that do not depend on the time (for a filter without a state).
    async fn timeless_facets(
        &self,
        filter: &CertificateFilter,
        search: &SearchMatch,
    ) -> Result<TimelessFacets, StoreError> {
        use certificate::Column as C;
        // COUNT(*), not COUNT(id): the facets index covers the query only without the id.
        let count = || Expr::cust("COUNT(*)");
        let by_vault: Vec<(i64, i64)> = certificate::Entity::find()
            .select_only()
            .column(C::VaultId)
            .column_as(count(), "n")
            .filter(condition(filter, Facet::Vault, search)?)
            .group_by(C::VaultId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let grouped_issuers = |skip| async move {
            let rows: Vec<(Option<String>, i64)> = certificate::Entity::find()
                .select_only()
                .column(C::PolicyIssuer)
                .column_as(count(), "n")
                .filter(condition(filter, skip, search)?)
                .group_by(C::PolicyIssuer)
                .into_tuple()
                .all(&self.db)
                .await?;
            Ok::<_, StoreError>(rows)
        };
        let by_issuer = grouped_issuers(Facet::Issuer).await?;
        let by_issuer_kind = grouped_issuers(Facet::IssuerKind).await?;
        let by_key_type: Vec<(String, i64)> = certificate::Entity::find()
            .select_only()
            .column(C::KeyType)
            .column_as(count(), "n")
            .filter(condition(filter, Facet::KeyType, search)?)
            .group_by(C::KeyType)
            .into_tuple()
            .all(&self.db)
            .await?;
        let by_tag = self.tag_facet(filter, search).await?;
        Ok(TimelessFacets {
            by_tag,
            by_vault: fold(by_vault, VaultId),
            by_issuer: fold(by_issuer, |i| i.unwrap_or_else(|| "Unknown".to_string())),
            by_issuer_kind: fold(by_issuer_kind, |i| IssuerKind::of(i.as_deref())),
            by_key_type: fold(by_key_type, |k| k),
        })
    }

    /// Distinct certificates (by SHA-256) among the current, present versions that are expired
    /// at `now`, and that expire within `within` seconds after it: one aggregate query.
    pub async fn distinct_current_expiry(
        &self,
        now: i64,
        within: i64,
    ) -> Result<(u64, u64), StoreError> {
        use certificate::Column as C;
        let sha256_when = |cond: SimpleExpr| {
            Expr::expr(Func::count_distinct(Expr::case(
                cond,
                Expr::col(C::Sha256Hex),
            )))
        };
        let not_after = || Expr::col(C::NotAfter);
        let (expired, expiring): (i64, i64) = certificate::Entity::find()
            .select_only()
            .column_as(sha256_when(not_after().lte(now)), "expired")
            .column_as(
                sha256_when(
                    not_after()
                        .gt(now)
                        .and(not_after().lte(now.saturating_add(within))),
                ),
                "expiring",
            )
            .filter(C::IsCurrent.eq(true))
            .filter(C::IsMissing.eq(false))
            // Only these rows can count: a range of the current versions' expiry index.
            .filter(C::NotAfter.lte(now.saturating_add(within)))
            .into_tuple()
            .one(&self.db)
            .await?
            .unwrap_or_default();
        Ok((to_u64(expired), to_u64(expiring)))
    }

    /// Every stored version (either source, missing ones included, with DER) of one name in a
    /// vault, newest first (Key Vault created time, then id).
    pub async fn find_certificate_versions(
        &self,
        vault_id: VaultId,
        name: &str,
    ) -> Result<Vec<Certificate>, StoreError> {
        certificate::Entity::find()
            .filter(certificate::Column::VaultId.eq(vault_id.0))
            .filter(certificate::Column::Name.eq(name))
            .order_by_desc(certificate::Column::KvCreated)
            .order_by_desc(certificate::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_certificate)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, EntityTrait, PartialModelTrait, QuerySelect, QueryTrait};

    use super::SummaryRow;
    use crate::entities::certificate;

    #[test]
    fn summaries_never_select_the_der() {
        let select = SummaryRow::select_cols(certificate::Entity::find().select_only());
        let sql = select.build(DbBackend::Postgres).to_string();
        assert!(!sql.contains("\"der\""), "{sql}");
        assert!(sql.contains("\"sha256_hex\""), "{sql}");
    }
}
