//! `certkeep-bench`: programs that measure and print figures (see `docs/benchmarks.md`).
//!
//! - `certkeep-bench emulator` — emulator cold start, bulk seed time and requests per second.
//! - `certkeep-bench discovery` — a full all-versions discovery of a bulk estate through the
//!   engine and an unchanged re-sync, against the floor the request budget and latency allow.
//! - `certkeep-bench renew` — a bulk renewal of `Self` certificates through the engine, waited
//!   until every new version is in the inventory, against its floor.
//! - `certkeep-bench api` — the REST API's read endpoints under concurrent load on 100,000
//!   certificate versions (SQLite or PostgreSQL): latency percentiles, CPU, peak RSS.
//! - `certkeep-bench ui` — the web pages (dashboard, certificate listings, a certificate) under
//!   the same load and inventory: latency percentiles, HTML size, peak RSS.

mod api;
mod discovery;
mod emulator;
mod model;
mod proc_stats;
mod renew;

use certkeep_emulator::demo::BulkSpec;
use clap::{Parser, Subcommand};

/// The allocator `certkeep serve` runs with (mimalloc for Rust and C; the workspace's
/// Cargo.toml says why), so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "certkeep-bench", about = "Certkeep benchmarks (print figures)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The load runs of `api` and `ui`: the inventory, the load and what to keep.
#[derive(clap::Args)]
struct LoadArgs {
    /// Bulk seed size VAULTS,CERTS,VERSIONS (100,000 versions by default).
    #[arg(long, default_value = "20,1000,5")]
    bulk: BulkSpec,
    /// Requests in flight at once (one connection each).
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Seconds of load per endpoint.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// A PostgreSQL server (postgres://…): the run creates its own database there and drops
    /// it at the end. A sqlite: URL is used as given (a new file). Default: a new SQLite
    /// file in a temporary directory.
    #[arg(long)]
    database_url: Option<String>,
    /// Worker threads of the load client's own runtime.
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Only these endpoints (comma-separated names as printed).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Keep the temporary directory and the PostgreSQL database (to inspect query plans);
    /// on SQLite it also holds `filled.db`, the store as filled, for `--filled`.
    #[arg(long)]
    keep: bool,
    /// Start from this SQLite store instead of filling one (a `filled.db` kept by an
    /// earlier `--keep` run with the same `--bulk`): saves the fill when iterating.
    #[arg(long, conflicts_with = "database_url")]
    filled: Option<std::path::PathBuf>,
}

impl LoadArgs {
    fn into_api(self, pages: bool) -> api::Args {
        api::Args {
            bulk: self.bulk,
            concurrency: self.concurrency,
            seconds: self.seconds,
            database_url: self.database_url,
            client_threads: self.client_threads,
            only: self.only,
            keep: self.keep,
            filled: self.filled,
            pages,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Emulator: cold start, bulk seeding, and request throughput.
    Emulator {
        /// Bulk seed size VAULTS,CERTS,VERSIONS.
        #[arg(long, default_value = "10,500,5")]
        bulk: BulkSpec,
        /// Concurrent client connections for the throughput run.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Seconds of the throughput run.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Engine: full all-versions certificate discovery of a bulk-seeded emulator, then an
    /// unchanged re-sync; requests, wall time against its floor, CPU, peak RSS, targets.
    Discovery {
        /// Bulk seed size VAULTS,CERTS,VERSIONS.
        #[arg(long, default_value = "10,500,5")]
        bulk: BulkSpec,
        /// Latency the emulator adds to every call, milliseconds.
        #[arg(long, default_value_t = 20)]
        latency_ms: u64,
        /// The engine's request budget per vault per 10 s (Key Vault throttles at 4,000).
        #[arg(long = "requests-per-10s", default_value_t = 2000)]
        requests_per_10s: u32,
        /// A PostgreSQL server (postgres://…): the run creates its own database there and drops
        /// it at the end. A sqlite: URL is used as given (`sqlite::memory:`, or a new file).
        /// Default: a new SQLite file in a temporary directory.
        #[arg(long)]
        database_url: Option<String>,
        /// Vaults discovered at the same time (default: all of them).
        #[arg(long)]
        vault_concurrency: Option<usize>,
        /// Certificates of one vault fetched at the same time (default: enough for the budget,
        /// 2 × rate × (latency + 5 ms), at least 4).
        #[arg(long)]
        item_concurrency: Option<usize>,
        /// Requests on the wire at once across vaults (default: vaults × item concurrency).
        #[arg(long)]
        max_in_flight: Option<usize>,
        /// Run the emulator on the engine's tokio runtime instead of its own.
        #[arg(long)]
        shared_runtime: bool,
        /// Worker threads of the emulator's own runtime.
        #[arg(long, default_value_t = 2)]
        emulator_threads: usize,
        /// Where the discovery runs: awaited by main (a CLI command), in a spawned task (a
        /// server request), or one spawned task per vault (an experiment).
        #[arg(long, value_enum, default_value_t = discovery::RunOn::Main)]
        run_on: discovery::RunOn,
    },
    /// Engine: a bulk renewal of Self certificates (one `renew_certificates` call per vault,
    /// all at once, waiting for Key Vault to issue); requests per renewal by route, wall time
    /// against its floor, where the time goes, and checks on the emulator and the store.
    Renew {
        /// Vaults, each renewed by its own call.
        #[arg(long, default_value_t = 5)]
        vaults: usize,
        /// Self certificates per vault (one version each), all renewed.
        #[arg(long, default_value_t = 100)]
        certs: usize,
        /// Latency the emulator adds to every call, milliseconds.
        #[arg(long, default_value_t = 20)]
        latency_ms: u64,
        /// Seconds a Self issuance stays pending in the emulator.
        #[arg(long, default_value_t = 1.0)]
        self_delay_secs: f64,
        /// The engine's request budget per vault per 10 s (Key Vault throttles at 4,000).
        #[arg(long = "requests-per-10s", default_value_t = 2000)]
        requests_per_10s: u32,
        /// The new validity in months.
        #[arg(long, default_value_t = 6)]
        validity_months: u32,
        /// A sqlite: or postgres:// URL of an empty database, used as given. Default: a new
        /// SQLite file in a temporary directory.
        #[arg(long)]
        database_url: Option<String>,
        /// The engine's item_concurrency (default: the engine's own).
        #[arg(long)]
        item_concurrency: Option<usize>,
        /// Worker threads of the emulator's own runtime.
        #[arg(long, default_value_t = 2)]
        emulator_threads: usize,
        /// Experiment: set reuse_key in every policy first, so that the emulator generates no
        /// keys (RSA 2048 key generation costs the emulator's CPU, not Azure's).
        #[arg(long)]
        reuse_key: bool,
        /// Experiment: one renew call per certificate instead of one per vault, so that each
        /// renewal is waited for right after its own create (what a pipelined engine would do).
        #[arg(long)]
        call_per_certificate: bool,
    },
    /// Server: the REST API's read endpoints (listings, filters, search, a deep page, facets,
    /// detail, summary) at a fixed concurrency with an API token, on an inventory filled by a
    /// bulk seed discovered through the engine; requests, errors, p50/p90/p99/max, CPU, peak
    /// RSS, targets.
    Api(LoadArgs),
    /// Web pages: the dashboard and the certificate listing (plain, filtered, searched) and a
    /// certificate's page, server-rendered, at a fixed concurrency with a signed-in session, on
    /// the same inventory as `api`; latency, HTML size per page, peak RSS, targets.
    Ui(LoadArgs),
    /// The fill process of `api` (started by it; not for direct use).
    #[command(hide = true)]
    ApiFill {
        #[arg(long)]
        bulk: BulkSpec,
        #[arg(long)]
        dir: std::path::PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Emulator {
            bulk,
            concurrency,
            seconds,
        } => emulator::emulator(bulk, concurrency, seconds).await,
        Command::Discovery {
            bulk,
            latency_ms,
            requests_per_10s,
            database_url,
            vault_concurrency,
            item_concurrency,
            max_in_flight,
            shared_runtime,
            emulator_threads,
            run_on,
        } => {
            discovery::discovery(discovery::Args {
                bulk,
                latency_ms,
                requests_per_10s,
                database_url,
                vault_concurrency,
                item_concurrency,
                max_in_flight,
                shared_runtime,
                emulator_threads,
                run_on,
            })
            .await
        }
        Command::Renew {
            vaults,
            certs,
            latency_ms,
            self_delay_secs,
            requests_per_10s,
            validity_months,
            database_url,
            item_concurrency,
            emulator_threads,
            reuse_key,
            call_per_certificate,
        } => {
            renew::renew(renew::Args {
                vaults,
                certs,
                latency_ms,
                self_delay_secs,
                requests_per_10s,
                validity_months,
                database_url,
                item_concurrency,
                emulator_threads,
                reuse_key,
                call_per_certificate,
            })
            .await
        }
        Command::Api(load) => api::api(load.into_api(false)).await,
        Command::Ui(load) => api::api(load.into_api(true)).await,
        Command::ApiFill { bulk, dir } => api::fill(api::FillArgs { bulk, dir }).await,
    }
}
