//! An in-memory index for certificate search. `search` is a substring of the name, subject,
//! SANs or thumbprints: no B-tree serves `LIKE '%…%'`, so in SQL every search reads every row
//! it could match (100-250 ms on 100,000 versions; trigram indexes measured 8-35 ms). Here the
//! lowercased search text of every version is kept in one buffer per partition (the current,
//! present versions, which the default listing shows, and the rest) and scanned with SIMD
//! substring search, well under a millisecond for 20,000 versions; SQL then reads only the
//! matching ids.
//!
//! The index is rebuilt from the database when the inventory generation (raised by triggers on
//! every change of a certificate row, on any instance) has moved on since it was built, so a
//! search never misses a change: while discovery writes, searches pay for rebuilds (about
//! 200 ms per 100,000 versions); when the inventory rests they cost the scan only. The rows a
//! search returns are read from the database with the rest of the filter.
//! A search matching more than [`MAX_IDS`] versions falls back to `LIKE` (a broad search: a
//! scan then finds a page quickly). The ids of the last [`RECENT_SEARCHES`] searches are kept
//! with the index they were found in (each page of a search's results asks again).
use std::sync::{Arc, RwLock};
use std::time::Instant;

use memchr::memmem::Finder;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::Store;
use super::certificate_filter::{SearchMatch, search_needles, search_partition};
use super::count_cache::{GenerationCache, GenerationOnce};
use crate::StoreError;
use crate::entities::certificate;
use crate::model::certificate::CertificateFilter;

/// Rows read per query while building.
const BUILD_CHUNK: u64 = 5_000;

/// Past this many matching versions a search is run in SQL instead.
pub(crate) const MAX_IDS: usize = 5_000;

/// Searches whose ids are kept (up to [`MAX_IDS`] ids each: at most 2.5 MB).
const RECENT_SEARCHES: usize = 64;

/// Separates two versions' texts in a buffer; never part of a search (it is trimmed away).
const SEPARATOR: u8 = b'\n';

/// Separates two fields of one version's text (a search never spans two fields).
const FIELD_SEPARATOR: char = '\u{1f}';

/// The lowercased search text of a version: name, subject, SANs, x5t, SHA-1, SHA-256.
pub(crate) fn search_text(fields: [&str; 6]) -> String {
    let mut text = String::new();
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            text.push(FIELD_SEPARATOR);
        }
        // A field's own line breaks would end its version's text early.
        text.extend(field.to_lowercase().chars().map(|c| {
            if c == SEPARATOR as char || c == FIELD_SEPARATOR {
                ' '
            } else {
                c
            }
        }));
    }
    text
}

/// Texts of many versions, each followed by a separator, and their ids.
#[derive(Debug, Default)]
struct Texts {
    buf: Vec<u8>,
    /// `ends[i]`: the offset of version `i`'s separator in `buf`.
    ends: Vec<usize>,
    ids: Vec<i64>,
}

impl Texts {
    fn push(&mut self, id: i64, text: &str) {
        self.buf.extend_from_slice(text.as_bytes());
        self.ends.push(self.buf.len());
        self.buf.push(SEPARATOR);
        self.ids.push(id);
    }

    /// Ids of the versions whose text contains `needle`, up to `limit + 1` of them.
    fn find(&self, needle: &Finder<'_>, limit: usize, out: &mut Vec<i64>) {
        // No field holds a separator, so such a needle matches nothing (and must not match
        // across two versions or fields).
        let mut field_separator = [0u8; 4];
        let field_separator = FIELD_SEPARATOR.encode_utf8(&mut field_separator).as_bytes();
        if needle.needle().contains(&SEPARATOR)
            || memchr::memmem::find(needle.needle(), field_separator).is_some()
        {
            return;
        }
        let mut from = 0;
        while from < self.buf.len() && out.len() <= limit {
            let Some(at) = needle.find(&self.buf[from..]) else {
                break;
            };
            let at = from + at;
            let version = self.ends.partition_point(|end| *end < at);
            let Some(id) = self.ids.get(version) else {
                break;
            };
            out.push(*id);
            // On to the next version: one id per version.
            from = self.ends[version] + 1;
        }
    }
}

#[derive(Debug, Default)]
struct Built {
    generation: i64,
    /// Current versions not marked missing.
    current: Texts,
    /// Current versions marked missing (few: the facets of the current versions count them).
    current_missing: Texts,
    /// Every other version (previous ones).
    other: Texts,
}

/// Which versions a search may return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Partition {
    /// Current, present versions only (the default listing).
    Current,
    /// Current versions, missing ones too (the facets of a listing of current versions).
    CurrentWithMissing,
    /// Every version.
    All,
}

/// The shared index (one per [`Store`] handle and its clones).
#[derive(Debug)]
pub(crate) struct SearchIndex {
    built: RwLock<Option<Arc<Built>>>,
    /// One rebuild at a time; the others keep using the previous index.
    rebuilding: tokio::sync::Mutex<()>,
    /// (needles, partition) → the ids found (`None`: too many), at the index's generation.
    recent: GenerationCache<Option<Arc<Vec<i64>>>>,
}

impl Default for SearchIndex {
    fn default() -> Self {
        Self {
            built: RwLock::default(),
            rebuilding: tokio::sync::Mutex::default(),
            recent: GenerationCache::with_capacity(RECENT_SEARCHES),
        }
    }
}

impl SearchIndex {
    fn current(&self) -> Option<Arc<Built>> {
        self.built.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The columns a search text is made of.
type TextRow = (
    i64,
    bool,
    bool,
    String,
    String,
    String,
    String,
    String,
    String,
);

impl Store {
    /// How `filter`'s search is applied: by the ids the index finds, or in SQL when too many
    /// versions match.
    pub(super) async fn search_match(
        &self,
        filter: &CertificateFilter,
        generation: &mut GenerationOnce,
    ) -> Result<SearchMatch, StoreError> {
        self.search_match_in(filter, search_partition(filter), generation)
            .await
    }

    /// [`Store::search_match`] over the versions of `partition`.
    pub(super) async fn search_match_in(
        &self,
        filter: &CertificateFilter,
        partition: Partition,
        generation: &mut GenerationOnce,
    ) -> Result<SearchMatch, StoreError> {
        let needles = filter
            .search
            .as_deref()
            .map(search_needles)
            .unwrap_or_default();
        if needles.is_empty() {
            return Ok(SearchMatch::None);
        }
        let generation = generation.get(self).await?;
        Ok(
            match self.search_ids_at(&needles, partition, generation).await? {
                Some(ids) => SearchMatch::Ids(ids.to_vec()),
                None => SearchMatch::Like,
            },
        )
    }

    /// The ids of the versions in `partition` whose search text contains one of `needles`
    /// (lowercased, non-empty), or `None` when more than [`MAX_IDS`] match.
    /// `generation` is the inventory's, read by the caller.
    async fn search_ids_at(
        &self,
        needles: &[String],
        partition: Partition,
        generation: i64,
    ) -> Result<Option<Arc<Vec<i64>>>, StoreError> {
        let built = self.fresh_search_index(generation).await?;
        let key = format!("{partition:?}|{needles:?}");
        if let Some(found) = self.search.recent.get(&key, built.generation) {
            return Ok(found);
        }
        let found = Self::scan(&built, needles, partition).map(Arc::new);
        self.search.recent.put(key, built.generation, found.clone());
        Ok(found)
    }

    /// The ids of the versions in `partition` of `built` that contain one of `needles`.
    fn scan(built: &Built, needles: &[String], partition: Partition) -> Option<Vec<i64>> {
        let mut ids = Vec::new();
        for needle in needles {
            let finder = Finder::new(needle.as_bytes());
            built.current.find(&finder, MAX_IDS, &mut ids);
            if partition != Partition::Current {
                built.current_missing.find(&finder, MAX_IDS, &mut ids);
            }
            if partition == Partition::All {
                built.other.find(&finder, MAX_IDS, &mut ids);
            }
            if ids.len() > MAX_IDS {
                return None;
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Some(ids)
    }

    /// The index, rebuilt first when the inventory has changed since it was built (one
    /// rebuild at a time; concurrent searches wait for it rather than read an old index).
    async fn fresh_search_index(&self, generation: i64) -> Result<Arc<Built>, StoreError> {
        let index = &self.search;
        if let Some(built) = index.current().filter(|b| b.generation == generation) {
            return Ok(built);
        }
        let _guard = index.rebuilding.lock().await;
        // Generations only grow: one built at ours or later (while we waited) is fresh enough.
        if let Some(built) = index.current().filter(|b| b.generation >= generation) {
            return Ok(built);
        }
        // Read before the rows, so the index is never older than the generation it records.
        let generation = self.inventory_generation().await?;
        let built = Arc::new(self.build_search_index(generation).await?);
        *index.built.write().unwrap_or_else(|e| e.into_inner()) = Some(built.clone());
        Ok(built)
    }

    async fn build_search_index(&self, generation: i64) -> Result<Built, StoreError> {
        use certificate::Column as C;
        let started = Instant::now();
        let mut built = Built {
            generation,
            ..Default::default()
        };
        // In chunks by id, so the rows of a large inventory are never all in memory at once.
        let mut after = i64::MIN;
        let mut versions = 0usize;
        loop {
            let rows: Vec<TextRow> = certificate::Entity::find()
                .select_only()
                .columns([
                    C::Id,
                    C::IsCurrent,
                    C::IsMissing,
                    C::Name,
                    C::Subject,
                    C::Sans,
                    C::X5t,
                    C::Sha1Hex,
                    C::Sha256Hex,
                ])
                .filter(C::Id.gt(after))
                .order_by_asc(C::Id)
                .limit(BUILD_CHUNK)
                .into_tuple()
                .all(&self.db)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            versions += rows.len();
            for (id, is_current, is_missing, name, subject, sans, x5t, sha1, sha256) in &rows {
                let text = search_text([name, subject, sans, x5t, sha1, sha256]);
                match (*is_current, *is_missing) {
                    (true, false) => built.current.push(*id, &text),
                    (true, true) => built.current_missing.push(*id, &text),
                    (false, _) => built.other.push(*id, &text),
                }
            }
            if (rows.len() as u64) < BUILD_CHUNK {
                break;
            }
        }
        tracing::debug!(
            versions,
            bytes =
                built.current.buf.len() + built.current_missing.buf.len() + built.other.buf.len(),
            ms = started.elapsed().as_millis() as u64,
            "certificate search index built"
        );
        Ok(built)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(items: &[(i64, &str)]) -> Texts {
        let mut t = Texts::default();
        for (id, text) in items {
            t.push(*id, text);
        }
        t
    }

    fn find(t: &Texts, needle: &str, limit: usize) -> Vec<i64> {
        let mut out = Vec::new();
        t.find(&Finder::new(needle.as_bytes()), limit, &mut out);
        out
    }

    #[test]
    fn each_matching_version_once_and_never_across_versions() {
        let t = texts(&[(7, "web web"), (8, "api"), (9, "xweb")]);
        assert_eq!(find(&t, "web", 10), [7, 9]);
        assert_eq!(find(&t, "api", 10), [8]);
        // The end of one text and the start of the next are not a match.
        assert!(find(&t, "bapi", 10).is_empty());
        assert!(find(&t, "web\napi", 10).is_empty());
        assert_eq!(find(&t, "w", 0), [7], "stops past the limit");
    }

    #[test]
    fn search_texts_are_lowercased_one_line_per_version() {
        let text = search_text(["Web", "CN=WWW.Example.COM", "a\nb", "x5T", "AB", "CD"]);
        assert!(text.contains("cn=www.example.com"));
        assert!(!text.contains('\n'));
        assert!(text.contains("x5t"));
        assert!(text.starts_with("web\u{1f}cn="), "fields are apart: {text}");
    }
}
