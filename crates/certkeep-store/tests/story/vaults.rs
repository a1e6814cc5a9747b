//! Vault sync: added / updated / unchanged / marked missing, reappearing, incomplete listings,
//! and issuers.
use certkeep_store::{IssuerRecord, StoreError, SyncCounts};

use super::fixtures::{audit, new_credential, tags, vault_record};
use super::{Ctx, DAY, T0};

fn counts(added: usize, updated: usize, unchanged: usize, marked_missing: usize) -> SyncCounts {
    SyncCounts {
        added,
        updated,
        unchanged,
        marked_missing,
    }
}

pub(crate) async fn story(ctx: &mut Ctx) {
    let store = &ctx.store;
    let prod = ctx.prod().clone();
    let t1 = T0 + DAY;
    let sync = |records: Vec<_>, complete: bool, now: i64| {
        let prod = prod.clone();
        async move {
            store
                .sync_vaults(&prod, &records, complete, now, audit("vault.sync", "prod"))
                .await
                .expect("sync vaults")
        }
    };

    let a = vault_record("kv-a");
    let b = vault_record("kv-b");
    let c = vault_record("kv-c");
    assert_eq!(
        sync(vec![a.clone(), b.clone()], true, t1).await,
        counts(2, 0, 0, 0)
    );
    assert_eq!(
        sync(vec![a.clone(), b.clone()], true, t1 + 1).await,
        counts(0, 0, 2, 0)
    );

    // The sync's audit event carries the counts.
    let event = &store.list_audit_events(1).await.expect("audit")[0];
    assert_eq!(event.action, "vault.sync");
    assert_eq!(event.detail["counts"]["unchanged"], 2);
    assert_eq!(event.detail["by"], "store_story");

    let mut b2 = b.clone();
    b2.tags = tags(&[("env", "prod"), ("team", "web")]);
    b2.has_purge_protection = true;
    assert_eq!(
        sync(vec![a.clone(), b2.clone(), c.clone()], true, t1 + 2).await,
        counts(1, 1, 1, 0)
    );
    let stored_b = store
        .find_vault(&prod, "kv-b")
        .await
        .expect("find")
        .expect("kv-b");
    assert_eq!(
        stored_b.record, b2,
        "a vault row round-trips to what ARM said"
    );
    assert_eq!(
        (stored_b.first_seen_at, stored_b.last_seen_at),
        (t1, t1 + 2)
    );

    // kv-b disappears from a complete listing: marked missing, never deleted.
    assert_eq!(
        sync(vec![a.clone(), c.clone()], true, t1 + 3).await,
        counts(0, 0, 2, 1)
    );
    let listed = store.list_vaults(Some(&prod)).await.expect("list");
    assert_eq!(listed.len(), 3);
    let missing: Vec<_> = listed
        .iter()
        .filter(|v| v.is_missing)
        .map(|v| v.record.name.as_str())
        .collect();
    assert_eq!(missing, ["kv-b"]);
    // Marking again counts nothing new.
    assert_eq!(
        sync(vec![a.clone(), c.clone()], true, t1 + 4).await,
        counts(0, 0, 2, 0)
    );

    // An incomplete listing (say one subscription failed) marks nothing missing.
    assert_eq!(
        sync(vec![a.clone()], false, t1 + 5).await,
        counts(0, 0, 1, 0)
    );
    let kv_c = store
        .find_vault(&prod, "kv-c")
        .await
        .expect("find")
        .expect("kv-c");
    assert!(!kv_c.is_missing);

    // kv-b comes back.
    assert_eq!(
        sync(vec![a.clone(), b2.clone(), c.clone()], true, t1 + 6).await,
        counts(0, 1, 2, 0)
    );
    let kv_b = store
        .find_vault(&prod, "kv-b")
        .await
        .expect("find")
        .expect("kv-b");
    assert!(!kv_b.is_missing);
    assert_eq!(kv_b.last_seen_at, t1 + 6);

    // Bad input writes nothing and no audit event.
    let before = ctx.audit_count().await;
    let unknown = new_credential("nobody").id;
    assert!(matches!(
        store
            .sync_vaults(
                &unknown,
                std::slice::from_ref(&a),
                true,
                t1,
                audit("vault.sync", "nobody")
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .sync_vaults(
                &prod,
                &[a.clone(), a.clone()],
                true,
                t1,
                audit("vault.sync", "prod")
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(ctx.audit_count().await, before);

    let vault_a = store
        .find_vault(&prod, "kv-a")
        .await
        .expect("find")
        .expect("kv-a");
    store
        .mark_vault_certs_synced(vault_a.id, t1 + 7)
        .await
        .expect("synced");
    let vault_a = store
        .find_vault_by_id(vault_a.id)
        .await
        .expect("find")
        .expect("kv-a");
    assert_eq!(vault_a.certs_synced_at, Some(t1 + 7));
    assert_eq!(vault_a.credential_id, prod);

    // Issuers: a complete list per vault.
    let issuers = |names: &[(&str, &str)]| -> Vec<IssuerRecord> {
        names
            .iter()
            .map(|(name, provider)| IssuerRecord {
                name: name.to_string(),
                provider: provider.to_string(),
            })
            .collect()
    };
    let sync_issuers = |records: Vec<IssuerRecord>| async move {
        store
            .sync_issuers(vault_a.id, &records, t1 + 8, audit("issuer.sync", "kv-a"))
            .await
            .expect("sync issuers")
    };
    assert_eq!(
        sync_issuers(issuers(&[("digicert", "DigiCert"), ("gs", "GlobalSign")])).await,
        counts(2, 0, 0, 0)
    );
    assert_eq!(
        sync_issuers(issuers(&[("digicert", "DigiCert"), ("gs", "GlobalSign")])).await,
        counts(0, 0, 2, 0)
    );
    assert_eq!(
        sync_issuers(issuers(&[("digicert", "DigiCert-v2")])).await,
        counts(0, 1, 0, 1)
    );
    let listed = store.list_issuers(vault_a.id).await.expect("issuers");
    let shown: Vec<_> = listed
        .iter()
        .map(|i| {
            (
                i.record.name.as_str(),
                i.record.provider.as_str(),
                i.is_missing,
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("digicert", "DigiCert-v2", false),
            ("gs", "GlobalSign", true)
        ]
    );

    ctx.vault_a = Some(vault_a.id);
    ctx.vault_b = Some(kv_b.id);
}
