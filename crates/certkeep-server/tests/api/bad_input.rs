//! Bad input: every mistake gets a 4xx naming it — bad JSON, a wrong type, an unknown or a
//! missing field (400 with `code` and `field`), a body over 256 KiB (413 `payload_too_large`,
//! with or without a Content-Length), a body that is not JSON (415), bad query parameters (400
//! naming the parameter) — and no input at all gives a 500.

use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::common::{Resp, Stack, Who, fresh_password, stacks};

const LIMIT: usize = 256 * 1024;

async fn raw(
    s: &Stack,
    who: &Who,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> Resp {
    let mut b = s.request(who, method, path).body(body.to_string());
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    s.send(b).await
}

#[tokio::test]
async fn bad_json_bodies_get_400_with_the_code_and_the_field() {
    for s in stacks("bad_json").await {
        let admin = Who::Session(s.admin().await);
        let users_before = s.store.count_users().await.unwrap();
        let pw = fresh_password();
        // (path, body, code, field)
        let cases: Vec<(&str, String, &str, Option<&str>)> = vec![
            ("/api/v1/users", "{".into(), "invalid_json", None),
            ("/api/v1/users", "".into(), "invalid_json", None),
            ("/api/v1/users", "{\"username\":\"a\",}".into(), "invalid_json", None),
            ("/api/v1/users", format!("{{\"username\":\"x1\",\"password\":\"{pw}\",\"role\":\"auditor\"}} trailing"), "invalid_json", None),
            ("/api/v1/users", format!("{{\"username\":5,\"password\":\"{pw}\",\"role\":\"auditor\"}}"), "invalid_input", Some("username")),
            ("/api/v1/users", format!("{{\"username\":\"x2\",\"password\":[\"{pw}\"],\"role\":\"auditor\"}}"), "invalid_input", Some("password")),
            ("/api/v1/users", format!("{{\"username\":\"x3\",\"password\":\"{pw}\",\"role\":\"auditor\",\"admin\":true}}"), "invalid_input", Some("admin")),
            ("/api/v1/users", "{\"username\":\"x4\",\"role\":\"auditor\"}".into(), "invalid_input", Some("password")),
            ("/api/v1/users", format!("{{\"username\":\"x5\",\"password\":\"{pw}\",\"role\":\"root\"}}"), "invalid_input", Some("role")),
            ("/api/v1/users", "[]".into(), "invalid_input", None),
            ("/api/v1/users", "null".into(), "invalid_input", None),
            ("/api/v1/tokens", "{\"name\":\"t\",\"role\":\"auditor\",\"expires_in_days\":\"7\"}".into(), "invalid_input", Some("expires_in_days")),
            ("/api/v1/tokens", "{\"name\":\"t\",\"role\":\"auditor\",\"expires_in_days\":1e400}".into(), "invalid_json", Some("expires_in_days")),
            ("/api/v1/tokens", "{\"name\":\"t\",\"role\":\"auditor\",\"expires_in_days\":99999999999999999999}".into(), "invalid_input", Some("expires_in_days")),
            ("/api/v1/tokens", "{\"name\":\"t\",\"role\":\"auditor\"}".into(), "invalid_input", Some("expires_in_days")),
            ("/api/v1/session", "{\"username\":\"admin\"}".into(), "invalid_input", Some("password")),
            ("/api/v1/session", "{\"username\":\"admin\",\"password\":\"x\",\"remember\":true}".into(), "invalid_input", Some("remember")),
            ("/api/v1/credentials", "{\"name\":\"c\",\"tenant_id\":\"t\",\"subscription_id\":\"s\",\"client_id\":\"c\"}".into(), "invalid_input", Some("client_secret")),
            ("/api/v1/credentials", "{\"name\":\"c\",\"tenant_id\":\"not-a-guid\",\"subscription_id\":\"s\",\"client_id\":\"c\",\"client_secret\":\"x\"}".into(), "invalid_input", Some("tenant_id")),
            ("/api/v1/vaults/sync", "{\"credential\":7}".into(), "invalid_input", Some("credential")),
            ("/api/v1/vaults/sync", "{\"credentials\":\"prod\"}".into(), "invalid_input", Some("credentials")),
            ("/api/v1/session/password", "{\"current_password\":\"x\"}".into(), "invalid_input", Some("new_password")),
        ];
        let mut wrong = Vec::new();
        for (path, body, code, field) in &cases {
            let r = raw(
                &s,
                &admin,
                Method::POST,
                path,
                Some("application/json"),
                body,
            )
            .await;
            // (Where a syntax error is, is `syntax_errors_name_no_field`'s business.)
            let field_ok =
                r.field().as_deref() == *field || (*code == "invalid_json" && field.is_none());
            let ok = r.status == 400
                && r.json()["error"]["code"] == *code
                && field_ok
                && r.json()["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty());
            if !ok {
                wrong.push(format!(
                    "{path} {}: want 400 {code} {field:?}, got {r:?}",
                    &body[..body.len().min(80)]
                ));
            }
        }
        // PATCH and PUT too.
        let id = s
            .store
            .find_user_by_name("admin")
            .await
            .unwrap()
            .unwrap()
            .id;
        for (method, path, body, field) in [
            (
                Method::PATCH,
                format!("/api/v1/users/{}", id.as_str()),
                "{\"disabled\":\"yes\"}",
                Some("disabled"),
            ),
            (
                Method::PATCH,
                format!("/api/v1/users/{}", id.as_str()),
                "{\"rol\":\"admin\"}",
                Some("rol"),
            ),
            (
                Method::PATCH,
                format!("/api/v1/users/{}", id.as_str()),
                "{}",
                Some("body"),
            ),
            (
                Method::PUT,
                "/api/v1/credentials/prod/secret".into(),
                "{\"secret\":\"x\"}",
                Some("secret"),
            ),
            (
                Method::PUT,
                "/api/v1/credentials/prod/secret".into(),
                "{}",
                Some("client_secret"),
            ),
        ] {
            let r = raw(&s, &admin, method, &path, Some("application/json"), body).await;
            if r.status != 400 || r.field().as_deref() != field {
                wrong.push(format!("{path} {body}: want 400 {field:?}, got {r:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}:\n{}", s.backend, wrong.join("\n"));
        assert_eq!(
            s.store.count_users().await.unwrap(),
            users_before,
            "{}",
            s.backend
        );
        assert!(s.store.list_api_tokens(None).await.unwrap().is_empty());
        s.finish().await;
    }
}

#[tokio::test]
async fn syntax_errors_name_no_field() {
    for s in stacks("syntax_no_field").await {
        let admin = Who::Session(s.admin().await);
        for body in ["{", "{\"username\":\"a\",}", "", "{\"username\" \"a\"}"] {
            let r = raw(
                &s,
                &admin,
                Method::POST,
                "/api/v1/users",
                Some("application/json"),
                body,
            )
            .await;
            assert_eq!(
                (r.status, r.code()),
                (400, "invalid_json".to_string()),
                "{r:?}"
            );
            assert_eq!(r.field(), None, "{}: {body}: {r:?}", s.backend);
        }
        s.finish().await;
    }
}

#[tokio::test]
async fn a_body_over_256_kib_gets_413_and_one_at_the_limit_is_read() {
    for s in stacks("body_limit").await {
        let admin = Who::Session(s.admin().await);
        let pw = fresh_password();
        let at_limit = |name: &str| {
            let core =
                format!("{{\"username\":\"{name}\",\"password\":\"{pw}\",\"role\":\"auditor\"}}");
            format!("{core}{}", " ".repeat(LIMIT - core.len()))
        };
        let body = at_limit("exactly");
        assert_eq!(body.len(), LIMIT);
        raw(
            &s,
            &admin,
            Method::POST,
            "/api/v1/users",
            Some("application/json"),
            &body,
        )
        .await
        .expect(201);
        let over = format!("{} ", at_limit("over"));
        for path in [
            "/api/v1/users",
            "/api/v1/session",
            "/api/v1/tokens",
            "/api/v1/vaults/sync",
        ] {
            let r = raw(
                &s,
                &admin,
                Method::POST,
                path,
                Some("application/json"),
                &over,
            )
            .await;
            assert_eq!(r.status, 413, "{}: {r:?}", s.backend);
            assert_eq!(r.code(), "payload_too_large", "{r:?}");
        }
        assert!(s.store.find_user_by_name("over").await.unwrap().is_none());

        // Chunked, with no Content-Length: the limit holds while reading.
        let mut conn = tokio::net::TcpStream::connect(s.url.trim_start_matches("http://"))
            .await
            .unwrap();
        let chunk = "x".repeat(64 * 1024);
        let mut req = format!(
            "POST /api/v1/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nCookie: certkeep_session={}\r\nX-CSRF-Token: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            match &admin {
                Who::Session(a) => a.cookie.clone(),
                _ => unreachable!(),
            },
            match &admin {
                Who::Session(a) => a.csrf.clone(),
                _ => unreachable!(),
            },
        );
        for _ in 0..5 {
            req.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
        }
        req.push_str("0\r\n\r\n");
        let _ = conn.write_all(req.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = conn.read_to_end(&mut answer).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "{}: {answer}",
            s.backend
        );
        assert!(answer.contains("payload_too_large"), "{answer}");
        s.finish().await;
    }
}

#[tokio::test]
async fn a_body_that_is_not_declared_json_gets_415() {
    for s in stacks("not_json").await {
        let admin = Who::Session(s.admin().await);
        let body =
            json!({"username": "ct", "password": fresh_password(), "role": "auditor"}).to_string();
        for ct in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/jsonx"),
        ] {
            let r = raw(&s, &admin, Method::POST, "/api/v1/users", ct, &body).await;
            assert_eq!(r.status, 415, "{}: {ct:?}: {r:?}", s.backend);
            assert_eq!(r.code(), "unsupported_media_type");
        }
        let r = raw(
            &s,
            &Who::Anon,
            Method::POST,
            "/api/v1/session",
            Some("text/plain"),
            "{\"username\":\"a\",\"password\":\"b\"}",
        )
        .await;
        assert_eq!(r.status, 415, "{r:?}");
        assert!(s.store.find_user_by_name("ct").await.unwrap().is_none());
        raw(
            &s,
            &admin,
            Method::POST,
            "/api/v1/users",
            Some("Application/JSON; charset=utf-8"),
            &body,
        )
        .await
        .expect(201);
        s.finish().await;
    }
}

#[tokio::test]
async fn bad_query_parameters_get_400_naming_the_parameter() {
    for s in stacks("bad_query").await {
        let admin = Who::Session(s.admin().await);
        s.add_demo_credential("prod").await;
        let cases = [
            ("/api/v1/certificates?limit=0", "limit"),
            ("/api/v1/certificates?limit=abc", "limit"),
            ("/api/v1/certificates?limit=1001", "limit"),
            ("/api/v1/certificates?limit=-5", "limit"),
            ("/api/v1/certificates?offset=-1", "offset"),
            ("/api/v1/certificates?offset=1.5", "offset"),
            ("/api/v1/certificates?state=bogus", "state"),
            ("/api/v1/certificates?sort=bogus", "sort"),
            ("/api/v1/certificates?order=up", "order"),
            ("/api/v1/certificates?show=bogus", "show"),
            ("/api/v1/certificates?issuer_kind=bogus", "issuer_kind"),
            (
                "/api/v1/certificates?expiring_within_days=99999",
                "expiring_within_days",
            ),
            (
                "/api/v1/certificates?expiring_within_days=soon",
                "expiring_within_days",
            ),
            (
                "/api/v1/certificates?include_missing=maybe",
                "include_missing",
            ),
            ("/api/v1/certificates?tag==x", "tag"),
            ("/api/v1/certificates?bogus=1", "bogus"),
            ("/api/v1/certificates?limit=5&Limit=5", "Limit"),
            ("/api/v1/certificates/facets?sort=bogus", "sort"),
            ("/api/v1/certificates/facets?bogus=1", "bogus"),
            ("/api/v1/vaults?limit=0", "limit"),
            ("/api/v1/vaults?include_missing=2", "include_missing"),
            ("/api/v1/vaults?vault=x", "vault"),
            ("/api/v1/secrets?state=bogus", "state"),
            ("/api/v1/secrets?show=none", "show"),
            ("/api/v1/requests?status=bogus", "status"),
            ("/api/v1/requests?limit=abc", "limit"),
            ("/api/v1/sync-runs?limit=0", "limit"),
            ("/api/v1/sync-runs?bogus=1", "bogus"),
            ("/api/v1/audit?limit=abc", "limit"),
            ("/api/v1/audit?offset=x", "offset"),
            ("/api/v1/audit?who=me", "who"),
            ("/api/v1/tokens?all=maybe", "all"),
            ("/api/v1/tokens?mine=1", "mine"),
            (
                "/api/v1/vaults/prod/kv-prod-web/certificates/www/export?format=pfx",
                "format",
            ),
            (
                "/api/v1/vaults/prod/kv-prod-web/certificates/www/export?key=1",
                "key",
            ),
        ];
        let mut wrong = Vec::new();
        for (path, field) in cases {
            let r = s.get(&admin, path).await;
            let code_ok = r.status == 400
                && matches!(
                    r.json()["error"]["code"].as_str(),
                    Some("invalid_query" | "invalid_input")
                );
            if !code_ok || r.field().as_deref() != Some(field) {
                wrong.push(format!("{path}: want 400 naming {field}, got {r:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}:\n{}", s.backend, wrong.join("\n"));
        // Good ones pass.
        for path in [
            "/api/v1/certificates?limit=1000&offset=0&state=expiring&expiring_within_days=7&sort=name&order=desc&show=all&include_missing=true",
            "/api/v1/certificates?limit=1",
            "/api/v1/tokens?all=false",
        ] {
            s.get(&admin, path).await.expect(200);
        }
        s.finish().await;
    }
}

/// Strange but well-formed requests: each must get an answer below 500.
fn strange(long: &str) -> Vec<(Method, String, Option<String>)> {
    let g = |p: &str| (Method::GET, p.to_string(), None);
    let post = |p: &str, b: String| (Method::POST, p.to_string(), Some(b));
    vec![
        g("/api/v1/certificates?offset=9223372036854775807"),
        g("/api/v1/certificates?limit=1000&offset=9223372036854775000"),
        g("/api/v1/certificates?expiring_within_days=36500&state=expiring"),
        g("/api/v1/certificates?search=%25%5F%5C"),
        g("/api/v1/certificates?search=%27%20OR%201%3D1%20--"),
        g(&format!("/api/v1/certificates?search={long}")),
        g("/api/v1/certificates?search=%F0%9F%94%92%E2%80%AE"),
        g("/api/v1/certificates?credential=nope"),
        g("/api/v1/certificates?vault=nope"),
        g("/api/v1/certificates?credential=prod&vault=nope"),
        g("/api/v1/certificates?tag=%3D"),
        g("/api/v1/certificates?key_type=DSA&issuer=%27"),
        g("/api/v1/certificates/facets?credential=nope"),
        g("/api/v1/vaults?credential=nope"),
        g(&format!("/api/v1/vaults?search={long}")),
        g("/api/v1/secrets?credential=nope&vault=nope"),
        g("/api/v1/audit?actor=%27&action=%25&target=%5F"),
        g("/api/v1/sync-runs?kind=bogus"),
        g("/api/v1/requests/00000000-0000-0000-0000-000000000000"),
        g("/api/v1/users/not-a-uuid"),
        g("/api/v1/users/00000000-0000-0000-0000-000000000000"),
        (Method::PATCH, "/api/v1/users/not-a-uuid".into(), Some("{\"disabled\":true}".into())),
        (Method::DELETE, "/api/v1/users/not-a-uuid".into(), None),
        (Method::DELETE, "/api/v1/tokens/not-a-uuid".into(), None),
        g("/api/v1/credentials/nope"),
        g("/api/v1/credentials/%C3%A9t%C3%A9"),
        g(&format!("/api/v1/credentials/{long}")),
        (Method::DELETE, "/api/v1/credentials/nope".into(), None),
        (Method::PUT, "/api/v1/credentials/nope/secret".into(), Some("{\"client_secret\":\"x\"}".into())),
        (Method::PUT, "/api/v1/credentials/prod/secret".into(), Some("{\"client_secret\":\"\"}".into())),
        g("/api/v1/vaults/nope/nope/issuers"),
        g("/api/v1/vaults/prod/nope/issuers"),
        (Method::POST, "/api/v1/vaults/prod/nope/issuers/sync".into(), None),
        g("/api/v1/vaults/prod/kv-prod-web/certificates/nope"),
        g("/api/v1/vaults/prod/kv-prod-web/certificates/not_a_kv_name!"),
        g("/api/v1/vaults/prod/kv-prod-web/certificates/nope/export"),
        g("/api/v1/vaults/prod/kv-prod-web/certificates/www/export?version=nope"),
        g(&format!("/api/v1/vaults/prod/kv-prod-web/certificates/{long}/export")),
        post("/api/v1/vaults/sync", "{\"credential\":\"nope\"}".into()),
        post("/api/v1/users", format!("{{\"username\":\"{long}\",\"password\":\"{}\",\"role\":\"auditor\"}}", fresh_password())),
        post("/api/v1/users", format!("{{\"username\":\"\u{e9}l\u{e8}ve\",\"password\":\"{}\",\"role\":\"auditor\"}}", fresh_password())),
        post("/api/v1/users", format!("{{\"username\":\"pw\",\"password\":\"{}\",\"role\":\"auditor\"}}", "p".repeat(100_000))),
        post("/api/v1/tokens", format!("{{\"name\":\"{long}\",\"role\":\"auditor\",\"expires_in_days\":1}}")),
        post("/api/v1/tokens", "{\"name\":\"\\u202e\\u0007bell\",\"role\":\"auditor\",\"expires_in_days\":1}".into()),
        post("/api/v1/credentials", format!("{{\"name\":\"{long}\",\"tenant_id\":\"t\",\"subscription_id\":\"s\",\"client_id\":\"c\",\"client_secret\":\"x\"}}")),
        post("/api/v1/credentials", "{\"name\":\"c1\",\"cloud\":\"nowhere\",\"tenant_id\":\"3f6c1a52-8d3e-4b7a-9c41-2e5d7f9a0b13\",\"subscription_id\":\"3f6c1a52-8d3e-4b7a-9c41-2e5d7f9a0b13\",\"client_id\":\"3f6c1a52-8d3e-4b7a-9c41-2e5d7f9a0b13\",\"client_secret\":\"x\"}".into()),
        post("/api/v1/credentials", "{\"name\":\"prod\",\"cloud\":\"emulator\",\"tenant_id\":\"3f6c1a52-8d3e-4b7a-9c41-2e5d7f9a0b13\",\"subscription_id\":\"b7d2f4a6-8c1e-4d5b-a3f7-9e2c4b6d8f57\",\"client_id\":\"6b2d9e41-7c3a-4f85-a1d0-93e8c5b27f64\",\"client_secret\":\"x\"}".into()),
        post("/api/v1/session", "{\"username\":\"\u{e9}\u{1F512}\",\"password\":\"\u{1F512}\"}".into()),
        post("/api/v1/session/password", format!("{{\"current_password\":\"x\",\"new_password\":\"{}\"}}", "q".repeat(100_000))),
        post("/api/v1/users", format!("{}{}", "[".repeat(5000), "]".repeat(5000))),
        post("/api/v1/users", format!("{{\"username\":{}{}}}", "{\"a\":".repeat(3000), "}".repeat(3000))),
        g("/api/v1/nothing/here"),
        (Method::PUT, "/api/v1/users".into(), Some("{}".into())),
        (Method::DELETE, "/api/v1/certificates".into(), None),
    ]
}

/// Requests carrying NUL characters (in a query value, a path segment or a JSON string).
fn with_nul() -> Vec<(Method, String, Option<String>)> {
    let g = |p: &str| (Method::GET, p.to_string(), None);
    let post = |p: &str, b: &str| (Method::POST, p.to_string(), Some(b.to_string()));
    vec![
        g("/api/v1/certificates?search=a%00b"),
        g("/api/v1/certificates?name=a%00b"),
        g("/api/v1/certificates?credential=a%00b"),
        g("/api/v1/certificates?credential=prod&vault=a%00b"),
        g("/api/v1/certificates?tag=a%00b%3Dc"),
        g("/api/v1/certificates?issuer=a%00b&key_type=a%00b"),
        g("/api/v1/vaults?search=a%00b"),
        g("/api/v1/secrets?search=a%00b"),
        g("/api/v1/audit?actor=a%00b"),
        g("/api/v1/requests?name=a%00b"),
        g("/api/v1/sync-runs?kind=a%00b"),
        g("/api/v1/credentials/a%00b"),
        g("/api/v1/vaults/prod/a%00b/issuers"),
        g("/api/v1/vaults/prod/kv-prod-web/certificates/a%00b"),
        g("/api/v1/vaults/prod/kv-prod-web/certificates/www/export?version=a%00b"),
        post("/api/v1/vaults/sync", "{\"credential\":\"a\\u0000b\"}"),
        post(
            "/api/v1/users",
            "{\"username\":\"a\\u0000b\",\"password\":\"Zq7!long-enough-pw\",\"role\":\"auditor\"}",
        ),
        post(
            "/api/v1/tokens",
            "{\"name\":\"a\\u0000b\",\"role\":\"auditor\",\"expires_in_days\":1}",
        ),
    ]
}

async fn five_hundreds(
    s: &Stack,
    who: &Who,
    requests: Vec<(Method, String, Option<String>)>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (method, path, body) in requests {
        let mut b = s.request(who, method, &path);
        if let Some(body) = body {
            b = b.header("content-type", "application/json").body(body);
        }
        match s.try_send(b).await {
            Ok(r) if r.status >= 500 => {
                out.push(format!(
                    "{r:?}\n    log: {}",
                    crate::common::logged_error(&r.text())
                ));
            }
            Ok(_) => {}
            Err(e) => out.push(e),
        }
    }
    out
}

#[tokio::test]
async fn no_input_gets_a_500() {
    let mut all = Vec::new();
    for s in stacks("no_500").await {
        let admin = s.admin().await;
        s.demo_estate().await;
        let long = "a".repeat(10_000);
        let who = Who::Session(admin.clone());
        let mut bad = five_hundreds(&s, &who, strange(&long)).await;
        // Odd headers.
        for (name, value) in [
            ("authorization", format!("Bearer ck_{long}")),
            ("authorization", "Bearer".to_string()),
            ("authorization", "Bearer  ck_ ".to_string()),
            ("cookie", "certkeep_session=".to_string()),
            ("cookie", format!("certkeep_session={long}")),
            (
                "cookie",
                "certkeep_session=%00; certkeep_session=x".to_string(),
            ),
            ("user-agent", long.clone()),
            ("x-forwarded-for", "not-an-address, 10.0.0.1".to_string()),
        ] {
            match s
                .try_send(
                    s.http
                        .get(format!("{}/api/v1/session", s.url))
                        .header(name, value),
                )
                .await
            {
                Ok(r) if r.status >= 500 => bad.push(format!("{name}: {r:?}")),
                Ok(_) => {}
                Err(e) => bad.push(format!("{name}: {e}")),
            }
        }
        let r = s
            .send(s.http.get(format!("{}/api/v1/session", s.url)).header(
                "authorization",
                reqwest::header::HeaderValue::from_bytes(b"Bearer ck_\xff\xfe").unwrap(),
            ))
            .await;
        if r.status >= 500 {
            bad.push(format!("non-UTF-8 authorization: {r:?}"));
        }
        let r = s
            .send(
                s.http
                    .post(format!("{}/api/v1/session", s.url))
                    .header(
                        "user-agent",
                        reqwest::header::HeaderValue::from_bytes(b"agent \xff\x80").unwrap(),
                    )
                    .json(&json!({"username": "admin", "password": admin.password})),
            )
            .await;
        if r.status >= 500 {
            bad.push(format!("non-UTF-8 user agent: {r:?}"));
        }
        all.extend(bad.into_iter().map(|b| format!("{}: {b}", s.backend)));
        s.finish().await;
    }
    assert!(
        all.is_empty(),
        "5xx answers or dropped connections:\n{}",
        all.join("\n")
    );
}

#[tokio::test]
async fn a_nul_character_in_any_input_gets_no_500() {
    let mut all = Vec::new();
    for s in stacks("no_500_nul").await {
        let admin = s.admin().await;
        s.demo_estate().await;
        let bad = five_hundreds(&s, &Who::Session(admin.clone()), with_nul()).await;
        all.extend(bad.into_iter().map(|b| format!("{}: {b}", s.backend)));
        s.finish().await;
    }
    assert!(
        all.is_empty(),
        "5xx answers or dropped connections:\n{}",
        all.join("\n")
    );
}

#[tokio::test]
async fn an_offset_beyond_the_database_range_gets_an_answer() {
    let mut all = Vec::new();
    for s in stacks("huge_offset").await {
        let admin = Who::Session(s.admin().await);
        let requests = [
            "/api/v1/certificates",
            "/api/v1/vaults",
            "/api/v1/audit",
            "/api/v1/secrets",
            "/api/v1/requests",
            "/api/v1/sync-runs",
        ]
        .iter()
        .map(|p| {
            (
                Method::GET,
                format!("{p}?offset=18446744073709551615"),
                None,
            )
        })
        .collect();
        all.extend(
            five_hundreds(&s, &admin, requests)
                .await
                .into_iter()
                .map(|b| format!("{}: {b}", s.backend)),
        );
        s.finish().await;
    }
    assert!(
        all.is_empty(),
        "5xx answers or dropped connections:\n{}",
        all.join("\n")
    );
}

#[tokio::test]
async fn a_request_id_that_is_not_a_uuid_gets_a_4xx() {
    let mut all = Vec::new();
    for s in stacks("request_id").await {
        let admin = Who::Session(s.admin().await);
        for id in ["not-a-uuid", "1", "00000000-0000-0000-0000-00000000000g"] {
            let (ct, merge) = crate::common::multipart(&[], Some(b"not a certificate"));
            for b in [
                s.request(&admin, Method::GET, &format!("/api/v1/requests/{id}")),
                s.request(&admin, Method::GET, &format!("/api/v1/requests/{id}/csr")),
                s.request(
                    &admin,
                    Method::POST,
                    &format!("/api/v1/requests/{id}/cancel"),
                ),
                s.request(
                    &admin,
                    Method::DELETE,
                    &format!("/api/v1/requests/{id}/operation"),
                ),
                s.request(
                    &admin,
                    Method::POST,
                    &format!("/api/v1/requests/{id}/merge"),
                )
                .header("content-type", ct.clone())
                .body(merge),
            ] {
                let r = s.send(b).await;
                if !matches!(r.status, 400 | 404) {
                    all.push(format!("{}: {r:?}", s.backend));
                }
            }
        }
        s.finish().await;
    }
    assert!(all.is_empty(), "{}", all.join("\n"));
}

#[tokio::test]
async fn a_sign_in_with_an_odd_user_name_fails_like_any_wrong_user() {
    for s in stacks("odd_user_name").await {
        let wrong = s.login("nobody", "not-a-password").await.expect(401);
        // A NUL is refused in every body before anything runs (400, like anywhere else).
        let nul = s.login("a\u{0}b", "not-a-password").await.expect(400);
        assert!(nul.text().contains("NUL"), "{nul:?}");
        for name in ["a".repeat(600), "ad\tmin".to_string(), "x\ny".to_string()] {
            let r = s.login(&name, "not-a-password").await;
            assert_eq!(
                (r.status, r.text()),
                (401, wrong.text()),
                "{}: {r:?}",
                s.backend
            );
        }
        s.finish().await;
    }
}
