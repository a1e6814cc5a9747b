//! The dashboard's expiry timeline: how many current, present certificate versions end in each
//! week after `now`, by vault and policy issuer. The (notAfter, vault, issuer) of every
//! current version is read once per inventory generation (a GROUP BY per dashboard costs tens
//! of milliseconds at 20,000 current versions) and kept sorted; each call slices the weeks it
//! asks for by binary search and counts them, exactly, at its own `now`.
use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::Store;
use super::count_cache::GenerationCache;
use crate::entities::certificate;
use crate::{StoreError, VaultId};

/// Seconds in a week.
pub const WEEK_SECS: i64 = 7 * 86_400;

/// Versions of one vault and issuer that end in one week.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpiryWeekCount {
    pub vault_id: VaultId,
    /// The policy's issuer name (`Self`, `Unknown`, an issuer); none for certificates read
    /// from TLS secrets.
    pub issuer: Option<String>,
    /// 0 for notAfter in (now, now + 1 week], 1 for the week after, ...
    pub week: u32,
    pub count: u64,
}

/// The current, present versions' (notAfter, vault, issuer index), sorted by notAfter, and
/// the distinct issuer names.
#[derive(Debug, Default)]
pub(crate) struct CurrentExpiries {
    rows: Vec<(i64, VaultId, u32)>,
    issuers: Vec<Option<String>>,
}

impl CurrentExpiries {
    fn of(read: Vec<(i64, i64, Option<String>)>) -> Self {
        let mut issuers: Vec<Option<String>> = Vec::new();
        let mut index: HashMap<Option<String>, u32> = HashMap::new();
        let mut rows = Vec::with_capacity(read.len());
        for (not_after, vault, issuer) in read {
            let i = *index.entry(issuer.clone()).or_insert_with(|| {
                issuers.push(issuer);
                (issuers.len() - 1) as u32
            });
            rows.push((not_after, VaultId(vault), i));
        }
        rows.sort_unstable_by_key(|r| r.0);
        Self { rows, issuers }
    }

    /// The counts of the `weeks` weeks after `now`: notAfter in (now, now + weeks].
    fn weeks(&self, now: i64, weeks: u32) -> Vec<ExpiryWeekCount> {
        let end = now.saturating_add(i64::from(weeks) * WEEK_SECS);
        let from = self.rows.partition_point(|r| r.0 <= now);
        let to = self.rows.partition_point(|r| r.0 <= end);
        let mut counts: HashMap<(VaultId, u32, u32), u64> = HashMap::new();
        for &(not_after, vault, issuer) in &self.rows[from..to] {
            let week = ((not_after - now - 1) / WEEK_SECS) as u32;
            *counts.entry((vault, issuer, week)).or_default() += 1;
        }
        counts
            .into_iter()
            .map(|((vault_id, issuer, week), count)| ExpiryWeekCount {
                vault_id,
                issuer: self.issuers[issuer as usize].clone(),
                week,
                count,
            })
            .collect()
    }
}

/// The cache of [`CurrentExpiries`]: one entry (the whole inventory).
pub(crate) type TimelineCache = GenerationCache<Arc<CurrentExpiries>>;

impl Store {
    /// Current, present versions ending in each of the `weeks` weeks after `now`.
    pub async fn expiry_weeks(
        &self,
        now: i64,
        weeks: u32,
    ) -> Result<Vec<ExpiryWeekCount>, StoreError> {
        let generation = self.inventory_generation().await?;
        let current = match self.timeline.get("current", generation) {
            Some(c) => c,
            None => {
                use certificate::Column as C;
                let read: Vec<(i64, i64, Option<String>)> = certificate::Entity::find()
                    .select_only()
                    .column(C::NotAfter)
                    .column(C::VaultId)
                    .column(C::PolicyIssuer)
                    .filter(C::IsCurrent.eq(true))
                    .filter(C::IsMissing.eq(false))
                    .order_by_asc(C::NotAfter)
                    .into_tuple()
                    .all(&self.db)
                    .await?;
                let c = Arc::new(CurrentExpiries::of(read));
                self.timeline.put("current".into(), generation, c.clone());
                c
            }
        };
        Ok(current.weeks(now, weeks))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_have_the_bounds_of_the_timeline() {
        let now = 1_000_000;
        let c = CurrentExpiries::of(vec![
            (now, 1, Some("Self".into())),                  // expired: not counted
            (now + 1, 1, Some("Self".into())),              // week 0
            (now + WEEK_SECS, 1, Some("Self".into())),      // still week 0
            (now + WEEK_SECS + 1, 2, None),                 // week 1, from a TLS secret
            (now + 52 * WEEK_SECS, 1, Some("Self".into())), // week 51, the last
            (now + 52 * WEEK_SECS + 1, 1, Some("Self".into())), // beyond
        ]);
        let mut w = c.weeks(now, 52);
        w.sort_by_key(|x| (x.week, x.vault_id.0));
        let got: Vec<(u32, i64, u64)> = w.iter().map(|x| (x.week, x.vault_id.0, x.count)).collect();
        assert_eq!(got, vec![(0, 1, 2), (1, 2, 1), (51, 1, 1)]);
        assert_eq!(w[1].issuer, None);
        assert_eq!(w[0].issuer.as_deref(), Some("Self"));
    }
}
