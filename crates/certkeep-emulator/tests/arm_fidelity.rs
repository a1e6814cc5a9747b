//! ARM calls standard Azure tooling makes besides the vault listing: the caller's subscriptions,
//! the cloud metadata document and the managed HSM listing.

mod common;

use certkeep_emulator::demo::{
    DEMO_CLIENT_ID, DEMO_SUBSCRIPTIONS, DEMO_TENANT, NO_ACCESS_CLIENT_ID, NO_ACCESS_CLIENT_SECRET,
};
use certkeep_emulator::kv::model::Subscription;
use common::Env;
use serde_json::{Value, json};

async fn arm_token(env: &Env) -> String {
    env.token(&format!("{}/.default", env.emu.endpoints().arm()))
        .await
}

async fn get(env: &Env, token: Option<&str>, path_and_query: &str) -> (u16, Value) {
    let url = if path_and_query.starts_with("https://") {
        path_and_query.to_string()
    } else {
        format!("{}{path_and_query}", env.emu.endpoints().arm())
    };
    let mut req = env.http.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("ARM answers");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Two more subscriptions: one the demo app can read, one it cannot.
fn add_subscriptions(env: &Env) {
    let mut w = env.emu.state.world.lock();
    for (id, name, readers) in [
        (
            DEMO_SUBSCRIPTIONS[1],
            "Staging",
            vec![DEMO_CLIENT_ID.to_ascii_lowercase()],
        ),
        ("0badc0de-0000-4000-8000-000000000001", "Hidden", vec![]),
    ] {
        w.subscriptions.insert(
            id.to_string(),
            Subscription {
                id: id.to_string(),
                tenant_id: DEMO_TENANT.to_string(),
                name: name.to_string(),
                readers: readers.into_iter().collect(),
            },
        );
    }
}

#[tokio::test]
async fn subscriptions_list_shows_only_the_callers_and_pages_with_next_link() {
    let env = Env::start().await;
    add_subscriptions(&env);
    let token = arm_token(&env).await;

    let (s, body) = get(&env, Some(&token), "/subscriptions?api-version=2022-12-01").await;
    assert_eq!(s, 200, "{body}");
    let value = body["value"].as_array().cloned().unwrap_or_default();
    let mut ids: Vec<&str> = value
        .iter()
        .filter_map(|v| v["subscriptionId"].as_str())
        .collect();
    ids.sort_unstable();
    let mut want = vec![DEMO_SUBSCRIPTIONS[0], DEMO_SUBSCRIPTIONS[1]];
    want.sort_unstable();
    assert_eq!(
        ids, want,
        "the hidden subscription must not be listed: {body}"
    );
    assert!(body.get("nextLink").is_none(), "{body}");
    assert_eq!(body["count"], json!({"type": "Total", "value": 2}));
    let first = &value[0];
    assert_eq!(
        first["id"],
        format!(
            "/subscriptions/{}",
            first["subscriptionId"].as_str().unwrap_or_default()
        )
    );
    assert_eq!(first["tenantId"], DEMO_TENANT);
    assert_eq!(first["state"], "Enabled");
    assert_eq!(first["authorizationSource"], "RoleBased");
    assert!(
        first["subscriptionPolicies"]["quotaId"].is_string(),
        "{first}"
    );
    assert!(first["displayName"].is_string(), "{first}");

    // $top=1: two pages joined by nextLink, every subscription once.
    let (s, page1) = get(
        &env,
        Some(&token),
        "/subscriptions?api-version=2022-12-01&$top=1",
    )
    .await;
    assert_eq!(s, 200, "{page1}");
    assert_eq!(page1["value"].as_array().map(Vec::len), Some(1));
    let next = page1["nextLink"].as_str().expect("nextLink").to_string();
    let (s, page2) = get(&env, Some(&token), &next).await;
    assert_eq!(s, 200, "{page2}");
    assert_eq!(page2["value"].as_array().map(Vec::len), Some(1));
    assert!(page2.get("nextLink").is_none(), "{page2}");
    assert_ne!(
        page1["value"][0]["subscriptionId"],
        page2["value"][0]["subscriptionId"]
    );

    // An app with no role anywhere sees an empty list, not an error.
    let other = env
        .credential_for(NO_ACCESS_CLIENT_ID, NO_ACCESS_CLIENT_SECRET)
        .get_token(&[&format!("{}/.default", env.emu.endpoints().arm())], None)
        .await
        .expect("token")
        .token
        .secret()
        .to_string();
    let (s, body) = get(&env, Some(&other), "/subscriptions?api-version=2022-12-01").await;
    assert_eq!((s, body["value"].clone()), (200, json!([])), "{body}");

    // Still an authenticated call, and api-version is still required.
    let (s, body) = get(&env, None, "/subscriptions?api-version=2022-12-01").await;
    assert_eq!(s, 401, "{body}");
    let (s, body) = get(&env, Some(&token), "/subscriptions").await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (400, Some("MissingApiVersionParameter"))
    );
    assert!(
        env.admin(reqwest::Method::GET, "counters", None).await["by_route"]["arm.subscriptions.list"]
            .as_u64()
            .is_some_and(|n| n >= 4)
    );
}

#[tokio::test]
async fn metadata_endpoints_describe_the_emulator_in_both_shapes() {
    let env = Env::start().await;
    let e = env.emu.endpoints();
    let port = e.port;

    // 2019-05-01 and later: an array of clouds; no token needed.
    let (s, body) = get(&env, None, "/metadata/endpoints?api-version=2022-09-01").await;
    assert_eq!(s, 200, "{body}");
    let clouds = body.as_array().expect("an array of clouds");
    assert_eq!(clouds.len(), 1);
    let c = &clouds[0];
    assert_eq!(c["name"], "CertkeepEmulator");
    assert_eq!(c["resourceManager"], format!("{}/", e.arm()));
    assert_eq!(
        c["authentication"]["loginEndpoint"],
        format!("{}/", e.authority())
    );
    assert_eq!(c["authentication"]["tenant"], "common");
    assert_eq!(c["authentication"]["identityProvider"], "AAD");
    assert_eq!(
        c["suffixes"]["keyVaultDns"],
        format!("vault.localhost:{port}")
    );
    assert!(c["suffixes"]["storage"].is_string(), "{c}");
    // The first audience is what tools ask tokens for: the emulator must issue one for it.
    let audience = c["authentication"]["audiences"][0]
        .as_str()
        .expect("audience")
        .to_string();
    let token = env.token(&format!("{}.default", audience)).await;
    let (s, body) = get(
        &env,
        Some(&token),
        &format!(
            "/subscriptions/{}?api-version=2022-12-01",
            DEMO_SUBSCRIPTIONS[0]
        ),
    )
    .await;
    assert_eq!(
        s, 200,
        "a token for audiences[0] is accepted by ARM: {body}"
    );
    // A vault URL built from the suffix the way tools build it is the emulator's vault URL.
    let built = format!(
        "https://kv-test-1.{}",
        c["suffixes"]["keyVaultDns"].as_str().unwrap_or_default()
    );
    assert_eq!(built, env.vault_url("kv-test-1"));

    // Older api-versions: the classic single object.
    let (s, body) = get(&env, None, "/metadata/endpoints?api-version=2015-01-01").await;
    assert_eq!(s, 200, "{body}");
    assert!(body.is_object(), "{body}");
    assert_eq!(
        body["authentication"]["loginEndpoint"],
        format!("{}/", e.authority())
    );
    for field in ["galleryEndpoint", "graphEndpoint", "portalEndpoint"] {
        assert!(body[field].is_string(), "{field} in {body}");
    }

    let (s, body) = get(&env, None, "/metadata/endpoints").await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (400, Some("MissingApiVersionParameter"))
    );
}

#[tokio::test]
async fn managed_hsm_listing_is_empty_for_a_visible_subscription_and_refused_otherwise() {
    let env = Env::start().await;
    let token = arm_token(&env).await;
    let sub = DEMO_SUBSCRIPTIONS[0];

    for path in [
        format!(
            "/subscriptions/{sub}/providers/Microsoft.KeyVault/managedHSMs?api-version=2023-07-01"
        ),
        format!(
            "/subscriptions/{sub}/resourceGroups/rg-certkeep/providers/Microsoft.KeyVault/managedHSMs?api-version=2023-07-01"
        ),
    ] {
        let (s, body) = get(&env, Some(&token), &path).await;
        assert_eq!((s, body.clone()), (200, json!({"value": []})), "{path}");
    }

    let (s, body) = get(
        &env,
        Some(&token),
        "/subscriptions/0badc0de-0000-4000-8000-000000000000/providers/Microsoft.KeyVault/managedHSMs?api-version=2023-07-01",
    )
    .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (404, Some("SubscriptionNotFound"))
    );

    let other = env
        .credential_for(NO_ACCESS_CLIENT_ID, NO_ACCESS_CLIENT_SECRET)
        .get_token(&[&format!("{}/.default", env.emu.endpoints().arm())], None)
        .await
        .expect("token")
        .token
        .secret()
        .to_string();
    let (s, body) = get(
        &env,
        Some(&other),
        &format!(
            "/subscriptions/{sub}/providers/Microsoft.KeyVault/managedHSMs?api-version=2023-07-01"
        ),
    )
    .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("AuthorizationFailed")),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("'Microsoft.KeyVault/managedHSMs/read'"),
        "{message}"
    );
}
