//! TLS secret pages: every filter field, sorts both ways, facets equal to counts over the rows.
use std::collections::BTreeMap;

use certkeep_store::{
    ExpiryState, PageRequest, Show, StateCounts, TagFilter, TlsSecret, TlsSecretPageFilter,
    TlsSecretSort,
};

use super::fixtures::{tags, tls_record};
use super::page_model::{NOW, PageData};
use super::{Ctx, DAY, T0};

fn secret_matches(f: &TlsSecretPageFilter, s: &TlsSecret) -> bool {
    let end = s.record.expiry;
    let state = match f.state {
        None => f.include_missing || !s.is_missing,
        Some(ExpiryState::Missing) => s.is_missing,
        Some(ExpiryState::Expired) => !s.is_missing && end.is_some_and(|e| e <= f.now),
        Some(ExpiryState::ExpiringWithin(w)) => {
            !s.is_missing && end.is_some_and(|e| e > f.now && e <= f.now + w)
        }
        Some(ExpiryState::Healthy) => {
            !s.is_missing && end.is_none_or(|e| e > f.now + f.healthy_after_secs)
        }
    };
    let show = match f.show {
        Show::Current => s.record.is_current,
        Show::Previous => !s.record.is_current,
        Show::All => true,
    };
    show && state
        && (f.vaults.is_empty() || f.vaults.contains(&s.vault_id))
        && f.name.as_ref().is_none_or(|n| *n == s.record.name)
        && f.tag
            .as_ref()
            .is_none_or(|t| match (&t.value, s.record.tags.get(&t.key)) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(want), Some(have)) => want == have,
            })
}

pub(crate) async fn story(ctx: &Ctx, data: &PageData) {
    let store = &ctx.store;
    let mut first = vec![
        tls_record("s-exp", "1", Some(NOW - DAY), true),
        tls_record("s-soon", "1", Some(NOW + 2 * DAY), true),
        tls_record("s-month", "1", Some(NOW + 20 * DAY), true),
        tls_record("s-never", "1", None, true),
        tls_record("s-later", "1", Some(NOW + 90 * DAY), true),
        tls_record("s-later", "0", Some(NOW - 30 * DAY), false),
        tls_record("s-gone", "1", Some(NOW + 90 * DAY), true),
    ];
    first[1].content_type = "application/x-pkcs12".into();
    first[2].tags = tags(&[("env", "prod")]);
    first[3].tags = tags(&[("env", "dev")]);
    for (i, r) in first.iter_mut().enumerate() {
        r.kv_created = T0 + 10 - i as i64;
    }
    store
        .upsert_tls_secret_versions(data.v1, &first, T0)
        .await
        .expect("upsert");
    let second = vec![tls_record("s-other", "1", Some(NOW + 5 * DAY), true)];
    store
        .upsert_tls_secret_versions(data.v2, &second, T0)
        .await
        .expect("upsert");
    store
        .mark_tls_secrets_missing(data.v1, &["s-gone".to_string()])
        .await
        .expect("missing");
    let everything = TlsSecretPageFilter {
        show: Show::All,
        include_missing: true,
        credential: Some(data.credential.clone()),
        now: NOW,
        ..TlsSecretPageFilter::default()
    };
    let all = store
        .tls_secret_page(
            &everything,
            TlsSecretSort::Name,
            false,
            PageRequest::new(0, 1000),
        )
        .await
        .expect("page");
    assert_eq!(all.total, 8);
    let rows = all.items;
    let current = TlsSecretPageFilter {
        show: Show::Current,
        include_missing: false,
        ..everything.clone()
    };
    let f = |change: &dyn Fn(&mut TlsSecretPageFilter)| {
        let mut g = current.clone();
        change(&mut g);
        g
    };
    let filters = [
        current.clone(),
        everything.clone(),
        f(&|g| g.vaults = vec![data.v2]),
        f(&|g| g.state = Some(ExpiryState::Expired)),
        f(&|g| g.state = Some(ExpiryState::ExpiringWithin(7 * DAY))),
        f(&|g| g.state = Some(ExpiryState::Healthy)),
        f(&|g| g.state = Some(ExpiryState::Missing)),
        f(&|g| {
            g.tag = Some(TagFilter {
                key: "env".into(),
                value: None,
            })
        }),
        f(&|g| {
            g.tag = Some(TagFilter {
                key: "env".into(),
                value: Some("dev".into()),
            })
        }),
        f(&|g| g.name = Some("s-later".into())),
    ];
    for filter in &filters {
        let page = store
            .tls_secret_page(
                filter,
                TlsSecretSort::Name,
                false,
                PageRequest::new(0, 1000),
            )
            .await
            .expect("page");
        let want: Vec<i64> = rows
            .iter()
            .filter(|s| secret_matches(filter, s))
            .map(|s| s.id.0)
            .collect();
        let got: Vec<i64> = page.items.iter().map(|s| s.id.0).collect();
        assert_eq!(got, want, "{filter:?}");
        assert_eq!(page.total, want.len() as u64);
        let facets = store.tls_secret_facets(filter).await.expect("facets");
        let mut by_type = BTreeMap::new();
        for s in rows.iter().filter(|s| secret_matches(filter, s)) {
            *by_type
                .entry(s.record.content_type.clone())
                .or_insert(0_u64) += 1;
        }
        assert_eq!(
            facets.by_content_type,
            by_type.into_iter().collect::<Vec<_>>(),
            "{filter:?}"
        );
        let mut by_vault_filter = filter.clone();
        by_vault_filter.vaults.clear();
        let mut by_vault = BTreeMap::new();
        for s in rows.iter().filter(|s| secret_matches(&by_vault_filter, s)) {
            *by_vault.entry(s.vault_id).or_insert(0_u64) += 1;
        }
        assert_eq!(
            facets.by_vault,
            by_vault.into_iter().collect::<Vec<_>>(),
            "{filter:?}"
        );
        let state_filter = TlsSecretPageFilter {
            state: None,
            include_missing: true,
            ..filter.clone()
        };
        let n = |state| {
            let g = TlsSecretPageFilter {
                state: Some(state),
                ..state_filter.clone()
            };
            rows.iter().filter(|s| secret_matches(&g, s)).count() as u64
        };
        let want_states = StateCounts {
            expired: n(ExpiryState::Expired),
            expiring_7d: n(ExpiryState::ExpiringWithin(7 * DAY)),
            expiring_30d: n(ExpiryState::ExpiringWithin(30 * DAY)),
            healthy: n(ExpiryState::Healthy),
            missing: n(ExpiryState::Missing),
        };
        assert_eq!(facets.by_state, want_states, "{filter:?}");
    }
    // Sorts, both directions; no expiry sorts last either way.
    let current = &current;
    let order = |sort, descending| async move {
        store
            .tls_secret_page(current, sort, descending, PageRequest::new(0, 100))
            .await
            .expect("page")
            .items
            .iter()
            .map(|s| s.record.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        order(TlsSecretSort::Expiry, false).await,
        [
            "s-exp", "s-soon", "s-other", "s-month", "s-later", "s-never"
        ]
    );
    assert_eq!(
        order(TlsSecretSort::Expiry, true).await,
        [
            "s-later", "s-month", "s-other", "s-soon", "s-exp", "s-never"
        ]
    );
    assert_eq!(
        order(TlsSecretSort::Name, false).await,
        [
            "s-exp", "s-later", "s-month", "s-never", "s-other", "s-soon"
        ]
    );
    assert_eq!(
        order(TlsSecretSort::Name, true).await,
        [
            "s-soon", "s-other", "s-never", "s-month", "s-later", "s-exp"
        ]
    );
    assert_eq!(
        order(TlsSecretSort::Vault, false).await,
        [
            "s-other", "s-exp", "s-later", "s-month", "s-never", "s-soon"
        ]
    );
    assert_eq!(
        order(TlsSecretSort::Vault, true).await,
        [
            "s-exp", "s-later", "s-month", "s-never", "s-soon", "s-other"
        ]
    );
    assert_eq!(
        order(TlsSecretSort::Created, false).await,
        [
            "s-other", "s-later", "s-never", "s-month", "s-soon", "s-exp"
        ]
    );
    assert_eq!(
        order(TlsSecretSort::Created, true).await,
        [
            "s-exp", "s-soon", "s-month", "s-never", "s-later", "s-other"
        ]
    );
}
