//! Key Vault reads through `VaultPool`/`VaultClient` against the emulator.

mod common;

use std::sync::Arc;

use certkeep_azure::secrecy::ExposeSecret;
use certkeep_azure::{AzureError, AzureSession, PoolConfig, VaultPool};
use certkeep_emulator::demo::{DEMO_TENANT, NO_ACCESS_CLIENT_ID, NO_ACCESS_CLIENT_SECRET};
use common::{Env, PROD};

/// Versions per certificate in kv-prod-web (the demo seed's formula, vault index 0).
fn expected_versions(j: usize) -> usize {
    1 + (j * 7) % 6
}

#[tokio::test]
async fn lists_kv_prod_web_certificates_versions_and_bundles() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    assert_eq!(vault.name(), "kv-prod-web");

    let certs = vault.list_certificates().await.unwrap();
    assert_eq!(certs.len(), 12, "{certs:?}");
    let mut names: Vec<&str> = certs.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    assert!(names.contains(&"www-prod") && names.contains(&"partner-sso-prod"));

    let demo_order = [
        "www",
        "api",
        "login",
        "portal",
        "mail",
        "vpn",
        "intranet",
        "shop",
        "cdn",
        "grafana",
        "payments",
        "partner-sso",
    ];
    let mut total_versions = 0;
    for (j, base) in demo_order.iter().enumerate() {
        let name = format!("{base}-prod");
        let item = certs.iter().find(|c| c.name == name).unwrap();
        let versions = vault.list_certificate_versions(&name).await.unwrap();
        assert_eq!(versions.len(), expected_versions(j), "{name}");
        total_versions += versions.len();

        // The current version: its DER parses and matches what the listing said.
        let current = vault.get_certificate(&name, None).await.unwrap();
        assert_eq!(current.name, name);
        let facts = certkeep_core::x509::inspect(&current.der).unwrap();
        assert_eq!(facts.sha1_hex, current.x5t);
        assert_eq!(current.x5t, item.x5t);
        assert_eq!(Some(facts.not_after), current.exp);
        assert_eq!(Some(facts.not_before), current.nbf);
        assert!(
            facts.subject.contains(&format!("{base}.prod.contoso.com")),
            "{}",
            facts.subject
        );
        assert!(
            current
                .kv_id
                .ends_with(&format!("/certificates/{name}/{}", current.version))
        );
        assert!(current.policy_issuer.is_some());
        assert!(matches!(
            current.content_type.as_deref(),
            Some("application/x-pkcs12" | "application/x-pem-file")
        ));
        assert!(versions.iter().any(|v| v.version == current.version));

        // Every older version by id.
        for v in &versions {
            let b = vault
                .get_certificate(&name, Some(&v.version))
                .await
                .unwrap();
            assert_eq!(b.version, v.version);
            assert_eq!(b.x5t, v.x5t);
            let f = certkeep_core::x509::inspect(&b.der).unwrap();
            assert_eq!(Some(f.not_after), v.exp);
        }
    }
    assert_eq!(
        total_versions,
        (0..12).map(expected_versions).sum::<usize>()
    );

    let e = vault
        .get_certificate("no-such-cert", None)
        .await
        .unwrap_err();
    assert!(matches!(e, AzureError::NotFound { .. }), "{e:?}");

    let mut issuers = vault.list_issuers().await.unwrap();
    issuers.sort_by(|a, b| a.name.cmp(&b.name));
    let issuers: Vec<(&str, Option<&str>)> = issuers
        .iter()
        .map(|i| (i.name.as_str(), i.provider.as_deref()))
        .collect();
    assert_eq!(
        issuers,
        [
            ("digicert-ov", Some("DigiCert")),
            ("globalsign-ev", Some("GlobalSign"))
        ]
    );

    // One client per vault, reused.
    let again = pool
        .vault(&env.emu.endpoints().vault_url("KV-PROD-WEB"))
        .unwrap();
    assert!(Arc::ptr_eq(&vault, &again));
    assert_eq!(pool.len(), 1);
}

#[tokio::test]
async fn lists_secrets_with_managed_flags_and_reads_a_tls_secret() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    let secrets = vault.list_secrets().await.unwrap();
    let managed: Vec<&str> = secrets
        .iter()
        .filter(|s| s.managed)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        managed.len(),
        12,
        "one managed secret per certificate: {managed:?}"
    );
    assert!(managed.contains(&"www-prod"));
    let own: Vec<&str> = secrets
        .iter()
        .filter(|s| !s.managed)
        .map(|s| s.name.as_str())
        .collect();
    for name in [
        "tls-prod-lb-0",
        "tls-prod-ingress-0",
        "tls-prod-retired-0",
        "db-password",
        "api-key",
    ] {
        assert!(own.contains(&name), "{name} in {own:?}");
    }
    let retired = secrets
        .iter()
        .find(|s| s.name == "tls-prod-retired-0")
        .unwrap();
    assert!(!retired.enabled);
    let ingress = secrets
        .iter()
        .find(|s| s.name == "tls-prod-ingress-0")
        .unwrap();
    assert_eq!(
        ingress.content_type.as_deref(),
        Some("application/x-pem-file")
    );
    assert_eq!(
        ingress.tags.get("owner").map(String::as_str),
        Some("team-edge")
    );

    let versions = vault
        .list_secret_versions("tls-prod-ingress-0")
        .await
        .unwrap();
    assert!(!versions.is_empty());
    let pem = vault.get_secret("tls-prod-ingress-0", None).await.unwrap();
    assert!(versions.iter().any(|v| v.version == pem.version));
    assert!(!pem.managed);
    assert!(
        pem.value
            .expose_secret()
            .contains("-----BEGIN CERTIFICATE-----")
    );
    assert!(
        !format!("{pem:?}").contains("BEGIN CERTIFICATE"),
        "Debug redacts the value"
    );
    let leaf = certkeep_core::pem::parse_bundle(pem.value.expose_secret());
    assert!(leaf.is_ok(), "the PEM bundle parses");

    let pfx = vault.get_secret("tls-prod-lb-0", None).await.unwrap();
    assert_eq!(pfx.content_type.as_deref(), Some("application/x-pkcs12"));
    assert!(!pfx.value.expose_secret().is_empty());

    let managed = vault.get_secret("www-prod", None).await.unwrap();
    assert!(managed.managed && managed.kid.is_some());

    let e = vault.get_secret("no-such-secret", None).await.unwrap_err();
    assert!(matches!(e, AzureError::NotFound { .. }), "{e:?}");
}

#[tokio::test]
async fn foreign_vault_hosts_are_refused_without_a_request() {
    let env = Env::start().await;
    let pool = env.pool();
    env.reset_counters().await;
    let port = env.emu.addr.port();
    for url in [
        format!("https://evil.example.com:{port}/"),
        format!("https://kv-prod-web.vault.localhost.evil.com:{port}/"),
        format!("https://127.0.0.1:{port}/"),
        "https://kv-prod-web.vault.azure.net/".to_string(),
    ] {
        let e = pool.vault(&url).unwrap_err();
        assert!(matches!(e, AzureError::ForeignHost { .. }), "{url}: {e:?}");
    }
    assert!(pool.is_empty());
    assert_eq!(
        env.counters().await["total"].as_u64(),
        Some(0),
        "no request was made"
    );
}

#[tokio::test]
async fn a_vault_without_access_is_reported_by_name() {
    let env = Env::start().await;
    let spec = env.spec_for(
        DEMO_TENANT,
        NO_ACCESS_CLIENT_ID,
        NO_ACCESS_CLIENT_SECRET,
        PROD,
    );
    let pool = VaultPool::new(
        Arc::new(AzureSession::new(&spec).unwrap()),
        PoolConfig::default(),
    );
    for vault in ["kv-prod-web", "kv-stg-legacy"] {
        let client = pool.vault(&env.vault_uri(vault)).unwrap();
        match client.list_certificates().await.unwrap_err() {
            AzureError::VaultAccessDenied { vault: v } => assert_eq!(v, vault),
            e => panic!("{vault}: {e:?}"),
        }
    }
}

#[tokio::test]
async fn vault_listings_follow_next_links_through_empty_pages() {
    let env = Env::start().await;
    env.admin(
        reqwest::Method::PUT,
        "faults",
        Some(serde_json::json!({"empty_page_rate": 0.6})),
    )
    .await;
    env.reset_counters().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    for _ in 0..6 {
        assert_eq!(vault.list_certificates().await.unwrap().len(), 12);
        assert_eq!(vault.list_secrets().await.unwrap().len(), 17);
    }
    let counters = env.counters().await;
    let lists = counters["by_route"]["kv.certificates.list"]
        .as_u64()
        .unwrap_or(0)
        + counters["by_route"]["kv.secrets.list"]
            .as_u64()
            .unwrap_or(0);
    // Without empty pages: 4 × (1 + 1) pages of at most 25 items.
    assert!(
        lists > 8,
        "empty pages were served and followed: {counters}"
    );
}
