//! `certkeep serve`'s settings: the config file's `[server]` section, overridden by
//! `CERTKEEP_` variables, overridden by flags; a setting that cannot work is refused (exit 2)
//! before anything listens; a good one serves until SIGTERM.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, BufReader};

use crate::common::Cli;

fn with_server_section(cli: &Cli, section: &str) {
    let mut text = std::fs::read_to_string(&cli.config).expect("config");
    text.push_str("\n[server]\n");
    text.push_str(section);
    std::fs::write(&cli.config, text).expect("config");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_reads_the_file_then_the_environment_then_flags() {
    let cli = Cli::new("serve-settings");
    // The file alone: plain HTTP off loopback is refused, naming the setting.
    with_server_section(&cli, "listen = \"0.0.0.0:18099\"\n");
    cli.cmd(&["serve"])
        .run()
        .await
        .fails(2, "listen: plain HTTP is only served on a loopback address");
    // The environment wins over the file, a flag over the environment.
    cli.cmd(&["serve", "--listen", "0.0.0.0:18098"])
        .env("CERTKEEP_LISTEN", "127.0.0.1:0")
        .run()
        .await
        .fails(2, "plain HTTP is only served on a loopback address");
    // A bad value in the file names it.
    let cli = Cli::new("serve-settings-bad");
    with_server_section(&cli, "session_idle = \"soon\"\n");
    cli.cmd(&["serve", "--listen", "127.0.0.1:0"])
        .run()
        .await
        .fails(2, "[server].session_idle");
    let cli = Cli::new("serve-settings-unknown");
    with_server_section(&cli, "listn = \"127.0.0.1:0\"\n");
    cli.cmd(&["serve"]).run().await.fails(2, "server.listn");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_off_variables_take_the_usual_spellings_and_refuse_others() {
    let cli = Cli::new("serve-boolish");
    // `yes` turns --behind-proxy on: it then needs a trusted proxy, and says so.
    for on in ["yes", "1", "ON", "true"] {
        let out = cli
            .cmd(&["serve", "--listen", "0.0.0.0:0"])
            .env("CERTKEEP_BEHIND_PROXY", on)
            .run()
            .await;
        assert_eq!(out.code, 2, "{on}: {out:?}");
        assert!(out.stderr.contains("trusted"), "{on}: {out:?}");
    }
    // `off` leaves it off: plain HTTP off loopback is refused as such.
    cli.cmd(&["serve", "--listen", "0.0.0.0:0"])
        .env("CERTKEEP_BEHIND_PROXY", "off")
        .run()
        .await
        .fails(2, "plain HTTP is only served on a loopback address");
    cli.cmd(&["serve"])
        .env("CERTKEEP_NO_SCHEDULER", "maybe")
        .run()
        .await
        .fails(2, "--no-scheduler");
}

/// Starts `serve` with the config's settings and `CERTKEEP_LISTEN=127.0.0.1:0`; returns the
/// process, its URL and the one-time password when it printed one.
async fn start(cli: &Cli) -> (tokio::process::Child, String, Option<String>) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_certkeep"))
        .args(["serve"])
        .env("CERTKEEP_DATA_DIR", &cli.data_dir)
        .env("CERTKEEP_CONFIG", &cli.config)
        .env("CERTKEEP_LISTEN", "127.0.0.1:0")
        .env_remove("CERTKEEP_DATABASE_URL")
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn serve");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut password = None;
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        let mut next_is_password = false;
        while let Ok(Some(line)) = lines.next_line().await {
            if next_is_password && !line.trim().is_empty() {
                password = Some(line.trim().to_string());
                next_is_password = false;
            }
            if line.contains("one-time password") {
                next_is_password = true;
            }
            if let Some(rest) = line.strip_prefix("Certkeep is serving ") {
                return rest.split_whitespace().next().map(str::to_string);
            }
        }
        None
    })
    .await
    .expect("serve starts")
    .expect("serve prints its URL");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url, password)
}

async fn sigterm(mut child: tokio::process::Child) {
    let pid = child.id().expect("pid");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("serve stops within 30 s of SIGTERM")
        .expect("wait");
    assert!(status.success(), "{status:?}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_from_the_environment_answers_and_stops_on_sigterm() {
    let cli = Cli::new("serve-run");
    with_server_section(&cli, "listen = \"0.0.0.0:18097\"\nscheduler = false\n");
    let (child, url, password) = start(&cli).await;
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let password = password.expect("the one-time password is printed at first start");
    assert!(password.len() >= 16, "{password}");
    let r = reqwest::get(format!("{url}/readyz")).await.expect("readyz");
    assert_eq!(r.status(), 200);
    sigterm(child).await;
    // The password was kept (as a hash): it signs in after a restart, and none is printed again.
    let (child, url, again) = start(&cli).await;
    assert_eq!(again, None, "a second start prints no password");
    let login = reqwest::Client::new()
        .post(format!("{url}/api/v1/session"))
        .json(&serde_json::json!({"username": "admin", "password": password}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200);
    sigterm(child).await;
}

/// The first `Set-Cookie` of a sign-in as `(name, attributes)`.
async fn sign_in_cookie(
    http: &reqwest::Client,
    url: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> String {
    let mut req = http
        .post(format!("{url}/api/v1/session"))
        .json(&serde_json::json!({"username": "admin", "password": password}));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.expect("login");
    assert_eq!(r.status(), 200);
    r.headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie")
        .to_string()
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_self_signed_certificate_and_secure_cookies() {
    let cli = Cli::new("serve-tls");
    with_server_section(&cli, "tls_self_signed = true\nscheduler = false\n");
    let (child, url, password) = start(&cli).await;
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let cert_file = cli.data_dir.join("tls").join("server.crt");
    let pem = std::fs::read(&cert_file).expect("the certificate is kept in the data directory");
    let key_file = cli.data_dir.join("tls").join("server.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file)
            .expect("key")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "the key is private");
    }
    // Trusting exactly that certificate verifies the connection (name 127.0.0.1 in its SANs).
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).expect("PEM")])
        .build()
        .expect("client");
    let r = http
        .get(format!("{url}/readyz"))
        .send()
        .await
        .expect("HTTPS readyz");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers().get("strict-transport-security").is_some(),
        "HSTS over HTTPS"
    );
    let cookie = sign_in_cookie(&http, &url, &password.expect("password"), &[]).await;
    assert!(cookie.starts_with("__Host-certkeep_session="), "{cookie}");
    for attr in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
    sigterm(child).await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_headers_count_only_from_a_trusted_proxy() {
    // Trusted: 127.0.0.1 (the test is the proxy): X-Forwarded-Proto https makes cookies Secure.
    let cli = Cli::new("serve-proxy");
    with_server_section(
        &cli,
        "behind_proxy = true\ntrusted_proxies = [\"127.0.0.1\"]\nscheduler = false\n",
    );
    let (child, url, password) = start(&cli).await;
    let password = password.expect("password");
    let http = reqwest::Client::new();
    let cookie = sign_in_cookie(&http, &url, &password, &[("x-forwarded-proto", "https")]).await;
    assert!(
        cookie.starts_with("__Host-certkeep_session=") && cookie.contains("Secure"),
        "{cookie}"
    );
    let plain = sign_in_cookie(&http, &url, &password, &[]).await;
    assert!(
        plain.starts_with("certkeep_session=") && !plain.contains("Secure"),
        "{plain}"
    );
    assert!(
        hsts(&http, &url, true).await,
        "HSTS when the proxy says HTTPS"
    );
    assert!(!hsts(&http, &url, false).await, "no HSTS over plain HTTP");
    sigterm(child).await;
    // Not trusted: the same header changes nothing.
    let cli = Cli::new("serve-proxy-untrusted");
    with_server_section(
        &cli,
        "behind_proxy = true\ntrusted_proxies = [\"10.9.8.7\"]\nscheduler = false\n",
    );
    let (child, url, password) = start(&cli).await;
    let cookie = sign_in_cookie(
        &http,
        &url,
        &password.expect("password"),
        &[("x-forwarded-proto", "https")],
    )
    .await;
    assert!(
        cookie.starts_with("certkeep_session=") && !cookie.contains("Secure"),
        "{cookie}"
    );
    assert!(
        !hsts(&http, &url, true).await,
        "no HSTS from an untrusted proxy's header"
    );
    sigterm(child).await;
}

/// Whether `/healthz` answers with HSTS, sent with or without `X-Forwarded-Proto: https`.
async fn hsts(http: &reqwest::Client, url: &str, forwarded_https: bool) -> bool {
    let mut req = http.get(format!("{url}/healthz"));
    if forwarded_https {
        req = req.header("x-forwarded-proto", "https");
    }
    let r = req.send().await.expect("healthz");
    r.headers().get("strict-transport-security").is_some()
}

/// Status of a sign-in as admin, and whether the answer says the password must change.
async fn sign_in_status(http: &reqwest::Client, url: &str, password: &str) -> (u16, bool) {
    let r = http
        .post(format!("{url}/api/v1/session"))
        .json(&serde_json::json!({"username": "admin", "password": password}))
        .send()
        .await
        .expect("login");
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    (status, body["must_change_password"] == true)
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_only_admin_is_recovered_from_the_host() {
    let cli = Cli::new("serve-recover");
    with_server_section(&cli, "scheduler = false\n");
    let (child, _, first) = start(&cli).await;
    let first = first.expect("one-time password");
    sigterm(child).await;

    let out = cli
        .cmd(&["user", "reset-password", "Admin"])
        .run()
        .await
        .ok();
    let second = out.stdout.trim().to_string();
    assert_eq!(second.len(), 20, "{out:?}");
    assert_ne!(second, first);
    assert!(out.stderr.contains("one-time password"), "{out:?}");
    cli.cmd(&["user", "reset-password", "nobody"])
        .run()
        .await
        .fails(4, "nobody");

    let (child, url, again) = start(&cli).await;
    assert_eq!(again, None, "no second bootstrap: the admin exists");
    let http = reqwest::Client::new();
    assert_eq!(sign_in_status(&http, &url, &first).await.0, 401);
    assert_eq!(
        sign_in_status(&http, &url, &second).await,
        (200, true),
        "the new password signs in, and must be changed"
    );
    sigterm(child).await;
}
