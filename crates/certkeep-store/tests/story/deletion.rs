//! Sync runs, then deleting a credential: its inventory goes by cascade, other credentials' stays,
//! its runs lose the reference but are kept.
use certkeep_store::{CertificateFilter, Show, StoreError, SyncOutcome, TlsSecretFilter};

use super::fixtures::{audit, cert_record, new_credential, vault_record};
use super::{Ctx, DAY, T0};

pub(crate) async fn story(ctx: &Ctx) {
    let store = &ctx.store;
    let prod = ctx.prod().clone();
    let now = T0 + 5 * DAY;

    // A discovery run of vault a, finished with its audit event.
    let run = store
        .start_sync_run("discovery", Some(&prod), Some(ctx.vault_a()), now)
        .await
        .expect("start");
    let started = store.find_sync_run(run).await.expect("find").expect("run");
    assert_eq!(started.outcome, SyncOutcome::Running);
    assert_eq!(started.finished_at, None);
    let before = ctx.audit_count().await;
    store
        .finish_sync_run(
            run,
            SyncOutcome::Succeeded,
            serde_json::json!({"certificates": {"added": 4}}),
            None,
            now + 30,
            audit("discovery.finish", "kv-a"),
        )
        .await
        .expect("finish");
    assert_eq!(ctx.audit_count().await, before + 1);
    let finished = store.find_sync_run(run).await.expect("find").expect("run");
    assert_eq!(finished.outcome, SyncOutcome::Succeeded);
    assert_eq!(finished.finished_at, Some(now + 30));
    assert_eq!(finished.counts["certificates"]["added"], 4);
    let event = &store.list_audit_events(1).await.expect("audit")[0];
    assert_eq!(event.detail["run_id"], run.0);
    // Finishing twice fails and writes no audit event.
    assert!(matches!(
        store
            .finish_sync_run(
                run,
                SyncOutcome::Failed,
                serde_json::json!({}),
                Some("late"),
                now + 40,
                audit("discovery.finish", "kv-a")
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(ctx.audit_count().await, before + 1);
    assert_eq!(store.list_sync_runs(10).await.expect("runs").len(), 1);

    // A second credential with a vault and a certificate, which must survive.
    let staging = store
        .create_credential(
            new_credential("staging"),
            audit("credential.create", "staging"),
        )
        .await
        .expect("staging");
    store
        .sync_vaults(
            &staging.id,
            &[vault_record("kv-a")],
            true,
            now,
            audit("vault.sync", "staging"),
        )
        .await
        .expect("staging vaults");
    let staging_vault = store
        .find_vault(&staging.id, "kv-a")
        .await
        .expect("find")
        .expect("vault");
    store
        .upsert_certificate_versions(
            staging_vault.id,
            &[cert_record("stage", "s1", T0 + 50 * DAY, true)],
            now,
        )
        .await
        .expect("staging cert");

    let everything = CertificateFilter {
        show: Show::All,
        include_missing: true,
        ..CertificateFilter::default()
    };
    let certs_before = store.count_certificates(&everything).await.expect("count");
    let removed = store
        .delete_credential(&prod, audit("credential.delete", "prod"))
        .await
        .expect("delete");
    assert_eq!(removed.vaults, 3);
    assert_eq!(removed.issuers, 2);
    assert_eq!(
        removed.certificates, 6,
        "web v1+v2, api, db, edge, and the tls-web parsed cert"
    );
    assert_eq!(removed.tls_secrets, 3);
    let event = &store.list_audit_events(1).await.expect("audit")[0];
    assert_eq!(event.action, "credential.delete");
    assert_eq!(event.detail["removed"]["certificates"], 6);

    assert!(store.find_credential(&prod).await.expect("find").is_none());
    let vaults = store.list_vaults(None).await.expect("vaults");
    assert_eq!(vaults.len(), 1);
    assert_eq!(vaults[0].credential_id, staging.id);
    assert_eq!(
        store.count_certificates(&everything).await.expect("count"),
        certs_before - 6
    );
    let secrets = TlsSecretFilter {
        show: Show::All,
        include_missing: true,
        ..TlsSecretFilter::default()
    };
    assert_eq!(store.count_tls_secrets(&secrets).await.expect("count"), 0);
    assert!(
        store
            .list_issuers(ctx.vault_a())
            .await
            .expect("issuers")
            .is_empty()
    );
    let run = store
        .find_sync_run(run)
        .await
        .expect("find")
        .expect("the run is kept");
    assert_eq!((run.credential_id, run.vault_id), (None, None));

    // Deleting again: not found, no audit event.
    let before = ctx.audit_count().await;
    assert!(matches!(
        store
            .delete_credential(&prod, audit("credential.delete", "prod"))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(ctx.audit_count().await, before);
}
