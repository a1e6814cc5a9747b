//! Certificate versions: idempotent upserts, current-version switching, filters, missing marking.
use certkeep_store::{
    Certificate, CertificateFilter, CertificateSource, Show, StoreError, UpsertCounts,
};

use super::fixtures::{cert_record, tags};
use super::{Ctx, DAY, T0};

fn upserted(added: usize, updated: usize, unchanged: usize) -> UpsertCounts {
    UpsertCounts {
        added,
        updated,
        unchanged,
    }
}

/// `name/version` of each certificate, in order.
fn keys(certs: &[Certificate]) -> Vec<String> {
    certs
        .iter()
        .map(|c| format!("{}/{}", c.record.name, c.record.version))
        .collect()
}

pub(crate) async fn story(ctx: &Ctx) {
    let store = &ctx.store;
    let (a, b) = (ctx.vault_a(), ctx.vault_b());
    let now = T0 + 2 * DAY;
    let web1 = cert_record("web", "v1", T0 + 30 * DAY, true);
    let api1 = cert_record("api", "v1", T0 + 200 * DAY, true);
    let db1 = cert_record("db", "v1", T0 + 10 * DAY, true);
    let batch = vec![web1.clone(), api1.clone(), db1.clone()];

    // Idempotent: the same records twice add nothing the second time.
    let upsert = |records: Vec<_>, now: i64| async move {
        store
            .upsert_certificate_versions(a, &records, now)
            .await
            .expect("upsert")
    };
    assert_eq!(upsert(batch.clone(), now).await, upserted(3, 0, 0));
    assert_eq!(upsert(batch.clone(), now + 1).await, upserted(0, 0, 3));
    let all_in_a = CertificateFilter {
        show: Show::All,
        vault: Some(a),
        include_missing: true,
        ..CertificateFilter::default()
    };
    assert_eq!(store.count_certificates(&all_in_a).await.expect("count"), 3);
    let stored = store.list_certificates(&all_in_a).await.expect("list");
    let stored_web = stored.iter().find(|c| c.record.name == "web").expect("web");
    assert_eq!(stored_web.record, web1, "a row round-trips to its record");
    assert_eq!(
        (stored_web.discovered_at, stored_web.refreshed_at),
        (now, now)
    );

    // A new version of web arrives and is current; v1 becomes previous.
    let web2 = cert_record("web", "v2", T0 + 120 * DAY, true);
    let web1_old = cert_record("web", "v1", T0 + 30 * DAY, false);
    assert_eq!(
        upsert(vec![web2.clone(), web1_old.clone()], now + 2).await,
        upserted(1, 1, 0)
    );
    assert_eq!(
        upsert(vec![web2.clone(), web1_old.clone()], now + 3).await,
        upserted(0, 0, 2)
    );
    let current = CertificateFilter {
        vault: Some(a),
        ..CertificateFilter::default()
    };
    assert_eq!(
        keys(&store.list_certificates(&current).await.expect("list")),
        ["db/v1", "web/v2", "api/v1"]
    );
    let previous = CertificateFilter {
        show: Show::Previous,
        ..current.clone()
    };
    assert_eq!(
        keys(&store.list_certificates(&previous).await.expect("list")),
        ["web/v1"]
    );
    let all = CertificateFilter {
        show: Show::All,
        ..current.clone()
    };
    assert_eq!(
        keys(&store.list_certificates(&all).await.expect("list")),
        ["db/v1", "web/v1", "web/v2", "api/v1"],
        "sorted by notAfter, then name"
    );

    // No record of a name flagged current: the stored flags stay as they are.
    let api_unflagged = cert_record("api", "v1", T0 + 200 * DAY, false);
    assert_eq!(
        upsert(vec![api_unflagged], now + 4).await,
        upserted(0, 0, 1)
    );
    let api = store.list_certificates(&current).await.expect("list");
    assert!(
        api.iter()
            .any(|c| c.record.name == "api" && c.record.is_current)
    );

    // Changed data is an update and moves refreshed_at.
    let mut db1_tagged = db1.clone();
    db1_tagged.tags = tags(&[("owner", "dba")]);
    db1_tagged.is_enabled = false;
    assert_eq!(
        upsert(vec![db1_tagged.clone()], now + 5).await,
        upserted(0, 1, 0)
    );
    let db_row = store
        .list_certificates(&CertificateFilter {
            search: Some("db.example".into()),
            ..current.clone()
        })
        .await
        .expect("list")
        .pop()
        .expect("db");
    assert_eq!(db_row.record, db1_tagged);
    assert_eq!((db_row.discovered_at, db_row.refreshed_at), (now, now + 5));

    // Inconsistent batches are refused whole.
    let web3 = cert_record("web", "v3", T0 + 300 * DAY, true);
    assert!(matches!(
        store
            .upsert_certificate_versions(a, &[web3.clone(), web2.clone()], now)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .upsert_certificate_versions(a, &[web3.clone(), web3.clone()], now)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        store.count_certificates(&all_in_a).await.expect("count"),
        4,
        "no duplicate rows"
    );

    // Markers for incremental discovery: current Key Vault versions.
    let markers = store.current_certificate_markers(a).await.expect("markers");
    assert_eq!(markers.len(), 3);
    assert_eq!(markers["web"], (web2.x5t.clone(), web2.kv_updated));

    // Another vault of the same credential.
    let edge = cert_record("edge", "e1", T0 + 60 * DAY, true);
    assert_eq!(
        store
            .upsert_certificate_versions(b, &[edge], now)
            .await
            .expect("edge"),
        upserted(1, 0, 0)
    );

    filters(ctx, &web2).await;
    missing(ctx).await;
}

async fn filters(ctx: &Ctx, web2: &certkeep_store::CertificateRecord) {
    let store = &ctx.store;
    let list = |filter: CertificateFilter| async move {
        let found = store.list_certificates(&filter).await.expect("list");
        let counted = store.count_certificates(&filter).await.expect("count");
        assert_eq!(
            found.len() as u64,
            counted,
            "count agrees with list for {filter:?}"
        );
        keys(&found)
    };
    let of_prod = CertificateFilter {
        credential: Some(ctx.prod().clone()),
        ..CertificateFilter::default()
    };
    assert_eq!(
        list(of_prod.clone()).await,
        ["db/v1", "edge/e1", "web/v2", "api/v1"]
    );
    assert_eq!(
        list(CertificateFilter {
            vault: Some(ctx.vault_b()),
            ..CertificateFilter::default()
        })
        .await,
        ["edge/e1"]
    );
    // Expiring: notAfter before a date.
    let soon = Some(T0 + 45 * DAY);
    assert_eq!(
        list(CertificateFilter {
            expiring_before: soon,
            ..of_prod.clone()
        })
        .await,
        ["db/v1"]
    );
    assert_eq!(
        list(CertificateFilter {
            expiring_before: soon,
            show: Show::All,
            ..of_prod.clone()
        })
        .await,
        ["db/v1", "web/v1"]
    );
    // Search: SAN, subject and name, thumbprints; case-insensitive; LIKE wildcards are literal.
    let search = |text: &str, show: Show| CertificateFilter {
        search: Some(text.into()),
        show,
        ..of_prod.clone()
    };
    assert_eq!(
        list(search("WWW.API.EXAMPLE", Show::Current)).await,
        ["api/v1"]
    );
    assert_eq!(
        list(search("edge.example.COM", Show::Current)).await,
        ["edge/e1"]
    );
    assert_eq!(list(search("contoso", Show::Current)).await.len(), 4);
    assert_eq!(
        list(search("10.0.0.7", Show::Current)).await.len(),
        4,
        "IP SANs are searched"
    );
    let sha1_colons = web2
        .sha1_hex
        .to_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|pair| String::from_utf8_lossy(pair).into_owned())
        .collect::<Vec<_>>()
        .join(":");
    assert_eq!(list(search(&sha1_colons, Show::All)).await, ["web/v2"]);
    assert_eq!(
        list(search(&web2.sha256_hex[10..30], Show::All)).await,
        ["web/v2"]
    );
    assert_eq!(list(search(&web2.x5t, Show::All)).await, ["web/v2"]);
    assert!(list(search("%", Show::All)).await.is_empty());
    assert!(list(search("_", Show::All)).await.is_empty());
    // Source filter.
    assert!(
        list(CertificateFilter {
            source: Some(CertificateSource::TlsSecret),
            ..of_prod.clone()
        })
        .await
        .is_empty()
    );
}

async fn missing(ctx: &Ctx) {
    let store = &ctx.store;
    let a = ctx.vault_a();
    let now = T0 + 3 * DAY;
    let names = vec!["db".to_string(), "no-such-cert".to_string()];
    assert_eq!(
        store
            .mark_certificates_missing(a, CertificateSource::KeyVault, &names, now)
            .await
            .expect("mark"),
        1
    );
    assert_eq!(
        store
            .mark_certificates_missing(a, CertificateSource::KeyVault, &names, now)
            .await
            .expect("mark"),
        0,
        "already missing"
    );
    let current = CertificateFilter {
        vault: Some(a),
        ..CertificateFilter::default()
    };
    assert_eq!(
        keys(&store.list_certificates(&current).await.expect("list")),
        ["web/v2", "api/v1"]
    );
    let with_missing = CertificateFilter {
        include_missing: true,
        ..current.clone()
    };
    let rows = store.list_certificates(&with_missing).await.expect("list");
    assert_eq!(
        keys(&rows),
        ["db/v1", "web/v2", "api/v1"],
        "missing rows are kept"
    );
    assert!(rows[0].is_missing);
    assert!(
        !store
            .current_certificate_markers(a)
            .await
            .expect("markers")
            .contains_key("db")
    );

    assert_eq!(
        store
            .mark_certificates_present(a, CertificateSource::KeyVault, &names, now + 1)
            .await
            .expect("present"),
        1
    );
    assert_eq!(
        keys(&store.list_certificates(&current).await.expect("list")),
        ["db/v1", "web/v2", "api/v1"]
    );

    // Seen again through an upsert: no longer missing, counted as an update.
    store
        .mark_certificates_missing(a, CertificateSource::KeyVault, &names, now + 2)
        .await
        .expect("mark");
    let mut db1 = cert_record("db", "v1", T0 + 10 * DAY, true);
    db1.tags = tags(&[("owner", "dba")]);
    db1.is_enabled = false;
    assert_eq!(
        store
            .upsert_certificate_versions(a, &[db1], now + 3)
            .await
            .expect("upsert"),
        upserted(0, 1, 0)
    );
    assert_eq!(
        keys(&store.list_certificates(&current).await.expect("list")),
        ["db/v1", "web/v2", "api/v1"]
    );
}
