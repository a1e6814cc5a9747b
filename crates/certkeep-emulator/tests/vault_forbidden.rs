//! A caller without access gets Key Vault's 403 naming the operation it attempted: the
//! access-policy permission on access-policy vaults, the RBAC data action and resource on RBAC
//! vaults.

mod common;

use certkeep_emulator::demo::{DEMO_SUBSCRIPTIONS, NO_ACCESS_CLIENT_ID, NO_ACCESS_CLIENT_SECRET};
use common::Env;
use reqwest::Method;
use serde_json::Value;

async fn no_access_token(env: &Env) -> String {
    let scope = format!("{}/.default", env.emu.endpoints().vault_resource());
    env.credential_for(NO_ACCESS_CLIENT_ID, NO_ACCESS_CLIENT_SECRET)
        .get_token(&[&scope], None)
        .await
        .expect("token")
        .token
        .secret()
        .to_string()
}

async fn call(env: &Env, token: &str, method: Method, vault: &str, path: &str) -> (u16, Value) {
    let url = format!("{}{path}?api-version=7.6", env.vault_url(vault));
    let mut req = env.http.request(method.clone(), url).bearer_auth(token);
    if method == Method::PUT || method == Method::POST || method == Method::PATCH {
        req = req.header("content-type", "application/json").body("{}");
    }
    let resp = req.send().await.expect("vault answers");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

const CASES: &[(&str, &str, &str, &str, &str)] = &[
    // method, path, access-policy permission, RBAC data action, RBAC resource suffix
    (
        "GET",
        "/secrets",
        "secrets list",
        "secrets/readMetadata/action",
        "",
    ),
    (
        "GET",
        "/secrets/db-password/",
        "secrets get",
        "secrets/getSecret/action",
        "/secrets/db-password",
    ),
    (
        "PUT",
        "/secrets/db-password",
        "secrets set",
        "secrets/setSecret/action",
        "/secrets/db-password",
    ),
    (
        "GET",
        "/certificates",
        "certificates list",
        "certificates/read",
        "",
    ),
    (
        "GET",
        "/certificates/web/",
        "certificates get",
        "certificates/read",
        "/certificates/web",
    ),
    (
        "POST",
        "/certificates/web/create",
        "certificates create",
        "certificates/create/action",
        "/certificates/web",
    ),
    (
        "POST",
        "/certificates/web/import",
        "certificates import",
        "certificates/import/action",
        "/certificates/web",
    ),
    (
        "PATCH",
        "/certificates/web/policy",
        "certificates update",
        "certificates/update/action",
        "/certificates/web",
    ),
    (
        "DELETE",
        "/certificates/web",
        "certificates delete",
        "certificates/delete",
        "/certificates/web",
    ),
    (
        "GET",
        "/certificates/issuers",
        "certificates listissuers",
        "certificatecas/read",
        "",
    ),
    (
        "PUT",
        "/certificates/issuers/digicert",
        "certificates setissuers",
        "certificatecas/write",
        "",
    ),
    (
        "GET",
        "/certificates/contacts",
        "certificates managecontacts",
        "certificatecontacts/write",
        "",
    ),
];

#[tokio::test]
async fn access_policy_vault_names_the_permission_of_each_operation() {
    let env = Env::start().await;
    let token = no_access_token(&env).await;
    for (method, path, permission, _, _) in CASES {
        let m = Method::from_bytes(method.as_bytes()).expect("method");
        let (s, body) = call(&env, &token, m, "kv-test-2", path).await;
        assert_eq!(s, 403, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], "Forbidden", "{body}");
        assert_eq!(
            body["error"]["innererror"]["code"], "AccessDenied",
            "{body}"
        );
        let message = body["error"]["message"].as_str().unwrap_or_default();
        let want = format!("The user, group or application 'appid={NO_ACCESS_CLIENT_ID};oid=");
        assert!(message.starts_with(&want), "{message}");
        assert!(
            message.contains(&format!(
                "does not have {permission} permission on key vault 'kv-test-2;location=westeurope'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287"
            )),
            "{method} {path}: {message}"
        );
    }
}

#[tokio::test]
async fn rbac_vault_names_the_data_action_and_the_resource() {
    let env = Env::start().await;
    let token = no_access_token(&env).await;
    let vault_resource = format!(
        "/subscriptions/{}/resourcegroups/rg-certkeep/providers/microsoft.keyvault/vaults/kv-test-1",
        DEMO_SUBSCRIPTIONS[0]
    );
    for (method, path, _, action, suffix) in CASES {
        let m = Method::from_bytes(method.as_bytes()).expect("method");
        let (s, body) = call(&env, &token, m, "kv-test-1", path).await;
        assert_eq!(s, 403, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], "Forbidden", "{body}");
        assert_eq!(
            body["error"]["innererror"]["code"], "ForbiddenByRbac",
            "{body}"
        );
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid="),
            "{message}"
        );
        assert!(
            message.contains(&format!(
                "\r\nAction: 'Microsoft.KeyVault/vaults/{action}'\r\n"
            )),
            "{method} {path}: {message}"
        );
        assert!(
            message.contains(&format!("\r\nResource: '{vault_resource}{suffix}'\r\n")),
            "{method} {path}: {message}"
        );
        assert!(
            message.contains("\r\nAssignment: (not found)\r\n"),
            "{message}"
        );
        assert!(
            message.ends_with("\r\nVault: kv-test-1;location=westeurope\r\n"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn the_caller_with_access_is_not_refused() {
    let env = Env::start().await;
    let token = env.vault_token().await;
    for vault in ["kv-test-1", "kv-test-2"] {
        let (s, body) = call(&env, &token, Method::GET, vault, "/secrets").await;
        assert_eq!(s, 200, "{vault}: {body}");
    }
}
