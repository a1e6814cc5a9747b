//! Where state lives: a database that refuses fails fast with the cause and its URL redacted;
//! commands that only read never create a master key; a lost key next to a database that holds
//! credentials is an error that says so.

use std::time::Instant;

use crate::common::{Cli, PROD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_database_fails_within_seconds_with_the_cause_and_no_password() {
    let cli = Cli::new("database-refused");
    let started = Instant::now();
    let out = cli
        .cmd(&["cert", "list"])
        .env(
            "CERTKEEP_DATABASE_URL",
            "postgres://certkeep:hunter2-secret@127.0.0.1:1/inventory?password=other-secret",
        )
        .run()
        .await
        .fails(1, "refused");
    assert!(
        started.elapsed().as_secs() < 5,
        "took {:?}",
        started.elapsed()
    );
    assert!(
        !out.stderr.contains("hunter2-secret") && !out.stderr.contains("other-secret"),
        "{}",
        out.stderr
    );
    assert!(!cli.data_dir.join("master.key").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_never_creates_a_key_and_a_lost_key_is_reported() {
    let cli = Cli::new("database-key");
    cli.cmd(&["cert", "list"]).run().await.ok();
    cli.cmd(&["credential", "list"]).run().await.ok();
    let key = cli.data_dir.join("master.key");
    assert!(!key.exists(), "a read-only command created the master key");
    cli.add_demo("prod", PROD).await.ok();
    assert!(key.exists());
    std::fs::remove_file(&key).unwrap();
    for args in [&["cert", "list"][..], &["discover", "certificates"][..]] {
        cli.cmd(args).run().await.fails(1, "does not exist");
        assert!(
            !key.exists(),
            "{args:?} made a new key next to sealed secrets"
        );
    }
}
