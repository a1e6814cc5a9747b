use super::*;
use crate::dn::{DnKind, parse_dn};

mod refusals;

pub(super) fn ctx() -> RequestContext {
    RequestContext {
        vault_is_premium: false,
        issuers: vec![
            VaultIssuer {
                name: "digicert-prod".into(),
                provider: "DigiCert".into(),
            },
            VaultIssuer {
                name: "internal".into(),
                provider: "OneCertV2-PrivateCA".into(),
            },
        ],
        today: None,
    }
}

pub(super) fn raw() -> RawRequest {
    RawRequest {
        name: "web-prod".into(),
        common_name: "www.contoso.com".into(),
        sans: "api.contoso.com, ip:10.0.0.1".into(),
        organization: "Contoso, Ltd.".into(),
        country: "nl".into(),
        validity_months: "12".into(),
        lifetime_action: "Auto Renew".into(),
        days_before_expiry: "30".into(),
        ..Default::default()
    }
}

/// The fields named by the errors of a request.
pub(super) fn fields(r: RawRequest) -> Vec<&'static str> {
    fields_in(r, &ctx())
}

pub(super) fn fields_in(r: RawRequest, c: &RequestContext) -> Vec<&'static str> {
    match validate(&r, c) {
        Ok(spec) => panic!("expected errors, got {spec:?}"),
        Err(errs) => errs.iter().map(|e| e.field).collect(),
    }
}

#[test]
fn a_typical_request_and_its_policy() {
    let spec = validate(&raw(), &ctx()).unwrap();
    assert_eq!(
        spec.subject,
        r#"CN=www.contoso.com, O="Contoso, Ltd.", C=NL"#
    );
    assert_eq!(
        spec.sans.dns_names,
        vec!["www.contoso.com", "api.contoso.com"]
    );
    assert_eq!(spec.key, KeyAlgorithm::Rsa(2048));
    assert_eq!(spec.issuer, IssuerChoice::SelfSigned);
    assert!(spec.exportable && !spec.reuse_key);

    let p = spec.policy();
    assert_eq!(p.key_props.kty, "RSA");
    assert_eq!(p.key_props.key_size, Some(2048));
    assert_eq!(p.key_props.crv, None);
    assert_eq!(p.secret_props.content_type, "application/x-pkcs12");
    assert_eq!(
        p.x509_props.key_usage,
        vec!["digitalSignature", "keyEncipherment"]
    );
    assert_eq!(
        p.x509_props.ekus,
        vec!["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]
    );
    assert_eq!(p.x509_props.validity_months, 12);
    assert_eq!(p.lifetime_actions[0].trigger.days_before_expiry, Some(30));
    assert_eq!(
        p.lifetime_actions[0].action.action_type,
        LifetimeActionType::AutoRenew
    );
    assert_eq!(p.issuer.name, "Self");
    assert!(p.attributes.enabled);

    // Wire names, so the JSON is a Key Vault policy body.
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["secret_props"]["contentType"], "application/x-pkcs12");
    assert_eq!(json["x509_props"]["sans"]["ipAddresses"][0], "10.0.0.1");
    assert_eq!(
        json["lifetime_actions"][0]["action"]["action_type"],
        "AutoRenew"
    );
    assert!(json["key_props"].get("crv").is_none());

    // The engine stores the spec as JSON.
    let text = serde_json::to_string(&spec).unwrap();
    let back: RequestSpec = serde_json::from_str(&text).unwrap();
    assert_eq!(back, spec);
}

#[test]
fn ec_hsm_pem_named_issuer_usages_and_tags() {
    let c = RequestContext {
        vault_is_premium: true,
        ..ctx()
    };
    let r = RawRequest {
        key: "ec-hsm".into(),
        curve: "p-384".into(),
        issuer: "DIGICERT-PROD".into(),
        validity_months: "6".into(),
        lifetime_action: "EmailContacts".into(),
        days_before_expiry: "162".into(),
        content_type: "PEM".into(),
        key_usage: vec!["Digital Signature, Non Repudiation".into()],
        eku: vec![
            "Server Authentication".into(),
            "1.3.6.1.4.1.311.10.3.12".into(),
        ],
        critical: Criticality {
            key_usage: true,
            eku: true,
        },
        exportable: Some(false),
        reuse_key: Some(true),
        email: "pki@contoso.com".into(),
        tags: vec!["env=prod".into(), "owner = web team".into()],
        ..raw()
    };
    let spec = validate(&r, &c).unwrap();
    assert_eq!(spec.key, KeyAlgorithm::Ec(EcCurve::P384));
    assert!(spec.hsm);
    assert_eq!(spec.contact_email.as_deref(), Some("pki@contoso.com"));
    assert_eq!(spec.tags["owner"], "web team");
    let p = spec.policy();
    assert_eq!(p.key_props.kty, "EC-HSM");
    assert_eq!(p.key_props.crv.as_deref(), Some("P-384"));
    assert_eq!(p.key_props.key_size, None);
    assert!(!p.key_props.exportable && p.key_props.reuse_key);
    assert_eq!(p.secret_props.content_type, "application/x-pem-file");
    assert_eq!(p.issuer.name, "digicert-prod");
    assert_eq!(
        p.x509_props.key_usage,
        vec!["digitalSignature", "nonRepudiation"]
    );
    assert_eq!(
        p.x509_props.ekus,
        vec!["1.3.6.1.5.5.7.3.1", "1.3.6.1.4.1.311.10.3.12"]
    );
    assert!(spec.critical.key_usage && spec.critical.eku);
}

#[test]
fn defaults_for_empty_optional_fields() {
    let r = RawRequest {
        name: "a".into(),
        common_name: "Contoso Code Signing".into(),
        ..Default::default()
    };
    let spec = validate(&r, &ctx()).unwrap();
    assert_eq!(spec.subject, "CN=Contoso Code Signing");
    assert!(
        spec.sans.is_empty(),
        "a CN that is not a DNS name is not a SAN"
    );
    assert_eq!(spec.validity_months, 12);
    assert_eq!(spec.lifetime_action.trigger.lifetime_percentage, Some(80));
    assert_eq!(
        spec.lifetime_action.action.action_type,
        LifetimeActionType::AutoRenew
    );
    // Unknown defaults to EmailContacts, a public CA to its maximum validity.
    let unknown = validate(
        &RawRequest {
            issuer: "unknown".into(),
            ..r.clone()
        },
        &ctx(),
    )
    .unwrap();
    assert_eq!(
        unknown.lifetime_action.action.action_type,
        LifetimeActionType::EmailContacts
    );
    let public = validate(
        &RawRequest {
            issuer: "digicert-prod".into(),
            common_name: "www.contoso.com".into(),
            ..r
        },
        &ctx(),
    )
    .unwrap();
    assert_eq!(public.validity_months, 6);
}

#[test]
fn cn_as_ip_becomes_an_ip_san_and_is_not_duplicated() {
    let spec = validate(
        &RawRequest {
            common_name: "10.0.0.1".into(),
            ..raw()
        },
        &ctx(),
    )
    .unwrap();
    assert_eq!(spec.sans.ip_addresses, vec!["10.0.0.1"]);
    assert_eq!(spec.sans.dns_names, vec!["api.contoso.com"]);
    let spec = validate(
        &RawRequest {
            sans: "WWW.contoso.com".into(),
            ..raw()
        },
        &ctx(),
    )
    .unwrap();
    assert_eq!(spec.sans.dns_names, vec!["www.contoso.com"]);
}

#[test]
fn special_characters_round_trip_through_the_subject() {
    let r = RawRequest {
        organization: r#"Smith + "Sons", Inc; \ Co"#.into(),
        organizational_unit: "#1 <web>".into(),
        locality: "'s-Hertogenbosch".into(),
        state: "Noord=Brabant".into(),
        ..raw()
    };
    let spec = validate(&r, &ctx()).unwrap();
    let attrs = parse_dn(&spec.subject).unwrap();
    let get = |k: DnKind| {
        attrs
            .iter()
            .find(|a| a.kind == k)
            .map(|a| a.value.clone())
            .unwrap()
    };
    assert_eq!(get(DnKind::Organization), r.organization);
    assert_eq!(get(DnKind::OrganizationalUnit), r.organizational_unit);
    assert_eq!(get(DnKind::Locality), r.locality);
    assert_eq!(get(DnKind::State), r.state);
    assert_eq!(get(DnKind::Country), "NL");
    assert_eq!(crate::dn::format_dn(&attrs), spec.subject);
}
