//! Guessing passwords: a wrong user and a wrong password get the same answer; five failures
//! lock the user name (and the client address) out, so the sixth attempt is refused with 429
//! and `Retry-After` even with the right password; failures and lockouts are audited.

use serde_json::{Value, json};

use crate::common::{Stack, Who, fresh_password, stacks};

/// The audit events with `action`, as the API lists them (newest first).
async fn audit(s: &Stack, who: &Who, action: &str) -> Vec<Value> {
    let r = s
        .get(who, &format!("/api/v1/audit?action={action}&limit=100"))
        .await
        .expect(200);
    r.json()["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_wrong_user_and_a_wrong_password_get_the_same_answer() {
    for s in stacks("login_same_answer").await {
        let admin = s.admin().await;
        let wrong_password = s.login("admin", "not-the-password-1").await;
        let wrong_user = s.login("nobody-here", "not-the-password-1").await;
        let empty = s.login("", "").await;
        assert_eq!(wrong_password.status, 401, "{wrong_password:?}");
        assert_eq!(
            (wrong_user.status, &wrong_user.body),
            (wrong_password.status, &wrong_password.body),
            "{}: {wrong_user:?} vs {wrong_password:?}",
            s.backend
        );
        assert_eq!(
            (empty.status, &empty.body),
            (401, &wrong_password.body),
            "{}",
            s.backend
        );
        for r in [&wrong_password, &wrong_user, &empty] {
            assert!(
                r.set_cookies().is_empty(),
                "{}: no cookie on failure: {r:?}",
                s.backend
            );
            assert_eq!(r.code(), "unauthenticated");
        }
        // The same header names too (nothing tells the two apart).
        let names = |r: &crate::common::Resp| {
            let mut n: Vec<String> = r
                .headers
                .keys()
                .map(|k| k.as_str().to_string())
                .filter(|k| k != "date")
                .collect();
            n.sort();
            n
        };
        assert_eq!(names(&wrong_user), names(&wrong_password), "{}", s.backend);
        // Both are audited as failed sign-ins.
        let events = audit(&s, &Who::Session(admin), "user.login").await;
        let failed: Vec<&str> = events
            .iter()
            .filter(|e| e["outcome"] == "failed")
            .map(|e| e["target"].as_str().unwrap())
            .collect();
        assert!(
            failed.contains(&"admin") && failed.contains(&"nobody-here"),
            "{}: {events:?}",
            s.backend
        );
        s.finish().await;
    }
}

#[tokio::test]
async fn five_failures_lock_the_user_out_and_the_sixth_attempt_gets_429_with_retry_after() {
    for s in stacks("login_lockout").await {
        let admin = s.admin().await;
        // A token to read the audit log with while sign-ins are locked.
        let (token, _) = s.token(&admin, "reader", "auditor", 30).await;
        let reader = Who::Token(token);
        for i in 1..=5 {
            let r = s.login("admin", &format!("wrong-password-{i}")).await;
            assert_eq!(r.status, 401, "{}: attempt {i}: {r:?}", s.backend);
        }
        let r = s.login("admin", &admin.password).await;
        assert_eq!(
            r.status, 429,
            "{}: the right password, locked: {r:?}",
            s.backend
        );
        assert_eq!(r.code(), "rate_limited");
        assert!(r.set_cookies().is_empty());
        let retry: i64 = r
            .header("retry-after")
            .unwrap_or_else(|| panic!("{}: Retry-After: {r:?}", s.backend))
            .parse()
            .expect("Retry-After in seconds");
        assert!(
            (1..=30).contains(&retry),
            "{}: Retry-After {retry}",
            s.backend
        );
        let throttle = s
            .store
            .find_login_throttle("user:admin")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(throttle.failures, 5, "{}", s.backend);
        assert_eq!(
            throttle.locked_until,
            Some(s.clock.get() + 30),
            "{}",
            s.backend
        );
        // No session was made for the refused attempt.
        let sessions = s.store.count_sessions().await.unwrap();
        assert_eq!(sessions, 1, "{}: only the admin's first session", s.backend);

        let logins = audit(&s, &reader, "user.login").await;
        let failed = logins
            .iter()
            .filter(|e| e["outcome"] == "failed" && e["target"] == "admin")
            .count();
        assert_eq!(failed, 5, "{}: {logins:#?}", s.backend);
        assert!(
            logins
                .iter()
                .any(|e| e["outcome"] == "refused" && e["target"] == "admin"),
            "{}: the refused attempt is audited: {logins:#?}",
            s.backend
        );
        let lockouts = audit(&s, &reader, "user.lockout").await;
        assert!(
            lockouts.iter().any(|e| e["target"] == "admin"
                && e["outcome"] == "locked"
                && e["detail"]["seconds"] == 30),
            "{}: {lockouts:#?}",
            s.backend
        );
        assert!(
            !serde_json::to_string(&logins)
                .unwrap()
                .contains("wrong-password-"),
            "{}: tried passwords are never recorded",
            s.backend
        );

        // Still locked a second before the end; the right password works after it.
        s.clock.advance(retry - 1);
        s.login("admin", &admin.password).await.expect(429);
        s.clock.advance(1);
        s.sign_in("admin", &admin.password).await;
        assert!(
            s.store
                .find_login_throttle("user:admin")
                .await
                .unwrap()
                .is_none(),
            "{}: a success clears the count",
            s.backend
        );
        s.finish().await;
    }
}

#[tokio::test]
async fn failures_spread_over_many_user_names_lock_the_client_address_out() {
    for s in stacks("login_address_lockout").await {
        let admin = s.admin().await;
        let otp = fresh_password();
        s.post(
            &Who::Session(admin.clone()),
            "/api/v1/users",
            json!({"username": "carol", "password": otp, "role": "auditor"}),
        )
        .await
        .expect(201);
        for i in 1..=5 {
            s.login(&format!("guess-{i}"), "not-a-password-xyz")
                .await
                .expect(401);
        }
        // Carol never failed, but the address did.
        let r = s.login("carol", &otp).await.expect(429);
        assert!(r.header("retry-after").is_some(), "{r:?}");
        let t = s
            .store
            .find_login_throttle("addr:127.0.0.1")
            .await
            .unwrap()
            .unwrap();
        assert!(
            t.locked_until.is_some_and(|u| u > s.clock.get()),
            "{}: {t:?}",
            s.backend
        );
        let lockouts = audit(&s, &Who::Session(admin.clone()), "user.lockout").await;
        assert!(
            lockouts.iter().any(|e| e["detail"]["key"] == "addr"),
            "{}: {lockouts:#?}",
            s.backend
        );
        s.finish().await;
    }
}
