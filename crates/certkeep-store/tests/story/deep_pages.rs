//! Deep pages (offset 1,000 and more: by position from the ordered ids kept per filter, or by a
//! deferred join) hold the same rows, in the same order, as the whole result sorted by the
//! model, both ways; a search the index resolves to ids pages the same; and after a change
//! neither is served stale.
use certkeep_store::{CertificateFilter, CertificateSort, PageRequest};

use super::Ctx;
use super::fixtures::cert_record;
use super::page_model::{NOW, PageData};

pub(crate) async fn story(ctx: &Ctx, data: &PageData) {
    let store = &ctx.store;
    // 1,100 current versions in vault 2, many with the same notAfter (ties decide the order).
    let records: Vec<_> = (0..1_100)
        .map(|i| cert_record(&format!("deep-{i:04}"), "d1", NOW + (i % 7) * 86_400, true))
        .collect();
    store
        .upsert_certificate_versions(data.v2, &records, NOW)
        .await
        .expect("upsert");
    assert_pages_match_model(store, data).await;
    // A change: the pages kept by position are not served stale, neither while a list was
    // just built (read in SQL meanwhile) nor once it is rebuilt (after the rebuild pause).
    let more: Vec<_> = (0..30)
        .map(|i| cert_record(&format!("deep-{:04}", 2_000 + i), "d1", NOW + 86_400, true))
        .collect();
    store
        .upsert_certificate_versions(data.v2, &more, NOW)
        .await
        .expect("upsert more");
    assert_pages_match_model(store, data).await;
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    // The same version read again with another notAfter: it moves in the order.
    let moved = [cert_record("deep-2000", "d1", NOW + 5 * 86_400, true)];
    store
        .upsert_certificate_versions(data.v2, &moved, NOW + 1)
        .await
        .expect("move one");
    assert_pages_match_model(store, data).await;
}

/// Every page at deep offsets (and of a search the index resolves to ids) holds the rows of
/// the whole result sorted by the model, both ways, with the right total.
async fn assert_pages_match_model(store: &certkeep_store::Store, data: &PageData) {
    for search in [None, Some("DEEP-".to_string())] {
        let filter = CertificateFilter {
            vault: Some(data.v2),
            search: search.clone(),
            now: NOW,
            ..Default::default()
        };
        for sort in [CertificateSort::NotAfter, CertificateSort::Name] {
            for descending in [false, true] {
                // The whole result, from the model of the first 1,000 and the rest.
                let mut want: Vec<i64> = Vec::new();
                for offset in [0u64, 1_000] {
                    let part = store
                        .certificate_page(
                            &filter,
                            sort,
                            descending,
                            PageRequest::new(offset, 1_000),
                        )
                        .await
                        .expect("whole");
                    want.extend(part.items.iter().map(|c| c.id.0));
                }
                assert!(want.len() >= 1_100, "{}", want.len());
                let mut by_model = store.list_certificates(&filter).await.expect("list");
                by_model.sort_by(|a, b| {
                    let key = |c: &certkeep_store::Certificate| match sort {
                        CertificateSort::NotAfter => (c.record.not_after, String::new()),
                        _ => (0, c.record.name.clone()),
                    };
                    let order = key(a)
                        .cmp(&key(b))
                        .then_with(|| a.record.name.cmp(&b.record.name))
                        .then_with(|| a.id.cmp(&b.id));
                    if descending { order.reverse() } else { order }
                });
                let model: Vec<i64> = by_model.iter().map(|c| c.id.0).collect();
                assert_eq!(want, model, "{search:?} {sort:?} desc={descending}");
                for offset in [990u64, 1_000, 1_050, 1_090] {
                    let page = store
                        .certificate_page(&filter, sort, descending, PageRequest::new(offset, 20))
                        .await
                        .expect("page");
                    let got: Vec<i64> = page.items.iter().map(|c| c.id.0).collect();
                    let end = (offset as usize + 20).min(want.len());
                    assert_eq!(
                        got,
                        want[offset as usize..end],
                        "{search:?} {sort:?} desc={descending} offset {offset}"
                    );
                    assert_eq!(page.total, want.len() as u64);
                }
            }
        }
    }
}
