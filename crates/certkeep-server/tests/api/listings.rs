//! The listings over the demo estate (discovered through the engine): the certificate listing's
//! filters, sort and paging, and its facets, equal the engine's own answer to the same query;
//! pages put together equal the whole; totals equal Key Vault's ground truth; a certificate's
//! detail lists every version Key Vault has; PEM, DER and chain exports parse and match the
//! version's SHA-1 (and Key Vault's thumbprint), never holding a private key.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use certkeep_engine::Scope;
use certkeep_engine::views::{
    CertificateQuery, CertificateSort, ExpiryState, IssuerKind, PageRequest, ShowVersions,
    TagFilter,
};
use serde_json::Value;

use crate::common::{DEMO_SUBSCRIPTIONS, Stack, Who, emulator, stacks, to_json};

const DAY: i64 = 86_400;

fn q() -> CertificateQuery {
    CertificateQuery {
        page: PageRequest::new(0, 50),
        ..Default::default()
    }
}

/// Query strings and the engine query each means.
fn queries() -> Vec<(&'static str, CertificateQuery)> {
    let vault = |c: Option<&str>, v: &str| Scope {
        credential: c.map(str::to_string),
        vault: Some(v.to_string()),
    };
    vec![
        ("", q()),
        (
            "vault=kv-prod-web",
            CertificateQuery {
                scope: vault(None, "kv-prod-web"),
                ..q()
            },
        ),
        (
            "credential=prod&vault=kv-prod-api",
            CertificateQuery {
                scope: vault(Some("prod"), "kv-prod-api"),
                ..q()
            },
        ),
        (
            "credential=prod",
            CertificateQuery {
                scope: Scope {
                    credential: Some("prod".into()),
                    vault: None,
                },
                ..q()
            },
        ),
        (
            "state=expired",
            CertificateQuery {
                state: Some(ExpiryState::Expired),
                ..q()
            },
        ),
        (
            "state=expiring",
            CertificateQuery {
                state: Some(ExpiryState::ExpiringWithin(30 * DAY)),
                ..q()
            },
        ),
        (
            "state=expiring&expiring_within_days=7",
            CertificateQuery {
                state: Some(ExpiryState::ExpiringWithin(7 * DAY)),
                ..q()
            },
        ),
        (
            "expiring_within_days=60",
            CertificateQuery {
                expiring_within: Some(60 * DAY),
                ..q()
            },
        ),
        (
            "state=healthy&sort=name&order=desc",
            CertificateQuery {
                state: Some(ExpiryState::Healthy),
                sort: CertificateSort::Name,
                descending: true,
                ..q()
            },
        ),
        (
            "state=missing",
            CertificateQuery {
                state: Some(ExpiryState::Missing),
                ..q()
            },
        ),
        (
            "key_type=EC",
            CertificateQuery {
                key_type: Some("EC".into()),
                ..q()
            },
        ),
        (
            "key_type=RSA&sort=key_type",
            CertificateQuery {
                key_type: Some("RSA".into()),
                sort: CertificateSort::KeyType,
                ..q()
            },
        ),
        (
            "issuer=Self",
            CertificateQuery {
                issuer: Some("Self".into()),
                ..q()
            },
        ),
        (
            "issuer=digicert-ov&sort=issuer",
            CertificateQuery {
                issuer: Some("digicert-ov".into()),
                sort: CertificateSort::Issuer,
                ..q()
            },
        ),
        (
            "issuer_kind=integrated_ca",
            CertificateQuery {
                issuer_kind: Some(IssuerKind::IntegratedCa),
                ..q()
            },
        ),
        (
            "issuer_kind=self",
            CertificateQuery {
                issuer_kind: Some(IssuerKind::SelfSigned),
                ..q()
            },
        ),
        (
            "issuer_kind=unknown",
            CertificateQuery {
                issuer_kind: Some(IssuerKind::Unknown),
                ..q()
            },
        ),
        (
            "search=www",
            CertificateQuery {
                search: Some("www".into()),
                ..q()
            },
        ),
        (
            "search=api.prod.contoso",
            CertificateQuery {
                search: Some("api.prod.contoso".into()),
                ..q()
            },
        ),
        ("search=%20%20", q()),
        (
            "tag=owner",
            CertificateQuery {
                tag: Some(TagFilter {
                    key: "owner".into(),
                    value: None,
                }),
                ..q()
            },
        ),
        (
            "tag=owner%3Dteam-0",
            CertificateQuery {
                tag: Some(TagFilter {
                    key: "owner".into(),
                    value: Some("team-0".into()),
                }),
                ..q()
            },
        ),
        (
            "show=all&sort=vault&limit=7&offset=14",
            CertificateQuery {
                show: ShowVersions::All,
                sort: CertificateSort::Vault,
                page: PageRequest::new(14, 7),
                ..q()
            },
        ),
        (
            "show=previous&sort=subject&order=desc",
            CertificateQuery {
                show: ShowVersions::Previous,
                sort: CertificateSort::Subject,
                descending: true,
                ..q()
            },
        ),
        (
            "show=all&name=www-prod",
            CertificateQuery {
                show: ShowVersions::All,
                name: Some("www-prod".into()),
                ..q()
            },
        ),
        (
            "include_missing=true&sort=discovered&order=desc",
            CertificateQuery {
                include_missing: true,
                sort: CertificateSort::DiscoveredAt,
                descending: true,
                ..q()
            },
        ),
        (
            "show=all&limit=1000",
            CertificateQuery {
                show: ShowVersions::All,
                page: PageRequest::new(0, 1000),
                ..q()
            },
        ),
        (
            "offset=1000",
            CertificateQuery {
                page: PageRequest::new(1000, 50),
                ..q()
            },
        ),
    ]
}

/// Key Vault's certificate versions of the production subscription: vault → name → versions
/// (version → x5t).
async fn ground_truth() -> BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>> {
    let state = emulator().state().await;
    let mut out: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>> = BTreeMap::new();
    for v in state["vaults"].as_array().unwrap() {
        if v["properties"]["subscription_id"] != DEMO_SUBSCRIPTIONS[0] {
            continue;
        }
        let vault = v["properties"]["name"].as_str().unwrap().to_string();
        for c in v["certificates"].as_array().unwrap() {
            let versions = c["versions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|ver| {
                    (
                        ver["version"].as_str().unwrap().to_string(),
                        ver["x5t"].as_str().unwrap().to_string(),
                    )
                })
                .collect::<BTreeMap<_, _>>();
            if !versions.is_empty() {
                out.entry(vault.clone())
                    .or_default()
                    .insert(c["name"].as_str().unwrap().to_string(), versions);
            }
        }
    }
    out
}

async fn page(s: &Stack, who: &Who, query: &str) -> Value {
    s.get(who, &format!("/api/v1/certificates?{query}"))
        .await
        .expect(200)
        .json()
}

#[tokio::test]
async fn certificate_listings_and_facets_equal_the_engines_answers() {
    for s in stacks("listings").await {
        let admin = s.admin().await;
        s.demo_estate().await;
        let (token, _) = s.token(&admin, "reader", "auditor", 30).await;
        let t = Who::Token(token);
        let mut differ = Vec::new();
        for (query, cq) in queries() {
            let api = page(&s, &t, query).await;
            let engine = to_json(&s.engine.list_certificates(&cq).await.unwrap());
            if api != engine {
                differ.push(format!(
                    "?{query}: total {} vs {}, {} vs {} items",
                    api["total"],
                    engine["total"],
                    api["items"].as_array().map_or(0, Vec::len),
                    engine["items"].as_array().map_or(0, Vec::len)
                ));
            }
            let facets = s
                .get(&t, &format!("/api/v1/certificates/facets?{query}"))
                .await
                .expect(200)
                .json();
            let engine_facets = to_json(&s.engine.certificate_facets(&cq).await.unwrap());
            if facets != engine_facets {
                differ.push(format!("facets ?{query}: {facets} vs {engine_facets}"));
            }
            // The echo of the page, and each filter's meaning, checked on the rows themselves.
            assert_eq!(
                (api["offset"].as_u64(), api["limit"].as_u64()),
                (Some(cq.page.offset), Some(cq.page.limit)),
                "?{query}"
            );
            let items = api["items"].as_array().unwrap();
            assert!(items.len() as u64 <= cq.page.limit);
            for it in items {
                let ok = match query {
                    q if q.starts_with("vault=") => it["vault"] == "kv-prod-web",
                    q if q.starts_with("credential=prod&vault") => it["vault"] == "kv-prod-api",
                    "state=expired" => it["state"] == "expired",
                    "state=expiring" => it["state"] == "expiring",
                    "state=expiring&expiring_within_days=7" => it["days_left"]
                        .as_i64()
                        .is_some_and(|d| (0..=7).contains(&d)),
                    q if q.starts_with("state=healthy") => it["state"] == "healthy",
                    "key_type=EC" => it["key_type"] == "EC",
                    q if q.starts_with("issuer=Self") => it["policy_issuer"] == "Self",
                    q if q.starts_with("issuer_kind=integrated_ca") => {
                        it["issuer_kind"] == "integrated_ca"
                    }
                    q if q.starts_with("tag=owner%3D") => it["tags"]["owner"] == "team-0",
                    q if q.starts_with("tag=owner") => it["tags"].get("owner").is_some(),
                    q if q.starts_with("show=previous") => it["current"] == false,
                    "" => it["current"] == true,
                    _ => true,
                };
                assert!(ok, "{}: ?{query}: {it}", s.backend);
            }
        }
        assert!(
            differ.is_empty(),
            "{}: the API and the engine differ:\n{}",
            s.backend,
            differ.join("\n")
        );

        // Facets add up to the total.
        let all = page(&s, &t, "").await;
        let facets = s
            .get(&t, "/api/v1/certificates/facets")
            .await
            .expect(200)
            .json();
        let sum = |k: &str| {
            facets[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["count"].as_u64().unwrap())
                .sum::<u64>()
        };
        for k in ["by_vault", "by_key_type", "by_issuer_kind"] {
            assert_eq!(
                sum(k),
                all["total"].as_u64().unwrap(),
                "{}: {k}: {facets}",
                s.backend
            );
        }
        assert_eq!(facets["by_vault"].as_array().unwrap().len(), 3, "{facets}");

        // Sorting is what it says.
        let by_name = page(&s, &t, "sort=name&limit=1000").await;
        let names: Vec<String> = by_name["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_lowercase())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "{}", s.backend);
        let by_expiry = page(&s, &t, "order=desc&limit=1000").await;
        let ends: Vec<String> = by_expiry["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["not_after"].as_str().unwrap().to_string())
            .collect();
        assert!(
            ends.windows(2).all(|w| w[0] >= w[1]),
            "{}: {ends:?}",
            s.backend
        );

        // Pages of 7 put together are the whole listing, and the totals are Key Vault's.
        let truth = ground_truth().await;
        let versions: usize = truth
            .values()
            .flat_map(|names| names.values())
            .map(BTreeMap::len)
            .sum();
        let names_count: usize = truth.values().map(BTreeMap::len).sum();
        let whole = page(&s, &t, "show=all&sort=name&limit=1000").await;
        assert_eq!(
            whole["total"].as_u64(),
            Some(versions as u64),
            "{}: every version",
            s.backend
        );
        assert_eq!(
            all["total"].as_u64(),
            Some(names_count as u64),
            "{}: one current version per name",
            s.backend
        );
        let mut joined = Vec::new();
        let mut offset = 0;
        loop {
            let p = page(
                &s,
                &t,
                &format!("show=all&sort=name&limit=7&offset={offset}"),
            )
            .await;
            assert_eq!(p["total"], whole["total"]);
            let items = p["items"].as_array().unwrap().clone();
            if items.is_empty() {
                break;
            }
            offset += items.len();
            joined.extend(items);
        }
        assert_eq!(
            Value::Array(joined),
            whole["items"],
            "{}: pages overlap or skip",
            s.backend
        );
        s.finish().await;
    }
}

/// The SHA-1 of a DER certificate, hex, from the certificate itself.
fn sha1_of(der: &[u8]) -> String {
    certkeep_core::x509::inspect(der)
        .expect("a certificate")
        .sha1_hex
}

#[tokio::test]
async fn a_certificates_detail_lists_every_version_and_its_exports_match() {
    for s in stacks("detail_export").await {
        let admin = s.admin().await;
        s.demo_estate().await;
        let a = Who::Session(admin.clone());
        let truth = ground_truth().await;
        let web = &truth["kv-prod-web"];
        assert_eq!(web.len(), 12);
        let mut exported_versions = 0;
        for (name, versions) in web {
            let r = s
                .get(
                    &a,
                    &format!("/api/v1/vaults/prod/kv-prod-web/certificates/{name}"),
                )
                .await
                .expect(200);
            let detail = r.json();
            let items = detail["items"].as_array().unwrap();
            assert_eq!(
                detail["total"].as_u64(),
                Some(versions.len() as u64),
                "{}: {name}",
                s.backend
            );
            let listed: BTreeSet<String> = items
                .iter()
                .map(|i| i["version"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(
                listed,
                versions.keys().cloned().collect::<BTreeSet<_>>(),
                "{}: {name}",
                s.backend
            );
            assert_eq!(
                items.iter().filter(|i| i["current"] == true).count(),
                1,
                "{name}"
            );
            let ends: Vec<&str> = items
                .iter()
                .map(|i| i["not_after"].as_str().unwrap())
                .collect();
            assert!(
                ends.windows(2).all(|w| w[0] >= w[1]),
                "{name}: newest first: {ends:?}"
            );
            for it in items {
                assert_eq!(
                    (
                        it["name"].as_str(),
                        it["vault"].as_str(),
                        it["credential"].as_str()
                    ),
                    (Some(name.as_str()), Some("kv-prod-web"), Some("prod"))
                );
                // Key Vault's thumbprint (x5t) is the base64url SHA-1 the row lists.
                let x5t = &versions[it["version"].as_str().unwrap()];
                let sha1 = hex::encode(
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(x5t)
                        .unwrap(),
                );
                assert_eq!(it["sha1"].as_str(), Some(sha1.as_str()), "{name}");
            }

            // Exports of the current version: PEM (default), DER, chain.
            let current = items.iter().find(|i| i["current"] == true).unwrap();
            let sha1 = current["sha1"].as_str().unwrap().to_string();
            let base = format!("/api/v1/vaults/prod/kv-prod-web/certificates/{name}/export");
            let pem = s.get(&a, &base).await.expect(200);
            assert_eq!(
                pem.header("content-type").as_deref(),
                Some("application/x-pem-file")
            );
            let bundle = certkeep_core::pem::parse_bundle(&pem.text()).expect("PEM parses");
            assert!(
                bundle.private_key.is_none(),
                "{name}: a private key in a PEM export"
            );
            assert_eq!(bundle.certificates.len(), 1, "{name}");
            assert_eq!(
                sha1_of(&bundle.certificates[0]),
                sha1,
                "{}: {name} PEM",
                s.backend
            );
            let der = s.get(&a, &format!("{base}?format=der")).await.expect(200);
            assert_eq!(
                der.header("content-type").as_deref(),
                Some("application/pkix-cert")
            );
            assert_eq!(sha1_of(&der.body), sha1, "{}: {name} DER", s.backend);
            let chain = s.get(&a, &format!("{base}?format=chain")).await.expect(200);
            assert!(
                !chain.text().contains("PRIVATE KEY"),
                "{name}: a private key in a chain export"
            );
            let bundle = certkeep_core::pem::parse_bundle(&chain.text()).expect("chain parses");
            assert!(!bundle.certificates.is_empty());
            assert_eq!(
                sha1_of(&bundle.certificates[0]),
                sha1,
                "{}: {name} chain leaf first",
                s.backend
            );
            // Every other version by its id.
            for it in items.iter().filter(|i| i["current"] == false) {
                let v = it["version"].as_str().unwrap();
                let der = s
                    .get(&a, &format!("{base}?format=der&version={v}"))
                    .await
                    .expect(200);
                assert_eq!(
                    sha1_of(&der.body),
                    it["sha1"].as_str().unwrap(),
                    "{}: {name}/{v}",
                    s.backend
                );
                exported_versions += 1;
            }
        }
        assert!(
            exported_versions > 5,
            "only {exported_versions} older versions exported"
        );
        // Exports are audited with what was exported.
        let audit = s
            .get(&a, "/api/v1/audit?action=certificate.export&limit=1000")
            .await
            .expect(200)
            .json();
        assert!(
            audit["total"].as_u64().unwrap() >= 36 + exported_versions as u64,
            "{}: {}",
            s.backend,
            audit["total"]
        );
        // Unknown ones are 404, not an empty listing.
        let r = s
            .get(&a, "/api/v1/vaults/prod/kv-prod-web/certificates/nope-nope")
            .await
            .expect(404);
        assert_eq!(r.code(), "not_found");
        s.get(
            &a,
            "/api/v1/vaults/prod/kv-prod-web/certificates/www-prod/export?version=0123456789abcdef",
        )
        .await
        .expect(404);
        s.get(&a, "/api/v1/vaults/prod/kv-nope/certificates/www-prod")
            .await
            .expect(404);
        s.finish().await;
    }
}

#[tokio::test]
async fn other_listings_agree_with_the_store() {
    for s in stacks("other_listings").await {
        let admin = s.admin().await;
        s.demo_estate().await;
        let a = Who::Session(admin);
        let vaults = s.get(&a, "/api/v1/vaults").await.expect(200).json();
        let names: BTreeSet<&str> = vaults["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            crate::common::PROD_VAULTS.into_iter().collect(),
            "{}",
            s.backend
        );
        assert_eq!(vaults["total"], 3);
        let one = s
            .get(&a, "/api/v1/vaults?limit=1&offset=2")
            .await
            .expect(200)
            .json();
        assert_eq!(
            (
                one["total"].as_u64(),
                one["items"].as_array().unwrap().len()
            ),
            (Some(3), 1)
        );
        let issuers = s
            .get(&a, "/api/v1/vaults/prod/kv-prod-web/issuers")
            .await
            .expect(200)
            .json();
        let stored = s.engine.list_issuers("prod", "kv-prod-web").await.unwrap();
        assert_eq!(issuers, to_json(&stored), "{}", s.backend);
        let summary = s.get(&a, "/api/v1/summary").await.expect(200).json();
        assert_eq!(
            summary,
            to_json(&s.engine.inventory_summary().await.unwrap()),
            "{}",
            s.backend
        );
        let audit = s
            .get(&a, "/api/v1/audit?limit=5&offset=1")
            .await
            .expect(200)
            .json();
        let events = s.store.list_audit_events(100_000).await.unwrap();
        assert_eq!(
            audit["total"].as_u64(),
            Some(events.len() as u64),
            "{}",
            s.backend
        );
        assert_eq!(audit["items"].as_array().unwrap().len(), 5);
        let verify = s.get(&a, "/api/v1/audit/verify").await.expect(200).json();
        assert_eq!(
            verify,
            to_json(&s.engine.audit_chain_status().await.unwrap()),
            "{}",
            s.backend
        );
        let runs = s
            .get(&a, "/api/v1/sync-runs?limit=1000")
            .await
            .expect(200)
            .json();
        assert!(
            runs["total"].as_u64().unwrap() >= 3,
            "{}: one run per vault: {runs}",
            s.backend
        );
        s.finish().await;
    }
}
