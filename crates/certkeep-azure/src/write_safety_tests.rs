//! Which failed writes may be sent again, shaped as the SDK builds the errors.

use azure_core::http::StatusCode;
use azure_core::http::headers::Headers;

use super::*;

/// A service error as `check_success` builds it from a response.
fn http(status: u16, headers: &[(&'static str, &str)], body: &str) -> azure_core::Error {
    let mut h = Headers::new();
    h.insert("content-type", "application/json; charset=utf-8");
    for (k, v) in headers {
        h.insert(HeaderName::from_static(k), v.to_string());
    }
    let response = AsyncRawResponse::from_bytes(StatusCode::from(status), h, body.to_string());
    futures::executor::block_on(azure_core::error::check_success(response, None))
        .expect_err("an error status")
}

fn not_processed(v: Verdict) -> bool {
    matches!(v, Verdict::NotProcessed { .. })
}

#[test]
fn only_certainly_unprocessed_requests_are_sent_again() {
    assert!(not_processed(verdict(
        &http(429, &[("retry-after", "1")], ""),
        0
    )));
    assert!(not_processed(verdict(
        &http(503, &[("retry-after-ms", "10")], ""),
        0
    )));
    assert_eq!(verdict(&http(429, &[], ""), 0), Verdict::Refused);
    assert_eq!(verdict(&http(503, &[], ""), 0), Verdict::Ambiguous);
    assert_eq!(verdict(&http(500, &[], ""), 0), Verdict::Ambiguous);
    assert_eq!(verdict(&http(504, &[], ""), 0), Verdict::Ambiguous);
    assert_eq!(verdict(&http(408, &[], ""), 0), Verdict::Ambiguous);
    assert_eq!(verdict(&http(409, &[], ""), 0), Verdict::Refused);
    assert_eq!(verdict(&http(400, &[], ""), 0), Verdict::Refused);

    let connect = azure_core::Error::with_message(ErrorKind::Connection, "connection refused");
    assert!(not_processed(verdict(&connect, 0)));
    let io = azure_core::Error::with_message(ErrorKind::Io, "connection reset mid-body");
    assert_eq!(verdict(&io, 0), Verdict::Ambiguous);
    // The retry policy's wrapping keeps the kind.
    assert_eq!(
        verdict(&io.with_context("retry policy expired"), 0),
        Verdict::Ambiguous
    );
    let parse = azure_core::Error::with_message(ErrorKind::DataConversion, "bad JSON in a 202");
    assert_eq!(verdict(&parse, 0), Verdict::Ambiguous);
    let foreign = azure_core::Error::new(
        ErrorKind::Other,
        ForeignHostRefused {
            host: "evil".into(),
            expected: "https://kv".into(),
        },
    );
    assert_eq!(verdict(&foreign, 0), Verdict::Refused);
}

#[test]
fn a_409_is_a_conflict_unless_the_name_is_soft_deleted() {
    let deleted = http(
        409,
        &[],
        r#"{"error":{"code":"Conflict","message":"Certificate x is currently in a deleted but recoverable state","innererror":{"code":"ObjectIsDeletedButRecoverable"}}}"#,
    );
    assert!(matches!(
        classify_write(&deleted, "kv", "x"),
        AzureError::DeletedButRecoverable { name } if name == "x"
    ));
    let pending = http(
        409,
        &[],
        r#"{"error":{"code":"Conflict","message":"pending"}}"#,
    );
    assert!(matches!(
        classify_write(&pending, "kv", "x"),
        AzureError::Conflict { .. }
    ));
    let bare = classify_write(&http(403, &[], ""), "kv", "x");
    assert!(
        matches!(bare, AzureError::VaultAccessDenied { .. }),
        "{bare:?}"
    );
    let rbac = http(
        403,
        &[],
        r#"{"error":{"code":"Forbidden","message":"Caller is not authorized to perform action on resource.","innererror":{"code":"ForbiddenByRbac"}}}"#,
    );
    assert!(matches!(
        classify_write(&rbac, "kv", "x"),
        AzureError::VaultAccessDenied { vault } if vault == "kv"
    ));
    let state = http(
        403,
        &[],
        r#"{"error":{"code":"Forbidden","message":"Pending status must be in progress to allow update."}}"#,
    );
    assert!(matches!(
        classify_write(&state, "kv", "x"),
        AzureError::Conflict { message } if message.contains("in progress")
    ));
}

#[tokio::test(start_paused = true)]
async fn send_once_repeats_only_what_was_not_processed() {
    use std::sync::atomic::{AtomicU32, Ordering};
    let calls = AtomicU32::new(0);
    let r: Result<u32, WriteFailure> = send_once(|| {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        async move {
            if n < 2 {
                Err(http(429, &[("retry-after", "1")], ""))
            } else {
                Ok(n)
            }
        }
    })
    .await;
    assert_eq!(r.unwrap(), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    let calls = AtomicU32::new(0);
    let r: Result<(), WriteFailure> = send_once(|| {
        calls.fetch_add(1, Ordering::SeqCst);
        async { Err(azure_core::Error::with_message(ErrorKind::Io, "reset")) }
    })
    .await;
    assert!(r.unwrap_err().ambiguous);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "an ambiguous failure is not resent"
    );

    let calls = AtomicU32::new(0);
    let r: Result<(), WriteFailure> = send_once(|| {
        calls.fetch_add(1, Ordering::SeqCst);
        async { Err(http(503, &[("retry-after", "1")], "")) }
    })
    .await;
    assert!(!r.unwrap_err().ambiguous);
    assert_eq!(calls.load(Ordering::SeqCst), MAX_WRITE_ATTEMPTS);
}

/// Answers every request with a 202 and a long `Retry-After`, as a create is answered.
#[derive(Debug)]
struct Accepted;

#[async_trait]
impl Policy for Accepted {
    async fn send(&self, _: &Context, _: &mut Request, _: &[Arc<dyn Policy>]) -> PolicyResult {
        let mut h = Headers::new();
        h.insert(RETRY_AFTER, "10");
        h.insert(RETRY_AFTER_MS, "10000");
        Ok(AsyncRawResponse::from_bytes(
            StatusCode::Accepted,
            h,
            r#"{"status":"inProgress"}"#,
        ))
    }
}

#[tokio::test]
async fn only_a_create_s_first_answer_is_told_to_come_at_once() {
    let chain: Vec<Arc<dyn Policy>> = vec![Arc::new(FirstAnswerNow), Arc::new(Accepted)];
    let send = |method: Method, path: &str| {
        let url: azure_core::http::Url =
            format!("https://kv.vault.azure.net{path}").parse().unwrap();
        let chain = chain.clone();
        async move {
            let mut request = Request::new(url, method);
            chain[0]
                .send(&Context::new(), &mut request, &chain[1..])
                .await
                .unwrap()
        }
    };
    let create = send(Method::Post, "/certificates/www/create").await;
    assert_eq!(create.headers().get_optional_str(&RETRY_AFTER), Some("0"));
    assert_eq!(create.headers().get_optional_str(&RETRY_AFTER_MS), None);
    let body = create.into_body().collect().await.unwrap();
    assert_eq!(&body[..], br#"{"status":"inProgress"}"#);
    let merge = send(Method::Post, "/certificates/www/pending/merge").await;
    assert_eq!(merge.headers().get_optional_str(&RETRY_AFTER), Some("10"));
}
