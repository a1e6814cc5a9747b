//! Facets counted in memory. A search matches a few thousand versions at most (the search
//! index's limit), each new search a different set that no cache holds: five GROUP BY queries,
//! each probing the same list of ids, cost 5-10 times one read of those rows' facet columns.
//! So for a search the rows are read once, under the filter without any facet's fields, and
//! every facet is counted here with the same rules as the SQL conditions. The tag facet is
//! always counted here (tags are JSON text, which SQL cannot group portably).
use std::collections::{BTreeMap, HashMap};

use sea_orm::{EntityTrait, FromQueryResult, QueryFilter, QuerySelect};

use super::Store;
use super::certificate_filter::{Facet, SearchMatch, condition};
use super::certificate_page::TimelessFacets;
use crate::entities::certificate;
use crate::model::certificate::CertificateFilter;
use crate::model::certificate_page::IssuerKind;
use crate::model::page::{ExpiryState, StateCounts};
use crate::{StoreError, VaultId, json};

/// Tag values listed by the tag facet: the most frequent `key=value` pairs.
pub(crate) const TAG_FACET_LIMIT: usize = 20;

const DAY: i64 = 86_400;

/// The columns the facets look at.
#[derive(Debug, FromQueryResult)]
pub(super) struct FacetRow {
    vault_id: i64,
    policy_issuer: Option<String>,
    key_type: String,
    not_after: i64,
    is_missing: bool,
    tags: String,
}

/// Which of a filter's facet fields a row satisfies, one flag per facet.
struct Matches {
    vault: bool,
    issuer: bool,
    issuer_kind: bool,
    key_type: bool,
    state: bool,
    tag: bool,
    tags: BTreeMap<String, String>,
}

impl Matches {
    /// Whether the row passes every facet's fields except those of `skip`.
    fn all_but(&self, skip: Facet) -> bool {
        (skip == Facet::Vault || self.vault)
            && (skip == Facet::Issuer || self.issuer)
            && (skip == Facet::IssuerKind || self.issuer_kind)
            && (skip == Facet::KeyType || self.key_type)
            && (skip == Facet::State || self.state)
            && (skip == Facet::Tag || self.tag)
    }
}

/// Whether `not_after`/`missing` is in `state` at `now` (the bounds of `Expiry::condition`).
fn in_state(state: ExpiryState, not_after: i64, missing: bool, now: i64, healthy: i64) -> bool {
    match state {
        ExpiryState::Missing => missing,
        _ if missing => false,
        ExpiryState::Expired => not_after <= now,
        ExpiryState::ExpiringWithin(secs) => {
            not_after > now && not_after <= now.saturating_add(secs)
        }
        ExpiryState::Healthy => not_after > now.saturating_add(healthy),
    }
}

fn matches(filter: &CertificateFilter, row: &FacetRow) -> Result<Matches, StoreError> {
    // SQL's LOWER() folds ASCII only; so does this.
    let lower = |s: &str| s.trim().to_ascii_lowercase();
    let tags: BTreeMap<String, String> = json::decode(&row.tags, "certificates.tags")?;
    let issuer = match &filter.issuer {
        None => true,
        Some(wanted) => {
            let wanted = lower(wanted);
            match &row.policy_issuer {
                None => wanted == "unknown",
                Some(name) => name.to_ascii_lowercase() == wanted,
            }
        }
    };
    let state = match filter.state {
        Some(state) => in_state(
            state,
            row.not_after,
            row.is_missing,
            filter.now,
            filter.healthy_after_secs,
        ),
        None => filter.include_missing || !row.is_missing,
    };
    Ok(Matches {
        vault: filter.vault.is_none_or(|v| v.0 == row.vault_id)
            && (filter.vaults.is_empty() || filter.vaults.iter().any(|v| v.0 == row.vault_id)),
        issuer,
        issuer_kind: filter
            .issuer_kind
            .is_none_or(|k| IssuerKind::of(row.policy_issuer.as_deref()) == k),
        key_type: filter
            .key_type
            .as_deref()
            .is_none_or(|k| row.key_type.to_ascii_lowercase() == lower(k)),
        state,
        tag: filter.tag.as_ref().is_none_or(|t| match tags.get(&t.key) {
            None => false,
            Some(v) => t.value.as_ref().is_none_or(|want| want == v),
        }),
        tags,
    })
}

/// Adds one to `key`'s count.
fn bump<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, u64>, key: K) {
    *counts.entry(key).or_default() += 1;
}

/// Counts sorted by key.
fn sorted<K: Ord>(counts: HashMap<K, u64>) -> Vec<(K, u64)> {
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    v
}

/// The most frequent tags, most frequent first (then by text), at most [`TAG_FACET_LIMIT`].
fn top_tags(counts: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(TAG_FACET_LIMIT);
    v
}

/// Every facet of `filter` over `rows` (read under the filter without its facet fields).
fn count(
    filter: &CertificateFilter,
    rows: &[FacetRow],
) -> Result<(TimelessFacets, StateCounts), StoreError> {
    let mut vaults = HashMap::new();
    let mut issuers = HashMap::new();
    let mut kinds = HashMap::new();
    let mut key_types = HashMap::new();
    let mut tags = HashMap::new();
    let mut states = StateCounts::default();
    let (now, healthy) = (filter.now, filter.healthy_after_secs);
    for row in rows {
        let m = matches(filter, row)?;
        if m.all_but(Facet::Vault) {
            bump(&mut vaults, VaultId(row.vault_id));
        }
        if m.all_but(Facet::Issuer) {
            // As the SQL facet names a NULL issuer.
            let name = row.policy_issuer.as_deref().unwrap_or("Unknown");
            bump(&mut issuers, name.to_string());
        }
        if m.all_but(Facet::IssuerKind) {
            bump(&mut kinds, IssuerKind::of(row.policy_issuer.as_deref()));
        }
        if m.all_but(Facet::KeyType) {
            bump(&mut key_types, row.key_type.clone());
        }
        if m.all_but(Facet::Tag) {
            for (k, v) in &m.tags {
                bump(&mut tags, format!("{k}={v}"));
            }
        }
        if m.all_but(Facet::State) {
            let is = |s| in_state(s, row.not_after, row.is_missing, now, healthy);
            states.expired += u64::from(is(ExpiryState::Expired));
            states.expiring_7d += u64::from(is(ExpiryState::ExpiringWithin(7 * DAY)));
            states.expiring_30d += u64::from(is(ExpiryState::ExpiringWithin(30 * DAY)));
            states.healthy += u64::from(is(ExpiryState::Healthy));
            states.missing += u64::from(is(ExpiryState::Missing));
        }
    }
    let facets = TimelessFacets {
        by_vault: sorted(vaults),
        by_issuer: sorted(issuers),
        by_issuer_kind: sorted(kinds),
        by_key_type: sorted(key_types),
        by_tag: top_tags(tags),
    };
    Ok((facets, states))
}

impl Store {
    /// The rows of `filter` without the fields of `skip`, with the columns facets look at.
    async fn facet_rows(
        &self,
        filter: &CertificateFilter,
        skip: Facet,
        search: &SearchMatch,
    ) -> Result<Vec<FacetRow>, StoreError> {
        use certificate::Column as C;
        Ok(certificate::Entity::find()
            .select_only()
            .columns([
                C::VaultId,
                C::PolicyIssuer,
                C::KeyType,
                C::NotAfter,
                C::IsMissing,
                C::Tags,
            ])
            .filter(condition(filter, skip, search)?)
            .into_model::<FacetRow>()
            .all(&self.db)
            .await?)
    }

    /// Every facet of `filter`, counted in memory from one read of its rows (for a search,
    /// whose rows are few).
    pub(super) async fn facets_in_memory(
        &self,
        filter: &CertificateFilter,
        search: &SearchMatch,
    ) -> Result<(TimelessFacets, StateCounts), StoreError> {
        let rows = self.facet_rows(filter, Facet::Every, search).await?;
        count(filter, &rows)
    }

    /// The tag facet of `filter`: its most frequent `key=value` pairs under the filter without
    /// its tag.
    pub(super) async fn tag_facet(
        &self,
        filter: &CertificateFilter,
        search: &SearchMatch,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let no_tag = CertificateFilter {
            tag: None,
            ..filter.clone()
        };
        let mut tags = HashMap::new();
        for row in self.facet_rows(&no_tag, Facet::None, search).await? {
            let row_tags: BTreeMap<String, String> = json::decode(&row.tags, "certificates.tags")?;
            for (k, v) in row_tags {
                bump(&mut tags, format!("{k}={v}"));
            }
        }
        Ok(top_tags(tags))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_use_the_bounds_of_the_sql_conditions() {
        let now = 1_000;
        let h = 30 * DAY;
        assert!(in_state(ExpiryState::Expired, now, false, now, h));
        assert!(!in_state(ExpiryState::Expired, now, true, now, h));
        assert!(in_state(
            ExpiryState::ExpiringWithin(DAY),
            now + DAY,
            false,
            now,
            h
        ));
        assert!(!in_state(
            ExpiryState::ExpiringWithin(DAY),
            now,
            false,
            now,
            h
        ));
        assert!(!in_state(ExpiryState::Healthy, now + h, false, now, h));
        assert!(in_state(ExpiryState::Healthy, now + h + 1, false, now, h));
        assert!(in_state(ExpiryState::Missing, 0, true, now, h));
    }

    #[test]
    fn the_tag_facet_keeps_the_most_frequent_pairs() {
        let mut counts = HashMap::new();
        for i in 0..(TAG_FACET_LIMIT + 5) {
            counts.insert(format!("k=v{i:02}"), 1);
        }
        counts.insert("owner=a".into(), 9);
        let top = top_tags(counts);
        assert_eq!(top.len(), TAG_FACET_LIMIT);
        assert_eq!(top[0], ("owner=a".to_string(), 9));
        assert_eq!(top[1].0, "k=v00");
    }
}
