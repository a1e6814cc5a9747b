//! The engine as the one door: every action (failures too) audited with its actor, read-only
//! opening never creates a master key, a missing key next to sealed credentials is an error
//! that says so, and listings are paged and counted in the database.

mod common;

use std::collections::BTreeSet;

use certkeep_azure::secrecy::SecretString;
use certkeep_emulator::demo::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use certkeep_engine::queries::AuditQuery;
use certkeep_engine::views::{AuditFilter, CertificateQuery, PageRequest, ShowVersions};
use certkeep_engine::{Engine, EngineOptions, KeyAccess, NoProgress, Scope};

use common::{Fixture, add, me};

#[tokio::test]
async fn failed_actions_are_audited_with_their_actor() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = fx.engine(store);
        engine
            .add_credential(&me(), add("prod", DEMO_CLIENT_ID, "wrong-secret"))
            .await
            .unwrap_err();
        engine
            .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
            .await
            .unwrap();
        engine
            .update_credential_secret(&me(), "prod", SecretString::from("bad-one".to_string()))
            .await
            .unwrap_err();
        // A vault that refuses: its issuer sync fails.
        fx.admin(
            reqwest::Method::PUT,
            "faults",
            Some(serde_json::json!({"errors": [{"status": 403, "rate": 1.0, "route": "kv.issuers"}]})),
        )
        .await;
        engine
            .sync_issuers(&me(), "prod", "kv-prod-api")
            .await
            .unwrap_err();
        fx.admin(reqwest::Method::PUT, "faults", Some(serde_json::json!({})))
            .await;
        let failed = engine
            .list_audit(&AuditQuery {
                filter: AuditFilter {
                    outcome: Some("failed".into()),
                    ..Default::default()
                },
                page: PageRequest::new(0, 50),
            })
            .await
            .unwrap();
        let actions: BTreeSet<(String, String, String)> = failed
            .items
            .iter()
            .map(|e| (e.action.clone(), e.target.clone(), e.actor.clone()))
            .collect();
        for (action, target) in [
            ("credential.add", "prod"),
            ("credential.update", "prod"),
            ("issuer.sync", "prod/kv-prod-api"),
        ] {
            assert!(
                actions.contains(&(action.into(), target.into(), "user:tester".into())),
                "{backend}: no failed {action} for {target} in {actions:?}"
            );
        }
        let all = serde_json::to_string(&failed.items).unwrap();
        assert!(
            !all.contains("wrong-secret") && !all.contains("bad-one"),
            "{all}"
        );
        assert!(engine.verify_audit_chain().await.unwrap() >= failed.total as usize);
    }
}

#[tokio::test]
async fn read_only_opening_never_creates_a_key_and_a_lost_key_is_named() {
    let fx = Fixture::start().await;
    let db = format!("sqlite://{}", fx.dir.join("door.db").display());
    let key = fx.dir.join("door.key");
    let open = |access: KeyAccess| {
        let mut o = EngineOptions::new(&db, &key);
        o.key_access = access;
        o.config.clouds.insert("emulator".into(), fx.cloud.clone());
        Engine::open(o)
    };
    let reader = open(KeyAccess::ReadOnly).await.unwrap();
    assert!(reader.list_credentials().await.unwrap().is_empty());
    reader.close().await.unwrap();
    assert!(!key.exists(), "a read-only open made a master key");

    let writer = open(KeyAccess::ReadWrite).await.unwrap();
    writer
        .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
        .await
        .unwrap();
    writer.close().await.unwrap();
    assert!(key.exists());

    std::fs::remove_file(&key).unwrap();
    for access in [KeyAccess::ReadOnly, KeyAccess::ReadWrite] {
        let err = match open(access).await {
            Ok(_) => panic!("{access:?}: opened without the key its credentials need"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains("does not exist") && err.contains("1 credential"),
            "{access:?}: {err}"
        );
        assert!(
            !key.exists(),
            "{access:?}: a new key would orphan the sealed secrets"
        );
    }
}

#[tokio::test]
async fn listings_are_paged_and_counted_in_the_database() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = fx.engine(store);
        engine
            .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
            .await
            .unwrap();
        engine
            .discover_certificates(&me(), &Scope::default(), true, &NoProgress)
            .await
            .unwrap();
        let all = CertificateQuery {
            show: ShowVersions::All,
            ..Default::default()
        };
        let total = engine.count_certificates(&all).await.unwrap();
        assert!(total > 40, "{backend}: {total}");
        let mut seen = BTreeSet::new();
        let mut offset = 0;
        loop {
            let page = engine
                .list_certificates(&CertificateQuery {
                    page: PageRequest::new(offset, 7),
                    ..all.clone()
                })
                .await
                .unwrap();
            assert_eq!(page.total, total, "{backend}");
            assert!(page.items.len() <= 7);
            for c in &page.items {
                assert!(seen.insert(c.id), "{backend}: row {} on two pages", c.id);
                assert_eq!(c.credential, "prod");
            }
            if page.items.is_empty() {
                break;
            }
            offset += page.items.len() as u64;
        }
        assert_eq!(
            seen.len() as u64,
            total,
            "{backend}: every row exactly once"
        );
        let facets = engine.certificate_facets(&all).await.unwrap();
        let by_vault: u64 = facets.by_vault.iter().map(|f| f.count).sum();
        assert_eq!(by_vault, total, "{backend}: {facets:?}");
        let s = facets.by_state;
        assert_eq!(
            s.expired + s.expiring_30d + s.healthy,
            total,
            "{backend}: {s:?}"
        );
        // One vault's scope narrows the same way.
        let web = engine
            .count_certificates(&CertificateQuery {
                scope: Scope::vault("prod", "kv-prod-web"),
                ..all.clone()
            })
            .await
            .unwrap();
        let web_facet = facets
            .by_vault
            .iter()
            .find(|f| f.value == "prod/kv-prod-web")
            .map(|f| f.count);
        assert_eq!(Some(web), web_facet, "{backend}");
    }
}
