//! The audit chain verifies, and detects a tampered or removed event.
use certkeep_store::{NewAuditEvent, StoreError};

use super::Ctx;
use super::fixtures::raw_sql;

pub(crate) async fn story(ctx: &Ctx) {
    let store = &ctx.store;
    let refused = store
        .record_audit_event(NewAuditEvent {
            actor: "mallory".into(),
            action: "credential.delete".into(),
            target: "staging".into(),
            outcome: "denied".into(),
            detail: serde_json::json!({"reason": "missing role"}),
        })
        .await
        .expect("record");
    let events = store.list_audit_events(1_000).await.expect("events");
    assert_eq!(events[0].id, refused, "newest first");
    let total = events.len();
    assert_eq!(store.verify_audit_chain().await.expect("verifies"), total);
    let actions: Vec<&str> = events.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "credential.create",
            "credential.rotate",
            "vault.sync",
            "vault.sync",
            "vault.sync",
            "vault.sync",
            "vault.sync",
            "vault.sync",
            "vault.sync",
            "issuer.sync",
            "issuer.sync",
            "issuer.sync",
            "discovery.finish",
            "credential.create",
            "vault.sync",
            "credential.delete",
            "credential.delete",
        ],
        "exactly the successful mutations, in order"
    );
    for pair in events.windows(2) {
        assert_eq!(
            pair[0].prev_hash, pair[1].hash,
            "each event links to the one before"
        );
    }

    concurrent_writers(ctx, total).await;
    let events = store.list_audit_events(1_000).await.expect("events");
    let total = events.len();

    // Change one field of an event in the middle: verification stops there.
    let victim = &events[total / 2];
    raw_sql(
        &ctx.url,
        &format!(
            "UPDATE audit_events SET outcome = 'failed' WHERE id = {}",
            victim.id.0
        ),
    )
    .await;
    match store.verify_audit_chain().await {
        Err(StoreError::AuditChainBroken { id }) => assert_eq!(id, victim.id.0),
        other => panic!("tampering not detected: {other:?}"),
    }
    raw_sql(
        &ctx.url,
        &format!(
            "UPDATE audit_events SET outcome = '{}' WHERE id = {}",
            victim.outcome, victim.id.0
        ),
    )
    .await;
    assert_eq!(store.verify_audit_chain().await.expect("restored"), total);

    // Remove an event: the next one no longer links.
    raw_sql(
        &ctx.url,
        &format!("DELETE FROM audit_events WHERE id = {}", victim.id.0),
    )
    .await;
    let next = events[total / 2 - 1].id.0;
    match store.verify_audit_chain().await {
        Err(StoreError::AuditChainBroken { id }) => assert_eq!(id, next),
        other => panic!("removal not detected: {other:?}"),
    }
}

/// Audited writes from many tasks at once still form one chain.
async fn concurrent_writers(ctx: &Ctx, before: usize) {
    const WRITERS: usize = 12;
    let mut tasks = Vec::new();
    for n in 0..WRITERS {
        let store = ctx.store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .record_audit_event(NewAuditEvent {
                    actor: format!("worker-{n}"),
                    action: "login".into(),
                    target: "ui".into(),
                    outcome: "succeeded".into(),
                    detail: serde_json::Value::Null,
                })
                .await
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("record concurrently");
    }
    assert_eq!(
        ctx.store
            .verify_audit_chain()
            .await
            .expect("chain after concurrent writes"),
        before + WRITERS
    );
}
