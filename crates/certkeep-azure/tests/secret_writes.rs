//! Secret and certificate-contact writes through `VaultClient` against the emulator, checked
//! on the emulator's own state (`/_emulator/state`) and counters.

mod common;

use std::collections::BTreeMap;

use certkeep_azure::secrecy::{ExposeSecret, SecretString};
use certkeep_azure::*;
use common::Env;
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

#[tokio::test]
async fn a_secret_is_set_then_its_version_updated() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    let mut spec = SecretSpec::new(SecretString::from("s3cr3t-value-xyz".to_string()));
    spec.content_type = Some("text/plain".into());
    spec.enabled = Some(true);
    spec.not_before = Some(1_700_000_000);
    spec.expires = Some(2_000_000_000);
    spec.tags = tags(&[("owner", "team-db")]);
    assert!(!format!("{spec:?}").contains("s3cr3t"));
    let written = vault.set_secret("app-db", &spec).await.unwrap();
    assert!(!written.adopted);
    assert_eq!(written.name, "app-db");
    assert!(!format!("{written:?}").contains("s3cr3t"));

    let s = env.secret_state("kv-prod-web", "app-db").await.unwrap();
    let versions = s["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1);
    let v = &versions[0];
    assert_eq!(v["version"], written.version.version.as_str());
    assert_eq!(v["content_type"], "text/plain");
    assert_eq!(v["enabled"], true);
    assert_eq!(v["nbf"], 1_700_000_000);
    assert_eq!(v["exp"], 2_000_000_000);
    assert_eq!(v["tags"]["owner"], "team-db");
    assert_eq!(v["tags"][WRITE_ID_TAG], written.write_id.as_str());
    let value = vault.get_secret("app-db", None).await.unwrap();
    assert_eq!(value.value.expose_secret(), "s3cr3t-value-xyz");

    // A second set is a second version with its own write id.
    let again = vault.set_secret("app-db", &spec).await.unwrap();
    assert_ne!(again.write_id, written.write_id);
    let s = env.secret_state("kv-prod-web", "app-db").await.unwrap();
    assert_eq!(s["versions"].as_array().unwrap().len(), 2);

    let updated = vault
        .update_secret(
            "app-db",
            &written.version.version,
            &SecretUpdate {
                enabled: Some(false),
                expires: Some(1_900_000_000),
                content_type: Some("application/json".into()),
                tags: Some(tags(&[("owner", "team-platform")])),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!updated.enabled);
    let s = env.secret_state("kv-prod-web", "app-db").await.unwrap();
    let v = s["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == written.version.version.as_str())
        .unwrap()
        .clone();
    assert_eq!(v["enabled"], false);
    assert_eq!(v["exp"], 1_900_000_000);
    assert_eq!(v["nbf"], 1_700_000_000, "not sent, unchanged");
    assert_eq!(v["content_type"], "application/json");
    assert_eq!(v["tags"], json!({"owner": "team-platform"}));
}

#[tokio::test]
async fn contacts_are_added_and_never_removed() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    let existing = vault.get_certificate_contacts().await.unwrap();
    assert_eq!(
        existing
            .iter()
            .map(|c| c.email.as_str())
            .collect::<Vec<_>>(),
        ["pki-prod@contoso.com"]
    );
    env.reset_counters().await;
    let update = vault
        .add_certificate_contacts(&[
            Contact::email("PKI-Prod@Contoso.com"),
            Contact {
                email: "sec@contoso.com".into(),
                name: Some("Security".into()),
                phone: Some("+31 20 000 0000".into()),
            },
        ])
        .await
        .unwrap();
    assert_eq!(update.added.len(), 1);
    assert_eq!(update.added[0].email, "sec@contoso.com");
    let stored = env.vault_state("kv-prod-web").await["contacts"].clone();
    assert_eq!(
        stored,
        json!([
            {"email": "pki-prod@contoso.com", "name": "PKI team"},
            {"email": "sec@contoso.com", "name": "Security", "phone": "+31 20 000 0000"}
        ])
    );
    assert_eq!(env.route_count("kv.contacts.set").await, 1);

    // Nothing new: nothing written.
    let update = vault
        .add_certificate_contacts(&[Contact::email("SEC@contoso.com")])
        .await
        .unwrap();
    assert!(update.added.is_empty());
    assert_eq!(update.contacts.len(), 2);
    assert_eq!(env.route_count("kv.contacts.set").await, 1);

    // A vault without contacts gets its first.
    let api = pool.vault(&env.vault_uri("kv-prod-api")).unwrap();
    assert!(api.get_certificate_contacts().await.unwrap().is_empty());
    let update = api
        .add_certificate_contacts(&[Contact::email("pki@contoso.com")])
        .await
        .unwrap();
    assert_eq!(update.contacts.len(), 1);
    assert_eq!(
        env.vault_state("kv-prod-api").await["contacts"],
        json!([{"email": "pki@contoso.com"}])
    );
    let e = api
        .add_certificate_contacts(&[Contact::email("not-an-address")])
        .await
        .unwrap_err();
    assert!(matches!(e, AzureError::InvalidInput(_)), "{e:?}");
}

#[tokio::test]
async fn invalid_names_are_refused_before_any_request() {
    let env = Env::start().await;
    let pool = env.pool();
    let vault = pool.vault(&env.vault_uri("kv-prod-web")).unwrap();
    env.reset_counters().await;
    for name in ["a/b", "www-prod/pending", "x?api-version=1", ""] {
        let e = vault
            .create_certificate_safely(name, &unknown_issuer("CN=x"))
            .await
            .unwrap_err();
        assert!(matches!(e, AzureError::InvalidInput(_)), "{name}: {e:?}");
        let e = vault
            .set_secret(name, &SecretSpec::new(SecretString::from("v".to_string())))
            .await
            .unwrap_err();
        assert!(matches!(e, AzureError::InvalidInput(_)), "{name}: {e:?}");
    }
    assert_eq!(env.counters().await["total"].as_u64(), Some(0));
}
