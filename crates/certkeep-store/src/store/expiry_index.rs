//! The state facet without a scan per request. Expiry states depend on the time, so their
//! counts cannot be cached; the notAfter values they are computed from can. For a filter (its
//! state and missing flag aside) this keeps the sorted notAfter of the present matching
//! versions and the number of missing ones, at an inventory generation, and counts any `now`
//! by binary search, with the same bounds as `Expiry::condition`.
use std::sync::Arc;

use sea_orm::{EntityTrait, QueryFilter, QuerySelect};

use super::Store;
use super::certificate_filter::{Facet, SearchMatch, condition};
use super::count_cache::{GenerationCache, GenerationOnce, key_of};
use crate::StoreError;
use crate::entities::certificate;
use crate::model::certificate::CertificateFilter;
use crate::model::page::StateCounts;

/// Filters kept (each holds 8 bytes per matching version: 800 KB for 100,000).
pub(super) const CAPACITY: usize = 16;

const DAY: i64 = 86_400;

/// The notAfter values of a filter's present versions, sorted, and its missing count.
#[derive(Debug, Default)]
pub(crate) struct Expiries {
    present_not_after: Vec<i64>,
    missing: u64,
}

impl Expiries {
    fn of(rows: Vec<(i64, bool)>) -> Self {
        let mut present_not_after = Vec::with_capacity(rows.len());
        let mut missing = 0;
        for (not_after, is_missing) in rows {
            if is_missing {
                missing += 1;
            } else {
                present_not_after.push(not_after);
            }
        }
        present_not_after.sort_unstable();
        Self {
            present_not_after,
            missing,
        }
    }

    /// Present versions whose notAfter is at or before `t`.
    fn ending_by(&self, t: i64) -> u64 {
        self.present_not_after.partition_point(|&n| n <= t) as u64
    }

    /// The counts at `now`: expired is notAfter ≤ now; expiring within d is now < notAfter ≤
    /// now + d; healthy is notAfter > now + `healthy_after`.
    pub(super) fn counts(&self, now: i64, healthy_after: i64) -> StateCounts {
        let expired = self.ending_by(now);
        let within = |d: i64| self.ending_by(now.saturating_add(d)) - expired;
        StateCounts {
            expired,
            expiring_7d: within(7 * DAY),
            expiring_30d: within(30 * DAY),
            healthy: self.present_not_after.len() as u64
                - self.ending_by(now.saturating_add(healthy_after)),
            missing: self.missing,
        }
    }
}

/// The cache of [`Expiries`] by filter.
pub(crate) type ExpiryCache = GenerationCache<Arc<Expiries>>;

impl Store {
    /// The state facet of `filter` (its `state` and `include_missing` aside) at `filter.now`:
    /// from the cached notAfter values while the inventory is unchanged, else read (and cached).
    /// A filter with an expiry cutoff is counted in the database.
    pub(super) async fn state_facet(
        &self,
        filter: &CertificateFilter,
        search: &SearchMatch,
        generation: &mut GenerationOnce,
    ) -> Result<Option<StateCounts>, StoreError> {
        let key = key_of(&CertificateFilter {
            state: None,
            include_missing: false,
            ..filter.clone()
        });
        let Some(key) = key else {
            return Ok(None);
        };
        let generation = generation.get(self).await?;
        let expiries = match self.expiries.get(&key, generation) {
            Some(cached) => cached,
            None => {
                let rows: Vec<(i64, bool)> = certificate::Entity::find()
                    .select_only()
                    .column(certificate::Column::NotAfter)
                    .column(certificate::Column::IsMissing)
                    .filter(condition(filter, Facet::State, search)?)
                    .into_tuple()
                    .all(&self.db)
                    .await?;
                let read = Arc::new(Expiries::of(rows));
                self.expiries.put(key, generation, read.clone());
                read
            }
        };
        Ok(Some(expiries.counts(filter.now, filter.healthy_after_secs)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_use_the_bounds_of_the_sql_conditions() {
        let now = 1_000_000;
        let e = Expiries::of(vec![
            (now, false),                // expired (notAfter = now)
            (now - 5, false),            // expired
            (now + 1, false),            // expiring within 7 and 30 days
            (now + 7 * DAY, false),      // within 7 (bound included) and 30
            (now + 7 * DAY + 1, false),  // within 30 only
            (now + 30 * DAY, false),     // within 30; healthy only after 30 days: not healthy
            (now + 30 * DAY + 1, false), // healthy
            (now - 100, true),           // missing, whatever its notAfter
        ]);
        let c = e.counts(now, 30 * DAY);
        assert_eq!(
            (
                c.expired,
                c.expiring_7d,
                c.expiring_30d,
                c.healthy,
                c.missing
            ),
            (2, 2, 4, 1, 1)
        );
        let later = e.counts(now + 30 * DAY, 30 * DAY);
        assert_eq!((later.expired, later.healthy), (6, 0));
    }
}
