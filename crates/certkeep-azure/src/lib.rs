//! How Certkeep reaches Azure: cloud settings (public, China, US Government or custom — the
//! emulator is a custom cloud), the HTTP transport (extra trusted CA, `*.localhost` on loopback),
//! the Entra ID credential, ARM vault listing, and Key Vault clients behind a per-vault request
//! budget. Errors are classified ([`classify`]) into what a user can act on.

pub mod arm;
pub mod budget;
pub mod classify;
pub mod cloud;
mod create_safely;
pub mod credential;
pub mod error;
mod first_call;
pub mod gate;
pub mod metrics;
mod policy_convert;
pub mod pool;
pub mod session;
pub mod transport;
pub mod vault;
pub mod vault_models;
pub mod vault_url;
mod vault_writes;
mod write_convert;
pub mod write_models;
mod write_safety;

pub use arm::{ArmClient, SubscriptionInfo, VaultInfo, check_access, list_vaults};
pub use budget::{BudgetConfig, RequestBudget, TokenBucket};
pub use classify::{classify, classify_vault};
pub use cloud::Cloud;
pub use credential::AzureCredentialSpec;
pub use error::AzureError;
pub use pool::{PoolConfig, VaultPool};
pub use secrecy;
pub use session::AzureSession;
pub use transport::RetrySettings;
pub use vault::VaultClient;
pub use vault_models::{
    CertBundle, CertListItem, CertVersionItem, IssuerItem, SecretItem, SecretValue,
    SecretVersionItem,
};
pub use vault_url::VaultUrl;
pub use write_models::{
    CertificatePolicySpec, CertificateUpdate, Contact, ContactsUpdate, CreatedCertificate,
    CurveKind, IssuerName, IssuerSpec, KeyKind, KeySpec, KeyUsage, LifetimeActionKind,
    LifetimeActionSpec, LifetimeTrigger, MergedCertificate, NewCertificate, OperationError,
    OperationStatus, PendingOperation, SecretSpec, SecretUpdate, SubjectAltNames, WRITE_ID_TAG,
    WrittenSecret, X509Spec,
};
