//! The optional TOML config file (the CLI's `--config`, `CERTKEEP_CONFIG`): custom clouds and how hard
//! Certkeep may push Azure. Every problem names the field, e.g. `clouds[0].authority_host`.
//!
//! ```toml
//! [[clouds]]
//! name = "emulator"
//! authority_host = "https://127.0.0.1:8443"
//! arm_endpoint = "https://127.0.0.1:8443"
//! vault_dns_suffix = "vault.localhost"
//! ca_file = "emulator/ca.pem"        # relative to this file's directory
//!
//! [azure]
//! requests_per_10s = 2000             # per vault
//! max_in_flight = 128                 # across all vaults
//! vault_concurrency = 8
//! item_concurrency = 16
//!
//! [server]                            # `certkeep serve`; CERTKEEP_* variables and flags win
//! listen = "0.0.0.0:8443"
//! tls_self_signed = true              # or tls_cert / tls_key (PEM files)
//! behind_proxy = false
//! trusted_proxies = ["10.0.0.5"]
//! session_idle = "30m"
//! session_max = "12h"
//! discovery_interval = "6h"
//! poll_interval = "30s"
//! scheduler = true
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use certkeep_azure::{AzureError, BudgetConfig, Cloud};
use serde::{Deserialize, Serialize};

use crate::{EngineConfig, EngineError};

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clouds: Vec<CloudEntry>,
    #[serde(default, skip_serializing_if = "AzureSettings::is_default")]
    pub azure: AzureSettings,
    #[serde(default, skip_serializing_if = "ServerSection::is_default")]
    pub server: ServerSection,
}

/// `[server]`: what `certkeep serve` reads when no flag or `CERTKEEP_` variable says it.
/// Durations are text (`30m`, `6h`), checked by the binary.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// Relative paths are relative to the config file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_self_signed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behind_proxy: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_proxies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_idle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_max: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery_interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler: Option<bool>,
    /// Tags given as labels of the `/metrics` expiry gauges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_tags: Option<Vec<String>>,
}

impl ServerSection {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// The `[server]` section of the config file (empty without a file), its relative paths made
/// relative to the file's directory. A problem names the file and the field.
pub fn server_section(path: Option<&Path>) -> Result<ServerSection, EngineError> {
    let Some(path) = path else {
        return Ok(ServerSection::default());
    };
    let bad = |m: String| EngineError::invalid("config", format!("file {}: {m}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let mut section = parse(&text).map_err(bad)?.server;
    let base = path.parent().unwrap_or(Path::new("."));
    for p in [&mut section.tls_cert, &mut section.tls_key]
        .into_iter()
        .flatten()
    {
        *p = base.join(&*p);
    }
    Ok(section)
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudEntry {
    pub name: String,
    pub authority_host: String,
    pub arm_endpoint: String,
    pub vault_dns_suffix: String,
    /// PEM file of an extra CA to trust; relative paths are relative to the config file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AzureSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_10s: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_in_flight: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault_concurrency: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_concurrency: Option<usize>,
}

impl AzureSettings {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// The engine configuration: defaults, plus the config file when one is given.
/// A problem is [`EngineError::Invalid`] on field `config`, naming the file and the field path.
pub fn engine_config(path: Option<&Path>) -> Result<EngineConfig, EngineError> {
    let mut config = EngineConfig::default();
    let Some(path) = path else {
        return Ok(config);
    };
    let bad = |m: String| EngineError::invalid("config", format!("file {}: {m}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let file = parse(&text).map_err(bad)?;
    let base = path.parent().unwrap_or(Path::new("."));
    apply(&file, base, &mut config).map_err(bad)?;
    Ok(config)
}

/// Parses the TOML; errors read `field.path: what is wrong (line N)`.
pub fn parse(text: &str) -> Result<ConfigFile, String> {
    let de = toml::Deserializer::parse(text).map_err(|e| describe(text, "", &e))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        describe(text, &path, e.inner())
    })
}

fn describe(text: &str, path: &str, e: &toml::de::Error) -> String {
    let line = e
        .span()
        .map(|s| {
            format!(
                " (line {})",
                text[..s.start.min(text.len())].lines().count().max(1)
            )
        })
        .unwrap_or_default();
    let message = e.message().trim();
    if path.is_empty() || path == "." {
        format!("{message}{line}")
    } else {
        format!("{path}: {message}{line}")
    }
}

/// Checks every value and fills `config`.
pub fn apply(file: &ConfigFile, base: &Path, config: &mut EngineConfig) -> Result<(), String> {
    let builtin: Vec<String> = config.clouds.keys().cloned().collect();
    let mut seen: Vec<String> = Vec::new();
    for (i, c) in file.clouds.iter().enumerate() {
        let field = |f: &str| format!("clouds[{i}].{f}");
        let name = c.name.trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
        {
            return Err(format!(
                "{}: '{}' is not a cloud name (letters, digits, '-', '_', '.')",
                field("name"),
                c.name
            ));
        }
        if builtin.iter().any(|b| b.eq_ignore_ascii_case(name)) {
            return Err(format!("{}: '{name}' is a built-in cloud", field("name")));
        }
        if seen.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            return Err(format!("{}: '{name}' is defined twice", field("name")));
        }
        seen.push(name.to_string());
        let ca_pem = match &c.ca_file {
            None => None,
            Some(p) => {
                let full = base.join(p);
                let pem = std::fs::read_to_string(&full).map_err(|e| {
                    format!("{}: cannot read {}: {e}", field("ca_file"), full.display())
                })?;
                Some(pem)
            }
        };
        let cloud = Cloud::custom(
            name,
            &c.authority_host,
            &c.arm_endpoint,
            &c.vault_dns_suffix,
            ca_pem,
        )
        .map_err(|e| cloud_error(i, e))?;
        // Building the HTTP client parses the CA: a bad file is reported here, not at first use.
        certkeep_azure::transport::http_client(&cloud).map_err(|e| cloud_error(i, e))?;
        config.clouds.insert(cloud.name.clone(), cloud);
    }
    let a = &file.azure;
    let positive = |field: &str, v: Option<usize>, max: usize| -> Result<Option<usize>, String> {
        match v {
            Some(0) => Err(format!("azure.{field}: must be at least 1")),
            Some(n) if n > max => Err(format!("azure.{field}: {n} is more than {max}")),
            other => Ok(other),
        }
    };
    if let Some(n) = positive(
        "requests_per_10s",
        a.requests_per_10s.map(|n| n as usize),
        1_000_000,
    )? {
        config.pool.budget = BudgetConfig::per_window(n as u32, Duration::from_secs(10));
    }
    if let Some(n) = positive("max_in_flight", a.max_in_flight, 1_024)? {
        config.pool.max_in_flight = n;
    }
    if let Some(n) = positive("vault_concurrency", a.vault_concurrency, 64)? {
        config.vault_concurrency = n;
    }
    if let Some(n) = positive("item_concurrency", a.item_concurrency, 256)? {
        config.item_concurrency = n;
    }
    Ok(())
}

fn cloud_error(i: usize, e: AzureError) -> String {
    match e {
        AzureError::InvalidCloud { field, reason } => format!("clouds[{i}].{field}: {reason}"),
        AzureError::InvalidCa(reason) => format!("clouds[{i}].ca_file: {reason}"),
        other => format!("clouds[{i}]: {other}"),
    }
}

/// Writes a config file (the demo writes one for the emulator cloud).
pub fn write(path: &Path, file: &ConfigFile) -> Result<(), EngineError> {
    let text = toml::to_string_pretty(file)
        .map_err(|e| EngineError::invalid("config", format!("cannot encode it: {e}")))?;
    std::fs::write(path, text).map_err(|e| {
        EngineError::invalid("config", format!("cannot write {}: {e}", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<EngineConfig, String> {
        let file = parse(text)?;
        let mut config = EngineConfig::default();
        apply(&file, Path::new("."), &mut config)?;
        Ok(config)
    }

    #[test]
    fn good_files_fill_the_engine_config() {
        let c = check(
            "[[clouds]]\nname = \"lab\"\nauthority_host = \"https://login.lab\"\n\
             arm_endpoint = \"https://arm.lab\"\nvault_dns_suffix = \"vault.lab\"\n\
             [azure]\nrequests_per_10s = 100\nmax_in_flight = 4\nvault_concurrency = 2\nitem_concurrency = 3\n",
        )
        .unwrap();
        assert!(c.clouds.contains_key("lab") && c.clouds.contains_key("AzurePublic"));
        assert_eq!(c.pool.budget.requests, 100);
        assert_eq!(c.pool.max_in_flight, 4);
        assert_eq!((c.vault_concurrency, c.item_concurrency), (2, 3));
        assert!(check("").is_ok());
    }

    #[test]
    fn bad_fields_are_named() {
        let e = check("[azure]\nrequests_per_10s = \"many\"\n").unwrap_err();
        assert!(e.starts_with("azure.requests_per_10s:"), "{e}");
        assert!(e.contains("line 2"), "{e}");
        let e = check("[azure]\nvault_concurrency = 0\n").unwrap_err();
        assert!(e.starts_with("azure.vault_concurrency:"), "{e}");
        let e = check("[azure]\nspeed = 1\n").unwrap_err();
        assert!(e.contains("speed"), "{e}");
        let cloud = |name: &str, auth: &str, suffix: &str| {
            format!(
                "[[clouds]]\nname = \"{name}\"\nauthority_host = \"{auth}\"\n\
                 arm_endpoint = \"https://arm\"\nvault_dns_suffix = \"{suffix}\"\n"
            )
        };
        let e = check(&cloud("lab", "http://login", "vault.lab")).unwrap_err();
        assert!(e.starts_with("clouds[0].authority_host:"), "{e}");
        let e = check(&cloud("lab", "https://login", "bad suffix")).unwrap_err();
        assert!(e.starts_with("clouds[0].vault_dns_suffix:"), "{e}");
        let e = check(&cloud("AzurePublic", "https://login", "vault.lab")).unwrap_err();
        assert!(e.starts_with("clouds[0].name:"), "{e}");
        let e = check(&(cloud("a", "https://l", "v.lab") + &cloud("a", "https://l", "v.lab")))
            .unwrap_err();
        assert!(e.starts_with("clouds[1].name:"), "{e}");
        let e = check("[[clouds]]\nname = \"x\"\n").unwrap_err();
        assert!(
            e.contains("clouds[0]") && e.contains("authority_host"),
            "{e}"
        );
        let e = check(&(cloud("a", "https://l", "v.lab") + "ca_file = \"/nonexistent/ca.pem\"\n"))
            .unwrap_err();
        assert!(e.starts_with("clouds[0].ca_file:"), "{e}");
    }
}
