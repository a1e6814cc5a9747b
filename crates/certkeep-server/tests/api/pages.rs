//! The web pages over HTTP (no browser): sign-in and the forced password change, CSRF and
//! origin checks on forms, the dashboard's counts and the certificate listing checked against
//! the emulator's own certificates, the CSV export, bad query strings, assets and headers.

use base64::Engine as _;
use serde_json::Value;

use crate::common::{PROD_VAULTS, Resp, fresh_password, stacks};
use crate::web_client::{Jar, admin, csrf_field, form, location, page, sign_in, table_rows};

const DAY: i64 = 86_400;

#[tokio::test]
async fn sign_in_forces_the_one_time_password_change_and_sign_out_ends_the_session() {
    for s in stacks("pages_sign_in").await {
        let anon = Jar::default();
        let r = page(&s, &anon, "/certificates?state=expired").await;
        assert_eq!(r.status, 303);
        assert_eq!(
            location(&r),
            "/login?next=%2Fcertificates%3Fstate%3Dexpired"
        );
        let login = page(&s, &anon, "/login?next=/dashboard").await.expect(200);
        assert!(login.text().contains("name=\"next\" value=\"/dashboard\""));
        // No open redirect: a next that leaves the site becomes the dashboard.
        let login = page(&s, &anon, "/login?next=//evil.example/x")
            .await
            .expect(200);
        assert!(login.text().contains("name=\"next\" value=\"/dashboard\""));

        let otp = s.engine.bootstrap_admin().await.unwrap().unwrap();
        // A wrong password and an unknown user get the same answer.
        let wrong = form(
            &s,
            &anon,
            "/login",
            &[("username", "admin"), ("password", "not-it-at-all")],
            None,
        )
        .await;
        let nobody = form(
            &s,
            &anon,
            "/login",
            &[("username", "nobody"), ("password", "not-it-at-all")],
            None,
        )
        .await;
        assert_eq!(wrong.status, 401);
        assert_eq!(nobody.status, 401);
        let problem = |r: &Resp| {
            let t = r.text();
            let at = t.find("id=\"login-error\">").expect("the error is shown") + 17;
            t[at..].split('<').next().unwrap().to_string()
        };
        assert_eq!(problem(&wrong), problem(&nobody));
        assert!(wrong.set_cookies().is_empty());
        // From another site: refused before any password is checked.
        let r = form(
            &s,
            &anon,
            "/login",
            &[("username", "admin"), ("password", &otp)],
            Some("https://evil.example"),
        )
        .await;
        assert_eq!(r.status, 403);

        let (jar, to) = sign_in(&s, "admin", &otp).await;
        assert_eq!(to, "/password", "the one-time password is changed first");
        for path in ["/dashboard", "/certificates", "/certificates.csv"] {
            let r = page(&s, &jar, path).await;
            assert_eq!(
                (r.status, location(&r)),
                (303, "/password".to_string()),
                "{path}"
            );
        }
        let pw = page(&s, &jar, "/password").await.expect(200);
        assert!(pw.text().contains("one-time password"));
        assert_eq!(
            csrf_field(&pw.text()),
            jar.csrf,
            "the form carries the session's token"
        );

        let new = fresh_password();
        // Without the token, or with another one: refused, nothing changed.
        for token in ["", "forged-token"] {
            let r = form(
                &s,
                &jar,
                "/password",
                &[
                    ("csrf", token),
                    ("current_password", &otp),
                    ("new_password", &new),
                    ("confirm_password", &new),
                ],
                None,
            )
            .await;
            assert_eq!(r.status, 403, "{r:?}");
        }
        // Field errors are shown next to their field.
        let r = form(
            &s,
            &jar,
            "/password",
            &[
                ("csrf", &jar.csrf),
                ("current_password", &otp),
                ("new_password", &new),
                ("confirm_password", "something else"),
            ],
            None,
        )
        .await;
        assert_eq!(r.status, 400);
        assert!(
            r.text()
                .contains("id=\"confirm_password-error\">does not match"),
            "{r:?}"
        );
        let r = form(
            &s,
            &jar,
            "/password",
            &[
                ("csrf", &jar.csrf),
                ("current_password", &otp),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
            None,
        )
        .await;
        assert_eq!(r.status, 400);
        assert!(r.text().contains("id=\"new_password-error\">"), "{r:?}");
        assert!(
            r.text()
                .contains("aria-invalid=\"true\" aria-describedby=\"new_password-error\"")
        );
        let r = form(
            &s,
            &jar,
            "/password",
            &[
                ("csrf", &jar.csrf),
                ("current_password", "wrong-password-1"),
                ("new_password", &new),
                ("confirm_password", &new),
            ],
            None,
        )
        .await;
        assert_eq!(r.status, 400);
        assert!(r.text().contains("id=\"current_password-error\">"), "{r:?}");
        // The one-time password still works, so none of that changed it.
        let policy = certkeep_engine::access::SessionPolicy {
            idle_secs: 3600,
            absolute_secs: 86_400,
        };
        s.engine
            .login(
                "admin",
                &otp,
                None,
                None,
                policy,
                certkeep_engine::access::ThrottlePolicy::default(),
            )
            .await
            .expect("unchanged");

        let r = form(
            &s,
            &jar,
            "/password",
            &[
                ("csrf", &jar.csrf),
                ("current_password", &otp),
                ("new_password", &new),
                ("confirm_password", &new),
            ],
            None,
        )
        .await;
        assert_eq!(
            (r.status, location(&r)),
            (303, "/dashboard".to_string()),
            "{r:?}"
        );
        let d = page(&s, &jar, "/dashboard").await.expect(200);
        assert!(d.text().contains("<h1>Dashboard</h1>"));
        assert_eq!(d.header("cache-control").as_deref(), Some("no-store"));

        // Sign-out needs the token and this origin too.
        let r = form(&s, &jar, "/logout", &[], None).await;
        assert_eq!(r.status, 403);
        let r = form(
            &s,
            &jar,
            "/logout",
            &[("csrf", &jar.csrf)],
            Some("http://evil.example"),
        )
        .await;
        assert_eq!(r.status, 403);
        page(&s, &jar, "/dashboard").await.expect(200);
        let r = form(&s, &jar, "/logout", &[("csrf", &jar.csrf)], Some(&s.url)).await;
        assert_eq!((r.status, location(&r)), (303, "/login".to_string()));
        assert!(r.set_cookies().iter().all(|c| c.contains("Max-Age=0")));
        let r = page(&s, &jar, "/dashboard").await;
        assert_eq!(r.status, 303, "the old cookie no longer works");
        s.finish().await;
    }
}

/// The `key` tag of each current Key Vault certificate version of the production vaults that
/// has one, from the emulator.
async fn emulator_current_tags(key: &str) -> Vec<String> {
    let state: Value = crate::common::emulator().state().await;
    let mut out = Vec::new();
    for v in state["vaults"].as_array().expect("vaults") {
        if !PROD_VAULTS.contains(&v["properties"]["name"].as_str().unwrap_or_default()) {
            continue;
        }
        for c in v["certificates"].as_array().unwrap() {
            let versions = c["versions"].as_array().unwrap();
            let current = versions
                .iter()
                .max_by_key(|x| x["created"].as_i64().unwrap_or(0));
            if let Some(tag) = current.and_then(|x| x["tags"][key].as_str()) {
                out.push(tag.to_string());
            }
        }
    }
    out
}

/// The current version of each Key Vault certificate of the production vaults, from the
/// emulator: (vault, name, exp, SHA-1 hex).
pub(crate) async fn emulator_current_versions() -> Vec<(String, String, i64, String)> {
    let state: Value = crate::common::emulator().state().await;
    let mut out = Vec::new();
    for v in state["vaults"].as_array().expect("vaults") {
        let vault = v["properties"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !PROD_VAULTS.contains(&vault.as_str()) {
            continue;
        }
        for c in v["certificates"].as_array().unwrap() {
            let versions = c["versions"].as_array().unwrap();
            let Some(cur) = versions
                .iter()
                .max_by_key(|x| x["created"].as_i64().unwrap_or(0))
            else {
                continue;
            };
            let x5t = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(cur["x5t"].as_str().unwrap().trim_end_matches('='))
                .expect("x5t");
            out.push((
                vault.clone(),
                c["name"].as_str().unwrap().to_string(),
                cur["exp"].as_i64().expect("exp"),
                hex::encode(x5t),
            ));
        }
    }
    assert!(!out.is_empty(), "the emulator has production certificates");
    out
}

/// The number shown in the count box of class `class` inside the element `id`.
fn count_box(html: &str, id: &str, class: &str) -> u64 {
    let section = &html[html.find(&format!("id=\"{id}\"")).expect(id)..];
    let at = section.find(&format!("class=\"{class}\"")).expect(class);
    let n = &section[at..];
    let n = &n[n.find("class=\"n\">").unwrap() + 10..];
    n.split('<').next().unwrap().parse().expect("a count")
}

#[tokio::test]
async fn the_dashboard_and_the_listing_count_what_the_emulator_holds() {
    for s in stacks("pages_counts").await {
        s.demo_estate().await;
        let jar = admin(&s).await;
        let now = s.clock.get();
        let certs = emulator_current_versions().await;
        let count = |f: &dyn Fn(i64) -> bool| certs.iter().filter(|c| f(c.2)).count() as u64;
        let expired = count(&|exp| exp <= now);
        let within_7 = count(&|exp| exp > now && exp <= now + 7 * DAY);
        let within_30 = count(&|exp| exp > now && exp <= now + 30 * DAY);
        let healthy = count(&|exp| exp > now + 30 * DAY);
        let in_a_year = count(&|exp| exp > now && exp <= now + 52 * 7 * DAY);
        assert!(
            expired > 0 && within_30 > 0 && healthy > 0,
            "the demo has every state"
        );

        let d = page(&s, &jar, "/dashboard").await.expect(200).text();
        assert_eq!(
            count_box(&d, "certificate-counts", "expired"),
            expired,
            "{}",
            s.backend
        );
        assert_eq!(count_box(&d, "certificate-counts", "expiring7"), within_7);
        assert_eq!(count_box(&d, "certificate-counts", "expiring30"), within_30);
        assert_eq!(count_box(&d, "certificate-counts", "healthy"), healthy);
        assert!(
            d.contains(&format!(
                "{in_a_year} certificates expire in the next 52 weeks"
            )),
            "{}",
            s.backend
        );
        // Each vault's share of the timeline, in its legend.
        for vault in PROD_VAULTS {
            let n = certs
                .iter()
                .filter(|c| c.0 == vault && c.2 > now && c.2 <= now + 52 * 7 * DAY)
                .count();
            if n > 0 {
                assert!(d.contains(&format!("{vault} ({n})")), "{vault}: {n}");
            }
        }
        let bars = d.matches("<rect class=\"s").count();
        assert!(bars > 0 && d.contains("<svg class=\"chart\" id=\"timeline\""));
        // The soonest expiries are the soonest not yet expired, in order.
        let mut upcoming: Vec<i64> = certs.iter().map(|c| c.2).filter(|&e| e > now).collect();
        upcoming.sort_unstable();
        assert_eq!(table_rows(&d, "soonest"), upcoming.len().min(10));
        let by_issuer = page(&s, &jar, "/dashboard?split=issuer")
            .await
            .expect(200)
            .text();
        assert!(by_issuer.contains(&format!("{in_a_year} certificates expire")));
        assert!(
            !by_issuer.contains("kv-prod-web ("),
            "split by issuer, not vault"
        );
        let bad = page(&s, &jar, "/dashboard?split=colour").await;
        assert_eq!(bad.status, 400);
        assert!(bad.text().contains("split: must be vault or issuer"));

        // The listing: the expired filter shows exactly the expired ones.
        let l = page(&s, &jar, "/certificates?state=expired&limit=200")
            .await
            .expect(200)
            .text();
        assert_eq!(table_rows(&l, "certificates") as u64, expired);
        assert!(l.contains(&format!("1–{expired} of {expired} certificate versions")));
        assert!(l.contains("aria-label=\"Remove filter state: expired\""));
        // A vault facet narrows to that vault; its link keeps the other filters.
        let v = page(
            &s,
            &jar,
            "/certificates?credential=prod&vault=kv-prod-web&limit=200",
        )
        .await
        .expect(200)
        .text();
        let in_vault = certs.iter().filter(|c| c.0 == "kv-prod-web").count();
        assert_eq!(table_rows(&v, "certificates"), in_vault);
        assert!(
            v.contains("href=\"/certificates?limit=200\" aria-current=\"true\""),
            "the active facet removes itself"
        );
        // The tag facet counts the current versions' tags; its link lists exactly those.
        let owners = emulator_current_tags("owner").await;
        let team0 = owners.iter().filter(|o| *o == "team-0").count();
        assert!(team0 > 0, "the demo tags some certificates");
        let all = page(&s, &jar, "/certificates?limit=200")
            .await
            .expect(200)
            .text();
        assert!(
            all.contains(&format!(
                "<span>owner=team-0</span><span class=\"count\">{team0}</span>"
            )),
            "{all}"
        );
        let tagged = page(&s, &jar, "/certificates?tag=owner%3Dteam-0&limit=200")
            .await
            .expect(200)
            .text();
        assert_eq!(table_rows(&tagged, "certificates"), team0);
        // Searched (a thumbprint: one version), the facets count the search's matches.
        let one = &certs[0];
        let searched = page(&s, &jar, &format!("/certificates?search={}", one.3))
            .await
            .expect(200)
            .text();
        assert_eq!(table_rows(&searched, "certificates"), 1);
        assert!(
            searched.contains(&format!(
                "<span>prod/{}</span><span class=\"count\">1</span>",
                one.0
            )),
            "{searched}"
        );
        // Pages: 5 per page, the next link goes on.
        let p1 = page(&s, &jar, "/certificates?limit=5&sort=name")
            .await
            .expect(200)
            .text();
        assert_eq!(table_rows(&p1, "certificates"), 5);
        assert!(
            p1.replace("&#38;", "&")
                .contains("href=\"/certificates?limit=5&sort=name&offset=5\" rel=\"next\""),
            "{p1}"
        );
        let sorted: Vec<&str> = p1
            .match_indices("<td class=\"nowrap name\"><a href=\"/certificates/prod/")
            .map(|(i, _)| {
                let rest = &p1[i + 25..];
                let name = &rest[rest.find("\">").unwrap() + 2..];
                name.split('<').next().unwrap()
            })
            .collect();
        let mut names: Vec<&str> = certs.iter().map(|c| c.1.as_str()).collect();
        names.sort_unstable();
        assert_eq!(sorted, names[..5].to_vec(), "sorted by name");

        // The CSV has every row of the filter (not a page) and the emulator's thumbprints.
        let csv = page(&s, &jar, "/certificates.csv?state=expired&limit=1")
            .await
            .expect(200);
        assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
        let text = csv.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.len() as u64,
            expired + 1,
            "a header and every expired row"
        );
        assert!(lines[0].starts_with("credential,vault,name,version,current"));
        for c in certs.iter().filter(|c| c.2 <= now) {
            assert!(
                text.contains(&c.3),
                "{} {}: its SHA-1 {} is in the CSV",
                c.0,
                c.1,
                c.3
            );
        }

        // A certificate's page has its fields and download links.
        let c = &certs[0];
        let detail = page(&s, &jar, &format!("/certificates/prod/{}/{}", c.0, c.1))
            .await
            .expect(200)
            .text();
        assert!(detail.contains(&c.3), "the SHA-1 is shown");
        assert!(detail.contains(&format!(
            "/api/v1/vaults/prod/{}/certificates/{}/export?version=",
            c.0, c.1
        )));
        let missing = page(&s, &jar, "/certificates/prod/kv-prod-web/no-such-cert").await;
        assert_eq!(missing.status, 404);
        s.finish().await;
    }
}

#[tokio::test]
async fn bad_query_strings_get_a_page_that_names_the_field() {
    for s in stacks("pages_bad_input").await {
        let jar = admin(&s).await;
        for (query, names) in [
            ("sort=colour", "sort"),
            ("order=sideways", "order"),
            ("limit=abc", "limit"),
            ("limit=100000", "limit"),
            ("offset=-1", "offset"),
            ("show=some", "show"),
            ("state=rotten", "state"),
            ("issuer_kind=martian", "issuer_kind"),
            ("expiring_within_days=99999999", "expiring_within_days"),
            ("colour=red", "colour"),
            ("search=%00", "NUL"),
            ("credential=nope", "nope"),
        ] {
            let r = page(&s, &jar, &format!("/certificates?{query}")).await;
            assert!((400..500).contains(&r.status), "{query}: {r:?}");
            assert!(r.text().contains(names), "{query}: {r:?}");
            assert!(r.header("content-type").unwrap().starts_with("text/html"));
        }
        let r = page(&s, &jar, "/no/such/page").await;
        assert_eq!(r.status, 404);
        assert!(r.text().contains("no such page"));
        s.finish().await;
    }
}

#[tokio::test]
async fn pages_have_no_inline_code_and_assets_are_cached_by_content_hash() {
    for s in stacks("pages_assets").await {
        let jar = admin(&s).await;
        let html = page(&s, &jar, "/dashboard").await.expect(200);
        let csp = html.header("content-security-policy").unwrap();
        assert!(!csp.contains("unsafe-inline") && csp.contains("script-src 'self'"));
        let text = html.text();
        assert!(!text.contains(" style="), "no inline style");
        for (i, _) in text.match_indices("<script") {
            let tag = &text[i..i + text[i..].find('>').unwrap()];
            assert!(tag.contains(" src=\"/assets/"), "no inline script: {tag}");
        }
        let assets: Vec<String> = text
            .match_indices("\"/assets/")
            .map(|(i, _)| text[i + 1..].split('"').next().unwrap().to_string())
            .collect();
        assert!(assets.len() >= 4, "{assets:?}");
        for a in &assets {
            let r = page(&s, &Jar::default(), a).await.expect(200);
            assert_eq!(
                r.header("cache-control").as_deref(),
                Some("public, max-age=31536000, immutable")
            );
        }
        let r = page(&s, &Jar::default(), "/assets/certkeep.000000000000.css").await;
        assert_eq!(r.status, 404);
        s.finish().await;
    }
}
