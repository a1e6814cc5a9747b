//! "Request Certificate" and "Request Status" over HTTP: a request with advanced options (key
//! usage and EKU, both critical) reaches Key Vault's policy as asked, field errors are shown
//! next to their fields with nothing sent, "Obtain Certificate" reads the issued version; a
//! request to an Unknown issuer is completed by downloading its CSR, signing it with a test CA
//! and uploading the result (merge), checked against the emulator.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::common::{Resp, Stack, Who, multipart, quick_stacks};
use crate::estate::TestCa;
use crate::web_client::{Jar, admin, form, page};

const VAULT: &str = "kv-prod-web";

async fn emulated(s: &Stack, name: &str) -> Value {
    crate::web_client::emulated_certificate(s, VAULT, name).await
}

async fn request(s: &Stack, jar: &Jar, fields: &[(&str, &str)]) -> Resp {
    let mut all = vec![("csrf", jar.csrf.as_str()), ("vault", "prod/kv-prod-web")];
    all.extend_from_slice(fields);
    form(s, jar, "/requests", &all, None).await
}

/// Waits until the emulator has issued a version of `name`.
async fn issued(s: &Stack, name: &str) -> Value {
    for _ in 0..200 {
        let c = emulated(s, name).await;
        let done = c["pending"].is_null() || c["pending"]["status"] == "completed";
        if c["versions"].as_array().is_some_and(|v| !v.is_empty()) && done {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} was never issued: {}", emulated(s, name).await);
}

#[tokio::test]
async fn a_request_with_advanced_options_reaches_key_vault_and_is_obtained() {
    for s in quick_stacks("pages_requests", 1.0).await {
        s.add_demo_credential("prod").await;
        let jar = admin(&s).await;
        let blank = page(&s, &jar, "/requests/new").await.expect(200).text();
        assert!(blank.contains("Advanced Options") && blank.contains("name=\"ku_critical\""));

        // Bad fields: each shown next to itself, nothing sent to Key Vault.
        let r = request(
            &s,
            &jar,
            &[
                ("name", "bad name"),
                ("common_name", "web.contoso.com"),
                ("country", "Netherlands"),
                ("validity_months", "abc"),
            ],
        )
        .await;
        assert_eq!(r.status, 400, "{r:?}");
        let t = r.text();
        for f in ["name", "country", "validity_months"] {
            assert!(t.contains(&format!("id=\"{f}-error\"")), "{f}: {t}");
        }
        assert!(!t.contains("id=\"common_name-error\""));
        assert!(
            t.contains("value=\"web.contoso.com\""),
            "what was typed is kept"
        );
        assert!(emulated(&s, "bad name").await.is_null());

        let r = request(
            &s,
            &jar,
            &[
                ("name", "web-ui"),
                ("common_name", "web.contoso.com"),
                ("sans", "web.contoso.com, alt.contoso.com"),
                ("key", "EC"),
                ("curve", "P-384"),
                ("country", "NL"),
                ("validity_months", "6"),
                ("key_usage", "digitalSignature"),
                ("ku_critical", "true"),
                ("eku", "1.3.6.1.5.5.7.3.1"),
                ("eku", "1.3.6.1.5.5.7.3.2"),
                ("eku_critical", "true"),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{r:?}");
        assert!(
            r.text().contains("Requested web-ui in kv-prod-web"),
            "{r:?}"
        );
        let policy = emulated(&s, "web-ui").await["policy"].to_string();
        for want in [
            "digitalSignature",
            "1.3.6.1.5.5.7.3.1",
            "1.3.6.1.5.5.7.3.2",
            "P-384",
            "alt.contoso.com",
        ] {
            assert!(policy.contains(want), "{want} in the policy: {policy}");
        }
        let status = page(&s, &jar, "/requests?name=web-ui")
            .await
            .expect(200)
            .text();
        assert!(status.contains(">web-ui</a>") && status.contains("Obtain Certificate"));

        // Once Key Vault has issued it, "Obtain Certificate" reads it into the inventory.
        let c = issued(&s, "web-ui").await;
        let r = form(
            &s,
            &jar,
            "/requests/obtain",
            &[
                ("csrf", &jar.csrf),
                ("credential", "prod"),
                ("vault", VAULT),
                ("name", "web-ui"),
            ],
            None,
        )
        .await
        .expect(200);
        assert!(
            r.text().contains("Obtained web-ui from kv-prod-web:"),
            "{r:?}"
        );
        let detail = page(&s, &jar, &format!("/certificates/prod/{VAULT}/web-ui"))
            .await
            .expect(200)
            .text();
        let version = c["versions"][0]["version"].as_str().unwrap();
        assert!(
            detail.contains(version),
            "the issued version {version} is in Certkeep"
        );
        assert!(detail.contains("EC P-384"));
        s.finish().await;
    }
}

#[tokio::test]
async fn an_unknown_issuer_request_is_merged_from_an_uploaded_certificate() {
    for s in quick_stacks("pages_merge", 1.0).await {
        s.add_demo_credential("prod").await;
        let jar = admin(&s).await;
        let r = request(
            &s,
            &jar,
            &[
                ("name", "ext-ca"),
                ("common_name", "ext.contoso.com"),
                ("issuer", "Unknown"),
                ("validity_months", "12"),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{r:?}");
        assert!(
            r.text()
                .contains("download the CSR, sign it with your CA, and merge the result")
        );
        let list = page(&s, &jar, "/requests?name=ext-ca")
            .await
            .expect(200)
            .text();
        let at = list.find("/api/v1/requests/").expect("a CSR link") + "/api/v1/requests/".len();
        let id = list[at..].split('/').next().unwrap().to_string();
        assert!(list.contains(&format!("action=\"/requests/{id}/merge\"")));

        // The CSR, as the page's link downloads it (the session cookie works for it).
        let csr = s
            .send(
                s.request(
                    &Who::Anon,
                    Method::GET,
                    &format!("/api/v1/requests/{id}/csr"),
                )
                .header("cookie", format!("certkeep_session={}", jar.session)),
            )
            .await
            .expect(200)
            .text();
        assert!(
            csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----"),
            "{csr}"
        );
        let signed = TestCa::new().sign(&csr);

        let upload = |fields: Vec<(&'static str, String)>, file: Option<Vec<u8>>| {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (ct, body) = multipart(&fields, file.as_deref());
            s.request(&Who::Anon, Method::POST, &format!("/requests/{id}/merge"))
                .header(
                    "cookie",
                    format!(
                        "certkeep_session={}; certkeep_csrf={}",
                        jar.session, jar.csrf
                    ),
                )
                .header("content-type", ct)
                .body(body)
        };
        // Without the token: refused. Without a file, or with garbage: the page says why.
        let r = s
            .send(upload(
                vec![("csrf", "nope".into())],
                Some(signed.clone().into_bytes()),
            ))
            .await;
        assert_eq!(r.status, 403);
        let r = s.send(upload(vec![("csrf", jar.csrf.clone())], None)).await;
        assert!(r.text().contains("signed certificate to upload"), "{r:?}");
        let r = s
            .send(upload(
                vec![("csrf", jar.csrf.clone())],
                Some(b"not a certificate".to_vec()),
            ))
            .await;
        assert!((400..500).contains(&r.status), "{r:?}");
        assert!(
            emulated(&s, "ext-ca").await["versions"]
                .as_array()
                .is_none_or(|v| v.is_empty())
        );

        let r = s
            .send(upload(
                vec![("csrf", jar.csrf.clone())],
                Some(signed.into_bytes()),
            ))
            .await
            .expect(200);
        assert!(r.text().contains("Merged into ext-ca: completed"), "{r:?}");
        let c = emulated(&s, "ext-ca").await;
        assert_eq!(
            c["versions"].as_array().map(Vec::len),
            Some(1),
            "Key Vault has the merged version: {c}"
        );
        assert!(
            c["pending"].is_null() || c["pending"]["status"] == "completed",
            "{c}"
        );
        s.finish().await;
    }
}
