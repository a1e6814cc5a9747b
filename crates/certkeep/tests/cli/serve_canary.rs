//! Secrets through the server stay secret: a client secret (wrong, then right), a PFX password
//! (wrong, then right), the new admin password, an API token and the session cookie appear in
//! no API answer after the one that hands them out, in no line of the server's debug log, and
//! in no file of its data directory (database, WAL and all).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader};

use crate::common::{Cli, DEMO_TENANT, shared};
use crate::secrets::{files_under, pki};

const CLIENT_ID: &str = "3f6b9d1e-2a4c-4e8f-9b1d-5c7e9a1b3d57";
const SUBSCRIPTION: &str = "8d2f4a6c-1e3b-4d5f-a7c9-2e4f6a8c0b13";
const VAULT: &str = "kv-serve-canary";

fn unique(label: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{label}~{nanos:x}~Qz7")
}

/// A multipart body by hand: text fields and one file part.
fn multipart(fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "certkeep-test-boundary-7f3a";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.pfx\"\r\nContent-Type: application/x-pkcs12\r\n\r\n").as_bytes());
    body.extend(file);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_sent_to_the_server_appear_nowhere_afterwards() {
    let client_secret = unique("client-secret-canary");
    let wrong_secret = unique("wrong-secret-canary");
    let pfx_password = unique("pfx-canary");
    let wrong_pfx_password = unique("wrong-pfx-canary");
    let admin_password = unique("new pass phrase");
    shared()
        .admin_post(
            "seed",
            &json!({
                "tenants": [{"id": DEMO_TENANT, "applications": [
                    {"client_id": CLIENT_ID, "name": "serve-canary", "secrets": [{"value": client_secret}]}]}],
                "subscriptions": [{"id": SUBSCRIPTION, "tenant": DEMO_TENANT, "name": "Serve canary",
                    "readers": [CLIENT_ID],
                    "vaults": [{"name": VAULT, "resource_group": "rg-canary", "access": [CLIENT_ID]}]}]
            }),
        )
        .await;
    let cli = Cli::new("serve-canary");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_certkeep"))
        .args(["serve", "--listen", "127.0.0.1:0", "--no-scheduler"])
        .env("CERTKEEP_DATA_DIR", &cli.data_dir)
        .env("CERTKEEP_CONFIG", &cli.config)
        .env("RUST_LOG", "debug")
        .env_remove("CERTKEEP_DATABASE_URL")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn serve");
    let log = Arc::new(Mutex::new(String::new()));
    let mut err_lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut out_lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut one_time, mut next) = (None, None, false);
    tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = err_lines.next_line().await {
            log.lock().unwrap().push_str(&line);
            if next && !line.trim().is_empty() {
                one_time = Some(line.trim().to_string());
                next = false;
            }
            next |= line.contains("one-time password");
            if let Some(rest) = line.strip_prefix("Certkeep is serving ") {
                url = rest.split_whitespace().next().map(str::to_string);
                break;
            }
        }
    })
    .await
    .expect("serve starts");
    let (url, one_time) = (url.expect("url"), one_time.expect("one-time password"));
    let (err_log, out_log) = (log.clone(), log.clone());
    tokio::spawn(async move {
        while let Ok(Some(l)) = err_lines.next_line().await {
            err_log.lock().unwrap().push_str(&l);
        }
    });
    tokio::spawn(async move {
        while let Ok(Some(l)) = out_lines.next_line().await {
            out_log.lock().unwrap().push_str(&l);
        }
    });
    let http = reqwest::Client::new();
    let mut answers: Vec<String> = Vec::new();
    // Sign in, change the one-time password.
    let r = http
        .post(format!("{url}/api/v1/session"))
        .json(&json!({"username": "admin", "password": one_time}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let session: Value = r.json().await.unwrap();
    let csrf = session["csrf_token"].as_str().unwrap().to_string();
    let session_id = cookie.split('=').nth(1).unwrap().to_string();
    let r = http
        .post(format!("{url}/api/v1/session/password"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"current_password": one_time, "new_password": admin_password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = http
        .post(format!("{url}/api/v1/tokens"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "canary", "role": "admin", "expires_in_days": 1}))
        .send()
        .await
        .unwrap();
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let auth = format!("Bearer {token}");
    let mut send = async |req: reqwest::RequestBuilder, want: u16| {
        let r = req.header("authorization", &auth).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert_eq!(status, want, "{text}");
        answers.push(text.clone());
        text
    };
    // A wrong client secret: Azure refuses, and the answer does not repeat it.
    let credential = |secret: &str| {
        json!({"name": "canary", "cloud": "emulator", "tenant_id": DEMO_TENANT,
               "subscription_id": SUBSCRIPTION, "client_id": CLIENT_ID, "client_secret": secret})
    };
    send(
        http.post(format!("{url}/api/v1/credentials"))
            .json(&credential(&wrong_secret)),
        502,
    )
    .await;
    let added = send(
        http.post(format!("{url}/api/v1/credentials"))
            .json(&credential(&client_secret)),
        201,
    )
    .await;
    assert!(added.contains("\"secret_set\":true"), "{added}");
    send(http.get(format!("{url}/api/v1/credentials/canary")), 200).await;
    // PFX uploads: a wrong password is refused naming the field, the right one creates it.
    let pfx = pki("canary.serve.test").pfx(&pfx_password);
    let path = format!("{url}/api/v1/vaults/canary/{VAULT}/secrets");
    let (ct, body) = multipart(
        &[("name", "tls-canary"), ("password", &wrong_pfx_password)],
        &pfx,
    );
    let refused = send(http.post(&path).header("content-type", ct).body(body), 400).await;
    assert!(refused.contains("password"), "{refused}");
    let (ct, body) = multipart(&[("name", "tls-canary"), ("password", &pfx_password)], &pfx);
    send(http.post(&path).header("content-type", ct).body(body), 201).await;
    send(
        http.get(format!(
            "{url}/api/v1/secrets?vault={VAULT}&credential=canary"
        )),
        200,
    )
    .await;
    send(http.get(format!("{url}/api/v1/audit?limit=1000")), 200).await;
    send(http.get(format!("{url}/api/v1/tokens")), 200).await;
    // Stop, then look everywhere.
    let pid = child.id().unwrap();
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = log.lock().unwrap().clone();
    assert!(
        log.contains("route="),
        "the debug log has request lines: {log:.300}"
    );
    let files: Vec<(String, Vec<u8>)> = files_under(&cli.data_dir)
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read(&p).unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        files.iter().any(|(p, _)| p.ends_with("certkeep.db")),
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let canaries = [
        ("client secret", client_secret.as_str()),
        ("wrong client secret", wrong_secret.as_str()),
        ("PFX password", pfx_password.as_str()),
        ("wrong PFX password", wrong_pfx_password.as_str()),
        ("admin password", admin_password.as_str()),
        ("API token", token.as_str()),
        ("session id", session_id.as_str()),
        ("CSRF token", csrf.as_str()),
    ];
    for (what, secret) in canaries {
        for a in &answers {
            assert!(!a.contains(secret), "the {what} is in an API answer: {a}");
        }
        assert!(!log.contains(secret), "the {what} is in the server's log");
        for (path, bytes) in &files {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "the {what} is in {path}"
            );
        }
    }
    eprintln!(
        "serve canary: 8 secrets absent from {} answers, {} bytes of debug log and {} files",
        answers.len(),
        log.len(),
        files.len()
    );
}
