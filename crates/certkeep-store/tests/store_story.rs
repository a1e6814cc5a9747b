//! The store story: one suite run unchanged against SQLite (a temporary file) and, when
//! `CERTKEEP_TEST_DATABASE_URL` is set (for example `postgres://postgres@127.0.0.1:5432/test`),
//! against PostgreSQL in a database created for the run and dropped after it.
mod story;

use std::io::Write;

use certkeep_store::{Store, StoreError};

/// Writes past the test harness's output capture, so the line shows in `cargo test` output.
fn announce(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_story_on_sqlite() {
    let dir = story::fixtures::TempDir::new("story");
    let url = format!("sqlite://{}", dir.path().join("inventory.db").display());
    story::run(url).await;
    announce("store story: passed on SQLite");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_story_on_postgres() {
    let Ok(admin_url) = std::env::var("CERTKEEP_TEST_DATABASE_URL") else {
        announce(
            "store story: CERTKEEP_TEST_DATABASE_URL is not set, so it ran against SQLite only \
             (PostgreSQL NOT tested)",
        );
        return;
    };
    let database = story::fixtures::PgDatabase::create(&admin_url).await;
    let outcome = tokio::spawn(story::run(database.url.clone())).await;
    database.drop_database().await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
    announce("store story: passed on PostgreSQL");
}

#[tokio::test]
async fn unsupported_url_schemes_are_refused() {
    for (url, scheme) in [
        ("mysql://root:pw@localhost/certkeep", "mysql"),
        ("redis://localhost", "redis"),
        ("certkeep.db", ""),
    ] {
        match Store::connect(url).await {
            Err(StoreError::UnsupportedUrl { scheme: found }) => assert_eq!(found, scheme),
            other => panic!("{url}: expected UnsupportedUrl, got {other:?}"),
        }
    }
    let message = match Store::connect("mysql://root:pw@localhost/certkeep").await {
        Err(error) => error.to_string(),
        Ok(_) => panic!("mysql accepted"),
    };
    assert!(message.contains("'mysql'"), "{message}");
    assert!(!message.contains("pw"), "{message}");
}
