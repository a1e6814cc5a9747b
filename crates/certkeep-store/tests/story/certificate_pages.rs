//! Certificate pages: totals and paging, every filter field, every sort both ways, facets equal
//! to counts over the full rows. Summaries have no `der` field (compile-time: the type has none).
use std::collections::BTreeMap;

use certkeep_store::{
    Certificate, CertificateFilter, CertificateSort, ExpiryState, IssuerKind, PageRequest,
    StateCounts, TagFilter, VaultId,
};

use super::Ctx;
use super::DAY;
use super::page_model::{NOW, PageData, in_state, matches, sorted};

const SORTS: [CertificateSort; 7] = [
    CertificateSort::NotAfter,
    CertificateSort::Name,
    CertificateSort::Vault,
    CertificateSort::Subject,
    CertificateSort::Issuer,
    CertificateSort::KeyType,
    CertificateSort::DiscoveredAt,
];

async fn all_rows(ctx: &Ctx, data: &PageData) -> Vec<Certificate> {
    ctx.store
        .list_certificates(&data.everything())
        .await
        .expect("list")
}

/// The ids of a whole result, read page by page with `limit`.
async fn paged_ids(
    ctx: &Ctx,
    filter: &CertificateFilter,
    sort: CertificateSort,
    descending: bool,
    limit: u64,
) -> (Vec<i64>, u64) {
    let mut ids = Vec::new();
    let mut offset = 0;
    loop {
        let page = ctx
            .store
            .certificate_page(filter, sort, descending, PageRequest { offset, limit })
            .await
            .expect("page");
        assert_eq!((page.offset, page.limit), (offset, limit));
        assert!(page.items.len() as u64 <= limit);
        ids.extend(page.items.iter().map(|s| s.id.0));
        if !page.has_more() {
            return (ids, page.total);
        }
        offset += limit;
    }
}

async fn check(ctx: &Ctx, data: &PageData, rows: &[Certificate], filter: &CertificateFilter) {
    let want: Vec<&Certificate> = rows.iter().filter(|c| matches(filter, c)).collect();
    let want_ids: Vec<i64> = sorted(want, CertificateSort::Name, false, &data.vault_names)
        .iter()
        .map(|c| c.id.0)
        .collect();
    let (ids, total) = paged_ids(ctx, filter, CertificateSort::Name, false, 1000).await;
    assert_eq!(ids, want_ids, "{filter:?}");
    assert_eq!(total, want_ids.len() as u64, "{filter:?}");
    let legacy = ctx.store.count_certificates(filter).await.expect("count");
    assert_eq!(legacy, total, "count_certificates agrees: {filter:?}");
}

fn facet_counts<K: Ord>(
    rows: &[Certificate],
    f: &CertificateFilter,
    key: impl Fn(&Certificate) -> K,
) -> Vec<(K, u64)> {
    let mut out = BTreeMap::new();
    for c in rows.iter().filter(|c| matches(f, c)) {
        *out.entry(key(c)).or_insert(0) += 1;
    }
    out.into_iter().collect()
}

async fn check_facets(ctx: &Ctx, rows: &[Certificate], f: &CertificateFilter) {
    let facets = ctx.store.certificate_facets(f).await.expect("facets");
    let without = |change: &dyn Fn(&mut CertificateFilter)| {
        let mut g = f.clone();
        change(&mut g);
        g
    };
    let by_vault = without(&|g| {
        g.vault = None;
        g.vaults.clear();
    });
    assert_eq!(
        facets.by_vault,
        facet_counts(rows, &by_vault, |c| c.vault_id),
        "{f:?}"
    );
    let by_issuer = without(&|g| g.issuer = None);
    assert_eq!(
        facets.by_issuer,
        facet_counts(rows, &by_issuer, |c| c
            .record
            .policy_issuer
            .clone()
            .unwrap_or_else(|| "Unknown".into())),
        "{f:?}"
    );
    let by_kind = without(&|g| g.issuer_kind = None);
    assert_eq!(
        facets.by_issuer_kind,
        facet_counts(rows, &by_kind, |c| IssuerKind::of(
            c.record.policy_issuer.as_deref()
        )),
        "{f:?}"
    );
    let by_key = without(&|g| g.key_type = None);
    assert_eq!(
        facets.by_key_type,
        facet_counts(rows, &by_key, |c| c.record.key_type.clone()),
        "{f:?}"
    );
    let by_state = without(&|g| {
        g.state = None;
        g.include_missing = true;
    });
    let n = |state| {
        rows.iter()
            .filter(|c| matches(&by_state, c) && in_state(state, &by_state, c))
            .count() as u64
    };
    let want = StateCounts {
        expired: n(ExpiryState::Expired),
        expiring_7d: n(ExpiryState::ExpiringWithin(7 * DAY)),
        expiring_30d: n(ExpiryState::ExpiringWithin(30 * DAY)),
        healthy: n(ExpiryState::Healthy),
        missing: n(ExpiryState::Missing),
    };
    assert_eq!(facets.by_state, want, "{f:?}");
    let by_tag = without(&|g| g.tag = None);
    let mut pairs = BTreeMap::new();
    for c in rows.iter().filter(|c| matches(&by_tag, c)) {
        for (k, v) in &c.record.tags {
            *pairs.entry(format!("{k}={v}")).or_insert(0u64) += 1;
        }
    }
    let mut tags: Vec<(String, u64)> = pairs.into_iter().collect();
    tags.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    assert_eq!(facets.by_tag, tags, "{f:?}");
}

pub(crate) async fn story(ctx: &Ctx, data: &PageData) {
    let store = &ctx.store;
    let rows = all_rows(ctx, data).await;
    assert_eq!(
        rows.len(),
        19,
        "14 + 1 previous in the first vault, 4 in the second"
    );

    // Paging: small pages add up to the whole sorted result, with the same total each time.
    let current = data.current();
    let want: Vec<&Certificate> = rows.iter().filter(|c| matches(&current, c)).collect();
    assert_eq!(
        want.len(),
        17,
        "missing echo and previous alpha/v0 are left out"
    );
    for sort in SORTS {
        for descending in [false, true] {
            let expected: Vec<i64> = sorted(want.clone(), sort, descending, &data.vault_names)
                .iter()
                .map(|c| c.id.0)
                .collect();
            let (ids, total) = paged_ids(ctx, &current, sort, descending, 4).await;
            assert_eq!(ids, expected, "{sort:?} descending={descending}");
            assert_eq!(total, 17);
        }
    }
    // The limit is clamped to 1..=1000; the default is 50.
    let page = store
        .certificate_page(
            &current,
            CertificateSort::Name,
            false,
            PageRequest {
                offset: 0,
                limit: 0,
            },
        )
        .await
        .expect("page");
    assert_eq!((page.items.len(), page.limit, page.total), (1, 1, 17));
    let page = store
        .certificate_page(
            &current,
            CertificateSort::Name,
            false,
            PageRequest {
                offset: 16,
                limit: 5000,
            },
        )
        .await
        .expect("page");
    assert_eq!((page.items.len(), page.limit), (1, 1000));
    assert_eq!(
        PageRequest::default(),
        PageRequest {
            offset: 0,
            limit: 50
        }
    );
    let beyond = store
        .certificate_page(
            &current,
            CertificateSort::Name,
            false,
            PageRequest {
                offset: 100,
                limit: 10,
            },
        )
        .await
        .expect("page");
    assert!(beyond.items.is_empty() && beyond.total == 17 && !beyond.has_more());

    // The summary carries every column but the DER.
    let first = &page.items[0];
    let full = rows.iter().find(|c| c.id == first.id).expect("row");
    assert_eq!(
        (
            &first.name,
            &first.sha256_hex,
            &first.tags,
            &first.sans,
            first.discovered_at
        ),
        (
            &full.record.name,
            &full.record.sha256_hex,
            &full.record.tags,
            &full.record.sans,
            full.discovered_at
        )
    );

    // Every filter field, alone and combined, against the in-memory statement.
    let f = |change: &dyn Fn(&mut CertificateFilter)| {
        let mut g = current.clone();
        change(&mut g);
        g
    };
    let (v1, v2) = (data.v1, data.v2);
    let filters = vec![
        current.clone(),
        data.everything(),
        f(&|g| g.vaults = vec![v2]),
        f(&|g| g.vaults = vec![v1, v2]),
        f(&|g| g.vaults = vec![VaultId(-1)]),
        f(&|g| g.vault = Some(v1)),
        f(&|g| g.issuer = Some("SELF".into())),
        f(&|g| g.issuer = Some("unknown".into())),
        f(&|g| g.issuer = Some("DigiCert".into())),
        f(&|g| g.issuer_kind = Some(IssuerKind::SelfSigned)),
        f(&|g| g.issuer_kind = Some(IssuerKind::IntegratedCa)),
        f(&|g| g.issuer_kind = Some(IssuerKind::Unknown)),
        f(&|g| g.key_type = Some("ec".into())),
        f(&|g| g.key_type = Some("RSA".into())),
        f(&|g| g.state = Some(ExpiryState::Expired)),
        f(&|g| g.state = Some(ExpiryState::ExpiringWithin(7 * DAY))),
        f(&|g| g.state = Some(ExpiryState::ExpiringWithin(30 * DAY))),
        f(&|g| g.state = Some(ExpiryState::Healthy)),
        f(&|g| {
            g.state = Some(ExpiryState::Healthy);
            g.healthy_after_secs = 100 * DAY;
        }),
        f(&|g| g.state = Some(ExpiryState::Missing)),
        f(&|g| {
            g.state = Some(ExpiryState::Expired);
            g.show = certkeep_store::Show::All;
        }),
        f(&|g| {
            g.tag = Some(TagFilter {
                key: "env".into(),
                value: None,
            })
        }),
        f(&|g| {
            g.tag = Some(TagFilter {
                key: "env".into(),
                value: Some("prod".into()),
            })
        }),
        f(&|g| {
            g.tag = Some(TagFilter {
                key: "env".into(),
                value: Some("PROD".into()),
            })
        }),
        f(&|g| {
            g.tag = Some(TagFilter {
                key: "a\"b".into(),
                value: Some("50%_x".into()),
            })
        }),
        f(&|g| {
            g.tag = Some(TagFilter {
                key: "b".into(),
                value: None,
            })
        }),
        f(&|g| {
            g.tag = Some(TagFilter {
                key: "zz".into(),
                value: Some("env".into()),
            })
        }),
        f(&|g| g.name = Some("alpha".into())),
        f(&|g| {
            g.name = Some("alpha".into());
            g.show = certkeep_store::Show::All;
        }),
        f(&|g| g.name = Some("ALPHA".into())),
        // Searches: their facets are counted in memory from the ids the index finds.
        f(&|g| g.search = Some("LPH".into())),
        f(&|g| {
            g.search = Some("lph".into());
            g.show = certkeep_store::Show::All;
        }),
        f(&|g| {
            g.search = Some("ul".into());
            g.vaults = vec![v2];
        }),
        f(&|g| {
            g.search = Some("lph".into());
            g.vault = Some(v1);
            g.key_type = Some("rsa".into());
            g.issuer = Some("self".into());
        }),
        f(&|g| {
            g.search = Some("lph".into());
            g.issuer_kind = Some(IssuerKind::SelfSigned);
            g.state = Some(ExpiryState::Healthy);
            g.include_missing = true;
        }),
        // A current version marked missing: the state facet counts it.
        f(&|g| g.search = Some("ech".into())),
        f(&|g| {
            g.search = Some("ech".into());
            g.state = Some(ExpiryState::Missing);
            g.show = certkeep_store::Show::All;
        }),
        f(&|g| {
            g.search = Some("ot".into());
            g.tag = Some(TagFilter {
                key: "env".into(),
                value: None,
            });
        }),
        f(&|g| {
            g.vaults = vec![v1];
            g.issuer_kind = Some(IssuerKind::SelfSigned);
            g.key_type = Some("rsa".into());
            g.state = Some(ExpiryState::Healthy);
        }),
    ];
    for filter in &filters {
        check(ctx, data, &rows, filter).await;
    }
    let tagged = f(&|g| {
        g.tag = Some(TagFilter {
            key: "env".into(),
            value: Some("env".into()),
        })
    });
    check(ctx, data, &rows, &tagged).await;
    assert!(
        store
            .certificate_page(
                &tagged,
                CertificateSort::Name,
                false,
                PageRequest::default()
            )
            .await
            .expect("page")
            .items
            .is_empty(),
        "a value is not taken for a key"
    );

    // Facets: counts by GROUP BY equal the counts over the full rows.
    for filter in &filters {
        check_facets(ctx, &rows, filter).await;
    }
    let facets = store.certificate_facets(&current).await.expect("facets");
    assert_eq!(facets.by_state.missing, 1);
    assert_eq!(
        facets.by_vault.iter().map(|(_, n)| n).sum::<u64>(),
        17,
        "with no facet field set, every facet counts the filter's rows"
    );
    assert_eq!(NOW, current.now);

    // The detail view: every version of a name, newest first, with DER.
    let versions = store
        .find_certificate_versions(v1, "alpha")
        .await
        .expect("versions");
    let keys: Vec<(&str, bool)> = versions
        .iter()
        .map(|c| (c.record.version.as_str(), c.record.is_current))
        .collect();
    assert_eq!(keys, [("v1", true), ("v0", false)]);
    assert!(versions.iter().all(|c| !c.record.der.is_empty()));
    assert!(
        store
            .find_certificate_versions(v2, "nope")
            .await
            .expect("none")
            .is_empty()
    );
}
