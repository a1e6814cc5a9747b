//! `certkeep-emulator`: run the Entra ID + ARM + Key Vault emulator.

use std::path::PathBuf;

use certkeep_emulator::demo::BulkSpec;
use certkeep_emulator::gate::{ErrorRule, Faults, ThrottleSettings};
use certkeep_emulator::{Config, Emulator};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "certkeep-emulator",
    version,
    about = "Azure emulator (Entra ID, ARM, Key Vault) that the official Azure SDKs accept"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTPS until interrupted.
    Serve(ServeArgs),
    /// Print a built-in seed as JSON (a worked example of the seed format).
    PrintSeed {
        /// Only `demo` exists.
        #[arg(default_value = "demo")]
        name: String,
    },
}

#[derive(Parser, Debug)]
struct ServeArgs {
    /// Address to listen on (loopback by default; vault host names resolve to loopback).
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Port for the single HTTPS listener; 0 picks a free one (written to DATA_DIR/emulator.json).
    #[arg(long, default_value_t = 8443)]
    port: u16,
    /// `demo` for the built-in estate, or a path to a seed JSON file.
    #[arg(long)]
    seed: Option<String>,
    /// Bulk seeding for benchmarks: VAULTS,CERTS,VERSIONS (e.g. 10,500,5 = 25,000 versions).
    #[arg(long, value_name = "VAULTS,CERTS,VERSIONS")]
    bulk: Option<BulkSpec>,
    /// Where the CA (ca.pem, ca-key.pem) and emulator.json are kept; the CA is reused across runs.
    #[arg(long, default_value = "./emulator-data")]
    data_dir: PathBuf,
    /// Fixed latency added to every Azure call, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Random extra latency, uniform in 0..=JITTER, in milliseconds.
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Inject errors: STATUS:RATE[:ROUTE_PREFIX], e.g. 429:0.05 or 503:0.1:kv.certificates (repeatable).
    #[arg(long = "error-rate", value_name = "STATUS:RATE[:ROUTE]")]
    error_rates: Vec<String>,
    /// Probability that a response is cut off mid-body (dropped connection).
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Probability that a successful request is handled in full (its change committed) and then
    /// the connection is cut mid-response.
    #[arg(long, default_value_t = 0.0)]
    drop_after_commit_rate: f64,
    /// Limit commit-then-drop faults to route ids starting with this prefix (e.g. kv.certificates.create).
    #[arg(long, value_name = "ROUTE_PREFIX")]
    drop_after_commit_route: Option<String>,
    /// Stop after this many commit-then-drop faults.
    #[arg(long, value_name = "N")]
    drop_after_commit_limit: Option<u32>,
    /// Probability that a list page is empty but still carries a nextLink.
    #[arg(long, default_value_t = 0.0)]
    empty_page_rate: f64,
    /// Turn Azure-like throttling off.
    #[arg(long)]
    no_throttle: bool,
    /// Requests a vault allows per throttle window (Key Vault: 4,000 per 10 s); the subscription allows 5×.
    #[arg(long, default_value_t = 4000)]
    vault_requests: u32,
    /// Length of the throttle window in seconds.
    #[arg(long, default_value_t = 10.0)]
    throttle_window_secs: f64,
    /// Seconds a Self-issued certificate stays pending.
    #[arg(long, default_value_t = 1.0)]
    self_delay_secs: f64,
    /// Seconds a DigiCert/GlobalSign (integrated CA) certificate stays pending.
    #[arg(long, default_value_t = 3.0)]
    ca_delay_secs: f64,
}

fn parse_rule(s: &str) -> Result<ErrorRule, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let (status, rate, route) = match parts.as_slice() {
        [s, r] => (s, r, None),
        [s, r, route] => (s, r, Some(route.to_string())),
        _ => return Err(format!("--error-rate '{s}': expected STATUS:RATE[:ROUTE]")),
    };
    Ok(ErrorRule {
        status: status
            .parse()
            .map_err(|_| format!("--error-rate '{s}': status is not a number"))?,
        rate: rate
            .parse()
            .map_err(|_| format!("--error-rate '{s}': rate is not a number"))?,
        route,
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::PrintSeed { name } => {
            if name != "demo" {
                eprintln!("error: unknown seed '{name}' (only 'demo' is built in)");
                return std::process::ExitCode::from(2);
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&certkeep_emulator::demo::demo_seed())
                    .unwrap_or_default()
            );
            std::process::ExitCode::SUCCESS
        }
        Command::Serve(args) => match serve(args).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::ExitCode::from(1)
            }
        },
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let errors = args
        .error_rates
        .iter()
        .map(|s| parse_rule(s))
        .collect::<Result<Vec<_>, _>>()?;
    let faults = Faults {
        latency_ms: args.latency_ms,
        jitter_ms: args.jitter_ms,
        errors,
        drop_rate: args.drop_rate,
        drop_route: None,
        empty_page_rate: args.empty_page_rate,
        drop_after_commit_route: args.drop_after_commit_route.clone(),
        drop_after_commit_rate: args.drop_after_commit_rate,
        drop_after_commit_limit: args.drop_after_commit_limit,
    };
    faults.validate()?;
    if args.vault_requests == 0 || args.throttle_window_secs <= 0.0 {
        return Err("--vault-requests and --throttle-window-secs must be positive".into());
    }
    if args.self_delay_secs < 0.0 || args.ca_delay_secs < 0.0 {
        return Err("issuance delays cannot be negative".into());
    }
    let seed = match args.seed.as_deref() {
        None => None,
        Some("demo") => Some(certkeep_emulator::demo::demo_seed()),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("--seed {path}: {e}"))?;
            Some(serde_json::from_str(&text).map_err(|e| format!("--seed {path}: {e}"))?)
        }
    };
    let started = std::time::Instant::now();
    let emulator = Emulator::start(Config {
        bind: args.bind,
        port: args.port,
        data_dir: args.data_dir.clone(),
        self_delay_secs: args.self_delay_secs,
        ca_delay_secs: args.ca_delay_secs,
        throttle: ThrottleSettings {
            enabled: !args.no_throttle,
            vault_requests: args.vault_requests,
            window_secs: args.throttle_window_secs,
            subscription_multiplier: 5.0,
        },
        faults,
    })
    .await
    .map_err(|e| e.to_string())?;
    let listening_ms = started.elapsed().as_millis();
    let st = emulator.state.clone();
    if let Some(seed) = seed {
        let s = tokio::task::spawn_blocking(move || certkeep_emulator::seed::load(&st, &seed))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        eprintln!(
            "seeded: {} vaults, {} certificates, {} versions, {} secrets in {} ms",
            s.vaults, s.certificates, s.certificate_versions, s.secrets, s.elapsed_ms
        );
    }
    if let Some(spec) = args.bulk {
        let st = emulator.state.clone();
        let s = tokio::task::spawn_blocking(move || certkeep_emulator::demo::bulk(&st, spec))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        eprintln!(
            "bulk seeded: {} vaults, {} certificates, {} versions in {} ms",
            s.vaults, s.certificates, s.certificate_versions, s.elapsed_ms
        );
    }
    let info = certkeep_emulator::admin::info_json(&emulator.state);
    let mut info_file = info.clone();
    info_file["startup_ms"] = serde_json::json!(listening_ms);
    std::fs::write(
        args.data_dir.join("emulator.json"),
        serde_json::to_vec_pretty(&info_file).unwrap_or_default(),
    )
    .map_err(|e| format!("writing emulator.json: {e}"))?;
    println!(
        "{}",
        certkeep_emulator::admin::banner(
            &emulator.state,
            args.seed.is_some() || args.bulk.is_some()
        )
    );
    println!(
        "ready in {listening_ms} ms (listening), {} ms (seeded)",
        started.elapsed().as_millis()
    );
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = emulator.wait() => {}
    }
    Ok(())
}
