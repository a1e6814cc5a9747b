//! Pages by position. A deep page (offset 1,000 and more) walks that many index entries in the
//! database on every request, and a search's ids must all be read to be sorted; both then
//! repeat while the inventory is unchanged. For a filter (its search aside) and an order this
//! keeps every matching id in order, at an inventory generation: a page is then a slice of it
//! (or, for a search, the ids of the slice that the search found), and only its rows are read.
//!
//! The page's rows are then read by id: they are as they are now, and one changed in the
//! moment between the generation read and the rows read shows its new state on this page.
//!
//! While the inventory changes (a discovery raises the generation with every batch), a list
//! rebuilt less than [`REBUILD_PAUSE`] ago is not rebuilt again: those pages are read in SQL.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Ids kept in all lists together (8 bytes each): 16 MB.
const BUDGET_IDS: usize = 2_000_000;
/// A list is not rebuilt more often than this while the inventory keeps changing.
pub(super) const REBUILD_PAUSE: Duration = Duration::from_secs(2);

struct Entry {
    generation: i64,
    ids: Arc<Vec<i64>>,
    built: Instant,
}

/// What the cache holds for a key at a generation.
pub(super) enum Lookup {
    /// The ids, in order.
    Fresh(Arc<Vec<i64>>),
    /// Older than the generation, rebuilt too recently to rebuild again: read in SQL.
    Pause,
    /// Build it.
    Build,
}

/// Filter and order key → the ordered ids at a generation.
#[derive(Default)]
pub(crate) struct OrderedIds {
    lists: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for OrderedIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderedIds").finish_non_exhaustive()
    }
}

impl OrderedIds {
    pub(super) fn lookup(&self, key: &str, generation: i64) -> Lookup {
        let lists = self.lists.lock().unwrap_or_else(|e| e.into_inner());
        match lists.get(key) {
            Some(e) if e.generation == generation => Lookup::Fresh(e.ids.clone()),
            Some(e) if e.built.elapsed() < REBUILD_PAUSE => Lookup::Pause,
            _ => Lookup::Build,
        }
    }

    pub(super) fn put(&self, key: String, generation: i64, ids: Arc<Vec<i64>>) {
        let mut lists = self.lists.lock().unwrap_or_else(|e| e.into_inner());
        lists.remove(&key);
        // Oldest lists go first until the new one fits the budget.
        while !lists.is_empty() && held(&lists) + ids.len() > BUDGET_IDS {
            let oldest = lists
                .iter()
                .min_by_key(|(_, e)| e.built)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                lists.remove(&k);
            }
        }
        if ids.len() <= BUDGET_IDS {
            lists.insert(
                key,
                Entry {
                    generation,
                    ids,
                    built: Instant::now(),
                },
            );
        }
    }
}

fn held(lists: &HashMap<String, Entry>) -> usize {
    lists.values().map(|e| e.ids.len()).sum()
}

/// The ids of the page `[offset, offset + limit)` of `ordered`, and the total; with `found`
/// (sorted ids of a search), of the ordered ids that the search found.
pub(super) fn page_of(
    ordered: &[i64],
    found: Option<&[i64]>,
    offset: u64,
    limit: u64,
) -> (Vec<i64>, u64) {
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    match found {
        None => {
            let start = offset.min(ordered.len());
            let end = start.saturating_add(limit).min(ordered.len());
            (ordered[start..end].to_vec(), ordered.len() as u64)
        }
        Some(found) => {
            let found = IdSet::of(found);
            let mut page = Vec::new();
            let mut total = 0usize;
            for &id in ordered {
                if found.contains(id) {
                    if total >= offset && page.len() < limit {
                        page.push(id);
                    }
                    total += 1;
                }
            }
            (page, total as u64)
        }
    }
}

/// Widest id range kept as a bitmap (2 MB); a wider one is searched in the sorted ids.
const MAX_BITMAP_SPAN: u64 = 1 << 24;

/// Sorted ids as a bitmap over their range (a search finds at most 5,000 versions; the walk
/// asks once per id of the filter), or the sorted ids when the range is too wide.
enum IdSet<'a> {
    Bitmap { first: i64, bits: Vec<u64> },
    Sorted(&'a [i64]),
}

impl<'a> IdSet<'a> {
    fn of(sorted: &'a [i64]) -> Self {
        let (Some(&first), Some(&last)) = (sorted.first(), sorted.last()) else {
            return Self::Sorted(sorted);
        };
        let span = last.abs_diff(first);
        if span >= MAX_BITMAP_SPAN {
            return Self::Sorted(sorted);
        }
        let mut bits = vec![0u64; (span as usize + 1).div_ceil(64)];
        for &id in sorted {
            let at = id.abs_diff(first) as usize;
            bits[at / 64] |= 1 << (at % 64);
        }
        Self::Bitmap { first, bits }
    }

    fn contains(&self, id: i64) -> bool {
        match self {
            Self::Sorted(ids) => ids.binary_search(&id).is_ok(),
            Self::Bitmap { first, bits } => {
                if id < *first {
                    return false;
                }
                let at = id.abs_diff(*first);
                usize::try_from(at / 64)
                    .ok()
                    .and_then(|word| bits.get(word))
                    .is_some_and(|word| word & (1 << (at % 64)) != 0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_slices_and_searches_keep_the_order() {
        let ordered = vec![9, 3, 7, 1, 5, 2];
        assert_eq!(page_of(&ordered, None, 2, 3), (vec![7, 1, 5], 6));
        assert_eq!(page_of(&ordered, None, 5, 3), (vec![2], 6));
        assert_eq!(page_of(&ordered, None, 9, 3), (vec![], 6));
        let found = [1, 2, 7, 9];
        assert_eq!(page_of(&ordered, Some(&found), 0, 2), (vec![9, 7], 4));
        assert_eq!(page_of(&ordered, Some(&found), 2, 5), (vec![1, 2], 4));
        assert_eq!(page_of(&ordered, Some(&[]), 0, 5), (vec![], 0));
        let set = IdSet::of(&[-3, 64, 200]);
        assert!(set.contains(-3) && set.contains(64) && set.contains(200));
        assert!(!set.contains(-4) && !set.contains(63) && !set.contains(201));
        let wide = [1, 1 << 40];
        let set = IdSet::of(&wide);
        assert!(matches!(set, IdSet::Sorted(_)));
        assert!(set.contains(1 << 40) && !set.contains(2));
    }

    #[test]
    fn a_stale_list_is_rebuilt_only_after_a_pause_and_the_budget_holds() {
        let cache = OrderedIds::default();
        assert!(matches!(cache.lookup("k", 1), Lookup::Build));
        cache.put("k".into(), 1, Arc::new(vec![1, 2]));
        assert!(matches!(cache.lookup("k", 1), Lookup::Fresh(ids) if *ids == vec![1, 2]));
        assert!(matches!(cache.lookup("k", 2), Lookup::Pause));
        cache.put("big".into(), 1, Arc::new(vec![0; BUDGET_IDS]));
        assert!(matches!(cache.lookup("k", 1), Lookup::Build), "evicted");
        assert!(matches!(cache.lookup("big", 1), Lookup::Fresh(_)));
    }
}
