//! Arguments of the request and renewal commands: `cert request|obtain|renew` and
//! `request list|show|poll|wait|cancel|csr|merge|delete-operation`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use crate::cli::VaultScope;

/// `cert request`: the seed's "Request Certificate" form. Every field is checked before
/// anything is sent; each error names its field.
#[derive(Args, Debug, Clone)]
pub(crate) struct RequestArgs {
    #[command(flatten)]
    pub(crate) scope: VaultScope,
    /// Certificate name (letters, digits, '-'); an existing name gets a new version
    #[arg(long)]
    pub(crate) name: String,
    /// Domain name: the subject's common name
    #[arg(long)]
    pub(crate) cn: String,
    /// Subject alternative names, comma-separated: DNS names, or email:, upn:, ip:, uri: entries
    #[arg(long, default_value = "")]
    pub(crate) san: String,
    /// Contact e-mail: added to the vault's certificate contacts and tagged as the owner
    #[arg(long, default_value = "")]
    pub(crate) email: String,
    /// Key: rsa:2048, rsa:3072, rsa:4096, ec:p-256, ec:p-384, ec:p-521 (rsa-hsm:, ec-hsm: on premium vaults)
    #[arg(long, default_value = "rsa:2048")]
    pub(crate) key: String,
    /// Organization (O)
    #[arg(long, default_value = "")]
    pub(crate) org: String,
    /// Organizational unit (OU)
    #[arg(long, default_value = "")]
    pub(crate) org_unit: String,
    /// Locality (L)
    #[arg(long, default_value = "")]
    pub(crate) locality: String,
    /// State or province (ST)
    #[arg(long, default_value = "")]
    pub(crate) state: String,
    /// Country (C), two letters
    #[arg(long, default_value = "")]
    pub(crate) country: String,
    /// Validity in months
    #[arg(long, default_value = "12")]
    pub(crate) validity_months: String,
    /// What Key Vault does before expiry
    #[arg(long, value_enum)]
    pub(crate) lifetime_action: Option<LifetimeArg>,
    /// Days before expiry the lifetime action runs (default: at 80% of the lifetime)
    #[arg(long, default_value = "")]
    pub(crate) days_before_expiry: String,
    /// Key usage flags, comma-separated (digitalSignature, keyEncipherment, ...)
    #[arg(long, default_value = "")]
    pub(crate) key_usage: String,
    /// Extended key usages, comma-separated (serverAuth, clientAuth, ... or OIDs)
    #[arg(long, default_value = "")]
    pub(crate) eku: String,
    /// Extensions to mark critical: key-usage, eku (Key Vault cannot set the flag: Certkeep
    /// records the wish and reports whether the issued certificate honours it)
    #[arg(long, value_delimiter = ',')]
    pub(crate) critical: Vec<CriticalArg>,
    /// Issuer: Self, Unknown (an external CA: CSR and merge), or one of the vault's issuers
    #[arg(long, default_value = "Self")]
    pub(crate) issuer: String,
    /// Format of the certificate's secret
    #[arg(long, default_value = "pfx")]
    pub(crate) content_type: String,
    /// Make the private key non-exportable
    #[arg(long)]
    pub(crate) not_exportable: bool,
    /// Reuse the key on renewal
    #[arg(long)]
    pub(crate) reuse_key: bool,
    /// Tags, KEY=VALUE (repeatable)
    #[arg(long = "tag")]
    pub(crate) tags: Vec<String>,
    /// Wait until Key Vault has issued the certificate (or refused it)
    #[arg(long)]
    pub(crate) wait: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LifetimeArg {
    AutoRenew,
    EmailContacts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CriticalArg {
    KeyUsage,
    Eku,
}

/// `cert renew`.
#[derive(Args, Debug, Clone)]
pub(crate) struct RenewArgs {
    #[command(flatten)]
    pub(crate) scope: VaultScope,
    /// Certificate names
    #[arg(required = true)]
    pub(crate) names: Vec<String>,
    /// Renew this version (refused unless it is the current one)
    #[arg(long)]
    pub(crate) version: Option<String>,
    /// Validity of the new version, in months
    #[arg(long)]
    pub(crate) validity_months: u32,
    /// Wait until Key Vault has issued every new version
    #[arg(long)]
    pub(crate) wait: bool,
}

/// `cert obtain`.
#[derive(Args, Debug, Clone)]
pub(crate) struct ObtainArgs {
    #[command(flatten)]
    pub(crate) scope: VaultScope,
    /// Certificate name
    pub(crate) name: String,
    /// Every version ("Obtain History"), not only the latest
    #[arg(long)]
    pub(crate) history: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum RequestCmd {
    /// The Request Status list, newest first
    List(RequestListArgs),
    /// One request
    Show {
        /// Request id
        id: String,
    },
    /// Poll every open request once (run from cron, or use `wait`)
    Poll,
    /// Poll requests until Key Vault has answered
    Wait {
        /// Request ids
        #[arg(required = true)]
        ids: Vec<String>,
        /// Give up after this many seconds
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// Cancel a request in progress
    Cancel {
        /// Request id
        id: String,
    },
    /// Print the CSR of a request for an external CA (issuer Unknown), PEM
    Csr {
        /// Request id
        id: String,
    },
    /// Merge the certificate the external CA signed (PEM, DER or PKCS#7, chain optional)
    Merge {
        /// Request id
        id: String,
        /// The signed certificate
        #[arg(long)]
        file: PathBuf,
    },
    /// Delete Key Vault's pending operation of a failed or cancelled request
    DeleteOperation {
        /// Request id
        id: String,
    },
}

#[derive(Args, Debug, Clone)]
pub(crate) struct RequestListArgs {
    #[command(flatten)]
    pub(crate) scope: VaultScope,
    /// Only requests in this status
    #[arg(long, value_enum)]
    pub(crate) status: Option<StatusArg>,
    /// Only requests for this certificate name
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// At most this many
    #[arg(long, default_value_t = 100)]
    pub(crate) limit: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StatusArg {
    Sending,
    InProgress,
    Completed,
    Failed,
    Cancelled,
}
