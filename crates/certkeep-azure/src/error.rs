//! Errors of `certkeep-azure`: what went wrong, classified so the engine can tell users what to
//! fix. No variant carries a client secret, a token or a secret value.

/// Why a client could not be built or a call failed.
#[derive(Debug, thiserror::Error)]
pub enum AzureError {
    /// A cloud setting that is not a usable https URL or DNS suffix.
    #[error("invalid cloud setting {field}: {reason}")]
    InvalidCloud { field: &'static str, reason: String },
    /// The extra CA file cannot be read or holds no certificate.
    #[error("invalid CA certificate: {0}")]
    InvalidCa(String),
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    HttpClient(String),
    /// A credential field that is empty or malformed (the secret itself is never shown).
    #[error("invalid credential: {0}")]
    InvalidCredential(String),
    /// A vault URL that is not an https origin, or not in this cloud's vault domain.
    #[error("refused vault URL '{url}': {reason}")]
    InvalidVaultUrl { url: String, reason: String },
    /// A request (a paging link, a vault URL) that would take a token to a host it does not belong to.
    #[error(
        "refused to send a request to '{host}': only {expected} may receive this credential's tokens"
    )]
    ForeignHost { host: String, expected: String },

    /// Entra ID AADSTS7000215.
    #[error(
        "the client secret is wrong (AADSTS7000215): use the secret's value, not its id, and check it belongs to this application"
    )]
    WrongClientSecret,
    /// Entra ID AADSTS7000222.
    #[error(
        "the client secret has expired (AADSTS7000222): create a new secret for the application and update the credential"
    )]
    ClientSecretExpired,
    /// Entra ID AADSTS700016.
    #[error(
        "no application with this client id exists in the tenant (AADSTS700016): check the client id and the tenant id"
    )]
    UnknownApplication,
    /// Entra ID AADSTS90002.
    #[error("the tenant was not found (AADSTS90002): check the tenant id and the cloud")]
    UnknownTenant,
    /// ARM 403 `AuthorizationFailed`.
    #[error(
        "the application has no access to the subscription (AuthorizationFailed): grant it the Reader role on the subscription"
    )]
    NoSubscriptionAccess,
    /// ARM 404 `SubscriptionNotFound`.
    #[error(
        "the subscription was not found (SubscriptionNotFound): check the subscription id and that it belongs to the tenant"
    )]
    SubscriptionNotFound,
    /// Key Vault 403.
    #[error(
        "access to vault '{vault}' was denied: grant the application a Key Vault role (RBAC) or an access policy"
    )]
    VaultAccessDenied { vault: String },
    /// 404 from Key Vault or ARM for the named object.
    #[error("not found: {message}")]
    NotFound { message: String },
    /// 429 that persisted through every retry.
    #[error(
        "Azure kept throttling the requests (HTTP 429) after every retry: try again later or lower the request budget"
    )]
    Throttled,
    /// Connection refused, DNS failure, TLS failure or timeout.
    #[error("cannot reach {host}: {reason}")]
    Unreachable { host: String, reason: String },
    /// Any other HTTP error status from Azure.
    #[error("HTTP {status}{}: {message}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Http {
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// Key Vault refused a write because of the object's state: 409 (e.g. a create while another
    /// creation of the name is pending), or a 403 that is not about access (e.g. cancelling an
    /// operation no longer in progress). Re-read the object before trying anything else.
    #[error("conflict: {message}")]
    Conflict { message: String },
    /// Key Vault 409 with inner code `ObjectIsDeletedButRecoverable`: the name is held by a
    /// soft-deleted object.
    #[error(
        "'{name}' is deleted but recoverable (soft-deleted): recover it, or purge it before reusing the name"
    )]
    DeletedButRecoverable { name: String },
    /// A certificate creation is already in progress for this name; nothing was sent. Wait for
    /// it, cancel it, or adopt it (`get_pending_operation`).
    #[error("certificate '{name}' already has a creation in progress{}: wait for it, cancel it or adopt it", request_id.as_deref().map(|r| format!(" (request {r})")).unwrap_or_default())]
    PendingOperationInProgress {
        name: String,
        request_id: Option<String>,
    },
    /// A write refused before anything was sent (an invalid name, time or value).
    #[error("refused to send an invalid write: {0}")]
    InvalidInput(String),
    /// A response that does not have the expected shape.
    #[error("unexpected response from Azure: {0}")]
    InvalidResponse(String),
    /// Any other Azure SDK error (the error and its causes, as text).
    #[error("Azure SDK: {0}")]
    Sdk(String),
}

impl From<azure_core::Error> for AzureError {
    fn from(e: azure_core::Error) -> Self {
        crate::classify::classify(&e)
    }
}
