//! The OpenAPI 3.1 document, generated from the handlers' annotations and the engine's view
//! types, served at `/api/openapi.json` with Swagger UI (vendored) at `/api/docs`.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Certkeep API",
        description = "Certificate lifecycle management for Azure Key Vault. Authenticate with `Authorization: Bearer ck_…` (an API token) or a session cookie from `POST /api/v1/session` (then send `X-CSRF-Token` with every change). Errors are `{\"error\":{\"code\",\"message\",\"field\"}}`.",
        license(name = "Apache-2.0")
    ),
    paths(
        api::health::live, api::health::ready,
        api::session::login, api::session::whoami, api::session::logout, api::session::change_password,
        api::users::list, api::users::create, api::users::show, api::users::update, api::users::delete, api::users::roles,
        api::tokens::list, api::tokens::create, api::tokens::revoke,
        api::settings::schedule, api::settings::set_schedule, api::settings::reset_schedule,
        api::credentials::list, api::credentials::show, api::credentials::add, api::credentials::rotate, api::credentials::remove,
        api::inventory::vaults, api::inventory::sync_vaults, api::inventory::issuers, api::inventory::sync_issuers,
        api::certificates::list, api::certificates::facets, api::certificates::versions, api::certificates::export,
        api::inventory::secrets, api::inventory::requests, api::inventory::request,
        api::inventory::sync_runs, api::inventory::summary, api::inventory::audit, api::inventory::verify,
        api::requests::create, api::requests::cancel, api::requests::delete_operation, api::requests::csr,
        api::requests::merge, api::requests::obtain,
        api::jobs::discovery, api::jobs::renew, api::jobs::poll, api::jobs::list, api::jobs::show,
        api::manage::delete_certificates, api::manage::delete_secrets, api::manage::exclusions, api::manage::remove_exclusion,
        api::secrets::create, api::secrets::update, api::secrets::rediscover, api::secrets::obtain_certificate,
        api::secrets::export_certificate,
    ),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "users", description = "Users and roles (admin)"),
        (name = "tokens", description = "API tokens"),
        (name = "settings", description = "Settings shared by every instance: the discovery schedule"),
        (name = "credentials", description = "Azure credentials (\"Manage\")"),
        (name = "vaults", description = "Key Vaults and issuers"),
        (name = "certificates", description = "The certificate inventory"),
        (name = "secrets", description = "TLS secrets"),
        (name = "requests", description = "Certificate requests (\"Request Status\")"),
        (name = "discovery", description = "Discovery runs"),
        (name = "audit", description = "The audit log"),
        (name = "jobs", description = "Background jobs: discovery, renewals, polling"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token, ck_…"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("__Host-certkeep_session"))),
        );
    }
}

/// The document as JSON.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
