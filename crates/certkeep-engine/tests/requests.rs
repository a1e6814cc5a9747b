//! Certificate requests end to end against the emulator, on SQLite and (when
//! `CERTKEEP_TEST_DATABASE_URL` is set) PostgreSQL: what Key Vault ends up with is read from the
//! emulator's own state and counters, never from what the engine answered.

mod common;

use std::time::Duration;

use certkeep_emulator::demo::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use certkeep_engine::requests::raw::{Criticality, RawRequest};
use certkeep_engine::requests::{CertificateRequestInput, RequestView};
use certkeep_engine::{EngineError, Scope};
use certkeep_store::{CertificateFilter, Show};
use serde_json::{Value, json};

use common::{Fixture, TestEngine, add, me};

const VAULT: &str = "kv-prod-web";

async fn engine_with_credential(fx: &Fixture, store: certkeep_store::Store) -> TestEngine {
    let engine = fx.engine(store);
    engine
        .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
        .await
        .unwrap();
    engine
}

fn input(raw: RawRequest) -> CertificateRequestInput {
    CertificateRequestInput {
        scope: Scope::vault("prod", VAULT),
        raw,
    }
}

fn simple(name: &str) -> RawRequest {
    RawRequest {
        name: name.into(),
        common_name: format!("{name}.contoso.com"),
        validity_months: "12".into(),
        ..Default::default()
    }
}

async fn wait(engine: &TestEngine, ids: &[&str]) -> Vec<RequestView> {
    let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    engine
        .wait_for_requests(&me(), &ids, Duration::from_secs(30))
        .await
        .unwrap()
}

/// Polls (`request poll`) until the request is no longer open.
async fn poll_until_done(engine: &TestEngine, id: &str) -> RequestView {
    for _ in 0..120 {
        let report = engine.poll_requests(&me()).await.unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        let view = engine.show_request(id).await.unwrap();
        if view.status != "in_progress" && view.status != "sending" {
            return view;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("request {id} never finished");
}

/// The stored versions of one certificate, current first.
async fn stored_versions(engine: &TestEngine, name: &str) -> Vec<certkeep_store::Certificate> {
    let vault = engine
        .store()
        .list_vaults(None)
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.record.name == VAULT)
        .unwrap();
    let mut rows: Vec<_> = engine
        .store()
        .list_certificates(&CertificateFilter {
            show: Show::All,
            vault: Some(vault.id),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.record.name.eq_ignore_ascii_case(name))
        .collect();
    rows.sort_by_key(|c| !c.record.is_current);
    rows
}

fn versions_of(state: &Value) -> Vec<String> {
    state["versions"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v["version"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A months-long validity in seconds, within a few days of calendar months.
fn assert_months(not_before: i64, not_after: i64, months: i64, what: &str) {
    // nbf is issuance - 10 minutes; exp is issuance + `months` calendar months.
    let days = (not_after - not_before) as f64 / 86400.0;
    let expected = months as f64 * 30.44;
    assert!(
        (days - expected).abs() <= 3.5,
        "{what}: validity {days} days, expected about {expected}"
    );
}

#[tokio::test]
async fn a_full_policy_self_request_is_issued_as_asked() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = engine_with_credential(&fx, store).await;
        let contacts_before = fx.vault_state(VAULT).await["contacts"].clone();
        let keys = [
            ("EC", "", "P-384", 384u32, Some("P-384")),
            ("RSA", "3072", "", 3072, None),
        ];
        for (i, (kty, size, curve, bits, want_curve)) in keys.into_iter().enumerate() {
            let name = format!("full-{}-{i}", backend);
            let email = format!("owner{i}@contoso.com");
            let raw = RawRequest {
                name: name.clone(),
                common_name: "app.contoso.com".into(),
                sans: "api.contoso.com, email:pki@contoso.com, upn:svc@contoso.com, ip:10.1.2.3, uri:https://app.contoso.com/id".into(),
                email: email.clone(),
                key: kty.into(),
                key_size: size.into(),
                curve: curve.into(),
                organization: "Contoso Ltd".into(),
                organizational_unit: "Platform".into(),
                locality: "Amsterdam".into(),
                state: "Noord-Holland".into(),
                country: "nl".into(),
                validity_months: "7".into(),
                lifetime_action: "EmailContacts".into(),
                days_before_expiry: "30".into(),
                key_usage: vec!["digitalSignature".into(), "keyAgreement".into()],
                eku: vec!["serverAuth,clientAuth".into()],
                critical: Criticality {
                    key_usage: true,
                    eku: true,
                },
                issuer: "Self".into(),
                content_type: "pem".into(),
                tags: vec!["env=test".into(), "team=pki".into()],
                ..Default::default()
            };
            fx.reset_counters().await;
            let req = engine.request_certificate(&me(), input(raw)).await.unwrap();
            let done = wait(&engine, &[&req.id]).await.remove(0);
            assert_eq!(done.status, "completed", "{backend}: {done:?}");
            assert_eq!(
                fx.route_count("kv.certificates.create").await,
                1,
                "{backend}"
            );

            // Key Vault's own state: one version, the policy as asked, the tags.
            let st = fx.cert_state(VAULT, &name).await;
            let versions = versions_of(&st);
            assert_eq!(versions.len(), 1, "{backend}: {st}");
            assert_eq!(done.version.as_deref(), Some(versions[0].as_str()));
            let tags = &st["versions"][0]["tags"];
            assert_eq!(tags["owner"], email.as_str(), "{backend}: {tags}");
            assert_eq!(tags["env"], "test");
            assert_eq!(tags["team"], "pki");
            assert_eq!(tags["certkeep-request"], req.id.as_str());
            assert_eq!(
                st["versions"][0]["content_type"], "application/x-pem-file",
                "{backend}"
            );
            let p = &st["policy"];
            let pj = p.to_string();
            let kp = &p["key_props"];
            assert_eq!(kp["kty"], kty, "{backend}: {pj}");
            match want_curve {
                Some(c) => assert_eq!(kp["crv"], c, "{pj}"),
                None => assert_eq!(kp["key_size"], bits, "{pj}"),
            }
            let x = &p["x509_props"];
            assert_eq!(
                x["subject"],
                "CN=app.contoso.com, O=Contoso Ltd, OU=Platform, L=Amsterdam, ST=Noord-Holland, C=NL",
                "{pj}"
            );
            assert_eq!(x["validity_months"], 7, "{pj}");
            assert_eq!(
                x["key_usage"],
                json!(["digitalSignature", "keyAgreement"]),
                "{pj}"
            );
            assert_eq!(
                x["ekus"],
                json!(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]),
                "{pj}"
            );
            let sans = &x["sans"];
            assert_eq!(
                sans["dns_names"],
                json!(["app.contoso.com", "api.contoso.com"]),
                "{pj}"
            );
            assert_eq!(sans["emails"], json!(["pki@contoso.com"]), "{pj}");
            assert_eq!(sans["upns"], json!(["svc@contoso.com"]), "{pj}");
            assert_eq!(sans["ipAddresses"], json!(["10.1.2.3"]), "{pj}");
            assert_eq!(sans["uris"], json!(["https://app.contoso.com/id"]), "{pj}");
            assert_eq!(
                p["lifetime_actions"],
                json!([{"trigger": {"days_before_expiry": 30}, "action": {"action_type": "EmailContacts"}}]),
                "{pj}"
            );
            assert_eq!(p["issuer"]["name"], "Self", "{pj}");

            // The contact was added, the existing ones kept.
            let contacts = fx.vault_state(VAULT).await["contacts"].clone();
            let emails: Vec<&str> = contacts
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|c| c["email"].as_str())
                .collect();
            assert!(emails.contains(&email.as_str()), "{backend}: {contacts}");
            for c in contacts_before.as_array().unwrap() {
                assert!(
                    emails.contains(&c["email"].as_str().unwrap()),
                    "{backend}: existing contact kept: {contacts}"
                );
            }

            // The issued X.509, field by field.
            let rows = stored_versions(&engine, &name).await;
            assert_eq!(rows.len(), 1, "{backend}");
            let row = &rows[0];
            assert!(row.record.is_current);
            assert_eq!(row.record.version, versions[0]);
            assert_eq!(row.record.x5t, st["versions"][0]["x5t"].as_str().unwrap());
            let f = certkeep_core::x509::inspect(&row.record.der).unwrap();
            for part in [
                "CN=app.contoso.com",
                "O=Contoso Ltd",
                "OU=Platform",
                "L=Amsterdam",
                "ST=Noord-Holland",
                "C=NL",
            ] {
                assert!(
                    f.subject.contains(part),
                    "{backend}: {} lacks {part}",
                    f.subject
                );
            }
            assert_eq!(f.sans.dns_names, vec!["app.contoso.com", "api.contoso.com"]);
            assert_eq!(f.sans.emails, vec!["pki@contoso.com"]);
            assert_eq!(f.sans.upns, vec!["svc@contoso.com"]);
            assert_eq!(f.sans.ip_addresses, vec!["10.1.2.3"]);
            assert_eq!(f.sans.uris, vec!["https://app.contoso.com/id"]);
            assert_eq!(f.key.kty, kty, "{backend}");
            assert_eq!(f.key.size, bits);
            assert_eq!(f.key.curve.as_deref(), want_curve);
            assert_eq!(f.key_usage, vec!["digitalSignature", "keyAgreement"]);
            assert!(f.key_usage_critical);
            assert_eq!(f.ekus, vec!["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
            assert!(!f.eku_critical, "Key Vault's Self issues EKU non-critical");
            assert_months(f.not_before, f.not_after, 7, &backend);

            // Every parsed field stored.
            assert_eq!(row.record.subject, f.subject);
            assert_eq!(row.record.issuer_dn, f.issuer);
            assert_eq!(row.record.serial_hex, f.serial_hex);
            assert_eq!(row.record.sans.dns, f.sans.dns_names);
            assert_eq!(row.record.key_type, f.key.kty);
            assert_eq!(row.record.key_size as u32, f.key.size);
            assert_eq!(row.record.key_curve, f.key.curve);
            assert_eq!(row.record.key_usage, f.key_usage);
            assert_eq!(row.record.is_key_usage_critical, f.key_usage_critical);
            assert_eq!(row.record.ekus, f.ekus);
            assert_eq!(row.is_eku_critical, f.eku_critical);
            assert_eq!(
                (row.record.not_before, row.record.not_after),
                (f.not_before, f.not_after)
            );
            assert_eq!(row.record.tags.get("owner"), Some(&email));
            assert_eq!(row.record.policy_issuer.as_deref(), Some("Self"));
            assert_eq!(
                row.record.content_type.as_deref(),
                Some("application/x-pem-file")
            );

            // The request record, and the criticality report.
            let shown = engine.show_request(&req.id).await.unwrap();
            assert_eq!(shown.status, "completed");
            assert_eq!(shown.version.as_deref(), Some(versions[0].as_str()));
            assert_eq!(shown.requested_by, "user:tester");
            assert_eq!(shown.issuer, "Self");
            assert_eq!(
                shown.criticality_problems,
                vec!["EKU requested critical, issued non-critical".to_string()],
                "{backend}: {:?}",
                shown.criticality
            );
            // Audited: who asked, what, and how it ended.
            let events = engine.store().list_audit_events(1000).await.unwrap();
            let ours: Vec<_> = events
                .iter()
                .filter(|e| {
                    e.action == "certificate.request" && e.target == format!("{VAULT}/{name}")
                })
                .map(|e| (e.actor.as_str(), e.outcome.as_str()))
                .collect();
            assert!(
                ours.contains(&("user:tester", "sending")),
                "{backend}: {ours:?}"
            );
            assert!(
                ours.contains(&("user:tester", "succeeded")),
                "{backend}: {ours:?}"
            );
            let flags = shown.criticality.as_ref().unwrap()["flags"].clone();
            assert_eq!(flags[0]["extension"], "key_usage");
            assert_eq!(flags[0]["honoured"], true, "{flags}");
            assert_eq!(flags[1]["extension"], "eku");
            assert_eq!(flags[1]["honoured"], false, "{flags}");
        }
    }
}

#[tokio::test]
async fn an_existing_name_gets_a_new_version() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = engine_with_credential(&fx, store).await;
        let name = format!("again-{backend}");
        let first = engine
            .request_certificate(&me(), input(simple(&name)))
            .await
            .unwrap();
        let first = wait(&engine, &[&first.id]).await.remove(0);
        assert_eq!(first.status, "completed", "{backend}: {first:?}");
        let second = engine
            .request_certificate(&me(), input(simple(&name)))
            .await
            .unwrap();
        let second = wait(&engine, &[&second.id]).await.remove(0);
        assert_eq!(second.status, "completed", "{backend}: {second:?}");
        assert_ne!(first.version, second.version);

        let st = fx.cert_state(VAULT, &name).await;
        let versions = versions_of(&st);
        assert_eq!(versions.len(), 2, "{backend}: {st}");
        let rows = stored_versions(&engine, &name).await;
        assert_eq!(rows.len(), 2, "{backend}");
        assert_eq!(Some(&rows[0].record.version), second.version.as_ref());
        assert!(rows[0].record.is_current);
        assert_eq!(Some(&rows[1].record.version), first.version.as_ref());
        assert!(
            !rows[1].record.is_current,
            "{backend}: the old one is no longer current"
        );
    }
}

#[tokio::test]
async fn integrated_ca_issuers_are_synced_when_named_and_polled_until_issued() {
    let fx = Fixture::start().await;
    fx.set_delays(
        0.0,
        json!({"DigiCert": {"delay_secs": 1.5}, "GlobalSign": {"delay_secs": 1.0}}),
    )
    .await;
    for (backend, store) in fx.stores().await {
        let engine = engine_with_credential(&fx, store).await;
        for (issuer, ca) in [("digicert-ov", "DigiCert"), ("globalsign-ev", "GlobalSign")] {
            let name = format!("{ca}-{backend}").to_lowercase();
            fx.reset_counters().await;
            let raw = RawRequest {
                issuer: issuer.into(),
                validity_months: "6".into(),
                ..simple(&name)
            };
            let req = engine.request_certificate(&me(), input(raw)).await.unwrap();
            assert_eq!(req.status, "in_progress", "{backend}: {req:?}");
            assert_eq!(req.issuer, issuer);
            // Synced the first time an issuer is named, known afterwards.
            let synced = if ca == "DigiCert" { 1 } else { 0 };
            assert_eq!(fx.route_count("kv.issuers.list").await, synced, "{backend}");
            let done = poll_until_done(&engine, &req.id).await;
            assert_eq!(done.status, "completed", "{backend}: {done:?}");
            let st = fx.cert_state(VAULT, &name).await;
            assert_eq!(versions_of(&st), vec![done.version.clone().unwrap()]);
            assert_eq!(st["policy"]["issuer"]["name"], issuer);
            let rows = stored_versions(&engine, &name).await;
            assert_eq!(rows.len(), 1);
            assert!(
                rows[0].record.issuer_dn.contains(ca),
                "{}",
                rows[0].record.issuer_dn
            );
            assert_eq!(fx.route_count("kv.certificates.create").await, 1);
        }
    }
}

/// A test CA that signs CSRs.
struct TestCa {
    cert: rcgen::Certificate,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl TestCa {
    fn new() -> Self {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Test External CA");
        let cert = params.self_signed(&key).unwrap();
        let issuer = rcgen::Issuer::new(params, key);
        Self { cert, issuer }
    }

    fn sign_pem_csr(&self, pem: &str) -> Vec<u8> {
        let csr = rcgen::CertificateSigningRequestParams::from_pem(pem).unwrap();
        csr.signed_by(&self.issuer).unwrap().der().to_vec()
    }

    fn other_key_cert(&self) -> Vec<u8> {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut p = rcgen::CertificateParams::new(vec!["other.contoso.com".to_string()]).unwrap();
        p.distinguished_name
            .push(rcgen::DnType::CommonName, "other.contoso.com");
        p.signed_by(&key, &self.issuer).unwrap().der().to_vec()
    }
}

/// A certs-only PKCS#7 (`.p7b`, DER) around `certs`.
fn p7b(certs: &[&[u8]]) -> Vec<u8> {
    fn wrap(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = (len as u32).to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | (4 - skip) as u8);
            out.extend(&bytes[skip..]);
        }
        out.extend(content);
        out
    }
    let certs: Vec<u8> = certs.iter().flat_map(|c| c.to_vec()).collect();
    let data_oid = wrap(
        0x06,
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
    );
    let mut sd = wrap(0x02, &[1]);
    sd.extend(wrap(0x31, &[]));
    sd.extend(wrap(0x30, &data_oid));
    sd.extend(wrap(0xa0, &certs));
    sd.extend(wrap(0x31, &[]));
    let mut ci = wrap(
        0x06,
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02],
    );
    ci.extend(wrap(0xa0, &wrap(0x30, &sd)));
    wrap(0x30, &ci)
}

fn unknown(name: &str) -> RawRequest {
    RawRequest {
        issuer: "Unknown".into(),
        ..simple(name)
    }
}

#[tokio::test]
async fn unknown_issuer_csr_is_signed_and_merged_in_every_format() {
    let fx = Fixture::start().await;
    let ca = TestCa::new();
    for (backend, store) in fx.stores().await {
        let engine = engine_with_credential(&fx, store).await;
        for format in ["pem", "der", "p7b"] {
            let name = format!("ext-{format}-{backend}");
            let req = engine
                .request_certificate(&me(), input(unknown(&name)))
                .await
                .unwrap();
            assert_eq!(req.status, "in_progress", "{backend}: {req:?}");
            assert!(req.csr_available, "{backend}: {req:?}");
            let st = fx.cert_state(VAULT, &name).await;
            assert_eq!(st["pending"]["status"], "inProgress", "{st}");
            assert!(versions_of(&st).is_empty());

            let csr = engine.request_csr(&req.id).await.unwrap();
            assert!(
                csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----"),
                "{csr}"
            );
            let parsed = rcgen::CertificateSigningRequestParams::from_pem(&csr).unwrap();
            let dn = format!("{:?}", parsed.params.distinguished_name);
            assert!(dn.contains(&format!("{name}.contoso.com")), "{dn}");
            let leaf = ca.sign_pem_csr(&csr);
            let file = match format {
                "pem" => format!(
                    "{}{}",
                    certkeep_core::pem::encode_block("CERTIFICATE", ca.cert.der()),
                    certkeep_core::pem::encode_block("CERTIFICATE", &leaf)
                )
                .into_bytes(),
                "der" => leaf.clone(),
                _ => p7b(&[ca.cert.der(), &leaf]),
            };
            fx.reset_counters().await;
            let merged = engine.merge_request(&me(), &req.id, &file).await.unwrap();
            assert_eq!(merged.status, "completed", "{backend} {format}: {merged:?}");
            assert_eq!(fx.route_count("kv.certificates.merge").await, 1);
            let st = fx.cert_state(VAULT, &name).await;
            let versions = versions_of(&st);
            assert_eq!(versions.len(), 1, "{st}");
            assert_eq!(merged.version.as_deref(), Some(versions[0].as_str()));
            let rows = stored_versions(&engine, &name).await;
            assert_eq!(rows.len(), 1, "{backend} {format}");
            assert_eq!(
                rows[0].record.der, leaf,
                "{backend} {format}: the signed leaf stored"
            );
            assert!(rows[0].record.is_current);
            assert!(rows[0].record.issuer_dn.contains("Test External CA"));
        }

        // A certificate for another key: refused before anything is sent.
        let name = format!("ext-wrong-{backend}");
        let req = engine
            .request_certificate(&me(), input(unknown(&name)))
            .await
            .unwrap();
        fx.reset_counters().await;
        let err = engine
            .merge_request(&me(), &req.id, &ca.other_key_cert())
            .await
            .unwrap_err();
        assert!(
            matches!(err, EngineError::Invalid { field: "file", .. }),
            "{err:?}"
        );
        assert!(err.to_string().to_lowercase().contains("key"), "{err}");
        assert_eq!(
            fx.route_count("kv.certificates.merge").await,
            0,
            "{backend}"
        );
        assert_eq!(fx.writes().await, vec![], "{backend}");
        let st = fx.cert_state(VAULT, &name).await;
        assert_eq!(st["pending"]["status"], "inProgress", "{st}");
        assert_eq!(
            engine.show_request(&req.id).await.unwrap().status,
            "in_progress"
        );
    }
}

#[tokio::test]
async fn a_pending_request_is_cancelled_and_its_operation_deleted() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = engine_with_credential(&fx, store).await;
        let name = format!("cancel-{backend}");
        let req = engine
            .request_certificate(&me(), input(unknown(&name)))
            .await
            .unwrap();
        assert_eq!(req.status, "in_progress");
        // Deleting the operation of a request in progress is refused.
        let err = engine
            .delete_request_operation(&me(), &req.id)
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::Refused { .. }), "{err:?}");

        let cancelled = engine.cancel_request(&me(), &req.id).await.unwrap();
        let cancelled = if cancelled.status == "cancelled" {
            cancelled
        } else {
            poll_until_done(&engine, &req.id).await
        };
        assert_eq!(cancelled.status, "cancelled", "{backend}: {cancelled:?}");
        let st = fx.cert_state(VAULT, &name).await;
        assert_eq!(st["pending"]["status"], "cancelled", "{st}");
        assert!(versions_of(&st).is_empty());

        fx.reset_counters().await;
        engine
            .delete_request_operation(&me(), &req.id)
            .await
            .unwrap();
        assert_eq!(fx.route_count("kv.certificates.pending.delete").await, 1);
        let st = fx.cert_state(VAULT, &name).await;
        assert!(st.is_null() || st["pending"].is_null(), "{backend}: {st}");
        assert_eq!(
            engine.show_request(&req.id).await.unwrap().status,
            "cancelled"
        );

        // A completed request cannot be cancelled; nothing is sent.
        let done = engine
            .request_certificate(&me(), input(simple(&format!("done-{backend}"))))
            .await
            .unwrap();
        let done = wait(&engine, &[&done.id]).await.remove(0);
        assert_eq!(done.status, "completed");
        fx.reset_counters().await;
        let err = engine.cancel_request(&me(), &done.id).await.unwrap_err();
        assert!(matches!(err, EngineError::Refused { .. }), "{err:?}");
        assert!(err.to_string().contains("completed"), "{err}");
        assert_eq!(fx.writes().await, vec![]);
    }
}

/// The field names of a refusal.
fn fields_of(e: &EngineError) -> Vec<&'static str> {
    match e {
        EngineError::Fields { errors } => errors.iter().map(|e| e.field).collect(),
        EngineError::Invalid { field, .. } => vec![*field],
        other => panic!("not an input error: {other:?}"),
    }
}

#[tokio::test]
async fn every_bad_input_is_refused_by_field_before_anything_is_sent() {
    let fx = Fixture::start().await;
    let base = || RawRequest {
        email: "owner@contoso.com".into(),
        lifetime_action: "EmailContacts".into(),
        ..simple("good-name")
    };
    let cases: Vec<(&str, RawRequest, &str)> = vec![
        (
            "bad character",
            RawRequest {
                name: "bad_name".into(),
                ..base()
            },
            "name",
        ),
        (
            "dot",
            RawRequest {
                name: "bad.name".into(),
                ..base()
            },
            "name",
        ),
        (
            "too long",
            RawRequest {
                name: "a".repeat(128),
                ..base()
            },
            "name",
        ),
        (
            "empty name",
            RawRequest {
                name: "".into(),
                ..base()
            },
            "name",
        ),
        (
            "RSA with a curve",
            RawRequest {
                key: "RSA".into(),
                curve: "P-256".into(),
                ..base()
            },
            "curve",
        ),
        (
            "EC with a size",
            RawRequest {
                key: "EC".into(),
                key_size: "2048".into(),
                ..base()
            },
            "key_size",
        ),
        (
            "RSA 1024",
            RawRequest {
                key: "RSA".into(),
                key_size: "1024".into(),
                ..base()
            },
            "key_size",
        ),
        (
            "RSA 8192",
            RawRequest {
                key: "RSA".into(),
                key_size: "8192".into(),
                ..base()
            },
            "key_size",
        ),
        (
            "P-256K",
            RawRequest {
                key: "EC".into(),
                curve: "P-256K".into(),
                ..base()
            },
            "curve",
        ),
        (
            "P-224",
            RawRequest {
                key: "EC".into(),
                curve: "P-224".into(),
                ..base()
            },
            "curve",
        ),
        (
            "DSA",
            RawRequest {
                key: "DSA".into(),
                ..base()
            },
            "key",
        ),
        (
            "validity 0",
            RawRequest {
                validity_months: "0".into(),
                ..base()
            },
            "validity_months",
        ),
        (
            "validity negative",
            RawRequest {
                validity_months: "-3".into(),
                ..base()
            },
            "validity_months",
        ),
        (
            "validity too long for Self",
            RawRequest {
                validity_months: "1201".into(),
                ..base()
            },
            "validity_months",
        ),
        (
            "DigiCert over 6 months",
            RawRequest {
                issuer: "digicert-ov".into(),
                validity_months: "12".into(),
                ..base()
            },
            "validity_months",
        ),
        (
            "days before expiry = validity",
            RawRequest {
                validity_months: "1".into(),
                days_before_expiry: "31".into(),
                ..base()
            },
            "days_before_expiry",
        ),
        (
            "days before expiry > validity",
            RawRequest {
                validity_months: "12".into(),
                days_before_expiry: "400".into(),
                ..base()
            },
            "days_before_expiry",
        ),
        (
            "unknown KU",
            RawRequest {
                key_usage: vec!["signEverything".into()],
                ..base()
            },
            "key_usage",
        ),
        (
            "unknown EKU",
            RawRequest {
                eku: vec!["superAuth".into()],
                ..base()
            },
            "eku",
        ),
        (
            "bad e-mail",
            RawRequest {
                email: "not-an-email".into(),
                ..base()
            },
            "email",
        ),
        (
            "e-mail with space",
            RawRequest {
                email: "a b@contoso.com".into(),
                ..base()
            },
            "email",
        ),
        (
            "country 3 letters",
            RawRequest {
                country: "NLD".into(),
                ..base()
            },
            "country",
        ),
        (
            "country digits",
            RawRequest {
                country: "1N".into(),
                ..base()
            },
            "country",
        ),
        (
            "SAN with a space",
            RawRequest {
                sans: "a b.contoso.com".into(),
                ..base()
            },
            "sans",
        ),
        (
            "misplaced wildcard",
            RawRequest {
                sans: "a.*.contoso.com".into(),
                ..base()
            },
            "sans",
        ),
        (
            "bad IP SAN",
            RawRequest {
                sans: "ip:10.0.0".into(),
                ..base()
            },
            "sans",
        ),
        (
            "HSM on a standard vault",
            RawRequest {
                key: "RSA-HSM".into(),
                ..base()
            },
            "key",
        ),
        (
            "unknown issuer name",
            RawRequest {
                issuer: "no-such-ca".into(),
                ..base()
            },
            "issuer",
        ),
    ];
    for (backend, store) in fx.stores().await {
        let engine = engine_with_credential(&fx, store).await;
        let before = fx.vault_state(VAULT).await;
        for (what, raw, field) in &cases {
            fx.reset_counters().await;
            let err = engine
                .request_certificate(&me(), input(raw.clone()))
                .await
                .unwrap_err();
            assert_eq!(err.exit_code(), 2, "{backend} {what}: {err}");
            assert!(
                fields_of(&err).contains(field),
                "{backend} {what}: expected {field}, got {err}"
            );
            assert_eq!(fx.writes().await, vec![], "{backend} {what}: nothing sent");
            assert_eq!(fx.route_count("kv.certificates.create").await, 0);
            assert_eq!(fx.route_count("kv.contacts.set").await, 0);
        }
        let after = fx.vault_state(VAULT).await;
        assert_eq!(before["contacts"], after["contacts"], "{backend}");
        assert!(fx.cert_state(VAULT, "good-name").await.is_null());
        let page = engine.list_requests(&Default::default()).await.unwrap();
        assert_eq!(
            page.total, 0,
            "{backend}: no request recorded for bad input"
        );
    }
}

#[tokio::test]
async fn a_soft_deleted_name_is_refused_naming_the_name() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = engine_with_credential(&fx, store).await;
        let name = format!("gone-{backend}");
        let first = engine
            .request_certificate(&me(), input(simple(&name)))
            .await
            .unwrap();
        assert_eq!(wait(&engine, &[&first.id]).await[0].status, "completed");
        // Deleted straight through Key Vault's REST API: soft-deleted, the name reserved.
        let vault = engine
            .store()
            .list_vaults(None)
            .await
            .unwrap()
            .into_iter()
            .find(|v| v.record.name == VAULT)
            .unwrap();
        let token = common::vault_token::get(&fx).await;
        let resp = fx
            .http
            .delete(format!(
                "{}/certificates/{name}?api-version=7.5",
                vault.record.vault_uri.trim_end_matches('/')
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.status());
        assert!(fx.cert_state(VAULT, &name).await.is_null());

        fx.reset_counters().await;
        let raw = RawRequest {
            email: format!("new-owner-{backend}@contoso.com"),
            ..simple(&name)
        };
        let contacts_before = fx.vault_state(VAULT).await["contacts"].clone();
        let err = engine
            .request_certificate(&me(), input(raw))
            .await
            .unwrap_err();
        assert_eq!(fields_of(&err), vec!["name"], "{backend}: {err}");
        assert!(err.to_string().contains("deleted"), "{err}");
        assert!(
            fx.cert_state(VAULT, &name).await.is_null(),
            "{backend}: no version created"
        );
        assert_eq!(
            fx.vault_state(VAULT).await["contacts"],
            contacts_before,
            "{backend}: the contact is not added for a refused create"
        );
        assert_eq!(fx.route_count("kv.contacts.set").await, 0);
        let page = engine
            .list_requests(&certkeep_engine::requests::RequestQuery {
                certificate_name: Some(name.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
        let mut statuses: Vec<_> = page.items.iter().map(|r| r.status).collect();
        statuses.sort();
        assert_eq!(statuses, vec!["completed", "failed"], "{backend}");
        let failed = page.items.iter().find(|r| r.status == "failed").unwrap();
        assert!(
            failed.error.as_deref().unwrap_or("").contains("deleted"),
            "{failed:?}"
        );
    }
}

#[tokio::test]
async fn listing_showing_and_obtaining_send_no_writes() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = engine_with_credential(&fx, store).await;
        let req = engine
            .request_certificate(&me(), input(simple(&format!("ro-{backend}"))))
            .await
            .unwrap();
        wait(&engine, &[&req.id]).await;
        let pending = engine
            .request_certificate(&me(), input(unknown(&format!("ro-ext-{backend}"))))
            .await
            .unwrap();
        fx.reset_counters().await;
        let page = engine.list_requests(&Default::default()).await.unwrap();
        assert_eq!(page.total, 2, "{backend}");
        engine.show_request(&req.id).await.unwrap();
        engine.request_csr(&pending.id).await.unwrap();
        for history in [false, true] {
            let r = engine
                .obtain_vault_certificate(&me(), &Scope::vault("prod", VAULT), "www-prod", history)
                .await
                .unwrap();
            assert!(r.skipped.is_empty(), "{r:?}");
        }
        assert_eq!(fx.writes().await, vec![], "{backend}");
        // Obtain history stores every version Key Vault has.
        let st = fx.cert_state(VAULT, "www-prod").await;
        assert_eq!(
            stored_versions(&engine, "www-prod").await.len(),
            versions_of(&st).len()
        );
        let current = stored_versions(&engine, "www-prod").await.remove(0);
        assert_eq!(Some(&current.record.version), versions_of(&st).last());
    }
}

#[tokio::test]
async fn the_contact_is_added_to_a_vault_that_has_none() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = engine_with_credential(&fx, store).await;
        let vault = "kv-prod-api";
        fx.admin(reqwest::Method::POST, "reset", None).await;
        fx.emu
            .load_seed(&certkeep_emulator::demo::demo_seed())
            .unwrap();
        assert!(fx.vault_state(vault).await["contacts"].is_null());
        let email = format!("first-{backend}@contoso.com");
        let req = engine
            .request_certificate(
                &me(),
                CertificateRequestInput {
                    scope: Scope::vault("prod", vault),
                    raw: RawRequest {
                        email: email.clone(),
                        ..simple(&format!("contact-{backend}"))
                    },
                },
            )
            .await
            .unwrap();
        assert_eq!(wait(&engine, &[&req.id]).await[0].status, "completed");
        let contacts = fx.vault_state(vault).await["contacts"].clone();
        let emails: Vec<&str> = contacts
            .as_array()
            .unwrap_or_else(|| panic!("{backend}: no contacts: {contacts}"))
            .iter()
            .filter_map(|c| c["email"].as_str())
            .collect();
        assert_eq!(emails, vec![email.as_str()], "{backend}");
    }
}
