//! Bulk "Renew" and "Delete" from the Certificates tab over HTTP: each asks first and states
//! the count; Renew starts a job whose page gives every refusal its reason (checked against
//! the emulator's pending operations); Delete forgets in Certkeep and leaves Azure untouched;
//! the auditor gets neither.

use std::time::Duration;

use certkeep_engine::Scope;
use certkeep_engine::views::CertificateQuery;
use serde_json::Value;

use crate::common::{Stack, quick_stacks};
use crate::web_client::{Jar, admin, form, location, page, sign_in};

const VAULT: &str = "kv-prod-web";

async fn names_with_issuer(s: &Stack, issuer: &str) -> Vec<String> {
    s.engine
        .list_certificates(&CertificateQuery {
            scope: Scope::vault("prod", VAULT),
            issuer: Some(issuer.into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.name)
        .collect()
}

/// The emulator's certificate `name` in the vault (of this stack's own emulator).
async fn emulated(s: &Stack, name: &str) -> Value {
    crate::web_client::emulated_certificate(s, VAULT, name).await
}

async fn versions_of(s: &Stack, name: &str) -> usize {
    emulated(s, name).await["versions"]
        .as_array()
        .map_or(0, Vec::len)
}

fn ids(names: &[String]) -> Vec<String> {
    names.iter().map(|n| format!("prod/{VAULT}/{n}")).collect()
}

async fn post(
    s: &Stack,
    jar: &Jar,
    path: &str,
    extra: &[(&str, &str)],
    ids: &[String],
) -> crate::common::Resp {
    let mut fields: Vec<(&str, &str)> = vec![("csrf", &jar.csrf)];
    fields.extend_from_slice(extra);
    for i in ids {
        fields.push(("id", i));
    }
    form(s, jar, path, &fields, None).await
}

#[tokio::test]
async fn renew_asks_first_and_shows_each_refusal_and_delete_leaves_azure_untouched() {
    // Self issuances take 3 s: long enough to see the job running.
    for s in quick_stacks("pages_bulk", 3.0).await {
        s.demo_estate().await;
        let jar = admin(&s).await;
        let listing = page(&s, &jar, "/certificates").await.expect(200).text();
        assert!(
            listing.contains("action=\"/certificates/bulk\"") && listing.contains("name=\"id\"")
        );

        let self_signed: Vec<String> = names_with_issuer(&s, "Self")
            .await
            .into_iter()
            .take(2)
            .collect();
        let unknown: Vec<String> = names_with_issuer(&s, "Unknown")
            .await
            .into_iter()
            .take(1)
            .collect();
        assert_eq!(
            (self_signed.len(), unknown.len()),
            (2, 1),
            "the demo vault has both"
        );
        let chosen: Vec<String> = ids(&[self_signed.clone(), unknown.clone()].concat());

        // The confirmation states the count and changes nothing.
        let r = post(
            &s,
            &jar,
            "/certificates/bulk",
            &[("action", "renew")],
            &chosen,
        )
        .await
        .expect(200);
        assert!(r.text().contains("Renew 3 certificates?"), "{r:?}");
        assert_eq!(r.text().matches("name=\"id\"").count(), 3);
        assert!(emulated(&s, &self_signed[0]).await["pending"].is_null());
        let r = post(&s, &jar, "/certificates/bulk", &[("action", "renew")], &[]).await;
        assert_eq!(r.status, 400, "nothing chosen");
        let r = post(
            &s,
            &jar,
            "/certificates/bulk",
            &[("action", "explode")],
            &chosen,
        )
        .await;
        assert_eq!(r.status, 400);

        // A bad validity is shown next to its field, and nothing starts.
        for bad in ["abc", "0"] {
            let r = post(
                &s,
                &jar,
                "/certificates/renew",
                &[("validity_months", bad)],
                &chosen,
            )
            .await;
            assert_eq!(r.status, 400, "{bad}: {r:?}");
            assert!(
                r.text().contains("id=\"validity_months-error\""),
                "{bad}: {r:?}"
            );
        }
        assert!(emulated(&s, &self_signed[0]).await["pending"].is_null());

        let versions_before = [
            versions_of(&s, &self_signed[0]).await,
            versions_of(&s, &self_signed[1]).await,
        ];
        let unknown_before = emulated(&s, &unknown[0]).await;
        let r = post(
            &s,
            &jar,
            "/certificates/renew",
            &[("validity_months", "6")],
            &chosen,
        )
        .await;
        assert_eq!(r.status, 303, "{r:?}");
        let job_url = location(&r);
        let id = job_url
            .strip_prefix("/jobs/")
            .expect("a job page")
            .to_string();
        // The job waits for Key Vault's issuances.
        for _ in 0..300 {
            let pending = [
                emulated(&s, &self_signed[0]).await,
                emulated(&s, &self_signed[1]).await,
            ];
            if pending.iter().all(|c| !c["pending"].is_null()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let running = page(&s, &jar, &job_url).await.expect(200).text();
        assert!(
            running.contains("hx-trigger=\"every 1s\""),
            "a running job's page follows it"
        );
        let mut job = s.engine.show_job(&id).await.unwrap();
        for _ in 0..600 {
            if !matches!(job.status.as_str(), "queued" | "running") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            job = s.engine.show_job(&id).await.unwrap();
        }
        let p = page(&s, &jar, &job_url).await.expect(200).text();
        assert!(
            !p.contains("hx-trigger"),
            "a finished job stops polling: {job:?}"
        );
        for (name, before) in self_signed.iter().zip(versions_before) {
            assert!(
                p.contains(&format!(
                    ">{VAULT}/{name}</td><td><span class=\"badge healthy\">completed"
                )),
                "{name}: {p}"
            );
            assert_eq!(
                versions_of(&s, name).await,
                before + 1,
                "{name} has a new version in Key Vault"
            );
        }
        let refused = format!(
            "{VAULT}/{}</td><td><span class=\"badge expired\">refused</span></td><td>",
            unknown[0]
        );
        let at = p
            .find(&refused)
            .unwrap_or_else(|| panic!("{} is refused: {p}", unknown[0]));
        let reason = p[at + refused.len()..].split('<').next().unwrap();
        assert!(!reason.is_empty(), "the refusal says why");
        assert_eq!(
            emulated(&s, &unknown[0]).await,
            unknown_before,
            "nothing asked of Key Vault"
        );

        // Delete: asks, says Azure is untouched, forgets only in Certkeep.
        let gone: Vec<String> = ids(&self_signed);
        let before = [
            emulated(&s, &self_signed[0]).await,
            emulated(&s, &self_signed[1]).await,
        ];
        let r = post(
            &s,
            &jar,
            "/certificates/bulk",
            &[("action", "delete")],
            &gone,
        )
        .await
        .expect(200);
        assert!(r.text().contains("Delete 2 certificates from Certkeep?"));
        assert!(r.text().contains("Azure is untouched"));
        let r = post(&s, &jar, "/certificates/delete", &[], &gone)
            .await
            .expect(200);
        assert!(r.text().contains("2 certificates ("), "{r:?}");
        assert!(r.text().contains("Nothing was changed in Azure"));
        for name in &self_signed {
            let left = s
                .engine
                .count_certificates(&CertificateQuery {
                    scope: Scope::vault("prod", VAULT),
                    name: Some(name.clone()),
                    show: certkeep_engine::views::ShowVersions::All,
                    include_missing: true,
                    ..Default::default()
                })
                .await
                .unwrap();
            assert_eq!(left, 0, "{name} is forgotten");
        }
        let after = [
            emulated(&s, &self_signed[0]).await,
            emulated(&s, &self_signed[1]).await,
        ];
        assert_eq!(before, after, "Key Vault still has them, unchanged");
        s.finish().await;
    }
}

#[tokio::test]
async fn the_auditor_has_no_bulk_actions() {
    for s in crate::common::stacks("pages_bulk_auditor").await {
        let api_admin = s.admin().await;
        let auditor = s.user(&api_admin, "audrey", "auditor").await;
        s.demo_estate().await;
        let (jar, _) = sign_in(&s, "audrey", &auditor.password).await;
        let listing = page(&s, &jar, "/certificates").await.expect(200).text();
        assert!(
            !listing.contains("action=\"/certificates/bulk\"") && !listing.contains("name=\"id\"")
        );
        let chosen = vec![format!("prod/{VAULT}/www-prod")];
        for path in [
            "/certificates/bulk",
            "/certificates/renew",
            "/certificates/delete",
        ] {
            let r = post(
                &s,
                &jar,
                path,
                &[("action", "delete"), ("validity_months", "6")],
                &chosen,
            )
            .await;
            assert_eq!(r.status, 403, "{path}: {r:?}");
        }
        let left = s
            .engine
            .count_certificates(&CertificateQuery {
                scope: Scope::vault("prod", VAULT),
                name: Some("www-prod".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(left, 1);
        s.finish().await;
    }
}
