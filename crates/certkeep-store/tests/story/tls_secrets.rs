//! TLS secret versions: upserts, current switching, the link to the parsed certificate, filters,
//! missing marking.
use certkeep_store::{
    CertificateFilter, CertificateSource, Show, StoreError, TlsSecret, TlsSecretFilter,
    TlsSecretId, UpsertCounts,
};

use super::fixtures::{cert_record, tls_record};
use super::{Ctx, DAY, T0};

fn keys(secrets: &[TlsSecret]) -> Vec<String> {
    secrets
        .iter()
        .map(|s| format!("{}/{}", s.record.name, s.record.version))
        .collect()
}

pub(crate) async fn story(ctx: &Ctx) {
    let store = &ctx.store;
    let a = ctx.vault_a();
    let now = T0 + 4 * DAY;
    let s1 = tls_record("tls-web", "s1", Some(T0 + 40 * DAY), true);
    let old = tls_record("tls-old", "o1", None, true);
    let upsert = |records: Vec<_>, now: i64| async move {
        store
            .upsert_tls_secret_versions(a, &records, now)
            .await
            .expect("upsert secrets")
    };
    let counts = |added, updated, unchanged| UpsertCounts {
        added,
        updated,
        unchanged,
    };
    assert_eq!(
        upsert(vec![s1.clone(), old.clone()], now).await,
        counts(2, 0, 0)
    );
    assert_eq!(
        upsert(vec![s1.clone(), old.clone()], now + 1).await,
        counts(0, 0, 2)
    );

    // The certificate inside the secret, stored as a version with source tls_secret.
    let mut parsed = cert_record("tls-web", "s1", T0 + 40 * DAY, true);
    parsed.source = CertificateSource::TlsSecret;
    parsed.policy_issuer = None;
    parsed.content_type = Some("application/x-pem-file".into());
    store
        .upsert_certificate_versions(a, &[parsed.clone()], now)
        .await
        .expect("parsed cert");
    let from_secrets = CertificateFilter {
        source: Some(CertificateSource::TlsSecret),
        ..CertificateFilter::default()
    };
    let certs = store.list_certificates(&from_secrets).await.expect("list");
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].record, parsed);

    let current = TlsSecretFilter {
        vault: Some(a),
        ..TlsSecretFilter::default()
    };
    let listed = store.list_tls_secrets(&current).await.expect("list");
    let s1_row = listed
        .iter()
        .find(|s| s.record.version == "s1")
        .expect("s1");
    assert_eq!(s1_row.record, s1);
    assert_eq!(s1_row.certificate_id, None);
    store
        .link_tls_secret_certificate(s1_row.id, certs[0].id)
        .await
        .expect("link");

    // Upserting the same version again keeps the link; a new version becomes current.
    assert_eq!(upsert(vec![s1.clone()], now + 2).await, counts(0, 0, 1));
    let s2 = tls_record("tls-web", "s2", Some(T0 + 80 * DAY), true);
    assert_eq!(upsert(vec![s2.clone()], now + 3).await, counts(1, 0, 0));
    assert_eq!(
        keys(&store.list_tls_secrets(&current).await.expect("list")),
        ["tls-web/s2", "tls-old/o1"],
        "no expiry sorts last"
    );
    let previous = store
        .list_tls_secrets(&TlsSecretFilter {
            show: Show::Previous,
            ..current.clone()
        })
        .await
        .expect("list");
    assert_eq!(keys(&previous), ["tls-web/s1"]);
    assert_eq!(
        previous[0].certificate_id,
        Some(certs[0].id),
        "the link survives upserts"
    );
    assert!(!previous[0].record.is_current);

    // Filters.
    let all = TlsSecretFilter {
        show: Show::All,
        ..current.clone()
    };
    assert_eq!(
        keys(
            &store
                .list_tls_secrets(&TlsSecretFilter {
                    expiring_before: Some(T0 + 50 * DAY),
                    ..all.clone()
                })
                .await
                .expect("list")
        ),
        ["tls-web/s1"]
    );
    assert_eq!(
        keys(
            &store
                .list_tls_secrets(&TlsSecretFilter {
                    search: Some("OLD".into()),
                    ..all.clone()
                })
                .await
                .expect("list")
        ),
        ["tls-old/o1"]
    );
    let of_prod = TlsSecretFilter {
        credential: Some(ctx.prod().clone()),
        show: Show::All,
        ..TlsSecretFilter::default()
    };
    assert_eq!(store.count_tls_secrets(&of_prod).await.expect("count"), 3);

    // Links stay within a vault and need both ends.
    let edge = store
        .list_certificates(&CertificateFilter {
            vault: Some(ctx.vault_b()),
            ..CertificateFilter::default()
        })
        .await
        .expect("edge")
        .pop()
        .expect("edge cert");
    assert!(matches!(
        store
            .link_tls_secret_certificate(previous[0].id, edge.id)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .link_tls_secret_certificate(TlsSecretId(i64::MAX), edge.id)
            .await,
        Err(StoreError::NotFound { .. })
    ));

    // Missing secrets are kept and hidden unless asked for.
    assert_eq!(
        store
            .mark_tls_secrets_missing(a, &["tls-old".to_string()])
            .await
            .expect("mark"),
        1
    );
    assert_eq!(
        keys(&store.list_tls_secrets(&current).await.expect("list")),
        ["tls-web/s2"]
    );
    let with_missing = TlsSecretFilter {
        include_missing: true,
        ..current.clone()
    };
    let rows = store.list_tls_secrets(&with_missing).await.expect("list");
    assert_eq!(keys(&rows), ["tls-web/s2", "tls-old/o1"]);
    assert!(rows[1].is_missing);
}
