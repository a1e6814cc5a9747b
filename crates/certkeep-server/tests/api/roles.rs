//! The role matrix: every route of `src/routes.rs` (plus health, the OpenAPI document and the
//! docs) called by anonymous, then by an auditor, an operator and an admin — each with a
//! session cookie and with an API token of that role — with a valid body where one is needed.
//! Each cell's status class is asserted; the whole matrix is printed when one is wrong.

use std::collections::BTreeMap;

use reqwest::Method;

use crate::common::{Session, Stack, Who};

/// One route: method, path template, body template, and the expected class per walk, in the
/// order anonymous | auditor, operator, admin with a session | the same with a token.
/// A: 2xx, U: 401, F: 403, N: 404.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub body: Option<&'static str>,
    pub expect: &'static str,
}

const fn r(
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    expect: &'static str,
) -> Route {
    Route {
        method,
        path,
        body,
        expect,
    }
}

const CREDENTIAL: &str = r#"{"name":"new-{who}","cloud":"emulator","tenant_id":"{tenant}","subscription_id":"{subscription}","client_id":"{client}","client_secret":"{secret}"}"#;

/// Every route of `src/routes.rs`, hard-coded (ordered so that what a walk deletes comes after
/// what reads it, and signing out comes last). `{placeholders}` are filled per walk (see
/// `estate::Estate::vars`); `@upload` and `@merge` are multipart bodies.
pub const ROUTES: &[Route] = &[
    r(
        "POST",
        "/api/v1/session",
        Some(r#"{"username":"{username}","password":"{password}"}"#),
        "A AAA AAA",
    ),
    r("GET", "/api/v1/session", None, "U AAA AAA"),
    r("GET", "/api/v1/users", None, "U FFA FFA"),
    r(
        "POST",
        "/api/v1/users",
        Some(r#"{"username":"new-{who}","password":"{fresh}","role":"auditor"}"#),
        "U FFA FFA",
    ),
    r("GET", "/api/v1/users/{victim_user}", None, "U FFA FFA"),
    r(
        "PATCH",
        "/api/v1/users/{victim_user}",
        Some(r#"{"role":"operator"}"#),
        "U FFA FFA",
    ),
    r("GET", "/api/v1/roles", None, "U AAA AAA"),
    r("GET", "/api/v1/tokens", None, "U AAA AAA"),
    r(
        "POST",
        "/api/v1/tokens",
        Some(r#"{"name":"new-{who}","role":"auditor","expires_in_days":1}"#),
        "U AAA FFF",
    ),
    r("DELETE", "/api/v1/tokens/{own_token}", None, "U AAA AAA"),
    r("GET", "/api/v1/settings/schedule", None, "U AAA AAA"),
    r(
        "PUT",
        "/api/v1/settings/schedule",
        Some(r#"{"discovery_interval":"6h","jitter_percent":10,"poll_interval":"30s"}"#),
        "U FFA FFA",
    ),
    r("DELETE", "/api/v1/settings/schedule", None, "U FFA FFA"),
    r("GET", "/api/v1/credentials", None, "U AAA AAA"),
    r("POST", "/api/v1/credentials", Some(CREDENTIAL), "U FFA FFA"),
    r("GET", "/api/v1/credentials/{credential}", None, "U AAA AAA"),
    r(
        "PUT",
        "/api/v1/credentials/{credential}/secret",
        Some(r#"{"client_secret":"{secret}"}"#),
        "U FFA FFA",
    ),
    r("GET", "/api/v1/vaults", None, "U AAA AAA"),
    r(
        "POST",
        "/api/v1/vaults/sync",
        Some(r#"{"credential":"prod"}"#),
        "U FAA FAA",
    ),
    r(
        "GET",
        "/api/v1/vaults/{credential}/{vault}/issuers",
        None,
        "U AAA AAA",
    ),
    r(
        "POST",
        "/api/v1/vaults/{credential}/{vault}/issuers/sync",
        None,
        "U FAA FAA",
    ),
    r(
        "GET",
        "/api/v1/vaults/{credential}/{vault}/certificates/{cert}",
        None,
        "U AAA AAA",
    ),
    r(
        "GET",
        "/api/v1/vaults/{credential}/{vault}/certificates/{cert}/export",
        None,
        "U AAA AAA",
    ),
    r(
        "POST",
        "/api/v1/vaults/{credential}/{vault}/certificates/{cert}/obtain",
        None,
        "U FAA FAA",
    ),
    r(
        "POST",
        "/api/v1/vaults/{credential}/{vault}/certificates/renew",
        Some(r#"{"names":["{renew_cert}"],"validity_months":12}"#),
        "U FAA FAA",
    ),
    r(
        "POST",
        "/api/v1/vaults/{credential}/{vault}/certificates/delete",
        Some(r#"{"names":["{delete_cert}"]}"#),
        "U FAA FAA",
    ),
    r("GET", "/api/v1/certificates", None, "U AAA AAA"),
    r("GET", "/api/v1/certificates/facets", None, "U AAA AAA"),
    r("GET", "/api/v1/secrets", None, "U AAA AAA"),
    r(
        "POST",
        "/api/v1/vaults/{credential}/{vault}/secrets",
        Some("@upload"),
        "U FAA FAA",
    ),
    r(
        "POST",
        "/api/v1/vaults/{credential}/{vault}/secrets/rediscover",
        Some(r#"{"names":["{tls_secret}"]}"#),
        "U FAA FAA",
    ),
    r(
        "PATCH",
        "/api/v1/vaults/{credential}/{vault}/secrets/{tls_secret}",
        Some(r#"{"enabled":true}"#),
        "U FAA FAA",
    ),
    r(
        "POST",
        "/api/v1/vaults/{credential}/{vault}/secrets/{tls_secret}/obtain-certificate",
        None,
        "U FAA FAA",
    ),
    r(
        "GET",
        "/api/v1/vaults/{credential}/{vault}/secrets/{tls_secret}/certificate",
        None,
        "U AAA AAA",
    ),
    r(
        "POST",
        "/api/v1/vaults/{credential}/{vault}/secrets/delete",
        Some(r#"{"names":["new-{who}"]}"#),
        "U FAA FAA",
    ),
    r("GET", "/api/v1/exclusions", None, "U AAA AAA"),
    r(
        "DELETE",
        "/api/v1/exclusions/{exclusion}",
        None,
        "U FAA FAA",
    ),
    r("GET", "/api/v1/requests", None, "U AAA AAA"),
    r(
        "POST",
        "/api/v1/requests",
        Some(
            r#"{"credential":"prod","vault":"{vault}","name":"new-{who}","common_name":"new-{who}.contoso.com"}"#,
        ),
        "U FAA FAA",
    ),
    r("GET", "/api/v1/requests/{request}", None, "U AAA AAA"),
    r(
        "GET",
        "/api/v1/requests/{missing_request}",
        None,
        "U NNN NNN",
    ),
    r("POST", "/api/v1/requests/poll", None, "U FAA FAA"),
    r(
        "POST",
        "/api/v1/requests/{cancel_request}/cancel",
        None,
        "U FAA FAA",
    ),
    r(
        "DELETE",
        "/api/v1/requests/{cancelled_request}/operation",
        None,
        "U FAA FAA",
    ),
    r(
        "GET",
        "/api/v1/requests/{csr_request}/csr",
        None,
        "U AAA AAA",
    ),
    r(
        "POST",
        "/api/v1/requests/{merge_request}/merge",
        Some("@merge"),
        "U FAA FAA",
    ),
    r(
        "POST",
        "/api/v1/discovery",
        Some(r#"{"credential":"prod","vault":"{vault}"}"#),
        "U FAA FAA",
    ),
    r("GET", "/api/v1/jobs", None, "U AAA AAA"),
    r("GET", "/api/v1/jobs/{job}", None, "U AAA AAA"),
    r("GET", "/api/v1/sync-runs", None, "U AAA AAA"),
    r("GET", "/api/v1/summary", None, "U AAA AAA"),
    r("GET", "/api/v1/audit", None, "U AAA AAA"),
    r("GET", "/api/v1/audit/verify", None, "U AAA AAA"),
    r(
        "DELETE",
        "/api/v1/credentials/{victim_credential}",
        None,
        "U FFA FFA",
    ),
    r("DELETE", "/api/v1/users/{victim_user}", None, "U FFA FFA"),
    r("GET", "/healthz", None, "A AAA AAA"),
    r("GET", "/readyz", None, "A AAA AAA"),
    r("GET", "/api/openapi.json", None, "A AAA AAA"),
    r("GET", "/api/docs/", None, "A AAA AAA"),
    r(
        "POST",
        "/api/v1/session/password",
        Some(r#"{"current_password":"{password}","new_password":"{new_password}"}"#),
        "U AAA FFF",
    ),
    r("DELETE", "/api/v1/session", None, "U AAA AAA"),
];

/// A route's body for a walk: (content type, bytes).
pub fn body(route: &Route, vars: &BTreeMap<&str, String>) -> Option<(String, Vec<u8>)> {
    match route.body? {
        "@upload" => Some(crate::common::multipart(
            &[("name", &fill("new-{who}", vars)), ("format", "pem")],
            Some(vars["upload_pem"].as_bytes()),
        )),
        "@merge" => Some(crate::common::multipart(
            &[],
            Some(vars["merge_pem"].as_bytes()),
        )),
        json => Some((
            "application/json".to_string(),
            fill(json, vars).into_bytes(),
        )),
    }
}

const WALKS: [&str; 7] = [
    "anonymous",
    "auditor-s",
    "operator-s",
    "admin-s",
    "auditor-t",
    "operator-t",
    "admin-t",
];

pub fn fill(template: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut out = template.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    let unfilled = out.split('{').skip(1).any(|rest| {
        rest.split_once('}').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
    });
    assert!(!unfilled, "a placeholder is left in {out}");
    out
}

fn class(status: u16) -> char {
    match status {
        200..=299 => 'A',
        401 => 'U',
        403 => 'F',
        404 => 'N',
        _ => '?',
    }
}

struct RoleUser {
    session: Session,
    token: String,
    own_s: String,
    own_t: String,
}

async fn role_user(s: &Stack, admin: &Session, name: &str, role: &str) -> RoleUser {
    let session = if role == "admin" {
        admin.clone()
    } else {
        s.user(admin, name, role).await
    };
    let (token, _) = s.token(&session, "matrix", role, 30).await;
    let (_, own_s) = s.token(&session, "own-s", role, 30).await;
    let (_, own_t) = s.token(&session, "own-t", role, 30).await;
    RoleUser {
        session,
        token,
        own_s,
        own_t,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_each_role_as_the_matrix_says() {
    for s in crate::common::private_stacks("role_matrix").await {
        let admin = s.admin().await;
        let estate = crate::estate::build(&s, &admin, WALKS.len()).await;
        let users = [
            role_user(&s, &admin, "aud", "auditor").await,
            role_user(&s, &admin, "ope", "operator").await,
            role_user(&s, &admin, "admin", "admin").await,
        ];
        let mut passwords: Vec<String> = users.iter().map(|u| u.session.password.clone()).collect();

        // status per (route, walk)
        let mut got: Vec<Vec<u16>> = vec![Vec::new(); ROUTES.len()];
        let mut cookie_on_token = Vec::new();
        let mut server_errors = Vec::new();
        for (w, walk) in WALKS.iter().enumerate() {
            let (who, user_idx, suffix) = match w {
                0 => (Who::Anon, 2, "s"),
                1..=3 => (Who::Session(users[w - 1].session.clone()), w - 1, "s"),
                _ => (Who::Token(users[w - 4].token.clone()), w - 4, "t"),
            };
            let u = &users[user_idx];
            let own = if suffix == "s" { &u.own_s } else { &u.own_t };
            let vars = estate.vars(w, walk, &u.session, &passwords[user_idx], suffix, own);
            let new_password = vars["new_password"].clone();
            for (i, route) in ROUTES.iter().enumerate() {
                let path = fill(route.path, &vars);
                let method = Method::from_bytes(route.method.as_bytes()).unwrap();
                let mut b = s.request(&who, method, &path);
                if let Some((content_type, bytes)) = body(route, &vars) {
                    b = b.header("content-type", content_type).body(bytes);
                }
                let resp = s.send(b).await;
                if matches!(who, Who::Token(_))
                    && !resp.set_cookies().is_empty()
                    && route.path != "/api/v1/session"
                {
                    cookie_on_token.push(format!("{walk}: {resp:?}"));
                }
                if resp.status >= 500 {
                    server_errors.push(format!(
                        "{walk}: {resp:?}\n    log: {}",
                        crate::common::logged_error(&resp.text())
                    ));
                }
                got[i].push(resp.status);
                if route.path == "/api/v1/session/password" && resp.status == 204 {
                    passwords[user_idx] = new_password.clone();
                }
            }
        }

        let mut table = String::new();
        let mut wrong = 0;
        table.push_str(&format!("{:<84}", "route"));
        for w in WALKS {
            table.push_str(&format!("{w:>12}"));
        }
        table.push('\n');
        for (i, route) in ROUTES.iter().enumerate() {
            let expect: Vec<char> = route.expect.chars().filter(|c| *c != ' ').collect();
            assert_eq!(expect.len(), WALKS.len(), "{}", route.path);
            table.push_str(&format!(
                "{:<84}",
                format!("{} {}", route.method, route.path)
            ));
            for (w, status) in got[i].iter().enumerate() {
                let ok = class(*status) == expect[w];
                if !ok {
                    wrong += 1;
                }
                let cell = if ok {
                    format!("{status}")
                } else {
                    format!("{status}!{}", expect[w])
                };
                table.push_str(&format!("{cell:>12}"));
            }
            table.push('\n');
        }
        if wrong > 0 {
            let file =
                crate::common::test_root().join(format!("role_matrix-{}-logs.txt", s.backend));
            let _ = std::fs::write(&file, crate::common::logs());
            eprintln!("the server's logs: {}", file.display());
        }
        assert_eq!(
            wrong,
            0,
            "{}: {wrong} cells differ (STATUS!EXPECTED; A 2xx, U 401, F 403, N 404):\n{table}\n{}",
            s.backend,
            server_errors.join("\n")
        );
        assert!(
            cookie_on_token.is_empty(),
            "{}: cookies on token answers:\n{}",
            s.backend,
            cookie_on_token.join("\n")
        );
        // What the allowed changes did, seen in the store.
        assert!(
            s.store
                .find_user_by_name("victim-s")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            s.store
                .find_user_by_name("victim-t")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            s.store
                .find_user_by_name("new-admin-s")
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            s.store
                .find_user_by_name("new-operator-s")
                .await
                .unwrap()
                .is_none()
        );
        // Operators' and admins' walks finished their own requests and removed their own
        // exclusions; auditors' are untouched.
        for (w, walk) in WALKS.iter().enumerate() {
            let allowed = matches!(*walk, "operator-s" | "admin-s" | "operator-t" | "admin-t");
            let merged = s
                .engine
                .show_request(&estate.merge_requests[w])
                .await
                .unwrap();
            assert_eq!(
                merged.status == "completed",
                allowed,
                "{}: {walk}: {merged:?}",
                s.backend
            );
            let excluded = s
                .engine
                .list_exclusions(&certkeep_engine::Scope::default())
                .await
                .unwrap()
                .iter()
                .any(|e| e.id == estate.exclusions[w]);
            assert_eq!(excluded, !allowed, "{}: {walk}", s.backend);
        }
        let creds: Vec<String> = s
            .store
            .list_credentials()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(creds.len(), 3, "{}: {creds:?}", s.backend);
        for c in ["prod", "new-admin-s", "new-admin-t"] {
            assert!(creds.contains(&c.to_string()), "{}: {creds:?}", s.backend);
        }
        s.finish().await;
    }
}
