//! The vault, issuer, sync run and audit pages.
use certkeep_store::{
    AuditFilter, IssuerFilter, IssuerRecord, NewAuditEvent, PageRequest, SyncOutcome,
    SyncRunFilter, VaultFilter,
};

use super::fixtures::{audit, vault_record};
use super::page_model::{NOW, PageData};
use super::{Ctx, T0};

async fn vault_and_issuer_pages(ctx: &Ctx, data: &PageData) {
    let store = &ctx.store;
    let mine = VaultFilter {
        credential: Some(data.credential.clone()),
        ..VaultFilter::default()
    };
    let page = store
        .vault_page(&mine, PageRequest::default())
        .await
        .expect("vaults");
    let names: Vec<&str> = page.items.iter().map(|v| v.record.name.as_str()).collect();
    assert_eq!((names, page.total), (vec!["kv-pages-a", "kv-pages-b"], 2));
    let page = store
        .vault_page(&mine, PageRequest::new(1, 1))
        .await
        .expect("vaults");
    assert_eq!(
        (page.items[0].record.name.as_str(), page.total),
        ("kv-pages-b", 2)
    );
    let search = VaultFilter {
        search: Some("PAGES-A".into()),
        ..mine.clone()
    };
    assert_eq!(
        store
            .vault_page(&search, PageRequest::default())
            .await
            .expect("v")
            .total,
        1
    );
    store
        .sync_vaults(
            &data.credential,
            &[
                vault_record("kv-pages-b"),
                vault_record("kv-pages-a"),
                vault_record("kv-pages-c"),
            ],
            true,
            T0 + 3,
            audit("vault.sync", "pages"),
        )
        .await
        .expect("sync");
    store
        .sync_vaults(
            &data.credential,
            &[vault_record("kv-pages-b"), vault_record("kv-pages-a")],
            true,
            T0 + 4,
            audit("vault.sync", "pages"),
        )
        .await
        .expect("sync");
    assert_eq!(
        store
            .vault_page(&mine, PageRequest::default())
            .await
            .expect("v")
            .total,
        2
    );
    let with_missing = VaultFilter {
        include_missing: true,
        ..mine.clone()
    };
    assert_eq!(
        store
            .vault_page(&with_missing, PageRequest::default())
            .await
            .expect("v")
            .total,
        3
    );
    assert!(
        store
            .vault_page(&VaultFilter::default(), PageRequest::default())
            .await
            .expect("v")
            .total
            >= 3
    );

    let issuer = |name: &str| IssuerRecord {
        name: name.into(),
        provider: "DigiCert".into(),
    };
    store
        .sync_issuers(
            data.v1,
            &[issuer("i-b"), issuer("i-a")],
            T0,
            audit("issuer.sync", "b"),
        )
        .await
        .expect("sync");
    store
        .sync_issuers(data.v2, &[issuer("i-c")], T0, audit("issuer.sync", "a"))
        .await
        .expect("sync");
    let by_vault = IssuerFilter {
        vault: Some(data.v1),
        ..IssuerFilter::default()
    };
    let page = store
        .issuer_page(&by_vault, PageRequest::default())
        .await
        .expect("issuers");
    let names: Vec<&str> = page.items.iter().map(|i| i.record.name.as_str()).collect();
    assert_eq!(names, ["i-a", "i-b"]);
    let by_credential = IssuerFilter {
        credential: Some(data.credential.clone()),
        ..IssuerFilter::default()
    };
    let page = store
        .issuer_page(&by_credential, PageRequest::new(0, 2))
        .await
        .expect("issuers");
    assert_eq!(
        (page.items.len(), page.total, page.has_more()),
        (2, 3, true)
    );
}

async fn run_and_audit_pages(ctx: &Ctx, data: &PageData) {
    let store = &ctx.store;
    let mut runs = Vec::new();
    for (i, (vault, kind, outcome)) in [
        (data.v1, "pages-discovery", SyncOutcome::Succeeded),
        (data.v1, "pages-discovery", SyncOutcome::Failed),
        (data.v2, "pages-discovery", SyncOutcome::Succeeded),
        (data.v1, "pages-import", SyncOutcome::Running),
    ]
    .into_iter()
    .enumerate()
    {
        let at = NOW + i as i64;
        let id = store
            .start_sync_run(kind, Some(&data.credential), Some(vault), at)
            .await
            .expect("start");
        if outcome != SyncOutcome::Running {
            store
                .finish_sync_run(
                    id,
                    outcome,
                    serde_json::json!({}),
                    None,
                    at,
                    audit("sync.finish", kind),
                )
                .await
                .expect("finish");
        }
        runs.push(id);
    }
    let ids = |filter: SyncRunFilter| async move {
        store
            .sync_run_page(&filter, PageRequest::default())
            .await
            .expect("runs")
            .items
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(SyncRunFilter {
            vault: Some(data.v1),
            ..SyncRunFilter::default()
        })
        .await,
        [runs[3], runs[1], runs[0]]
    );
    assert_eq!(
        ids(SyncRunFilter {
            kind: Some("pages-discovery".into()),
            ..SyncRunFilter::default()
        })
        .await,
        [runs[2], runs[1], runs[0]]
    );
    assert_eq!(
        ids(SyncRunFilter {
            vault: Some(data.v1),
            outcome: Some(SyncOutcome::Succeeded),
            ..SyncRunFilter::default()
        })
        .await,
        [runs[0]]
    );

    let event = |actor: &str, action: &str, target: &str, outcome: &str| NewAuditEvent {
        actor: actor.into(),
        action: action.into(),
        target: target.into(),
        outcome: outcome.into(),
        detail: serde_json::json!({}),
    };
    let since = ctx.store.list_audit_events(1).await.expect("last")[0].at;
    let mut recorded = Vec::new();
    for (i, (actor, action, target, outcome)) in [
        (
            "user:alice",
            "certificate.delete",
            "kv-pages-b/web",
            "succeeded",
        ),
        (
            "user:bob",
            "certificate.request",
            "kv-pages-b/api",
            "failed",
        ),
        ("user:alice", "vault.sync", "kv-pages-a", "succeeded"),
        ("system", "certificate.renew", "kv-pages-a/Web", "succeeded"),
        ("users:carol", "certificates.list", "kv-pages-b", "denied"),
    ]
    .into_iter()
    .enumerate()
    {
        ctx.clock.set(since + 100 + i as i64);
        recorded.push(
            store
                .record_audit_event(event(actor, action, target, outcome))
                .await
                .expect("record"),
        );
    }
    let ids = |filter: AuditFilter| async move {
        store
            .audit_page(&filter, PageRequest::default())
            .await
            .expect("audit")
            .items
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>()
    };
    let r = &recorded;
    let recent = AuditFilter {
        since: Some(since + 100),
        ..AuditFilter::default()
    };
    assert_eq!(ids(recent.clone()).await, [r[4], r[3], r[2], r[1], r[0]]);
    assert_eq!(
        ids(AuditFilter {
            actor: Some("user:".into()),
            ..recent.clone()
        })
        .await,
        [r[2], r[1], r[0]]
    );
    assert_eq!(
        ids(AuditFilter {
            actor: Some("user:alice".into()),
            ..recent.clone()
        })
        .await,
        [r[2], r[0]]
    );
    assert_eq!(
        ids(AuditFilter {
            actor: Some("user".into()),
            ..recent.clone()
        })
        .await,
        Vec::new()
    );
    assert_eq!(
        ids(AuditFilter {
            action: Some("certificate.".into()),
            ..recent.clone()
        })
        .await,
        [r[3], r[1], r[0]]
    );
    assert_eq!(
        ids(AuditFilter {
            action: Some("vault.sync".into()),
            ..recent.clone()
        })
        .await,
        [r[2]]
    );
    assert_eq!(
        ids(AuditFilter {
            target: Some("/web".into()),
            ..recent.clone()
        })
        .await,
        [r[0]]
    );
    assert_eq!(
        ids(AuditFilter {
            target: Some("pages-a".into()),
            ..recent.clone()
        })
        .await,
        [r[3], r[2]]
    );
    assert_eq!(
        ids(AuditFilter {
            outcome: Some("failed".into()),
            ..recent.clone()
        })
        .await,
        [r[1]]
    );
    assert_eq!(
        ids(AuditFilter {
            since: Some(since + 101),
            until: Some(since + 102),
            ..AuditFilter::default()
        })
        .await,
        [r[2], r[1]]
    );
    let page = store
        .audit_page(&recent, PageRequest::new(1, 2))
        .await
        .expect("audit");
    assert_eq!(
        (
            page.items.iter().map(|e| e.id).collect::<Vec<_>>(),
            page.total
        ),
        (vec![r[3], r[2]], 5)
    );
    // (The audit chain step left the chain broken on purpose; appends still link.)
}

pub(crate) async fn story(ctx: &Ctx, data: &PageData) {
    vault_and_issuer_pages(ctx, data).await;
    run_and_audit_pages(ctx, data).await;
}
