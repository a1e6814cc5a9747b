//! Test data and disposable databases for the story.
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};

use certkeep_store::{
    CertificateRecord, CertificateSource, Clock, CredentialId, NewAuditEvent, NewCredential, Sans,
    Tags, TlsSecretRecord, VaultRecord,
};
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};

/// A clock the story moves by hand.
#[derive(Debug)]
pub(crate) struct TestClock(AtomicI64);

impl TestClock {
    pub(crate) fn new(start: i64) -> Self {
        Self(AtomicI64::new(start))
    }
    pub(crate) fn set(&self, now: i64) {
        self.0.store(now, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A directory removed when dropped.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(label: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "certkeep-store-{label}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }
    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A PostgreSQL database created for one run, next to the one the admin URL names.
pub(crate) struct PgDatabase {
    admin_url: String,
    name: String,
    pub(crate) url: String,
}

impl PgDatabase {
    pub(crate) async fn create(admin_url: &str) -> Self {
        let name = format!("certkeep_story_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(admin_url)
            .await
            .expect("connect to CERTKEEP_TEST_DATABASE_URL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create the test database");
        admin.close().await.expect("close admin connection");
        let mut url = url::Url::parse(admin_url).expect("CERTKEEP_TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        Self {
            admin_url: admin_url.to_string(),
            name,
            url: url.to_string(),
        }
    }

    pub(crate) async fn drop_database(&self) {
        let admin = sea_orm::Database::connect(&self.admin_url)
            .await
            .expect("connect to CERTKEEP_TEST_DATABASE_URL");
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .await
            .expect("drop the test database");
        admin.close().await.expect("close admin connection");
    }
}

pub(crate) fn audit(action: &str, target: &str) -> NewAuditEvent {
    NewAuditEvent {
        actor: "story".into(),
        action: action.into(),
        target: target.into(),
        outcome: "succeeded".into(),
        detail: serde_json::json!({ "by": "store_story" }),
    }
}

pub(crate) fn new_credential(name: &str) -> NewCredential {
    NewCredential {
        id: CredentialId::parse(&uuid::Uuid::new_v4().to_string()).expect("uuid"),
        name: name.into(),
        cloud: "public".into(),
        tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        subscription_id: "0b1f6471-1bf0-4dda-aec3-cb9272f09590".into(),
        client_id: "2f2d3a3c-1b9c-4f7e-9a53-6c1d4c0f8e11".into(),
        secret_ciphertext: format!("ciphertext-of-{name}").into_bytes(),
        secret_key_id: "master-1".into(),
    }
}

pub(crate) fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(crate) fn vault_record(name: &str) -> VaultRecord {
    VaultRecord {
        name: name.into(),
        vault_uri: format!("https://{name}.vault.azure.net/"),
        resource_id: format!(
            "/subscriptions/0b1f6471/resourceGroups/rg-certs/providers/Microsoft.KeyVault/vaults/{name}"
        ),
        resource_group: "rg-certs".into(),
        location: "westeurope".into(),
        tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        sku: "standard".into(),
        has_rbac_authorization: true,
        soft_delete_retention_days: Some(90),
        has_purge_protection: false,
        tags: tags(&[("env", "prod")]),
    }
}

fn hex_digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A certificate version; thumbprints and DER are derived from `name`/`version`.
pub(crate) fn cert_record(
    name: &str,
    version: &str,
    not_after: i64,
    is_current: bool,
) -> CertificateRecord {
    let digest = hex_digest(&format!("{name}/{version}"));
    CertificateRecord {
        name: name.into(),
        version: version.into(),
        is_current,
        source: CertificateSource::KeyVault,
        source_secret_name: Some(name.into()),
        source_secret_version: Some(version.into()),
        kv_id: format!("https://kv-prod.vault.azure.net/certificates/{name}/{version}"),
        x5t: format!("x5t-{}", &digest[..16]),
        is_enabled: true,
        kv_created: not_after - 90 * 86_400,
        kv_updated: not_after - 90 * 86_400,
        nbf: Some(not_after - 90 * 86_400),
        exp: Some(not_after),
        tags: tags(&[("owner", "platform")]),
        policy_issuer: Some("Self".into()),
        content_type: Some("application/x-pkcs12".into()),
        subject: format!("CN={name}.Example.com, O=Contoso"),
        issuer_dn: "CN=Contoso Issuing CA".into(),
        serial_hex: digest[..20].to_string(),
        sans: Sans {
            dns: vec![
                format!("{name}.example.com"),
                format!("www.{name}.example.com"),
            ],
            ips: vec!["10.0.0.7".into()],
            ..Sans::default()
        },
        key_usage: vec!["digitalSignature".into(), "keyEncipherment".into()],
        is_key_usage_critical: true,
        ekus: vec!["1.3.6.1.5.5.7.3.1".into()],
        key_type: "RSA".into(),
        key_size: 2048,
        key_curve: None,
        signature_algorithm: "sha256WithRSAEncryption".into(),
        not_before: not_after - 90 * 86_400,
        not_after,
        sha1_hex: digest[..40].to_string(),
        sha256_hex: digest.clone(),
        der: digest.into_bytes(),
    }
}

pub(crate) fn tls_record(
    name: &str,
    version: &str,
    expiry: Option<i64>,
    is_current: bool,
) -> TlsSecretRecord {
    TlsSecretRecord {
        name: name.into(),
        version: version.into(),
        is_current,
        content_type: "application/x-pem-file".into(),
        is_enabled: true,
        activation: None,
        expiry,
        kv_created: 1_700_000_000,
        kv_updated: 1_700_000_000,
        is_managed: false,
        tags: Tags::new(),
    }
}

/// Runs one SQL statement on the database directly, around the store (to tamper with it).
pub(crate) async fn raw_sql(url: &str, sql: &str) {
    let db = sea_orm::Database::connect(url).await.expect("raw connect");
    db.execute_unprepared(sql).await.expect("raw statement");
    db.close().await.expect("raw close");
}
