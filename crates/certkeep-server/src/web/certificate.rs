//! One certificate: every parsed field of the chosen version (the current one by default),
//! every version on a timeline, and PEM / DER / chain downloads (the API's export).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use certkeep_engine::Scope;
use certkeep_engine::access::Role;
use certkeep_engine::views::{
    CertificateQuery, CertificateSort, CertificateView, MAX_PAGE_LIMIT, PageRequest, ShowVersions,
};

use certkeep_engine::policy_view::PolicyView;
use certkeep_engine::queries::SecretQuery;
use certkeep_engine::requests::{RequestQuery, RequestView};
use certkeep_engine::views::SecretView;

use super::chart::{self, VersionChart};
use super::list_query::ListQuery;
use super::page::{Layout, PageError, PageResult, html, path_segment};
use super::viewer::Viewer;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage {
    layout: Layout,
    c: CertificateView,
    versions: Vec<CertificateView>,
    chart: VersionChart,
    /// `/api/v1/vaults/{credential}/{vault}/certificates/{name}/export?version=…&format=`
    export: String,
    base: String,
    /// The latest requests and renewals of this certificate (requested vs issued criticality).
    requests: Vec<RequestView>,
    /// The TLS secret of the same name in the vault, when there is one.
    secret: Option<SecretView>,
}

pub(crate) async fn show(
    State(st): State<AppState>,
    viewer: Viewer,
    Path((credential, vault, name)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    viewer.require(Role::Auditor)?;
    if [&credential, &vault, &name]
        .iter()
        .any(|p| p.contains('\0'))
    {
        return Err(PageError::bad_request("a NUL character is not allowed"));
    }
    let q = ListQuery::parse("", raw.as_deref().unwrap_or_default(), &["version"])?;
    let versions = st
        .engine
        .list_certificates(&CertificateQuery {
            scope: Scope::vault(credential.clone(), vault.clone()),
            show: ShowVersions::All,
            name: Some(name.clone()),
            include_missing: true,
            sort: CertificateSort::NotAfter,
            descending: true,
            page: PageRequest::new(0, MAX_PAGE_LIMIT),
            ..Default::default()
        })
        .await?
        .items;
    let chosen = match q.get("version") {
        Some(v) => versions.iter().find(|c| c.version == v).ok_or_else(|| {
            PageError::not_found(format!("certificate '{name}' has no version '{v}'"))
        })?,
        None => versions
            .iter()
            .find(|c| c.current)
            .or(versions.first())
            .ok_or_else(|| {
                PageError::not_found(format!("certificate '{name}' in vault '{vault}' not found"))
            })?,
    };
    let c = chosen.clone();
    let base = format!(
        "/certificates/{}/{}/{}",
        path_segment(&credential),
        path_segment(&vault),
        path_segment(&name)
    );
    let export = format!(
        "/api/v1/vaults/{}/{}/certificates/{}/export?version={}&format=",
        path_segment(&credential),
        path_segment(&vault),
        path_segment(&name),
        path_segment(&c.version)
    );
    let scope = Scope::vault(credential.clone(), vault.clone());
    let requests_query = RequestQuery {
        scope: scope.clone(),
        certificate_name: Some(name.clone()),
        page: PageRequest::new(0, 5),
        ..Default::default()
    };
    let secret_query = SecretQuery {
        scope,
        name: Some(name.clone()),
        ..Default::default()
    };
    let (requests, secrets) = tokio::try_join!(
        st.engine.list_requests(&requests_query),
        st.engine.list_secrets(&secret_query)
    )?;
    Ok(html(
        StatusCode::OK,
        &CertificatePage {
            layout: viewer.layout(name.clone(), "certificates"),
            chart: chart::versions(&versions, &c.version),
            c,
            versions,
            export,
            base,
            requests: requests.items,
            secret: secrets.items.into_iter().next(),
        },
    ))
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyFragment {
    policy: Result<PolicyView, String>,
}

#[derive(Template)]
#[template(path = "policy_page.html")]
struct PolicyPage {
    layout: Layout,
    name: String,
    back: String,
    policy: Result<PolicyView, String>,
}

/// The certificate's policy, read from Key Vault now: a fragment for htmx (the page loads it
/// after it is shown), a page of its own without JavaScript.
pub(crate) async fn policy(
    State(st): State<AppState>,
    viewer: Viewer,
    Path((credential, vault, name)): Path<(String, String, String)>,
    headers: axum::http::HeaderMap,
) -> PageResult {
    viewer.require(Role::Auditor)?;
    let policy = st
        .engine
        .certificate_policy(&Scope::vault(credential.clone(), vault.clone()), &name)
        .await
        .map_err(|e| crate::error::ApiError::from(e).message);
    if headers.contains_key("hx-request") {
        return Ok(html(StatusCode::OK, &PolicyFragment { policy }));
    }
    Ok(html(
        StatusCode::OK,
        &PolicyPage {
            layout: viewer.layout(format!("Policy of {name}"), "certificates"),
            back: format!(
                "/certificates/{}/{}/{}",
                path_segment(&credential),
                path_segment(&vault),
                path_segment(&name)
            ),
            name,
            policy,
        },
    ))
}
