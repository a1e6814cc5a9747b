//! The official Rust SDK against the emulator: secrets, issuers, contacts, Entra ID errors,
//! throttling absorbed by the SDK's retry, and ARM vault listing through an azure_core Pipeline.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use azure_core::http::policies::Policy;
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::{Context, Method, Pipeline, Request, Url};
use azure_security_keyvault_certificates::models as cm;
use azure_security_keyvault_secrets::models::*;
use azure_security_keyvault_secrets::{ResourceExt, SecretClientOptions};
use certkeep_emulator::demo::{
    DEMO_CLIENT_ID, DEMO_SUBSCRIPTIONS, NO_ACCESS_CLIENT_ID, NO_ACCESS_CLIENT_SECRET,
};
use common::{Env, error_chain};
use futures::TryStreamExt;

#[tokio::test]
async fn secrets_set_get_list_versions_and_update() {
    let env = Env::start().await;
    let client = env.secrets("kv-test-1");
    let mut versions = Vec::new();
    for i in 0..3 {
        let s = client
            .set_secret(
                "db-password",
                SetSecretParameters {
                    value: Some(format!("v{i}")),
                    content_type: Some("text/plain".into()),
                    tags: Some(HashMap::from([("owner".into(), "team-a".into())])),
                    ..Default::default()
                }
                .try_into()
                .unwrap(),
                None,
            )
            .await
            .unwrap()
            .into_model()
            .unwrap();
        assert_eq!(s.value.as_deref(), Some(format!("v{i}").as_str()));
        versions.push(s.resource_id().unwrap().version.unwrap());
    }
    let latest = client
        .get_secret("db-password", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(latest.value.as_deref(), Some("v2"));
    let first = client
        .get_secret(
            "db-password",
            Some(SecretClientGetSecretOptions {
                secret_version: Some(versions[0].clone()),
                ..Default::default()
            }),
        )
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(first.value.as_deref(), Some("v0"));

    let mut listed = Vec::new();
    let mut pager = client
        .list_secret_properties_versions("db-password", None)
        .unwrap();
    while let Some(p) = pager.try_next().await.unwrap() {
        listed.push(p.resource_id().unwrap().version.unwrap());
    }
    listed.sort();
    versions.sort();
    assert_eq!(listed, versions);

    // Disable the newest and give it an expiry: reading it is then forbidden, as in Key Vault.
    let exp = azure_core::time::OffsetDateTime::from_unix_timestamp(4_102_444_800).unwrap();
    let updated = client
        .update_secret_properties(
            "db-password",
            UpdateSecretPropertiesParameters {
                secret_attributes: Some(SecretAttributes {
                    enabled: Some(false),
                    expires: Some(exp),
                    ..Default::default()
                }),
                tags: Some(HashMap::from([("owner".into(), "team-b".into())])),
                ..Default::default()
            }
            .try_into()
            .unwrap(),
            None,
        )
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(updated.attributes.as_ref().unwrap().enabled, Some(false));
    assert_eq!(updated.attributes.as_ref().unwrap().expires, Some(exp));
    assert!(updated.value.is_none(), "PATCH returns no value");
    let err = client.get_secret("db-password", None).await.unwrap_err();
    assert_eq!(err.http_status().map(u16::from), Some(403));

    // 25 KB limit.
    let big = "x".repeat(25 * 1024 + 1);
    let err = client
        .set_secret(
            "too-big",
            SetSecretParameters {
                value: Some(big),
                ..Default::default()
            }
            .try_into()
            .unwrap(),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.http_status().map(u16::from), Some(400));
    let err = client.get_secret("too-big", None).await.unwrap_err();
    assert_eq!(
        err.http_status().map(u16::from),
        Some(404),
        "nothing was stored"
    );
}

#[tokio::test]
async fn certificate_backed_secrets_are_listed_as_managed() {
    let env = Env::start().await;
    env.admin(reqwest::Method::POST, "seed/demo", None).await;
    let client = env.secrets("kv-prod-web");
    let mut managed = 0;
    let mut tls = 0;
    let mut pager = client.list_secret_properties(None).unwrap();
    while let Some(p) = pager.try_next().await.unwrap() {
        if p.managed == Some(true) {
            managed += 1;
        } else if p
            .content_type
            .as_deref()
            .is_some_and(certkeep_core::keyvault::is_tls_content_type)
        {
            tls += 1;
        }
    }
    assert_eq!(managed, 12, "one managed secret per certificate");
    assert_eq!(tls, 3, "the vault's own TLS secrets");
}

#[tokio::test]
async fn issuers_and_contacts_round_trip() {
    let env = Env::start().await;
    let client = env.certificates("kv-test-2");
    let issuer = client
        .set_issuer(
            "my-digicert",
            cm::SetIssuerParameters {
                provider: Some("DigiCert".into()),
                credentials: Some(cm::IssuerCredentials {
                    account_id: Some("acct-1".into()),
                    password: Some("never-returned".into()),
                }),
                ..Default::default()
            }
            .try_into()
            .unwrap(),
            None,
        )
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(issuer.provider.as_deref(), Some("DigiCert"));
    assert_eq!(
        issuer.credentials.as_ref().unwrap().account_id.as_deref(),
        Some("acct-1")
    );
    assert!(
        issuer.credentials.unwrap().password.is_none(),
        "the issuer password is never returned"
    );
    let updated = client
        .update_issuer(
            "my-digicert",
            cm::UpdateIssuerParameters {
                credentials: Some(cm::IssuerCredentials {
                    account_id: Some("acct-2".into()),
                    password: None,
                }),
                ..Default::default()
            }
            .try_into()
            .unwrap(),
            None,
        )
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(
        updated.credentials.unwrap().account_id.as_deref(),
        Some("acct-2")
    );
    let mut names = Vec::new();
    let mut pager = client.list_issuer_properties(None).unwrap();
    while let Some(p) = pager.try_next().await.unwrap() {
        names.push((p.id.unwrap(), p.provider.unwrap()));
    }
    assert_eq!(names.len(), 1);
    assert!(names[0].0.ends_with("/certificates/issuers/my-digicert"));
    client.delete_issuer("my-digicert", None).await.unwrap();
    let err = client.get_issuer("my-digicert", None).await.unwrap_err();
    assert_eq!(err.http_status().map(u16::from), Some(404));

    let err = client.get_contacts(None).await.unwrap_err();
    assert_eq!(
        err.http_status().map(u16::from),
        Some(404),
        "no contacts yet"
    );
    let contacts = cm::Contacts {
        contact_list: Some(vec![cm::Contact {
            email: Some("pki@contoso.com".into()),
            name: Some("PKI".into()),
            phone: Some("+31 20 000".into()),
        }]),
        ..Default::default()
    };
    client
        .set_contacts(contacts.try_into().unwrap(), None)
        .await
        .unwrap();
    let got = client
        .get_contacts(None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(
        got.contact_list.unwrap()[0].email.as_deref(),
        Some("pki@contoso.com")
    );
    client.delete_contacts(None).await.unwrap();
    assert!(client.get_contacts(None).await.is_err());
}

#[tokio::test]
async fn entra_errors_carry_their_aadsts_codes() {
    let env = Env::start().await;
    let scope = format!("{}/.default", env.emu.endpoints().vault_resource());
    let wrong = env.credential_for(DEMO_CLIENT_ID, "not-the-secret");
    let err = wrong.get_token(&[&scope], None).await.unwrap_err();
    assert!(
        error_chain(&err).contains("AADSTS7000215"),
        "{}",
        error_chain(&err)
    );
    let unknown = env.credential_for("0b7c1f3e-0000-4000-8000-000000000001", "x");
    let err = unknown.get_token(&[&scope], None).await.unwrap_err();
    assert!(
        error_chain(&err).contains("AADSTS700016"),
        "{}",
        error_chain(&err)
    );

    // Through a Key Vault client the error is wrapped; the code is still in the chain.
    let client = azure_security_keyvault_secrets::SecretClient::new(
        &env.vault_url("kv-test-1"),
        wrong,
        Some(SecretClientOptions {
            client_options: env.options(),
            ..Default::default()
        }),
    )
    .unwrap();
    let err = client.get_secret("anything", None).await.unwrap_err();
    assert!(
        error_chain(&err).contains("AADSTS7000215"),
        "{}",
        error_chain(&err)
    );
}

#[tokio::test]
async fn throttled_calls_succeed_through_the_sdk_retry() {
    let env = Env::start_with(|c| {
        c.throttle = certkeep_emulator::gate::ThrottleSettings {
            enabled: true,
            vault_requests: 4,
            window_secs: 2.0,
            subscription_multiplier: 5.0,
        };
    })
    .await;
    let client = env.secrets("kv-test-3");
    client
        .set_secret(
            "s",
            SetSecretParameters {
                value: Some("v".into()),
                ..Default::default()
            }
            .try_into()
            .unwrap(),
            None,
        )
        .await
        .unwrap();
    for _ in 0..10 {
        let s = client
            .get_secret("s", None)
            .await
            .unwrap()
            .into_model()
            .unwrap();
        assert_eq!(s.value.as_deref(), Some("v"));
    }
    let counters = env.admin(reqwest::Method::GET, "counters", None).await;
    assert!(
        counters["throttled"].as_u64().unwrap() > 0,
        "the emulator throttled: {counters}"
    );
}

fn arm_pipeline(env: &Env, client_id: &str, secret: &str) -> Pipeline {
    let cred = env.credential_for(client_id, secret);
    let auth: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
        cred,
        [env.cloud.arm_scope()],
    ));
    Pipeline::new(
        Some("certkeep-tests"),
        Some("0"),
        env.options(),
        Vec::new(),
        vec![auth],
        None,
    )
}

async fn arm_get(p: &Pipeline, url: &str) -> azure_core::Result<serde_json::Value> {
    let mut req = Request::new(Url::parse(url).unwrap(), Method::Get);
    req.insert_header("accept", "application/json");
    let raw = p.send(&Context::new(), &mut req, None).await?;
    raw.into_body().json()
}

#[tokio::test]
async fn arm_lists_vaults_with_paging_and_refuses_strangers() {
    let env = Env::start().await;
    let arm = env.emu.endpoints().arm();
    let p = arm_pipeline(
        &env,
        DEMO_CLIENT_ID,
        certkeep_emulator::demo::DEMO_CLIENT_SECRET,
    );
    let mut url = format!(
        "{arm}/subscriptions/{}/providers/Microsoft.KeyVault/vaults?api-version=2024-11-01&$top=2",
        DEMO_SUBSCRIPTIONS[0]
    );
    let mut vaults = Vec::new();
    let mut pages = 0;
    loop {
        let body = arm_get(&p, &url).await.unwrap();
        pages += 1;
        for v in body["value"].as_array().unwrap() {
            vaults.push((
                v["name"].as_str().unwrap().to_string(),
                v["properties"]["vaultUri"].as_str().unwrap().to_string(),
                v["properties"]["tenantId"].as_str().unwrap().to_string(),
            ));
        }
        match body["nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    let names: Vec<&str> = vaults.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(names, vec!["kv-test-1", "kv-test-2", "kv-test-3"]);
    assert_eq!(vaults[0].1, format!("{}/", env.vault_url("kv-test-1")));
    assert_eq!(vaults[0].2, certkeep_emulator::demo::DEMO_TENANT);

    let stranger = arm_pipeline(&env, NO_ACCESS_CLIENT_ID, NO_ACCESS_CLIENT_SECRET);
    let err = arm_get(
        &stranger,
        &format!(
            "{arm}/subscriptions/{}/providers/Microsoft.KeyVault/vaults?api-version=2024-11-01",
            DEMO_SUBSCRIPTIONS[0]
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(err.http_status().map(u16::from), Some(403));
    assert!(
        error_chain(&err).contains("AuthorizationFailed")
            || error_chain(&err).contains("does not have authorization"),
        "{}",
        error_chain(&err)
    );
    let err = arm_get(&p, &format!("{arm}/subscriptions/00000000-0000-4000-8000-000000000000/providers/Microsoft.KeyVault/vaults?api-version=2024-11-01")).await.unwrap_err();
    assert_eq!(err.http_status().map(u16::from), Some(404));
}

#[tokio::test]
async fn a_vault_without_access_answers_403_forbidden_by_rbac() {
    let env = Env::start().await;
    let client = azure_security_keyvault_secrets::SecretClient::new(
        &env.vault_url("kv-test-1"),
        env.credential_for(NO_ACCESS_CLIENT_ID, NO_ACCESS_CLIENT_SECRET),
        Some(SecretClientOptions {
            client_options: env.options(),
            ..Default::default()
        }),
    )
    .unwrap();
    let err = client.get_secret("x", None).await.unwrap_err();
    assert_eq!(err.http_status().map(u16::from), Some(403));
    assert!(
        error_chain(&err).contains("not authorized"),
        "{}",
        error_chain(&err)
    );
}
