//! Certificates: the listing (filters, facets, sort, pages), one certificate's versions, and
//! PEM / DER / chain downloads.

use axum::extract::{Path, State};
use axum::response::Response;
use certkeep_engine::Scope;
use certkeep_engine::access::Role;
use certkeep_engine::queries::CertificateFacetsView;
use certkeep_engine::views::{
    CertificateQuery, CertificateSort, CertificateView, IssuerKind, Listing, ShowVersions,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::params;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Filters of the certificate listing (every one narrows it).
#[derive(Deserialize, IntoParams, Default)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CertificateParams {
    pub credential: Option<String>,
    pub vault: Option<String>,
    /// `current` (default), `previous` or `all`.
    pub show: Option<String>,
    /// Text in the name, subject, a SAN or a thumbprint.
    pub search: Option<String>,
    /// `expired`, `expiring`, `healthy` or `missing`.
    pub state: Option<String>,
    pub expiring_within_days: Option<i64>,
    /// Policy issuer name (`Self`, `Unknown`, an issuer's name).
    pub issuer: Option<String>,
    /// `self_signed` (or `self`), `integrated_ca` or `unknown`, as listings spell it.
    pub issuer_kind: Option<String>,
    /// `RSA` or `EC`.
    pub key_type: Option<String>,
    /// `key` or `key=value`.
    pub tag: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub include_missing: bool,
    /// `not_after` (default), `name`, `vault`, `subject`, `issuer`, `key_type`, `discovered`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub order: Option<String>,
    pub offset: Option<u64>,
    /// 1 to 1000 (50 by default).
    pub limit: Option<u64>,
}

pub(crate) fn query(p: &CertificateParams) -> Result<CertificateQuery, ApiError> {
    let (state, expiring_within) = params::state(&p.state, p.expiring_within_days)?;
    let issuer_kind = match p.issuer_kind.as_deref() {
        None => None,
        Some("self" | "self_signed") => Some(IssuerKind::SelfSigned),
        Some("integrated_ca") => Some(IssuerKind::IntegratedCa),
        Some("unknown") => Some(IssuerKind::Unknown),
        Some(_) => {
            return Err(ApiError::invalid(
                "issuer_kind",
                "must be self_signed (or self), integrated_ca or unknown",
            ));
        }
    };
    let sort = match p.sort.as_deref() {
        None | Some("not_after") => CertificateSort::NotAfter,
        Some("name") => CertificateSort::Name,
        Some("vault") => CertificateSort::Vault,
        Some("subject") => CertificateSort::Subject,
        Some("issuer") => CertificateSort::Issuer,
        Some("key_type") => CertificateSort::KeyType,
        Some("discovered") => CertificateSort::DiscoveredAt,
        Some(_) => {
            return Err(ApiError::invalid(
                "sort",
                "must be not_after, name, vault, subject, issuer, key_type or discovered",
            ));
        }
    };
    Ok(CertificateQuery {
        scope: params::scope(&p.credential, &p.vault),
        show: params::show(&p.show)?,
        expiring_within,
        search: p.search.clone().filter(|s| !s.trim().is_empty()),
        include_missing: p.include_missing,
        issuer: p.issuer.clone(),
        issuer_kind,
        key_type: p.key_type.clone(),
        state,
        tag: params::tag(&p.tag)?,
        name: p.name.clone(),
        sort,
        descending: params::descending(&p.order)?,
        page: params::page(p.offset, p.limit)?,
    })
}

#[utoipa::path(operation_id = "certificates_list", get, path = "/api/v1/certificates", tag = "certificates", params(CertificateParams),
    responses((status = 200, description = "OK", body = Listing<CertificateView>), (status = 400, description = "Bad input: the error names the field", body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<CertificateParams>,
) -> ApiResult<axum::Json<Listing<CertificateView>>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(st.engine.list_certificates(&query(&p)?).await?))
}

#[utoipa::path(operation_id = "certificates_facets", get, path = "/api/v1/certificates/facets", tag = "certificates", params(CertificateParams),
    responses((status = 200, description = "OK", body = CertificateFacetsView), (status = 400, description = "Bad input: the error names the field", body = ErrorBody)))]
pub async fn facets(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(p): ApiQuery<CertificateParams>,
) -> ApiResult<axum::Json<CertificateFacetsView>> {
    auth.require(Role::Auditor)?;
    Ok(axum::Json(st.engine.certificate_facets(&query(&p)?).await?))
}

#[utoipa::path(operation_id = "certificates_versions", get, path = "/api/v1/vaults/{credential}/{vault}/certificates/{name}", tag = "certificates",
    params(("credential" = String, Path), ("vault" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = Listing<CertificateView>, description = "every version, newest first"),
              (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn versions(
    State(st): State<AppState>,
    auth: Auth,
    Path((credential, vault, name)): Path<(String, String, String)>,
) -> ApiResult<axum::Json<Listing<CertificateView>>> {
    auth.require(Role::Auditor)?;
    let listing = st
        .engine
        .list_certificates(&CertificateQuery {
            scope: Scope::vault(credential, vault.clone()),
            show: ShowVersions::All,
            name: Some(name.clone()),
            include_missing: true,
            sort: CertificateSort::NotAfter,
            descending: true,
            page: params::page(None, Some(certkeep_engine::views::MAX_PAGE_LIMIT))?,
            ..Default::default()
        })
        .await?;
    if listing.items.is_empty() {
        return Err(ApiError::not_found(format!(
            "certificate '{name}' in vault '{vault}' not found"
        )));
    }
    Ok(axum::Json(listing))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `pem` (default), `der` or `chain`.
    pub format: Option<String>,
    /// A version (the current one when absent).
    pub version: Option<String>,
}

#[utoipa::path(operation_id = "certificates_export", get, path = "/api/v1/vaults/{credential}/{vault}/certificates/{name}/export", tag = "certificates",
    params(("credential" = String, Path), ("vault" = String, Path), ("name" = String, Path), ExportParams),
    responses((status = 200, description = "the certificate (never a private key)", content_type = "application/x-pem-file"),
              (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn export(
    State(st): State<AppState>,
    auth: Auth,
    Path((credential, vault, name)): Path<(String, String, String)>,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    let principal = auth.require(Role::Auditor)?;
    let format = super::download::format(p.format.as_deref())?;
    let exported = st
        .engine
        .export_certificate(
            &principal.actor,
            &Scope::vault(credential, vault),
            &name,
            p.version.as_deref(),
            format,
        )
        .await?;
    Ok(super::download::attachment(exported, format))
}
