//! Certificates, local delete (seed §3.3.2) and export against the emulator, on SQLite and
//! (when `CERTKEEP_TEST_DATABASE_URL` is set) PostgreSQL: deleted from Certkeep only (zero
//! deletes reach Key Vault), imported again by discovery unless excluded, exclusions listed and
//! removed; exports never hold a key.

mod common;

use certkeep_emulator::demo::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use certkeep_engine::queries::AuditQuery;
use certkeep_engine::tls_manage::ExportFormat;
use certkeep_engine::views::PageRequest;
use certkeep_engine::{NoProgress, Scope};
use certkeep_store::{CertificateFilter, Show};

use common::{Fixture, TestEngine, add, inventory, me};

const VAULT: &str = "kv-prod-web";

fn scope() -> Scope {
    Scope::vault("prod", VAULT)
}

async fn versions_of(engine: &TestEngine, name: &str) -> Vec<String> {
    let mut v: Vec<String> = engine
        .store()
        .list_certificates(&CertificateFilter {
            show: Show::All,
            name: Some(name.into()),
            include_missing: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.record.version)
        .collect();
    v.sort();
    v
}

async fn kv_deletes(fx: &Fixture) -> u64 {
    let c = fx.admin(reqwest::Method::GET, "counters", None).await;
    ["kv.certificates.delete", "kv.secrets.delete"]
        .iter()
        .map(|r| c["by_route"][r].as_u64().unwrap_or(0))
        .sum()
}

async fn discover(engine: &TestEngine) -> certkeep_engine::discovery::VaultReport {
    let mut r = engine
        .discover_certificates(&me(), &scope(), true, &NoProgress)
        .await
        .unwrap();
    assert!(r[0].error.is_none(), "{r:?}");
    r.remove(0)
}

#[tokio::test]
async fn deleting_certificates_locally_leaves_azure_alone_and_exclusions_hold() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = fx.engine(store);
        engine
            .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
            .await
            .unwrap();
        discover(&engine).await;
        let full = inventory(&engine).await;
        let login = versions_of(&engine, "login-prod").await;
        assert_eq!(login.len(), 3, "{backend}: {login:?}");
        let deletes = kv_deletes(&fx).await;

        // Every version of two names, not excluded: discovery brings them back.
        let names = vec!["www-prod".to_string(), "api-prod".to_string()];
        let r = engine
            .delete_certificates(&me(), &scope(), &names, None, false)
            .await
            .unwrap();
        assert_eq!(r.versions_deleted, 1 + 2, "{backend}: {r:?}");
        assert_eq!(r.exclusions_added, 0);
        assert!(versions_of(&engine, "www-prod").await.is_empty());
        let again = discover(&engine).await;
        assert_eq!(again.versions_added, 3, "{again:?}");
        assert_eq!(again.excluded, 0);
        assert_eq!(inventory(&engine).await, full, "{backend}");

        // Excluded: discovery skips the name and counts it.
        engine
            .delete_certificates(&me(), &scope(), &names[..1], None, true)
            .await
            .unwrap();
        // One version of another name, excluded.
        let old = login[0].clone();
        let one = engine
            .delete_certificates(&me(), &scope(), &["login-prod".into()], Some(&old), true)
            .await
            .unwrap();
        assert_eq!((one.versions_deleted, one.exclusions_added), (1, 1));
        let r = discover(&engine).await;
        assert_eq!(r.excluded, 2, "{backend}: {r:?}");
        assert!(versions_of(&engine, "www-prod").await.is_empty());
        let login_now = versions_of(&engine, "login-prod").await;
        assert_eq!(login_now.len(), 2);
        assert!(!login_now.contains(&old));

        let exclusions = engine.list_exclusions(&scope()).await.unwrap();
        assert_eq!(exclusions.len(), 2, "{exclusions:?}");
        assert!(
            exclusions
                .iter()
                .all(|e| e.kind == "certificate" && e.vault == VAULT)
        );
        assert_eq!(
            engine
                .list_exclusions(&Scope::default())
                .await
                .unwrap()
                .len(),
            2
        );
        for e in &exclusions {
            engine.remove_exclusion(&me(), e.id).await.unwrap();
        }
        assert!(engine.list_exclusions(&scope()).await.unwrap().is_empty());
        let back = discover(&engine).await;
        assert_eq!(back.excluded, 0);
        assert_eq!(inventory(&engine).await, full, "{backend}: restored");

        // Refusals.
        let unknown = engine
            .delete_certificates(&me(), &scope(), &["no-such-cert".into()], None, false)
            .await
            .unwrap_err();
        assert_eq!(unknown.exit_code(), 4);
        let bad = engine
            .delete_certificates(&me(), &scope(), &["bad name".into()], None, false)
            .await
            .unwrap_err();
        assert_eq!(bad.exit_code(), 2);
        let none = engine
            .delete_certificates(&me(), &scope(), &[], None, false)
            .await
            .unwrap_err();
        assert_eq!(none.exit_code(), 2);

        assert_eq!(
            kv_deletes(&fx).await,
            deletes,
            "{backend}: no delete reached Azure"
        );
        let audit = engine
            .list_audit(&AuditQuery {
                page: PageRequest::new(0, 1000),
                ..Default::default()
            })
            .await
            .unwrap();
        let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
        assert!(actions.contains(&"certificate.delete_local"));
        assert!(actions.contains(&"exclusion.remove"));
        assert!(
            audit
                .items
                .iter()
                .any(|e| e.action == "certificate.delete_local" && e.outcome == "failed")
        );
    }
}

#[tokio::test]
async fn certificates_export_as_pem_der_or_chain_never_with_a_key() {
    let fx = Fixture::start().await;
    let (_, store) = fx.stores().await.remove(0);
    let engine = fx.engine(store);
    engine
        .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
        .await
        .unwrap();
    discover(&engine).await;
    let stored = engine
        .store()
        .list_certificates(&CertificateFilter {
            show: Show::All,
            name: Some("login-prod".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let current = stored.iter().find(|c| c.record.is_current).unwrap();
    let old = stored.iter().find(|c| !c.record.is_current).unwrap();

    let pem = engine
        .export_certificate(&me(), &scope(), "login-prod", None, ExportFormat::Pem)
        .await
        .unwrap();
    let text = String::from_utf8(pem.bytes).unwrap();
    assert!(!text.contains("PRIVATE KEY"));
    assert_eq!(
        certkeep_core::pem::parse_bundle(&text)
            .unwrap()
            .certificates,
        vec![current.record.der.clone()]
    );
    assert_eq!(pem.version, current.record.version);
    let der = engine
        .export_certificate(
            &me(),
            &scope(),
            "login-prod",
            Some(&old.record.version),
            ExportFormat::Der,
        )
        .await
        .unwrap();
    assert_eq!(der.bytes, old.record.der);
    let chain = engine
        .export_certificate(&me(), &scope(), "login-prod", None, ExportFormat::Chain)
        .await
        .unwrap();
    let text = String::from_utf8(chain.bytes).unwrap();
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    let certs = certkeep_core::pem::parse_bundle(&text)
        .unwrap()
        .certificates;
    assert_eq!(certs[0], current.record.der);
    assert_eq!(certs.len(), chain.certificates);
    assert!(chain.note.is_none() || certs.len() == 1);

    let missing = engine
        .export_certificate(
            &me(),
            &scope(),
            "login-prod",
            Some("0123abcd"),
            ExportFormat::Pem,
        )
        .await
        .unwrap_err();
    assert_eq!(missing.exit_code(), 4);
    let none = engine
        .export_certificate(&me(), &scope(), "no-such", None, ExportFormat::Pem)
        .await
        .unwrap_err();
    assert_eq!(none.exit_code(), 4);
}
