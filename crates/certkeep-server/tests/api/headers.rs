//! Security headers on every kind of answer (API success and errors, downloads, the OpenAPI
//! document, the docs and their assets, health): a CSP without `unsafe-inline` and with
//! `frame-ancestors 'none'`, `nosniff`, a `Referrer-Policy`, no framing, `Cache-Control:
//! no-store` on `/api/`, no HSTS over plain HTTP; and docs pages that need no inline code.

use reqwest::Method;
use serde_json::json;

use crate::common::{Resp, Who, stacks};

fn problems(r: &Resp) -> Vec<String> {
    let mut out = Vec::new();
    let csp = r.header("content-security-policy").unwrap_or_default();
    if csp.is_empty() {
        out.push("no Content-Security-Policy".into());
    }
    for bad in ["unsafe-inline", "unsafe-eval", "*"] {
        if csp.split([' ', ';']).any(|t| t.trim_matches('\'') == bad) {
            out.push(format!("CSP allows {bad}: {csp}"));
        }
    }
    if !csp.split(';').any(|d| d.trim() == "frame-ancestors 'none'") {
        out.push(format!("CSP without frame-ancestors 'none': {csp}"));
    }
    if !csp.split(';').any(|d| d.trim().starts_with("default-src")) {
        out.push(format!("CSP without default-src: {csp}"));
    }
    if r.header("x-content-type-options").as_deref() != Some("nosniff") {
        out.push(format!(
            "X-Content-Type-Options: {:?}",
            r.header("x-content-type-options")
        ));
    }
    match r.header("referrer-policy").as_deref() {
        Some(
            "no-referrer" | "same-origin" | "strict-origin" | "strict-origin-when-cross-origin",
        ) => {}
        other => out.push(format!("Referrer-Policy: {other:?}")),
    }
    if r.header("x-frame-options").as_deref() != Some("DENY") {
        out.push(format!(
            "X-Frame-Options: {:?}",
            r.header("x-frame-options")
        ));
    }
    if r.header("strict-transport-security").is_some() {
        out.push("HSTS over plain HTTP".into());
    }
    if r.header("x-request-id")
        .is_none_or(|id| uuid::Uuid::parse_str(&id).is_err())
    {
        out.push(format!("X-Request-Id: {:?}", r.header("x-request-id")));
    }
    if r.path.starts_with("/api/") {
        let cc = r.header("cache-control").unwrap_or_default();
        if !cc.split(',').any(|d| d.trim() == "no-store") {
            out.push(format!("Cache-Control: {cc:?}"));
        }
    }
    out
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    for s in stacks("security_headers").await {
        let admin = s.admin().await;
        s.demo_estate().await;
        let a = Who::Session(admin.clone());
        let big = format!("{{\"credential\":\"{}\"}}", "x".repeat(300 * 1024));
        let cert = "www-prod";
        let answers = vec![
            s.get(&Who::Anon, "/api/v1/session").await.expect(401),
            s.login("admin", "wrong-password-here").await.expect(401),
            s.get(&a, "/api/v1/session").await.expect(200),
            s.get(&a, "/api/v1/certificates").await.expect(200),
            s.get(&a, "/api/v1/certificates?limit=0").await.expect(400),
            s.get(&a, "/api/v1/nothing-here").await.expect(404),
            s.call(&a, Method::PUT, "/api/v1/users", Some(json!({})))
                .await
                .expect(405),
            s.send(
                s.request(&a, Method::POST, "/api/v1/vaults/sync")
                    .header("content-type", "application/json")
                    .body(big),
            )
            .await
            .expect(413),
            s.send(
                s.request(&a, Method::POST, "/api/v1/vaults/sync")
                    .body("{}"),
            )
            .await
            .expect(415),
            s.call(
                &Who::Session(admin.clone()),
                Method::GET,
                &format!("/api/v1/vaults/prod/kv-prod-web/certificates/{cert}/export"),
                None,
            )
            .await
            .expect(200),
            s.get(
                &a,
                &format!("/api/v1/vaults/prod/kv-prod-web/certificates/{cert}/export?format=der"),
            )
            .await
            .expect(200),
            s.get(&Who::Anon, "/api/openapi.json").await.expect(200),
            s.get(&Who::Anon, "/api/docs").await,
            s.get(&Who::Anon, "/api/docs/").await.expect(200),
            s.get(&Who::Anon, "/api/docs/swagger-initializer.js")
                .await
                .expect(200),
            s.get(&Who::Anon, "/api/docs/swagger-ui.css")
                .await
                .expect(200),
            s.get(&Who::Anon, "/healthz").await.expect(200),
            s.get(&Who::Anon, "/readyz").await.expect(200),
            s.get(&Who::Anon, "/").await,
        ];
        let mut wrong = Vec::new();
        for r in &answers {
            let p = problems(r);
            if !p.is_empty() {
                wrong.push(format!(
                    "{} {} {}: {}",
                    r.method,
                    r.path,
                    r.status,
                    p.join("; ")
                ));
            }
        }
        assert!(wrong.is_empty(), "{}:\n{}", s.backend, wrong.join("\n"));
        // The docs redirect to their page.
        let redirect = &answers[12];
        assert!((300..400).contains(&redirect.status), "{redirect:?}");
        // Error answers are JSON, never sniffed as HTML.
        for r in &answers[..9] {
            if r.status >= 400 && r.status != 405 {
                assert!(
                    r.header("content-type")
                        .is_some_and(|c| c.starts_with("application/json")),
                    "{}: {r:?}",
                    s.backend
                );
            }
        }
        // Downloads say what they are, and are attachments.
        let pem = &answers[9];
        assert_eq!(
            pem.header("content-type").as_deref(),
            Some("application/x-pem-file")
        );
        assert!(
            pem.header("content-disposition")
                .is_some_and(|d| d.starts_with("attachment;")),
            "{pem:?}"
        );
        s.finish().await;
    }
}

#[tokio::test]
async fn the_docs_page_needs_no_inline_code() {
    let s = stacks("docs_inline").await.into_iter().next().unwrap();
    let page = s.get(&Who::Anon, "/api/docs/").await.expect(200);
    assert!(
        page.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{page:?}"
    );
    let html = page.text().to_ascii_lowercase();
    // Every script is a file from this origin; no inline script, style block or handler.
    let mut scripts = 0;
    for tag in html.split("<script").skip(1) {
        scripts += 1;
        let open = tag.split('>').next().unwrap_or_default();
        assert!(open.contains("src="), "an inline <script{open}>");
        assert!(
            !open.contains("src=\"http") && !open.contains("src=\"//"),
            "a script from elsewhere: {open}"
        );
        let body = tag.split_once('>').map(|(_, b)| b).unwrap_or_default();
        let inner = body.split("</script>").next().unwrap_or_default();
        assert!(
            inner.trim().is_empty(),
            "inline code in a script tag: {inner}"
        );
    }
    assert!(scripts >= 1, "{html}");
    assert!(!html.contains("<style"), "an inline style block");
    assert!(!html.contains("javascript:"), "a javascript: URL");
    for attr in [" onload=", " onclick=", " onerror="] {
        assert!(!html.contains(attr), "an inline handler {attr}");
    }
    // The assets the page loads are served (from this origin).
    for asset in [
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-initializer.js",
        "swagger-ui.css",
    ] {
        if html.contains(asset) {
            s.get(&Who::Anon, &format!("/api/docs/{asset}"))
                .await
                .expect(200);
        }
    }
    // The initializer points at this server's document.
    let init = s
        .get(&Who::Anon, "/api/docs/swagger-initializer.js")
        .await
        .expect(200);
    assert!(init.text().contains("/api/openapi.json"), "{}", init.text());
    s.finish().await;
}

#[tokio::test]
async fn a_plain_request_id_is_kept_and_logged_and_any_other_is_replaced() {
    for s in stacks("request_ids").await {
        let given = "proxy-7f3a.b_1";
        let kept = s
            .send(
                s.request(&Who::Anon, Method::GET, "/healthz")
                    .header("x-request-id", given),
            )
            .await
            .expect(200);
        assert_eq!(kept.header("x-request-id").as_deref(), Some(given));
        assert!(
            crate::common::logs().contains(given),
            "{}: the request line carries the id",
            s.backend
        );
        for bad in ["two words", "x".repeat(65).as_str(), "<script>"] {
            let replaced = s
                .send(
                    s.request(&Who::Anon, Method::GET, "/healthz")
                        .header("x-request-id", bad),
                )
                .await
                .expect(200);
            let id = replaced.header("x-request-id").unwrap_or_default();
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{bad:?} became {id:?}");
        }
    }
}
