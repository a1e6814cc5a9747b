//! The engine against the emulator, on SQLite and (when `CERTKEEP_TEST_DATABASE_URL` is set) on
//! PostgreSQL: discovery equals the emulator's ground truth, re-running adds nothing, faults do
//! not change the result, vanished certificates are marked missing, secrets are discovered.

mod common;

use certkeep_azure::Cloud;
use certkeep_azure::secrecy::SecretString;
use certkeep_emulator::demo::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SUBSCRIPTIONS, DEMO_TENANT, NO_ACCESS_CLIENT_ID,
    NO_ACCESS_CLIENT_SECRET,
};
use certkeep_engine::credentials::AddCredential;
use certkeep_engine::master_key::MasterKey;
use certkeep_engine::secret_discovery::SecretKind;
use certkeep_engine::views::CertificateQuery;
use certkeep_engine::{Engine, EngineError, NoProgress, Scope};
use certkeep_store::{CertificateFilter, CertificateSource, Show, TlsSecretFilter};
use serde_json::json;

use common::{Fixture, TestEngine, add, inventory, me, vault_token};

#[tokio::test]
async fn discovery_equals_the_emulators_ground_truth_on_every_backend() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = fx.engine(store);
        let added = engine
            .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
            .await
            .unwrap();
        assert_eq!(added.vaults.added, 3, "{backend}");
        assert!(added.credential.secret_set);

        let reports = engine
            .discover_certificates(&me(), &Scope::default(), true, &NoProgress)
            .await
            .unwrap();
        assert!(
            reports.iter().all(|r| r.error.is_none()),
            "{backend}: {reports:?}"
        );
        let truth = fx.ground_truth().await;
        assert_eq!(
            inventory(&engine).await,
            truth,
            "{backend}: every version, every field compared"
        );

        // Every parsed field agrees with the certificate itself, and exactly one version is current.
        let all = engine
            .store()
            .list_certificates(&CertificateFilter {
                show: Show::All,
                ..Default::default()
            })
            .await
            .unwrap();
        for c in &all {
            let f = certkeep_core::x509::inspect(&c.record.der).unwrap();
            assert_eq!(
                (
                    c.record.subject.as_str(),
                    c.record.issuer_dn.as_str(),
                    c.record.serial_hex.as_str()
                ),
                (f.subject.as_str(), f.issuer.as_str(), f.serial_hex.as_str())
            );
            assert_eq!(
                (
                    c.record.not_before,
                    c.record.not_after,
                    c.record.key_size as u32
                ),
                (f.not_before, f.not_after, f.key.size)
            );
            assert_eq!(c.record.sha256_hex, f.sha256_hex);
            assert_eq!(c.record.sans.dns, f.sans.dns_names);
            assert_eq!(c.record.x5t, certkeep_core::x509::x5t(&c.record.der));
            assert!(c.record.policy_issuer.is_some());
        }
        let current = engine
            .store()
            .count_certificates(&CertificateFilter {
                show: Show::Current,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            current, 36,
            "{backend}: one current version per certificate"
        );

        // Re-running adds nothing and, being incremental, reads only the listings.
        fx.admin(reqwest::Method::DELETE, "counters", None).await;
        let again = engine
            .discover_certificates(&me(), &Scope::default(), true, &NoProgress)
            .await
            .unwrap();
        assert!(
            again
                .iter()
                .all(|r| r.versions_added == 0 && r.unchanged_skipped == r.certificates),
            "{backend}: {again:?}"
        );
        let counters = fx.admin(reqwest::Method::GET, "counters", None).await;
        assert_eq!(
            counters["by_route"]["kv.certificates.list"], 3,
            "{backend}: {counters}"
        );
        assert!(
            counters["by_route"].get("kv.certificates.get").is_none(),
            "{backend}: {counters}"
        );
        assert_eq!(inventory(&engine).await, truth);
    }
}

#[tokio::test]
async fn faults_do_not_change_the_inventory_and_nothing_is_written_to_azure() {
    let fx = Fixture::start().await;
    let (_, clean_store) = fx.stores().await.remove(0);
    let clean = fx.engine(clean_store);
    clean
        .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
        .await
        .unwrap();
    clean
        .discover_certificates(&me(), &Scope::default(), true, &NoProgress)
        .await
        .unwrap();
    let expected = inventory(&clean).await;

    fx.admin(reqwest::Method::PUT, "faults", Some(json!({
        "latency_ms": 2, "jitter_ms": 8, "drop_rate": 0.03, "empty_page_rate": 0.3,
        "errors": [{"status": 503, "rate": 0.08}, {"status": 500, "rate": 0.04}, {"status": 429, "rate": 0.08}]
    }))).await;
    fx.admin(reqwest::Method::DELETE, "counters", None).await;
    for (backend, store) in fx.stores().await {
        let engine = fx.engine(store);
        // The credential check itself may meet a fault: repeating the use case is safe.
        let mut tries = 0;
        loop {
            tries += 1;
            match engine
                .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
                .await
            {
                Ok(_) => break,
                Err(e) if tries < 5 => eprintln!("{backend}: add_credential retried after: {e}"),
                Err(e) => panic!("{backend}: {e}"),
            }
        }
        // Discovery is repeated until every vault succeeded; runs converge.
        for round in 0..6 {
            let reports = engine
                .discover_certificates(&me(), &Scope::default(), true, &NoProgress)
                .await
                .unwrap();
            if reports.iter().all(|r| r.error.is_none()) {
                break;
            }
            assert!(round < 5, "{backend}: still failing: {reports:?}");
        }
        assert_eq!(inventory(&engine).await, expected, "{backend}");
    }
    let counters = fx.admin(reqwest::Method::GET, "counters", None).await;
    let writes: Vec<&String> = counters["by_route"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|r| {
            [
                "create", "import", "merge", "update", "delete", "set", "purge", "recover",
            ]
            .iter()
            .any(|w| r.ends_with(w))
        })
        .collect();
    assert!(
        writes.is_empty(),
        "no write or delete reached Azure: {writes:?}"
    );
    assert!(
        counters["injected_errors"].as_u64().unwrap() + counters["dropped"].as_u64().unwrap() > 0,
        "{counters}"
    );
}

#[tokio::test]
async fn a_vanished_certificate_is_marked_missing_not_deleted() {
    let fx = Fixture::start().await;
    let (_, store) = fx.stores().await.remove(0);
    let engine = fx.engine(store);
    engine
        .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
        .await
        .unwrap();
    engine
        .discover_certificates(&me(), &Scope::default(), false, &NoProgress)
        .await
        .unwrap();
    let token = { vault_token::get(&fx).await };
    let url = format!(
        "{}/certificates/www-prod?api-version=7.6",
        fx.emu.endpoints().vault_url("kv-prod-web")
    );
    assert!(
        fx.http
            .delete(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let reports = engine
        .discover_certificates(
            &me(),
            &Scope {
                credential: Some("prod".into()),
                vault: Some("kv-prod-web".into()),
            },
            false,
            &NoProgress,
        )
        .await
        .unwrap();
    assert_eq!(reports[0].marked_missing, 1, "{reports:?}");
    let (_, web) = engine.vault("prod", "kv-prod-web").await.unwrap();
    let with_missing = engine
        .store()
        .list_certificates(&CertificateFilter {
            vault: Some(web.id),
            search: Some("www-prod".into()),
            include_missing: true,
            show: Show::All,
            ..Default::default()
        })
        .await
        .unwrap();
    let seen: Vec<_> = with_missing
        .iter()
        .map(|c| {
            (
                c.record.name.clone(),
                c.record.version.clone(),
                c.is_missing,
            )
        })
        .collect();
    assert!(
        !with_missing.is_empty() && with_missing.iter().all(|c| c.is_missing),
        "kept, marked missing: {seen:?}"
    );
}

#[tokio::test]
async fn tls_secrets_are_discovered_and_their_certificates_added() {
    let fx = Fixture::start().await;
    let (_, store) = fx.stores().await.remove(0);
    let engine = fx.engine(store);
    engine
        .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
        .await
        .unwrap();
    let scope = Scope {
        credential: Some("prod".into()),
        vault: Some("kv-prod-web".into()),
    };
    let tls = engine
        .discover_secrets(&me(), &scope, SecretKind::TlsOnly, false, &NoProgress)
        .await
        .unwrap();
    assert_eq!(tls[0].secrets, 3, "{tls:?}");
    let all = engine
        .discover_secrets(&me(), &scope, SecretKind::All, true, &NoProgress)
        .await
        .unwrap();
    assert_eq!(
        all[0].secrets, 15,
        "3 TLS secrets + 12 certificate-backed: {all:?}"
    );
    // The disabled secret cannot be read, the 14 others give certificates.
    assert_eq!(all[0].certificates_added, 14, "{all:?}");
    assert_eq!(all[0].skipped.len(), 1, "{all:?}");
    let secrets = engine
        .store()
        .list_tls_secrets(&TlsSecretFilter {
            show: Show::Current,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(secrets.len(), 15);
    let linked = secrets
        .iter()
        .filter(|s| s.certificate_id.is_some())
        .count();
    assert_eq!(linked, 14);
    let from_secrets = engine
        .store()
        .list_certificates(&CertificateFilter {
            show: Show::All,
            source: Some(CertificateSource::TlsSecret),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        from_secrets.len(),
        2,
        "only the non-managed TLS secrets make records of their own"
    );
    let keyvault = engine
        .store()
        .count_certificates(&CertificateFilter {
            show: Show::All,
            source: Some(CertificateSource::KeyVault),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        keyvault, 12,
        "a certificate-backed secret is its Key Vault certificate, stored once"
    );
    assert!(
        from_secrets
            .iter()
            .all(|c| c.record.source_secret_name.as_deref() == Some(c.record.name.as_str()))
    );
    let again = engine
        .discover_secrets(&me(), &scope, SecretKind::All, true, &NoProgress)
        .await
        .unwrap();
    assert_eq!(again[0].versions_added, 0);
    assert_eq!(again[0].certificates_added, 0);
}

#[tokio::test]
async fn bad_credentials_are_refused_with_clear_errors_and_nothing_stored() {
    let fx = Fixture::start().await;
    let (_, store) = fx.stores().await.remove(0);
    let engine = fx.engine(store);
    let cases: Vec<(AddCredential, &str)> = vec![
        (
            AddCredential {
                tenant_id: "nope".into(),
                ..add("a", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
            },
            "tenant_id",
        ),
        (
            AddCredential {
                subscription_id: "1234".into(),
                ..add("a", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
            },
            "subscription_id",
        ),
        (add("a", "x", DEMO_CLIENT_SECRET), "client_id"),
        (add("", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), "name"),
        (add("a", DEMO_CLIENT_ID, "  "), "client_secret"),
        (
            AddCredential {
                cloud: "Mars".into(),
                ..add("a", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
            },
            "cloud",
        ),
    ];
    for (input, field) in cases {
        let err = engine.add_credential(&me(), input).await.unwrap_err();
        assert!(
            matches!(&err, EngineError::Invalid { field: f, .. } if *f == field),
            "{field}: {err}"
        );
        assert_eq!(err.exit_code(), 2);
    }
    let err = engine
        .add_credential(&me(), add("a", DEMO_CLIENT_ID, "wrong-secret"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("AADSTS7000215"), "{err}");
    assert!(!err.to_string().contains("wrong-secret"));
    assert_eq!(err.exit_code(), 3);
    let err = engine
        .add_credential(
            &me(),
            add("a", NO_ACCESS_CLIENT_ID, NO_ACCESS_CLIENT_SECRET),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("subscription"), "{err}");
    let err = engine
        .add_credential(
            &me(),
            AddCredential {
                tenant_id: "00000000-0000-4000-8000-000000000000".into(),
                ..add("a", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("AADSTS90002"), "{err}");
    assert!(
        engine.list_credentials().await.unwrap().is_empty(),
        "nothing stored"
    );
    assert!(engine.store().list_vaults(None).await.unwrap().is_empty());

    // A name in use by another identity is a conflict; the same identity again only re-syncs.
    engine
        .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
        .await
        .unwrap();
    let again = engine
        .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
        .await
        .unwrap();
    assert!(again.already_existed);
    assert_eq!(again.vaults.unchanged, 3);
    let err = engine
        .add_credential(
            &me(),
            AddCredential {
                subscription_id: DEMO_SUBSCRIPTIONS[1].into(),
                ..add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), 5, "{err}");
    assert_eq!(engine.list_credentials().await.unwrap().len(), 1);
}

#[tokio::test]
async fn vault_sync_adds_updates_and_marks_missing_never_deletes() {
    let fx = Fixture::start().await;
    let (_, store) = fx.stores().await.remove(0);
    let engine = fx.engine(store);
    engine
        .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
        .await
        .unwrap();
    engine
        .discover_certificates(&me(), &Scope::default(), false, &NoProgress)
        .await
        .unwrap();
    fx.admin(reqwest::Method::POST, "seed", Some(json!({"tenants": [{"id": DEMO_TENANT}], "subscriptions": [{"id": DEMO_SUBSCRIPTIONS[0], "tenant": DEMO_TENANT, "readers": [DEMO_CLIENT_ID], "vaults": [{"name": "kv-prod-new", "access": [DEMO_CLIENT_ID]}]}]}))).await;
    fx.admin(
        reqwest::Method::PATCH,
        "vaults/kv-prod-api",
        Some(json!({"tags": {"env": "prod", "owner": "api-team"}})),
    )
    .await;
    fx.admin(reqwest::Method::DELETE, "vaults/kv-prod-shared", None)
        .await;
    let synced = engine.sync_vaults(&me(), Some("prod")).await.unwrap();
    let counts = synced[0].counts.unwrap();
    assert_eq!(
        (
            counts.added,
            counts.updated,
            counts.unchanged,
            counts.marked_missing
        ),
        (1, 1, 1, 1),
        "{counts:?}"
    );
    let vaults = engine.list_vaults(Some("prod")).await.unwrap();
    assert_eq!(vaults.len(), 4, "the vanished vault is kept");
    let shared = vaults.iter().find(|v| v.name == "kv-prod-shared").unwrap();
    assert!(shared.missing);
    let kept = engine
        .count_certificates(&CertificateQuery {
            scope: Scope::vault("prod", "kv-prod-shared"),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(kept, 12, "its inventory is kept");
    // Discovery skips missing vaults instead of failing on them.
    let reports = engine
        .discover_certificates(&me(), &Scope::default(), false, &NoProgress)
        .await
        .unwrap();
    assert_eq!(reports.len(), 3);
    assert!(reports.iter().all(|r| r.error.is_none()), "{reports:?}");
    // Issuers of a vault.
    let issuers = engine
        .sync_issuers(&me(), "prod", "kv-prod-web")
        .await
        .unwrap();
    assert_eq!(issuers.counts.added, 2);
    let listed = engine.list_issuers("prod", "kv-prod-web").await.unwrap();
    let mut providers: Vec<_> = listed
        .iter()
        .map(|i| (i.name.clone(), i.provider.clone()))
        .collect();
    providers.sort();
    assert_eq!(
        providers,
        vec![
            ("digicert-ov".into(), "DigiCert".into()),
            ("globalsign-ev".into(), "GlobalSign".into())
        ]
    );
}

#[tokio::test]
async fn rotating_a_secret_checks_it_first_and_an_unreachable_cloud_stores_nothing() {
    let fx = Fixture::start().await;
    let (_, store) = fx.stores().await.remove(0);
    let mut engine = fx.engine(store);
    // The application gets a second secret in Azure; the old one keeps working until rotated.
    fx.admin(reqwest::Method::POST, "seed", Some(json!({"tenants": [{"id": DEMO_TENANT, "applications": [{"client_id": DEMO_CLIENT_ID, "secrets": [{"value": DEMO_CLIENT_SECRET}, {"value": "second-secret-value"}]}]}]}))).await;
    engine
        .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
        .await
        .unwrap();
    let err = engine
        .update_credential_secret(&me(), "prod", SecretString::from("not-valid".to_string()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("AADSTS7000215"), "{err}");
    let before = engine.show_credential("prod").await.unwrap();
    let after = engine
        .update_credential_secret(
            &me(),
            "prod",
            SecretString::from("second-secret-value".to_string()),
        )
        .await
        .unwrap();
    assert!(after.updated_at >= before.updated_at);
    // The rotated secret is the one used from now on.
    engine.sync_vaults(&me(), Some("prod")).await.unwrap();
    let audit = engine.store().list_audit_events(20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "credential.update" && e.outcome == "succeeded")
    );
    assert!(
        !serde_json::to_string(&audit.iter().map(|e| &e.detail).collect::<Vec<_>>())
            .unwrap()
            .contains("second-secret-value")
    );
    engine.store().verify_audit_chain().await.unwrap();

    let dead = Cloud::custom(
        "dead",
        "https://127.0.0.1:9",
        "https://127.0.0.1:9",
        "vault.localhost",
        None,
    )
    .unwrap();
    let config = {
        let mut c = engine.config().clone();
        c.clouds.insert("dead".into(), dead);
        c
    };
    let (_, store2) = fx.stores().await.remove(0);
    engine = TestEngine {
        engine: Engine::new(
            store2.clone(),
            MasterKey::load_or_create(&fx.dir.join("dead.key")).unwrap(),
            config,
        ),
        store: store2,
    };
    let err = engine
        .add_credential(
            &me(),
            AddCredential {
                cloud: "dead".into(),
                ..add("x", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            EngineError::Azure(certkeep_azure::AzureError::Unreachable { .. })
        ),
        "{err}"
    );
    assert!(engine.list_credentials().await.unwrap().is_empty());
}
