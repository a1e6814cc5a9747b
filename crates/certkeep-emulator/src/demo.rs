//! The built-in seeds: `demo` (a realistic, deterministic estate) and bulk seeding for
//! benchmarks (`VAULTS × CERTS × VERSIONS` real, distinct certificate versions).

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;

use crate::error::EmulatorError;
use crate::kv::lifecycle::{self, NewVersion};
use crate::kv::model::{Subscription, Vault};
use crate::kv::policy::{self, PolicyJson};
use crate::pki::{KeyMaterial, KeySpec};
use crate::seed::{
    Seed, SeedApplication, SeedCertificate, SeedClientSecret, SeedIssuer, SeedSecret,
    SeedSubscription, SeedSummary, SeedTenant, SeedTls, SeedVault, SeedVersion,
};
use crate::state::AppState;

/// The demo directory (tenant) id.
pub const DEMO_TENANT: &str = "3f6c1a52-8d3e-4b7a-9c41-2e5d7f9a0b13";
/// The demo application (client) id, with access to both subscriptions and every vault.
pub const DEMO_CLIENT_ID: &str = "6b2d9e41-7c3a-4f85-a1d0-93e8c5b27f64";
/// The demo application's client secret (an emulator-only value).
pub const DEMO_CLIENT_SECRET: &str = "ck-demo~7Qm2vX9pL4sW8nR1tY6uE3";
/// An application that exists but has no role anywhere (for 403 tests).
pub const NO_ACCESS_CLIENT_ID: &str = "9e1f3c7a-2b4d-4e6f-8a0c-5d7b9f1e3a25";
pub const NO_ACCESS_CLIENT_SECRET: &str = "ck-demo~noaccess~5Kj8Hq2Zr7";
/// The two demo subscriptions: production and staging.
pub const DEMO_SUBSCRIPTIONS: [&str; 2] = [
    "a1c4e7f2-5b8d-4c3e-9f6a-0b2d4e6f8a13",
    "b7d2f4a6-8c1e-4d5b-a3f7-9e2c4b6d8f57",
];
/// The subscription bulk seeding puts its vaults in.
pub const BULK_SUBSCRIPTION: &str = "c3e5a7b9-1d2f-4a6c-8e0b-3f5d7a9c1e24";

const NAMES: [&str; 12] = [
    "www",
    "api",
    "login",
    "portal",
    "mail",
    "vpn",
    "intranet",
    "shop",
    "cdn",
    "grafana",
    "payments",
    "partner-sso",
];

fn identities() -> Vec<SeedTenant> {
    vec![SeedTenant {
        id: DEMO_TENANT.into(),
        name: Some("Contoso".into()),
        applications: vec![
            SeedApplication {
                client_id: DEMO_CLIENT_ID.into(),
                name: Some("certkeep-demo".into()),
                secrets: vec![SeedClientSecret {
                    value: DEMO_CLIENT_SECRET.into(),
                    expires_in_days: Some(730.0),
                }],
            },
            SeedApplication {
                client_id: NO_ACCESS_CLIENT_ID.into(),
                name: Some("no-access".into()),
                secrets: vec![SeedClientSecret {
                    value: NO_ACCESS_CLIENT_SECRET.into(),
                    expires_in_days: None,
                }],
            },
        ],
    }]
}

fn policy_for(idx: usize, env: &str, name: &str) -> (PolicyJson, f64) {
    let dns = format!("{name}.{env}.contoso.com");
    let (kty, size, crv) = match idx % 5 {
        0 | 3 => ("RSA", Some(2048), None),
        1 => ("EC", None, Some("P-256")),
        2 => ("RSA", Some(3072), None),
        _ => ("EC", None, Some("P-384")),
    };
    let (kty, size) = if idx == 7 {
        ("RSA", Some(4096))
    } else {
        (kty, size)
    };
    let issuer = match (idx / 2) % 4 {
        0 => "Self",
        1 => "digicert-ov",
        2 => "Unknown",
        _ => "globalsign-ev",
    };
    let months = [12, 6, 24, 12][idx % 4];
    let content_type = if idx % 3 == 2 {
        "application/x-pem-file"
    } else {
        "application/x-pkcs12"
    };
    let mut sans = json!({"dns_names": [dns.clone(), format!("www.{dns}")]});
    if idx.is_multiple_of(7) {
        sans["ipAddresses"] = json!([format!("10.20.{}.{}", idx % 250, 10 + idx % 200)]);
    }
    if idx.is_multiple_of(11) {
        sans["emails"] = json!([format!("pki@{env}.contoso.com")]);
    }
    let action = if issuer == "Unknown" {
        "EmailContacts"
    } else if idx.is_multiple_of(2) {
        "AutoRenew"
    } else {
        "EmailContacts"
    };
    let trigger = if idx.is_multiple_of(3) {
        json!({"days_before_expiry": 30})
    } else {
        json!({"lifetime_percentage": 80})
    };
    let mut key_props = json!({"exportable": true, "kty": kty, "reuse_key": false});
    if let Some(s) = size {
        key_props["key_size"] = json!(s);
    }
    if let Some(c) = crv {
        key_props["crv"] = json!(c);
    }
    let p = json!({
        "key_props": key_props,
        "secret_props": {"contentType": content_type},
        "x509_props": {
            "subject": format!("CN={dns}, O=Contoso Ltd, OU=Platform, L=Amsterdam, ST=Noord-Holland, C=NL"),
            "sans": sans,
            "ekus": ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
            "key_usage": if kty == "EC" { json!(["digitalSignature", "keyAgreement"]) } else { json!(["digitalSignature", "keyEncipherment"]) },
            "validity_months": months,
        },
        "lifetime_actions": [{"trigger": trigger, "action": {"action_type": action}}],
        "issuer": {"name": issuer},
    });
    (
        serde_json::from_value(p).unwrap_or_default(),
        months as f64 * 30.0,
    )
}

/// The `demo` seed: 1 tenant, 2 subscriptions, 5 vaults, 60 certificates with 1–6 versions
/// (expired, expiring within 7 and 30 days, healthy), TLS secrets, issuers, contacts and one
/// pending request. The same every time, relative to the moment it is loaded.
pub fn demo_seed() -> Seed {
    let vaults = [
        ("kv-prod-web", 0, "prod"),
        ("kv-prod-api", 0, "prod"),
        ("kv-prod-shared", 0, "prod"),
        ("kv-stg-web", 1, "staging"),
        ("kv-stg-legacy", 1, "staging"),
    ];
    let mut subs = vec![
        SeedSubscription {
            id: DEMO_SUBSCRIPTIONS[0].into(),
            tenant: DEMO_TENANT.into(),
            name: Some("Contoso Production".into()),
            readers: vec![DEMO_CLIENT_ID.into()],
            vaults: Vec::new(),
        },
        SeedSubscription {
            id: DEMO_SUBSCRIPTIONS[1].into(),
            tenant: DEMO_TENANT.into(),
            name: Some("Contoso Staging".into()),
            readers: vec![DEMO_CLIENT_ID.into()],
            vaults: Vec::new(),
        },
    ];
    for (vi, (vault, sub, env)) in vaults.iter().enumerate() {
        let mut certificates = Vec::new();
        for (j, base) in NAMES.iter().enumerate() {
            let idx = vi * 12 + j;
            let (policy, validity_days) = policy_for(idx, env, base);
            // Current version's expiry: expired, < 7 days, < 30 days, or healthy.
            let expires_in = match idx % 6 {
                0 => -(5.0 + (idx % 20) as f64),
                1 => 3.0 + (idx % 3) as f64,
                2 => 20.0 + (idx % 5) as f64,
                _ => (validity_days * 0.4).max(45.0) + (idx % 30) as f64,
            };
            let versions = 1 + (idx * 7) % 6;
            let current_age = validity_days - expires_in;
            let versions = (0..versions)
                .rev()
                .map(|k| SeedVersion {
                    created_days_ago: current_age + k as f64 * (validity_days - 15.0),
                    validity_days: Some(validity_days),
                    enabled: !(k > 0 && idx % 5 == 4),
                    tags: if k == 0 && idx % 4 == 0 {
                        [("owner".to_string(), format!("team-{}", idx % 3))].into()
                    } else {
                        Default::default()
                    },
                })
                .collect();
            certificates.push(SeedCertificate {
                name: format!("{base}-{env}"),
                policy,
                versions,
                pending: false,
            });
        }
        if *vault == "kv-stg-web" {
            let policy = serde_json::from_value(json!({
                "key_props": {"kty": "RSA", "key_size": 2048},
                "x509_props": {"subject": "CN=partner.staging.contoso.com, O=Contoso Ltd, C=NL", "sans": {"dns_names": ["partner.staging.contoso.com"]}, "validity_months": 12},
                "issuer": {"name": "Unknown"},
            }))
            .unwrap_or_default();
            certificates.push(SeedCertificate {
                name: "partner-portal".into(),
                policy,
                versions: Vec::new(),
                pending: true,
            });
        }
        let secrets = vec![
            SeedSecret {
                name: format!("tls-{env}-lb-{vi}"),
                content_type: Some("application/x-pkcs12".into()),
                value: None,
                tls: Some(SeedTls {
                    subject: format!("CN=lb{vi}.{env}.contoso.com"),
                    dns_names: vec![format!("lb{vi}.{env}.contoso.com")],
                    kty: None,
                    created_days_ago: 100.0 + vi as f64,
                    validity_days: 365.0,
                }),
                enabled: true,
                activation_days: None,
                expiry_days: None,
                tags: Default::default(),
            },
            SeedSecret {
                name: format!("tls-{env}-ingress-{vi}"),
                content_type: Some("application/x-pem-file".into()),
                value: None,
                tls: Some(SeedTls {
                    subject: format!("CN=ingress{vi}.{env}.contoso.com"),
                    dns_names: vec![format!("ingress{vi}.{env}.contoso.com")],
                    kty: Some("EC".into()),
                    created_days_ago: 350.0,
                    validity_days: 365.0,
                }),
                enabled: true,
                activation_days: None,
                expiry_days: None,
                tags: [("owner".to_string(), "team-edge".to_string())].into(),
            },
            SeedSecret {
                name: format!("tls-{env}-retired-{vi}"),
                content_type: Some("application/x-pkcs12".into()),
                value: None,
                tls: Some(SeedTls {
                    subject: format!("CN=old{vi}.{env}.contoso.com"),
                    dns_names: vec![],
                    kty: None,
                    created_days_ago: 500.0,
                    validity_days: 365.0,
                }),
                enabled: false,
                activation_days: None,
                expiry_days: None,
                tags: Default::default(),
            },
            SeedSecret {
                name: "db-password".into(),
                content_type: Some("text/plain".into()),
                value: Some(format!("demo-password-{vi}")),
                tls: None,
                enabled: true,
                activation_days: None,
                expiry_days: Some(180.0),
                tags: Default::default(),
            },
            SeedSecret {
                name: "api-key".into(),
                content_type: None,
                value: Some(format!("demo-api-key-{vi}")),
                tls: None,
                enabled: true,
                activation_days: None,
                expiry_days: None,
                tags: Default::default(),
            },
        ];
        subs[*sub].vaults.push(SeedVault {
            name: vault.to_string(),
            resource_group: Some(format!("rg-{env}-security")),
            location: Some(if vi % 2 == 0 {
                "westeurope".into()
            } else {
                "northeurope".into()
            }),
            tags: [("env".to_string(), env.to_string())].into(),
            sku: Some(if vi == 2 {
                "premium".into()
            } else {
                "standard".into()
            }),
            rbac: Some(vi != 4),
            soft_delete_retention_days: Some(90),
            purge_protection: vi == 2,
            access: vec![DEMO_CLIENT_ID.into()],
            issuers: vec![
                SeedIssuer {
                    name: "digicert-ov".into(),
                    provider: "DigiCert".into(),
                    account_id: Some("contoso-digicert".into()),
                },
                SeedIssuer {
                    name: "globalsign-ev".into(),
                    provider: "GlobalSign".into(),
                    account_id: Some("contoso-gs".into()),
                },
            ],
            contacts: (vi != 1).then(|| {
                vec![crate::kv::model::Contact {
                    email: Some(format!("pki-{env}@contoso.com")),
                    name: Some("PKI team".into()),
                    phone: None,
                }]
            }),
            certificates,
            secrets,
        });
    }
    Seed {
        tenants: identities(),
        subscriptions: subs,
        providers: Default::default(),
    }
}

/// Sizes for bulk seeding.
#[derive(Debug, Clone, Copy, serde::Deserialize, serde::Serialize)]
pub struct BulkSpec {
    pub vaults: usize,
    pub certs: usize,
    pub versions: usize,
}

impl std::str::FromStr for BulkSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<usize> = s
            .split(',')
            .map(|p| {
                p.trim()
                    .parse::<usize>()
                    .map_err(|_| format!("'{p}' is not a number"))
            })
            .collect::<Result<_, _>>()?;
        match parts.as_slice() {
            [v, c, n] if *v > 0 && *c > 0 && *n > 0 && *v <= 1000 && *n <= 100 => Ok(Self { vaults: *v, certs: *c, versions: *n }),
            _ => Err("expected VAULTS,CERTS,VERSIONS: three positive numbers (at most 1000 vaults, 100 versions)".into()),
        }
    }
}

/// Adds `bulk-NNN` vaults to a bulk subscription with real certificates, signing on every core.
pub fn bulk(st: &AppState, spec: BulkSpec) -> Result<SeedSummary, EmulatorError> {
    let started = Instant::now();
    let now = st.clock.now();
    let keys: Vec<Arc<KeyMaterial>> = {
        let mut k = Vec::new();
        for _ in 0..4 {
            k.push(KeyMaterial::generate(KeySpec::Ec("P-256"))?);
        }
        for _ in 0..2 {
            k.push(KeyMaterial::generate(KeySpec::Rsa(2048))?);
        }
        k
    };
    let ec_policy: PolicyJson = serde_json::from_value(json!({"key_props": {"kty": "EC", "crv": "P-256"}, "x509_props": {"subject": "CN=bulk", "validity_months": 12}, "issuer": {"name": "Self"}})).unwrap_or_default();
    let rsa_policy: PolicyJson = serde_json::from_value(json!({"key_props": {"kty": "RSA", "key_size": 2048}, "x509_props": {"subject": "CN=bulk", "validity_months": 12}, "issuer": {"name": "Self"}})).unwrap_or_default();

    // One job per certificate; each job signs all its versions.
    let jobs: Vec<(usize, usize)> = (0..spec.vaults)
        .flat_map(|v| (0..spec.certs).map(move |c| (v, c)))
        .collect();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let chunk = jobs.len().div_ceil(threads).max(1);
    type Built = (usize, String, PolicyJson, Vec<(NewVersion, i64)>);
    let results: Vec<Result<Vec<Built>, EmulatorError>> = std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| {
                let keys = &keys;
                let (ec_policy, rsa_policy) = (&ec_policy, &rsa_policy);
                s.spawn(move || {
                    let mut out = Vec::new();
                    for &(v, c) in part {
                        let rsa = c % 10 == 9;
                        let mut pol = if rsa {
                            rsa_policy.clone()
                        } else {
                            ec_policy.clone()
                        };
                        let name = format!("cert-{c:05}");
                        if let Some(x) = pol.x509_props.as_mut() {
                            x.subject =
                                Some(format!("CN={name}.bulk{v:03}.example.com, O=Bulk Seed"));
                            x.sans = Some(policy::Sans {
                                dns_names: Some(vec![format!("{name}.bulk{v:03}.example.com")]),
                                ..Default::default()
                            });
                        }
                        policy::apply_defaults(
                            &mut pol,
                            now - (spec.versions as i64) * 60 * 86_400,
                        );
                        let key = if rsa {
                            keys[4 + c % 2].clone()
                        } else {
                            keys[c % 4].clone()
                        };
                        let mut versions = Vec::new();
                        for n in 0..spec.versions {
                            let created = now
                                - ((spec.versions - 1 - n) as i64) * 60 * 86_400
                                - (c as i64 % 1000);
                            let req = policy::cert_request(&pol, created);
                            let der = req.self_signed(&key)?;
                            versions.push((
                                NewVersion {
                                    chain: vec![der],
                                    key: key.clone(),
                                    enabled: true,
                                    tags: Default::default(),
                                    nbf: req.not_before,
                                    exp: req.not_after,
                                    content_type: certkeep_core::keyvault::CONTENT_TYPE_PFX.into(),
                                },
                                created,
                            ));
                        }
                        out.push((v, name, pol, versions));
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(EmulatorError::Seed("a signing thread panicked".into()))
                })
            })
            .collect()
    });

    let mut w = st.world.lock();
    let tenants = identities();
    for t in &tenants {
        if !w.tenants.contains_key(&t.id.to_ascii_lowercase()) {
            drop(w);
            crate::seed::load(
                st,
                &Seed {
                    tenants: tenants.clone(),
                    subscriptions: Vec::new(),
                    providers: Default::default(),
                },
            )?;
            w = st.world.lock();
        }
    }
    w.subscriptions
        .entry(BULK_SUBSCRIPTION.into())
        .or_insert_with(|| Subscription {
            id: BULK_SUBSCRIPTION.into(),
            tenant_id: DEMO_TENANT.into(),
            name: "Bulk".into(),
            readers: [DEMO_CLIENT_ID.to_string()].into(),
        });
    let bulk_sub = SeedSubscription {
        id: BULK_SUBSCRIPTION.into(),
        tenant: DEMO_TENANT.into(),
        name: None,
        readers: Vec::new(),
        vaults: Vec::new(),
    };
    let mut summary = SeedSummary {
        subscriptions: 1,
        ..Default::default()
    };
    let mut vaults: Vec<Vault> = (0..spec.vaults)
        .map(|v| {
            let sv = SeedVault {
                name: format!("bulk-{v:03}"),
                resource_group: Some("rg-bulk".into()),
                location: None,
                tags: Default::default(),
                sku: None,
                rbac: None,
                soft_delete_retention_days: None,
                purge_protection: false,
                access: vec![DEMO_CLIENT_ID.into()],
                issuers: Vec::new(),
                contacts: None,
                certificates: Vec::new(),
                secrets: Vec::new(),
            };
            Vault {
                props: Some(crate::seed::vault_props(&bulk_sub, &sv)),
                ..Default::default()
            }
        })
        .collect();
    for part in results {
        for (v, name, pol, versions) in part? {
            for (nv, created) in versions {
                lifecycle::add_version(&mut vaults[v], &name, Some(pol.clone()), nv, created);
                summary.certificate_versions += 1;
            }
            if let Some(e) = vaults[v].certificates.get_mut(&name) {
                lifecycle::mark_past_triggers(e, now);
            }
            summary.certificates += 1;
        }
    }
    for (i, vault) in vaults.into_iter().enumerate() {
        w.vaults.insert(format!("bulk-{i:03}"), vault);
        summary.vaults += 1;
    }
    summary.elapsed_ms = started.elapsed().as_millis();
    Ok(summary)
}
