//! Managing TLS secrets from Certkeep (seed §4.2): create one from an uploaded PFX or PEM,
//! update its dates and status, rediscover it to its latest version, obtain the certificate of
//! its newest version, and export that certificate (never a private key).
//!
//! Every use case runs under the secret's lease (one operation per name across processes) and
//! writes an audit event, failures too. The upload's password only opens the file: it is never
//! stored, logged, audited or put in an error.

use std::collections::BTreeMap;

use base64::Engine as _;
use certkeep_azure::secrecy::{ExposeSecret as _, SecretString};
use certkeep_azure::{AzureError, SecretSpec, SecretUpdate, SecretVersionItem, VaultClient};
use certkeep_core::keyvault::{CONTENT_TYPE_PEM, CONTENT_TYPE_PFX, is_valid_object_name};
use certkeep_core::tls_secret::{PreparedSecret, UploadError, check_activation};
use certkeep_store::{
    CertificateFilter, CertificateSource, Credential, Show, TlsSecret, TlsSecretFilter, Vault,
};
use serde::Serialize;
use serde_json::json;

use crate::lease::LeaseKind;
use crate::reports::ItemOutcome;
use crate::views::{CertificateQuery, CertificateView, PageRequest, SecretView, ShowVersions};
use crate::{Actor, Engine, EngineError, Scope, records};

/// What an uploaded file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadFormat {
    /// PKCS#12 (`.pfx`, `.p12`), opened with its password.
    Pfx,
    /// PEM text: one unencrypted private key and certificates.
    Pem,
}

/// PEM when the file is text holding a `-----BEGIN` line, PFX otherwise.
pub fn guess_format(bytes: &[u8]) -> UploadFormat {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains("-----BEGIN") => UploadFormat::Pem,
        _ => UploadFormat::Pfx,
    }
}

/// A date as users type it: RFC 3339 (`2026-05-01T12:00:00Z`) or a day (`2026-05-01`,
/// midnight UTC), in Unix seconds.
pub fn parse_date(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if let Ok(dt) = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
        return Ok(dt.unix_timestamp());
    }
    let day = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(t, &day)
        .map(|d| d.midnight().assume_utc().unix_timestamp())
        .map_err(|_| {
            format!("'{text}' is not a date: use YYYY-MM-DD or RFC 3339 (2026-05-01T12:00:00Z)")
        })
}

/// Create Secret: a TLS secret (or a new version of one) from an uploaded certificate file.
#[derive(Clone)]
pub struct CreateSecret {
    /// The vault (its credential may be left out when unambiguous).
    pub scope: Scope,
    /// Key Vault secret name: `^[0-9a-zA-Z-]{1,127}$`.
    pub name: String,
    /// The file's bytes.
    pub file: Vec<u8>,
    /// `None`: guessed from the content ([`guess_format`]).
    pub format: Option<UploadFormat>,
    /// The PFX's password (ignored for PEM). Only used to open the file.
    pub password: SecretString,
    /// `nbf`, Unix seconds.
    pub activation: Option<i64>,
    /// `exp`, Unix seconds; default: the leaf certificate's notAfter.
    pub expiration: Option<i64>,
    pub enabled: bool,
    pub tags: BTreeMap<String, String>,
    /// An existing name gets a new version only when this is set (otherwise `Conflict`).
    pub new_version: bool,
}

impl std::fmt::Debug for CreateSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateSecret")
            .field("scope", &self.scope)
            .field("name", &self.name)
            .field("file_len", &self.file.len())
            .field("format", &self.format)
            .field("password", &"<redacted>")
            .field("activation", &self.activation)
            .field("expiration", &self.expiration)
            .field("enabled", &self.enabled)
            .field("tags", &self.tags)
            .field("new_version", &self.new_version)
            .finish()
    }
}

/// What Create Secret wrote.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedSecret {
    pub secret: SecretView,
    /// The certificate record of the leaf, linked to the secret.
    pub certificate: Option<CertificateView>,
    /// True when the name existed and this is a new version of it.
    pub new_version: bool,
    /// Certificates in the secret (leaf first).
    pub chain_length: usize,
    /// Certificates of the file outside the leaf's chain (left out).
    pub ignored_certificates: usize,
    /// True when Key Vault's answer was lost and the written version was found instead.
    pub adopted: bool,
}

/// Update Secret: the current version's dates and status; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UpdateSecret {
    pub scope: Scope,
    pub name: String,
    pub activation: Option<i64>,
    pub expiration: Option<i64>,
    pub enabled: Option<bool>,
}

/// What rediscovering one secret did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RediscoverReport {
    pub vault: String,
    pub name: String,
    /// `updated`, `unchanged`, `missing` (no longer in Key Vault: marked missing) or `failed`.
    pub outcome: String,
    pub current_version: Option<String>,
    pub versions_added: usize,
    pub versions_updated: usize,
    pub error: Option<String>,
}

impl ItemOutcome for RediscoverReport {
    const KIND: &'static str = "secrets";
    fn label(&self) -> String {
        format!("{}/{}", self.vault, self.name)
    }
    fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

/// How a certificate is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// The certificate, one PEM block.
    Pem,
    /// The certificate, DER bytes.
    Der,
    /// The certificate and its issuers, PEM blocks leaf first.
    Chain,
}

/// An exported certificate: the bytes to write and what they are. Never holds a key.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub vault: String,
    pub name: String,
    pub version: String,
    pub format: ExportFormat,
    /// Certificates in the output.
    pub certificates: usize,
    pub subject: String,
    pub sha1: String,
    /// Why a chain holds only the leaf, when it does.
    pub note: Option<String>,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// Checks a Key Vault object name.
pub(crate) fn check_object_name(field: &'static str, name: &str) -> Result<(), EngineError> {
    if is_valid_object_name(name) {
        Ok(())
    } else {
        Err(EngineError::invalid(
            field,
            format!("'{name}' is not a valid Key Vault name: 1 to 127 letters, digits and dashes"),
        ))
    }
}

/// `credential/vault/name` as the scope names it (before resolution), for failure events.
pub(crate) fn target_of(scope: &Scope, name: &str) -> String {
    format!(
        "{}/{}/{name}",
        scope.credential.as_deref().unwrap_or("-"),
        scope.vault.as_deref().unwrap_or("-")
    )
}

fn upload_error(e: UploadError) -> EngineError {
    match e {
        UploadError::WrongPassword => EngineError::invalid("password", e.to_string()),
        other => EngineError::invalid("file", other.to_string()),
    }
}

/// Opens the upload (the password only exposed here, to open a PFX).
fn prepare(req: &CreateSecret) -> Result<PreparedSecret, EngineError> {
    match req.format.unwrap_or_else(|| guess_format(&req.file)) {
        UploadFormat::Pfx => {
            certkeep_core::tls_secret::prepare_pfx(&req.file, req.password.expose_secret())
                .map_err(upload_error)
        }
        UploadFormat::Pem => {
            let text = std::str::from_utf8(&req.file)
                .map_err(|_| EngineError::invalid("file", "a PEM file must be text (UTF-8)"))?;
            certkeep_core::tls_secret::prepare_pem(text).map_err(upload_error)
        }
    }
}

fn check_tags(tags: &BTreeMap<String, String>) -> Result<(), EngineError> {
    if tags.len() > 14 {
        return Err(EngineError::invalid(
            "tags",
            "at most 14 tags (Key Vault allows 15; Certkeep adds one)",
        ));
    }
    for (k, v) in tags {
        if k.trim().is_empty() || k.len() > 512 || v.len() > 256 {
            return Err(EngineError::invalid(
                "tags",
                format!("tag '{k}': names are 1 to 512 characters, values at most 256"),
            ));
        }
        if k == certkeep_azure::WRITE_ID_TAG {
            return Err(EngineError::invalid(
                "tags",
                format!("tag '{k}' is Certkeep's own"),
            ));
        }
    }
    Ok(())
}

/// The dates a version ends with may not have activation after expiration.
fn check_dates(activation: Option<i64>, expiration: Option<i64>) -> Result<(), EngineError> {
    check_activation(activation, expiration).map_err(|e| EngineError::Invalid {
        field: "activation",
        reason: e.reason,
    })
}

/// Key Vault's current version: the most recently created.
pub(crate) fn newest(versions: &[SecretVersionItem]) -> Option<&SecretVersionItem> {
    versions
        .iter()
        .max_by_key(|s| (s.created.unwrap_or_default(), s.version.clone()))
}

fn is_tls(v: &SecretVersionItem) -> bool {
    v.content_type
        .as_deref()
        .is_some_and(certkeep_core::keyvault::is_tls_content_type)
}

/// The certificates of a TLS secret's value (base64 PFX or PEM), leaf first. Keys are dropped.
pub(crate) fn chain_in_secret(
    value: &str,
    content_type: &str,
) -> Result<Vec<Vec<u8>>, EngineError> {
    let ct = content_type.trim().to_ascii_lowercase();
    let chain = if ct == CONTENT_TYPE_PEM {
        certkeep_core::pem::parse_bundle(value)
            .map_err(|e| EngineError::invalid("secret", e.to_string()))?
            .certificates
    } else if ct == CONTENT_TYPE_PFX {
        let der = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .map_err(|_| EngineError::invalid("secret", "the PFX value is not base64"))?;
        certkeep_core::pfx::read_pfx(&der, "")
            .map_err(|e| EngineError::invalid("secret", e.to_string()))?
            .chain
    } else {
        return Err(EngineError::invalid(
            "secret",
            format!("content type '{content_type}' holds no certificate"),
        ));
    };
    if chain.is_empty() {
        return Err(EngineError::invalid(
            "secret",
            "no certificate in the secret",
        ));
    }
    Ok(chain)
}

/// PEM blocks of these certificates.
pub(crate) fn pem_of(chain: &[Vec<u8>]) -> String {
    chain
        .iter()
        .map(|der| certkeep_core::pem::encode_block("CERTIFICATE", der))
        .collect()
}

impl Engine {
    /// Create Secret (seed §4.2): checks the name, opens the file (a wrong password and a
    /// corrupt file are different errors), checks the dates, then under the secret's lease
    /// refuses an existing name unless `new_version`, writes the secret once, and stores the
    /// new version and its leaf certificate (linked). Audited as `secret.create`.
    pub async fn create_tls_secret(
        &self,
        actor: &Actor,
        req: CreateSecret,
    ) -> Result<CreatedSecret, EngineError> {
        let target = target_of(&req.scope, &req.name);
        self.audited(
            actor,
            "secret.create",
            &target,
            self.tk_create_secret(actor, &req),
        )
        .await
    }

    async fn tk_create_secret(
        &self,
        actor: &Actor,
        req: &CreateSecret,
    ) -> Result<CreatedSecret, EngineError> {
        check_object_name("name", &req.name)?;
        check_tags(&req.tags)?;
        let prepared = prepare(req)?;
        let expiration = req
            .expiration
            .unwrap_or_else(|| certkeep_core::tls_secret::default_expiration(&prepared.leaf));
        check_dates(req.activation, Some(expiration))?;
        let (c, v) = self.one_vault(&req.scope).await?;
        let work = async {
            let client = self.pool_for(&c)?.vault(&v.record.vault_uri)?;
            let existing = client.list_secret_versions(&req.name).await?;
            if let Some(current) = newest(&existing) {
                if !req.new_version {
                    return Err(EngineError::Conflict {
                        what: format!(
                            "secret '{}' in vault '{}' (add a new version of it explicitly)",
                            req.name, v.record.name
                        ),
                    });
                }
                if existing.iter().any(|s| s.managed) {
                    return Err(EngineError::Refused {
                        reason: format!(
                            "secret '{}' backs a Key Vault certificate: renew or import the certificate instead",
                            req.name
                        ),
                    });
                }
                if !is_tls(current) {
                    return Err(EngineError::Refused {
                        reason: format!(
                            "secret '{}' is not a TLS secret (content type {}): Certkeep adds versions only to TLS secrets",
                            req.name,
                            current.content_type.as_deref().unwrap_or("none")
                        ),
                    });
                }
            }
            let spec = SecretSpec {
                value: prepared.value.clone(),
                content_type: Some(prepared.content_type.to_string()),
                enabled: Some(req.enabled),
                not_before: req.activation,
                expires: Some(expiration),
                tags: req.tags.clone(),
            };
            let written = client.set_secret(&req.name, &spec).await?;
            let version = written.version.version.clone();
            let rec = records::tls_secret_record(&req.name, &written.version, true);
            self.store
                .upsert_tls_secret_versions(v.id, &[rec], self.now())
                .await?;
            let leaf = prepared
                .chain
                .first()
                .ok_or_else(|| EngineError::invalid("file", "the file holds no certificate"))?;
            let cert_id = self
                .tk_store_secret_certificate(&v, &req.name, &written.version, leaf)
                .await?;
            let row = self.tk_secret_row(&v, &req.name, &version).await?;
            let certificate = match cert_id {
                Some(id) => self.tk_certificate_view(&c, &v, &req.name, id).await?,
                None => None,
            };
            let detail = json!({
                "version": version,
                "new_version": !existing.is_empty(),
                "content_type": prepared.content_type,
                "subject": prepared.leaf.subject,
                "sha1": prepared.leaf.sha1_hex,
                "activation": req.activation,
                "expiration": expiration,
                "enabled": req.enabled,
                "adopted": written.adopted,
            });
            let event = self.audit(
                actor,
                "secret.create",
                &format!("{}/{}/{}", c.name, v.record.name, req.name),
                "succeeded",
                detail,
            );
            self.store.record_audit_event(event).await?;
            Ok(CreatedSecret {
                secret: SecretView::new(&c.name, &v.record.name, &row, self.now()),
                certificate,
                new_version: !existing.is_empty(),
                chain_length: prepared.chain.len(),
                ignored_certificates: prepared.ignored_certificates,
                adopted: written.adopted,
            })
        };
        self.with_lease(actor, LeaseKind::Secret, v.id, &req.name, work)
            .await
    }

    /// Stores the leaf of a TLS-secret version as a certificate record (source `tls_secret`)
    /// and links the secret row to it. Returns the certificate's id.
    async fn tk_store_secret_certificate(
        &self,
        v: &Vault,
        name: &str,
        s: &SecretVersionItem,
        der: &[u8],
    ) -> Result<Option<certkeep_store::CertificateId>, EngineError> {
        let origin = records::Origin {
            name,
            version: &s.version,
            is_current: true,
            source: CertificateSource::TlsSecret,
            secret: Some((name, &s.version)),
            kv_id: format!("{}secrets/{name}/{}", v.record.vault_uri, s.version),
            is_enabled: s.enabled,
            kv_created: s.created.unwrap_or_default(),
            kv_updated: s.updated.unwrap_or_default(),
            nbf: s.nbf,
            exp: s.exp,
            tags: s.tags.clone(),
            policy_issuer: None,
            content_type: s.content_type.clone(),
        };
        let rec = records::certificate_record(origin, der)?;
        self.store
            .upsert_certificates(v.id, &[rec], self.now())
            .await?;
        self.tk_link(v, name, &s.version, CertificateSource::TlsSecret)
            .await
    }

    /// Links the TLS-secret row (name, version) to the certificate record of the same name and
    /// version from `source`; returns the certificate's id when both exist.
    pub(crate) async fn tk_link(
        &self,
        v: &Vault,
        name: &str,
        version: &str,
        source: CertificateSource,
    ) -> Result<Option<certkeep_store::CertificateId>, EngineError> {
        let cert = self
            .store
            .list_certificates(&CertificateFilter {
                show: Show::All,
                vault: Some(v.id),
                source: Some(source),
                name: Some(name.to_string()),
                include_missing: true,
                ..Default::default()
            })
            .await?
            .into_iter()
            .find(|c| c.record.name == name && c.record.version == version);
        let row = self.tk_find_secret_row(v, name, Some(version)).await?;
        match (cert, row) {
            (Some(cert), Some(row)) => {
                self.store
                    .link_tls_secret_certificate(row.id, cert.id)
                    .await?;
                Ok(Some(cert.id))
            }
            _ => Ok(None),
        }
    }

    /// The stored row of a secret's version (`None`: its current one), missing ones included.
    pub(crate) async fn tk_find_secret_row(
        &self,
        v: &Vault,
        name: &str,
        version: Option<&str>,
    ) -> Result<Option<TlsSecret>, EngineError> {
        Ok(self
            .store
            .list_tls_secrets(&TlsSecretFilter {
                show: if version.is_some() {
                    Show::All
                } else {
                    Show::Current
                },
                vault: Some(v.id),
                search: Some(name.to_string()),
                include_missing: true,
                ..Default::default()
            })
            .await?
            .into_iter()
            .find(|s| s.record.name == name && version.is_none_or(|ver| s.record.version == ver)))
    }

    async fn tk_secret_row(
        &self,
        v: &Vault,
        name: &str,
        version: &str,
    ) -> Result<TlsSecret, EngineError> {
        self.tk_find_secret_row(v, name, Some(version))
            .await?
            .ok_or_else(|| EngineError::NotFound {
                what: format!("secret '{name}' version {version}"),
            })
    }

    /// The current stored version of a secret, or `NotFound`.
    async fn tk_current_secret(&self, v: &Vault, name: &str) -> Result<TlsSecret, EngineError> {
        self.tk_find_secret_row(v, name, None)
            .await?
            .ok_or_else(|| EngineError::NotFound {
                what: format!("secret '{name}' in vault '{}'", v.record.name),
            })
    }

    /// The view of certificate `id` (of this name) with names resolved.
    pub(crate) async fn tk_certificate_view(
        &self,
        c: &Credential,
        v: &Vault,
        name: &str,
        id: certkeep_store::CertificateId,
    ) -> Result<Option<CertificateView>, EngineError> {
        let listing = self
            .list_certificates(&CertificateQuery {
                scope: Scope::vault(&c.name, &v.record.name),
                show: ShowVersions::All,
                include_missing: true,
                name: Some(name.to_string()),
                page: PageRequest::new(0, crate::views::MAX_PAGE_LIMIT),
                ..Default::default()
            })
            .await?;
        Ok(listing.items.into_iter().find(|x| x.id == id.0))
    }

    /// Update Secret (seed §4.2): the activation and expiration dates and the enabled status of
    /// the secret's current version, in Key Vault and then in the inventory. Audited as
    /// `secret.update`.
    pub async fn update_tls_secret(
        &self,
        actor: &Actor,
        req: UpdateSecret,
    ) -> Result<SecretView, EngineError> {
        let target = target_of(&req.scope, &req.name);
        self.audited(
            actor,
            "secret.update",
            &target,
            self.tk_update_secret(actor, &req),
        )
        .await
    }

    async fn tk_update_secret(
        &self,
        actor: &Actor,
        req: &UpdateSecret,
    ) -> Result<SecretView, EngineError> {
        check_object_name("name", &req.name)?;
        if req.activation.is_none() && req.expiration.is_none() && req.enabled.is_none() {
            return Err(EngineError::invalid(
                "update",
                "nothing to change: give an activation date, an expiration date or a status",
            ));
        }
        let (c, v) = self.one_vault(&req.scope).await?;
        let current = self.tk_current_secret(&v, &req.name).await?;
        if current.record.is_managed {
            return Err(EngineError::Refused {
                reason: format!(
                    "secret '{}' backs a Key Vault certificate: update the certificate instead",
                    req.name
                ),
            });
        }
        check_dates(
            req.activation.or(current.record.activation),
            req.expiration.or(current.record.expiry),
        )?;
        let version = current.record.version.clone();
        let work = async {
            let client = self.pool_for(&c)?.vault(&v.record.vault_uri)?;
            let update = SecretUpdate {
                enabled: req.enabled,
                not_before: req.activation,
                expires: req.expiration,
                ..Default::default()
            };
            let item = client.update_secret(&req.name, &version, &update).await?;
            let rec = records::tls_secret_record(&req.name, &item, current.record.is_current);
            self.store
                .upsert_tls_secret_versions(v.id, &[rec], self.now())
                .await?;
            let row = self.tk_secret_row(&v, &req.name, &version).await?;
            let event = self.audit(
                actor,
                "secret.update",
                &format!("{}/{}/{}", c.name, v.record.name, req.name),
                "succeeded",
                json!({
                    "version": version,
                    "activation": req.activation,
                    "expiration": req.expiration,
                    "enabled": req.enabled,
                    "before": {
                        "activation": current.record.activation,
                        "expiration": current.record.expiry,
                        "enabled": current.record.is_enabled,
                    },
                }),
            );
            self.store.record_audit_event(event).await?;
            Ok(SecretView::new(&c.name, &v.record.name, &row, self.now()))
        };
        self.with_lease(actor, LeaseKind::Secret, v.id, &req.name, work)
            .await
    }

    /// Rediscover (seed §4.2): re-reads each named secret's versions and stores them, the
    /// newest as current; a secret Key Vault no longer has is marked missing. One report per
    /// name (a failed one does not stop the others); each audited as `secret.rediscover`.
    pub async fn rediscover_secrets(
        &self,
        actor: &Actor,
        scope: &Scope,
        names: &[String],
    ) -> Result<Vec<RediscoverReport>, EngineError> {
        let target = target_of(scope, &names.join(","));
        let (c, v) = match self.tk_vault_for_names(scope, names).await {
            Ok(cv) => cv,
            Err(e) => {
                self.audit_failure(actor, "secret.rediscover", &target, &e)
                    .await;
                return Err(e);
            }
        };
        let mut reports = Vec::new();
        for name in names {
            let target = format!("{}/{}/{name}", c.name, v.record.name);
            let mut report = RediscoverReport {
                vault: v.record.name.clone(),
                name: name.clone(),
                ..Default::default()
            };
            let work = self.with_lease(
                actor,
                LeaseKind::Secret,
                v.id,
                name,
                self.tk_rediscover_one(&c, &v, name, &mut report),
            );
            match work.await {
                Ok(()) => {
                    let event = self.audit(
                        actor,
                        "secret.rediscover",
                        &target,
                        "succeeded",
                        serde_json::to_value(&report).unwrap_or_default(),
                    );
                    self.store.record_audit_event(event).await?;
                }
                Err(e) => {
                    self.audit_failure(actor, "secret.rediscover", &target, &e)
                        .await;
                    report.outcome = "failed".into();
                    report.error = Some(e.to_string());
                }
            }
            reports.push(report);
        }
        Ok(reports)
    }

    /// The vault of a scope, with the names checked (at least one, each valid).
    pub(crate) async fn tk_vault_for_names(
        &self,
        scope: &Scope,
        names: &[String],
    ) -> Result<(Credential, Vault), EngineError> {
        if names.is_empty() {
            return Err(EngineError::invalid("name", "name at least one"));
        }
        for n in names {
            check_object_name("name", n)?;
        }
        self.one_vault(scope).await
    }

    async fn tk_rediscover_one(
        &self,
        c: &Credential,
        v: &Vault,
        name: &str,
        report: &mut RediscoverReport,
    ) -> Result<(), EngineError> {
        if self.tk_find_secret_row_any(v, name).await?.is_none() {
            return Err(EngineError::NotFound {
                what: format!("secret '{name}' in Certkeep (discover or create it first)"),
            });
        }
        let client = self.pool_for(c)?.vault(&v.record.vault_uri)?;
        let versions = client.list_secret_versions(name).await?;
        let Some(current) = newest(&versions).map(|s| s.version.clone()) else {
            self.store
                .mark_tls_secrets_missing(v.id, &[name.to_string()])
                .await?;
            report.outcome = "missing".into();
            return Ok(());
        };
        let recs: Vec<_> = versions
            .iter()
            .filter(|s| is_tls(s))
            .map(|s| records::tls_secret_record(name, s, s.version == current))
            .collect();
        let counts = self
            .store
            .upsert_tls_secret_versions(v.id, &recs, self.now())
            .await?;
        report.versions_added = counts.added;
        report.versions_updated = counts.updated;
        report.current_version = Some(current);
        report.outcome = if counts.added + counts.updated > 0 {
            "updated".into()
        } else {
            "unchanged".into()
        };
        Ok(())
    }

    /// Any stored version of a secret (current or not, missing included).
    async fn tk_find_secret_row_any(
        &self,
        v: &Vault,
        name: &str,
    ) -> Result<Option<TlsSecret>, EngineError> {
        Ok(self
            .store
            .list_tls_secrets(&TlsSecretFilter {
                show: Show::All,
                vault: Some(v.id),
                search: Some(name.to_string()),
                include_missing: true,
                ..Default::default()
            })
            .await?
            .into_iter()
            .find(|s| s.record.name == name))
    }

    /// Obtain Certificate (seed §4.2): reads the secret's newest version from Key Vault, stores
    /// it as current, parses the certificate inside and links it as the secret's associated
    /// certificate (a certificate-backed secret links its Key Vault certificate). Audited as
    /// `secret.obtain_certificate`.
    pub async fn obtain_secret_certificate(
        &self,
        actor: &Actor,
        scope: &Scope,
        name: &str,
    ) -> Result<CertificateView, EngineError> {
        let target = target_of(scope, name);
        self.audited(
            actor,
            "secret.obtain_certificate",
            &target,
            self.tk_obtain_certificate(actor, scope, name),
        )
        .await
    }

    async fn tk_obtain_certificate(
        &self,
        actor: &Actor,
        scope: &Scope,
        name: &str,
    ) -> Result<CertificateView, EngineError> {
        let (c, v) = self.tk_vault_for_names(scope, &[name.to_string()]).await?;
        if self.tk_find_secret_row_any(&v, name).await?.is_none() {
            return Err(EngineError::NotFound {
                what: format!("secret '{name}' in Certkeep (discover or create it first)"),
            });
        }
        let work = async {
            let client = self.pool_for(&c)?.vault(&v.record.vault_uri)?;
            let versions = client.list_secret_versions(name).await?;
            let current = newest(&versions)
                .cloned()
                .ok_or_else(|| EngineError::NotFound {
                    what: format!("secret '{name}' in Key Vault"),
                })?;
            if !is_tls(&current) {
                return Err(EngineError::Refused {
                    reason: format!(
                        "the newest version of secret '{name}' is not a TLS secret (content type {})",
                        current.content_type.as_deref().unwrap_or("none")
                    ),
                });
            }
            let recs: Vec<_> = versions
                .iter()
                .filter(|s| is_tls(s))
                .map(|s| records::tls_secret_record(name, s, s.version == current.version))
                .collect();
            self.store
                .upsert_tls_secret_versions(v.id, &recs, self.now())
                .await?;
            let id = if current.managed {
                let bundle = client.get_certificate(name, Some(&current.version)).await?;
                let rec = records::bundle_record(&bundle, true)?;
                self.store
                    .upsert_certificates(v.id, &[rec], self.now())
                    .await?;
                self.tk_link(&v, name, &current.version, CertificateSource::KeyVault)
                    .await?
            } else {
                let secret = client.get_secret(name, Some(&current.version)).await?;
                let ct = secret.content_type.clone().unwrap_or_default();
                let chain = chain_in_secret(secret.value.expose_secret(), &ct)?;
                self.tk_store_secret_certificate(&v, name, &current, &chain[0])
                    .await?
            };
            let id = id.ok_or_else(|| EngineError::NotFound {
                what: format!("the certificate of secret '{name}'"),
            })?;
            let view = self
                .tk_certificate_view(&c, &v, name, id)
                .await?
                .ok_or_else(|| EngineError::NotFound {
                    what: format!("the certificate of secret '{name}'"),
                })?;
            let event = self.audit(
                actor,
                "secret.obtain_certificate",
                &format!("{}/{}/{name}", c.name, v.record.name),
                "succeeded",
                json!({"version": current.version, "certificate_id": id.0, "sha1": view.sha1}),
            );
            self.store.record_audit_event(event).await?;
            Ok(view)
        };
        self.with_lease(actor, LeaseKind::Secret, v.id, name, work)
            .await
    }

    /// View/Export the associated certificate of a secret's current version (seed §4.2): PEM
    /// or DER from the stored DER; a PEM chain from the secret's value in Key Vault. Never a
    /// private key. Audited as `secret.export`.
    pub async fn export_secret_certificate(
        &self,
        actor: &Actor,
        scope: &Scope,
        name: &str,
        format: ExportFormat,
    ) -> Result<Exported, EngineError> {
        let target = target_of(scope, name);
        self.audited(actor, "secret.export", &target, async {
            let (c, v) = self.tk_vault_for_names(scope, &[name.to_string()]).await?;
            let row = self.tk_current_secret(&v, name).await?;
            let id = row.certificate_id.ok_or_else(|| EngineError::NotFound {
                what: format!(
                    "the associated certificate of secret '{name}' (obtain it first)"
                ),
            })?;
            let cert = self
                .store
                .find_certificate(id)
                .await?
                .ok_or_else(|| EngineError::NotFound {
                    what: format!("the associated certificate of secret '{name}'"),
                })?;
            let exported = self
                .tk_export_der(&c, &v, &cert, Some((name, row.record.version.as_str())), format)
                .await?;
            let event = self.audit(
                actor,
                "secret.export",
                &format!("{}/{}/{name}", c.name, v.record.name),
                "succeeded",
                json!({"version": row.record.version, "format": format, "certificates": exported.certificates, "sha1": exported.sha1}),
            );
            self.store.record_audit_event(event).await?;
            Ok(exported)
        })
        .await
    }

    /// A stored certificate as PEM, DER or a PEM chain. The chain comes from the value of
    /// `secret` (name, version) in Key Vault when it can be read, else the stored leaf alone
    /// with a note.
    pub(crate) async fn tk_export_der(
        &self,
        c: &Credential,
        v: &Vault,
        cert: &certkeep_store::Certificate,
        secret: Option<(&str, &str)>,
        format: ExportFormat,
    ) -> Result<Exported, EngineError> {
        let der = &cert.record.der;
        let mut note = None;
        let (bytes, certificates) = match format {
            ExportFormat::Der => (der.clone(), 1),
            ExportFormat::Pem => (pem_of(std::slice::from_ref(der)).into_bytes(), 1),
            ExportFormat::Chain => {
                let chain = match secret {
                    Some((sname, sver)) => match self.tk_secret_chain(c, v, sname, sver).await {
                        Ok(chain) if chain.first() == Some(der) => Ok(chain),
                        Ok(_) => Err(format!(
                            "the value of secret '{sname}' version {sver} holds another certificate"
                        )),
                        Err(e) => Err(e.to_string()),
                    },
                    None => Err("no secret holds this certificate's chain".to_string()),
                };
                match chain {
                    Ok(chain) => (pem_of(&chain).into_bytes(), chain.len()),
                    Err(why) => {
                        note = Some(format!("only the certificate itself: {why}"));
                        (pem_of(std::slice::from_ref(der)).into_bytes(), 1)
                    }
                }
            }
        };
        Ok(Exported {
            vault: v.record.name.clone(),
            name: cert.record.name.clone(),
            version: cert.record.version.clone(),
            format,
            certificates,
            subject: cert.record.subject.clone(),
            sha1: cert.record.sha1_hex.clone(),
            note,
            bytes,
        })
    }

    async fn tk_secret_chain(
        &self,
        c: &Credential,
        v: &Vault,
        name: &str,
        version: &str,
    ) -> Result<Vec<Vec<u8>>, EngineError> {
        let client: std::sync::Arc<VaultClient> = self.pool_for(c)?.vault(&v.record.vault_uri)?;
        let secret = client
            .get_secret(name, Some(version))
            .await
            .map_err(|e| match e {
                AzureError::NotFound { .. } => EngineError::NotFound {
                    what: format!("secret '{name}' version {version} in Key Vault"),
                },
                other => other.into(),
            })?;
        let ct = secret.content_type.clone().unwrap_or_default();
        chain_in_secret(secret.value.expose_secret(), &ct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_days_or_rfc3339() {
        assert_eq!(parse_date("1970-01-02"), Ok(86_400));
        assert_eq!(parse_date("1970-01-01T00:01:00Z"), Ok(60));
        assert_eq!(parse_date("1970-01-01T01:00:00+01:00"), Ok(0));
        assert!(parse_date("tomorrow").is_err());
        assert!(parse_date("2026-13-01").is_err());
    }

    #[test]
    fn formats_are_guessed_from_the_content() {
        assert_eq!(
            guess_format(b"-----BEGIN CERTIFICATE-----\n"),
            UploadFormat::Pem
        );
        assert_eq!(guess_format(&[0x30, 0x82, 0x01]), UploadFormat::Pfx);
    }

    #[test]
    fn names_follow_key_vault_rules() {
        assert!(check_object_name("name", "tls-www-01").is_ok());
        assert!(check_object_name("name", "bad_name").is_err());
        assert!(check_object_name("name", &"a".repeat(128)).is_err());
        assert!(check_object_name("name", "").is_err());
    }
}
