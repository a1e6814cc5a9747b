//! Migrations apply once and are recorded; connecting again applies nothing.
use std::sync::Arc;

use certkeep_store::Store;

use super::fixtures::TestClock;

pub(crate) async fn connect_twice(url: &str, clock: Arc<TestClock>) -> Store {
    let first = Store::connect_with_clock(url, clock.clone())
        .await
        .expect("first connect migrates");
    let applied = first.applied_migrations().await.expect("applied");
    assert_eq!(
        applied,
        vec![
            (1, "inventory".to_string()),
            (2, "requests".to_string()),
            (3, "access".to_string()),
            (4, "listing".to_string()),
            (5, "settings".to_string())
        ]
    );
    first.close().await.expect("close");

    let second = Store::connect_with_clock(url, clock)
        .await
        .expect("second connect");
    assert_eq!(
        second.applied_migrations().await.expect("applied"),
        applied,
        "a second connect records no migration again"
    );
    // A third handle while the second is open: concurrent connects are fine too.
    let third = Store::connect(url).await.expect("third connect");
    assert_eq!(third.applied_migrations().await.expect("applied").len(), 5);
    third.close().await.expect("close");
    assert!(
        matches!(second.verify_audit_chain().await, Ok(0)),
        "a new database has an empty audit chain"
    );
    second
}
