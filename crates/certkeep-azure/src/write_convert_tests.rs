//! Policy conversions both ways, and the checks made before sending.

use super::*;

fn full_policy() -> CertificatePolicySpec {
    CertificatePolicySpec {
        key: Some(KeySpec {
            kty: Some(KeyKind::EcHsm),
            key_size: None,
            curve: Some(CurveKind::P384),
            exportable: Some(false),
            reuse_key: Some(true),
        }),
        content_type: Some("application/x-pem-file".into()),
        x509: Some(X509Spec {
            subject: Some("CN=www.contoso.com".into()),
            sans: Some(SubjectAltNames {
                dns_names: vec!["www.contoso.com".into()],
                emails: vec!["pki@contoso.com".into()],
                upns: vec!["svc@contoso.com".into()],
                ip_addresses: vec!["10.0.0.1".into()],
                uris: vec!["https://contoso.com/x".into()],
            }),
            ekus: Some(vec!["1.3.6.1.5.5.7.3.1".into()]),
            key_usage: Some(vec![KeyUsage::DigitalSignature, KeyUsage::CrlSign]),
            validity_months: Some(6),
        }),
        lifetime_actions: Some(vec![
            LifetimeActionSpec {
                trigger: LifetimeTrigger::DaysBeforeExpiry(30),
                action: LifetimeActionKind::EmailContacts,
            },
            LifetimeActionSpec {
                trigger: LifetimeTrigger::LifetimePercentage(80),
                action: LifetimeActionKind::AutoRenew,
            },
        ]),
        issuer: Some(IssuerSpec {
            name: IssuerName::Named("digicert-ov".into()),
            cert_transparency: Some(false),
            certificate_type: Some("OV-SSL".into()),
        }),
        enabled: Some(true),
    }
}

#[test]
fn a_policy_survives_the_round_trip_through_the_sdk_and_its_json() {
    let p = full_policy();
    let sdk = policy_to_sdk(&p).unwrap();
    let json = serde_json::to_value(&sdk).unwrap();
    assert_eq!(json["key_props"]["kty"], "EC-HSM");
    assert_eq!(json["key_props"]["crv"], "P-384");
    assert_eq!(
        json["secret_props"]["contentType"],
        "application/x-pem-file"
    );
    assert_eq!(json["x509_props"]["sans"]["upns"][0], "svc@contoso.com");
    assert_eq!(json["x509_props"]["key_usage"][1], "cRLSign");
    assert_eq!(json["issuer"]["cty"], "OV-SSL");
    assert_eq!(json["issuer"]["cert_transparency"], false);
    assert_eq!(
        json["lifetime_actions"][0]["trigger"]["days_before_expiry"],
        30
    );
    let back: c::CertificatePolicy = serde_json::from_value(json).unwrap();
    assert_eq!(policy_from_sdk(back), p);
}

#[test]
fn an_update_sends_only_what_is_set() {
    let update = CertificatePolicySpec {
        x509: Some(X509Spec {
            validity_months: Some(3),
            ..Default::default()
        }),
        ..Default::default()
    };
    let json = serde_json::to_value(policy_to_sdk(&update).unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"x509_props": {"validity_months": 3}})
    );
}

#[test]
fn names_versions_and_times_are_checked_before_sending() {
    assert!(check_name("certificate", "www-prod-1").is_ok());
    for bad in [
        "",
        "a/b",
        "www/pending",
        "x?y",
        "a b",
        "é",
        &"a".repeat(128),
    ] {
        let e = check_name("certificate", bad).unwrap_err();
        assert!(matches!(e, AzureError::InvalidInput(_)), "{bad}: {e:?}");
    }
    assert!(check_version("0123abcdef").is_ok());
    assert!(check_version("../x").is_err() && check_version("").is_err());
    let e = cert_update_to_sdk(&CertificateUpdate {
        not_before: Some(20),
        expires: Some(10),
        ..Default::default()
    })
    .unwrap_err();
    assert!(matches!(e, AzureError::InvalidInput(_)), "{e:?}");
}

#[test]
fn a_secret_set_carries_the_write_id_and_hides_the_value() {
    let mut spec = SecretSpec::new(secrecy::SecretString::from("hunter2-value".to_string()));
    spec.tags.insert("owner".into(), "team".into());
    spec.tags.insert(WRITE_ID_TAG.into(), "spoofed".into());
    assert!(!format!("{spec:?}").contains("hunter2"));
    let params = secret_set_to_sdk(&spec, "w-1").unwrap();
    let tags = params.tags.clone().unwrap();
    assert_eq!(tags[WRITE_ID_TAG], "w-1");
    assert_eq!(tags["owner"], "team");
    assert!(!format!("{params:?}").contains("hunter2"));
}
