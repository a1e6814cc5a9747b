//! `/metrics`: one expiry gauge per current certificate version with the emulator's notAfter
//! and the owner tag as a label, state counts equal to the listing's, Azure requests counted by
//! route and status; loopback only without a token, the token alone with one; and (run by
//! `.ci/run`, which installs Debian's `prometheus`) `promtool check metrics` accepts it.

use std::time::Duration;

use certkeep_engine::secret_discovery::SecretKind;
use certkeep_engine::{Actor, NoProgress, Scope};
use certkeep_server::{Server, ServerSettings};

use crate::common::{Who, stacks};
use crate::pages::emulator_current_versions;

/// The value of the series whose line starts with `prefix` and has every `label="value"`.
fn series(text: &str, name: &str, labels: &[(&str, &str)]) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .filter(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|l| l.rsplit(' ').next().unwrap_or_default().to_string())
        .collect()
}

async fn other_server(
    settings: ServerSettings,
    engine: std::sync::Arc<certkeep_engine::Engine>,
) -> Server {
    Server::start(
        engine,
        ServerSettings {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..settings
        },
    )
    .await
    .expect("a second server starts")
}

#[tokio::test]
async fn metrics_show_each_current_version_and_are_guarded() {
    for s in stacks("metrics").await {
        s.demo_estate().await;
        s.engine
            .discover_secrets(
                &Actor::user("setup"),
                &Scope::default(),
                SecretKind::All,
                true,
                &NoProgress,
            )
            .await
            .expect("secret discovery");
        let r = s.get(&Who::Anon, "/metrics").await.expect(200);
        assert!(
            r.header("content-type")
                .unwrap()
                .starts_with("text/plain; version=0.0.4"),
            "{r:?}"
        );
        let text = r.text();
        // Each current version, with its notAfter from the emulator.
        let certs = emulator_current_versions().await;
        let gauge = "certkeep_certificate_expiry_timestamp_seconds";
        for (vault, name, exp, _) in &certs {
            assert_eq!(
                series(&text, gauge, &[("vault", vault), ("name", name)]),
                [exp.to_string()],
                "{vault}/{name}"
            );
        }
        assert_eq!(series(&text, gauge, &[]).len(), certs.len());
        assert!(
            text.contains("credential=\"prod\",subscription=\"")
                && text.contains("tag_owner=\"team-0\""),
            "labels: {text}"
        );
        // TLS secrets: those backing a Key Vault certificate are told apart.
        let exp = "certkeep_tls_secret_expiry_timestamp_seconds";
        let inside = "certkeep_tls_secret_certificate_expiry_timestamp_seconds";
        assert!(
            !series(&text, exp, &[("managed", "true")]).is_empty(),
            "{text}"
        );
        assert!(
            !series(&text, inside, &[("managed", "false")]).is_empty(),
            "the certificate inside a standalone TLS secret: {text}"
        );
        for family in [exp, inside] {
            let all = series(&text, family, &[]).len();
            let labelled = series(&text, family, &[("managed", "true")]).len()
                + series(&text, family, &[("managed", "false")]).len();
            assert_eq!(all, labelled, "{family}");
        }
        // The state counts equal the listing's.
        let now = certkeep_store::Clock::now(&*s.clock);
        let expired = certs.iter().filter(|c| c.2 <= now).count();
        assert_eq!(
            series(&text, "certkeep_certificates", &[("state", "expired")]),
            [expired.to_string()]
        );
        // Discovery ran in this process: its Key Vault requests are counted.
        let ok = series(
            &text,
            "certkeep_azure_requests_total",
            &[
                ("service", "keyvault"),
                ("route", "/certificates"),
                ("status", "200"),
            ],
        );
        assert!(
            ok.first().and_then(|n| n.parse::<u64>().ok()).unwrap_or(0) >= 1,
            "{text}"
        );
        for line in text
            .lines()
            .filter(|l| l.starts_with("certkeep_azure_requests_total{"))
        {
            assert!(
                !certs.iter().any(|c| line.contains(&format!("/{}", c.1))),
                "routes carry no names: {line}"
            );
        }
        let runs = series(
            &text,
            "certkeep_sync_runs_total",
            &[("outcome", "succeeded")],
        );
        assert!(!runs.is_empty(), "discovery runs are counted");

        // With a token: only the token opens it, even from loopback.
        let engine = s.engine.clone();
        let token = "metrics-token-0123456789";
        let guarded = other_server(
            ServerSettings {
                metrics_token: Some(token.to_string().into()),
                ..Default::default()
            },
            engine.clone(),
        )
        .await;
        let get = |url: String, bearer: Option<&'static str>| {
            let http = s.http.clone();
            async move {
                let mut b = http.get(format!("{url}/metrics"));
                if let Some(t) = bearer {
                    b = b.bearer_auth(t);
                }
                let r = b.send().await.expect("answer");
                (r.status().as_u16(), r.text().await.unwrap_or_default())
            }
        };
        assert_eq!(get(guarded.url(), None).await.0, 401);
        assert_eq!(
            get(guarded.url(), Some("metrics-token-wrong-000")).await.0,
            401
        );
        let (status, body) = get(guarded.url(), Some(token)).await;
        assert_eq!(status, 200);
        assert!(body.contains(gauge));
        guarded.shutdown(Duration::from_secs(2)).await;

        // Behind a proxy: a client that is not on loopback is refused.
        let proxied = other_server(
            ServerSettings {
                behind_proxy: true,
                trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
                ..Default::default()
            },
            engine,
        )
        .await;
        let far = s
            .http
            .get(format!("{}/metrics", proxied.url()))
            .header("x-forwarded-for", "203.0.113.9")
            .send()
            .await
            .unwrap();
        assert_eq!(far.status().as_u16(), 403);
        proxied.shutdown(Duration::from_secs(2)).await;
        s.finish().await;
    }
}

/// Needs `promtool` (Debian's `prometheus`, installed by `.ci/run`).
#[tokio::test]
#[ignore = "needs promtool (apt-get install prometheus); .ci/run runs it"]
async fn promtool_accepts_the_metrics() {
    let s = stacks("metrics_promtool").await.remove(0);
    s.demo_estate().await;
    let text = s.get(&Who::Anon, "/metrics").await.expect(200).text();
    let file = s.dir.join("metrics.txt");
    std::fs::write(&file, &text).unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("promtool check metrics < '{}'", file.display()))
        .output()
        .expect("promtool runs");
    assert!(
        out.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    s.finish().await;
}
