//! Raw REST behaviour the SDK tests do not reach: Key Vault's error shapes for bad requests,
//! paging limits, time warp (token expiry, lifetime actions) and seed validation.

mod common;

use common::Env;
use serde_json::{Value, json};

struct Raw<'a> {
    env: &'a Env,
    token: String,
}

impl Raw<'_> {
    async fn call(
        &self,
        method: reqwest::Method,
        vault: &str,
        path_and_query: &str,
        body: Option<&str>,
    ) -> (u16, Value) {
        let url = format!("{}{path_and_query}", self.env.vault_url(vault));
        let mut req = self.env.http.request(method, url).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

async fn raw(env: &Env) -> Raw<'_> {
    Raw {
        env,
        token: env.vault_token().await,
    }
}

fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str, mention: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"]["code"], want_code, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(mention),
        "message {message:?} should mention {mention:?}"
    );
}

#[tokio::test]
async fn bad_requests_get_key_vault_error_shapes_and_store_nothing() {
    let env = Env::start().await;
    let r = raw(&env).await;
    let post = reqwest::Method::POST;
    let create = |policy: Value| json!({"policy": policy}).to_string();

    let (s, b) = r
        .call(
            post.clone(),
            "kv-test-1",
            "/certificates/bad_name/create?api-version=7.6",
            Some(&create(json!({"x509_props": {"subject": "CN=a"}}))),
        )
        .await;
    assert_error(s, &b, 400, "BadParameter", "invalid name: bad_name");

    let cases = [
        (
            json!({"key_props": {"kty": "RSA", "crv": "P-256"}, "x509_props": {"subject": "CN=a"}, "issuer": {"name": "Self"}}),
            "key_props",
        ),
        (
            json!({"key_props": {"kty": "RSA", "key_size": 1024}, "x509_props": {"subject": "CN=a"}, "issuer": {"name": "Self"}}),
            "key_size",
        ),
        (
            json!({"x509_props": {"subject": "CN=a", "validity_months": 0}, "issuer": {"name": "Self"}}),
            "validity_months",
        ),
        (
            json!({"x509_props": {"subject": "CN=a", "key_usage": ["signAnything"]}, "issuer": {"name": "Self"}}),
            "key_usage",
        ),
        (
            json!({"x509_props": {"subject": "CN=a", "ekus": ["serverAuth"]}, "issuer": {"name": "Self"}}),
            "ekus",
        ),
        (
            json!({"x509_props": {"subject": "XX=a"}, "issuer": {"name": "Self"}}),
            "subject",
        ),
        (
            json!({"x509_props": {"subject": "CN=a"}, "secret_props": {"contentType": "text/plain"}, "issuer": {"name": "Self"}}),
            "contentType",
        ),
        (
            json!({"x509_props": {"subject": "CN=a"}, "issuer": {"name": "Self"}, "lifetime_actions": [{"trigger": {"lifetime_percentage": 100}, "action": {"action_type": "AutoRenew"}}]}),
            "lifetime_percentage",
        ),
        (
            json!({"x509_props": {"subject": "CN=a"}, "issuer": {"name": "NoSuchIssuer"}}),
            "issuer",
        ),
    ];
    for (policy, field) in cases {
        let (s, b) = r
            .call(
                post.clone(),
                "kv-test-1",
                "/certificates/good-name/create?api-version=7.6",
                Some(&create(policy.clone())),
            )
            .await;
        assert_error(s, &b, 400, "BadParameter", field);
    }
    let (s, b) = r
        .call(
            post.clone(),
            "kv-test-1",
            "/certificates/good-name/create?api-version=7.6",
            Some("{not json"),
        )
        .await;
    assert_error(s, &b, 400, "BadParameter", "not valid JSON");
    let (s, b) = r
        .call(
            post.clone(),
            "kv-test-1",
            "/certificates/good-name/create?api-version=7.6",
            Some(r#"{"policy": {"key_props": {"key_size": "big"}}}"#),
        )
        .await;
    assert_error(s, &b, 400, "BadParameter", "key_size");
    let (s, b) = r
        .call(reqwest::Method::GET, "kv-test-1", "/certificates", None)
        .await;
    assert_error(s, &b, 400, "BadParameter", "api-version");
    let (s, b) = r
        .call(
            reqwest::Method::GET,
            "kv-test-1",
            "/certificates?api-version=6.0",
            None,
        )
        .await;
    assert_error(s, &b, 400, "BadParameter", "6.0");
    let (s, b) = r
        .call(
            reqwest::Method::GET,
            "kv-test-1",
            "/certificates?api-version=7.6&maxresults=26",
            None,
        )
        .await;
    assert_error(s, &b, 400, "BadParameter", "maxresults");
    let (s, b) = r
        .call(
            reqwest::Method::GET,
            "kv-test-1",
            "/keys/whatever?api-version=7.6",
            None,
        )
        .await;
    assert_error(s, &b, 404, "NotFound", "/keys/whatever");
    let (s, b) = r
        .call(
            reqwest::Method::GET,
            "kv-test-1",
            "/certificates/absent/?api-version=7.6",
            None,
        )
        .await;
    assert_error(s, &b, 404, "CertificateNotFound", "absent");

    // Nothing was half-written by any of the refused requests.
    let (s, b) = r
        .call(
            reqwest::Method::GET,
            "kv-test-1",
            "/certificates?api-version=7.6&includePending=true",
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(b, json!({"value": [], "nextLink": null}));

    // Query keys are decoded (the JS SDK sends api%2Dversion; SDKs re-encode $skiptoken).
    let (s, _) = r
        .call(
            reqwest::Method::GET,
            "kv-test-1",
            "/certificates?api%2Dversion=7.6",
            None,
        )
        .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn a_token_for_another_audience_or_an_expired_one_is_refused_with_a_challenge() {
    let env = Env::start().await;
    let arm_token = env.token(&env.cloud.arm_scope()).await;
    let url = format!("{}/secrets?api-version=7.6", env.vault_url("kv-test-1"));
    let resp = env
        .http
        .get(&url)
        .bearer_auth(&arm_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(
        resp.headers()
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("resource=\"https://vault.localhost:")
    );
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("audience"),
        "{body}"
    );

    let token = env.vault_token().await;
    assert_eq!(
        env.http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    env.admin(
        reqwest::Method::POST,
        "clock/advance",
        Some(json!({"seconds": 3700})),
    )
    .await;
    let resp = env.http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(resp.status(), 401, "tokens expire on the emulator's clock");
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{body}"
    );
}

#[tokio::test]
async fn time_warp_fires_lifetime_actions() {
    let env = Env::start().await;
    let r = raw(&env).await;
    env.admin(reqwest::Method::PUT, "faults", Some(json!({})))
        .await;
    r.call(
        reqwest::Method::PUT,
        "kv-test-1",
        "/certificates/contacts?api-version=7.6",
        Some(&json!({"contacts": [{"email": "pki@contoso.com"}]}).to_string()),
    )
    .await;
    let mail = json!({"policy": {"x509_props": {"subject": "CN=mail", "validity_months": 12}, "issuer": {"name": "Self"},
        "key_props": {"kty": "EC", "crv": "P-256"},
        "lifetime_actions": [{"trigger": {"days_before_expiry": 30}, "action": {"action_type": "EmailContacts"}}]}});
    let renew = json!({"policy": {"x509_props": {"subject": "CN=renew", "validity_months": 12}, "issuer": {"name": "Self"},
        "key_props": {"kty": "EC", "crv": "P-256"},
        "lifetime_actions": [{"trigger": {"lifetime_percentage": 50}, "action": {"action_type": "AutoRenew"}}]}});
    for (name, body) in [("mail", &mail), ("renew", &renew)] {
        let (s, b) = r
            .call(
                reqwest::Method::POST,
                "kv-test-1",
                &format!("/certificates/{name}/create?api-version=7.6"),
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(s, 202, "{b}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let versions = |b: Value| b["value"].as_array().map(Vec::len).unwrap_or_default();
    let r = raw(&env).await;
    let (_, b) = r
        .call(
            reqwest::Method::GET,
            "kv-test-1",
            "/certificates/renew/versions?api-version=7.6",
            None,
        )
        .await;
    assert_eq!(versions(b), 1);
    let events = env.admin(reqwest::Method::GET, "events", None).await;
    assert_eq!(
        events["events"].as_array().unwrap().len(),
        0,
        "nothing due yet"
    );

    // 200 days later: past 50 % of the renew certificate, not yet 30 days before the mail one's expiry.
    env.admin(
        reqwest::Method::POST,
        "clock/advance",
        Some(json!({"days": 200})),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let r = raw(&env).await;
    let (_, b) = r
        .call(
            reqwest::Method::GET,
            "kv-test-1",
            "/certificates/renew/versions?api-version=7.6",
            None,
        )
        .await;
    assert_eq!(versions(b), 2, "AutoRenew made a new version");
    let events = env.admin(reqwest::Method::GET, "events", None).await;
    let kinds: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["auto_renew"]);

    env.admin(
        reqwest::Method::POST,
        "clock/advance",
        Some(json!({"days": 150})),
    )
    .await;
    let events = env.admin(reqwest::Method::GET, "events", None).await;
    let mails: Vec<&Value> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "mail_sent")
        .collect();
    assert_eq!(mails.len(), 1, "{events}");
    assert_eq!(mails[0]["certificate"], "mail");
    assert_eq!(mails[0]["recipients"], json!(["pki@contoso.com"]));
}

#[tokio::test]
async fn demo_seed_is_deterministic_and_covers_every_state() {
    let env = Env::start().await;
    let summary = env.admin(reqwest::Method::POST, "seed/demo", None).await;
    assert_eq!(summary["vaults"], 5);
    assert_eq!(summary["certificates"], 61);
    let state = env.admin(reqwest::Method::GET, "state", None).await;
    let now = env.admin(reqwest::Method::GET, "clock", None).await["now"]
        .as_i64()
        .unwrap();
    let mut expired = 0;
    let mut within_7 = 0;
    let mut within_30 = 0;
    let mut healthy = 0;
    let mut max_versions = 0;
    let mut pending = 0;
    for v in state["vaults"].as_array().unwrap() {
        if !v["properties"]["name"].as_str().unwrap().starts_with("kv-")
            || v["properties"]["name"]
                .as_str()
                .unwrap()
                .starts_with("kv-test")
        {
            continue;
        }
        for c in v["certificates"].as_array().unwrap() {
            let versions = c["versions"].as_array().unwrap();
            max_versions = max_versions.max(versions.len());
            if c["pending"].is_object() {
                pending += 1;
            }
            let Some(current) = versions.last() else {
                continue;
            };
            let left = current["exp"].as_i64().unwrap() - now;
            match left {
                l if l < 0 => expired += 1,
                l if l < 7 * 86_400 => within_7 += 1,
                l if l < 30 * 86_400 => within_30 += 1,
                _ => healthy += 1,
            }
        }
    }
    assert_eq!((expired, within_7, within_30, healthy), (10, 10, 10, 30));
    assert_eq!(max_versions, 6);
    assert_eq!(pending, 1);

    // A second emulator loading the same seed has the same shape.
    let other = Env::start().await;
    let again = other.admin(reqwest::Method::POST, "seed/demo", None).await;
    assert_eq!(
        again["certificate_versions"],
        summary["certificate_versions"]
    );
    assert_eq!(again["secrets"], summary["secrets"]);
}

#[tokio::test]
async fn invalid_seeds_are_refused_whole() {
    let env = Env::start().await;
    let url = format!("{}/_emulator/seed", env.emu.endpoints().arm());
    let bad =
        json!({"tenants": [], "subscriptions": [{"id": "s1", "tenant": "missing", "vaults": []}]});
    let resp = env.http.post(&url).json(&bad).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let bad = json!({"tenants": [{"id": "t1"}], "subscriptions": [{"id": "s1", "tenant": "t1", "vaults": [
        {"name": "ok-vault", "certificates": [{"name": "bad_name", "policy": {"x509_props": {"subject": "CN=a"}}}]}]}]});
    let resp = env.http.post(&url).json(&bad).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let info = env.admin(reqwest::Method::GET, "info", None).await;
    assert!(
        !info["vaults"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["name"] == "ok-vault"),
        "nothing was loaded"
    );
}
