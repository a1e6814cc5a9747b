//! `is_eku_critical` (migration 2): stored by `upsert_certificates`, kept by the record-only
//! upsert, shown in summaries and full rows.
use certkeep_store::{
    CertificateFilter, CertificateSort, CertificateUpsert, PageRequest, UpsertCounts,
};

use super::Ctx;
use super::fixtures::cert_record;
use super::page_model::{NOW, PageData};

pub(crate) async fn story(ctx: &Ctx, data: &PageData) {
    let store = &ctx.store;
    let record = cert_record("eku", "e1", NOW + 100 * 86_400, true);
    let upsert = CertificateUpsert {
        record: record.clone(),
        is_eku_critical: true,
    };
    let counts = store
        .upsert_certificates(data.v2, &[upsert.clone()], NOW)
        .await
        .expect("upsert");
    assert_eq!(
        counts,
        UpsertCounts {
            added: 1,
            updated: 0,
            unchanged: 0
        }
    );
    let unchanged = store
        .upsert_certificates(data.v2, &[upsert.clone()], NOW + 1)
        .await
        .expect("upsert");
    assert_eq!(unchanged.unchanged, 1);
    // The record-only upsert keeps the flag.
    let kept = store
        .upsert_certificate_versions(data.v2, &[record.clone()], NOW + 2)
        .await
        .expect("upsert");
    assert_eq!(kept.unchanged, 1);
    let stored = &store
        .find_certificate_versions(data.v2, "eku")
        .await
        .expect("versions")[0];
    assert!(stored.is_eku_critical);
    assert_eq!(stored.record, record);
    let filter = CertificateFilter {
        name: Some("eku".into()),
        ..data.current()
    };
    let page = store
        .certificate_page(
            &filter,
            CertificateSort::Name,
            false,
            PageRequest::default(),
        )
        .await
        .expect("page");
    assert!(page.items[0].is_eku_critical);
    let cleared = CertificateUpsert {
        is_eku_critical: false,
        ..upsert
    };
    let counts = store
        .upsert_certificates(data.v2, &[cleared], NOW + 3)
        .await
        .expect("upsert");
    assert_eq!(counts.updated, 1);
    assert!(
        !store
            .find_certificate_versions(data.v2, "eku")
            .await
            .expect("versions")[0]
            .is_eku_critical
    );
}
