//! `certkeep demo`: banner, inventory, printed settings that work for further commands, and a
//! clean stop on Ctrl-C (SIGINT) that removes its temporary data directory.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, BufReader};

use crate::common::DEMO_CLIENT_SECRET;

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_inventories_the_estate_and_stops_on_ctrl_c() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_certkeep"))
        .args(["demo", "--port", "0", "--listen", "127.0.0.1:0"])
        .env_remove("CERTKEEP_DATA_DIR")
        .env_remove("CERTKEEP_CONFIG")
        .env_remove("CERTKEEP_DATABASE_URL")
        .env_remove("CERTKEEP_MASTER_KEY_FILE")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn demo");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut text = String::new();
    let read = async {
        while let Some(line) = lines.next_line().await.expect("read") {
            text.push_str(&line);
            text.push('\n');
            if line.starts_with("Press Ctrl-C") {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("the demo is ready within 60 s");
    assert!(text.contains("Certkeep Azure emulator"), "{text}");
    assert!(
        text.contains(DEMO_CLIENT_SECRET),
        "the banner shows the demo identity"
    );
    assert!(text.contains("vaults:                   5"), "{text}");
    let value = |var: &str| {
        let prefix = format!("  export {var}='");
        let line = text
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no {var} in {text}"));
        line[prefix.len()..line.len() - 1].to_string()
    };
    let data_dir = value("CERTKEEP_DATA_DIR");
    let config = value("CERTKEEP_CONFIG");

    // The server runs, and the printed one-time password signs admin in.
    let server_line = text
        .lines()
        .find(|l| l.starts_with("Certkeep's web interface: "))
        .unwrap_or_else(|| panic!("no server line in {text}"));
    let url = server_line["Certkeep's web interface: ".len()..]
        .split_whitespace()
        .next()
        .expect("url")
        .to_string();
    let password = text
        .lines()
        .find_map(|l| l.split("one-time password ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("one-time password")
        .to_string();
    let http = reqwest::Client::new();
    let ready = http
        .get(format!("{url}/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200, "{url}/readyz");
    let login = http
        .post(format!("{url}/api/v1/session"))
        .json(&serde_json::json!({"username": "admin", "password": password}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200, "the printed password signs admin in");
    let body: serde_json::Value = login.json().await.expect("login JSON");
    assert_eq!(body["must_change_password"], true, "{body}");
    let docs = http
        .get(format!("{url}/api/docs/"))
        .send()
        .await
        .expect("docs");
    assert_eq!(docs.status(), 200, "Swagger UI is served");
    let page = http
        .get(format!("{url}/login"))
        .send()
        .await
        .expect("sign-in page");
    assert_eq!(page.status(), 200, "the web interface is served");
    assert!(
        page.text()
            .await
            .unwrap_or_default()
            .contains("Sign in to Certkeep")
    );

    // The printed settings reach the demo's inventory.
    let run = |args: &'static [&'static str]| {
        let (data_dir, config) = (data_dir.clone(), config.clone());
        async move {
            let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_certkeep"))
                .args(args)
                .env("CERTKEEP_DATA_DIR", &data_dir)
                .env("CERTKEEP_CONFIG", &config)
                .env_remove("CERTKEEP_DATABASE_URL")
                .env_remove("CERTKEEP_MASTER_KEY_FILE")
                .stdin(Stdio::null())
                .output()
                .await
                .expect("run certkeep");
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("JSON")
        }
    };
    let credentials = run(&["credential", "list", "-o", "json"]).await;
    assert_eq!(credentials.as_array().unwrap().len(), 2, "{credentials}");
    let vaults = run(&["vault", "list", "-o", "json"]).await;
    assert_eq!(vaults.as_array().unwrap().len(), 5);
    let certs = run(&["cert", "list", "--show", "all", "-o", "json"]).await;
    assert!(
        certs.as_array().unwrap().len() > 200,
        "every version was discovered"
    );
    // Discovery works against the running emulator with the written config.
    let again = run(&["discover", "certificates", "-o", "json"]).await;
    assert_eq!(again.as_array().unwrap().len(), 5, "{again}");

    let pid = child.id().expect("pid").to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("the demo stops on Ctrl-C")
        .expect("wait");
    assert!(status.success(), "demo exit: {status:?}");
    assert!(
        !std::path::Path::new(&data_dir).exists(),
        "the temporary data directory {data_dir} was removed"
    );
}
