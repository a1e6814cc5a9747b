//! The gate against a stand-in transport.

use std::sync::atomic::{AtomicUsize, Ordering};

use azure_core::http::Method;

use super::*;
use crate::budget::BudgetConfig;

/// Answers every request with `status` and `headers`, counting them.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    headers: Vec<(&'static str, &'static str)>,
    sent: Arc<AtomicUsize>,
}

#[async_trait]
impl Policy for Answer {
    async fn send(&self, _: &Context, _: &mut Request, _: &[Arc<dyn Policy>]) -> PolicyResult {
        self.sent.fetch_add(1, Ordering::SeqCst);
        let mut headers = Headers::new();
        for (k, v) in &self.headers {
            headers.insert(*k, *v);
        }
        Ok(AsyncRawResponse::from_bytes(
            self.status,
            headers,
            r#"{"error":{"code":"Throttled","message":"slow down"}}"#,
        ))
    }
}

fn answer(
    status: StatusCode,
    headers: Vec<(&'static str, &'static str)>,
) -> (Arc<dyn Policy>, Arc<AtomicUsize>) {
    let sent = Arc::new(AtomicUsize::new(0));
    (
        Arc::new(Answer {
            status,
            headers,
            sent: sent.clone(),
        }),
        sent,
    )
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

#[tokio::test]
async fn refuses_other_origins_without_sending() {
    let gate = RequestGate::new(&url("https://kv1.vault.azure.net/"));
    let (next, sent) = answer(StatusCode::Ok, vec![]);
    for other in [
        "https://evil.example.com/certificates",
        "http://kv1.vault.azure.net/certificates",
        "https://kv1.vault.azure.net:8443/certificates",
        "https://kv2.vault.azure.net/certificates",
    ] {
        let mut req = Request::new(url(other), Method::Get);
        let err = gate
            .send(&Context::new(), &mut req, std::slice::from_ref(&next))
            .await
            .expect_err("refused");
        assert!(
            err.downcast_ref::<ForeignHostRefused>().is_some(),
            "{other}: {err}"
        );
        assert!(matches!(
            crate::classify(&err),
            crate::AzureError::ForeignHost { .. }
        ));
    }
    assert_eq!(sent.load(Ordering::SeqCst), 0);
    let mut req = Request::new(
        url("https://kv1.vault.azure.net/certificates?x=1"),
        Method::Get,
    );
    let ok = gate
        .send(&Context::new(), &mut req, std::slice::from_ref(&next))
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::Ok);
    assert_eq!(sent.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_long_retry_after_is_capped_and_pauses_the_budget() {
    let base = url("https://kv1.vault.azure.net/");
    let budget = RequestBudget::new(&BudgetConfig::per_window(1000, Duration::from_secs(1)));
    let gate = RequestGate::new(&base)
        .with_budget(budget.clone())
        .with_max_retry_after(Duration::from_secs(2));
    let (next, _) = answer(
        StatusCode::TooManyRequests,
        vec![("retry-after", "3600"), ("x-ms-retry-after-ms", "3600000")],
    );
    let mut req = Request::new(base.join("secrets").unwrap(), Method::Get);
    let resp = gate
        .send(&Context::new(), &mut req, std::slice::from_ref(&next))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TooManyRequests);
    assert_eq!(resp.headers().get_optional_str(&RETRY_AFTER), Some("2"));
    assert_eq!(resp.headers().get_optional_str(&X_MS_RETRY_AFTER_MS), None);
    assert_eq!(retry_after(resp.headers()), Some(Duration::from_secs(2)));
    let body = resp.into_body().collect().await.unwrap();
    assert!(String::from_utf8_lossy(&body).contains("Throttled"));
    // The next request to this vault waits out the (capped) pause.
    let start = tokio::time::Instant::now();
    budget.acquire().await;
    assert!(
        start.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn retry_after_headers_in_the_sdk_order() {
    let mut h = Headers::new();
    h.insert("retry-after", "7");
    assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
    h.insert("retry-after-ms", "1500");
    assert_eq!(retry_after(&h), Some(Duration::from_millis(1500)));
    h.insert("x-ms-retry-after-ms", "250");
    assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
}
