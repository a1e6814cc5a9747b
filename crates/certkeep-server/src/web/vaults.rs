//! The "Key Vault" and "Issuer" tabs: the imported vaults with their properties and state, and
//! "Sync" (vaults of one credential or all); a vault's issuers, and "Sync" for a chosen vault.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use certkeep_engine::access::Role;
use certkeep_engine::views::{IssuerView, VaultView};
use serde::Deserialize;

use super::form::PageForm;
use super::list_query::ListQuery;
use super::page::{Layout, PageResult, html, vault_keys};
use super::viewer::Viewer;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "vaults.html")]
struct VaultsPage {
    layout: Layout,
    tab: &'static str,
    notice: Option<String>,
    problem: Option<String>,
    vaults: Vec<VaultView>,
    credentials: Vec<String>,
    chosen: String,
}

async fn vaults_page(
    st: &AppState,
    viewer: &Viewer,
    credential: Option<&str>,
    notice: Option<String>,
    problem: Option<String>,
) -> PageResult {
    let credentials: Vec<String> = st
        .engine
        .list_credentials()
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let vaults = st.engine.list_vaults(credential).await?;
    Ok(html(
        StatusCode::OK,
        &VaultsPage {
            layout: viewer.layout("Key Vault", "certificates"),
            tab: "vaults",
            notice,
            problem,
            vaults,
            credentials,
            chosen: credential.unwrap_or_default().to_string(),
        },
    ))
}

pub(crate) async fn vaults(
    State(st): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    viewer.require(Role::Auditor)?;
    let q = ListQuery::parse(
        "/vaults",
        raw.as_deref().unwrap_or_default(),
        &["credential"],
    )?;
    vaults_page(&st, &viewer, q.get("credential"), None, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SyncVaultsForm {
    csrf: String,
    credential: String,
}

/// "Sync": imports the vaults of one credential (or all) again, and says what changed.
pub(crate) async fn sync_vaults(
    State(st): State<AppState>,
    viewer: Viewer,
    PageForm(f): PageForm<SyncVaultsForm>,
) -> PageResult {
    viewer.check_form(&f.csrf)?;
    viewer.require(Role::Operator)?;
    let credential = Some(f.credential.trim()).filter(|c| !c.is_empty());
    let (notice, problem) = match st
        .engine
        .sync_vaults(&viewer.principal.actor, credential)
        .await
    {
        Ok(reports) => {
            let mut ok = Vec::new();
            let mut failed = Vec::new();
            for r in reports {
                match (r.counts, r.error) {
                    (Some(c), _) => ok.push(format!(
                        "{}: {} new, {} updated, {} unchanged, {} missing",
                        r.credential, c.added, c.updated, c.unchanged, c.marked_missing
                    )),
                    (None, e) => failed.push(format!(
                        "{}: {}",
                        r.credential,
                        e.unwrap_or_else(|| "failed".into())
                    )),
                }
            }
            (
                (!ok.is_empty()).then(|| format!("Vaults synced. {}", ok.join("; "))),
                (!failed.is_empty()).then(|| format!("Sync failed for {}", failed.join("; "))),
            )
        }
        Err(e) => (None, Some(ApiError::from(e).message)),
    };
    vaults_page(&st, &viewer, credential, notice, problem).await
}

#[derive(Template)]
#[template(path = "issuers.html")]
struct IssuersPage {
    layout: Layout,
    tab: &'static str,
    notice: Option<String>,
    problem: Option<String>,
    /// "credential/vault" of every vault.
    vaults: Vec<String>,
    chosen: String,
    issuers: Vec<IssuerView>,
}

async fn issuers_page(
    st: &AppState,
    viewer: &Viewer,
    chosen: Option<&str>,
    notice: Option<String>,
    problem: Option<String>,
) -> PageResult {
    let vaults = vault_keys(st).await?;
    let chosen = chosen
        .map(str::to_string)
        .or_else(|| vaults.first().cloned())
        .unwrap_or_default();
    let issuers = match chosen.split_once('/') {
        Some((c, v)) => st.engine.list_issuers(c, v).await?,
        None => Vec::new(),
    };
    Ok(html(
        StatusCode::OK,
        &IssuersPage {
            layout: viewer.layout("Issuer", "certificates"),
            tab: "issuers",
            notice,
            problem,
            vaults,
            chosen,
            issuers,
        },
    ))
}

pub(crate) async fn issuers(
    State(st): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    viewer.require(Role::Auditor)?;
    let q = ListQuery::parse("/issuers", raw.as_deref().unwrap_or_default(), &["vault"])?;
    issuers_page(&st, &viewer, q.get("vault"), None, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SyncIssuersForm {
    csrf: String,
    /// "credential/vault".
    vault: String,
}

/// "Sync" with a choice of vault: reads the vault's issuers from Key Vault again.
pub(crate) async fn sync_issuers(
    State(st): State<AppState>,
    viewer: Viewer,
    PageForm(f): PageForm<SyncIssuersForm>,
) -> PageResult {
    viewer.check_form(&f.csrf)?;
    viewer.require(Role::Operator)?;
    let Some((credential, vault)) = f.vault.split_once('/') else {
        return issuers_page(
            &st,
            &viewer,
            None,
            None,
            Some("Key Vault: choose a vault to sync".into()),
        )
        .await;
    };
    let (notice, problem) = match st
        .engine
        .sync_issuers(&viewer.principal.actor, credential, vault)
        .await
    {
        Ok(r) => (
            Some(format!(
                "Issuers of {vault} synced: {} new, {} updated, {} unchanged, {} missing",
                r.counts.added, r.counts.updated, r.counts.unchanged, r.counts.marked_missing
            )),
            None,
        ),
        Err(e) => (None, Some(ApiError::from(e).message)),
    };
    issuers_page(&st, &viewer, Some(&f.vault), notice, problem).await
}
