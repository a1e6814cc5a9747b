//! Local delete of certificates and TLS secrets, with and without discovery exclusions, each in
//! one transaction with its audit event; exclusions listed, looked up and removed.
use certkeep_store::{
    CertificateFilter, CertificateSource, DeleteCounts, ExclusionKind, Show, StoreError,
    TlsSecretFilter, VaultId,
};

use super::Ctx;
use super::fixtures::{audit, cert_record, tls_record};
use super::page_model::{NOW, PageData};

async fn versions(ctx: &Ctx, vault: VaultId, name: &str) -> Vec<String> {
    ctx.store
        .find_certificate_versions(vault, name)
        .await
        .expect("versions")
        .into_iter()
        .map(|c| c.record.version)
        .collect()
}

pub(crate) async fn story(ctx: &Ctx, data: &PageData) {
    let store = &ctx.store;
    let v1 = data.v1;
    let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    store
        .upsert_certificate_versions(
            v1,
            &[
                cert_record("gone", "g2", NOW + 90 * 86_400, true),
                cert_record("gone", "g1", NOW + 9 * 86_400, false),
            ],
            NOW,
        )
        .await
        .expect("upsert");

    // One version, without exclusion: the other version stays (with no current flag now).
    let before = ctx.audit_count().await;
    let counts = store
        .delete_certificates(
            v1,
            &names(&["gone"]),
            Some("g2"),
            false,
            "user:alice",
            audit("certificate.delete", "gone/g2"),
        )
        .await
        .expect("delete");
    assert_eq!(
        counts,
        DeleteCounts {
            versions_deleted: 1,
            exclusions_added: 0
        }
    );
    assert_eq!(versions(ctx, v1, "gone").await, ["g1"]);
    assert!(
        !store
            .find_certificate_versions(v1, "gone")
            .await
            .expect("v")[0]
            .record
            .is_current
    );
    assert_eq!(ctx.audit_count().await, before + 1);
    let event = &store.list_audit_events(1).await.expect("audit")[0];
    assert_eq!(event.detail["counts"]["versions_deleted"], 1);
    assert!(
        store
            .exclusions_for_vault(v1)
            .await
            .expect("exclusions")
            .is_empty()
    );

    // Every version of two names, with exclusions (added once, however often asked).
    let counts = store
        .delete_certificates(
            v1,
            &names(&["gone", "alpha"]),
            None,
            true,
            "user:alice",
            audit("certificate.delete", "gone,alpha"),
        )
        .await
        .expect("delete");
    assert_eq!(
        counts,
        DeleteCounts {
            versions_deleted: 3,
            exclusions_added: 2
        }
    );
    assert!(versions(ctx, v1, "alpha").await.is_empty());
    let again = store
        .delete_certificates(
            v1,
            &names(&["alpha"]),
            None,
            true,
            "user:bob",
            audit("certificate.delete", "alpha"),
        )
        .await
        .expect("delete");
    assert_eq!(
        again,
        DeleteCounts {
            versions_deleted: 0,
            exclusions_added: 0
        }
    );
    let one_version = store
        .delete_certificates(
            v1,
            &names(&["kilo"]),
            Some("v1"),
            true,
            "user:bob",
            audit("certificate.delete", "kilo/v1"),
        )
        .await
        .expect("delete");
    assert_eq!(
        one_version,
        DeleteCounts {
            versions_deleted: 1,
            exclusions_added: 1
        }
    );
    let excluded = store.exclusions_for_vault(v1).await.expect("exclusions");
    let keys: Vec<(ExclusionKind, &str, Option<&str>, &str)> = excluded
        .iter()
        .map(|e| {
            (
                e.kind,
                e.name.as_str(),
                e.version.as_deref(),
                e.created_by.as_str(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            (ExclusionKind::Certificate, "alpha", None, "user:alice"),
            (ExclusionKind::Certificate, "gone", None, "user:alice"),
            (ExclusionKind::Certificate, "kilo", Some("v1"), "user:bob"),
        ]
    );
    assert!(excluded[0].covers(ExclusionKind::Certificate, "alpha", "any"));
    assert!(excluded[2].covers(ExclusionKind::Certificate, "kilo", "v1"));
    assert!(!excluded[2].covers(ExclusionKind::Certificate, "kilo", "v2"));
    assert!(!excluded[2].covers(ExclusionKind::TlsSecret, "kilo", "v1"));
    assert_eq!(excluded[0].created_at, ctx.clock_now());

    // TLS secrets: every version goes; the certificate parsed from one stays.
    store
        .upsert_tls_secret_versions(
            v1,
            &[
                tls_record("tls-del", "2", None, true),
                tls_record("tls-del", "1", None, false),
            ],
            NOW,
        )
        .await
        .expect("upsert");
    let mut parsed = cert_record("tls-del", "2", NOW + 50 * 86_400, true);
    parsed.source = CertificateSource::TlsSecret;
    store
        .upsert_certificate_versions(v1, &[parsed], NOW)
        .await
        .expect("upsert");
    let secret = store
        .list_tls_secrets(&TlsSecretFilter {
            vault: Some(v1),
            search: Some("tls-del".into()),
            ..TlsSecretFilter::default()
        })
        .await
        .expect("secrets")[0]
        .clone();
    let cert = store
        .find_certificate_versions(v1, "tls-del")
        .await
        .expect("cert")[0]
        .clone();
    store
        .link_tls_secret_certificate(secret.id, cert.id)
        .await
        .expect("link");
    let counts = store
        .delete_tls_secrets(
            v1,
            &names(&["tls-del", "no-such-secret"]),
            true,
            "user:carol",
            audit("tls_secret.delete", "tls-del"),
        )
        .await
        .expect("delete");
    assert_eq!(
        counts,
        DeleteCounts {
            versions_deleted: 2,
            exclusions_added: 2
        }
    );
    let left = store
        .count_tls_secrets(&TlsSecretFilter {
            vault: Some(v1),
            show: Show::All,
            include_missing: true,
            search: Some("tls-del".into()),
            ..TlsSecretFilter::default()
        })
        .await
        .expect("count");
    assert_eq!(left, 0);
    assert!(
        store
            .find_certificate(cert.id)
            .await
            .expect("find")
            .is_some(),
        "the certificate stays"
    );

    // Removing an exclusion (audited); an unknown vault or exclusion is NotFound, unaudited.
    let before = ctx.audit_count().await;
    let removed = store
        .remove_exclusion(excluded[0].id, audit("exclusion.remove", "alpha"))
        .await
        .expect("remove");
    assert_eq!(removed.name, "alpha");
    assert_eq!(ctx.audit_count().await, before + 1);
    assert!(matches!(
        store
            .remove_exclusion(excluded[0].id, audit("exclusion.remove", "alpha"))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .delete_certificates(
                VaultId(-1),
                &names(&["x"]),
                None,
                true,
                "u",
                audit("certificate.delete", "x")
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(ctx.audit_count().await, before + 1);
    let all = store.list_exclusions(None).await.expect("all");
    assert_eq!(all.len(), 4);
    assert_eq!(
        store
            .list_exclusions(Some(data.v2))
            .await
            .expect("v2")
            .len(),
        0
    );
    let remaining = store
        .count_certificates(&CertificateFilter {
            vault: Some(v1),
            show: Show::All,
            include_missing: true,
            ..CertificateFilter::default()
        })
        .await
        .expect("count");
    assert!(remaining > 0);
}
