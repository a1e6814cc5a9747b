//! Test data and disposable databases for the story.
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use certkeep_store::redact_database_url;
use certkeep_store::{
    CertificateRecord, CertificateSource, Clock, CredentialId, NewAuditEvent, NewCredential, Sans,
    Tags, TlsSecretRecord, VaultRecord,
};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
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

/// How long the fixture waits for PostgreSQL before failing the test.
const PG_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection to the admin database; panics with a clear message when it cannot be reached,
/// because a set `CERTKEEP_TEST_DATABASE_URL` means PostgreSQL must be tested.
async fn admin_connection(admin_url: &str) -> Result<DatabaseConnection, String> {
    let mut options = ConnectOptions::new(admin_url.to_string());
    options
        .max_connections(1)
        .connect_timeout(PG_TIMEOUT)
        .acquire_timeout(PG_TIMEOUT)
        .sqlx_logging(false);
    Database::connect(options).await.map_err(|e| {
        format!(
            "CERTKEEP_TEST_DATABASE_URL is set, but PostgreSQL at {} cannot be reached: {e} \
             (start it, or unset the variable to test SQLite only)",
            redact_database_url(admin_url)
        )
    })
}

/// Whether a database of this name exists.
pub(crate) async fn database_exists(admin_url: &str, name: &str) -> bool {
    let admin = admin_connection(admin_url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let row = admin
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("SELECT COUNT(*) FROM pg_database WHERE datname = '{name}'"),
        ))
        .await
        .expect("query pg_database")
        .expect("a row");
    admin.close().await.expect("close");
    row.try_get_by_index::<i64>(0).expect("count") > 0
}

async fn drop_named_database(admin_url: &str, name: &str) -> Result<(), String> {
    let admin = admin_connection(admin_url).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .map_err(|e| format!("drop the test database {name}: {e}"))?;
    admin.close().await.map_err(|e| e.to_string())
}

/// A PostgreSQL database created for one run, next to the one the admin URL names. Dropped by
/// [`PgDatabase::drop_database`], or, when a test fails before that, by `Drop` (through a
/// separate admin connection, `DROP DATABASE ... WITH (FORCE)`).
pub(crate) struct PgDatabase {
    admin_url: String,
    pub(crate) name: String,
    pub(crate) url: String,
    dropped: bool,
}

impl PgDatabase {
    pub(crate) async fn create(admin_url: &str) -> Self {
        let name = format!("certkeep_story_{}", uuid::Uuid::new_v4().simple());
        let admin = admin_connection(admin_url)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
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
            dropped: false,
        }
    }

    pub(crate) async fn drop_database(mut self) {
        self.dropped = true;
        drop_named_database(&self.admin_url, &self.name)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // Possibly unwinding inside a runtime: drop it from a thread with a runtime of its own,
        // and report (never panic) on failure.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let outcome = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
                .and_then(|rt| rt.block_on(drop_named_database(&admin_url, &name)))
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!(
                "could not drop test database {}: thread panicked",
                self.name
            ),
        }
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
