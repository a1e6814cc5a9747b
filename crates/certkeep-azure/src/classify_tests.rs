//! `classify` on errors shaped exactly as the SDK builds them.

use azure_core::error::{ErrorKind, check_success};
use azure_core::http::headers::Headers;
use azure_core::http::{AsyncRawResponse, StatusCode};

use super::*;

const SECRET: &str = "ck-demo~7Qm2vX9pL4sW8nR1tY6uE3";

/// What identity 1.0 parses an Entra error body into (its `error_description` is borrowed).
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct EntraIdErrorResponse<'a> {
    error_codes: Vec<i32>,
    error_description: &'a str,
}

fn entra_body(code: u32, text: &str) -> String {
    serde_json::json!({
        "error": "invalid_client",
        "error_description": format!("AADSTS{code}: {text}\r\nTrace ID: 0b1c2d3e-0000-4000-8000-000000000001\r\nCorrelation ID: 0b1c2d3e-0000-4000-8000-000000000002\r\nTimestamp: 2025-06-01 10:00:00Z"),
        "error_codes": [code],
        "timestamp": "2025-06-01 10:00:00Z",
        "trace_id": "0b1c2d3e-0000-4000-8000-000000000001",
        "correlation_id": "0b1c2d3e-0000-4000-8000-000000000002",
        "error_uri": "https://login.microsoftonline.com/error?code={code}"
    })
    .to_string()
}

/// identity 1.0 with a `\r\n` description: DataConversion, wrapped as a credential failure, then
/// wrapped again by the retry policy of the pipeline that asked for the token.
fn entra_failure_unparsed(code: u32, text: &str) -> azure_core::Error {
    let body = entra_body(code, text);
    let parse: azure_core::Error = serde_json::from_str::<EntraIdErrorResponse<'_>>(&body)
        .err()
        .expect("a \\r\\n description cannot be borrowed")
        .into();
    assert!(matches!(parse.kind(), ErrorKind::DataConversion));
    let message = format!(
        "ClientSecretCredential authentication failed. {parse}\nTo troubleshoot, visit https://aka.ms/azsdk/rust/identity/troubleshoot#client-secret"
    );
    azure_core::Error::with_error(ErrorKind::Credential, parse, message)
        .with_context("non-transport error occurred which will not be retried")
}

/// identity 1.0 when the description parses (no escapes): HttpResponse with the code.
fn entra_failure_parsed(status: u16, code: u32, text: &str) -> azure_core::Error {
    let inner = azure_core::Error::new(
        ErrorKind::HttpResponse {
            status: StatusCode::from(status),
            error_code: Some(code.to_string()),
            raw_response: None,
        },
        format!("AADSTS{code}: {text}"),
    );
    let message = format!("ClientSecretCredential authentication failed. {inner}");
    azure_core::Error::with_error(ErrorKind::Credential, inner, message)
}

/// A service error as `check_success` builds it from a response.
async fn service_error(
    status: u16,
    error_code_header: Option<&str>,
    body: &str,
) -> azure_core::Error {
    let mut headers = Headers::new();
    headers.insert("content-type", "application/json; charset=utf-8");
    if let Some(c) = error_code_header {
        headers.insert("x-ms-error-code", c.to_string());
    }
    let response =
        AsyncRawResponse::from_bytes(StatusCode::from(status), headers, body.to_string());
    check_success(response, None)
        .await
        .expect_err("an error status")
}

#[test]
fn entra_codes_are_found_through_the_chain_even_when_identity_cannot_parse_them() {
    let cases = [
        (
            7000215,
            "Invalid client secret provided.",
            "WrongClientSecret",
        ),
        (
            7000222,
            "The provided client secret keys for app are expired.",
            "ClientSecretExpired",
        ),
        (
            700016,
            "Application with identifier 'x' was not found in the directory 'Contoso'.",
            "UnknownApplication",
        ),
        (
            90002,
            "Tenant '00000000-0000-4000-8000-000000000000' not found.",
            "UnknownTenant",
        ),
    ];
    for (code, text, expected) in cases {
        let e = entra_failure_unparsed(code, text);
        // The outer Display hides the code: only the chain has it.
        assert!(!e.to_string().contains("AADSTS"), "{e}");
        let got = classify(&e);
        assert!(format!("{got:?}").starts_with(expected), "{code}: {got:?}");
        let msg = got.to_string();
        assert!(msg.contains(&format!("AADSTS{code}")), "{msg}");
        assert!(!msg.contains(SECRET));

        let got = classify(&entra_failure_parsed(401, code, text));
        assert!(
            format!("{got:?}").starts_with(expected),
            "{code} parsed: {got:?}"
        );
    }
}

#[test]
fn similar_codes_are_not_confused() {
    // AADSTS700016 must not be read as a prefix of AADSTS7000160, nor 7000215 as 700021.
    assert_eq!(
        aadsts_codes("AADSTS7000215: x AADSTS700016."),
        vec![7000215, 700016]
    );
    let e = entra_failure_unparsed(7000160, "something else");
    assert!(matches!(classify(&e), AzureError::Sdk(_)));
    let e = entra_failure_unparsed(500011, "The resource principal named x was not found.");
    let AzureError::Sdk(text) = classify(&e) else {
        panic!("unknown codes stay Sdk")
    };
    assert!(text.contains("AADSTS500011"), "{text}");
}

#[tokio::test]
async fn arm_and_vault_statuses() {
    let e = service_error(403, None, r#"{"error":{"code":"AuthorizationFailed","message":"The client 'x' with object id 'x' does not have authorization to perform action 'Microsoft.KeyVault/vaults/read' over scope '/subscriptions/s'."}}"#).await;
    assert!(matches!(classify(&e), AzureError::NoSubscriptionAccess));

    let e = service_error(404, None, r#"{"error":{"code":"SubscriptionNotFound","message":"The subscription 's' could not be found."}}"#).await;
    assert!(matches!(classify(&e), AzureError::SubscriptionNotFound));

    let e = service_error(403, Some("Forbidden"), r#"{"error":{"code":"Forbidden","message":"Caller is not authorized to perform action on resource.","innererror":{"code":"ForbiddenByRbac"}}}"#).await;
    assert!(matches!(classify(&e), AzureError::Http { status: 403, .. }));
    match classify_vault(&e, "kv-prod-web") {
        AzureError::VaultAccessDenied { vault } => assert_eq!(vault, "kv-prod-web"),
        other => panic!("{other:?}"),
    }

    let e = service_error(404, None, r#"{"error":{"code":"CertificateNotFound","message":"A certificate with (name/id) nope was not found in this key vault."}}"#).await;
    match classify(&e) {
        AzureError::NotFound { message } => assert!(message.contains("nope"), "{message}"),
        other => panic!("{other:?}"),
    }

    let e = service_error(429, None, r#"{"error":{"code":"Throttled","message":"Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached"}}"#).await;
    assert!(matches!(classify(&e), AzureError::Throttled));

    let e = service_error(409, None, r#"{"error":{"code":"Conflict","message":"Certificate x is currently being deleted.","innererror":{"code":"ObjectIsBeingDeleted"}}}"#).await;
    match classify(&e) {
        AzureError::Http {
            status,
            code,
            message,
        } => {
            assert_eq!(status, 409);
            assert_eq!(code.as_deref(), Some("Conflict"));
            assert!(message.contains("being deleted"));
        }
        other => panic!("{other:?}"),
    }

    // Wrapped by the retry policy: still found.
    let e = service_error(429, None, "{}")
        .await
        .with_context("retry policy expired");
    assert!(matches!(classify(&e), AzureError::Throttled));
}

#[tokio::test]
async fn connection_refused_names_the_host() {
    let http = reqwest::Client::new();
    let refused = http
        .get("https://127.0.0.1:9/")
        .send()
        .await
        .expect_err("port 9 refuses");
    let e = azure_core::Error::with_error(
        ErrorKind::Connection,
        refused,
        "failed to execute `reqwest` request",
    );
    // As it arrives from a token request: wrapped in a credential error.
    let e = azure_core::Error::with_error(
        ErrorKind::Credential,
        e,
        "ClientSecretCredential authentication failed.",
    );
    match classify(&e) {
        AzureError::Unreachable { host, reason } => {
            assert_eq!(host, "127.0.0.1:9");
            assert!(!reason.is_empty());
        }
        other => panic!("{other:?}"),
    }
}
