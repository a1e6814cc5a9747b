//! Certificate requests: created with their audit event, updated field by field, paged,
//! polled when due, and the latest one per name.
use certkeep_store::{
    NewRequest, PageRequest, RequestFilter, RequestId, RequestKind, RequestStatus, RequestUpdate,
    StoreError, VaultId,
};

use super::Ctx;
use super::fixtures::audit;
use super::page_model::{NOW, PageData};

fn new_request(vault: VaultId, name: &str, at: i64, poll_after: Option<i64>) -> NewRequest {
    NewRequest {
        id: RequestId::parse(&uuid::Uuid::new_v4().to_string()).expect("uuid"),
        vault_id: vault,
        certificate_name: name.into(),
        kind: RequestKind::Request,
        spec: serde_json::json!({"subject": format!("CN={name}"), "validity_months": 12}),
        issuer_name: "Self".into(),
        requested_by: "user:alice".into(),
        requested_at: at,
        status: RequestStatus::Sending,
        poll_after,
    }
}

pub(crate) async fn story(ctx: &Ctx, data: &PageData) {
    let store = &ctx.store;
    let before = ctx.audit_count().await;
    let first = new_request(data.v1, "web", NOW, None);
    let created = store
        .create_request(
            first.clone(),
            audit("certificate.request", "kv-pages-b/web"),
        )
        .await
        .expect("create");
    assert_eq!(
        (created.id.clone(), created.status),
        (first.id.clone(), RequestStatus::Sending)
    );
    assert_eq!(
        (created.spec.clone(), created.poll_attempts),
        (first.spec.clone(), 0)
    );
    assert_eq!(ctx.audit_count().await, before + 1);
    let event = &store.list_audit_events(1).await.expect("audit")[0];
    assert_eq!(event.detail["request_id"], first.id.as_str());
    // The same id again: a conflict, no event.
    assert!(matches!(
        store
            .create_request(first.clone(), audit("certificate.request", "again"))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store
            .create_request(
                new_request(VaultId(-5), "x", NOW, None),
                audit("certificate.request", "x")
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(ctx.audit_count().await, before + 1);

    // Updates set only the fields given; with an event, it is written in the same transaction.
    ctx.clock.set(NOW + 10);
    let updated = store
        .update_request(
            &first.id,
            RequestUpdate {
                status: Some(RequestStatus::InProgress),
                kv_request_id: Some("op-1".into()),
                csr_der: Some(vec![0x30, 0x82, 0x01]),
                poll_after: Some(NOW + 60),
                poll_attempts: Some(1),
                criticality: Some(serde_json::json!({"eku": true})),
                ..RequestUpdate::default()
            },
            None,
        )
        .await
        .expect("update");
    assert_eq!(updated.status, RequestStatus::InProgress);
    assert_eq!(updated.kv_request_id.as_deref(), Some("op-1"));
    assert_eq!(updated.csr_der.as_deref(), Some(&[0x30, 0x82, 0x01][..]));
    assert_eq!(
        (
            updated.poll_after,
            updated.poll_attempts,
            updated.updated_at
        ),
        (Some(NOW + 60), 1, NOW + 10)
    );
    assert_eq!(updated.criticality, Some(serde_json::json!({"eku": true})));
    assert_eq!(updated.spec, first.spec, "untouched fields are kept");
    assert_eq!(ctx.audit_count().await, before + 1, "no event without one");
    assert!(matches!(
        store
            .update_request(
                &RequestId::parse("00000000-0000-0000-0000-000000000000").expect("id"),
                RequestUpdate::default(),
                None
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));

    // More requests: due ones are open with poll_after reached or unset, oldest first.
    let second = new_request(data.v1, "api", NOW + 1, Some(NOW + 5));
    let third = new_request(data.v2, "web", NOW + 2, None);
    let done = new_request(data.v1, "db", NOW - 100, None);
    for r in [&second, &third, &done] {
        store
            .create_request(r.clone(), audit("certificate.request", &r.certificate_name))
            .await
            .expect("create");
    }
    store
        .update_request(
            &done.id,
            RequestUpdate {
                status: Some(RequestStatus::Completed),
                result_version: Some("v9".into()),
                completed_at: Some(NOW + 20),
                ..RequestUpdate::default()
            },
            Some(audit("certificate.request.completed", "db")),
        )
        .await
        .expect("complete");
    assert_eq!(ctx.audit_count().await, before + 5);
    let due = |now| async move {
        store
            .requests_due(now, 10)
            .await
            .expect("due")
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(due(NOW).await, [third.id.clone()]);
    assert_eq!(due(NOW + 5).await, [second.id.clone(), third.id.clone()]);
    assert_eq!(
        due(NOW + 60).await,
        [first.id.clone(), second.id.clone(), third.id.clone()]
    );
    assert_eq!(store.requests_due(NOW + 60, 1).await.expect("due").len(), 1);

    // Latest per name, and pages newest first.
    let latest = store
        .latest_request_for(data.v1, "web")
        .await
        .expect("latest")
        .expect("one");
    assert_eq!(latest.id, first.id);
    let newer = new_request(data.v1, "web", NOW + 30, None);
    store
        .create_request(newer.clone(), audit("certificate.renew", "web"))
        .await
        .expect("create");
    let latest = store
        .latest_request_for(data.v1, "web")
        .await
        .expect("latest")
        .expect("one");
    assert_eq!(latest.id, newer.id);
    assert!(
        store
            .latest_request_for(data.v2, "nope")
            .await
            .expect("latest")
            .is_none()
    );
    let ids = |filter: RequestFilter| async move {
        store
            .request_page(&filter, PageRequest::default())
            .await
            .expect("page")
            .items
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    let mine = RequestFilter {
        credential: Some(data.credential.clone()),
        ..RequestFilter::default()
    };
    assert_eq!(
        ids(mine.clone()).await,
        [
            newer.id.clone(),
            third.id.clone(),
            second.id.clone(),
            first.id.clone(),
            done.id.clone()
        ]
    );
    assert_eq!(
        ids(RequestFilter {
            vault: Some(data.v2),
            ..mine.clone()
        })
        .await,
        [third.id.clone()]
    );
    assert_eq!(
        ids(RequestFilter {
            status: Some(RequestStatus::Completed),
            ..mine.clone()
        })
        .await,
        [done.id.clone()]
    );
    assert_eq!(
        ids(RequestFilter {
            certificate_name: Some("web".into()),
            vault: Some(data.v1),
            ..mine.clone()
        })
        .await,
        [newer.id.clone(), first.id.clone()]
    );
    let page = store
        .request_page(&mine, PageRequest::new(1, 2))
        .await
        .expect("page");
    assert_eq!((page.items.len(), page.total), (2, 5));
    let found = store
        .find_request(&done.id)
        .await
        .expect("find")
        .expect("done");
    assert_eq!(
        (found.result_version.as_deref(), found.completed_at),
        (Some("v9"), Some(NOW + 20))
    );
}
