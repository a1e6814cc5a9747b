//! TLS secret management (seed §4.2) against the emulator, on SQLite and (when
//! `CERTKEEP_TEST_DATABASE_URL` is set) PostgreSQL: create from PFX and PEM, refusals before
//! anything is sent, update, rediscover, obtain certificate, export (never a key), and delete
//! from Certkeep only — each compared with the emulator's own state and counters.

mod common;

use std::collections::BTreeMap;

use base64::Engine as _;
use certkeep_azure::secrecy::SecretString;
use certkeep_emulator::demo::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use certkeep_engine::queries::AuditQuery;
use certkeep_engine::secret_discovery::SecretKind;
use certkeep_engine::tls_manage::{CreateSecret, ExportFormat, UpdateSecret, UploadFormat};
use certkeep_engine::views::PageRequest;
use certkeep_engine::{EngineError, NoProgress, Scope};
use certkeep_store::{Show, TlsSecretFilter};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::{Value, json};

use common::{Fixture, TestEngine, add, me, vault_token};

const VAULT: &str = "kv-prod-web";
const PASSWORD: &str = "Upl0ad-canary-7f3e!pw";

/// A leaf (with its key) issued by a root; the leaf ends on 2031-03-01.
struct Pki {
    root: Vec<u8>,
    leaf: Vec<u8>,
    key: Vec<u8>,
    other_key: Vec<u8>,
}

fn pki(cn: &str) -> Pki {
    let root_key = KeyPair::generate().unwrap();
    let mut root_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root_params
        .distinguished_name
        .push(DnType::CommonName, "Test Upload Root");
    let root = root_params.self_signed(&root_key).unwrap();
    let issuer = Issuer::new(root_params, &root_key);
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec![cn.to_string()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2031, 3, 1);
    let leaf = params.signed_by(&key, &issuer).unwrap();
    Pki {
        root: root.der().to_vec(),
        leaf: leaf.der().to_vec(),
        key: key.serialize_der(),
        other_key: KeyPair::generate().unwrap().serialize_der(),
    }
}

impl Pki {
    fn pfx(&self, password: &str) -> Vec<u8> {
        certkeep_core::pfx::write_pfx(&self.key, &[self.leaf.clone(), self.root.clone()], password)
            .unwrap()
    }
    fn pem(&self, key: &[u8]) -> Vec<u8> {
        let mut t = certkeep_core::pem::encode_block("CERTIFICATE", &self.leaf);
        t.push_str(&certkeep_core::pem::encode_block("CERTIFICATE", &self.root));
        t.push_str(&certkeep_core::pem::encode_block("PRIVATE KEY", key));
        t.into_bytes()
    }
    fn not_after(&self) -> i64 {
        certkeep_core::x509::inspect(&self.leaf).unwrap().not_after
    }
}

fn scope() -> Scope {
    Scope {
        credential: None,
        vault: Some(VAULT.into()),
    }
}

fn create(name: &str, file: Vec<u8>, password: &str) -> CreateSecret {
    CreateSecret {
        scope: scope(),
        name: name.into(),
        file,
        format: None,
        password: SecretString::from(password.to_string()),
        activation: None,
        expiration: None,
        enabled: true,
        tags: BTreeMap::new(),
        new_version: false,
    }
}

async fn counter(fx: &Fixture, route: &str) -> u64 {
    let c = fx.admin(reqwest::Method::GET, "counters", None).await;
    c["by_route"][route].as_u64().unwrap_or(0)
}

/// The emulator's versions of a secret in the test vault (oldest first).
async fn kv_versions(fx: &Fixture, name: &str) -> Vec<Value> {
    let state = fx.admin(reqwest::Method::GET, "state", None).await;
    let vault = state["vaults"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["properties"]["name"] == VAULT)
        .unwrap();
    vault["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .map(|s| s["versions"].as_array().unwrap().clone())
        .unwrap_or_default()
}

/// A secret's value and content type, read from Key Vault's REST API.
async fn kv_value(fx: &Fixture, name: &str) -> (String, String) {
    let token = vault_token::get(fx).await;
    let body: Value = fx
        .http
        .get(format!(
            "{}/secrets/{name}?api-version=7.6",
            fx.emu.endpoints().vault_url(VAULT)
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        body["value"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_string(),
        body["contentType"].as_str().unwrap_or_default().to_string(),
    )
}

/// Sets a secret straight in Key Vault, as someone in the Azure portal would.
async fn kv_set(fx: &Fixture, name: &str, value: &str, content_type: &str) {
    let token = vault_token::get(fx).await;
    let resp = fx
        .http
        .put(format!(
            "{}/secrets/{name}?api-version=7.6",
            fx.emu.endpoints().vault_url(VAULT)
        ))
        .bearer_auth(token)
        .json(&json!({"value": value, "contentType": content_type}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
}

async fn kv_delete(fx: &Fixture, name: &str) {
    let token = vault_token::get(fx).await;
    let resp = fx
        .http
        .delete(format!(
            "{}/secrets/{name}?api-version=7.6",
            fx.emu.endpoints().vault_url(VAULT)
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
}

async fn setup(fx: &Fixture, store: certkeep_store::Store) -> TestEngine {
    let engine = fx.engine(store);
    engine
        .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
        .await
        .unwrap();
    engine
}

fn field_of(e: &EngineError) -> &'static str {
    match e {
        EngineError::Invalid { field, .. } => field,
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

async fn audit_text(engine: &TestEngine) -> String {
    let events = engine
        .list_audit(&AuditQuery {
            page: PageRequest::new(0, 1000),
            ..Default::default()
        })
        .await
        .unwrap();
    serde_json::to_string(&events.items).unwrap()
}

#[tokio::test]
async fn create_secret_writes_what_was_asked_and_refuses_bad_uploads_before_sending() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = setup(&fx, store).await;
        let name = format!("tls-created-{backend}");
        let p = pki(&format!("{backend}.upload.test"));
        let activation = engine.now() - 3_600;

        // Refusals: nothing is sent to Key Vault.
        let sets_before = counter(&fx, "kv.secrets.set").await;
        let wrong = engine
            .create_tls_secret(&me(), create(&name, p.pfx(PASSWORD), "not-the-password"))
            .await
            .unwrap_err();
        assert_eq!(field_of(&wrong), "password", "{backend}: {wrong}");
        assert_eq!(wrong.exit_code(), 2);
        let mut corrupt_bytes = p.pfx(PASSWORD);
        corrupt_bytes.truncate(corrupt_bytes.len() / 3);
        let corrupt = engine
            .create_tls_secret(&me(), create(&name, corrupt_bytes, PASSWORD))
            .await
            .unwrap_err();
        assert_eq!(field_of(&corrupt), "file", "{backend}: {corrupt}");
        assert_ne!(wrong.to_string(), corrupt.to_string());
        let garbage = engine
            .create_tls_secret(
                &me(),
                create(&name, b"not a certificate".to_vec(), PASSWORD),
            )
            .await
            .unwrap_err();
        assert_eq!(field_of(&garbage), "file");
        let mismatch = engine
            .create_tls_secret(&me(), create(&name, p.pem(&p.other_key), ""))
            .await
            .unwrap_err();
        assert_eq!(field_of(&mismatch), "file");
        assert!(
            mismatch.to_string().contains("does not match"),
            "{mismatch}"
        );
        let mut late = create(&name, p.pfx(PASSWORD), PASSWORD);
        late.activation = Some(p.not_after() + 86_400);
        let late = engine.create_tls_secret(&me(), late).await.unwrap_err();
        assert_eq!(field_of(&late), "activation", "{late}");
        let bad_name = engine
            .create_tls_secret(&me(), create("bad_name!", p.pfx(PASSWORD), PASSWORD))
            .await
            .unwrap_err();
        assert_eq!(field_of(&bad_name), "name");
        for e in [&wrong, &corrupt, &garbage, &mismatch, &late, &bad_name] {
            assert!(!e.to_string().contains(PASSWORD), "{e}");
        }
        assert_eq!(
            counter(&fx, "kv.secrets.set").await,
            sets_before,
            "{backend}"
        );
        assert!(kv_versions(&fx, &name).await.is_empty());

        // A PFX: base64 PKCS#12 with an empty password, the uploaded leaf, dates as asked.
        let mut req = create(&name, p.pfx(PASSWORD), PASSWORD);
        req.activation = Some(activation);
        req.tags = [("env".to_string(), "test".to_string())].into();
        let created = engine.create_tls_secret(&me(), req).await.unwrap();
        assert!(!created.new_version && !created.adopted);
        assert_eq!(created.chain_length, 2);
        assert_eq!(created.secret.content_type, "application/x-pkcs12");
        assert_eq!(created.secret.activation.map(|t| t.0), Some(activation));
        assert_eq!(created.secret.expires.map(|t| t.0), Some(p.not_after()));
        assert!(created.secret.enabled && created.secret.current);
        let cert = created.certificate.as_ref().expect("linked certificate");
        assert_eq!(created.secret.certificate_id, Some(cert.id));
        assert_eq!(cert.source, "tls_secret");
        assert_eq!(
            cert.sha1,
            certkeep_core::x509::inspect(&p.leaf).unwrap().sha1_hex
        );
        let versions = kv_versions(&fx, &name).await;
        assert_eq!(versions.len(), 1, "{backend}");
        let v = &versions[0];
        assert_eq!(v["content_type"], "application/x-pkcs12");
        assert_eq!(v["nbf"].as_i64(), Some(activation));
        assert_eq!(v["exp"].as_i64(), Some(p.not_after()));
        assert_eq!(v["enabled"], true);
        assert_eq!(v["tags"]["env"], "test");
        assert_eq!(v["version"].as_str(), Some(created.secret.version.as_str()));
        let (value, content_type) = kv_value(&fx, &name).await;
        assert_eq!(content_type, "application/x-pkcs12");
        let der = base64::engine::general_purpose::STANDARD
            .decode(value)
            .unwrap();
        let opened = certkeep_core::pfx::read_pfx(&der, "").unwrap();
        assert_eq!(opened.chain[0], p.leaf);
        assert_eq!(opened.chain.len(), 2);
        assert!(opened.key_pkcs8.is_some());
        assert_eq!(counter(&fx, "kv.secrets.set").await, sets_before + 1);

        // An existing name: refused unless a new version is asked for.
        let again = engine
            .create_tls_secret(&me(), create(&name, p.pfx(PASSWORD), PASSWORD))
            .await
            .unwrap_err();
        assert!(matches!(again, EngineError::Conflict { .. }), "{again}");
        assert_eq!(again.exit_code(), 5);
        assert_eq!(counter(&fx, "kv.secrets.set").await, sets_before + 1);

        // A new version from PEM.
        let p2 = pki(&format!("{backend}.v2.upload.test"));
        let mut req = create(&name, p2.pem(&p2.key), "");
        req.new_version = true;
        req.format = Some(UploadFormat::Pem);
        let second = engine.create_tls_secret(&me(), req).await.unwrap();
        assert!(second.new_version);
        let versions = kv_versions(&fx, &name).await;
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[1]["content_type"], "application/x-pem-file");
        let (value, content_type) = kv_value(&fx, &name).await;
        assert_eq!(content_type, "application/x-pem-file");
        assert!(value.contains("PRIVATE KEY"), "a PEM secret holds its key");
        let parsed = certkeep_core::pem::parse_bundle(&value).unwrap();
        assert_eq!(parsed.certificates[0], p2.leaf);
        // And a third, disabled.
        let mut req = create(&name, p.pfx(PASSWORD), PASSWORD);
        req.new_version = true;
        req.enabled = false;
        let second = engine.create_tls_secret(&me(), req).await.unwrap();
        let versions = kv_versions(&fx, &name).await;
        assert_eq!(versions.len(), 3);
        assert_eq!(versions[2]["enabled"], false);
        let rows = engine
            .store()
            .list_tls_secrets(&TlsSecretFilter {
                show: Show::All,
                search: Some(name.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(rows.len(), 3, "{backend}");
        let current: Vec<_> = rows.iter().filter(|r| r.record.is_current).collect();
        assert_eq!(current.len(), 1);
        assert_eq!(current[0].record.version, second.secret.version);
        assert!(!current[0].record.is_enabled);

        // Audited, failures too; the password nowhere.
        let audit = audit_text(&engine).await;
        assert!(audit.contains("secret.create"));
        assert!(audit.contains("\"failed\"") && audit.contains("\"succeeded\""));
        assert!(
            !audit.contains(PASSWORD),
            "{backend}: password in the audit log"
        );
    }
}

#[tokio::test]
async fn update_rediscover_obtain_export_and_delete_locally() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = setup(&fx, store).await;
        let name = format!("tls-managed-{backend}");
        let p = pki(&format!("{backend}.managed.test"));
        engine
            .create_tls_secret(&me(), create(&name, p.pfx(PASSWORD), PASSWORD))
            .await
            .unwrap();

        // Update: dates and status of the current version, in Azure and the inventory.
        let exp = p.not_after() - 30 * 86_400;
        let updated = engine
            .update_tls_secret(
                &me(),
                UpdateSecret {
                    scope: scope(),
                    name: name.clone(),
                    activation: None,
                    expiration: Some(exp),
                    enabled: Some(false),
                },
            )
            .await
            .unwrap();
        assert_eq!(updated.expires.map(|t| t.0), Some(exp));
        assert!(!updated.enabled);
        let v = &kv_versions(&fx, &name).await[0];
        assert_eq!(
            (v["exp"].as_i64(), v["enabled"].as_bool()),
            (Some(exp), Some(false))
        );
        let updates = counter(&fx, "kv.secrets.update").await;
        let bad = engine
            .update_tls_secret(
                &me(),
                UpdateSecret {
                    scope: scope(),
                    name: name.clone(),
                    activation: Some(exp + 1),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field_of(&bad), "activation");
        let nothing = engine
            .update_tls_secret(
                &me(),
                UpdateSecret {
                    scope: scope(),
                    name: name.clone(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(nothing.exit_code(), 2);
        assert_eq!(counter(&fx, "kv.secrets.update").await, updates);
        let unknown = engine
            .update_tls_secret(
                &me(),
                UpdateSecret {
                    scope: scope(),
                    name: "no-such-secret".into(),
                    enabled: Some(true),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(unknown.exit_code(), 4);

        // A new version set in the portal: rediscover takes it as current, obtain links it.
        let p2 = pki(&format!("{backend}.portal.test"));
        let portal_value = base64::engine::general_purpose::STANDARD.encode(p2.pfx(""));
        // (Later than the first version: Key Vault's current version is the newest created.)
        fx.admin(
            reqwest::Method::POST,
            "clock/advance",
            Some(json!({"seconds": 5, "days": 0.0})),
        )
        .await;
        kv_set(&fx, &name, &portal_value, "application/x-pkcs12").await;
        let newest = kv_versions(&fx, &name).await[1]["version"]
            .as_str()
            .unwrap()
            .to_string();
        let reports = engine
            .rediscover_secrets(&me(), &scope(), std::slice::from_ref(&name))
            .await
            .unwrap();
        assert_eq!(reports[0].outcome, "updated", "{reports:?}");
        assert_eq!(reports[0].current_version.as_deref(), Some(newest.as_str()));
        let again = engine
            .rediscover_secrets(&me(), &scope(), std::slice::from_ref(&name))
            .await
            .unwrap();
        assert_eq!(again[0].outcome, "unchanged");
        let cert = engine
            .obtain_secret_certificate(&me(), &scope(), &name)
            .await
            .unwrap();
        assert_eq!(
            cert.sha1,
            certkeep_core::x509::inspect(&p2.leaf).unwrap().sha1_hex
        );
        assert_eq!(cert.version, newest);

        // Export: PEM, DER, chain; never a key.
        let pem = engine
            .export_secret_certificate(&me(), &scope(), &name, ExportFormat::Pem)
            .await
            .unwrap();
        let text = String::from_utf8(pem.bytes.clone()).unwrap();
        assert!(!text.contains("PRIVATE KEY"));
        assert_eq!(
            certkeep_core::pem::parse_bundle(&text)
                .unwrap()
                .certificates,
            vec![p2.leaf.clone()]
        );
        let der = engine
            .export_secret_certificate(&me(), &scope(), &name, ExportFormat::Der)
            .await
            .unwrap();
        assert_eq!(der.bytes, p2.leaf);
        let chain = engine
            .export_secret_certificate(&me(), &scope(), &name, ExportFormat::Chain)
            .await
            .unwrap();
        let text = String::from_utf8(chain.bytes.clone()).unwrap();
        assert!(!text.contains("PRIVATE KEY"), "{text}");
        assert_eq!(chain.certificates, 2);
        assert_eq!(
            certkeep_core::pem::parse_bundle(&text)
                .unwrap()
                .certificates,
            vec![p2.leaf.clone(), p2.root.clone()]
        );
        assert!(chain.note.is_none());

        // Delete from Certkeep only, excluded from discovery: Key Vault keeps it.
        let deletes = counter(&fx, "kv.secrets.delete").await;
        let deleted = engine
            .delete_tls_secrets(&me(), &scope(), std::slice::from_ref(&name), true)
            .await
            .unwrap();
        assert_eq!(deleted.versions_deleted, 2, "{backend}: {deleted:?}");
        assert_eq!(deleted.exclusions_added, 1);
        assert_eq!(counter(&fx, "kv.secrets.delete").await, deletes);
        assert_eq!(kv_versions(&fx, &name).await.len(), 2, "Azure untouched");
        let rows = |engine: &TestEngine, name: String| {
            let store = engine.store().clone();
            async move {
                store
                    .list_tls_secrets(&TlsSecretFilter {
                        show: Show::All,
                        search: Some(name),
                        include_missing: true,
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .len()
            }
        };
        assert_eq!(rows(&engine, name.clone()).await, 0);
        let reports = engine
            .discover_secrets(&me(), &scope(), SecretKind::TlsOnly, true, &NoProgress)
            .await
            .unwrap();
        assert!(reports[0].excluded >= 1, "{reports:?}");
        assert_eq!(
            rows(&engine, name.clone()).await,
            0,
            "excluded: not imported again"
        );
        let exclusions = engine.list_exclusions(&scope()).await.unwrap();
        let ours = exclusions.iter().find(|e| e.name == name).unwrap();
        assert_eq!(ours.kind, "tls_secret");
        engine.remove_exclusion(&me(), ours.id).await.unwrap();
        assert_eq!(
            engine
                .remove_exclusion(&me(), ours.id)
                .await
                .unwrap_err()
                .exit_code(),
            4
        );
        engine
            .discover_secrets(&me(), &scope(), SecretKind::TlsOnly, true, &NoProgress)
            .await
            .unwrap();
        assert_eq!(rows(&engine, name.clone()).await, 2, "imported again");

        // Without an exclusion, discovery imports a deleted secret again.
        engine
            .delete_tls_secrets(&me(), &scope(), std::slice::from_ref(&name), false)
            .await
            .unwrap();
        engine
            .discover_secrets(&me(), &scope(), SecretKind::TlsOnly, false, &NoProgress)
            .await
            .unwrap();
        assert_eq!(rows(&engine, name.clone()).await, 2);
        assert_eq!(counter(&fx, "kv.secrets.delete").await, deletes);
        let none = engine
            .delete_tls_secrets(&me(), &scope(), &["never-was-here".to_string()], false)
            .await
            .unwrap_err();
        assert_eq!(none.exit_code(), 4);

        // Deleted in Azure: rediscover marks it missing.
        let gone = format!("tls-gone-{backend}");
        engine
            .create_tls_secret(&me(), create(&gone, p.pfx(PASSWORD), PASSWORD))
            .await
            .unwrap();
        kv_delete(&fx, &gone).await;
        let reports = engine
            .rediscover_secrets(&me(), &scope(), &[gone.clone(), "not-in-certkeep".into()])
            .await
            .unwrap();
        assert_eq!(reports[0].outcome, "missing", "{reports:?}");
        assert_eq!(reports[1].outcome, "failed");
        assert!(certkeep_engine::reports::check(&reports).is_err());

        let audit = audit_text(&engine).await;
        for action in [
            "secret.update",
            "secret.rediscover",
            "secret.obtain_certificate",
            "secret.export",
            "secret.delete_local",
            "exclusion.remove",
        ] {
            assert!(audit.contains(action), "{backend}: {action} not audited");
        }
    }
}
