//! Secrets stay secret: a client secret (a wrong one, refused by Azure, and the right one,
//! accepted) never comes back in an answer, the audit log, the server's logs or the database;
//! passwords and tokens neither (the database keeps argon2id hashes and SHA-256 digests;
//! a token is shown in its creation answer only, a session id and CSRF token in the sign-in
//! answer only).

use certkeep_engine::access::secrets::digest;
use reqwest::Method;
use serde_json::json;

use crate::common::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SUBSCRIPTIONS, DEMO_TENANT, Session, Stack, Who,
    fresh_password, logs, stacks,
};

fn credential_body(name: &str, secret: &str) -> serde_json::Value {
    json!({"name": name, "cloud": "emulator", "tenant_id": DEMO_TENANT,
        "subscription_id": DEMO_SUBSCRIPTIONS[0], "client_id": DEMO_CLIENT_ID, "client_secret": secret})
}

/// What the database holds, as bytes: the SQLite file with its WAL, or a `pg_dump`.
fn database_bytes(s: &Stack) -> Vec<u8> {
    match &s.sqlite_file {
        Some(file) => {
            let mut out = Vec::new();
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let p = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
                if let Ok(b) = std::fs::read(&p) {
                    out.extend(b);
                }
            }
            assert!(
                out.len() > 10_000,
                "{}: the database file is read",
                s.backend
            );
            out
        }
        None => {
            let dump = std::process::Command::new("pg_dump")
                .args(["--no-owner", &s.db_url])
                .output()
                .expect("pg_dump runs");
            assert!(
                dump.status.success(),
                "pg_dump: {}",
                String::from_utf8_lossy(&dump.stderr)
            );
            dump.stdout
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn client_secrets_passwords_and_tokens_never_leak() {
    for s in stacks("secrets_stay_secret").await {
        let tag = &uuid::Uuid::new_v4().simple().to_string()[..10];
        // The admin, with both its one-time and its chosen password.
        let otp = s.engine.bootstrap_admin().await.unwrap().unwrap();
        let mut admin = s.sign_in("admin", &otp).await;
        let first_admin_session = admin.clone();
        s.change_password(&mut admin).await;
        let a = Who::Session(admin.clone());
        // A user whose name marks this test's log lines.
        let name = format!("canary-{tag}");
        let otp2 = fresh_password();
        s.post(
            &a,
            "/api/v1/users",
            json!({"username": name, "password": otp2, "role": "operator"}),
        )
        .await
        .expect(201);
        let mut op: Session = s.sign_in(&name, &otp2).await;
        let op_first = op.clone();
        s.change_password(&mut op).await;
        let reset = fresh_password();
        let op_id = s.store.find_user_by_name(&name).await.unwrap().unwrap().id;
        let (admin_token, _) = s.token(&admin, "admin-script", "admin", 30).await;
        let (op_token, _) = s.token(&op, "op-script", "operator", 30).await;

        // A wrong client secret, unique to this test: refused by Azure, and never echoed.
        let wrong = format!("ck-canary-wrong-{tag}-Zx9");
        let r = s
            .post(&a, "/api/v1/credentials", credential_body("prod", &wrong))
            .await;
        assert_eq!(r.status, 502, "{}: {r:?}", s.backend);
        assert_eq!(r.code(), "azure_refused", "{r:?}");
        assert!(
            !r.text().contains(&wrong),
            "{}: the refusal echoes the secret: {r:?}",
            s.backend
        );
        assert!(
            s.store.list_credentials().await.unwrap().is_empty(),
            "{}: nothing stored",
            s.backend
        );

        // The right one (the emulator's demo secret), through the API.
        let r = s
            .post(
                &a,
                "/api/v1/credentials",
                credential_body("prod", DEMO_CLIENT_SECRET),
            )
            .await
            .expect(201);
        let added = r.json();
        assert_eq!(added["credential"]["secret_set"], true, "{added}");
        assert!(
            added["credential"].get("client_secret").is_none(),
            "{added}"
        );
        let stored = s.store.list_credentials().await.unwrap();
        assert_eq!(stored.len(), 1);
        let sealed = stored[0].secret_ciphertext.clone();
        assert!(
            !contains(&sealed, DEMO_CLIENT_SECRET),
            "{}: sealed at rest",
            s.backend
        );
        for path in ["/api/v1/credentials", "/api/v1/credentials/prod"] {
            let r = s.get(&Who::Token(op_token.clone()), path).await.expect(200);
            let j = r.json();
            let view = if j.is_array() { j[0].clone() } else { j };
            assert_eq!(view["secret_set"], true, "{}: {view}", s.backend);
            assert!(view.get("client_secret").is_none());
        }
        // Rotating: with a wrong secret (refused, the sealed one kept), then the right one.
        let wrong2 = format!("ck-canary-rotate-{tag}-Qp4");
        let r = s
            .call(
                &a,
                Method::PUT,
                "/api/v1/credentials/prod/secret",
                Some(json!({"client_secret": wrong2})),
            )
            .await;
        assert_eq!(r.status, 502, "{r:?}");
        assert!(!r.text().contains(&wrong2));
        assert_eq!(
            s.store.list_credentials().await.unwrap()[0].secret_ciphertext,
            sealed
        );
        s.call(
            &a,
            Method::PUT,
            "/api/v1/credentials/prod/secret",
            Some(json!({"client_secret": DEMO_CLIENT_SECRET})),
        )
        .await
        .expect(200);
        // The secret works: vaults sync through it.
        s.post(
            &Who::Token(op_token.clone()),
            "/api/v1/vaults/sync",
            json!({}),
        )
        .await
        .expect(200);
        // An admin resets the operator's password (a new one-time password).
        s.call(
            &a,
            Method::PATCH,
            &format!("/api/v1/users/{}", op_id.as_str()),
            Some(json!({"reset_password": reset})),
        )
        .await
        .expect(200);
        let op_again = s.sign_in(&name, &reset).await;
        // A failed sign-in with a password-looking canary.
        let typo = format!("ck-canary-typo-{tag}");
        s.login(&name, &typo).await.expect(401);
        // Read everything that could echo something.
        for path in [
            "/api/v1/session",
            "/api/v1/users",
            "/api/v1/tokens?all=true",
            "/api/v1/credentials",
            "/api/v1/vaults",
            "/api/v1/audit?limit=1000",
            "/api/v1/audit/verify",
            "/api/v1/summary",
        ] {
            s.get(&a, path).await.expect(200);
        }
        s.call(
            &Who::Session(op_again.clone()),
            Method::DELETE,
            "/api/v1/session",
            None,
        )
        .await
        .expect(204);

        let passwords = [otp.as_str(), &admin.password, &otp2, &op.password, &reset];
        let client_secrets = [wrong.as_str(), &wrong2, DEMO_CLIENT_SECRET, &typo];
        let tokens = [admin_token.as_str(), &op_token];
        let sessions = [&first_admin_session, &admin, &op_first, &op, &op_again];

        // Answers: no password, no client secret anywhere; a token only in its creation
        // answer; a session id and CSRF token only in their sign-in answer.
        let transcript = s.transcript.lock().unwrap().clone();
        let mut leaks = Vec::new();
        for r in &transcript {
            let text = format!("{:?}{}", r.headers, r.text());
            for p in passwords.iter().chain(client_secrets.iter()) {
                if text.contains(p) {
                    leaks.push(format!("{p} in {r:?}"));
                }
            }
            for t in tokens {
                if text.contains(t) && !(r.method == Method::POST && r.path == "/api/v1/tokens") {
                    leaks.push(format!("token in {r:?}"));
                }
            }
            for sess in sessions {
                let login = r.method == Method::POST && r.path == "/api/v1/session";
                if (text.contains(&sess.cookie) || text.contains(&sess.csrf)) && !login {
                    leaks.push(format!("session secret in {r:?}"));
                }
            }
        }
        assert!(
            leaks.is_empty(),
            "{}: answers leak:\n{}",
            s.backend,
            leaks.join("\n")
        );
        // Each token was shown exactly once.
        for t in tokens {
            assert_eq!(
                transcript.iter().filter(|r| r.text().contains(t)).count(),
                1,
                "{}",
                s.backend
            );
        }
        // The audit log recorded the failures without the secrets.
        let audit = s
            .engine
            .list_audit(&certkeep_engine::queries::AuditQuery {
                filter: Default::default(),
                page: certkeep_engine::views::PageRequest::new(0, 1000),
            })
            .await
            .unwrap();
        let audit_text = serde_json::to_string(&audit).unwrap();
        assert!(
            audit
                .items
                .iter()
                .any(|e| e.action == "credential.add" && e.outcome == "failed"),
            "{}: the refused add is audited",
            s.backend
        );
        for p in passwords
            .iter()
            .chain(client_secrets.iter())
            .chain(tokens.iter())
        {
            assert!(
                !audit_text.contains(p),
                "{}: the audit log holds {p}",
                s.backend
            );
        }

        // The server's logs: this test's requests are there, its secrets are not.
        let log = logs();
        assert!(
            log.contains(&format!("actor=user:{name}")),
            "{}: the log capture misses this test's requests",
            s.backend
        );
        assert!(log.contains("route=/api/v1/credentials"), "{}", s.backend);
        for p in passwords
            .iter()
            .chain(client_secrets.iter())
            .chain(tokens.iter())
        {
            assert!(!log.contains(p), "{}: the logs hold {p}", s.backend);
        }
        for sess in sessions {
            assert!(
                !log.contains(&sess.cookie) && !log.contains(&sess.csrf),
                "{}: a session secret is logged",
                s.backend
            );
        }

        // The database: hashes and digests, never the values.
        let db = database_bytes(&s);
        assert!(
            contains(&db, &digest(&admin_token)),
            "{}: the scan reads the live data",
            s.backend
        );
        assert!(contains(&db, "$argon2id$"), "{}", s.backend);
        let mut in_db = Vec::new();
        for p in passwords
            .iter()
            .chain(client_secrets.iter())
            .chain(tokens.iter())
        {
            if contains(&db, p) {
                in_db.push((*p).to_string());
            }
        }
        for sess in sessions {
            for v in [&sess.cookie, &sess.csrf] {
                if contains(&db, v) {
                    in_db.push(v.clone());
                }
            }
        }
        // Not even the part of a token after its listed prefix.
        for t in tokens {
            if contains(&db, &t[9..]) {
                in_db.push(format!("the secret part of {}", &t[..9]));
            }
        }
        assert!(
            in_db.is_empty(),
            "{}: the database holds {in_db:?}",
            s.backend
        );
        s.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_pfx_password_and_private_key_never_leak() {
    for s in crate::common::private_stacks("upload_secrets").await {
        let tag = &uuid::Uuid::new_v4().simple().to_string()[..10];
        let admin = s.admin().await;
        s.demo_estate().await;
        let (token, _) = s.token(&admin, "uploader", "operator", 30).await;
        let op = Who::Token(token);
        let password = format!("ck-canary-pfx-{tag}-Wm3");
        let upload = crate::estate::upload("canary-upload.contoso.com");
        let pfx = upload.pfx(&password);
        let path = "/api/v1/vaults/prod/kv-prod-web/secrets";
        // A wrong password: refused, not echoed.
        let wrong = format!("ck-canary-pfxwrong-{tag}");
        let (ct, body) = crate::common::multipart(
            &[
                ("name", "canary-upload"),
                ("format", "pfx"),
                ("password", &wrong),
            ],
            Some(&pfx),
        );
        let r = s
            .send(
                s.request(&op, Method::POST, path)
                    .header("content-type", ct)
                    .body(body),
            )
            .await;
        assert_eq!(r.status, 400, "{}: {r:?}", s.backend);
        assert!(!r.text().contains(&wrong), "{}: {r:?}", s.backend);
        // The right one.
        let (ct, body) = crate::common::multipart(
            &[
                ("name", "canary-upload"),
                ("format", "pfx"),
                ("password", &password),
            ],
            Some(&pfx),
        );
        let r = s
            .send(
                s.request(&op, Method::POST, path)
                    .header("content-type", ct)
                    .body(body),
            )
            .await;
        assert_eq!(r.status, 201, "{}: {r:?}", s.backend);
        s.get(&op, "/api/v1/secrets?limit=1000").await.expect(200);
        s.get(
            &op,
            "/api/v1/vaults/prod/kv-prod-web/secrets/canary-upload/certificate",
        )
        .await
        .expect(200);
        s.get(&op, "/api/v1/audit?limit=1000").await.expect(200);

        let key_b64 =
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &upload.key_der);
        let key_part = &key_b64[40..100];
        let secrets = [password.as_str(), &wrong, key_part];
        for r in s.transcript.lock().unwrap().iter() {
            for c in secrets {
                assert!(!r.text().contains(c), "{}: {r:?} holds {c}", s.backend);
            }
        }
        let log = logs();
        assert!(
            log.contains("route=/api/v1/vaults/{credential}/{vault}/secrets"),
            "{}: the capture misses the upload",
            s.backend
        );
        let db = database_bytes(&s);
        for c in secrets {
            assert!(!log.contains(c), "{}: the logs hold {c}", s.backend);
            assert!(!contains(&db, c), "{}: the database holds {c}", s.backend);
        }
        // Nor the PFX itself, nor the key in DER.
        assert!(
            !db.windows(64).any(|w| w == &upload.key_der[32..96]),
            "{}: the key's DER is stored",
            s.backend
        );
        s.finish().await;
    }
}
