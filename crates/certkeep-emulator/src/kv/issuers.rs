//! Certificate issuers (CRUD and list) and certificate contacts.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{ApiError, ApiResult, ok};
use crate::kv::model::{Contact, IssuerEntry};
use crate::kv::{Ctx, list_body, list_params, paging, wire};

#[derive(Debug, Default, Deserialize)]
struct Credentials {
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    pwd: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct IssuerAttributes {
    #[serde(default)]
    enabled: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct IssuerBody {
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    credentials: Option<Credentials>,
    #[serde(default)]
    org_details: Option<Value>,
    #[serde(default)]
    attributes: Option<IssuerAttributes>,
}

#[derive(Debug, Deserialize)]
struct ContactsBody {
    contacts: Option<Vec<Contact>>,
}

fn issuer_not_found() -> ApiError {
    ApiError::not_found("CertificateIssuerNotFound", "Issuer not found")
}

/// Key Vault adds `"zip":0` to organization details.
fn normalize_org(org: Option<Value>) -> Option<Value> {
    org.map(|mut o| {
        if let Some(map) = o.as_object_mut() {
            map.entry("zip").or_insert(json!(0));
        }
        o
    })
}

pub fn issuer_route(ctx: &Ctx, route: &str, name: &str) -> ApiResult {
    let base = ctx.base.as_str();
    let mut w = ctx.st.world.lock();
    let vault = w.vaults.get_mut(&ctx.vault).ok_or_else(issuer_not_found)?;
    let k = name.to_ascii_lowercase();
    match route {
        "kv.issuers.list" => {
            let (max, start) = list_params(ctx)?;
            let items = vault
                .issuers
                .iter()
                .map(|(k, i)| (k.clone(), wire::issuer_item(base, i)));
            let page = paging::page(items, start.as_deref(), max, false);
            ok(list_body(ctx, page.items, page.next))
        }
        "kv.issuers.get" => ok(wire::issuer(
            base,
            vault.issuers.get(&k).ok_or_else(issuer_not_found)?,
        )),
        "kv.issuers.delete" => ok(wire::issuer(
            base,
            &vault.issuers.remove(&k).ok_or_else(issuer_not_found)?,
        )),
        "kv.issuers.set" => {
            let body: IssuerBody = ctx.json()?;
            let provider = body
                .provider
                .filter(|p| !p.trim().is_empty())
                .ok_or_else(|| ApiError::bad_parameter("The issuer provider is required."))?;
            if name.eq_ignore_ascii_case("Self") || name.eq_ignore_ascii_case("Unknown") {
                return Err(ApiError::bad_parameter(format!(
                    "'{name}' is a reserved issuer name."
                )));
            }
            let creds = body.credentials.unwrap_or_default();
            let created = vault.issuers.get(&k).map(|i| i.created).unwrap_or(ctx.now);
            let issuer = IssuerEntry {
                name: name.to_string(),
                provider,
                account_id: creds.account_id,
                has_password: creds.pwd.is_some(),
                org_details: normalize_org(body.org_details),
                enabled: body.attributes.and_then(|a| a.enabled).unwrap_or(true),
                created,
                updated: ctx.now,
            };
            let out = wire::issuer(base, &issuer);
            vault.issuers.insert(k, issuer);
            ok(out)
        }
        _ => {
            let body: IssuerBody = ctx.json()?;
            let i = vault.issuers.get_mut(&k).ok_or_else(issuer_not_found)?;
            if let Some(p) = body.provider.filter(|p| !p.trim().is_empty()) {
                i.provider = p;
            }
            if let Some(c) = body.credentials {
                if c.account_id.is_some() {
                    i.account_id = c.account_id;
                }
                i.has_password |= c.pwd.is_some();
            }
            if body.org_details.is_some() {
                i.org_details = normalize_org(body.org_details);
            }
            if let Some(e) = body.attributes.and_then(|a| a.enabled) {
                i.enabled = e;
            }
            i.updated = ctx.now;
            ok(wire::issuer(base, i))
        }
    }
}

pub fn contacts_route(ctx: &Ctx, route: &str) -> ApiResult {
    let base = ctx.base.as_str();
    let mut w = ctx.st.world.lock();
    let vault = w
        .vaults
        .get_mut(&ctx.vault)
        .ok_or_else(contacts_not_found)?;
    match route {
        "kv.contacts.get" => ok(wire::contacts(
            base,
            vault.contacts.as_deref().ok_or_else(contacts_not_found)?,
        )),
        "kv.contacts.delete" => ok(wire::contacts(
            base,
            &vault.contacts.take().ok_or_else(contacts_not_found)?,
        )),
        _ => {
            let body: ContactsBody = ctx.json()?;
            let contacts = body
                .contacts
                .ok_or_else(|| ApiError::bad_parameter("contacts is required."))?;
            for (i, c) in contacts.iter().enumerate() {
                match &c.email {
                    Some(e) if e.contains('@') && !e.contains(' ') => {}
                    _ => {
                        return Err(ApiError::bad_parameter(format!(
                            "contacts[{i}].email must be an e-mail address."
                        )));
                    }
                }
            }
            let out = wire::contacts(base, &contacts);
            vault.contacts = Some(contacts);
            ok(out)
        }
    }
}

fn contacts_not_found() -> ApiError {
    ApiError::not_found("ContactsNotFound", "Contacts not found")
}
