//! Every refusal names its field.

use super::super::*;
use super::{ctx, fields, raw};

#[test]
fn every_field_is_refused_by_name() {
    let cases: Vec<(RawRequest, &str)> = vec![
        (
            RawRequest {
                name: "web_prod".into(),
                ..raw()
            },
            "name",
        ),
        (
            RawRequest {
                name: "".into(),
                ..raw()
            },
            "name",
        ),
        (
            RawRequest {
                common_name: "".into(),
                ..raw()
            },
            "common_name",
        ),
        (
            RawRequest {
                common_name: "www..contoso.com".into(),
                ..raw()
            },
            "common_name",
        ),
        (
            RawRequest {
                common_name: "x".repeat(65),
                ..raw()
            },
            "common_name",
        ),
        (
            RawRequest {
                sans: "a b.com".into(),
                ..raw()
            },
            "sans",
        ),
        (
            RawRequest {
                sans: "a.*.contoso.com".into(),
                ..raw()
            },
            "sans",
        ),
        (
            RawRequest {
                sans: "ip:1.2.3".into(),
                ..raw()
            },
            "sans",
        ),
        (
            RawRequest {
                sans: "email:nobody".into(),
                ..raw()
            },
            "sans",
        ),
        (
            RawRequest {
                email: "pki@".into(),
                ..raw()
            },
            "email",
        ),
        (
            RawRequest {
                key: "DSA".into(),
                ..raw()
            },
            "key",
        ),
        (
            RawRequest {
                key: "RSA-HSM".into(),
                ..raw()
            },
            "key",
        ),
        (
            RawRequest {
                key_size: "1024".into(),
                ..raw()
            },
            "key_size",
        ),
        (
            RawRequest {
                curve: "P-256".into(),
                ..raw()
            },
            "curve",
        ),
        (
            RawRequest {
                key: "EC".into(),
                key_size: "256".into(),
                ..raw()
            },
            "key_size",
        ),
        (
            RawRequest {
                key: "EC".into(),
                curve: "P-256K".into(),
                ..raw()
            },
            "curve",
        ),
        (
            RawRequest {
                organization: "a\nb".into(),
                ..raw()
            },
            "organization",
        ),
        (
            RawRequest {
                organizational_unit: "u".repeat(65),
                ..raw()
            },
            "organizational_unit",
        ),
        (
            RawRequest {
                locality: "l".repeat(129),
                ..raw()
            },
            "locality",
        ),
        (
            RawRequest {
                state: "s\u{7}".into(),
                ..raw()
            },
            "state",
        ),
        (
            RawRequest {
                country: "NLD".into(),
                ..raw()
            },
            "country",
        ),
        (
            RawRequest {
                country: "N1".into(),
                ..raw()
            },
            "country",
        ),
        (
            RawRequest {
                validity_months: "0".into(),
                ..raw()
            },
            "validity_months",
        ),
        (
            RawRequest {
                validity_months: "1201".into(),
                ..raw()
            },
            "validity_months",
        ),
        (
            RawRequest {
                validity_months: "twelve".into(),
                ..raw()
            },
            "validity_months",
        ),
        (
            RawRequest {
                lifetime_action: "Renew".into(),
                ..raw()
            },
            "lifetime_action",
        ),
        (
            RawRequest {
                lifetime_action: "".into(),
                ..raw()
            },
            "lifetime_action",
        ),
        (
            RawRequest {
                issuer: "Unknown".into(),
                ..raw()
            },
            "lifetime_action",
        ),
        (
            RawRequest {
                days_before_expiry: "0".into(),
                ..raw()
            },
            "days_before_expiry",
        ),
        (
            RawRequest {
                days_before_expiry: "325".into(),
                ..raw()
            },
            "days_before_expiry",
        ),
        (
            RawRequest {
                days_before_expiry: "-1".into(),
                ..raw()
            },
            "days_before_expiry",
        ),
        (
            RawRequest {
                key_usage: vec!["sign everything".into()],
                ..raw()
            },
            "key_usage",
        ),
        (
            RawRequest {
                eku: vec!["1..2".into()],
                ..raw()
            },
            "eku",
        ),
        (
            RawRequest {
                issuer: "letsencrypt".into(),
                ..raw()
            },
            "issuer",
        ),
        (
            RawRequest {
                content_type: "der".into(),
                ..raw()
            },
            "content_type",
        ),
        (
            RawRequest {
                tags: vec!["novalue".into()],
                ..raw()
            },
            "tags",
        ),
        (
            RawRequest {
                tags: vec!["=v".into()],
                ..raw()
            },
            "tags",
        ),
        (
            RawRequest {
                tags: vec![format!("{}=v", "k".repeat(513))],
                ..raw()
            },
            "tags",
        ),
        (
            RawRequest {
                tags: vec![format!("k={}", "v".repeat(257))],
                ..raw()
            },
            "tags",
        ),
        (
            RawRequest {
                tags: vec!["a=1".into(), "a=2".into()],
                ..raw()
            },
            "tags",
        ),
        (
            RawRequest {
                tags: (0..16).map(|i| format!("k{i}=v")).collect(),
                ..raw()
            },
            "tags",
        ),
    ];
    for (r, field) in cases {
        let got = fields(r.clone());
        assert_eq!(got, vec![field], "{r:?}");
    }
    // Limits that are exactly allowed.
    let ok = RawRequest {
        tags: (0..15).map(|i| format!("k{i}=v")).collect(),
        days_before_expiry: "324".into(),
        validity_months: "12".into(),
        ..raw()
    };
    assert!(validate(&ok, &ctx()).is_ok());
}

#[test]
fn public_ca_limits_and_the_unknown_issuer_message() {
    let r = RawRequest {
        issuer: "digicert-prod".into(),
        validity_months: "7".into(),
        days_before_expiry: "10".into(),
        ..raw()
    };
    assert_eq!(fields(r.clone()), vec!["validity_months"]);
    let r = RawRequest {
        validity_months: "6".into(),
        days_before_expiry: "163".into(),
        ..r
    };
    assert_eq!(fields(r.clone()), vec!["days_before_expiry"]);
    assert_eq!(
        fields(RawRequest {
            common_name: "Contoso Web".into(),
            days_before_expiry: "10".into(),
            ..r
        }),
        vec!["common_name"]
    );
    // A private CA of the vault keeps the long limit.
    assert!(
        validate(
            &RawRequest {
                issuer: "internal".into(),
                validity_months: "60".into(),
                ..raw()
            },
            &ctx()
        )
        .is_ok()
    );
    let errs = validate(
        &RawRequest {
            issuer: "nope".into(),
            ..raw()
        },
        &ctx(),
    )
    .unwrap_err();
    assert!(
        errs[0]
            .reason
            .contains("Self, Unknown, digicert-prod, internal"),
        "{}",
        errs[0].reason
    );
}

#[test]
fn every_error_is_reported_at_once() {
    let r = RawRequest {
        name: "bad name".into(),
        sans: "a b, ip:x".into(),
        key: "EC".into(),
        key_size: "2048".into(),
        country: "Netherlands".into(),
        tags: vec!["x".into()],
        ..raw()
    };
    assert_eq!(
        fields(r),
        vec!["name", "sans", "sans", "key_size", "country", "tags"]
    );
}
