//! ARM vault listing and credential checks against the emulator.

mod common;

use certkeep_azure::{ArmClient, AzureError, AzureSession, Cloud, check_access, list_vaults};
use certkeep_emulator::demo::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SUBSCRIPTIONS, DEMO_TENANT, NO_ACCESS_CLIENT_ID,
    NO_ACCESS_CLIENT_SECRET,
};
use common::{Env, PROD};
use serde_json::json;

const NOBODY: &str = "00000000-0000-4000-8000-00000000dead";

#[tokio::test]
async fn lists_the_three_production_vaults_with_their_properties() {
    let env = Env::start().await;
    let vaults = list_vaults(&env.spec()).await.unwrap();
    let names: Vec<&str> = vaults.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["kv-prod-api", "kv-prod-shared", "kv-prod-web"]);
    for v in &vaults {
        assert_eq!(v.vault_uri, env.vault_uri(&v.name));
        assert_eq!(v.tenant_id, DEMO_TENANT);
        assert_eq!(v.resource_group, "rg-prod-security");
        assert_eq!(
            v.resource_id,
            format!(
                "/subscriptions/{PROD}/resourceGroups/rg-prod-security/providers/Microsoft.KeyVault/vaults/{}",
                v.name
            )
        );
        assert!(v.rbac);
        assert_eq!(v.soft_delete_retention_days, Some(90));
        assert_eq!(v.tags.get("env").map(String::as_str), Some("prod"));
    }
    let shared = &vaults[1];
    assert_eq!(
        (shared.sku.as_str(), shared.purge_protection),
        ("premium", true)
    );
    let web = &vaults[2];
    assert_eq!(
        (web.sku.as_str(), web.purge_protection),
        ("standard", false)
    );
    assert_eq!(web.location, "westeurope");

    let mut staging = env.spec();
    staging.subscription_id = DEMO_SUBSCRIPTIONS[1].into();
    let vaults = list_vaults(&staging).await.unwrap();
    let legacy = vaults.iter().find(|v| v.name == "kv-stg-legacy").unwrap();
    assert!(!legacy.rbac, "access policies, not RBAC");
}

#[tokio::test]
async fn follows_every_next_link_through_empty_pages() {
    let env = Env::start().await;
    env.admin(
        reqwest::Method::PUT,
        "faults",
        Some(json!({"empty_page_rate": 0.6})),
    )
    .await;
    env.reset_counters().await;
    let session = AzureSession::new(&env.spec()).unwrap();
    let arm = ArmClient::new(&session).unwrap();
    for _ in 0..5 {
        let vaults = arm.list_vaults_paged(PROD, Some(1)).await.unwrap();
        let names: Vec<&str> = vaults.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["kv-prod-api", "kv-prod-shared", "kv-prod-web"]);
    }
    let pages = env.counters().await["by_route"]["arm.vaults.list"]
        .as_u64()
        .unwrap();
    // 5 listings of 3 one-vault pages = 15 requests without empty pages.
    assert!(pages > 15, "empty pages were served and followed: {pages}");
}

#[tokio::test]
async fn check_access_accepts_the_demo_application() {
    let env = Env::start().await;
    let sub = check_access(&env.spec()).await.unwrap();
    assert_eq!(sub.subscription_id, PROD);
    assert_eq!(sub.tenant_id.as_deref(), Some(DEMO_TENANT));
    assert_eq!(sub.display_name.as_deref(), Some("Contoso Production"));
}

#[tokio::test]
async fn credential_failures_are_classified() {
    let env = Env::start().await;
    // An application whose only secret has expired.
    let expired_app = "4a1b2c3d-0000-4000-8000-0000000000e1";
    let seed = serde_json::from_value(json!({
        "tenants": [{"id": DEMO_TENANT, "name": "Contoso", "applications": [
            {"client_id": DEMO_CLIENT_ID, "secrets": [{"value": DEMO_CLIENT_SECRET}]},
            {"client_id": expired_app, "secrets": [{"value": "old-secret", "expires_in_days": -3}]}
        ]}]
    }))
    .unwrap();
    env.emu.load_seed(&seed).unwrap();

    let wrong = env.spec_for(DEMO_TENANT, DEMO_CLIENT_ID, "not-the-secret", PROD);
    let e = check_access(&wrong).await.unwrap_err();
    eprintln!("{e}");
    assert!(matches!(e, AzureError::WrongClientSecret), "{e:?}");
    assert!(!e.to_string().contains("not-the-secret"));
    let e = list_vaults(&wrong).await.unwrap_err();
    assert!(matches!(e, AzureError::WrongClientSecret), "{e:?}");

    let e = check_access(&env.spec_for(DEMO_TENANT, expired_app, "old-secret", PROD))
        .await
        .unwrap_err();
    assert!(matches!(e, AzureError::ClientSecretExpired), "{e:?}");

    let e = check_access(&env.spec_for(DEMO_TENANT, NOBODY, "whatever", PROD))
        .await
        .unwrap_err();
    assert!(matches!(e, AzureError::UnknownApplication), "{e:?}");

    let e = check_access(&env.spec_for(NOBODY, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, PROD))
        .await
        .unwrap_err();
    assert!(matches!(e, AzureError::UnknownTenant), "{e:?}");

    let no_access = env.spec_for(
        DEMO_TENANT,
        NO_ACCESS_CLIENT_ID,
        NO_ACCESS_CLIENT_SECRET,
        PROD,
    );
    let e = check_access(&no_access).await.unwrap_err();
    assert!(matches!(e, AzureError::NoSubscriptionAccess), "{e:?}");
    let e = list_vaults(&no_access).await.unwrap_err();
    assert!(matches!(e, AzureError::NoSubscriptionAccess), "{e:?}");

    let unknown_sub = env.spec_for(DEMO_TENANT, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, NOBODY);
    let e = check_access(&unknown_sub).await.unwrap_err();
    assert!(matches!(e, AzureError::SubscriptionNotFound), "{e:?}");
    let e = list_vaults(&unknown_sub).await.unwrap_err();
    assert!(matches!(e, AzureError::SubscriptionNotFound), "{e:?}");

    for e in [AzureError::WrongClientSecret, AzureError::UnknownTenant] {
        assert!(!e.to_string().contains(DEMO_CLIENT_SECRET));
    }
}

#[tokio::test]
async fn unreachable_and_untrusted_endpoints_are_classified() {
    let env = Env::start().await;
    // Nothing listens on port 9.
    let mut spec = env.spec();
    spec.cloud = Cloud::custom(
        "nowhere",
        "https://127.0.0.1:9",
        "https://127.0.0.1:9",
        "vault.localhost",
        None,
    )
    .unwrap();
    let e = check_access(&spec).await.unwrap_err();
    eprintln!("{e}");
    match e {
        AzureError::Unreachable { host, reason } => {
            assert_eq!(host, "127.0.0.1:9");
            assert!(!reason.is_empty());
        }
        e => panic!("{e:?}"),
    }
    // The emulator without trusting its CA: a TLS failure.
    let mut spec = env.spec();
    spec.cloud.extra_ca_pem = None;
    let e = check_access(&spec).await.unwrap_err();
    eprintln!("{e}");
    match e {
        AzureError::Unreachable { host, reason } => {
            assert_eq!(host, format!("127.0.0.1:{}", env.emu.addr.port()));
            assert!(
                reason.to_ascii_lowercase().contains("certificate")
                    || reason.to_ascii_lowercase().contains("issuer"),
                "{reason}"
            );
        }
        e => panic!("{e:?}"),
    }
}
