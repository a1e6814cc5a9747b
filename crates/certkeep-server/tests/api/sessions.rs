//! Browser sessions: the cookie's attributes, a new id at every sign-in, sign-out ending the
//! session on the server, the idle and absolute timeouts (on the injected clock), one-time
//! passwords, and the events that end a user's sessions.

use certkeep_engine::access::secrets::digest;
use reqwest::Method;
use serde_json::json;

use crate::common::{Session, Stack, Who, cookie_value, fresh_password, stacks};

/// The attributes of a `Set-Cookie` value, lowercased (`name=value` first).
fn attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

async fn whoami(s: &Stack, session: &Session) -> u16 {
    s.get(&Who::Session(session.clone()), "/api/v1/session")
        .await
        .status
}

async fn live_in_store(s: &Stack, session: &Session) -> bool {
    s.store
        .find_session(&digest(&session.cookie))
        .await
        .expect("find session")
        .is_some()
}

#[tokio::test]
async fn the_session_cookie_is_httponly_samesite_strict_path_root_and_not_secure_on_http() {
    for s in stacks("cookie_attributes").await {
        let otp = s.engine.bootstrap_admin().await.unwrap().unwrap();
        let r = s.login("admin", &otp).await.expect(200);
        let cookies = r.set_cookies();
        assert_eq!(cookies.len(), 1, "{}: {cookies:?}", s.backend);
        let c = &cookies[0];
        let value = cookie_value(c).unwrap_or_else(|| panic!("certkeep_session in {c}"));
        assert!(value.len() >= 40, "{}: a long random id: {c}", s.backend);
        let attrs = attributes(c);
        assert!(attrs.contains(&"httponly".into()), "{}: {c}", s.backend);
        assert!(
            attrs.contains(&"samesite=strict".into()),
            "{}: {c}",
            s.backend
        );
        assert!(attrs.contains(&"path=/".into()), "{}: {c}", s.backend);
        assert!(
            !attrs.iter().any(|a| a == "secure"),
            "{}: no Secure on plain HTTP (the browser would drop it): {c}",
            s.backend
        );
        assert!(
            attrs.contains(&format!("max-age={}", 12 * 3600)),
            "{}: lives no longer than the absolute timeout: {c}",
            s.backend
        );
        assert!(
            !attrs.iter().any(|a| a.starts_with("domain=")),
            "{}: host-only: {c}",
            s.backend
        );

        // The store keeps the digests of the id and the CSRF token, never the values.
        let body = r.json();
        let csrf = body["csrf_token"].as_str().unwrap().to_string();
        assert_ne!(csrf, value);
        let stored = s
            .store
            .find_session(&digest(&value))
            .await
            .unwrap()
            .expect("the session is stored under the digest of the cookie");
        assert_eq!(stored.csrf_hash, digest(&csrf), "{}", s.backend);
        assert_ne!(stored.id_hash, value);
        assert_eq!(stored.created_at, s.clock.get());
        assert_eq!(stored.expires_at, s.clock.get() + 12 * 3600);
        assert_eq!(body["username"], "admin");
        assert_eq!(body["role"], "admin");
        assert_eq!(body["via"], "session");
        assert_eq!(body["must_change_password"], true);
        s.finish().await;
    }
}

#[tokio::test]
async fn every_sign_in_gets_a_new_session_id_never_the_one_presented() {
    for s in stacks("new_id_per_login").await {
        let admin = s.admin().await;
        let again = s.sign_in("admin", &admin.password).await;
        assert_ne!(again.cookie, admin.cookie, "{}", s.backend);
        assert_ne!(again.csrf, admin.csrf, "{}", s.backend);

        // Signing in while presenting a live session's cookie (and its CSRF token): the
        // answer sets a new id, not the presented one.
        let r = s
            .post(
                &Who::Session(admin.clone()),
                "/api/v1/session",
                json!({"username": "admin", "password": admin.password}),
            )
            .await
            .expect(200);
        let set = r
            .set_cookies()
            .iter()
            .find_map(|c| cookie_value(c))
            .expect("a session cookie");
        assert_ne!(set, admin.cookie, "{}: session fixation", s.backend);
        assert_ne!(set, again.cookie, "{}", s.backend);
        assert_eq!(s.store.count_sessions().await.unwrap(), 3, "{}", s.backend);
        for id in [&admin.cookie, &again.cookie, &set] {
            assert!(
                s.store.find_session(&digest(id)).await.unwrap().is_some(),
                "{}",
                s.backend
            );
        }
        s.finish().await;
    }
}

#[tokio::test]
async fn signing_in_with_a_stale_or_planted_cookie_gets_a_new_session() {
    for s in stacks("stale_cookie_login").await {
        let admin = s.admin().await;
        // An attacker-planted value the server never issued, an idle-expired session, and a
        // signed-out one: each must be ignored by the sign-in, which sets a fresh id.
        let planted = "attacker-chosen-session-id-0123456789abcdef".to_string();
        let idle = s.sign_in("admin", &admin.password).await;
        let out = s.sign_in("admin", &admin.password).await;
        s.call(
            &Who::Session(out.clone()),
            Method::DELETE,
            "/api/v1/session",
            None,
        )
        .await
        .expect(204);
        s.clock.advance(31 * 60);
        for presented in [planted, idle.cookie.clone(), out.cookie.clone()] {
            let r = s
                .send(
                    s.request(&Who::Anon, Method::POST, "/api/v1/session")
                        .header("cookie", format!("certkeep_session={presented}"))
                        .json(&json!({"username": "admin", "password": admin.password})),
                )
                .await;
            assert_eq!(r.status, 200, "{}: {r:?}", s.backend);
            let set = r
                .set_cookies()
                .iter()
                .find_map(|c| cookie_value(c))
                .expect("a session cookie");
            assert_ne!(set, presented, "{}", s.backend);
        }
        s.finish().await;
    }
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    for s in stacks("logout").await {
        let admin = s.admin().await;
        let other = s.sign_in("admin", &admin.password).await;
        assert_eq!(whoami(&s, &admin).await, 200);
        let r = s
            .call(
                &Who::Session(admin.clone()),
                Method::DELETE,
                "/api/v1/session",
                None,
            )
            .await
            .expect(204);
        let cleared = r.set_cookies();
        assert!(
            cleared.iter().any(|c| c.starts_with("certkeep_session=;")
                && attributes(c).contains(&"max-age=0".into())),
            "{}: the cookie is cleared: {cleared:?}",
            s.backend
        );
        assert!(
            !live_in_store(&s, &admin).await,
            "{}: deleted from the store",
            s.backend
        );
        // The old cookie, replayed, is refused (401, never silently anonymous).
        let r = s
            .get(&Who::Session(admin.clone()), "/api/v1/session")
            .await
            .expect(401);
        assert_eq!(r.code(), "unauthenticated");
        s.get(&Who::Session(admin.clone()), "/api/v1/certificates")
            .await
            .expect(401);
        // Only that session ended.
        assert_eq!(whoami(&s, &other).await, 200, "{}", s.backend);
        assert!(live_in_store(&s, &other).await);
        let audit = s
            .get(
                &Who::Session(other.clone()),
                "/api/v1/audit?action=user.logout",
            )
            .await
            .expect(200)
            .json();
        assert_eq!(audit["total"], 1, "{}: {audit}", s.backend);
        s.finish().await;
    }
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes() {
    for s in stacks("idle_timeout").await {
        let admin = s.admin().await;
        let login_at = s.clock.get();
        // Busy: a request every 29 minutes keeps it alive past the idle limit.
        for step in 1..=3 {
            s.clock.advance(29 * 60);
            assert_eq!(whoami(&s, &admin).await, 200, "{}: step {step}", s.backend);
        }
        let stored = s
            .store
            .find_session(&digest(&admin.cookie))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stored.last_seen_at,
            login_at + 3 * 29 * 60,
            "{}: touched",
            s.backend
        );
        // One second short of 30 idle minutes: still alive.
        s.clock.advance(30 * 60 - 1);
        assert_eq!(whoami(&s, &admin).await, 200, "{}", s.backend);
        // 30 minutes after the last request: gone, and removed from the store.
        s.clock.advance(30 * 60);
        let r = s
            .get(&Who::Session(admin.clone()), "/api/v1/session")
            .await
            .expect(401);
        assert_eq!(r.code(), "unauthenticated");
        assert!(!live_in_store(&s, &admin).await, "{}", s.backend);
        // Moving the clock back does not revive it.
        s.clock.advance(-31 * 60);
        assert_eq!(whoami(&s, &admin).await, 401, "{}", s.backend);
        s.finish().await;
    }
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_sign_in_however_busy() {
    for s in stacks("absolute_timeout").await {
        let admin = s.admin().await;
        let login_at = s.clock.get();
        // A request every 25 minutes up to one second before the 12 hours.
        while s.clock.get() + 25 * 60 < login_at + 12 * 3600 {
            s.clock.advance(25 * 60);
            assert_eq!(
                whoami(&s, &admin).await,
                200,
                "{}: at +{}s",
                s.backend,
                s.clock.get() - login_at
            );
        }
        s.clock.advance(login_at + 12 * 3600 - 1 - s.clock.get());
        assert_eq!(whoami(&s, &admin).await, 200, "{}: 1 s before", s.backend);
        s.clock.advance(1);
        assert_eq!(whoami(&s, &admin).await, 401, "{}: at 12 h", s.backend);
        assert!(!live_in_store(&s, &admin).await, "{}", s.backend);
        s.finish().await;
    }
}

/// Requests a user with a one-time password may not make (each with a valid body).
fn before_the_password_change(user_id: &str) -> Vec<(Method, String, Option<serde_json::Value>)> {
    let cred = json!({"name": "x", "tenant_id": crate::common::DEMO_TENANT,
        "subscription_id": crate::common::DEMO_SUBSCRIPTIONS[0],
        "client_id": crate::common::DEMO_CLIENT_ID, "client_secret": "whatever", "cloud": "emulator"});
    vec![
        (Method::GET, "/api/v1/users".into(), None),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({"username": "u2", "password": fresh_password(), "role": "auditor"})),
        ),
        (Method::GET, format!("/api/v1/users/{user_id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/users/{user_id}"),
            Some(json!({"role": "auditor"})),
        ),
        (Method::GET, "/api/v1/roles".into(), None),
        (Method::GET, "/api/v1/tokens".into(), None),
        (
            Method::POST,
            "/api/v1/tokens".into(),
            Some(json!({"name": "t", "role": "auditor", "expires_in_days": 1})),
        ),
        (Method::GET, "/api/v1/credentials".into(), None),
        (Method::POST, "/api/v1/credentials".into(), Some(cred)),
        (Method::GET, "/api/v1/credentials/prod".into(), None),
        (
            Method::PUT,
            "/api/v1/credentials/prod/secret".into(),
            Some(json!({"client_secret": "x"})),
        ),
        (Method::DELETE, "/api/v1/credentials/prod".into(), None),
        (Method::GET, "/api/v1/vaults".into(), None),
        (Method::POST, "/api/v1/vaults/sync".into(), Some(json!({}))),
        (
            Method::GET,
            "/api/v1/vaults/prod/kv-prod-web/issuers".into(),
            None,
        ),
        (
            Method::POST,
            "/api/v1/vaults/prod/kv-prod-web/issuers/sync".into(),
            None,
        ),
        (
            Method::GET,
            "/api/v1/vaults/prod/kv-prod-web/certificates/www".into(),
            None,
        ),
        (
            Method::GET,
            "/api/v1/vaults/prod/kv-prod-web/certificates/www/export".into(),
            None,
        ),
        (Method::GET, "/api/v1/certificates".into(), None),
        (Method::GET, "/api/v1/certificates/facets".into(), None),
        (Method::GET, "/api/v1/secrets".into(), None),
        (Method::GET, "/api/v1/requests".into(), None),
        (Method::GET, "/api/v1/sync-runs".into(), None),
        (Method::GET, "/api/v1/summary".into(), None),
        (Method::GET, "/api/v1/audit".into(), None),
        (Method::GET, "/api/v1/audit/verify".into(), None),
    ]
}

#[tokio::test]
async fn a_user_with_a_one_time_password_may_only_change_it() {
    for s in stacks("one_time_password").await {
        // The bootstrapped admin, signed in with the one-time password.
        let otp = s.engine.bootstrap_admin().await.unwrap().unwrap();
        let mut admin = s.sign_in("admin", &otp).await;
        let id = s
            .store
            .find_user_by_name("admin")
            .await
            .unwrap()
            .unwrap()
            .id
            .as_str()
            .to_string();
        let events_before = s.store.list_audit_events(1000).await.unwrap().len();
        let mut wrong = Vec::new();
        for (method, path, body) in before_the_password_change(&id) {
            let r = s
                .call(&Who::Session(admin.clone()), method, &path, body)
                .await;
            if r.status != 403 || r.code() != "forbidden" {
                wrong.push(format!("{r:?}"));
            }
        }
        assert!(
            wrong.is_empty(),
            "{}: not 403:\n{}",
            s.backend,
            wrong.join("\n")
        );
        assert_eq!(s.store.count_users().await.unwrap(), 1, "{}", s.backend);
        assert_eq!(
            s.store.list_audit_events(1000).await.unwrap().len(),
            events_before,
            "{}: nothing was done",
            s.backend
        );
        // Who am I still answers, and says why.
        let me = s
            .get(&Who::Session(admin.clone()), "/api/v1/session")
            .await
            .expect(200)
            .json();
        assert_eq!(me["must_change_password"], true);

        // A weak new password is refused with the field named; the old one still holds.
        let r = s
            .post(
                &Who::Session(admin.clone()),
                "/api/v1/session/password",
                json!({"current_password": otp, "new_password": "short"}),
            )
            .await
            .expect(400);
        assert_eq!(r.field().as_deref(), Some("new_password"));
        let r = s
            .post(
                &Who::Session(admin.clone()),
                "/api/v1/session/password",
                json!({"current_password": "not-it-at-all-12", "new_password": fresh_password()}),
            )
            .await
            .expect(400);
        assert_eq!(r.field().as_deref(), Some("current_password"));
        assert!(
            s.store
                .find_user_by_name("admin")
                .await
                .unwrap()
                .unwrap()
                .must_change_password
        );

        s.change_password(&mut admin).await;
        assert!(
            !s.store
                .find_user_by_name("admin")
                .await
                .unwrap()
                .unwrap()
                .must_change_password,
            "{}",
            s.backend
        );
        s.get(&Who::Session(admin.clone()), "/api/v1/certificates")
            .await
            .expect(200);
        s.get(&Who::Session(admin.clone()), "/api/v1/users")
            .await
            .expect(200);
        // The one-time password no longer signs in; the new one does.
        s.login("admin", &otp).await.expect(401);
        s.sign_in("admin", &admin.password).await;

        // A user made by the admin must change theirs at first sign-in too.
        let otp2 = fresh_password();
        s.post(
            &Who::Session(admin.clone()),
            "/api/v1/users",
            json!({"username": "olga", "password": otp2, "role": "operator"}),
        )
        .await
        .expect(201);
        let olga = s.sign_in("olga", &otp2).await;
        let r = s
            .get(&Who::Session(olga.clone()), "/api/v1/certificates")
            .await
            .expect(403);
        assert_eq!(r.code(), "forbidden");
        s.post(
            &Who::Session(olga.clone()),
            "/api/v1/vaults/sync",
            json!({}),
        )
        .await
        .expect(403);
        // So must a user whose password an admin reset.
        let mut olga = olga;
        s.change_password(&mut olga).await;
        s.get(&Who::Session(olga.clone()), "/api/v1/certificates")
            .await
            .expect(200);
        let olga_id = s.store.find_user_by_name("olga").await.unwrap().unwrap().id;
        let reset = fresh_password();
        s.call(
            &Who::Session(admin.clone()),
            Method::PATCH,
            &format!("/api/v1/users/{}", olga_id.as_str()),
            Some(json!({"reset_password": reset})),
        )
        .await
        .expect(200);
        assert_eq!(
            whoami(&s, &olga).await,
            401,
            "{}: a reset ends her sessions",
            s.backend
        );
        let olga = s.sign_in("olga", &reset).await;
        s.get(&Who::Session(olga.clone()), "/api/v1/certificates")
            .await
            .expect(403);
        s.finish().await;
    }
}

#[tokio::test]
async fn a_password_change_ends_the_users_other_sessions_and_disabling_ends_all() {
    for s in stacks("sessions_end").await {
        let admin = s.admin().await;
        let mut a1 = s.user(&admin, "alice", "operator").await;
        let a2 = s.sign_in("alice", &a1.password).await;
        let a3 = s.sign_in("alice", &a1.password).await;
        s.change_password(&mut a1).await;
        assert_eq!(whoami(&s, &a1).await, 200, "{}: this one stays", s.backend);
        assert_eq!(whoami(&s, &a2).await, 401, "{}", s.backend);
        assert_eq!(whoami(&s, &a3).await, 401, "{}", s.backend);
        assert!(!live_in_store(&s, &a2).await && !live_in_store(&s, &a3).await);
        assert_eq!(
            whoami(&s, &admin).await,
            200,
            "{}: other users untouched",
            s.backend
        );

        let (token, _) = s.token(&a1, "alice-script", "operator", 30).await;
        let alice = s.store.find_user_by_name("alice").await.unwrap().unwrap();
        s.call(
            &Who::Session(admin.clone()),
            Method::PATCH,
            &format!("/api/v1/users/{}", alice.id.as_str()),
            Some(json!({"disabled": true})),
        )
        .await
        .expect(200);
        assert_eq!(whoami(&s, &a1).await, 401, "{}: disabled", s.backend);
        assert!(!live_in_store(&s, &a1).await);
        s.get(&Who::Token(token.clone()), "/api/v1/certificates")
            .await
            .expect(401);
        // A disabled user's sign-in gets the same answer as a wrong password.
        let disabled = s.login("alice", &a1.password).await.expect(401);
        let wrong = s
            .login("alice", "not-her-password-at-all")
            .await
            .expect(401);
        assert_eq!(disabled.body, wrong.body, "{}", s.backend);
        s.finish().await;
    }
}
