//! What the server stores (migration 3): users (names unique case-insensitively, deleted with
//! their sessions and tokens), sessions (touched, purged by absolute expiry and by idle time),
//! API tokens (one active name per user, revoked), login throttling (counted in a window, exact
//! under 20 concurrent failures on separate pools), and jobs (started once, progress, finished
//! once, interrupted when their heartbeat is stale). Nothing secret is stored as it is: the store
//! refuses anything but hashes.
use std::collections::BTreeSet;

use certkeep_store::{
    ApiTokenId, INTERRUPTED_ERROR, JobFilter, JobId, JobStatus, NewApiToken, NewJob, NewSession,
    NewUser, PageRequest, Role, Store, StoreError, USER_AGENT_MAX_CHARS, UserId, UserUpdate,
};
use sha2::{Digest, Sha256};

use super::fixtures::audit;
use super::{Ctx, DAY};

/// Where this step's clock starts (after every other step's times).
const T: i64 = super::T0 + 400 * DAY;
/// Concurrent login failures counted on one key.
const FAILURES: usize = 20;

/// A PHC string as the caller's argon2 makes it (the store only checks its form).
fn phc(seed: &str) -> String {
    let digest = hex::encode(Sha256::digest(seed.as_bytes()));
    format!(
        "$argon2id$v=19$m=19456,t=2,p=1${}${}",
        &digest[..22],
        &digest[22..]
    )
}

/// The hex SHA-256 the caller computes of a bearer secret.
fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn new_user(name: &str, role: Role) -> NewUser {
    NewUser {
        id: UserId::parse(&new_id()).expect("uuid"),
        username: name.into(),
        password_hash: phc(name),
        role,
        must_change_password: true,
    }
}

fn new_session(user: &UserId, secret: &str, created_at: i64, expires_at: i64) -> NewSession {
    NewSession {
        id_hash: digest(secret),
        user_id: user.clone(),
        csrf_hash: digest(&format!("csrf-{secret}")),
        created_at,
        expires_at,
        client_addr: Some("10.0.0.7".into()),
        user_agent: Some("Mozilla/5.0".into()),
    }
}

fn new_token(user: &UserId, name: &str, secret: &str, created_at: i64) -> NewApiToken {
    NewApiToken {
        id: ApiTokenId::parse(&new_id()).expect("uuid"),
        user_id: user.clone(),
        name: name.into(),
        role: Role::Operator,
        token_hash: digest(secret),
        prefix: secret.chars().take(7).collect(),
        created_at,
        expires_at: created_at + 90 * DAY,
    }
}

fn new_job(kind: &str, by: &str, created_at: i64, instance: &str) -> NewJob {
    NewJob {
        id: JobId::parse(&new_id()).expect("uuid"),
        kind: kind.into(),
        requested_by: by.into(),
        parameters: serde_json::json!({ "vault": "kv-prod", "kind": kind }),
        created_at,
        instance: instance.into(),
    }
}

fn is_conflict(result: &Result<impl std::fmt::Debug, StoreError>, on: &str) -> bool {
    matches!(result, Err(StoreError::Conflict { field, .. }) if *field == on)
}

fn is_invalid<V>(result: &Result<V, StoreError>) -> bool {
    matches!(result, Err(StoreError::Invalid(_)))
}

fn is_not_found<V>(result: &Result<V, StoreError>) -> bool {
    matches!(result, Err(StoreError::NotFound { .. }))
}

/// Extra pools on the same database: concurrent writers that share no connection.
async fn other_stores(ctx: &Ctx, n: usize) -> Vec<Store> {
    let mut stores = vec![ctx.store.clone()];
    for _ in 1..n {
        stores.push(Store::connect(&ctx.url).await.expect("another pool"));
    }
    stores
}

pub(crate) async fn story(ctx: &Ctx) {
    ctx.clock.set(T);
    let audit_before = ctx.audit_count().await;
    let stores = other_stores(ctx, 3).await;
    let (alice, bob) = users(ctx).await;
    username_race(&stores).await;
    sessions(ctx, &bob).await;
    api_tokens(ctx, &stores, &alice, &bob).await;
    delete_user(ctx, &bob).await;
    login_throttle(ctx).await;
    concurrent_login_failures(&stores).await;
    jobs(ctx, &stores).await;
    // The events of this step link up (the chain as a whole was broken on purpose by the
    // audit-chain step).
    let events = ctx
        .store
        .list_audit_events((ctx.audit_count().await - audit_before) as u64)
        .await
        .expect("events");
    let actions: Vec<&str> = events.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.create",
            "user.password",
            "token.create",
            "token.revoke",
            "user.delete"
        ]
    );
    for pair in events.windows(2) {
        assert_eq!(pair[1].hash, pair[0].prev_hash, "{pair:?}");
    }
    for other in stores.into_iter().skip(1) {
        other.close().await.expect("close");
    }
}

/// Creates alice (admin, audited) and bob (operator); returns their ids.
async fn users(ctx: &Ctx) -> (UserId, UserId) {
    let store = &ctx.store;
    assert_eq!(store.count_users().await.expect("count"), 0);
    let before = ctx.audit_count().await;
    let new_alice = new_user("Alice", Role::Admin);
    let alice = store
        .create_user(new_alice.clone(), Some(audit("user.create", "alice")))
        .await
        .expect("create alice");
    assert_eq!(alice.username, "alice", "stored lowercase");
    assert_eq!(
        (alice.role, alice.must_change_password, alice.disabled),
        (Role::Admin, true, false)
    );
    assert_eq!(
        (
            alice.created_at,
            alice.updated_at,
            alice.password_changed_at
        ),
        (T, T, T)
    );
    assert_eq!(alice.last_login_at, None);
    assert_eq!(alice.password_hash, new_alice.password_hash);
    assert!(
        !format!("{alice:?}").contains(&alice.password_hash),
        "Debug leaves out the hash"
    );
    assert_eq!(ctx.audit_count().await, before + 1);
    let event = &store.list_audit_events(1).await.expect("audit")[0];
    assert_eq!(event.detail["user_id"], alice.id.as_str());
    assert_eq!(event.action, "user.create");

    // A taken name in any case, a taken id, a password that is no hash, a bad name: refused,
    // nothing written, no event.
    let again = store
        .create_user(
            new_user("ALICE", Role::Auditor),
            Some(audit("user.create", "ALICE")),
        )
        .await;
    assert!(
        matches!(&again, Err(StoreError::Conflict { entity: "user", field: "username", value })
            if value == "alice"),
        "{again:?}"
    );
    let same_id = NewUser {
        username: "alicia".into(),
        ..new_alice.clone()
    };
    assert!(is_conflict(&store.create_user(same_id, None).await, "id"));
    let plain = NewUser {
        password_hash: "hunter2".into(),
        ..new_user("mallory", Role::Admin)
    };
    let refused = store.create_user(plain, None).await;
    match &refused {
        Err(StoreError::Invalid(message)) => assert!(!message.contains("hunter2"), "{message}"),
        other => panic!("a plain password is refused: {other:?}"),
    }
    for name in ["", " bob", "bo\nb"] {
        assert!(is_invalid(
            &store
                .create_user(new_user(name, Role::Operator), None)
                .await
        ));
    }
    assert_eq!(
        ctx.audit_count().await,
        before + 1,
        "refusals write no event"
    );
    assert_eq!(store.count_users().await.expect("count"), 1);

    let bob = store
        .create_user(new_user("bob", Role::Operator), None)
        .await
        .expect("create bob");
    let carol = store
        .create_user(new_user("Carol", Role::Auditor), None)
        .await
        .expect("create carol");
    assert_eq!(
        ctx.audit_count().await,
        before + 1,
        "no audit asked, none written"
    );
    let names: Vec<String> = store
        .list_users()
        .await
        .expect("list")
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["alice", "bob", "carol"]);
    assert_eq!(store.count_users().await.expect("count"), 3);
    assert_eq!(
        store.find_user(&bob.id).await.expect("find"),
        Some(bob.clone())
    );
    assert_eq!(
        store.find_user_by_name("aLiCe").await.expect("find"),
        Some(alice.clone())
    );
    for nobody in ["nobody", "", " alice", "alice\u{0}"] {
        assert_eq!(store.find_user_by_name(nobody).await.expect("find"), None);
    }
    let unknown = UserId::parse(&new_id()).expect("uuid");
    assert_eq!(store.find_user(&unknown).await.expect("find"), None);

    // Updates: a new password sets password_changed_at; the audit detail names the fields,
    // never the hash.
    ctx.clock.set(T + 60);
    let hash = phc("alice's new password");
    let changed = store
        .update_user(
            &alice.id,
            UserUpdate {
                password_hash: Some(hash.clone()),
                must_change_password: Some(false),
                ..UserUpdate::default()
            },
            Some(audit("user.password", "alice")),
        )
        .await
        .expect("change password");
    assert_eq!(changed.password_hash, hash);
    assert!(!changed.must_change_password);
    assert_eq!(
        (
            changed.created_at,
            changed.updated_at,
            changed.password_changed_at
        ),
        (T, T + 60, T + 60)
    );
    let event = &store.list_audit_events(1).await.expect("audit")[0];
    assert_eq!(event.detail["user_id"], alice.id.as_str());
    assert_eq!(
        event.detail["changed"],
        serde_json::json!(["password", "must_change_password"])
    );
    assert!(!event.detail.to_string().contains(&hash));

    // A sign-in alone leaves updated_at.
    ctx.clock.set(T + 120);
    let signed_in = store
        .update_user(
            &alice.id,
            UserUpdate {
                last_login_at: Some(T + 119),
                ..UserUpdate::default()
            },
            None,
        )
        .await
        .expect("sign-in");
    assert_eq!(
        (signed_in.last_login_at, signed_in.updated_at),
        (Some(T + 119), T + 60)
    );
    let demoted = store
        .update_user(
            &carol.id,
            UserUpdate {
                role: Some(Role::Operator),
                disabled: Some(true),
                ..UserUpdate::default()
            },
            None,
        )
        .await
        .expect("role and disabled");
    assert_eq!(
        (demoted.role, demoted.disabled, demoted.updated_at),
        (Role::Operator, true, T + 120)
    );
    assert_eq!(demoted.password_changed_at, T, "the password is untouched");
    let unchanged = store
        .update_user(&carol.id, UserUpdate::default(), None)
        .await
        .expect("empty update");
    assert_eq!(unchanged, demoted);
    let before = ctx.audit_count().await;
    assert!(is_not_found(
        &store
            .update_user(
                &unknown,
                UserUpdate {
                    disabled: Some(true),
                    ..UserUpdate::default()
                },
                Some(audit("user.disable", "ghost")),
            )
            .await
    ));
    assert!(is_not_found(
        &store
            .update_user(
                &unknown,
                UserUpdate::default(),
                Some(audit("user.x", "ghost"))
            )
            .await
    ));
    assert!(is_invalid(
        &store
            .update_user(
                &alice.id,
                UserUpdate {
                    password_hash: Some("plain text".into()),
                    ..UserUpdate::default()
                },
                Some(audit("user.password", "alice")),
            )
            .await
    ));
    assert_eq!(
        ctx.audit_count().await,
        before,
        "failed updates write no event"
    );
    (alice.id, bob.id)
}

/// Ten concurrent creates of one name in different cases on three pools: one wins.
async fn username_race(stores: &[Store]) {
    let mut tasks = Vec::new();
    for i in 0..10 {
        let store = stores[i % stores.len()].clone();
        let name = ["dave", "Dave", "DAVE", "dAvE"][i % 4].to_string();
        tasks.push(tokio::spawn(async move {
            store
                .create_user(new_user(&name, Role::Auditor), None)
                .await
        }));
    }
    let mut created = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(user) => {
                assert_eq!(user.username, "dave");
                created += 1;
            }
            Err(StoreError::Conflict {
                field: "username", ..
            }) => {}
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!(created, 1);
}

async fn sessions(ctx: &Ctx, bob: &UserId) {
    let store = &ctx.store;
    let eight_hours = 8 * 3600;
    let mut first = new_session(bob, "session-secret-1", T, T + eight_hours);
    first.user_agent = Some(format!("\u{0}{}", "é".repeat(300)));
    let created = store.create_session(first.clone()).await.expect("create");
    assert_eq!(
        created.user_agent,
        Some("é".repeat(USER_AGENT_MAX_CHARS)),
        "cut to 200 characters, control characters removed"
    );
    assert_eq!((created.created_at, created.last_seen_at), (T, T));
    assert_eq!(created.client_addr.as_deref(), Some("10.0.0.7"));
    // The stored row is what was returned; the lookup takes the digest in any case.
    let found = store
        .find_session(&first.id_hash.to_ascii_uppercase())
        .await
        .expect("find")
        .expect("stored");
    assert_eq!(found, created);
    assert_eq!(found.csrf_hash, digest("csrf-session-secret-1"));
    assert!(found.is_live_at(T + 10, 1800));
    assert!(!found.is_live_at(T + 1800, 1800), "idle");
    assert!(!found.is_live_at(T + eight_hours, 1_000_000), "expired");

    // Secrets as they are, an unknown user, a taken id: refused.
    let raw = NewSession {
        id_hash: "session-secret-1".into(),
        ..first.clone()
    };
    assert!(is_invalid(&store.create_session(raw).await));
    let raw_csrf = NewSession {
        csrf_hash: "csrf-token".into(),
        ..new_session(bob, "s-x", T, T + 1)
    };
    assert!(is_invalid(&store.create_session(raw_csrf).await));
    assert!(is_invalid(&store.find_session("session-secret-1").await));
    let ghost = UserId::parse(&new_id()).expect("uuid");
    assert!(is_not_found(
        &store
            .create_session(new_session(&ghost, "s-ghost", T, T + 1))
            .await
    ));
    assert!(is_conflict(
        &store.create_session(first.clone()).await,
        "id_hash"
    ));
    assert_eq!(
        store.find_session(&digest("never")).await.expect("find"),
        None
    );

    // Touch, list, delete.
    assert!(
        store
            .touch_session(&first.id_hash, T + 30)
            .await
            .expect("touch")
    );
    assert!(
        !store
            .touch_session(&digest("never"), T + 30)
            .await
            .expect("touch")
    );
    let touched = store
        .find_session(&first.id_hash)
        .await
        .expect("find")
        .expect("stored");
    assert_eq!(touched.last_seen_at, T + 30);
    let second = store
        .create_session(new_session(bob, "session-secret-2", T + 5, T + eight_hours))
        .await
        .expect("second");
    let listed: Vec<String> = store
        .list_sessions_of_user(bob)
        .await
        .expect("list")
        .into_iter()
        .map(|s| s.id_hash)
        .collect();
    assert_eq!(listed, [second.id_hash.clone(), first.id_hash.clone()]);
    assert!(store.delete_session(&second.id_hash).await.expect("delete"));
    assert!(!store.delete_session(&second.id_hash).await.expect("delete"));

    // Purge: by absolute expiry and by idle time, both bounds inclusive.
    let absolute = new_session(bob, "purge-absolute", T, T + 100);
    let idle = new_session(bob, "purge-idle", T, T + 10_000);
    let live = new_session(bob, "purge-live", T, T + 10_000);
    for s in [&absolute, &idle, &live] {
        store.create_session(s.clone()).await.expect("create");
    }
    for s in [&absolute, &live] {
        assert!(
            store
                .touch_session(&s.id_hash, T + 90)
                .await
                .expect("touch")
        );
    }
    let present = |s: &NewSession| {
        let hash = s.id_hash.clone();
        async move { store.find_session(&hash).await.expect("find").is_some() }
    };
    // Nothing is expired at T + 99 nor idle since before T - 1.
    assert_eq!(store.purge_sessions(T + 99, T - 1).await.expect("purge"), 0);
    // `first` was last seen at T + 30, `idle` at T: both idle by T + 30.
    assert_eq!(
        store.purge_sessions(T + 99, T + 30).await.expect("purge"),
        2
    );
    assert!(!present(&idle).await && present(&absolute).await && present(&live).await);
    assert!(
        store
            .find_session(&first.id_hash)
            .await
            .expect("find")
            .is_none()
    );
    // `absolute` expires at T + 100.
    assert_eq!(
        store.purge_sessions(T + 100, T + 30).await.expect("purge"),
        1
    );
    assert!(!present(&absolute).await && present(&live).await);
    assert_eq!(store.count_sessions().await.expect("count"), 1);

    // delete_sessions_of_user.
    store
        .create_session(new_session(bob, "bob-2", T + 100, T + 10_000))
        .await
        .expect("create");
    assert_eq!(store.delete_sessions_of_user(bob).await.expect("delete"), 2);
    assert_eq!(store.delete_sessions_of_user(bob).await.expect("delete"), 0);
    assert!(!present(&live).await);
    // Bob gets one more session for the user-deletion step.
    store
        .create_session(new_session(bob, "bob-last", T + 200, T + 10_000))
        .await
        .expect("create");
}

async fn api_tokens(ctx: &Ctx, stores: &[Store], alice: &UserId, bob: &UserId) {
    let store = &ctx.store;
    let before = ctx.audit_count().await;
    let ci = new_token(bob, "ci", "ck_BobCi000secret", T + 300);
    let created = store
        .create_api_token(ci.clone(), Some(audit("token.create", "bob/ci")))
        .await
        .expect("create");
    assert_eq!(
        (created.name.as_str(), created.prefix.as_str(), created.role),
        ("ci", "ck_BobC", Role::Operator)
    );
    assert_eq!(created.token_hash, digest("ck_BobCi000secret"));
    assert_eq!((created.last_used_at, created.revoked_at), (None, None));
    assert!(created.is_active_at(T + 300) && !created.is_active_at(T + 300 + 90 * DAY));
    assert_eq!(ctx.audit_count().await, before + 1);
    let event = &store.list_audit_events(1).await.expect("audit")[0];
    assert_eq!(event.detail["api_token_id"], ci.id.as_str());

    // The name again for bob; the token as it is; a taken hash; an unknown user; blank name.
    let again = new_token(bob, "ci", "ck_other", T + 301);
    assert!(is_conflict(
        &store
            .create_api_token(again, Some(audit("token.create", "bob/ci")))
            .await,
        "name"
    ));
    let raw = NewApiToken {
        token_hash: "ck_BobCi000secret".into(),
        ..new_token(bob, "raw", "x", T)
    };
    match store.create_api_token(raw, None).await {
        Err(StoreError::Invalid(message)) => {
            assert!(!message.contains("ck_BobCi000secret"), "{message}")
        }
        other => panic!("a raw token is refused: {other:?}"),
    }
    let same_hash = NewApiToken {
        name: "other".into(),
        ..new_token(bob, "other", "ck_BobCi000secret", T)
    };
    assert!(is_conflict(
        &store.create_api_token(same_hash, None).await,
        "token_hash"
    ));
    let ghost = UserId::parse(&new_id()).expect("uuid");
    assert!(is_not_found(
        &store
            .create_api_token(new_token(&ghost, "x", "ck_ghost", T), None)
            .await
    ));
    assert!(is_invalid(
        &store
            .create_api_token(new_token(bob, "  ", "ck_blank", T), None)
            .await
    ));
    assert!(is_invalid(
        &store
            .create_api_token(
                NewApiToken {
                    prefix: "ck_".repeat(10),
                    ..new_token(bob, "long", "ck_long", T)
                },
                None
            )
            .await
    ));
    assert_eq!(
        ctx.audit_count().await,
        before + 1,
        "refusals write no event"
    );

    // Another user may use the name.
    let alice_ci = store
        .create_api_token(new_token(alice, "ci", "ck_AliceCi0secret", T + 310), None)
        .await
        .expect("alice ci");
    let deploy = store
        .create_api_token(new_token(bob, "deploy", "ck_BobDeploy", T + 320), None)
        .await
        .expect("bob deploy");

    // Lookups and listings (newest first).
    assert_eq!(
        store
            .find_api_token_by_hash(&digest("ck_BobCi000secret").to_ascii_uppercase())
            .await
            .expect("find"),
        Some(created.clone())
    );
    assert_eq!(
        store
            .find_api_token_by_hash(&digest("nope"))
            .await
            .expect("find"),
        None
    );
    assert!(is_invalid(
        &store.find_api_token_by_hash("ck_BobCi000secret").await
    ));
    assert_eq!(
        store.find_api_token(&ci.id).await.expect("find"),
        Some(created.clone())
    );
    let unknown = ApiTokenId::parse(&new_id()).expect("uuid");
    assert_eq!(store.find_api_token(&unknown).await.expect("find"), None);
    let bobs: Vec<ApiTokenId> = store
        .list_api_tokens(Some(bob))
        .await
        .expect("list")
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(bobs, [deploy.id.clone(), ci.id.clone()]);
    let all: Vec<ApiTokenId> = store
        .list_api_tokens(None)
        .await
        .expect("list")
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(all, [deploy.id.clone(), alice_ci.id.clone(), ci.id.clone()]);

    // Touch and revoke.
    assert!(store.touch_api_token(&ci.id, T + 400).await.expect("touch"));
    assert!(
        !store
            .touch_api_token(&unknown, T + 400)
            .await
            .expect("touch")
    );
    ctx.clock.set(T + 500);
    let before = ctx.audit_count().await;
    let revoked = store
        .revoke_api_token(&ci.id, T + 500, Some(audit("token.revoke", "bob/ci")))
        .await
        .expect("revoke");
    assert_eq!(
        (revoked.last_used_at, revoked.revoked_at),
        (Some(T + 400), Some(T + 500))
    );
    assert!(!revoked.is_active_at(T + 501));
    assert_eq!(ctx.audit_count().await, before + 1);
    let event = &store.list_audit_events(1).await.expect("audit")[0];
    assert_eq!(event.detail["api_token_id"], ci.id.as_str());
    let twice = store
        .revoke_api_token(&ci.id, T + 600, None)
        .await
        .expect("revoke again");
    assert_eq!(
        twice.revoked_at,
        Some(T + 500),
        "the first revocation stays"
    );
    assert!(is_not_found(
        &store
            .revoke_api_token(&unknown, T + 600, Some(audit("token.revoke", "ghost")))
            .await
    ));
    assert_eq!(ctx.audit_count().await, before + 1);
    assert_eq!(
        store
            .find_api_token_by_hash(&digest("ck_BobCi000secret"))
            .await
            .expect("find")
            .and_then(|t| t.revoked_at),
        Some(T + 500),
        "a revoked token is still found, for the caller to refuse"
    );
    // Once revoked, the name is free again.
    store
        .create_api_token(new_token(bob, "ci", "ck_BobCi2", T + 600), None)
        .await
        .expect("name reused after revoke");

    // Ten concurrent creates of one name (no audit lock) on three pools: one wins.
    let mut tasks = Vec::new();
    for i in 0..10 {
        let store = stores[i % stores.len()].clone();
        let token = new_token(alice, "race", &format!("ck_race_{i}"), T + 700);
        tasks.push(tokio::spawn(async move {
            store.create_api_token(token, None).await
        }));
    }
    let mut created = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => created += 1,
            Err(StoreError::Conflict { field: "name", .. }) => {}
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!(created, 1);
}

async fn delete_user(ctx: &Ctx, bob: &UserId) {
    let store = &ctx.store;
    let sessions = store.list_sessions_of_user(bob).await.expect("sessions");
    assert_eq!(sessions.len(), 1);
    assert_eq!(
        store
            .list_api_tokens(Some(bob))
            .await
            .expect("tokens")
            .len(),
        3
    );
    let before = ctx.audit_count().await;
    let removed = store
        .delete_user(bob, Some(audit("user.delete", "bob")))
        .await
        .expect("delete");
    assert_eq!(removed.username, "bob");
    let event = &store.list_audit_events(1).await.expect("audit")[0];
    assert_eq!(event.detail["user_id"], bob.as_str());
    assert_eq!(event.detail["username"], "bob");
    assert_eq!(
        event.detail["removed"],
        serde_json::json!({ "sessions": 1, "api_tokens": 3 })
    );
    assert_eq!(ctx.audit_count().await, before + 1);
    assert_eq!(store.find_user(bob).await.expect("find"), None);
    assert!(
        store
            .find_session(&sessions[0].id_hash)
            .await
            .expect("find")
            .is_none()
    );
    assert!(
        store
            .list_api_tokens(Some(bob))
            .await
            .expect("tokens")
            .is_empty()
    );
    assert!(
        store
            .find_api_token_by_hash(&digest("ck_BobDeploy"))
            .await
            .expect("find")
            .is_none()
    );
    assert!(is_not_found(
        &store
            .delete_user(bob, Some(audit("user.delete", "bob")))
            .await
    ));
    assert_eq!(ctx.audit_count().await, before + 1);
    // Deleting without an event works too.
    let erin = store
        .create_user(new_user("erin", Role::Auditor), None)
        .await
        .expect("erin");
    store.delete_user(&erin.id, None).await.expect("delete");
    assert_eq!(ctx.audit_count().await, before + 1);
}

async fn login_throttle(ctx: &Ctx) {
    let store = &ctx.store;
    let key = "user:alice";
    assert_eq!(store.find_login_throttle(key).await.expect("find"), None);
    let first = store
        .record_login_failure(key, T, 60)
        .await
        .expect("failure");
    assert_eq!(
        (
            first.failures,
            first.first_failure_at,
            first.last_failure_at
        ),
        (1, T, T)
    );
    assert_eq!((first.key.as_str(), first.locked_until), (key, None));
    let second = store
        .record_login_failure(key, T + 10, 60)
        .await
        .expect("failure");
    assert_eq!(
        (
            second.failures,
            second.first_failure_at,
            second.last_failure_at
        ),
        (2, T, T + 10)
    );
    // Exactly `window` after the last failure still counts...
    let third = store
        .record_login_failure(key, T + 70, 60)
        .await
        .expect("failure");
    assert_eq!((third.failures, third.first_failure_at), (3, T));
    // ...later than that, the window restarts.
    let restarted = store
        .record_login_failure(key, T + 131, 60)
        .await
        .expect("failure");
    assert_eq!(
        (
            restarted.failures,
            restarted.first_failure_at,
            restarted.last_failure_at
        ),
        (1, T + 131, T + 131)
    );
    assert_eq!(
        store.find_login_throttle(key).await.expect("find"),
        Some(restarted.clone())
    );
    // Another key counts on its own.
    let addr = store
        .record_login_failure("addr:10.0.0.1", T + 131, 60)
        .await
        .expect("failure");
    assert_eq!(addr.failures, 1);

    // Lockout: set, kept by later failures, shown by is_locked_at.
    let locked = store
        .set_login_lockout(key, T + 500)
        .await
        .expect("lockout");
    assert_eq!((locked.failures, locked.locked_until), (1, Some(T + 500)));
    assert!(locked.is_locked_at(T + 499) && !locked.is_locked_at(T + 500));
    let during = store
        .record_login_failure(key, T + 140, 60)
        .await
        .expect("failure");
    assert_eq!((during.failures, during.locked_until), (2, Some(T + 500)));
    assert!(is_not_found(
        &store.set_login_lockout("user:nobody", T).await
    ));
    // A key with a NUL (a name typed into a form) cannot be stored, on either backend.
    assert!(is_invalid(
        &store.record_login_failure("user:a\u{0}", T, 60).await
    ));
    assert!(is_invalid(&store.set_login_lockout("user:a\u{0}", T).await));
    assert_eq!(
        store
            .find_login_throttle("user:a\u{0}")
            .await
            .expect("find"),
        None
    );
    assert!(
        !store
            .clear_login_throttle("user:a\u{0}")
            .await
            .expect("clear")
    );

    // Clear.
    assert!(store.clear_login_throttle(key).await.expect("clear"));
    assert!(!store.clear_login_throttle(key).await.expect("clear"));
    assert_eq!(store.find_login_throttle(key).await.expect("find"), None);
    assert_eq!(
        store
            .record_login_failure(key, T + 150, 60)
            .await
            .expect("failure")
            .failures,
        1,
        "a cleared key starts again"
    );

    // Purge: keys whose last failure is old and whose lockout has ended.
    store
        .set_login_lockout("addr:10.0.0.1", T + 1000)
        .await
        .expect("lockout");
    assert_eq!(store.purge_login_throttle(T + 150).await.expect("purge"), 0);
    assert_eq!(
        store.purge_login_throttle(T + 151).await.expect("purge"),
        1,
        "user:alice goes; the address is still locked"
    );
    assert_eq!(store.find_login_throttle(key).await.expect("find"), None);
    assert_eq!(
        store.purge_login_throttle(T + 1000).await.expect("purge"),
        1
    );
    assert_eq!(
        store
            .find_login_throttle("addr:10.0.0.1")
            .await
            .expect("find"),
        None
    );
}

/// 20 failures at once on one key from three pools: every one is counted exactly once.
async fn concurrent_login_failures(stores: &[Store]) {
    let key = "addr:203.0.113.9";
    let mut tasks = Vec::new();
    for i in 0..FAILURES {
        let store = stores[i % stores.len()].clone();
        tasks.push(tokio::spawn(async move {
            store
                .record_login_failure(key, T + 2000, 900)
                .await
                .expect("failure")
                .failures
        }));
    }
    let mut seen = BTreeSet::new();
    for task in tasks {
        seen.insert(task.await.expect("task"));
    }
    let expected: BTreeSet<i64> = (1..=FAILURES as i64).collect();
    assert_eq!(seen, expected, "each call saw its own count");
    let stored = stores[0]
        .find_login_throttle(key)
        .await
        .expect("find")
        .expect("stored");
    assert_eq!(stored.failures, FAILURES as i64);
    assert_eq!(
        (stored.first_failure_at, stored.last_failure_at),
        (T + 2000, T + 2000)
    );
}

async fn jobs(ctx: &Ctx, stores: &[Store]) {
    let store = &ctx.store;
    let t = T + 10_000;
    let discovery = new_job("discovery", "user:alice", t, "instance-a");
    let created = store.create_job(discovery.clone()).await.expect("create");
    assert_eq!(created.status, JobStatus::Queued);
    assert_eq!(
        (created.done, created.total, created.heartbeat_at),
        (0, 0, t)
    );
    assert_eq!(
        (
            created.started_at,
            created.finished_at,
            created.outcome.clone(),
            created.error.clone()
        ),
        (None, None, None, None)
    );
    assert_eq!(created.parameters, discovery.parameters);
    assert_eq!(
        store.find_job(&discovery.id).await.expect("find"),
        Some(created.clone())
    );
    assert!(is_conflict(
        &store.create_job(discovery.clone()).await,
        "id"
    ));
    assert!(is_invalid(
        &store.create_job(new_job(" ", "user:alice", t, "a")).await
    ));
    let unknown = JobId::parse(&new_id()).expect("uuid");
    assert_eq!(store.find_job(&unknown).await.expect("find"), None);

    // Progress before start is refused; two instances start it at once: one gets it.
    assert!(is_invalid(
        &store.update_job_progress(&discovery.id, 1, 2, t).await
    ));
    let mut tasks = Vec::new();
    for (i, other) in stores.iter().enumerate() {
        let other = other.clone();
        let id = discovery.id.clone();
        tasks.push(tokio::spawn(async move {
            other.start_job(&id, &format!("instance-{i}"), t + 1).await
        }));
    }
    let mut started = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(job) => started.push(job),
            Err(StoreError::Invalid(_)) => {}
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!(started.len(), 1, "{started:?}");
    let running = &started[0];
    assert_eq!(running.status, JobStatus::Running);
    assert_eq!(
        (running.started_at, running.heartbeat_at),
        (Some(t + 1), t + 1)
    );
    assert!(running.instance.starts_with("instance-"));
    assert!(is_invalid(
        &store.start_job(&discovery.id, "late", t + 2).await
    ));
    assert!(is_not_found(&store.start_job(&unknown, "a", t).await));

    store
        .update_job_progress(&discovery.id, 5, 10, t + 2)
        .await
        .expect("progress");
    let progressed = store
        .find_job(&discovery.id)
        .await
        .expect("find")
        .expect("stored");
    assert_eq!(
        (progressed.done, progressed.total, progressed.heartbeat_at),
        (5, 10, t + 2)
    );
    assert!(is_invalid(
        &store
            .update_job_progress(&discovery.id, -1, 10, t + 2)
            .await
    ));
    assert!(is_not_found(
        &store.update_job_progress(&unknown, 1, 1, t).await
    ));

    // Finish once, with an outcome; an open status is no ending.
    assert!(is_invalid(
        &store
            .finish_job(&discovery.id, JobStatus::Running, None, None, t + 3)
            .await
    ));
    let outcome = serde_json::json!({ "added": 3, "updated": 1 });
    let finished = store
        .finish_job(
            &discovery.id,
            JobStatus::Succeeded,
            Some(outcome.clone()),
            None,
            t + 3,
        )
        .await
        .expect("finish");
    assert_eq!(finished.status, JobStatus::Succeeded);
    assert_eq!(
        (
            finished.finished_at,
            finished.outcome.clone(),
            finished.error.clone()
        ),
        (Some(t + 3), Some(outcome), None)
    );
    assert_eq!((finished.done, finished.total), (5, 10));
    assert!(is_invalid(
        &store
            .finish_job(&discovery.id, JobStatus::Failed, None, None, t + 4)
            .await
    ));
    assert!(is_invalid(
        &store.update_job_progress(&discovery.id, 6, 10, t + 4).await
    ));
    assert!(is_not_found(
        &store
            .finish_job(&unknown, JobStatus::Failed, None, None, t)
            .await
    ));
    // A queued job may finish without starting (cancelled), with an error.
    let cancelled = store
        .create_job(new_job("renew", "user:alice", t + 5, "instance-a"))
        .await
        .expect("create");
    let failed = store
        .finish_job(
            &cancelled.id,
            JobStatus::Failed,
            None,
            Some("cancelled by alice".into()),
            t + 6,
        )
        .await
        .expect("finish queued");
    assert_eq!(
        (failed.status, failed.error.as_deref(), failed.started_at),
        (JobStatus::Failed, Some("cancelled by alice"), None)
    );

    // Stale heartbeats: a queued job from t + 10, running ones beating until t + 50 and
    // t + 100; only those older than t + 100 become interrupted.
    let queued = store
        .create_job(new_job("poll", "system", t + 10, "instance-gone"))
        .await
        .expect("create");
    let stale = store
        .create_job(new_job("renew", "token:ci", t + 20, "instance-gone"))
        .await
        .expect("create");
    store
        .start_job(&stale.id, "instance-gone", t + 21)
        .await
        .expect("start");
    store
        .update_job_progress(&stale.id, 1, 4, t + 50)
        .await
        .expect("progress");
    let alive = store
        .create_job(new_job("discovery", "system", t + 30, "instance-b"))
        .await
        .expect("create");
    store
        .start_job(&alive.id, "instance-b", t + 31)
        .await
        .expect("start");
    store
        .update_job_progress(&alive.id, 2, 4, t + 100)
        .await
        .expect("progress");
    // instance-b also keeps its own queued job alive.
    let waiting = store
        .create_job(new_job("poll", "system", t + 40, "instance-b"))
        .await
        .expect("create");
    assert_eq!(
        store
            .heartbeat_jobs("instance-b", t + 100)
            .await
            .expect("beat"),
        2
    );
    assert_eq!(
        store
            .interrupt_stale_jobs(t + 100, t + 200)
            .await
            .expect("interrupt"),
        2
    );
    for id in [&queued.id, &stale.id] {
        let job = store.find_job(id).await.expect("find").expect("stored");
        assert_eq!(job.status, JobStatus::Interrupted);
        assert_eq!(
            (job.finished_at, job.error.as_deref()),
            (Some(t + 200), Some(INTERRUPTED_ERROR))
        );
    }
    let stale_after = store.find_job(&stale.id).await.expect("find").expect("job");
    assert_eq!(
        (stale_after.done, stale_after.total),
        (1, 4),
        "progress kept"
    );
    for (id, status) in [
        (&alive.id, JobStatus::Running),
        (&waiting.id, JobStatus::Queued),
        (&discovery.id, JobStatus::Succeeded),
        (&cancelled.id, JobStatus::Failed),
    ] {
        let job = store.find_job(id).await.expect("find").expect("stored");
        assert_eq!(job.status, status, "{id}");
    }
    // Its worker learns it was interrupted; a second sweep finds nothing.
    assert!(is_invalid(
        &store.update_job_progress(&stale.id, 2, 4, t + 201).await
    ));
    assert_eq!(
        store
            .interrupt_stale_jobs(t + 100, t + 300)
            .await
            .expect("interrupt"),
        0
    );

    // Pages: newest first, filtered by kind, status and requester.
    let all = store
        .job_page(&JobFilter::default(), PageRequest::default())
        .await
        .expect("page");
    let ids: Vec<JobId> = all.items.iter().map(|j| j.id.clone()).collect();
    assert_eq!(
        ids,
        [
            waiting.id.clone(),
            alive.id.clone(),
            stale.id.clone(),
            queued.id.clone(),
            cancelled.id.clone(),
            discovery.id.clone()
        ]
    );
    assert_eq!(all.total, 6);
    let first_two = store
        .job_page(&JobFilter::default(), PageRequest::new(0, 2))
        .await
        .expect("page");
    assert_eq!((first_two.items.len(), first_two.total), (2, 6));
    assert!(first_two.has_more());
    let last = store
        .job_page(&JobFilter::default(), PageRequest::new(4, 2))
        .await
        .expect("page");
    assert_eq!(
        last.items.iter().map(|j| j.id.clone()).collect::<Vec<_>>(),
        [cancelled.id.clone(), discovery.id.clone()]
    );
    assert!(!last.has_more());
    let filtered = |filter: JobFilter| async move {
        store
            .job_page(&filter, PageRequest::default())
            .await
            .expect("page")
            .items
            .into_iter()
            .map(|j| j.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        filtered(JobFilter {
            kind: Some("discovery".into()),
            ..JobFilter::default()
        })
        .await,
        [alive.id.clone(), discovery.id.clone()]
    );
    assert_eq!(
        filtered(JobFilter {
            status: Some(JobStatus::Interrupted),
            ..JobFilter::default()
        })
        .await,
        [stale.id.clone(), queued.id.clone()]
    );
    assert_eq!(
        filtered(JobFilter {
            requested_by: Some("user:alice".into()),
            ..JobFilter::default()
        })
        .await,
        [cancelled.id.clone(), discovery.id.clone()]
    );
    assert!(
        filtered(JobFilter {
            requested_by: Some("user:alice\u{0}".into()),
            ..JobFilter::default()
        })
        .await
        .is_empty()
    );
    assert!(is_invalid(
        &store
            .create_job(new_job("poll", "user:\u{0}", t, "a"))
            .await
    ));
    assert_eq!(
        filtered(JobFilter {
            kind: Some("poll".into()),
            status: Some(JobStatus::Queued),
            requested_by: Some("system".into()),
        })
        .await,
        vec![waiting.id.clone()]
    );
}
