//! Certificate writes through `VaultClient` against the emulator, checked on the emulator's own
//! state (`/_emulator/state`) and counters.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use certkeep_azure::*;
use common::Env;
use common::pki::TestCa;
use serde_json::json;

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

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

async fn wait_until_done(vault: &VaultClient, name: &str) -> PendingOperation {
    for _ in 0..100 {
        let op = vault.get_pending_operation(name).await.unwrap().unwrap();
        if !op.in_progress() {
            return op;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} still pending");
}

#[tokio::test]
async fn a_certificate_is_created_with_its_full_policy_field_by_field() {
    let env = Env::start().await;
    let pool = env.pool();
    // Premium: HSM keys are allowed.
    let vault = pool.vault(&env.vault_uri("kv-prod-shared")).unwrap();
    let policy = CertificatePolicySpec {
        key: Some(KeySpec {
            kty: Some(KeyKind::EcHsm),
            key_size: Some(384),
            curve: Some(CurveKind::P384),
            exportable: Some(false),
            reuse_key: Some(true),
        }),
        content_type: Some("application/x-pem-file".into()),
        x509: Some(X509Spec {
            subject: Some("CN=api.contoso.com, O=Contoso Ltd, C=NL".into()),
            sans: Some(SubjectAltNames {
                dns_names: vec!["api.contoso.com".into(), "api2.contoso.com".into()],
                emails: vec!["pki@contoso.com".into()],
                upns: vec!["svc-api@contoso.com".into()],
                ip_addresses: vec!["10.0.0.7".into()],
                uris: vec!["https://contoso.com/api".into()],
            }),
            ekus: Some(vec!["1.3.6.1.5.5.7.3.1".into(), "1.3.6.1.5.5.7.3.2".into()]),
            key_usage: Some(vec![KeyUsage::DigitalSignature, KeyUsage::NonRepudiation]),
            validity_months: Some(6),
        }),
        lifetime_actions: Some(vec![LifetimeActionSpec {
            trigger: LifetimeTrigger::DaysBeforeExpiry(30),
            action: LifetimeActionKind::EmailContacts,
        }]),
        issuer: Some(IssuerSpec {
            name: IssuerName::SelfSigned,
            cert_transparency: Some(false),
            certificate_type: Some("OV-SSL".into()),
        }),
        enabled: Some(true),
    };
    let new = NewCertificate {
        policy: policy.clone(),
        enabled: Some(true),
        tags: tags(&[("owner", "team-api"), ("env", "prod")]),
    };
    let op = vault.create_certificate("api-new", &new).await.unwrap();
    assert_eq!(op.name, "api-new");
    assert_eq!(op.issuer_name.as_deref(), Some("Self"));
    assert!(op.request_id.is_some());
    assert!(op.csr.is_some(), "the operation carries the CSR");
    assert!(!op.cancellation_requested);

    let done = wait_until_done(&vault, "api-new").await;
    assert_eq!(done.status, OperationStatus::Completed, "{done:?}");
    assert_eq!(done.request_id, op.request_id);

    // The emulator's own record, field by field.
    let c = env.cert_state("kv-prod-shared", "api-new").await.unwrap();
    let p = &c["policy"];
    assert_eq!(p["key_props"]["kty"], "EC-HSM");
    assert_eq!(p["key_props"]["crv"], "P-384");
    assert_eq!(p["key_props"]["key_size"], 384);
    assert_eq!(p["key_props"]["exportable"], false);
    assert_eq!(p["key_props"]["reuse_key"], true);
    assert_eq!(p["secret_props"]["contentType"], "application/x-pem-file");
    let x = &p["x509_props"];
    assert_eq!(x["subject"], "CN=api.contoso.com, O=Contoso Ltd, C=NL");
    assert_eq!(
        x["sans"]["dns_names"],
        json!(["api.contoso.com", "api2.contoso.com"])
    );
    assert_eq!(x["sans"]["emails"], json!(["pki@contoso.com"]));
    assert_eq!(x["sans"]["upns"], json!(["svc-api@contoso.com"]));
    assert_eq!(x["sans"]["ipAddresses"], json!(["10.0.0.7"]));
    assert_eq!(x["sans"]["uris"], json!(["https://contoso.com/api"]));
    assert_eq!(x["ekus"], json!(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
    assert_eq!(
        x["key_usage"],
        json!(["digitalSignature", "nonRepudiation"])
    );
    assert_eq!(x["validity_months"], 6);
    assert_eq!(
        p["lifetime_actions"],
        json!([{"trigger": {"days_before_expiry": 30}, "action": {"action_type": "EmailContacts"}}])
    );
    assert_eq!(p["issuer"]["name"], "Self");
    assert_eq!(p["issuer"]["cert_transparency"], false);
    assert_eq!(p["issuer"]["cty"], "OV-SSL");
    let versions = c["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["enabled"], true);
    assert_eq!(versions[0]["content_type"], "application/x-pem-file");
    assert_eq!(
        versions[0]["tags"],
        json!({"owner": "team-api", "env": "prod"})
    );

    // And our reading of the policy gives back what was asked for.
    let read = vault.get_certificate_policy("api-new").await.unwrap();
    assert_eq!(read.key, policy.key);
    assert_eq!(read.content_type, policy.content_type);
    assert_eq!(read.x509, policy.x509);
    assert_eq!(read.lifetime_actions, policy.lifetime_actions);
    assert_eq!(read.issuer, policy.issuer);
}

#[tokio::test]
async fn a_pending_operation_is_read_cancelled_and_deleted() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    assert_eq!(
        vault.get_pending_operation("partner-x").await.unwrap(),
        None
    );
    let op = vault
        .create_certificate("partner-x", &unknown_issuer("CN=partner-x.contoso.com"))
        .await
        .unwrap();
    assert_eq!(op.status, OperationStatus::InProgress);
    let got = vault
        .get_pending_operation("partner-x")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.request_id, op.request_id);
    assert_eq!(got.csr, op.csr);
    assert!(
        got.status_details
            .as_deref()
            .is_some_and(|d| d.contains("Merge")),
        "{got:?}"
    );

    let cancelled = vault.cancel_pending_operation("partner-x").await.unwrap();
    assert!(cancelled.cancellation_requested);
    let c = env.cert_state("kv-prod-web", "partner-x").await.unwrap();
    assert_eq!(c["pending"]["cancellation_requested"], true);
    let settled = wait_until_done(&vault, "partner-x").await;
    assert_eq!(settled.status, OperationStatus::Cancelled);
    // Once not in progress it cannot be cancelled again.
    let e = vault
        .cancel_pending_operation("partner-x")
        .await
        .unwrap_err();
    assert!(matches!(e, AzureError::Conflict { .. }), "{e:?}");

    let deleted = vault.delete_pending_operation("partner-x").await.unwrap();
    assert_eq!(deleted.request_id, op.request_id);
    assert!(
        env.cert_state("kv-prod-web", "partner-x").await.is_none(),
        "a certificate without versions goes with its operation"
    );
    assert_eq!(
        vault.get_pending_operation("partner-x").await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_csr_signed_by_a_test_ca_is_merged_and_a_wrong_key_is_refused() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    let op = vault
        .create_certificate("merge-me", &unknown_issuer("CN=merge-me.contoso.com"))
        .await
        .unwrap();
    let ca = TestCa::new();

    let wrong = ca.sign_other_key("merge-me.contoso.com");
    let e = vault
        .merge_certificate("merge-me", &[wrong])
        .await
        .unwrap_err();
    assert!(matches!(e, AzureError::Http { status: 400, .. }), "{e:?}");
    let c = env.cert_state("kv-prod-web", "merge-me").await.unwrap();
    assert_eq!(c["pending"]["status"], "inProgress");
    assert_eq!(c["versions"].as_array().unwrap().len(), 0);

    let leaf = ca.sign_csr(op.csr.as_deref().unwrap());
    let merged = vault
        .merge_certificate("merge-me", &[leaf.clone(), ca.der.clone()])
        .await
        .unwrap();
    assert!(!merged.adopted);
    assert_eq!(merged.bundle.der, leaf);
    let facts = certkeep_core::x509::inspect(&leaf).unwrap();
    assert_eq!(merged.bundle.x5t, facts.sha1_hex);
    let c = env.cert_state("kv-prod-web", "merge-me").await.unwrap();
    assert_eq!(c["pending"]["status"], "completed");
    let versions = c["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["x5t"], certkeep_core::x509::x5t(&leaf));
    assert_eq!(versions[0]["version"], merged.bundle.version.as_str());

    let e = vault.merge_certificate("merge-me", &[]).await.unwrap_err();
    assert!(matches!(e, AzureError::InvalidInput(_)), "{e:?}");
}

#[tokio::test]
async fn a_policy_update_is_merged_into_the_stored_policy() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    let before = env.cert_state("kv-prod-web", "www-prod").await.unwrap()["policy"].clone();
    let update = CertificatePolicySpec {
        x509: Some(X509Spec {
            validity_months: Some(3),
            ..Default::default()
        }),
        lifetime_actions: Some(vec![LifetimeActionSpec {
            trigger: LifetimeTrigger::LifetimePercentage(50),
            action: LifetimeActionKind::EmailContacts,
        }]),
        ..Default::default()
    };
    let after = vault
        .update_certificate_policy("www-prod", &update)
        .await
        .unwrap();
    assert_eq!(after.x509.as_ref().unwrap().validity_months, Some(3));
    let p = env.cert_state("kv-prod-web", "www-prod").await.unwrap()["policy"].clone();
    assert_eq!(p["x509_props"]["validity_months"], 3);
    assert_eq!(
        p["lifetime_actions"],
        json!([{"trigger": {"lifetime_percentage": 50}, "action": {"action_type": "EmailContacts"}}])
    );
    // What was not sent is unchanged.
    assert_eq!(p["x509_props"]["subject"], before["x509_props"]["subject"]);
    assert_eq!(p["key_props"], before["key_props"]);
    assert_eq!(p["issuer"], before["issuer"]);
    assert_eq!(
        after.x509.unwrap().subject.as_deref(),
        before["x509_props"]["subject"].as_str()
    );
}

#[tokio::test]
async fn a_version_s_attributes_and_tags_are_updated() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    let current = vault.get_certificate("www-prod", None).await.unwrap();
    let updated = vault
        .update_certificate(
            "www-prod",
            &current.version,
            &CertificateUpdate {
                enabled: Some(false),
                tags: Some(tags(&[("stage", "retired")])),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!updated.enabled);
    assert_eq!(updated.version, current.version);
    let c = env.cert_state("kv-prod-web", "www-prod").await.unwrap();
    let v = c["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == current.version.as_str())
        .unwrap()
        .clone();
    assert_eq!(v["enabled"], false);
    assert_eq!(v["tags"], json!({"stage": "retired"}));

    let e = vault
        .update_certificate("www-prod", "../policy", &CertificateUpdate::default())
        .await
        .unwrap_err();
    assert!(matches!(e, AzureError::InvalidInput(_)), "{e:?}");
}
