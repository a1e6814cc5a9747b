//! CSRF: every cookie-authenticated change (POST, PATCH, PUT, DELETE) needs the session's own
//! token in `X-CSRF-Token`; without it, or with a wrong one, the answer is 403 `csrf_failed`
//! and nothing changes. Reads need none; bearer-token requests need none.

use certkeep_engine::access::secrets::digest;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SUBSCRIPTIONS, DEMO_TENANT, Session, Stack, Who,
    fresh_password, stacks,
};

/// Everything the tests compare before and after a refused change.
#[derive(Debug, PartialEq)]
struct Snapshot {
    audit_events: usize,
    users: Vec<(String, String, bool, bool, String)>,
    tokens: Vec<(String, Option<i64>)>,
    credentials: Vec<(String, Vec<u8>, i64)>,
    sessions: usize,
    vault_syncs: u64,
}

async fn snapshot(s: &Stack) -> Snapshot {
    let users = s
        .store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| {
            (
                u.username,
                u.role.as_str().to_string(),
                u.disabled,
                u.must_change_password,
                u.password_hash,
            )
        })
        .collect();
    let tokens = s
        .store
        .list_api_tokens(None)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.name, t.revoked_at))
        .collect();
    let credentials = s
        .store
        .list_credentials()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.name, c.secret_ciphertext, c.updated_at))
        .collect();
    let vault_syncs = s
        .engine
        .list_audit(&certkeep_engine::queries::AuditQuery {
            filter: certkeep_engine::views::AuditFilter {
                action: Some("vault.sync".into()),
                ..Default::default()
            },
            page: certkeep_engine::views::PageRequest::new(0, 10),
        })
        .await
        .unwrap()
        .total;
    Snapshot {
        audit_events: s.store.list_audit_events(100_000).await.unwrap().len(),
        users,
        tokens,
        credentials,
        sessions: s.store.count_sessions().await.unwrap(),
        vault_syncs,
    }
}

/// Every cookie-authenticated change of the API, with a body that would succeed.
fn changes(
    victim_user: &str,
    token_id: &str,
    admin: &Session,
) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({"username": "mallory", "password": fresh_password(), "role": "admin"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{victim_user}"),
            Some(json!({"role": "admin"})),
        ),
        (Method::DELETE, format!("/api/v1/users/{victim_user}"), None),
        (
            Method::POST,
            "/api/v1/tokens".into(),
            Some(json!({"name": "stolen", "role": "admin", "expires_in_days": 30})),
        ),
        (Method::DELETE, format!("/api/v1/tokens/{token_id}"), None),
        (
            Method::POST,
            "/api/v1/credentials".into(),
            Some(
                json!({"name": "evil", "cloud": "emulator", "tenant_id": DEMO_TENANT,
            "subscription_id": DEMO_SUBSCRIPTIONS[0], "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}),
            ),
        ),
        (
            Method::PUT,
            "/api/v1/credentials/prod/secret".into(),
            Some(json!({"client_secret": DEMO_CLIENT_SECRET})),
        ),
        (Method::DELETE, "/api/v1/credentials/prod".into(), None),
        (Method::POST, "/api/v1/vaults/sync".into(), Some(json!({}))),
        (
            Method::POST,
            "/api/v1/vaults/prod/kv-prod-web/issuers/sync".into(),
            None,
        ),
        (
            Method::POST,
            "/api/v1/session/password".into(),
            Some(json!({"current_password": admin.password, "new_password": fresh_password()})),
        ),
        (Method::DELETE, "/api/v1/session".into(), None),
    ]
}

#[tokio::test]
async fn a_cookie_change_without_the_right_csrf_token_is_refused_and_changes_nothing() {
    for s in stacks("csrf_refused").await {
        let admin = s.admin().await;
        let other = s.sign_in("admin", &admin.password).await;
        s.add_demo_credential("prod").await;
        let victim = s.user(&admin, "victim", "auditor").await;
        let victim_id = s
            .store
            .find_user_by_name("victim")
            .await
            .unwrap()
            .unwrap()
            .id;
        let (_, token_id) = s.token(&admin, "kept", "auditor", 30).await;
        let before = snapshot(&s).await;

        let cookie = format!("certkeep_session={}", admin.cookie);
        let mut wrong = Vec::new();
        for (method, path, body) in changes(victim_id.as_str(), &token_id, &admin) {
            // No header, an empty one, a made-up one, the session id itself, and another live
            // session's token.
            let attempts: [Option<&str>; 5] = [
                None,
                Some(""),
                Some("0123456789abcdef0123456789abcdef0123456789a"),
                Some(&admin.cookie),
                Some(&other.csrf),
            ];
            for csrf in attempts {
                let mut b = s
                    .http
                    .request(method.clone(), format!("{}{path}", s.url))
                    .header("cookie", &cookie);
                if let Some(t) = csrf {
                    b = b.header("x-csrf-token", t);
                }
                if let Some(v) = &body {
                    b = b.json(v);
                }
                let r = s.send(b).await;
                if r.status != 403 || r.code() != "csrf_failed" {
                    wrong.push(format!("csrf={csrf:?}: {r:?}"));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{}: not refused:\n{}",
            s.backend,
            wrong.join("\n")
        );
        assert_eq!(
            snapshot(&s).await,
            before,
            "{}: something changed",
            s.backend
        );
        // The admin's session still works, and the victim's too.
        for session in [&admin, &victim] {
            s.get(&Who::Session(session.clone()), "/api/v1/session")
                .await
                .expect(200);
        }
        assert!(
            s.store
                .find_session(&digest(&admin.cookie))
                .await
                .unwrap()
                .is_some()
        );

        // With the right token the same change goes through (the refusal was the CSRF check).
        s.call(
            &Who::Session(admin.clone()),
            Method::PATCH,
            &format!("/api/v1/users/{}", victim_id.as_str()),
            Some(json!({"role": "operator"})),
        )
        .await
        .expect(200);
        let v = s.store.find_user_by_name("victim").await.unwrap().unwrap();
        assert_eq!(v.role.as_str(), "operator", "{}", s.backend);
        s.finish().await;
    }
}

#[tokio::test]
async fn reads_need_no_csrf_token_and_bearer_requests_need_none() {
    for s in stacks("csrf_not_needed").await {
        let admin = s.admin().await;
        s.add_demo_credential("prod").await;
        let cookie = format!("certkeep_session={}", admin.cookie);
        for path in [
            "/api/v1/session",
            "/api/v1/users",
            "/api/v1/tokens",
            "/api/v1/credentials",
            "/api/v1/vaults",
            "/api/v1/certificates",
            "/api/v1/audit",
        ] {
            let r = s
                .send(
                    s.http
                        .get(format!("{}{path}", s.url))
                        .header("cookie", &cookie),
                )
                .await;
            assert_eq!(r.status, 200, "{}: {r:?}", s.backend);
        }

        let (token, _) = s.token(&admin, "script", "admin", 30).await;
        let bearer = Who::Token(token);
        let before = s.store.list_users().await.unwrap().len();
        s.post(
            &bearer,
            "/api/v1/users",
            json!({"username": "bob", "password": fresh_password(), "role": "auditor"}),
        )
        .await
        .expect(201);
        assert_eq!(
            s.store.list_users().await.unwrap().len(),
            before + 1,
            "{}",
            s.backend
        );
        let bob = s.store.find_user_by_name("bob").await.unwrap().unwrap();
        s.call(
            &bearer,
            Method::PATCH,
            &format!("/api/v1/users/{}", bob.id.as_str()),
            Some(json!({"role": "operator"})),
        )
        .await
        .expect(200);
        s.post(
            &bearer,
            "/api/v1/vaults/sync",
            json!({"credential": "prod"}),
        )
        .await
        .expect(200);
        s.call(
            &bearer,
            Method::PUT,
            "/api/v1/credentials/prod/secret",
            Some(json!({"client_secret": DEMO_CLIENT_SECRET})),
        )
        .await
        .expect(200);
        s.call(
            &bearer,
            Method::DELETE,
            &format!("/api/v1/users/{}", bob.id.as_str()),
            None,
        )
        .await
        .expect(204);
        assert!(
            s.store.find_user_by_name("bob").await.unwrap().is_none(),
            "{}",
            s.backend
        );
        s.finish().await;
    }
}
