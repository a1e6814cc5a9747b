//! Azure Resource Manager: the Key Vaults of a subscription, and a credential check. Calls go
//! through an azure_core `Pipeline` with a bearer-token policy for the cloud's ARM scope, so they
//! share the transport, retry and token cache of the session.

use std::collections::BTreeMap;
use std::sync::Arc;

use azure_core::http::policies::Policy;
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::{Context, Method, Pipeline, Request, Url};
use serde::Deserialize;

use crate::gate::RequestGate;
use crate::{AzureCredentialSpec, AzureError, AzureSession, RetrySettings, classify};

/// The API version of the vault listing.
pub const VAULTS_API_VERSION: &str = "2024-11-01";
const SUBSCRIPTION_API_VERSION: &str = "2022-12-01";
/// Pages followed before giving up on a listing that never ends.
const MAX_PAGES: usize = 10_000;
/// Empty pages in a row (each with a nextLink) tolerated before giving up.
const MAX_EMPTY_PAGES_IN_A_ROW: usize = 100;

/// One Key Vault as ARM describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultInfo {
    pub name: String,
    /// e.g. `https://kv-prod-web.vault.azure.net/`.
    pub vault_uri: String,
    pub resource_id: String,
    pub resource_group: String,
    pub location: String,
    pub tenant_id: String,
    /// `standard` or `premium`.
    pub sku: String,
    /// Access by Azure RBAC (true) or by access policies (false).
    pub rbac: bool,
    pub soft_delete_retention_days: Option<u32>,
    pub purge_protection: bool,
    pub tags: BTreeMap<String, String>,
}

/// What [`check_access`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionInfo {
    pub subscription_id: String,
    pub display_name: Option<String>,
    pub tenant_id: Option<String>,
    pub state: Option<String>,
}

/// Lists every vault of the spec's subscription (all pages).
pub async fn list_vaults(spec: &AzureCredentialSpec) -> Result<Vec<VaultInfo>, AzureError> {
    let session = AzureSession::new(spec)?;
    ArmClient::new(&session)?
        .list_vaults(session.subscription_id())
        .await
}

/// Validates a credential before it is stored: gets an ARM token (wrong secret, unknown
/// application or tenant fail here), then reads the subscription (no access, not found).
/// Retries briefly ([`RetrySettings::interactive`]): someone is waiting for the answer.
pub async fn check_access(spec: &AzureCredentialSpec) -> Result<SubscriptionInfo, AzureError> {
    let session = AzureSession::with_retry(spec, &RetrySettings::interactive())?;
    let arm = ArmClient::new(&session)?;
    arm.check_token(&session).await?;
    arm.get_subscription(session.subscription_id()).await
}

/// ARM calls for one session.
#[derive(Debug, Clone)]
pub struct ArmClient {
    pipeline: Pipeline,
    endpoint: Url,
    scope: String,
}

impl ArmClient {
    pub fn new(session: &AzureSession) -> Result<Self, AzureError> {
        let cloud = session.cloud();
        let endpoint = Url::parse(&format!("{}/", cloud.arm_endpoint.trim_end_matches('/')))
            .map_err(|e| AzureError::InvalidCloud {
                field: "arm_endpoint",
                reason: e.to_string(),
            })?;
        let scope = cloud.arm_scope();
        let auth: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
            session.credential(),
            [scope.clone()],
        ));
        let gate: Arc<dyn Policy> = Arc::new(RequestGate::new(&endpoint));
        let pipeline = Pipeline::new(
            Some(env!("CARGO_PKG_NAME")),
            Some(env!("CARGO_PKG_VERSION")),
            session.client_options().clone(),
            Vec::new(),
            vec![auth, gate],
            None,
        );
        Ok(Self {
            pipeline,
            endpoint,
            scope,
        })
    }

    /// Gets (and caches) an ARM token for the session's credential.
    pub async fn check_token(&self, session: &AzureSession) -> Result<(), AzureError> {
        session
            .credential()
            .get_token(&[self.scope.as_str()], None)
            .await
            .map(|_| ())
            .map_err(|e| classify(&e))
    }

    pub async fn get_subscription(
        &self,
        subscription_id: &str,
    ) -> Result<SubscriptionInfo, AzureError> {
        let url = self.url(&format!(
            "subscriptions/{subscription_id}?api-version={SUBSCRIPTION_API_VERSION}"
        ))?;
        let s: ArmSubscription = self.get_json(url).await?;
        Ok(SubscriptionInfo {
            subscription_id: s
                .subscription_id
                .unwrap_or_else(|| subscription_id.to_string()),
            display_name: s.display_name,
            tenant_id: s.tenant_id,
            state: s.state,
        })
    }

    /// Every vault of the subscription, following each nextLink.
    pub async fn list_vaults(&self, subscription_id: &str) -> Result<Vec<VaultInfo>, AzureError> {
        self.list_vaults_paged(subscription_id, None).await
    }

    /// Same, asking for `top` vaults per page.
    pub async fn list_vaults_paged(
        &self,
        subscription_id: &str,
        top: Option<u32>,
    ) -> Result<Vec<VaultInfo>, AzureError> {
        let mut path = format!(
            "subscriptions/{subscription_id}/providers/Microsoft.KeyVault/vaults?api-version={VAULTS_API_VERSION}"
        );
        if let Some(top) = top {
            path.push_str(&format!("&$top={top}"));
        }
        let mut url = self.url(&path)?;
        let mut vaults = Vec::new();
        let mut empty_in_a_row = 0;
        for _ in 0..MAX_PAGES {
            let page: ArmPage = self.get_json(url).await?;
            if page.value.is_empty() {
                empty_in_a_row += 1;
                if empty_in_a_row > MAX_EMPTY_PAGES_IN_A_ROW {
                    return Err(AzureError::InvalidResponse(format!(
                        "ARM sent {empty_in_a_row} empty pages in a row"
                    )));
                }
            } else {
                empty_in_a_row = 0;
            }
            vaults.extend(page.value.into_iter().map(VaultInfo::from));
            match page.next_link.filter(|l| !l.is_empty()) {
                None => return Ok(vaults),
                Some(next) => url = self.next_link(&next)?,
            }
        }
        Err(AzureError::InvalidResponse(format!(
            "the vault listing did not end after {MAX_PAGES} pages"
        )))
    }

    fn url(&self, path_and_query: &str) -> Result<Url, AzureError> {
        self.endpoint
            .join(path_and_query)
            .map_err(|e| AzureError::InvalidResponse(format!("bad ARM URL: {e}")))
    }

    /// A nextLink, refused unless it points at the ARM endpoint itself.
    fn next_link(&self, link: &str) -> Result<Url, AzureError> {
        let next = self
            .endpoint
            .join(link)
            .map_err(|e| AzureError::InvalidResponse(format!("bad nextLink: {e}")))?;
        if next.origin() != self.endpoint.origin() {
            return Err(AzureError::ForeignHost {
                host: next.host_str().unwrap_or_default().to_string(),
                expected: self.endpoint.origin().ascii_serialization(),
            });
        }
        Ok(next)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: Url) -> Result<T, AzureError> {
        let mut req = Request::new(url, Method::Get);
        req.insert_header("accept", "application/json");
        let raw = self
            .pipeline
            .send(&Context::new(), &mut req, None)
            .await
            .map_err(|e| classify(&e))?;
        serde_json::from_slice(raw.body().as_ref())
            .map_err(|e| AzureError::InvalidResponse(format!("ARM answer: {e}")))
    }
}

#[derive(Deserialize)]
struct ArmPage {
    #[serde(default)]
    value: Vec<ArmVault>,
    #[serde(default, rename = "nextLink")]
    next_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArmSubscription {
    subscription_id: Option<String>,
    display_name: Option<String>,
    tenant_id: Option<String>,
    state: Option<String>,
}

#[derive(Deserialize)]
struct ArmVault {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    tags: Option<BTreeMap<String, String>>,
    #[serde(default)]
    properties: ArmVaultProperties,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ArmVaultProperties {
    vault_uri: Option<String>,
    tenant_id: Option<String>,
    sku: Option<ArmSku>,
    enable_rbac_authorization: Option<bool>,
    soft_delete_retention_in_days: Option<u32>,
    enable_purge_protection: Option<bool>,
}

#[derive(Deserialize)]
struct ArmSku {
    name: Option<String>,
}

impl From<ArmVault> for VaultInfo {
    fn from(v: ArmVault) -> Self {
        let p = v.properties;
        Self {
            resource_group: resource_group(&v.id).unwrap_or_default(),
            vault_uri: p.vault_uri.unwrap_or_default(),
            resource_id: v.id,
            name: v.name,
            location: v.location,
            tenant_id: p.tenant_id.unwrap_or_default(),
            sku: p
                .sku
                .and_then(|s| s.name)
                .unwrap_or_default()
                .to_ascii_lowercase(),
            rbac: p.enable_rbac_authorization.unwrap_or(false),
            soft_delete_retention_days: p.soft_delete_retention_in_days,
            purge_protection: p.enable_purge_protection.unwrap_or(false),
            tags: v.tags.unwrap_or_default(),
        }
    }
}

/// The resource group named in an ARM resource id.
fn resource_group(id: &str) -> Option<String> {
    let mut segs = id.split('/');
    segs.by_ref()
        .find(|s| s.eq_ignore_ascii_case("resourceGroups"))?;
    segs.next().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vaults_parse_from_arm_json() {
        let page: ArmPage = serde_json::from_value(serde_json::json!({
            "value": [{
                "id": "/subscriptions/s/resourceGroups/rg-web/providers/Microsoft.KeyVault/vaults/kv1",
                "name": "kv1", "type": "Microsoft.KeyVault/vaults", "location": "westeurope",
                "tags": {"env": "prod"},
                "properties": {"tenantId": "t", "sku": {"family": "A", "name": "Premium"},
                    "vaultUri": "https://kv1.vault.azure.net/", "enableRbacAuthorization": true,
                    "softDeleteRetentionInDays": 90, "enablePurgeProtection": null, "accessPolicies": []}
            }],
            "nextLink": null
        }))
        .unwrap();
        assert!(page.next_link.is_none());
        let v = VaultInfo::from(page.value.into_iter().next().unwrap());
        assert_eq!(v.resource_group, "rg-web");
        assert_eq!(v.sku, "premium");
        assert!(v.rbac && !v.purge_protection);
        assert_eq!(v.soft_delete_retention_days, Some(90));
        assert_eq!(v.tags.get("env").map(String::as_str), Some("prod"));
    }

    #[test]
    fn next_links_must_stay_on_the_arm_endpoint() {
        let spec = AzureCredentialSpec {
            cloud: crate::Cloud::azure_public(),
            tenant_id: "t".into(),
            client_id: "c".into(),
            client_secret: "s".to_string().into(),
            subscription_id: "s".into(),
        };
        let arm = ArmClient::new(&AzureSession::new(&spec).unwrap()).unwrap();
        let ok = arm
            .next_link("https://management.azure.com/subscriptions/s/providers/Microsoft.KeyVault/vaults?api-version=2024-11-01&$skiptoken=x")
            .unwrap();
        assert_eq!(ok.host_str(), Some("management.azure.com"));
        assert!(arm.next_link("/subscriptions/s/x?$skiptoken=y").is_ok());
        for bad in [
            "https://evil.example.com/subscriptions/s",
            "http://management.azure.com/subscriptions/s",
            "https://management.azure.com:444/subscriptions/s",
            "//evil.example.com/x",
        ] {
            assert!(
                matches!(arm.next_link(bad), Err(AzureError::ForeignHost { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn resource_groups_are_read_from_ids() {
        assert_eq!(
            resource_group("/subscriptions/s/resourcegroups/RG-1/providers/x/y/z").as_deref(),
            Some("RG-1")
        );
        assert_eq!(resource_group("/subscriptions/s"), None);
    }
}
