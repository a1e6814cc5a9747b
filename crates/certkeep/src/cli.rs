//! The command line: global options, command groups and their arguments (clap derive).
//!
//! There is deliberately no flag that takes a client secret: secrets on a command line end up
//! in shell history and process listings. See `secret_input`.

use std::path::PathBuf;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::Format;

#[derive(Parser, Debug)]
#[command(
    name = "certkeep",
    version,
    about = "Certificate lifecycle manager for Azure Key Vault",
    after_help = "Exit codes: 0 ok, 1 other failure, 2 invalid input or usage, 3 Azure refused the \
                  credential or access, 4 not found, 5 conflict, 6 some vaults failed."
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes (before or after the command name).
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    /// Directory for the database and the master key [default: ./certkeep-data]
    #[arg(long, global = true, env = "CERTKEEP_DATA_DIR", value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Database URL (sqlite://PATH or postgres://...) [default: sqlite://{data-dir}/certkeep.db]
    #[arg(
        long,
        global = true,
        env = "CERTKEEP_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub(crate) database_url: Option<String>,
    /// TOML file with custom clouds (`[[clouds]]`) and request limits (`[azure]`)
    #[arg(long, global = true, env = "CERTKEEP_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// How results are printed
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = Format::Table)]
    pub(crate) output: Format,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Azure credentials (service principals), one per subscription
    #[command(subcommand)]
    Credential(CredentialCmd),
    /// Key Vaults of the credentials' subscriptions
    #[command(subcommand)]
    Vault(VaultCmd),
    /// Certificate issuers configured in a vault
    #[command(subcommand)]
    Issuer(IssuerCmd),
    /// Find certificates and TLS secrets in the vaults and store every version
    #[command(subcommand)]
    Discover(DiscoverCmd),
    /// Discovered certificate versions
    #[command(subcommand)]
    Cert(CertCmd),
    /// Discovered TLS secrets (secrets holding a PEM or PFX certificate)
    #[command(subcommand)]
    Secret(SecretCmd),
    /// Certificate requests and renewals sent to Key Vault (the Request Status list)
    #[command(subcommand)]
    Request(crate::cli_request::RequestCmd),
    /// Start the bundled Azure emulator with the demo estate, inventory it, and keep running
    Demo(DemoArgs),
    /// Run the HTTP server: the REST API (OpenAPI at /api/openapi.json, Swagger UI at /api/docs)
    Serve(ServeArgs),
    /// Server users, from the host (recovery when no admin can sign in)
    #[command(subcommand)]
    User(UserCmd),
}

#[derive(Subcommand, Debug)]
pub(crate) enum UserCmd {
    /// Give a user a new one-time password (printed once), enable them, and end their sessions
    /// and API tokens; they must change it at their next sign-in
    ResetPassword {
        /// The user name (for example admin)
        username: String,
    },
}

#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// Address and port to listen on (plain HTTP only on loopback unless --behind-proxy)
    /// [default: 127.0.0.1:8080]
    #[arg(long, env = "CERTKEEP_LISTEN")]
    pub(crate) listen: Option<std::net::SocketAddr>,
    /// PEM certificate chain for HTTPS (with --tls-key)
    #[arg(
        long,
        env = "CERTKEEP_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub(crate) tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS (with --tls-cert)
    #[arg(
        long,
        env = "CERTKEEP_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub(crate) tls_key: Option<PathBuf>,
    /// HTTPS with a self-signed certificate kept in the data directory (tls/)
    #[arg(long, env = "CERTKEEP_TLS_SELF_SIGNED", conflicts_with = "tls_cert", value_parser = BoolishValueParser::new())]
    pub(crate) tls_self_signed: bool,
    /// A proxy in front terminates TLS: trust X-Forwarded-Proto/For from --trusted-proxy only
    #[arg(long, env = "CERTKEEP_BEHIND_PROXY", value_parser = BoolishValueParser::new())]
    pub(crate) behind_proxy: bool,
    /// Address of a trusted proxy (repeat for several)
    #[arg(
        long = "trusted-proxy",
        env = "CERTKEEP_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "ADDR"
    )]
    pub(crate) trusted_proxies: Vec<std::net::IpAddr>,
    /// /metrics needs this bearer token (16+ characters); without one it answers loopback
    /// clients only. Prefer the variable: a flag shows in the process list
    #[arg(
        long,
        env = "CERTKEEP_METRICS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub(crate) metrics_token: Option<String>,
    /// A tag given as a label (tag_KEY) of the /metrics expiry gauges; repeat for several
    /// [default: owner]
    #[arg(
        long = "metrics-tag",
        env = "CERTKEEP_METRICS_TAGS",
        value_delimiter = ',',
        value_name = "KEY"
    )]
    pub(crate) metrics_tags: Vec<String>,
    /// A session ends after this long without a request [default: 30m]
    #[arg(long, env = "CERTKEEP_SESSION_IDLE", value_parser = parse_duration)]
    pub(crate) session_idle: Option<i64>,
    /// A session ends this long after sign-in [default: 12h]
    #[arg(long, env = "CERTKEEP_SESSION_MAX", value_parser = parse_duration)]
    pub(crate) session_max: Option<i64>,
    /// How often each credential's certificates and TLS secrets are discovered (incremental)
    /// [default: 6h]
    #[arg(long, env = "CERTKEEP_DISCOVERY_INTERVAL", value_parser = parse_duration)]
    pub(crate) discovery_interval: Option<i64>,
    /// How often open certificate requests are polled [default: 30s]
    #[arg(long, env = "CERTKEEP_POLL_INTERVAL", value_parser = parse_duration)]
    pub(crate) poll_interval: Option<i64>,
    /// Do not run scheduled jobs in this instance (it still serves the API)
    #[arg(long, env = "CERTKEEP_NO_SCHEDULER", value_parser = BoolishValueParser::new())]
    pub(crate) no_scheduler: bool,
}

/// Where a client secret comes from: `CERTKEEP_CLIENT_SECRET`, one line of stdin, or a prompt.
#[derive(Args, Debug, Clone)]
pub(crate) struct SecretArgs {
    /// Read the client secret from the first line of stdin (instead of CERTKEEP_CLIENT_SECRET
    /// or the prompt)
    #[arg(long)]
    pub(crate) client_secret_stdin: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum CredentialCmd {
    /// Check a service principal against Azure, store it (secret encrypted) and import its vaults
    #[command(
        after_help = "The client secret is read from CERTKEEP_CLIENT_SECRET, from stdin with \
                      --client-secret-stdin, or from a prompt (input hidden) on a terminal. \
                      It is never taken from a flag."
    )]
    Add(AddArgs),
    /// List credentials (never their secrets)
    List,
    /// Show one credential
    Show {
        /// Credential name
        name: String,
    },
    /// Replace a credential's client secret (checked against Azure first)
    Update {
        /// Credential name
        name: String,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Remove a credential and everything discovered through it (Azure is not touched)
    Remove {
        /// Credential name
        name: String,
        /// Do not ask for confirmation (required when stdin is not a terminal)
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

#[derive(Args, Debug)]
pub(crate) struct AddArgs {
    /// A name for the credential (letters, digits, space, '.', '_', '-')
    #[arg(long)]
    pub(crate) name: String,
    /// Entra ID tenant (directory) id
    #[arg(long, value_name = "GUID")]
    pub(crate) tenant_id: String,
    /// Azure subscription id whose vaults are managed
    #[arg(long, value_name = "GUID")]
    pub(crate) subscription_id: String,
    /// Application (client) id
    #[arg(long, value_name = "GUID")]
    pub(crate) client_id: String,
    /// AzurePublic, AzureChina, AzureUSGovernment, or a custom cloud from the config file
    #[arg(long, default_value = "AzurePublic")]
    pub(crate) cloud: String,
    #[command(flatten)]
    pub(crate) secret: SecretArgs,
}

#[derive(Subcommand, Debug)]
pub(crate) enum VaultCmd {
    /// Re-import the vaults of every credential (or one)
    Sync(CredentialScope),
    /// List imported vaults
    List(CredentialScope),
}

#[derive(Args, Debug, Clone)]
pub(crate) struct CredentialScope {
    /// Only this credential
    #[arg(long)]
    pub(crate) credential: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum IssuerCmd {
    /// Import a vault's certificate issuers
    Sync(VaultRef),
    /// List a vault's imported issuers
    List(VaultRef),
}

#[derive(Args, Debug, Clone)]
pub(crate) struct VaultRef {
    /// Credential name
    #[arg(long)]
    pub(crate) credential: String,
    /// Vault name
    #[arg(long)]
    pub(crate) vault: String,
}

/// Which vaults a discovery or a listing covers.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct VaultScope {
    /// Only vaults of this credential
    #[arg(long)]
    pub(crate) credential: Option<String>,
    /// Only this vault
    #[arg(long)]
    pub(crate) vault: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum DiscoverCmd {
    /// Discover Key Vault certificates (incremental: unchanged certificates are skipped)
    Certificates {
        #[command(flatten)]
        scope: VaultScope,
        /// Every version of every certificate, not only the current one
        #[arg(long)]
        all_versions: bool,
    },
    /// Discover TLS secrets (PEM or PFX content type)
    Secrets {
        #[command(flatten)]
        scope: VaultScope,
        /// tls: secrets not backing a Key Vault certificate; all: certificate-backed ones too
        #[arg(long = "type", value_enum, default_value_t = SecretType::Tls)]
        kind: SecretType,
        /// Also store the certificate inside each secret's current version
        #[arg(long)]
        add_certificates: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SecretType {
    Tls,
    All,
}

#[derive(Subcommand, Debug)]
pub(crate) enum CertCmd {
    /// List certificate versions, soonest expiry first
    List(CertListArgs),
    /// Request a certificate (or a new version of one) in Key Vault
    Request(Box<crate::cli_request::RequestArgs>),
    /// Fetch a certificate's latest version (or every version) from Key Vault
    Obtain(crate::cli_request::ObtainArgs),
    /// Renew certificates: a new version in Key Vault with a new validity
    Renew(crate::cli_request::RenewArgs),
    /// Delete certificates from Certkeep only (Key Vault keeps them)
    Delete(CertDeleteArgs),
    /// Export a certificate as PEM, DER or a PEM chain (never its private key)
    Export(CertExportArgs),
    /// Names and versions excluded from discovery (by a delete)
    #[command(subcommand)]
    Exclusions(ExclusionsCmd),
}

#[derive(Args, Debug, Clone)]
pub(crate) struct CertListArgs {
    #[command(flatten)]
    pub(crate) list: ListArgs,
    /// Only this policy issuer (Self, Unknown, or an issuer's name)
    #[arg(long)]
    pub(crate) issuer: Option<String>,
    /// Only this kind of issuer
    #[arg(long, value_enum)]
    pub(crate) issuer_kind: Option<IssuerKindArg>,
    /// Only this key type (RSA or EC)
    #[arg(long)]
    pub(crate) key_type: Option<String>,
    /// Sort by this column
    #[arg(long, value_enum, default_value_t = SortArg::NotAfter)]
    pub(crate) sort: SortArg,
    /// Sort in descending order
    #[arg(long)]
    pub(crate) desc: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum IssuerKindArg {
    /// Self-signed by Key Vault
    #[value(name = "self")]
    SelfSigned,
    /// An integrated CA (DigiCert, GlobalSign)
    IntegratedCa,
    /// Unknown: an external CA (imported or merged)
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SortArg {
    NotAfter,
    Name,
    Vault,
    Subject,
    Issuer,
    KeyType,
    Discovered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StateArg {
    /// Past notAfter
    Expired,
    /// Within --expiring-within (default 30d) of notAfter
    Expiring,
    /// Further than 30 days from notAfter
    Healthy,
    /// No longer found by discovery
    Missing,
}

#[derive(Subcommand, Debug)]
pub(crate) enum SecretCmd {
    /// List TLS secret versions, soonest expiry first
    List(ListArgs),
    /// Create a TLS secret in Key Vault from a PFX or PEM file (or a new version of one)
    #[command(
        after_help = "The PFX password is read from stdin with --password-stdin, from \
                      CERTKEEP_PFX_PASSWORD, or from a prompt (input hidden) on a terminal. It is \
                      never taken from a flag, and never stored. PEM files need no password."
    )]
    Create(SecretCreateArgs),
    /// Change the current version's activation and expiration dates or status
    Update(SecretUpdateArgs),
    /// Re-read secrets from Key Vault to their latest version
    Rediscover(SecretNamesArgs),
    /// Store the certificate of a secret's newest version as its associated certificate
    ObtainCertificate(SecretNameArgs),
    /// Export a secret's associated certificate (never its private key)
    Export(SecretExportArgs),
    /// Delete secrets from Certkeep only (Key Vault keeps them)
    Delete(SecretDeleteArgs),
}

/// The vault of a secret or certificate command.
#[derive(Args, Debug, Clone)]
pub(crate) struct OneVault {
    /// Credential name (needed only when several credentials see the vault)
    #[arg(long)]
    pub(crate) credential: Option<String>,
    /// Vault name
    #[arg(long)]
    pub(crate) vault: String,
}

#[derive(Args, Debug)]
pub(crate) struct SecretCreateArgs {
    #[command(flatten)]
    pub(crate) vault: OneVault,
    /// Secret name (letters, digits and dashes, at most 127)
    #[arg(long)]
    pub(crate) name: String,
    /// The PFX (.pfx, .p12) or PEM file with the private key and its certificate chain
    #[arg(long, value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// The file's format [default: guessed from its content]
    #[arg(long, value_enum)]
    pub(crate) format: Option<UploadFormatArg>,
    /// Read the PFX password from the first line of stdin
    #[arg(long)]
    pub(crate) password_stdin: bool,
    /// Activation date (not before): YYYY-MM-DD or RFC 3339
    #[arg(long, value_name = "DATE", value_parser = certkeep_engine::tls_manage::parse_date)]
    pub(crate) activation: Option<i64>,
    /// Expiration date: YYYY-MM-DD or RFC 3339 [default: the certificate's notAfter]
    #[arg(long, value_name = "DATE", value_parser = certkeep_engine::tls_manage::parse_date)]
    pub(crate) expiration: Option<i64>,
    /// Create the secret disabled
    #[arg(long)]
    pub(crate) disabled: bool,
    /// Add a new version when a secret of this name exists (refused otherwise)
    #[arg(long)]
    pub(crate) new_version: bool,
    /// A tag (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    pub(crate) tag: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum UploadFormatArg {
    Pfx,
    Pem,
}

#[derive(Args, Debug)]
pub(crate) struct SecretUpdateArgs {
    #[command(flatten)]
    pub(crate) vault: OneVault,
    /// Secret name
    pub(crate) name: String,
    /// New activation date: YYYY-MM-DD or RFC 3339
    #[arg(long, value_name = "DATE", value_parser = certkeep_engine::tls_manage::parse_date)]
    pub(crate) activation: Option<i64>,
    /// New expiration date: YYYY-MM-DD or RFC 3339
    #[arg(long, value_name = "DATE", value_parser = certkeep_engine::tls_manage::parse_date)]
    pub(crate) expiration: Option<i64>,
    /// Enable the secret
    #[arg(long, conflicts_with = "disabled")]
    pub(crate) enabled: bool,
    /// Disable the secret
    #[arg(long)]
    pub(crate) disabled: bool,
}

#[derive(Args, Debug)]
pub(crate) struct SecretNamesArgs {
    #[command(flatten)]
    pub(crate) vault: OneVault,
    /// Secret names
    #[arg(required = true)]
    pub(crate) names: Vec<String>,
}

#[derive(Args, Debug)]
pub(crate) struct SecretNameArgs {
    #[command(flatten)]
    pub(crate) vault: OneVault,
    /// Secret name
    pub(crate) name: String,
}

#[derive(Args, Debug)]
pub(crate) struct SecretExportArgs {
    #[command(flatten)]
    pub(crate) vault: OneVault,
    /// Secret name
    pub(crate) name: String,
    /// pem: the certificate; der: the certificate in binary; chain: it and its issuers (PEM)
    #[arg(long, value_enum)]
    pub(crate) format: ExportFormatArg,
    /// Write to this file instead of stdout (required for DER on a terminal)
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormatArg {
    Pem,
    Der,
    Chain,
}

#[derive(Args, Debug)]
pub(crate) struct SecretDeleteArgs {
    #[command(flatten)]
    pub(crate) vault: OneVault,
    /// Secret names
    #[arg(required = true)]
    pub(crate) names: Vec<String>,
    /// Also keep later discoveries from importing them again
    #[arg(long)]
    pub(crate) exclude_from_discovery: bool,
    /// Do not ask for confirmation (required when stdin is not a terminal)
    #[arg(long, short = 'y')]
    pub(crate) yes: bool,
}

#[derive(Args, Debug)]
pub(crate) struct CertDeleteArgs {
    #[command(flatten)]
    pub(crate) vault: OneVault,
    /// Certificate names
    #[arg(required = true)]
    pub(crate) names: Vec<String>,
    /// Only this version (of one name)
    #[arg(long, value_name = "VER")]
    pub(crate) version: Option<String>,
    /// Also keep later discoveries from importing them again
    #[arg(long)]
    pub(crate) exclude_from_discovery: bool,
    /// Do not ask for confirmation (required when stdin is not a terminal)
    #[arg(long, short = 'y')]
    pub(crate) yes: bool,
}

#[derive(Args, Debug)]
pub(crate) struct CertExportArgs {
    #[command(flatten)]
    pub(crate) vault: OneVault,
    /// Certificate name
    pub(crate) name: String,
    /// This version [default: the current one]
    #[arg(long, value_name = "VER")]
    pub(crate) version: Option<String>,
    /// pem: the certificate; der: the certificate in binary; chain: it and its issuers (PEM)
    #[arg(long, value_enum)]
    pub(crate) format: ExportFormatArg,
    /// Write to this file instead of stdout (required for DER on a terminal)
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ExclusionsCmd {
    /// List the names (or versions) discovery skips
    List(VaultScope),
    /// Remove an exclusion: the next discovery imports the item again
    Remove {
        /// Exclusion id (from `cert exclusions list`)
        id: i64,
    },
}

#[derive(Args, Debug, Clone)]
pub(crate) struct ListArgs {
    /// Which versions: the current one of each name, only older ones, or all
    #[arg(long, value_enum, default_value_t = ShowArg::Current)]
    pub(crate) show: ShowArg,
    #[command(flatten)]
    pub(crate) scope: VaultScope,
    /// Only versions that expire within this long from now (or already have): 30d, 12h, 2w
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) expiring_within: Option<i64>,
    /// Case-insensitive text in the name (certificates: also subject, SANs, thumbprints)
    #[arg(long)]
    pub(crate) search: Option<String>,
    /// Also list versions that discovery no longer finds
    #[arg(long)]
    pub(crate) include_missing: bool,
    /// Only this expiry state (expiring uses --expiring-within, 30d by default)
    #[arg(long, value_enum)]
    pub(crate) state: Option<StateArg>,
    /// Only versions with this Key Vault tag (KEY, or KEY=VALUE)
    #[arg(long, value_name = "KEY[=VALUE]")]
    pub(crate) tag: Option<String>,
    /// At most this many rows
    #[arg(long, value_name = "N")]
    pub(crate) limit: Option<u64>,
    /// Skip this many rows first
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) offset: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ShowArg {
    Current,
    Previous,
    All,
}

#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    /// HTTPS port of the emulator (0 picks a free port)
    #[arg(long, default_value_t = 8443)]
    pub(crate) port: u16,
    /// Where Certkeep's server listens (port 0 picks a free port)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) listen: std::net::SocketAddr,
}

pub(crate) use certkeep_core::duration::parse_duration;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
    }
}
