//! `GET /metadata/endpoints`: the cloud metadata document ARM serves without authentication,
//! with the emulator's own URLs, so tools that discover a cloud from its ARM endpoint
//! (Azure CLI's `ARM_CLOUD_METADATA_URL`, Terraform/Go `cloud` loaders) find the emulator.
//!
//! Two shapes exist on the wire: api-version `2019-05-01` and later answer a JSON array of
//! clouds (the Azure CLI and the Go loaders iterate it and pick one by `name`); older versions
//! (`2015-01-01`) answer one object with `galleryEndpoint`, `graphEndpoint`, `portalEndpoint` and
//! `authentication` (the shape msrestazure reads).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::http::json_response;
use crate::state::Endpoints;

/// The name the emulated cloud carries in the array shape (not `AzureCloud`: the Azure CLI
/// replaces the login endpoint of a cloud of that name with the public one).
pub const CLOUD_NAME: &str = "CertkeepEmulator";

/// Whether an api-version asks for the array shape (`2019-05-01` and later).
pub fn wants_array(api_version: &str) -> bool {
    let mut parts = api_version.split('-');
    let year = parts.next().and_then(|y| y.parse::<u32>().ok());
    let month = parts.next().and_then(|m| m.parse::<u32>().ok());
    match (year, month) {
        (Some(y), _) if y > 2019 => true,
        (Some(2019), Some(m)) => m >= 5,
        _ => false,
    }
}

pub fn endpoints(e: &Endpoints, api_version: &str) -> Response {
    let body = if wants_array(api_version) {
        json!([cloud(e)])
    } else {
        classic(e)
    };
    json_response(StatusCode::OK, &body)
}

fn slash(url: String) -> String {
    format!("{url}/")
}

/// The token audiences ARM accepts, the first being the one tools ask tokens for.
fn audiences(e: &Endpoints) -> Vec<String> {
    vec![
        slash(e.arm()),
        format!("https://management.localhost:{}/", e.port),
    ]
}

/// Vaults are served as `https://{vault}.vault.localhost:{port}`. Tools build a vault URL as
/// `https://` + name + `.` + suffix, so the suffix carries the port.
pub fn key_vault_dns(e: &Endpoints) -> String {
    format!("vault.localhost:{}", e.port)
}

/// One entry of the array shape, with the public cloud's field names.
fn cloud(e: &Endpoints) -> Value {
    let arm = slash(e.arm());
    json!({
        "name": CLOUD_NAME,
        "portal": e.arm(),
        "authentication": {
            "loginEndpoint": slash(e.authority()),
            "audiences": audiences(e),
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "resourceManager": arm,
        "gallery": arm,
        "graph": arm,
        "graphAudience": arm,
        "microsoftGraphResourceId": arm,
        "sqlManagement": arm,
        "batch": arm,
        "media": e.arm(),
        "activeDirectoryDataLake": arm,
        "vmImageAliasDoc": format!("{}aliases.json", arm),
        "suffixes": {
            "keyVaultDns": key_vault_dns(e),
            "mhsmDns": format!("managedhsm.localhost:{}", e.port),
            "storage": "core.localhost",
            "sqlServerHostname": "database.localhost",
            "acrLoginServer": "azurecr.localhost",
            "azureDataLakeStoreFileSystem": "azuredatalakestore.localhost",
            "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.localhost",
        },
    })
}

/// The pre-2019 single-object shape.
fn classic(e: &Endpoints) -> Value {
    let arm = slash(e.arm());
    json!({
        "galleryEndpoint": arm,
        "graphEndpoint": arm,
        "graphAudience": arm,
        "portalEndpoint": arm,
        "authentication": {
            "loginEndpoint": slash(e.authority()),
            "audiences": audiences(e),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_follows_the_api_version() {
        assert!(wants_array("2022-09-01"));
        assert!(wants_array("2019-05-01"));
        assert!(!wants_array("2019-04-01"));
        assert!(!wants_array("2015-01-01"));
        assert!(!wants_array("1.0"));
    }
}
