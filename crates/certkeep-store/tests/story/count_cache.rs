//! Cached counts: a listing's total is served from the cache only while no certificate row has
//! changed (the inventory generation, raised by triggers), and every kind of change — insert,
//! update, delete — shows in the next count and the next search.
use certkeep_store::{CertificateFilter, CertificateSource, PageRequest};

use super::Ctx;
use super::fixtures::{audit, cert_record};
use super::page_model::{NOW, PageData};

pub(crate) async fn story(ctx: &Ctx, data: &PageData) {
    let store = &ctx.store;
    let v1 = data.v1;
    let in_v1 = CertificateFilter {
        vault: Some(v1),
        now: NOW,
        ..Default::default()
    };
    let count = || async { store.count_certificates(&in_v1).await.expect("count") };
    let generation = || async { store.inventory_generation().await.expect("generation") };
    let total = || async {
        store
            .certificate_page(&in_v1, Default::default(), false, PageRequest::new(0, 1))
            .await
            .expect("page")
            .total
    };

    let searched = CertificateFilter {
        search: Some("CC-NEW".into()),
        ..in_v1.clone()
    };
    let found = || async {
        store
            .certificate_page(
                &searched,
                Default::default(),
                false,
                PageRequest::new(0, 10),
            )
            .await
            .expect("search")
            .items
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    assert!(found().await.is_empty());

    let g0 = generation().await;
    assert!(g0 > 0, "the seed's writes raised the generation");
    let n0 = count().await;
    assert_eq!(total().await, n0);
    assert_eq!(count().await, n0, "served again");
    assert_eq!(generation().await, g0, "reads change nothing");

    // Insert: one more current version.
    store
        .upsert_certificate_versions(
            v1,
            &[cert_record("cc-new", "c1", NOW + 40 * 86_400, true)],
            NOW,
        )
        .await
        .expect("upsert");
    let g1 = generation().await;
    assert!(g1 > g0, "an insert raises the generation");
    assert_eq!(count().await, n0 + 1);
    assert_eq!(total().await, n0 + 1);
    assert_eq!(
        found().await,
        ["cc-new"],
        "the search index sees the insert at once"
    );

    // Update: marked missing, so the default filter no longer counts it.
    let changed = store
        .mark_certificates_missing(
            v1,
            CertificateSource::KeyVault,
            &["cc-new".to_string()],
            NOW,
        )
        .await
        .expect("missing");
    assert_eq!(changed, 1);
    let g2 = generation().await;
    assert!(g2 > g1, "an update raises the generation");
    assert_eq!(count().await, n0);
    assert!(
        found().await.is_empty(),
        "a missing version is not current-and-present"
    );
    let with_missing = CertificateFilter {
        include_missing: true,
        ..in_v1.clone()
    };
    let n_missing = store
        .count_certificates(&with_missing)
        .await
        .expect("count");

    // Delete: gone from the count that includes missing versions.
    store
        .delete_certificates(
            v1,
            &["cc-new".to_string()],
            None,
            false,
            "user:alice",
            audit("certificate.delete", "cc-new"),
        )
        .await
        .expect("delete");
    assert!(generation().await > g2, "a delete raises the generation");
    assert_eq!(
        store
            .count_certificates(&with_missing)
            .await
            .expect("count"),
        n_missing - 1
    );
    assert_eq!(count().await, n0);
}
