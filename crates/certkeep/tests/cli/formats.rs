//! `--output table|csv|json` on every listing: the header, one line per row, valid JSON.

use crate::common::{Cli, PROD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listing_prints_table_csv_and_json() {
    let cli = Cli::new("formats");
    cli.add_demo("prod", PROD).await.ok();
    cli.cmd(&["discover", "certificates", "--vault", "kv-prod-api"])
        .run()
        .await
        .ok();
    cli.cmd(&[
        "discover",
        "secrets",
        "--credential",
        "prod",
        "--vault",
        "kv-prod-api",
    ])
    .run()
    .await
    .ok();
    cli.cmd(&[
        "issuer",
        "sync",
        "--credential",
        "prod",
        "--vault",
        "kv-prod-api",
    ])
    .run()
    .await
    .ok();

    let listings: [(&[&str], &str); 6] = [
        (
            &["credential", "list"],
            "name,cloud,tenant_id,subscription_id,client_id",
        ),
        (&["credential", "show", "prod"], "name,cloud,tenant_id"),
        (
            &["vault", "list"],
            "credential,name,resource_group,location,sku",
        ),
        (
            &[
                "issuer",
                "list",
                "--credential",
                "prod",
                "--vault",
                "kv-prod-api",
            ],
            "credential,vault,name,provider",
        ),
        (
            &["cert", "list", "--show", "all"],
            "vault,name,version,current,subject,issuer,key,not_after,days_left,source,missing",
        ),
        (
            &["secret", "list", "--show", "all"],
            "vault,name,version,current,content_type,enabled,managed,expires,days_left,certificate_linked,missing",
        ),
    ];
    for (args, csv_header) in listings {
        let run = |format: &'static str| {
            let mut full = args.to_vec();
            full.extend(["--output", format]);
            let cli = &cli;
            async move { cli.cmd(&full).run().await.ok() }
        };
        let json = run("json").await.json();
        let rows = json.as_array().map(Vec::len).unwrap_or(1);
        assert!(rows > 0, "{args:?}: no rows");

        let csv = run("csv").await.stdout;
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].starts_with(csv_header), "{args:?}: {}", lines[0]);
        assert_eq!(lines.len(), rows + 1, "{args:?}: {csv}");
        let columns = lines[0].split(',').count();
        assert!(lines[1].split(',').count() >= columns, "{args:?}: {csv}");

        let table = run("table").await.stdout;
        let lines: Vec<&str> = table.lines().collect();
        let upper = csv_header.split(',').next().unwrap().to_uppercase();
        assert!(lines[0].starts_with(&upper), "{args:?}: {}", lines[0]);
        assert_eq!(lines.len(), rows + 1, "{args:?}: {table}");
    }

    // A certificate row: full version, RFC 3339 times and key description in JSON.
    let certs = cli
        .cmd(&["cert", "list", "-o", "json"])
        .run()
        .await
        .ok()
        .json();
    let c = &certs[0];
    assert_eq!(c["version"].as_str().unwrap().len(), 32, "{c}");
    assert!(c["not_after"].as_str().unwrap().ends_with('Z'), "{c}");
    assert!(
        c["key"].as_str().unwrap().starts_with("RSA")
            || c["key"].as_str().unwrap().starts_with("EC")
    );
    // Discovery reports print in every format too.
    let csv = cli
        .cmd(&[
            "discover",
            "certificates",
            "--credential",
            "prod",
            "-o",
            "csv",
        ])
        .run()
        .await
        .ok()
        .stdout;
    assert!(
        csv.starts_with("credential,vault,certificates,unchanged_skipped,versions_added"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 4, "{csv}");
}
