//! Non-idempotent writes are never repeated blindly: answers lost after the vault committed
//! (the emulator's `drop_after_commit_*` faults) are recovered by reading the vault, 409s are
//! adopted only when the pre-check saw nothing pending, and 429s are retried. Every claim is
//! checked on the emulator's counters and state.

mod common;

use std::time::Duration;

use certkeep_azure::secrecy::SecretString;
use certkeep_azure::*;
use common::Env;
use common::pki::TestCa;
use serde_json::json;

fn unknown_issuer(subject: &str) -> NewCertificate {
    NewCertificate {
        policy: CertificatePolicySpec {
            x509: Some(X509Spec {
                subject: Some(subject.into()),
                ..Default::default()
            }),
            issuer: Some(IssuerSpec::named(IssuerName::Unknown)),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn drop_after_commit(route: &str) -> serde_json::Value {
    json!({
        "drop_after_commit_route": route,
        "drop_after_commit_rate": 1.0,
        "drop_after_commit_limit": 1
    })
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_is_adopted_not_sent_again() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    env.faults(drop_after_commit("kv.certificates.create"))
        .await;
    env.reset_counters().await;

    let created = vault
        .create_certificate_safely("lost-create", &unknown_issuer("CN=lost.contoso.com"))
        .await
        .unwrap();
    assert!(created.adopted, "{created:?}");
    assert_eq!(created.operation.status, OperationStatus::InProgress);
    assert!(created.operation.request_id.is_some());
    assert!(created.operation.csr.is_some());

    let counters = env.counters().await;
    assert_eq!(counters["dropped_after_commit"], 1, "{counters}");
    assert_eq!(
        counters["by_route"]["kv.certificates.create"], 1,
        "exactly one create reached the vault: {counters}"
    );
    let c = env.cert_state("kv-prod-web", "lost-create").await.unwrap();
    assert_eq!(c["pending"]["status"], "inProgress");
    assert_eq!(c["versions"], json!([]));

    // The plain create reports the lost answer, and does not resend either.
    env.faults(drop_after_commit("kv.certificates.create"))
        .await;
    env.reset_counters().await;
    let e = vault
        .create_certificate("lost-plain", &unknown_issuer("CN=plain.contoso.com"))
        .await
        .unwrap_err();
    assert!(matches!(e, AzureError::Unreachable { .. }), "{e:?}");
    assert_eq!(env.route_count("kv.certificates.create").await, 1);
    let c = env.cert_state("kv-prod-web", "lost-plain").await.unwrap();
    assert_eq!(c["pending"]["status"], "inProgress");
}

#[tokio::test]
async fn a_create_while_one_is_in_progress_is_refused_without_sending() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    let first = vault
        .create_certificate("busy", &unknown_issuer("CN=busy.contoso.com"))
        .await
        .unwrap();
    env.reset_counters().await;
    match vault
        .create_certificate_safely("busy", &unknown_issuer("CN=busy.contoso.com"))
        .await
    {
        Err(AzureError::PendingOperationInProgress { name, request_id }) => {
            assert_eq!(name, "busy");
            assert_eq!(request_id, first.request_id);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(env.route_count("kv.certificates.create").await, 0);
    assert_eq!(env.route_count("kv.certificates.pending.get").await, 1);

    // Once it is no longer in progress a new create goes ahead.
    vault.cancel_pending_operation("busy").await.unwrap();
    let mut settled = false;
    for _ in 0..50 {
        let op = vault.get_pending_operation("busy").await.unwrap().unwrap();
        if op.status == OperationStatus::Cancelled {
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(settled);
    let again = vault
        .create_certificate_safely("busy", &unknown_issuer("CN=busy.contoso.com"))
        .await
        .unwrap();
    assert!(!again.adopted);
    assert_ne!(again.operation.request_id, first.request_id);
}

#[tokio::test]
async fn a_409_is_adopted_when_the_pre_check_saw_nothing_pending() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    // Warm the read client (its first call goes alone), then slow every request down so both
    // pre-checks are answered before either create is handled.
    assert_eq!(vault.get_pending_operation("race").await.unwrap(), None);
    env.faults(json!({"latency_ms": 300})).await;
    env.reset_counters().await;
    let new = unknown_issuer("CN=race.contoso.com");
    let (a, b) = tokio::join!(
        vault.create_certificate_safely("race", &new),
        vault.create_certificate_safely("race", &new)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        [a.adopted, b.adopted].iter().filter(|x| **x).count(),
        1,
        "one created, the other adopted after its 409: {a:?} {b:?}"
    );
    assert_eq!(a.operation.request_id, b.operation.request_id);
    let counters = env.counters().await;
    assert_eq!(
        counters["by_route"]["kv.certificates.create"], 2,
        "{counters}"
    );
    assert_eq!(
        counters["by_route"]["kv.certificates.pending.get"], 3,
        "{counters}"
    );
    let c = env.cert_state("kv-prod-web", "race").await.unwrap();
    assert_eq!(c["pending"]["status"], "inProgress");
}

#[tokio::test]
async fn a_soft_deleted_name_is_reported_not_adopted() {
    let env = Env::start().await;
    let session = env.session();
    let pool = VaultPool::new(session.clone(), PoolConfig::default());
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    // Soft-delete a certificate with the SDK directly.
    let sdk = azure_security_keyvault_certificates::CertificateClient::new(
        &vault.origin(),
        session.credential(),
        Some(
            azure_security_keyvault_certificates::CertificateClientOptions {
                client_options: session.client_options().clone(),
                ..Default::default()
            },
        ),
    )
    .unwrap();
    sdk.delete_certificate("api-prod", None).await.unwrap();
    env.reset_counters().await;
    let e = vault
        .create_certificate_safely("api-prod", &unknown_issuer("CN=api.prod.contoso.com"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, AzureError::DeletedButRecoverable { name } if name == "api-prod"),
        "{e:?}"
    );
    assert_eq!(env.route_count("kv.certificates.create").await, 1);
    assert!(env.cert_state("kv-prod-web", "api-prod").await.is_none());
}

#[tokio::test]
async fn a_throttled_create_is_sent_again_until_the_vault_takes_it() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    // Warm the create client, so that its challenge (an unauthenticated request on the same
    // route) is not what gets throttled.
    vault
        .create_certificate("warm", &unknown_issuer("CN=warm.contoso.com"))
        .await
        .unwrap();
    assert_eq!(vault.get_pending_operation("slow").await.unwrap(), None);
    env.faults(
        json!({"errors": [{"status": 429, "rate": 1.0, "route": "kv.certificates.create"}]}),
    )
    .await;
    env.reset_counters().await;
    let create = {
        let vault = vault.clone();
        tokio::spawn(async move {
            vault
                .create_certificate_safely("slow", &unknown_issuer("CN=slow.contoso.com"))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    env.faults(json!({})).await;
    let created = create.await.unwrap().unwrap();
    assert!(!created.adopted);
    let counters = env.counters().await;
    let creates = counters["by_route"]["kv.certificates.create"]
        .as_u64()
        .unwrap();
    let throttled = counters["injected_errors"].as_u64().unwrap();
    assert!(throttled >= 1, "{counters}");
    assert_eq!(
        creates,
        throttled + 1,
        "every attempt but the last was refused with 429: {counters}"
    );
    let c = env.cert_state("kv-prod-web", "slow").await.unwrap();
    assert_eq!(c["pending"]["status"], "inProgress");
}

#[tokio::test]
async fn a_secret_set_whose_answer_is_lost_is_found_by_its_write_id() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    let before = env
        .secret_state("kv-prod-web", "db-password")
        .await
        .unwrap()["versions"]
        .as_array()
        .unwrap()
        .len();
    env.faults(drop_after_commit("kv.secrets.set")).await;
    env.reset_counters().await;
    let mut spec = SecretSpec::new(SecretString::from("rotated-Pa55word".to_string()));
    spec.content_type = Some("text/plain".into());
    spec.tags.insert("rotated-by".into(), "certkeep".into());
    let written = vault.set_secret("db-password", &spec).await.unwrap();
    assert!(written.adopted, "{written:?}");
    assert!(!format!("{written:?}").contains("Pa55word"));

    let counters = env.counters().await;
    assert_eq!(counters["dropped_after_commit"], 1, "{counters}");
    assert_eq!(counters["by_route"]["kv.secrets.set"], 1, "{counters}");
    let versions = env
        .secret_state("kv-prod-web", "db-password")
        .await
        .unwrap()["versions"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(versions.len(), before + 1, "one new version");
    let v = versions
        .iter()
        .find(|v| v["version"] == written.version.version.as_str())
        .unwrap();
    assert_eq!(v["tags"][WRITE_ID_TAG], written.write_id.as_str());
    assert_eq!(v["tags"]["rotated-by"], "certkeep");
    assert_eq!(v["content_type"], "text/plain");
}

#[tokio::test]
async fn a_merge_whose_answer_is_lost_is_recognised_by_its_thumbprint() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    let op = vault
        .create_certificate("lost-merge", &unknown_issuer("CN=lost-merge.contoso.com"))
        .await
        .unwrap();
    let ca = TestCa::new();
    let leaf = ca.sign_csr(op.csr.as_deref().unwrap());
    env.faults(drop_after_commit("kv.certificates.merge")).await;
    env.reset_counters().await;

    let merged = vault
        .merge_certificate("lost-merge", &[leaf.clone(), ca.der.clone()])
        .await
        .unwrap();
    assert!(merged.adopted, "{merged:?}");
    assert_eq!(merged.bundle.der, leaf);
    let counters = env.counters().await;
    assert_eq!(counters["dropped_after_commit"], 1, "{counters}");
    assert_eq!(
        counters["by_route"]["kv.certificates.merge"], 1,
        "{counters}"
    );
    let c = env.cert_state("kv-prod-web", "lost-merge").await.unwrap();
    assert_eq!(c["pending"]["status"], "completed");
    let versions = c["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["x5t"], certkeep_core::x509::x5t(&leaf));
}

#[tokio::test]
async fn a_create_answered_500_is_checked_not_sent_again() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    // Warm the create client so that its challenge is not what fails.
    vault
        .create_certificate("warm", &unknown_issuer("CN=warm.contoso.com"))
        .await
        .unwrap();
    env.faults(
        json!({"errors": [{"status": 500, "rate": 1.0, "route": "kv.certificates.create"}]}),
    )
    .await;
    env.reset_counters().await;
    let e = vault
        .create_certificate_safely("flaky", &unknown_issuer("CN=flaky.contoso.com"))
        .await
        .unwrap_err();
    assert!(matches!(e, AzureError::Http { status: 500, .. }), "{e:?}");
    let counters = env.counters().await;
    assert_eq!(
        counters["by_route"]["kv.certificates.create"], 1,
        "{counters}"
    );
    assert_eq!(
        counters["by_route"]["kv.certificates.pending.get"], 2,
        "the pre-check and the check after the ambiguous answer: {counters}"
    );
    assert!(env.cert_state("kv-prod-web", "flaky").await.is_none());
}
