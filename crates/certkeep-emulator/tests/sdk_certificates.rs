//! The official Rust SDK (`azure_security_keyvault_certificates` 1.0) against the emulator, with
//! challenge-resource verification left on: creation with a full policy checked field by field
//! (and by openssl), integrated-CA issuance, paging, CSR + merge, cancel, 409 and PFX import.

mod common;

use azure_core::http::poller::PollerOptions;
use azure_security_keyvault_certificates::models::*;
use azure_security_keyvault_certificates::{CertificateClient, ResourceExt};
use base64::Engine as _;
use common::Env;
use futures::TryStreamExt;

fn poll_fast() -> Option<CertificateClientCreateCertificateOptions<'static>> {
    Some(CertificateClientCreateCertificateOptions {
        method_options: PollerOptions {
            frequency: azure_core::time::Duration::seconds(1),
            ..Default::default()
        },
    })
}

fn self_policy(subject: &str) -> CertificatePolicy {
    CertificatePolicy {
        issuer_parameters: Some(IssuerParameters {
            name: Some("Self".into()),
            ..Default::default()
        }),
        x509_certificate_properties: Some(X509CertificateProperties {
            subject: Some(subject.into()),
            validity_in_months: Some(12),
            ..Default::default()
        }),
        ..Default::default()
    }
}

async fn create(client: &CertificateClient, name: &str, policy: CertificatePolicy) -> Certificate {
    let params = CreateCertificateParameters {
        certificate_policy: Some(policy),
        ..Default::default()
    };
    client
        .begin_create_certificate(name, params.try_into().unwrap(), poll_fast())
        .unwrap()
        .await
        .unwrap()
        .into_model()
        .unwrap()
}

fn openssl(args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn write_pem(dir: &std::path::Path, name: &str, der: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, certkeep_core::pem::encode_block("CERTIFICATE", der)).unwrap();
    path.to_string_lossy().into_owned()
}

#[tokio::test]
async fn self_signed_certificate_matches_its_full_policy_field_by_field() {
    let env = Env::start().await;
    let client = env.certificates("kv-test-1");
    let subject = "CN=web.contoso.com, O=Contoso Ltd, OU=Platform, L=Delft, ST=Zuid-Holland, C=NL, E=pki@contoso.com";
    let policy = CertificatePolicy {
        issuer_parameters: Some(IssuerParameters {
            name: Some("Self".into()),
            ..Default::default()
        }),
        key_properties: Some(KeyProperties {
            key_type: Some(KeyType::Rsa),
            key_size: Some(3072),
            exportable: Some(true),
            reuse_key: Some(false),
            ..Default::default()
        }),
        secret_properties: Some(SecretProperties {
            content_type: Some("application/x-pem-file".into()),
        }),
        x509_certificate_properties: Some(X509CertificateProperties {
            subject: Some(subject.into()),
            subject_alternative_names: Some(SubjectAlternativeNames {
                dns_names: Some(vec!["web.contoso.com".into(), "www.contoso.com".into()]),
                emails: Some(vec!["pki@contoso.com".into()]),
                user_principal_names: Some(vec!["svc-web@contoso.com".into()]),
                ip_addresses: Some(vec!["10.0.0.5".into()]),
                uris: Some(vec!["https://contoso.com/web".into()]),
            }),
            enhanced_key_usage: Some(vec!["1.3.6.1.5.5.7.3.1".into(), "1.3.6.1.5.5.7.3.2".into()]),
            key_usage: Some(vec![
                KeyUsageType::DigitalSignature,
                KeyUsageType::KeyEncipherment,
                KeyUsageType::NonRepudiation,
            ]),
            validity_in_months: Some(6),
        }),
        lifetime_actions: Some(vec![LifetimeAction {
            trigger: Some(LifetimeActionTrigger {
                days_before_expiry: Some(30),
                ..Default::default()
            }),
            action: Some(LifetimeActionType {
                action_type: Some(CertificatePolicyAction::EmailContacts),
            }),
        }]),
        ..Default::default()
    };
    let cert = create(&client, "web-contoso", policy).await;
    let der = cert.cer.clone().expect("cer");
    let f = certkeep_core::x509::inspect(&der).unwrap();
    assert_eq!(f.subject, subject);
    assert_eq!(f.issuer, subject, "self-signed: issuer = subject");
    assert_eq!(f.key.kty, "RSA");
    assert_eq!(f.key.size, 3072);
    assert_eq!(f.signature_algorithm, "sha256WithRSAEncryption");
    assert_eq!(f.sans.dns_names, vec!["web.contoso.com", "www.contoso.com"]);
    assert_eq!(f.sans.emails, vec!["pki@contoso.com"]);
    assert_eq!(f.sans.upns, vec!["svc-web@contoso.com"]);
    assert_eq!(f.sans.ip_addresses, vec!["10.0.0.5"]);
    assert_eq!(f.sans.uris, vec!["https://contoso.com/web"]);
    assert_eq!(
        f.key_usage,
        vec!["digitalSignature", "nonRepudiation", "keyEncipherment"]
    );
    assert!(
        f.key_usage_critical,
        "key usage is critical as Key Vault issues it"
    );
    assert_eq!(f.ekus, vec!["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    assert_eq!(f.is_ca, Some(false));
    assert!(f.subject_key_id.is_some() && f.authority_key_id.is_some());
    assert_eq!(f.serial_hex.len(), 32, "16-byte serial");
    let created = cert.properties_created();
    assert_eq!(f.not_before, created - 600);
    assert_eq!(
        f.not_after,
        certkeep_emulator::kv::policy::add_months(created, 6)
    );
    assert_eq!(
        cert.x509_thumbprint.clone().unwrap(),
        hex::decode(&f.sha1_hex).unwrap()
    );
    let id = cert.resource_id().unwrap();
    assert_eq!(id.name, "web-contoso");
    let version = id.version.clone().unwrap();
    assert_eq!(version.len(), 32);
    assert_eq!(
        cert.kid.as_deref(),
        Some(format!("{}/keys/web-contoso/{version}", env.vault_url("kv-test-1")).as_str())
    );
    assert_eq!(
        cert.sid.as_deref(),
        Some(
            format!(
                "{}/secrets/web-contoso/{version}",
                env.vault_url("kv-test-1")
            )
            .as_str()
        )
    );
    let policy = cert.policy.clone().unwrap();
    assert_eq!(
        policy.secret_properties.unwrap().content_type.as_deref(),
        Some("application/x-pem-file")
    );

    // The managed secret holds the key and the certificate as PEM.
    let secret = env
        .secrets("kv-test-1")
        .get_secret("web-contoso", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(
        secret.content_type.as_deref(),
        Some("application/x-pem-file")
    );
    assert_eq!(secret.managed, Some(true));
    let bundle = certkeep_core::pem::parse_bundle(secret.value.as_deref().unwrap()).unwrap();
    assert_eq!(bundle.certificates, vec![der.clone()]);
    assert!(bundle.private_key.is_some());

    // Another implementation agrees: openssl parses it and verifies the self-signature.
    let dir = std::env::temp_dir().join(format!("ck-openssl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = write_pem(&dir, "self.pem", &der);
    let (ok, text) = openssl(&["x509", "-in", &pem, "-noout", "-text"]);
    assert!(ok, "{text}");
    assert!(text.contains("X509v3 Key Usage: critical"), "{text}");
    assert!(text.contains("CA:FALSE"), "{text}");
    assert!(text.contains("DNS:web.contoso.com"), "{text}");
    let (ok, text) = openssl(&["verify", "-partial_chain", "-CAfile", &pem, &pem]);
    assert!(ok && text.contains("OK"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

trait Created {
    fn properties_created(&self) -> i64;
}

impl Created for Certificate {
    fn properties_created(&self) -> i64 {
        self.attributes
            .as_ref()
            .and_then(|a| a.created)
            .map(|t| t.unix_timestamp())
            .expect("created")
    }
}

#[tokio::test]
async fn integrated_ca_issues_a_chain_that_openssl_verifies() {
    let env = Env::start().await;
    let client = env.certificates("kv-test-1");
    let mut policy = self_policy("CN=shop.contoso.com");
    policy.issuer_parameters = Some(IssuerParameters {
        name: Some("digicert-ov".into()),
        ..Default::default()
    });
    policy.key_properties = Some(KeyProperties {
        key_type: Some(KeyType::Ec),
        curve: Some(CurveName::P384),
        ..Default::default()
    });
    let cert = create(&client, "shop", policy).await;
    let f = certkeep_core::x509::inspect(cert.cer.as_deref().unwrap()).unwrap();
    assert_eq!(f.key.curve.as_deref(), Some("P-384"));
    assert!(f.issuer.contains("DigiCert"), "issuer {}", f.issuer);

    let secret = env
        .secrets("kv-test-1")
        .get_secret("shop", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(secret.content_type.as_deref(), Some("application/x-pkcs12"));
    let pfx = base64::engine::general_purpose::STANDARD
        .decode(secret.value.unwrap())
        .unwrap();
    let read = certkeep_core::pfx::read_pfx(&pfx, "").unwrap();
    assert_eq!(read.chain.len(), 2);
    assert_eq!(read.chain[0], cert.cer.unwrap());
    let dir = std::env::temp_dir().join(format!("ck-openssl-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = write_pem(&dir, "ca.pem", &read.chain[1]);
    let leaf = write_pem(&dir, "leaf.pem", &read.chain[0]);
    let (ok, text) = openssl(&["verify", "-CAfile", &ca, &leaf]);
    assert!(ok && text.contains("OK"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn sixty_versions_are_listed_across_pages() {
    let env = Env::start().await;
    let versions: Vec<serde_json::Value> = (0..60)
        .map(|i| serde_json::json!({"created_days_ago": 600 - i * 10, "validity_days": 365}))
        .collect();
    env.admin(reqwest::Method::POST, "seed", Some(serde_json::json!({
        "tenants": [{"id": certkeep_emulator::demo::DEMO_TENANT}],
        "subscriptions": [{"id": certkeep_emulator::demo::DEMO_SUBSCRIPTIONS[1], "tenant": certkeep_emulator::demo::DEMO_TENANT, "vaults": [
            {"name": "kv-paging", "access": [certkeep_emulator::demo::DEMO_CLIENT_ID], "certificates": [
                {"name": "many", "policy": {"key_props": {"kty": "EC", "crv": "P-256"}, "x509_props": {"subject": "CN=many"}, "issuer": {"name": "Self"}}, "versions": versions}
            ]}
        ]}]
    }))).await;
    let client = env.certificates("kv-paging");
    let opts = CertificateClientListCertificatePropertiesVersionsOptions {
        maxresults: Some(25),
        ..Default::default()
    };
    let mut pages = client
        .list_certificate_properties_versions("many", Some(opts))
        .unwrap()
        .into_pages();
    let mut seen = std::collections::BTreeSet::new();
    let mut page_count = 0;
    while let Some(page) = pages.try_next().await.unwrap() {
        page_count += 1;
        for p in page.into_model().unwrap().value {
            seen.insert(p.resource_id().unwrap().version.unwrap());
        }
    }
    assert_eq!(seen.len(), 60, "every version once");
    assert_eq!(page_count, 3, "25 + 25 + 10");
    let counters = env.admin(reqwest::Method::GET, "counters", None).await;
    assert_eq!(counters["by_route"]["kv.certificates.versions"], 3);
}

async fn first_operation(
    client: &CertificateClient,
    name: &str,
    policy: CertificatePolicy,
) -> azure_core::Result<CertificateOperation> {
    let params = CreateCertificateParameters {
        certificate_policy: Some(policy),
        ..Default::default()
    };
    let mut poller = client.begin_create_certificate(name, params.try_into()?, poll_fast())?;
    let first = poller.try_next().await?.expect("one poll");
    first.into_model()
}

#[tokio::test]
async fn unknown_issuer_csr_is_signed_elsewhere_and_merged() {
    let env = Env::start().await;
    let client = env.certificates("kv-test-2");
    let mut policy = self_policy("CN=partner.contoso.com, O=Contoso");
    policy.issuer_parameters = Some(IssuerParameters {
        name: Some("Unknown".into()),
        ..Default::default()
    });
    let op = first_operation(&client, "partner", policy.clone())
        .await
        .unwrap();
    assert_eq!(op.status.as_deref(), Some("inProgress"));
    let csr = op.csr.clone().expect("a CSR for issuer Unknown");

    // An external CA signs the CSR.
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Test External CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, &ca_key);
    let csr_params = rcgen::CertificateSigningRequestParams::from_der(&csr.clone().into()).unwrap();
    let leaf = csr_params.signed_by(&issuer).unwrap();

    let merged = client
        .merge_certificate(
            "partner",
            MergeCertificateParameters {
                x509_certificates: Some(vec![leaf.der().to_vec(), ca_cert.der().to_vec()]),
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
    assert_eq!(merged.cer.as_deref(), Some(leaf.der().as_ref()));
    let got = client
        .get_certificate("partner", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(got.cer, merged.cer);
    let op = client
        .get_certificate_operation("partner", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(op.status.as_deref(), Some("completed"));

    // A certificate for another key is refused and changes nothing.
    first_operation(&client, "partner2", policy).await.unwrap();
    let other_key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(vec!["partner2.contoso.com".to_string()]).unwrap();
    p.distinguished_name
        .push(rcgen::DnType::CommonName, "partner2");
    let wrong = p.signed_by(&other_key, &issuer).unwrap();
    let err = client
        .merge_certificate(
            "partner2",
            MergeCertificateParameters {
                x509_certificates: Some(vec![wrong.der().to_vec()]),
                ..Default::default()
            }
            .try_into()
            .unwrap(),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.http_status().map(u16::from), Some(400));
    assert!(err.to_string().contains("doesn't match"), "{err}");
    let op = client
        .get_certificate_operation("partner2", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(op.status.as_deref(), Some("inProgress"));
}

#[tokio::test]
async fn pending_request_can_be_cancelled_and_deleted_and_a_second_create_conflicts() {
    let env = Env::start_with(|c| c.ca_delay_secs = 4.0).await;
    let client = env.certificates("kv-test-1");
    let mut policy = self_policy("CN=cancel.contoso.com");
    policy.issuer_parameters = Some(IssuerParameters {
        name: Some("globalsign-ev".into()),
        ..Default::default()
    });
    first_operation(&client, "to-cancel", policy.clone())
        .await
        .unwrap();

    // A second create while the first is pending → 409.
    let err = first_operation(&client, "to-cancel", policy)
        .await
        .unwrap_err();
    assert_eq!(err.http_status().map(u16::from), Some(409), "{err}");

    let op = client
        .update_certificate_operation(
            "to-cancel",
            UpdateCertificateOperationParameter {
                cancellation_requested: Some(true),
            }
            .try_into()
            .unwrap(),
            None,
        )
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(op.cancellation_requested, Some(true));
    tokio::time::sleep(std::time::Duration::from_millis(4200)).await;
    let op = client
        .get_certificate_operation("to-cancel", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(op.status.as_deref(), Some("cancelled"));
    // Cancelled means no certificate version was made.
    assert!(
        client.get_certificate("to-cancel", None).await.is_err() || {
            let c = client
                .get_certificate("to-cancel", None)
                .await
                .unwrap()
                .into_model()
                .unwrap();
            c.cer.is_none()
        }
    );
    client
        .delete_certificate_operation("to-cancel", None)
        .await
        .unwrap();
    let err = client
        .get_certificate_operation("to-cancel", None)
        .await
        .unwrap_err();
    assert_eq!(err.http_status().map(u16::from), Some(404));
}

#[tokio::test]
async fn password_protected_pfx_is_imported_and_served_back_with_an_empty_password() {
    let env = Env::start().await;
    let client = env.certificates("kv-test-1");
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["legacy.contoso.com".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "legacy.contoso.com");
    let leaf = params.self_signed(&key).unwrap();
    let pfx =
        certkeep_core::pfx::write_pfx(key.serialized_der(), &[leaf.der().to_vec()], "s3cret!")
            .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&pfx);
    let import = |pwd: &str| ImportCertificateParameters {
        base64_encoded_certificate: Some(b64.clone()),
        password: Some(pwd.to_string()),
        certificate_policy: Some(CertificatePolicy {
            secret_properties: Some(SecretProperties {
                content_type: Some("application/x-pkcs12".into()),
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let err = client
        .import_certificate("legacy", import("wrong").try_into().unwrap(), None)
        .await
        .unwrap_err();
    assert_eq!(err.http_status().map(u16::from), Some(400));

    let cert = client
        .import_certificate("legacy", import("s3cret!").try_into().unwrap(), None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(cert.cer.as_deref(), Some(leaf.der().as_ref()));
    let policy = cert.policy.unwrap();
    assert_eq!(
        policy.issuer_parameters.unwrap().name.as_deref(),
        Some("Unknown")
    );
    assert_eq!(
        policy
            .x509_certificate_properties
            .unwrap()
            .subject
            .as_deref(),
        Some("CN=legacy.contoso.com")
    );

    let secret = env
        .secrets("kv-test-1")
        .get_secret("legacy", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    let served = base64::engine::general_purpose::STANDARD
        .decode(secret.value.unwrap())
        .unwrap();
    let read = certkeep_core::pfx::read_pfx(&served, "").unwrap();
    assert_eq!(read.key_pkcs8.as_deref(), Some(key.serialized_der()));
    assert_eq!(read.chain, vec![leaf.der().to_vec()]);
}

#[tokio::test]
async fn listing_survives_injected_faults_and_returns_the_same_certificates() {
    let env = Env::start().await;
    env.admin(reqwest::Method::POST, "seed/demo", None).await;
    let client = env.certificates("kv-prod-web");
    let names = |client: CertificateClient| async move {
        let mut pager = client.list_certificate_properties(None).unwrap();
        let mut names = Vec::new();
        while let Some(p) = pager.try_next().await.unwrap() {
            names.push(p.resource_id().unwrap().name);
        }
        names
    };
    let clean = names(client).await;
    assert_eq!(clean.len(), 12);
    env.admin(reqwest::Method::PUT, "faults", Some(serde_json::json!({
        "latency_ms": 5, "jitter_ms": 5, "empty_page_rate": 0.3, "drop_rate": 0.1,
        "errors": [{"status": 503, "rate": 0.2}, {"status": 500, "rate": 0.1, "route": "kv.certificates.list"}]
    }))).await;
    // Faults are random: list until some were injected (three rounds at least; about 1 % of
    // three-round runs drew none), each time the same certificates.
    let mut rounds = 0;
    let counters = loop {
        let faulty = names(env.certificates("kv-prod-web")).await;
        assert_eq!(faulty, clean);
        rounds += 1;
        let counters = env.admin(reqwest::Method::GET, "counters", None).await;
        let injected =
            counters["injected_errors"].as_u64().unwrap() + counters["dropped"].as_u64().unwrap();
        if rounds >= 3 && injected > 0 {
            break counters;
        }
        assert!(
            rounds < 30,
            "no fault injected in {rounds} rounds: {counters}"
        );
    };
    assert!(counters["total"].as_u64().unwrap() > 12, "{counters}");
}
