//! The "commit, then drop the response" fault: the request is handled in full, then the client
//! sees the connection break, so it cannot tell whether its change was made.

mod common;

use common::Env;
use reqwest::Method;
use serde_json::{Value, json};

const API: &str = "api-version=7.6";

async fn send(
    env: &Env,
    token: &str,
    method: Method,
    vault: &str,
    path: &str,
    body: Value,
) -> Result<(u16, Value), String> {
    let url = format!("{}{path}?{API}", env.vault_url(vault));
    let resp = env
        .http
        .request(method, url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| common::error_chain(&e))?;
    let status = resp.status().as_u16();
    let text = resp.text().await.map_err(|e| common::error_chain(&e))?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

fn self_policy(subject: &str) -> Value {
    json!({"policy": {"x509_props": {"subject": subject}, "issuer": {"name": "Self"}}})
}

async fn counters(env: &Env) -> Value {
    env.admin(Method::GET, "counters", None).await
}

#[tokio::test]
async fn a_create_whose_response_is_dropped_still_creates_the_certificate_and_the_limit_holds() {
    let env = Env::start().await;
    let token = env.vault_token().await;
    let set = env
        .admin(
            Method::PUT,
            "faults",
            Some(json!({
                "drop_after_commit_route": "kv.certificates.create",
                "drop_after_commit_rate": 1.0,
                "drop_after_commit_limit": 1
            })),
        )
        .await;
    assert_eq!(set["drop_after_commit_limit"], 1, "{set}");
    env.admin(Method::DELETE, "counters", None).await;

    // The first create: the client sees a broken connection...
    let first = send(
        &env,
        &token,
        Method::POST,
        "kv-test-1",
        "/certificates/lost-reply/create",
        self_policy("CN=lost-reply"),
    )
    .await;
    assert!(
        first.is_err(),
        "the response should have been dropped: {first:?}"
    );

    // ...yet the operation exists: the certificate was committed.
    let (s, op) = send(
        &env,
        &token,
        Method::GET,
        "kv-test-1",
        "/certificates/lost-reply/pending",
        Value::Null,
    )
    .await
    .expect("pending readable");
    assert_eq!(s, 200, "{op}");
    assert!(
        op["id"]
            .as_str()
            .unwrap_or_default()
            .ends_with("/certificates/lost-reply/pending"),
        "{op}"
    );
    // Self issuance completes at once in the test harness: a version exists.
    let (s, bundle) = send(
        &env,
        &token,
        Method::GET,
        "kv-test-1",
        "/certificates/lost-reply/",
        Value::Null,
    )
    .await
    .expect("bundle readable");
    assert_eq!(s, 200, "{bundle}");
    assert!(bundle["x5t"].is_string(), "{bundle}");

    // Retrying the create blind is now a second version, and the limit (1) lets it through.
    let (s, op2) = send(
        &env,
        &token,
        Method::POST,
        "kv-test-1",
        "/certificates/lost-reply/create",
        self_policy("CN=lost-reply"),
    )
    .await
    .expect("second create is answered: the limit is spent");
    assert_eq!(s, 202, "{op2}");

    // Other routes were never dropped.
    let (s, _) = send(
        &env,
        &token,
        Method::PUT,
        "kv-test-1",
        "/secrets/kept",
        json!({"value": "v"}),
    )
    .await
    .expect("secret set answered");
    assert_eq!(s, 200);

    let c = counters(&env).await;
    assert_eq!(c["dropped_after_commit"], 1, "{c}");
    assert_eq!(c["dropped"], 0, "{c}");
    // Each create counted once in by_route, dropped or not.
    assert_eq!(c["by_route"]["kv.certificates.create"], 2, "{c}");
}

#[tokio::test]
async fn errors_are_never_dropped_after_commit_and_a_new_put_resets_the_limit() {
    let env = Env::start().await;
    let token = env.vault_token().await;
    let faults = json!({
        "drop_after_commit_route": "kv.secrets.set",
        "drop_after_commit_rate": 1.0,
        "drop_after_commit_limit": 2
    });
    env.admin(Method::PUT, "faults", Some(faults.clone())).await;

    // A refused request committed nothing, so it is answered and does not use up the limit.
    let (s, b) = send(
        &env,
        &token,
        Method::PUT,
        "kv-test-1",
        "/secrets/bad_name",
        json!({"value": "v"}),
    )
    .await
    .expect("a 400 is answered");
    assert_eq!(s, 400, "{b}");

    for i in 0..2 {
        let r = send(
            &env,
            &token,
            Method::PUT,
            "kv-test-1",
            "/secrets/dropped",
            json!({"value": format!("v{i}")}),
        )
        .await;
        assert!(r.is_err(), "set {i} should be dropped: {r:?}");
    }
    let (s, b) = send(
        &env,
        &token,
        Method::PUT,
        "kv-test-1",
        "/secrets/dropped",
        json!({"value": "v2"}),
    )
    .await
    .expect("third set answered");
    assert_eq!(s, 200, "{b}");
    let (s, versions) = send(
        &env,
        &token,
        Method::GET,
        "kv-test-1",
        "/secrets/dropped/versions",
        Value::Null,
    )
    .await
    .expect("versions listed");
    assert_eq!(s, 200);
    assert_eq!(
        versions["value"].as_array().map(Vec::len),
        Some(3),
        "all three sets committed: {versions}"
    );

    // Setting the faults again starts the count afresh.
    env.admin(Method::PUT, "faults", Some(faults)).await;
    let r = send(
        &env,
        &token,
        Method::PUT,
        "kv-test-1",
        "/secrets/dropped",
        json!({"value": "v3"}),
    )
    .await;
    assert!(
        r.is_err(),
        "the limit restarts with new fault settings: {r:?}"
    );
    assert_eq!(counters(&env).await["dropped_after_commit"], 3);
}

#[tokio::test]
async fn out_of_range_rates_are_refused() {
    let env = Env::start().await;
    let url = format!("{}/_emulator/faults", env.emu.endpoints().arm());
    let resp = env
        .http
        .put(url)
        .json(&json!({"drop_after_commit_rate": 1.5}))
        .send()
        .await
        .expect("admin answers");
    assert_eq!(resp.status().as_u16(), 400);
}
