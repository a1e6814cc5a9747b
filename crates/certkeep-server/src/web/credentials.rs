//! "Manage": the Azure credentials. Everyone signed in sees them (never a secret); an admin adds
//! one (Credential Name, Subscription ID, Directory ID, Application ID, Key: checked against
//! Azure first, its vaults imported), rotates its key, or removes it (from Certkeep only).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use certkeep_azure::secrecy::SecretString;
use certkeep_engine::access::Role;
use certkeep_engine::credentials::{AddCredential, CredentialView};
use serde::Deserialize;

use super::fields::{Field, place_errors};
use super::form::{CsrfForm, PageForm};
use super::page::{Layout, PageError, PageResult, html};
use super::viewer::Viewer;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "credentials.html")]
struct CredentialsPage {
    layout: Layout,
    tab: &'static str,
    notice: Option<String>,
    problem: Option<String>,
    credentials: Vec<CredentialView>,
    add: Vec<Field>,
    /// Which credential a rotation error belongs to.
    rotate_error: Option<(String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct AddForm {
    csrf: String,
    name: String,
    cloud: String,
    tenant_id: String,
    subscription_id: String,
    client_id: String,
    client_secret: String,
}

fn add_fields(st: &AppState, f: &AddForm) -> Vec<Field> {
    let clouds = st
        .engine
        .config()
        .clouds
        .keys()
        .map(|c| (c.clone(), c.clone()))
        .collect();
    let cloud = if f.cloud.is_empty() {
        "AzurePublic"
    } else {
        &f.cloud
    };
    vec![
        Field::text("name", "Credential Name", &f.name)
            .help("letters, digits, space, '.', '_' and '-'"),
        Field::select("cloud", "Cloud", cloud, clouds),
        Field::text("subscription_id", "Subscription ID", &f.subscription_id),
        Field::text("tenant_id", "Directory ID", &f.tenant_id)
            .help("the Entra tenant (directory) ID"),
        Field::text("client_id", "Application ID", &f.client_id)
            .help("the app registration's client ID"),
        // The key is never sent back to the browser, even after an error.
        Field::password("client_secret", "Key")
            .help("the application's client secret: sealed at rest, never shown again"),
    ]
}

struct Shown {
    status: StatusCode,
    notice: Option<String>,
    problem: Option<String>,
    add: Option<Vec<Field>>,
    rotate_error: Option<(String, String)>,
}

impl Default for Shown {
    fn default() -> Self {
        Self {
            status: StatusCode::OK,
            notice: None,
            problem: None,
            add: None,
            rotate_error: None,
        }
    }
}

async fn credentials_page(st: &AppState, viewer: &Viewer, shown: Shown) -> PageResult {
    Ok(html(
        shown.status,
        &CredentialsPage {
            layout: viewer.layout("Manage", "certificates"),
            tab: "credentials",
            notice: shown.notice,
            problem: shown.problem,
            credentials: st.engine.list_credentials().await?,
            add: shown
                .add
                .unwrap_or_else(|| add_fields(st, &AddForm::default())),
            rotate_error: shown.rotate_error,
        },
    ))
}

pub(crate) async fn list(State(st): State<AppState>, viewer: Viewer) -> PageResult {
    viewer.require(Role::Auditor)?;
    credentials_page(&st, &viewer, Shown::default()).await
}

/// "Add": the engine checks every field, then Azure, then imports the vaults.
pub(crate) async fn add(
    State(st): State<AppState>,
    viewer: Viewer,
    PageForm(f): PageForm<AddForm>,
) -> PageResult {
    viewer.check_form(&f.csrf)?;
    viewer.require(Role::Admin)?;
    let input = AddCredential {
        name: f.name.clone(),
        cloud: if f.cloud.is_empty() {
            "AzurePublic".into()
        } else {
            f.cloud.clone()
        },
        tenant_id: f.tenant_id.clone(),
        subscription_id: f.subscription_id.clone(),
        client_id: f.client_id.clone(),
        client_secret: SecretString::from(f.client_secret.clone()),
    };
    match st
        .engine
        .add_credential(&viewer.principal.actor, input)
        .await
    {
        Ok(added) => {
            let v = added.vaults;
            let notice = format!(
                "{} credential {}: {} vaults imported ({} new, {} updated, {} unchanged)",
                if added.already_existed {
                    "Synced existing"
                } else {
                    "Added"
                },
                added.credential.name,
                v.added + v.updated + v.unchanged,
                v.added,
                v.updated,
                v.unchanged
            );
            credentials_page(
                &st,
                &viewer,
                Shown {
                    notice: Some(notice),
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => {
            let e = ApiError::from(e);
            let mut fields = add_fields(&st, &f);
            let problem = place_errors(&mut fields, &e);
            credentials_page(
                &st,
                &viewer,
                Shown {
                    status: e.status,
                    problem,
                    add: Some(fields),
                    ..Default::default()
                },
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct RotateForm {
    csrf: String,
    client_secret: String,
}

/// Rotates a credential's key (checked against Azure before it replaces the old one).
pub(crate) async fn rotate(
    State(st): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
    PageForm(f): PageForm<RotateForm>,
) -> PageResult {
    viewer.check_form(&f.csrf)?;
    viewer.require(Role::Admin)?;
    let shown = match st
        .engine
        .update_credential_secret(
            &viewer.principal.actor,
            &name,
            SecretString::from(f.client_secret),
        )
        .await
    {
        Ok(c) => Shown {
            notice: Some(format!(
                "The key of {} was replaced (checked against Azure first)",
                c.name
            )),
            ..Default::default()
        },
        Err(e) => {
            let e = ApiError::from(e);
            Shown {
                status: e.status,
                rotate_error: Some((name, e.message)),
                ..Default::default()
            }
        }
    };
    credentials_page(&st, &viewer, shown).await
}

#[derive(Template)]
#[template(path = "credential_remove.html")]
struct RemovePage {
    layout: Layout,
    name: String,
    vaults: usize,
    certificates: u64,
}

/// The confirmation of a removal: what Certkeep forgets, and that Azure is untouched.
pub(crate) async fn confirm_remove(
    State(st): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
) -> PageResult {
    viewer.require(Role::Admin)?;
    let c = st.engine.show_credential(&name).await?;
    let certificates = st.engine.credential_certificate_count(&name).await?;
    Ok(html(
        StatusCode::OK,
        &RemovePage {
            layout: viewer.layout("Remove credential", "certificates"),
            name: c.name,
            vaults: c.vaults,
            certificates,
        },
    ))
}

pub(crate) async fn remove(
    State(st): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    viewer.check_form(&f.csrf)?;
    viewer.require(Role::Admin)?;
    let removed = st
        .engine
        .remove_credential(&viewer.principal.actor, &name)
        .await
        .map_err(PageError::from)?;
    let c = removed.counts;
    let notice = format!(
        "Removed {} from Certkeep: {} vaults, {} certificate versions and {} TLS secret versions forgotten. Nothing was changed in Azure.",
        removed.credential, c.vaults, c.certificates, c.tls_secrets
    );
    credentials_page(
        &st,
        &viewer,
        Shown {
            notice: Some(notice),
            ..Default::default()
        },
    )
    .await
}
