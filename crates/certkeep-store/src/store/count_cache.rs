//! Cached counts of certificate versions. A listing's `total` costs as much as its page (or
//! more: every match is counted), and the same filters come back again and again (each page of
//! a listing, a dashboard that refreshes). A count is kept with the inventory generation it was
//! computed at (the sum of `inventory_generations`, raised by triggers on every change of a
//! `certificates` row, on any instance) and served while the generation is unchanged.
//!
//! A count is read after the generation, so it is never older than the generation it is filed
//! under. Filters that depend on the time (an expiry state or cutoff) are never cached.
use std::collections::HashMap;
use std::sync::Mutex;

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{EntityTrait, QuerySelect};

use super::Store;
use super::certificate_filter::{Facet, SearchMatch, condition};
use crate::entities::inventory_generation;
use crate::model::certificate::CertificateFilter;
use crate::{StoreError, entities::certificate};
use sea_orm::{PaginatorTrait, QueryFilter};

/// Distinct filters kept by default; past this the cache starts over.
const CAPACITY: usize = 512;

/// Filter key → (generation, value): counts, and the facets that do not depend on the time.
#[derive(Debug)]
pub(crate) struct GenerationCache<V> {
    counts: Mutex<HashMap<String, (i64, V)>>,
    capacity: usize,
}

impl<V> Default for GenerationCache<V> {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl<V> GenerationCache<V> {
    /// A cache of at most `capacity` filters (values that are large get a small one).
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Self {
            counts: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }
}

impl<V: Clone> GenerationCache<V> {
    pub(super) fn get(&self, key: &str, generation: i64) -> Option<V> {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts
            .get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, n)| n.clone())
    }

    pub(super) fn put(&self, key: String, generation: i64, count: V) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.len() >= self.capacity && !counts.contains_key(&key) {
            counts.retain(|_, (g, _)| *g == generation);
            if counts.len() >= self.capacity {
                counts.clear();
            }
        }
        counts.insert(key, (generation, count));
    }
}

/// The inventory generation for one store call: read when first needed, then reused (each
/// read is a query; a page may need it for its search, its positions and its count).
#[derive(Debug, Default)]
pub(super) struct GenerationOnce(Option<i64>);

impl GenerationOnce {
    pub(super) async fn get(&mut self, store: &Store) -> Result<i64, StoreError> {
        if let Some(g) = self.0 {
            return Ok(g);
        }
        let g = store.inventory_generation().await?;
        self.0 = Some(g);
        Ok(g)
    }
}

/// The cache key of a filter, or `None` when its matches change with the time alone.
pub(super) fn key_of(filter: &CertificateFilter) -> Option<String> {
    if filter.state.is_some() || filter.expiring_before.is_some() {
        return None;
    }
    // `now` and the healthy horizon only matter with a state.
    let timeless = CertificateFilter {
        now: 0,
        healthy_after_secs: 0,
        ..filter.clone()
    };
    Some(format!("{timeless:?}"))
}

impl Store {
    /// The inventory generation: it grows with every change of a certificate row.
    pub async fn inventory_generation(&self) -> Result<i64, StoreError> {
        let sum: Option<Option<i64>> = inventory_generation::Entity::find()
            .select_only()
            .column_as(
                Expr::expr(Func::coalesce([
                    Expr::expr(Func::sum(Expr::col(inventory_generation::Column::N))),
                    Expr::val(0i64),
                ]))
                .cast_as("BIGINT"),
                "n",
            )
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(sum.flatten().unwrap_or(0))
    }

    /// How many certificate versions match `filter`: from the cache while the inventory has
    /// not changed, else counted (and cached).
    pub async fn count_certificates(&self, filter: &CertificateFilter) -> Result<u64, StoreError> {
        let mut generation = GenerationOnce::default();
        let search = self.search_match(filter, &mut generation).await?;
        self.count_with(filter, &search, &mut generation).await
    }

    /// [`Store::count_certificates`] with the search already resolved.
    pub(super) async fn count_with(
        &self,
        filter: &CertificateFilter,
        search: &SearchMatch,
        generation: &mut GenerationOnce,
    ) -> Result<u64, StoreError> {
        let Some(key) = key_of(filter) else {
            return self.count_certificates_now(filter, search).await;
        };
        let generation = generation.get(self).await?;
        if let Some(n) = self.counts.get(&key, generation) {
            return Ok(n);
        }
        let n = self.count_certificates_now(filter, search).await?;
        self.counts.put(key, generation, n);
        Ok(n)
    }

    /// [`Store::count_certificates`] without the cache.
    async fn count_certificates_now(
        &self,
        filter: &CertificateFilter,
        search: &SearchMatch,
    ) -> Result<u64, StoreError> {
        Ok(certificate::Entity::find()
            .filter(condition(filter, Facet::None, search)?)
            .count(&self.db)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ExpiryState;

    #[test]
    fn time_dependent_filters_are_not_cached_and_now_is_not_part_of_the_key() {
        let at = |now| CertificateFilter {
            now,
            ..Default::default()
        };
        assert_eq!(key_of(&at(1)), key_of(&at(2)));
        let expiring = CertificateFilter {
            state: Some(ExpiryState::Expired),
            ..at(1)
        };
        assert_eq!(key_of(&expiring), None);
        let cutoff = CertificateFilter {
            expiring_before: Some(5),
            ..at(1)
        };
        assert_eq!(key_of(&cutoff), None);
        let searched = CertificateFilter {
            search: Some("a".into()),
            ..at(1)
        };
        assert_ne!(key_of(&searched), key_of(&at(1)));
    }

    #[test]
    fn a_count_is_served_only_at_its_generation() {
        let cache = GenerationCache::<u64>::default();
        cache.put("k".into(), 7, 42);
        assert_eq!(cache.get("k", 7), Some(42));
        assert_eq!(cache.get("k", 8), None);
        for i in 0..CAPACITY + 10 {
            cache.put(format!("k{i}"), 9, i as u64);
        }
        assert!(cache.counts.lock().unwrap().len() <= CAPACITY);
        assert_eq!(
            cache.get(&format!("k{}", CAPACITY + 9), 9),
            Some((CAPACITY + 9) as u64)
        );
    }
}
