//! "Azure Secrets": the TLS secrets (current versions by default, filters in the URL), with
//! "Discovery", "Create Secret" (a PFX or PEM upload with its password, activation and expiry
//! dates and status), "Update Secret", "Rediscover", "Obtain Certificate", "View Associated
//! Certificate" with export, and "Delete" (from Certkeep only, after a confirmation).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use certkeep_engine::Scope;
use certkeep_engine::access::Role;
use certkeep_engine::queries::SecretQuery;
use certkeep_engine::tls_manage::{CreateSecret, UpdateSecret, UploadFormat, parse_date};
use certkeep_engine::views::{Listing, SecretView};

use super::fields::{Field, place_errors};
use super::form::FormPairs;
use super::list_query::ListQuery;
use super::page::{Layout, PageError, PageResult, html, path_segment, vault_keys};
use super::viewer::Viewer;
use crate::api::params;
use crate::error::ApiError;
use crate::state::AppState;

const KEYS: &[&str] = &[
    "credential",
    "vault",
    "show",
    "search",
    "state",
    "offset",
    "limit",
];

#[derive(Template)]
#[template(path = "secrets.html")]
struct SecretsPage {
    layout: Layout,
    tab: &'static str,
    notice: Option<String>,
    problem: Option<String>,
    q: ListQuery,
    listing: Listing<SecretView>,
    states: [&'static str; 4],
    prev: Option<String>,
    next: Option<String>,
}

async fn secrets_page(
    st: &AppState,
    viewer: &Viewer,
    q: ListQuery,
    status: StatusCode,
    notice: Option<String>,
    problem: Option<String>,
) -> PageResult {
    let text = |k: &str| q.get(k).map(str::to_string);
    let (state, expiring_within) = params::state(&text("state"), None)?;
    let listing = st
        .engine
        .list_secrets(&SecretQuery {
            scope: params::scope(&text("credential"), &text("vault")),
            show: params::show(&text("show"))?,
            expiring_within,
            search: text("search"),
            include_missing: text("state").as_deref() == Some("missing"),
            state,
            page: params::page(q.number("offset")?, q.number("limit")?)?,
            ..Default::default()
        })
        .await?;
    let (prev, next) = q.pager(&listing);
    Ok(html(
        status,
        &SecretsPage {
            layout: viewer.layout("Azure Secrets", "certificates"),
            tab: "secrets",
            notice,
            problem,
            prev,
            next,
            listing,
            states: ["expired", "expiring", "healthy", "missing"],
            q,
        },
    ))
}

pub(crate) async fn list(
    State(st): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    viewer.require(Role::Auditor)?;
    let q = ListQuery::parse("/secrets", raw.as_deref().unwrap_or_default(), KEYS)?;
    secrets_page(&st, &viewer, q, StatusCode::OK, None, None).await
}

/// The list of one vault after an action, with what happened.
async fn after(
    st: &AppState,
    viewer: &Viewer,
    credential: &str,
    vault: &str,
    outcome: Result<String, ApiError>,
) -> PageResult {
    let raw = form_urlencoded::Serializer::new(String::new())
        .append_pair("credential", credential)
        .append_pair("vault", vault)
        .finish();
    let q = ListQuery::parse("/secrets", &raw, KEYS)?;
    match outcome {
        Ok(n) => secrets_page(st, viewer, q, StatusCode::OK, Some(n), None).await,
        Err(e) => secrets_page(st, viewer, q, e.status, None, Some(e.message)).await,
    }
}

fn date(field: &'static str, text: &str) -> Result<Option<i64>, ApiError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    parse_date(t)
        .map(Some)
        .map_err(|reason| ApiError::invalid(field, reason))
}

#[derive(Template)]
#[template(path = "secret_form.html")]
struct SecretFormPage {
    layout: Layout,
    /// `create` or `update`.
    mode: &'static str,
    title: String,
    action: String,
    fields: Vec<Field>,
    enabled: bool,
    problem: Option<String>,
}

async fn create_fields(
    st: &AppState,
    f: &BTreeMap<String, String>,
) -> Result<Vec<Field>, PageError> {
    let vaults: Vec<(String, String)> = vault_keys(st)
        .await?
        .into_iter()
        .map(|k| (k.clone(), k))
        .collect();
    let v = |k: &str| f.get(k).map(String::as_str).unwrap_or_default();
    let mut password = Field::password("password", "Password");
    password.required = false;
    password.help = "the PFX's password: used to read it, never stored";
    let mut activation = Field::text("activation", "Activation Date", v("activation"))
        .help("YYYY-MM-DD or RFC 3339; empty: none");
    activation.required = false;
    let mut expiration = Field::text("expiration", "Expiry Date", v("expiration"))
        .help("YYYY-MM-DD or RFC 3339; empty: the certificate's notAfter");
    expiration.required = false;
    let mut tags = Field::text("tags", "Tags", v("tags")).help("comma-separated key=value");
    tags.required = false;
    Ok(vec![
        Field::select("vault", "Key Vault", v("vault"), vaults),
        Field::text("name", "Secret Name", v("name")).help("letters, digits and '-'"),
        Field {
            kind: "file",
            ..Field::text("file", "Certificate file", "")
                .help("PFX (PKCS#12) or PEM with its private key")
        },
        Field::select(
            "format",
            "Format",
            v("format"),
            vec![("pfx".into(), "PFX".into()), ("pem".into(), "PEM".into())],
        ),
        password,
        activation,
        expiration,
        tags,
    ])
}

pub(crate) async fn new(State(st): State<AppState>, viewer: Viewer) -> PageResult {
    viewer.require(Role::Operator)?;
    let fields = create_fields(&st, &BTreeMap::new()).await?;
    Ok(html(
        StatusCode::OK,
        &SecretFormPage {
            layout: viewer.layout("Create Secret", "certificates"),
            mode: "create",
            title: "Create Secret".into(),
            action: "/secrets/create".into(),
            fields,
            enabled: true,
            problem: None,
        },
    ))
}

/// "Create Secret": the upload is checked (it must hold a certificate and its key), written to
/// Key Vault, and its certificate recorded.
pub(crate) async fn create(
    State(st): State<AppState>,
    viewer: Viewer,
    multipart: Multipart,
) -> PageResult {
    let allowed = [
        "csrf",
        "vault",
        "name",
        "format",
        "password",
        "activation",
        "expiration",
        "enabled",
        "tags",
    ];
    let upload = crate::multipart::read(multipart, &allowed)
        .await
        .map_err(PageError::from)?;
    viewer.check_form(upload.text("csrf").unwrap_or_default())?;
    viewer.require(Role::Operator)?;
    // What is shown again on an error: never the password, never the file.
    let mut kept = upload.fields.clone();
    kept.remove("password");
    let result = async {
        let (credential, vault) = upload
            .text("vault")
            .and_then(|v| v.split_once('/'))
            .ok_or_else(|| ApiError::invalid("vault", "choose a Key Vault"))?;
        let file = upload
            .file
            .clone()
            .filter(|f| !f.is_empty())
            .ok_or_else(|| ApiError::invalid("file", "choose the PFX or PEM file to upload"))?;
        let format = match upload.text("format") {
            None | Some("pfx") => Some(UploadFormat::Pfx),
            Some("pem") => Some(UploadFormat::Pem),
            Some(_) => return Err(ApiError::invalid("format", "must be pfx or pem")),
        };
        let tags = crate::api::params::tag_list("tags", upload.text("tags").unwrap_or_default())?;
        let created = st
            .engine
            .create_tls_secret(
                &viewer.principal.actor,
                CreateSecret {
                    scope: Scope::vault(credential.to_string(), vault.to_string()),
                    name: upload.text("name").unwrap_or_default().to_string(),
                    file,
                    format,
                    password: upload
                        .text("password")
                        .unwrap_or_default()
                        .to_string()
                        .into(),
                    activation: date("activation", upload.text("activation").unwrap_or_default())?,
                    expiration: date("expiration", upload.text("expiration").unwrap_or_default())?,
                    enabled: upload.text("enabled") == Some("true"),
                    tags,
                    new_version: false,
                },
            )
            .await?;
        Ok::<_, ApiError>((credential.to_string(), vault.to_string(), created))
    }
    .await;
    match result {
        Ok((credential, vault, c)) => {
            let notice = format!(
                "Created secret {} in {vault}: {} certificate(s) in its chain{}",
                c.secret.name,
                c.chain_length,
                if c.certificate.is_some() {
                    ", its certificate recorded"
                } else {
                    ""
                }
            );
            after(&st, &viewer, &credential, &vault, Ok(notice)).await
        }
        Err(e) => {
            let mut fields = create_fields(&st, &kept).await?;
            let problem = place_errors(&mut fields, &e);
            Ok(html(
                e.status,
                &SecretFormPage {
                    layout: viewer.layout("Create Secret", "certificates"),
                    mode: "create",
                    title: "Create Secret".into(),
                    action: "/secrets/create".into(),
                    fields,
                    enabled: kept.get("enabled").map(String::as_str) == Some("true"),
                    problem,
                },
            ))
        }
    }
}

fn update_fields(activation: &str, expiration: &str) -> Vec<Field> {
    let mut a = Field::text("activation", "Activation Date", activation)
        .help("YYYY-MM-DD or RFC 3339; empty: unchanged");
    a.required = false;
    let mut e = Field::text("expiration", "Expiry Date", expiration)
        .help("YYYY-MM-DD or RFC 3339; empty: unchanged");
    e.required = false;
    vec![a, e]
}

/// "Update Secret": the current version's dates and status.
pub(crate) async fn edit(
    State(st): State<AppState>,
    viewer: Viewer,
    Path((credential, vault, name)): Path<(String, String, String)>,
) -> PageResult {
    viewer.require(Role::Operator)?;
    let current = st
        .engine
        .list_secrets(&SecretQuery {
            scope: Scope::vault(credential.clone(), vault.clone()),
            name: Some(name.clone()),
            ..Default::default()
        })
        .await?
        .items
        .into_iter()
        .next()
        .ok_or_else(|| {
            PageError::not_found(format!("secret '{name}' in vault '{vault}' not found"))
        })?;
    let day = |t: Option<certkeep_engine::views::Timestamp>| {
        t.map(|t| t.rfc3339()[..10].to_string()).unwrap_or_default()
    };
    Ok(html(
        StatusCode::OK,
        &SecretFormPage {
            layout: viewer.layout("Update Secret", "certificates"),
            mode: "update",
            title: format!("Update Secret {name}"),
            action: format!(
                "/secrets/{}/{}/{}",
                path_segment(&credential),
                path_segment(&vault),
                path_segment(&name)
            ),
            fields: update_fields(&day(current.activation), &day(current.expires)),
            enabled: current.enabled,
            problem: None,
        },
    ))
}

pub(crate) async fn update(
    State(st): State<AppState>,
    viewer: Viewer,
    Path((credential, vault, name)): Path<(String, String, String)>,
    f: FormPairs,
) -> PageResult {
    viewer.check_form(f.get("csrf"))?;
    viewer.require(Role::Operator)?;
    let result = async {
        let input = UpdateSecret {
            scope: Scope::vault(credential.clone(), vault.clone()),
            name: name.clone(),
            activation: date("activation", f.get("activation"))?,
            expiration: date("expiration", f.get("expiration"))?,
            enabled: Some(f.get("enabled") == "true"),
        };
        Ok::<_, ApiError>(
            st.engine
                .update_tls_secret(&viewer.principal.actor, input)
                .await?,
        )
    }
    .await;
    match result {
        Ok(s) => {
            let notice = format!(
                "Updated {} in Key Vault ({})",
                s.name,
                if s.enabled { "enabled" } else { "disabled" }
            );
            after(&st, &viewer, &credential, &vault, Ok(notice)).await
        }
        Err(e) => {
            let mut fields = update_fields(f.get("activation"), f.get("expiration"));
            let problem = place_errors(&mut fields, &e);
            Ok(html(
                e.status,
                &SecretFormPage {
                    layout: viewer.layout("Update Secret", "certificates"),
                    mode: "update",
                    title: format!("Update Secret {name}"),
                    action: format!(
                        "/secrets/{}/{}/{}",
                        path_segment(&credential),
                        path_segment(&vault),
                        path_segment(&name)
                    ),
                    fields,
                    enabled: f.get("enabled") == "true",
                    problem,
                },
            ))
        }
    }
}

/// "Rediscover" and "Obtain Certificate" of one secret.
pub(crate) async fn act(
    State(st): State<AppState>,
    viewer: Viewer,
    Path((credential, vault, name, action)): Path<(String, String, String, String)>,
    f: FormPairs,
) -> PageResult {
    act_on(&st, &viewer, credential, vault, name, &action, &f).await
}

/// The confirmed "Delete" (from Certkeep only).
pub(crate) async fn act_delete(
    State(st): State<AppState>,
    viewer: Viewer,
    Path((credential, vault, name)): Path<(String, String, String)>,
    f: FormPairs,
) -> PageResult {
    act_on(&st, &viewer, credential, vault, name, "delete", &f).await
}

async fn act_on(
    st: &AppState,
    viewer: &Viewer,
    credential: String,
    vault: String,
    name: String,
    action: &str,
    f: &FormPairs,
) -> PageResult {
    viewer.check_form(f.get("csrf"))?;
    viewer.require(Role::Operator)?;
    let scope = Scope::vault(credential.clone(), vault.clone());
    let outcome = match action {
        "rediscover" => st
            .engine
            .rediscover_secrets(&viewer.principal.actor, &scope, std::slice::from_ref(&name))
            .await
            .map(|reports| {
                reports
                    .iter()
                    .map(|r| {
                        let mut t = format!("Rediscovered {}: {} ({} new, {} updated version(s))", r.name, r.outcome, r.versions_added, r.versions_updated);
                        if let Some(e) = &r.error {
                            t.push_str(&format!(": {e}"));
                        }
                        t
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .map_err(ApiError::from),
        "obtain-certificate" => st
            .engine
            .obtain_secret_certificate(&viewer.principal.actor, &scope, &name)
            .await
            .map(|c| format!("Obtained the certificate of {name}: {} ({}), expires {}", c.subject, c.key, c.not_after.minutes()))
            .map_err(ApiError::from),
        "delete" => st
            .engine
            .delete_tls_secrets(&viewer.principal.actor, &scope, std::slice::from_ref(&name), f.get("exclude_from_discovery") == "true")
            .await
            .map(|r| format!("Deleted {name} from Certkeep ({} stored version(s)). Nothing was changed in Azure.", r.versions_deleted))
            .map_err(ApiError::from),
        other => return Err(PageError::not_found(format!("no secret action '{other}'"))),
    };
    after(st, viewer, &credential, &vault, outcome).await
}

#[derive(Template)]
#[template(path = "secret_delete.html")]
struct DeletePage {
    layout: Layout,
    credential: String,
    vault: String,
    name: String,
    action: String,
}

pub(crate) async fn confirm_delete(
    viewer: Viewer,
    Path((credential, vault, name)): Path<(String, String, String)>,
) -> PageResult {
    viewer.require(Role::Operator)?;
    Ok(html(
        StatusCode::OK,
        &DeletePage {
            layout: viewer.layout("Delete secret", "certificates"),
            action: format!(
                "/secrets/{}/{}/{}/delete",
                path_segment(&credential),
                path_segment(&vault),
                path_segment(&name)
            ),
            credential,
            vault,
            name,
        },
    ))
}
