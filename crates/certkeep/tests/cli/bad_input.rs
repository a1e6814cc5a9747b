//! Bad input is refused with the field named, exit 2, and nothing stored; Azure's refusals exit 3;
//! there is no way to pass a secret as a flag.

use crate::common::{
    Cli, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT, NO_ACCESS_CLIENT_ID,
    NO_ACCESS_CLIENT_SECRET, Out, PROD,
};

const GOOD: [(&str, &str); 5] = [
    ("--name", "prod"),
    ("--tenant-id", DEMO_TENANT),
    ("--subscription-id", PROD),
    ("--client-id", DEMO_CLIENT_ID),
    ("--cloud", "emulator"),
];

/// `credential add` with one field replaced, the secret from `CERTKEEP_CLIENT_SECRET`.
async fn add_with(cli: &Cli, flag: &str, value: &str, secret: Option<&str>) -> Out {
    let mut args = vec!["credential".to_string(), "add".to_string()];
    for (f, v) in GOOD {
        args.push(f.to_string());
        args.push(if f == flag { value } else { v }.to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cmd = cli.cmd(&args);
    if let Some(s) = secret {
        cmd = cmd.env("CERTKEEP_CLIENT_SECRET", s);
    }
    cmd.run().await
}

async fn assert_nothing_stored(cli: &Cli) {
    let list = cli
        .cmd(&["credential", "list", "-o", "json"])
        .run()
        .await
        .ok()
        .json();
    assert_eq!(list, serde_json::json!([]), "a credential was stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_and_nothing_is_stored() {
    let cli = Cli::new("bad-input");
    let secret = Some(DEMO_CLIENT_SECRET);

    for (flag, field) in [
        ("--tenant-id", "tenant_id"),
        ("--subscription-id", "subscription_id"),
        ("--client-id", "client_id"),
    ] {
        let out = add_with(&cli, flag, "not-a-guid", secret)
            .await
            .fails(2, field);
        assert!(out.stderr.contains("not a GUID"), "{}", out.stderr);
    }
    add_with(&cli, "--name", "", secret).await.fails(2, "name");
    add_with(&cli, "--name", "semi;colon", secret)
        .await
        .fails(2, "name");
    let out = add_with(&cli, "--cloud", "Mars", secret)
        .await
        .fails(2, "cloud");
    assert!(
        out.stderr.contains("emulator"),
        "known clouds are listed: {}",
        out.stderr
    );
    add_with(&cli, "--cloud", "emulator", None)
        .await
        .fails(2, "client_secret");
    add_with(&cli, "--cloud", "emulator", Some("   "))
        .await
        .fails(2, "client_secret");
    // --client-secret-stdin with nothing on stdin.
    let mut args: Vec<&str> = vec!["credential", "add", "--client-secret-stdin"];
    for (f, v) in GOOD {
        args.extend([f, v]);
    }
    cli.cmd(&args)
        .stdin("")
        .run()
        .await
        .fails(2, "client_secret");
    assert_nothing_stored(&cli).await;

    // Azure refuses: a wrong secret, an application without access to the subscription.
    let wrong = "wrong-secret-value-5b1f";
    let out = add_with(&cli, "--cloud", "emulator", Some(wrong))
        .await
        .fails(3, "AADSTS7000215");
    assert!(!out.stderr.contains(wrong) && !out.stdout.contains(wrong));
    let out = add_with(
        &cli,
        "--client-id",
        NO_ACCESS_CLIENT_ID,
        Some(NO_ACCESS_CLIENT_SECRET),
    )
    .await
    .fails(3, "subscription");
    assert!(!out.stderr.contains(NO_ACCESS_CLIENT_SECRET));
    assert_nothing_stored(&cli).await;

    // No flag takes a secret: clap refuses it (exit 2) without echoing the value.
    for form in [
        vec!["--client-secret", "flag-secret-9d2c"],
        vec!["--client-secret=flag-secret-9d2c"],
    ] {
        let mut args: Vec<&str> = vec!["credential", "add"];
        for (f, v) in GOOD {
            args.extend([f, v]);
        }
        args.extend(form);
        let out = cli.cmd(&args).run().await;
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("--client-secret"), "{}", out.stderr);
        assert!(!out.stderr.contains("flag-secret-9d2c"), "{}", out.stderr);
    }
    assert_nothing_stored(&cli).await;

    // Other usage errors and the remaining exit codes.
    cli.cmd(&["cert", "list", "--expiring-within", "3x"])
        .run()
        .await
        .fails(2, "expiring-within");
    cli.cmd(&["cert", "list", "--show", "sometimes"])
        .run()
        .await
        .fails(2, "sometimes");
    cli.cmd(&["credential", "show", "nope"])
        .run()
        .await
        .fails(4, "not found");
    cli.cmd(&["cert", "list", "--vault", "kv-nowhere"])
        .run()
        .await
        .fails(4, "kv-nowhere");
    let bad_config = cli.config.with_file_name("bad.toml");
    std::fs::write(&bad_config, "[azure]\nvault_concurrency = 0\n").unwrap();
    cli.cmd(&["credential", "list"])
        .env("CERTKEEP_CONFIG", bad_config.to_str().unwrap())
        .run()
        .await
        .fails(2, "azure.vault_concurrency");
    std::fs::write(&bad_config, "[[clouds]]\nname = \"x\"\nauthority_host = \"http://a\"\narm_endpoint = \"https://b\"\nvault_dns_suffix = \"v.x\"\n").unwrap();
    cli.cmd(&["credential", "list"])
        .env("CERTKEEP_CONFIG", bad_config.to_str().unwrap())
        .run()
        .await
        .fails(2, "clouds[0].authority_host");

    // A stored credential: the same name for another identity conflicts; removal needs --yes
    // when stdin is not a terminal.
    cli.add_demo("prod", PROD).await.ok();
    add_with(
        &cli,
        "--subscription-id",
        crate::common::DEMO_SUBSCRIPTIONS[1],
        secret,
    )
    .await
    .fails(5, "already exists");
    cli.cmd(&["credential", "remove", "prod"])
        .run()
        .await
        .fails(2, "--yes");
    let removed = cli
        .cmd(&["credential", "remove", "prod", "--yes", "-o", "json"])
        .run()
        .await
        .ok()
        .json();
    assert_eq!(removed["credential"], "prod");
    assert_eq!(removed["vaults"], 3);
    assert_nothing_stored(&cli).await;
}
