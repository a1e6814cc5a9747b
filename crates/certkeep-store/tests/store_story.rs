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

/// The PostgreSQL admin URL when the run must test PostgreSQL (an unreachable server then fails
/// the test: it is never skipped silently).
fn postgres_admin_url(what: &str) -> Option<String> {
    let url = std::env::var("CERTKEEP_TEST_DATABASE_URL").ok();
    if url.is_none() {
        announce(&format!(
            "{what}: CERTKEEP_TEST_DATABASE_URL is not set, so it ran against SQLite only \
             (PostgreSQL NOT tested)"
        ));
    }
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_story_on_postgres() {
    let Some(admin_url) = postgres_admin_url("store story") else {
        return;
    };
    // Dropped by the guard's Drop as well if the story panics.
    let database = story::fixtures::PgDatabase::create(&admin_url).await;
    story::run(database.url.clone()).await;
    database.drop_database().await;
    announce("store story: passed on PostgreSQL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_1_to_2_on_sqlite() {
    let dir = story::fixtures::TempDir::new("upgrade");
    let url = format!("sqlite://{}", dir.path().join("inventory.db").display());
    story::upgrade::story(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_1_to_2_on_postgres() {
    let Some(admin_url) = postgres_admin_url("migration 1 to 2") else {
        return;
    };
    let database = story::fixtures::PgDatabase::create(&admin_url).await;
    story::upgrade::story(&database.url).await;
    database.drop_database().await;
    announce("migration 1 to 2: passed on PostgreSQL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_2_to_3_on_sqlite() {
    let dir = story::fixtures::TempDir::new("upgrade-3");
    let url = format!("sqlite://{}", dir.path().join("inventory.db").display());
    story::upgrade::story_2_to_3(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_2_to_3_on_postgres() {
    let Some(admin_url) = postgres_admin_url("migration 2 to 3") else {
        return;
    };
    let database = story::fixtures::PgDatabase::create(&admin_url).await;
    story::upgrade::story_2_to_3(&database.url).await;
    database.drop_database().await;
    announce("migration 2 to 3: passed on PostgreSQL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_3_to_4_on_sqlite() {
    let dir = story::fixtures::TempDir::new("upgrade-4");
    let url = format!("sqlite://{}", dir.path().join("inventory.db").display());
    story::upgrade::story_3_to_4(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_3_to_4_on_postgres() {
    let Some(admin_url) = postgres_admin_url("migration 3 to 4") else {
        return;
    };
    let database = story::fixtures::PgDatabase::create(&admin_url).await;
    story::upgrade::story_3_to_4(&database.url).await;
    database.drop_database().await;
    announce("migration 3 to 4: passed on PostgreSQL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_postgres_test_still_drops_its_database() {
    let Some(admin_url) = postgres_admin_url("drop guard") else {
        return;
    };
    let url = admin_url.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let failed = tokio::spawn(async move {
        let database = story::fixtures::PgDatabase::create(&url).await;
        let store = Store::connect(&database.url).await.expect("connect");
        let _ = tx.send(database.name.clone());
        assert_eq!(
            store.applied_migrations().await.expect("applied").len(),
            0,
            "fails on purpose"
        );
    })
    .await;
    assert!(failed.is_err_and(|e| e.is_panic()), "the inner test failed");
    let name = rx.await.expect("name");
    assert!(
        !story::fixtures::database_exists(&admin_url, &name).await,
        "{name} was dropped by the guard"
    );
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
