//! The "Manage", "Key Vault" and "Issuer" pages over HTTP: adding a credential with every bad
//! field shown next to it, Azure's refusal, vault and issuer sync checked against the
//! emulator, removal that leaves Azure untouched; and the auditor's read-only view, where
//! forcing an action gives 403.

use certkeep_engine::{Actor, NoProgress, Scope};
use serde_json::Value;

use crate::common::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SUBSCRIPTIONS, DEMO_TENANT, PROD_VAULTS, Stack, stacks,
};
use crate::web_client::{Jar, admin, form, page, sign_in, table_rows};

fn vaults_of(state: &Value, names: &[&str]) -> Vec<Value> {
    state["vaults"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| names.contains(&v["properties"]["name"].as_str().unwrap_or_default()))
        .cloned()
        .collect()
}

async fn add(s: &Stack, jar: &Jar, fields: &[(&str, &str)]) -> crate::common::Resp {
    let mut all = vec![("csrf", jar.csrf.as_str())];
    all.extend_from_slice(fields);
    form(s, jar, "/credentials", &all, None).await
}

#[tokio::test]
async fn manage_adds_a_credential_field_by_field_syncs_and_removes_it_leaving_azure_untouched() {
    for s in stacks("pages_manage").await {
        let jar = admin(&s).await;
        let empty = page(&s, &jar, "/credentials").await.expect(200).text();
        assert!(empty.contains("No credentials yet."));
        assert!(empty.contains("id=\"add-credential\""));

        // Every bad field at once, each next to its field; the good one has no error.
        let r = add(
            &s,
            &jar,
            &[
                ("name", "bad name!"),
                ("cloud", "emulator"),
                ("tenant_id", "nope"),
                ("subscription_id", ""),
                ("client_id", DEMO_CLIENT_ID),
                ("client_secret", ""),
            ],
        )
        .await;
        assert_eq!(r.status, 400, "{r:?}");
        let t = r.text();
        for f in ["name", "tenant_id", "subscription_id", "client_secret"] {
            assert!(
                t.contains(&format!("id=\"{f}-error\"")),
                "{f} has its error: {t}"
            );
            assert!(
                t.contains(&format!("aria-describedby=\"{f}-error\"")),
                "{f} is tied to it"
            );
        }
        assert!(!t.contains("id=\"client_id-error\""));
        assert!(t.contains("value=\"nope\""), "what was typed is kept");
        assert!(
            s.engine.list_credentials().await.unwrap().is_empty(),
            "nothing stored"
        );

        // Azure refuses a wrong key: the form says so, and the key is never echoed.
        let wrong = "canary-wrong-key-5f1c";
        let r = add(
            &s,
            &jar,
            &[
                ("name", "prod"),
                ("cloud", "emulator"),
                ("tenant_id", DEMO_TENANT),
                ("subscription_id", DEMO_SUBSCRIPTIONS[0]),
                ("client_id", DEMO_CLIENT_ID),
                ("client_secret", wrong),
            ],
        )
        .await;
        assert_eq!(r.status, 502, "{r:?}");
        assert!(r.text().contains("id=\"problem\""));
        assert!(!r.text().contains(wrong));
        assert!(s.engine.list_credentials().await.unwrap().is_empty());

        let r = add(
            &s,
            &jar,
            &[
                ("name", "prod"),
                ("cloud", "emulator"),
                ("tenant_id", DEMO_TENANT),
                ("subscription_id", DEMO_SUBSCRIPTIONS[0]),
                ("client_id", DEMO_CLIENT_ID),
                ("client_secret", DEMO_CLIENT_SECRET),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{r:?}");
        assert!(
            r.text()
                .contains("Added credential prod: 3 vaults imported"),
            "{r:?}"
        );
        assert!(
            !r.text().contains(DEMO_CLIENT_SECRET),
            "the key is never sent back"
        );
        let stored = s.engine.list_credentials().await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].subscription_id, DEMO_SUBSCRIPTIONS[0]);

        // The Key Vault tab lists the emulator's vaults of the subscription; Sync finds no change.
        let v = page(&s, &jar, "/vaults").await.expect(200).text();
        assert_eq!(table_rows(&v, "vaults"), PROD_VAULTS.len());
        for name in PROD_VAULTS {
            assert!(v.contains(&format!(">{name}</a>")), "{name}");
        }
        let r = form(
            &s,
            &jar,
            "/vaults/sync",
            &[("csrf", &jar.csrf), ("credential", "")],
            None,
        )
        .await
        .expect(200);
        assert!(
            r.text()
                .contains("prod: 0 new, 0 updated, 3 unchanged, 0 missing"),
            "{r:?}"
        );

        // Issuer: Sync for a chosen vault reads the emulator's issuers of that vault.
        let state = crate::common::emulator().state().await;
        let want = vaults_of(&state, &["kv-prod-web"])[0]["issuers"]
            .as_array()
            .unwrap()
            .len();
        let r = form(
            &s,
            &jar,
            "/issuers/sync",
            &[("csrf", &jar.csrf), ("vault", "prod/kv-prod-web")],
            None,
        )
        .await
        .expect(200);
        assert!(
            r.text()
                .contains(&format!("Issuers of kv-prod-web synced: {want} new")),
            "{r:?}"
        );
        assert_eq!(table_rows(&r.text(), "issuers"), want);
        let i = page(&s, &jar, "/issuers?vault=prod/kv-prod-web")
            .await
            .expect(200)
            .text();
        assert_eq!(table_rows(&i, "issuers"), want);

        // Removal asks first, names what is forgotten, and changes nothing in Azure.
        s.engine
            .discover_certificates(&Actor::user("setup"), &Scope::default(), true, &NoProgress)
            .await
            .expect("discovery");
        let versions: usize = vaults_of(&state, &PROD_VAULTS)
            .iter()
            .flat_map(|v| v["certificates"].as_array().unwrap().iter())
            .map(|c| c["versions"].as_array().unwrap().len())
            .sum();
        let confirm = page(&s, &jar, "/credentials/prod/remove")
            .await
            .expect(200)
            .text();
        assert!(
            confirm.contains(&format!(
                "its 3 vaults and the {versions} certificate versions"
            )),
            "{confirm}"
        );
        assert!(confirm.contains("Nothing is changed in Azure"));
        let before = vaults_of(&crate::common::emulator().state().await, &PROD_VAULTS);
        let r = form(
            &s,
            &jar,
            "/credentials/prod/remove",
            &[("csrf", &jar.csrf)],
            None,
        )
        .await
        .expect(200);
        assert!(
            r.text()
                .contains(&format!("{versions} certificate versions")),
            "{r:?}"
        );
        assert!(s.engine.list_credentials().await.unwrap().is_empty());
        let after = vaults_of(&crate::common::emulator().state().await, &PROD_VAULTS);
        assert_eq!(before, after, "Azure is untouched");
        s.finish().await;
    }
}

#[tokio::test]
async fn the_auditor_sees_no_action_and_forcing_one_is_refused() {
    for s in stacks("pages_auditor").await {
        let api_admin = s.admin().await;
        let auditor = s.user(&api_admin, "audrey", "auditor").await;
        let operator = s.user(&api_admin, "oscar", "operator").await;
        s.add_demo_credential("prod").await;
        let (jar, _) = sign_in(&s, "audrey", &auditor.password).await;

        let v = page(&s, &jar, "/vaults").await.expect(200).text();
        assert_eq!(
            table_rows(&v, "vaults"),
            PROD_VAULTS.len(),
            "the auditor reads"
        );
        assert!(!v.contains("action=\"/vaults/sync\""), "no Sync button");
        let c = page(&s, &jar, "/credentials").await.expect(200).text();
        assert!(
            !c.contains("id=\"add-credential\"")
                && !c.contains("Rotate key")
                && !c.contains("/remove")
        );
        let i = page(&s, &jar, "/issuers").await.expect(200).text();
        assert!(!i.contains("action=\"/issuers/sync\""));

        // Forcing the actions: 403 each, and nothing changed.
        let csrf = jar.csrf.clone();
        for (path, fields) in [
            ("/vaults/sync", vec![("csrf", csrf.as_str())]),
            (
                "/issuers/sync",
                vec![("csrf", csrf.as_str()), ("vault", "prod/kv-prod-web")],
            ),
            ("/credentials", vec![("csrf", csrf.as_str()), ("name", "x")]),
            (
                "/credentials/prod/secret",
                vec![("csrf", csrf.as_str()), ("client_secret", "x")],
            ),
            ("/credentials/prod/remove", vec![("csrf", csrf.as_str())]),
            ("/discovery", vec![("csrf", csrf.as_str())]),
            (
                "/requests",
                vec![
                    ("csrf", csrf.as_str()),
                    ("vault", "prod/kv-prod-web"),
                    ("name", "x"),
                    ("common_name", "x.contoso.com"),
                ],
            ),
            ("/requests/poll", vec![("csrf", csrf.as_str())]),
            (
                "/requests/obtain",
                vec![
                    ("csrf", csrf.as_str()),
                    ("credential", "prod"),
                    ("vault", "kv-prod-web"),
                    ("name", "www-prod"),
                ],
            ),
            (
                "/secrets/prod/kv-prod-web/www-prod/rediscover",
                vec![("csrf", csrf.as_str())],
            ),
            (
                "/secrets/prod/kv-prod-web/www-prod/obtain-certificate",
                vec![("csrf", csrf.as_str())],
            ),
            (
                "/secrets/prod/kv-prod-web/www-prod/delete",
                vec![("csrf", csrf.as_str())],
            ),
            (
                "/secrets/prod/kv-prod-web/www-prod",
                vec![("csrf", csrf.as_str()), ("enabled", "true")],
            ),
        ] {
            let r = form(&s, &jar, path, &fields, None).await;
            assert_eq!(r.status, 403, "{path}: {r:?}");
        }
        for path in [
            "/credentials/prod/remove",
            "/requests/new",
            "/secrets/new",
            "/secrets/prod/kv-prod-web/www-prod/edit",
            "/secrets/prod/kv-prod-web/www-prod/delete",
        ] {
            assert_eq!(page(&s, &jar, path).await.status, 403, "{path}");
        }
        for path in [
            "/requests",
            "/secrets",
            "/discovery",
            "/audit",
            "/dashboard",
        ] {
            let t = page(&s, &jar, path).await.expect(200).text();
            assert!(
                !t.contains("method=\"post\" action=\"/")
                    || t.matches("method=\"post\"").count() == 1,
                "{path}: only the sign-out form"
            );
        }
        assert_eq!(s.engine.list_credentials().await.unwrap().len(), 1);

        // The operator syncs, but credentials are the admin's.
        let (op, _) = sign_in(&s, "oscar", &operator.password).await;
        let v = page(&s, &op, "/vaults").await.expect(200).text();
        assert!(v.contains("action=\"/vaults/sync\""));
        form(&s, &op, "/vaults/sync", &[("csrf", &op.csrf)], None)
            .await
            .expect(200);
        let r = form(
            &s,
            &op,
            "/credentials/prod/remove",
            &[("csrf", &op.csrf)],
            None,
        )
        .await;
        assert_eq!(r.status, 403);
        assert_eq!(s.engine.list_credentials().await.unwrap().len(), 1);
        s.finish().await;
    }
}
