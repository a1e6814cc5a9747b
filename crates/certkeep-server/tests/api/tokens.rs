//! API tokens: shown once (listings show a prefix; the store a digest), never above the
//! owner's role (and following the owner's current role), auditor tokens change nothing,
//! expired and revoked tokens get 401, tokens in a query string are refused with 400, a token
//! cannot make tokens, and token requests never get a cookie.

use certkeep_engine::access::secrets::digest;
use reqwest::Method;
use serde_json::json;

use crate::common::{DEMO_CLIENT_SECRET, Who, fresh_password, stacks};

#[tokio::test]
async fn a_token_is_shown_once_then_only_its_prefix() {
    for s in stacks("token_shown_once").await {
        let admin = s.admin().await;
        let r = s
            .post(
                &Who::Session(admin.clone()),
                "/api/v1/tokens",
                json!({"name": "deploy", "role": "operator", "expires_in_days": 30}),
            )
            .await
            .expect(201);
        let made = r.json();
        let token = made["token"].as_str().unwrap().to_string();
        assert!(token.starts_with("ck_") && token.len() >= 40, "{token}");
        let d = &made["details"];
        assert_eq!(d["name"], "deploy");
        assert_eq!(d["role"], "operator");
        assert_eq!(d["owner"], "admin");
        assert_eq!(d["active"], true);
        let prefix = d["prefix"].as_str().unwrap();
        assert!(
            token.starts_with(prefix) && prefix.len() < token.len() / 2,
            "{prefix}"
        );

        let listing = s
            .get(&Who::Session(admin.clone()), "/api/v1/tokens")
            .await
            .expect(200);
        let items = listing.json();
        assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
        assert_eq!(items[0]["prefix"], prefix);
        assert!(items[0].get("token").is_none(), "{items}");
        assert!(
            !listing.text().contains(&token),
            "{}: the listing leaks the token",
            s.backend
        );
        let all = s
            .get(&Who::Session(admin.clone()), "/api/v1/tokens?all=true")
            .await
            .expect(200);
        assert!(!all.text().contains(&token));

        // The store keeps the digest and the prefix, never the token.
        let stored = s.store.list_api_tokens(None).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].token_hash, digest(&token), "{}", s.backend);
        assert_eq!(stored[0].prefix, prefix);
        assert_eq!(stored[0].expires_at, s.clock.get() + 30 * 86_400);
        assert_eq!(stored[0].role.as_str(), "operator");

        // It works, and says so.
        let me = s
            .get(&Who::Token(token.clone()), "/api/v1/session")
            .await
            .expect(200)
            .json();
        assert_eq!(
            (
                me["username"].as_str(),
                me["role"].as_str(),
                me["via"].as_str()
            ),
            (Some("admin"), Some("operator"), Some("token"))
        );
        assert!(
            s.store
                .find_api_token(&stored[0].id)
                .await
                .unwrap()
                .unwrap()
                .last_used_at
                .is_some()
        );
        s.finish().await;
    }
}

#[tokio::test]
async fn a_tokens_role_cannot_exceed_its_owners() {
    for s in stacks("token_role_cap").await {
        let admin = s.admin().await;
        let operator = s.user(&admin, "oscar", "operator").await;
        let auditor = s.user(&admin, "aud", "auditor").await;
        for (who, role) in [
            (&operator, "admin"),
            (&auditor, "operator"),
            (&auditor, "admin"),
        ] {
            let r = s
                .post(
                    &Who::Session(who.clone()),
                    "/api/v1/tokens",
                    json!({"name": "too-high", "role": role, "expires_in_days": 1}),
                )
                .await
                .expect(400);
            assert_eq!(r.code(), "invalid_input", "{r:?}");
            assert_eq!(r.field().as_deref(), Some("role"), "{}: {r:?}", s.backend);
        }
        let r = s
            .post(
                &Who::Session(operator.clone()),
                "/api/v1/tokens",
                json!({"name": "bogus", "role": "root", "expires_in_days": 1}),
            )
            .await
            .expect(400);
        assert_eq!(r.field().as_deref(), Some("role"));
        for days in [0, 367, -1] {
            let r = s
                .post(
                    &Who::Session(operator.clone()),
                    "/api/v1/tokens",
                    json!({"name": "days", "role": "auditor", "expires_in_days": days}),
                )
                .await
                .expect(400);
            assert_eq!(r.field().as_deref(), Some("expires_in_days"), "{r:?}");
        }
        assert!(
            s.store.list_api_tokens(None).await.unwrap().is_empty(),
            "{}: none stored",
            s.backend
        );
        // At or below one's role is fine.
        s.token(&operator, "same", "operator", 1).await;
        s.token(&operator, "lower", "auditor", 1).await;
        s.token(&auditor, "same", "auditor", 1).await;
        s.finish().await;
    }
}

#[tokio::test]
async fn an_auditor_token_reads_but_cannot_change_anything() {
    for s in stacks("auditor_token").await {
        let admin = s.admin().await;
        s.add_demo_credential("prod").await;
        // The admin's own token, with the auditor role: the token's role rules.
        let (token, _) = s.token(&admin, "read-only", "auditor", 30).await;
        let t = Who::Token(token);
        s.get(&t, "/api/v1/certificates").await.expect(200);
        s.get(&t, "/api/v1/credentials").await.expect(200);
        let events = s.store.list_audit_events(100_000).await.unwrap().len();
        let users = s.store.count_users().await.unwrap();
        let admin_id = s
            .store
            .find_user_by_name("admin")
            .await
            .unwrap()
            .unwrap()
            .id;
        for (method, path, body) in [
            (
                Method::POST,
                "/api/v1/vaults/sync".to_string(),
                Some(json!({})),
            ),
            (
                Method::POST,
                "/api/v1/vaults/prod/kv-prod-web/issuers/sync".into(),
                None,
            ),
            (
                Method::POST,
                "/api/v1/users".into(),
                Some(json!({"username": "x1", "password": fresh_password(), "role": "admin"})),
            ),
            (
                Method::PATCH,
                format!("/api/v1/users/{}", admin_id.as_str()),
                Some(json!({"disabled": true})),
            ),
            (
                Method::DELETE,
                format!("/api/v1/users/{}", admin_id.as_str()),
                None,
            ),
            (
                Method::PUT,
                "/api/v1/credentials/prod/secret".into(),
                Some(json!({"client_secret": DEMO_CLIENT_SECRET})),
            ),
            (Method::DELETE, "/api/v1/credentials/prod".into(), None),
            (Method::GET, "/api/v1/users".into(), None),
        ] {
            let r = s.call(&t, method, &path, body).await;
            assert_eq!(r.status, 403, "{}: {r:?}", s.backend);
            assert_eq!(r.code(), "forbidden");
        }
        assert_eq!(s.store.count_users().await.unwrap(), users);
        assert_eq!(s.store.list_credentials().await.unwrap().len(), 1);
        assert_eq!(
            s.store.list_audit_events(100_000).await.unwrap().len(),
            events,
            "{}: nothing was done",
            s.backend
        );
        s.finish().await;
    }
}

#[tokio::test]
async fn a_token_follows_its_owners_current_role_and_account() {
    for s in stacks("token_follows_owner").await {
        let admin = s.admin().await;
        s.add_demo_credential("prod").await;
        let op = s.user(&admin, "opal", "operator").await;
        let (token, _) = s.token(&op, "ci", "operator", 30).await;
        let t = Who::Token(token.clone());
        s.post(&t, "/api/v1/vaults/sync", json!({}))
            .await
            .expect(200);
        let opal = s.store.find_user_by_name("opal").await.unwrap().unwrap();
        let user_path = format!("/api/v1/users/{}", opal.id.as_str());
        s.call(
            &Who::Session(admin.clone()),
            Method::PATCH,
            &user_path,
            Some(json!({"role": "auditor"})),
        )
        .await
        .expect(200);
        let r = s
            .post(&t, "/api/v1/vaults/sync", json!({}))
            .await
            .expect(403);
        assert_eq!(r.code(), "forbidden");
        let me = s.get(&t, "/api/v1/session").await.expect(200).json();
        assert_eq!(me["role"], "auditor", "{}", s.backend);
        s.call(
            &Who::Session(admin.clone()),
            Method::DELETE,
            &user_path,
            None,
        )
        .await
        .expect(204);
        s.get(&t, "/api/v1/certificates").await.expect(401);
        s.finish().await;
    }
}

#[tokio::test]
async fn an_expired_or_revoked_token_gets_401() {
    for s in stacks("token_expiry").await {
        let admin = s.admin().await;
        let (day, _) = s.token(&admin, "one-day", "admin", 1).await;
        let (kept, _) = s.token(&admin, "long", "admin", 366).await;
        let (revoked, revoked_id) = s.token(&admin, "to-revoke", "admin", 30).await;
        s.get(&Who::Token(day.clone()), "/api/v1/certificates")
            .await
            .expect(200);

        s.clock.advance(86_400 - 1);
        s.get(&Who::Token(day.clone()), "/api/v1/certificates")
            .await
            .expect(200);
        s.clock.advance(1);
        let r = s
            .get(&Who::Token(day.clone()), "/api/v1/certificates")
            .await
            .expect(401);
        assert_eq!(r.code(), "unauthenticated");
        s.post(&Who::Token(day.clone()), "/api/v1/vaults/sync", json!({}))
            .await
            .expect(401);
        let listed = s
            .get(&Who::Token(kept.clone()), "/api/v1/tokens")
            .await
            .expect(200)
            .json();
        let one_day = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "one-day")
            .unwrap();
        assert_eq!(one_day["active"], false, "{}: {listed}", s.backend);

        let r = s
            .call(
                &Who::Token(kept.clone()),
                Method::DELETE,
                &format!("/api/v1/tokens/{revoked_id}"),
                None,
            )
            .await
            .expect(200);
        assert_eq!(r.json()["active"], false);
        assert!(r.json()["revoked_at"].is_string());
        s.get(&Who::Token(revoked.clone()), "/api/v1/session")
            .await
            .expect(401);
        let stored = s
            .store
            .list_api_tokens(None)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.name == "to-revoke")
            .unwrap();
        assert_eq!(stored.revoked_at, Some(s.clock.get()), "{}", s.backend);
        s.get(&Who::Token(kept.clone()), "/api/v1/session")
            .await
            .expect(200);
        // Made-up tokens, and a malformed header, are 401 too (never anonymous).
        for bad in ["ck_madeup", "ck_", "not-even-prefixed"] {
            s.get(&Who::Token(bad.into()), "/api/v1/session")
                .await
                .expect(401);
        }
        let r = s
            .send(
                s.http
                    .get(format!("{}/api/v1/session", s.url))
                    .header("authorization", format!("Basic {kept}")),
            )
            .await
            .expect(401);
        assert_eq!(r.code(), "unauthenticated");
        s.finish().await;
    }
}

#[tokio::test]
async fn a_token_in_the_query_string_is_refused() {
    for s in stacks("token_in_query").await {
        let admin = s.admin().await;
        let (token, id) = s.token(&admin, "leaky", "admin", 30).await;
        let tid = certkeep_store::ApiTokenId::parse(&id).unwrap();
        for query in [
            format!("access_token={token}"),
            "access_token=anything".to_string(),
            format!("ACCESS_TOKEN={token}"),
            format!("search={token}"),
            format!("limit=5&token={token}"),
            "search=ck_whatever".to_string(),
        ] {
            for who in [
                Who::Anon,
                Who::Token(token.clone()),
                Who::Session(admin.clone()),
            ] {
                let r = s.get(&who, &format!("/api/v1/certificates?{query}")).await;
                assert_eq!(r.status, 400, "{}: ?{query}: {r:?}", s.backend);
                assert_eq!(r.field().as_deref(), Some("query"), "{r:?}");
                assert!(!r.text().contains(&token), "{}: echoed", s.backend);
            }
        }
        // The refused requests did not use the token.
        assert!(
            s.store
                .find_api_token(&tid)
                .await
                .unwrap()
                .unwrap()
                .last_used_at
                .is_none(),
            "{}: a refused request authenticated with the token",
            s.backend
        );
        s.finish().await;
    }
}

#[tokio::test]
async fn a_token_cannot_make_tokens_or_change_a_password() {
    for s in stacks("token_cannot_mint").await {
        let admin = s.admin().await;
        let (token, _) = s.token(&admin, "script", "admin", 30).await;
        let r = s
            .post(
                &Who::Token(token.clone()),
                "/api/v1/tokens",
                json!({"name": "child", "role": "admin", "expires_in_days": 366}),
            )
            .await
            .expect(403);
        assert_eq!(r.code(), "forbidden");
        assert_eq!(
            s.store.list_api_tokens(None).await.unwrap().len(),
            1,
            "{}",
            s.backend
        );
        let hash = s
            .store
            .find_user_by_name("admin")
            .await
            .unwrap()
            .unwrap()
            .password_hash;
        s.post(
            &Who::Token(token.clone()),
            "/api/v1/session/password",
            json!({"current_password": admin.password, "new_password": fresh_password()}),
        )
        .await
        .expect(403);
        assert_eq!(
            s.store
                .find_user_by_name("admin")
                .await
                .unwrap()
                .unwrap()
                .password_hash,
            hash
        );
        s.finish().await;
    }
}

#[tokio::test]
async fn token_requests_never_get_a_cookie() {
    for s in stacks("token_no_cookie").await {
        let admin = s.admin().await;
        s.add_demo_credential("prod").await;
        let (token, _) = s.token(&admin, "script", "admin", 30).await;
        let t = Who::Token(token);
        let rs = vec![
            s.get(&t, "/api/v1/session").await,
            s.get(&t, "/api/v1/certificates").await,
            s.get(&t, "/api/v1/users").await,
            s.post(&t, "/api/v1/vaults/sync", json!({})).await,
            s.post(
                &t,
                "/api/v1/users",
                json!({"username": "u9", "password": fresh_password(), "role": "auditor"}),
            )
            .await,
            s.post(
                &t,
                "/api/v1/tokens",
                json!({"name": "n", "role": "auditor", "expires_in_days": 1}),
            )
            .await,
            s.get(&t, "/api/v1/nothing-here").await,
            s.get(&Who::Token("ck_wrong".into()), "/api/v1/session")
                .await,
        ];
        for r in rs {
            assert!(
                r.set_cookies().is_empty(),
                "{}: {r:?} set {:?}",
                s.backend,
                r.set_cookies()
            );
        }
        s.finish().await;
    }
}

#[tokio::test]
async fn signing_out_with_a_token_sets_no_cookie() {
    for s in stacks("token_logout_cookie").await {
        let admin = s.admin().await;
        let (token, _) = s.token(&admin, "script", "admin", 30).await;
        let r = s
            .call(
                &Who::Token(token.clone()),
                Method::DELETE,
                "/api/v1/session",
                None,
            )
            .await;
        assert!(
            r.set_cookies().is_empty(),
            "{}: {r:?} set {:?}",
            s.backend,
            r.set_cookies()
        );
        s.finish().await;
    }
}

#[tokio::test]
async fn a_user_revokes_only_their_own_tokens_and_an_admin_anyones() {
    for s in stacks("token_revoke_scope").await {
        let admin = s.admin().await;
        let op = s.user(&admin, "otto", "operator").await;
        let au = s.user(&admin, "ada", "auditor").await;
        let (_, ada_id) = s.token(&au, "ada-t", "auditor", 30).await;
        let (_, otto_id) = s.token(&op, "otto-t", "operator", 30).await;
        let r = s
            .call(
                &Who::Session(op.clone()),
                Method::DELETE,
                &format!("/api/v1/tokens/{ada_id}"),
                None,
            )
            .await
            .expect(404);
        assert_eq!(r.code(), "not_found");
        // Otto's listing shows his own only; everyone's is the admin's.
        let mine = s
            .get(&Who::Session(op.clone()), "/api/v1/tokens")
            .await
            .expect(200)
            .json();
        assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
        s.get(&Who::Session(op.clone()), "/api/v1/tokens?all=true")
            .await
            .expect(403);
        let all = s
            .get(&Who::Session(admin.clone()), "/api/v1/tokens?all=true")
            .await
            .expect(200)
            .json();
        assert_eq!(all.as_array().unwrap().len(), 2, "{all}");
        assert!(
            s.store
                .list_api_tokens(None)
                .await
                .unwrap()
                .iter()
                .all(|t| t.revoked_at.is_none())
        );
        for id in [&ada_id, &otto_id] {
            s.call(
                &Who::Session(admin.clone()),
                Method::DELETE,
                &format!("/api/v1/tokens/{id}"),
                None,
            )
            .await
            .expect(200);
        }
        assert!(
            s.store
                .list_api_tokens(None)
                .await
                .unwrap()
                .iter()
                .all(|t| t.revoked_at.is_some()),
            "{}",
            s.backend
        );
        s.call(
            &Who::Session(admin.clone()),
            Method::DELETE,
            "/api/v1/tokens/not-a-uuid",
            None,
        )
        .await
        .expect(404);
        s.finish().await;
    }
}
