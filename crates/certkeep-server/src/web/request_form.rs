//! "Request Certificate": the whole form of the seed (vault, name, domain name, SANs, e-mail,
//! key, subject, validity, lifetime action, issuer, format), with "Advanced Options" for key
//! usage and EKU, each with its critical checkbox. The engine validates it exactly as for the
//! API and the CLI, and every bad field is shown next to it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use certkeep_core::keyvault::{KEY_USAGES, KNOWN_EKUS};
use certkeep_core::request::{Criticality, RawRequest};
use certkeep_engine::Scope;
use certkeep_engine::access::Role;
use certkeep_engine::requests::CertificateRequestInput;

use super::fields::{Field, place_errors};
use super::form::FormPairs;
use super::list_query::ListQuery;
use super::page::{Layout, PageResult, html};
use super::viewer::Viewer;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "request_form.html")]
struct RequestFormPage {
    layout: Layout,
    problem: Option<String>,
    main: Vec<Field>,
    subject: Vec<Field>,
    policy: Vec<Field>,
    /// (name, checked)
    key_usages: Vec<(&'static str, bool)>,
    ekus: Vec<(&'static str, &'static str, bool)>,
    other_ekus: Field,
    ku_critical: bool,
    eku_critical: bool,
    ku_error: Option<String>,
    eku_error: Option<String>,
}

fn options(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .collect()
}

async fn form_page(
    st: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    f: &FormPairs,
    error: Option<&ApiError>,
) -> PageResult {
    let vaults: Vec<(String, String)> = st
        .engine
        .list_vaults(None)
        .await?
        .into_iter()
        .filter(|v| !v.missing)
        .map(|v| {
            let key = format!("{}/{}", v.credential, v.name);
            (key.clone(), format!("{key} ({})", v.sku))
        })
        .collect();
    let v = |k: &str| f.get(k);
    let or = |k: &str, d: &'static str| if f.get(k).is_empty() { d } else { f.get(k) };
    let mut main = vec![
        Field::select("vault", "Key Vault", v("vault"), vaults),
        Field::text("name", "Certificate Name", v("name"))
            .help("letters, digits and '-', up to 127"),
        Field::text("common_name", "Domain Name", v("common_name"))
            .help("the subject's CN, e.g. www.contoso.com"),
        Field::text("sans", "Subject Alternative Names", v("sans"))
            .help("comma-separated DNS names; email:, upn:, ip:, uri: for other kinds"),
        Field::text("email", "E-mail", v("email")),
        Field::select(
            "key",
            "Key Type",
            or("key", "RSA"),
            options(&[
                ("RSA", "RSA"),
                ("EC", "EC"),
                ("RSA-HSM", "RSA-HSM (premium vault)"),
                ("EC-HSM", "EC-HSM (premium vault)"),
            ]),
        ),
        // Empty is the key type's default; a size for EC or a curve for RSA is refused.
        Field::select(
            "key_size",
            "Key Size (RSA)",
            v("key_size"),
            options(&[
                ("", "RSA only: 2048 by default"),
                ("2048", "2048"),
                ("3072", "3072"),
                ("4096", "4096"),
            ]),
        ),
        Field::select(
            "curve",
            "Curve (EC)",
            v("curve"),
            options(&[
                ("", "EC only: P-256 by default"),
                ("P-256", "P-256"),
                ("P-384", "P-384"),
                ("P-521", "P-521"),
            ]),
        ),
    ];
    let mut subject = vec![
        Field::text("organization", "Organization", v("organization")),
        Field::text(
            "organizational_unit",
            "Organizational Unit",
            v("organizational_unit"),
        ),
        Field::text("locality", "Locality", v("locality")),
        Field::text("state", "State", v("state")),
        Field::text("country", "Country", v("country")).help("two letters"),
    ];
    let mut policy = vec![
        Field::text(
            "validity_months",
            "Validity (months)",
            or("validity_months", "12"),
        ),
        Field::select(
            "lifetime_action",
            "Lifetime Action Type",
            v("lifetime_action"),
            options(&[
                ("", "Key Vault's default"),
                ("AutoRenew", "AutoRenew"),
                ("EmailContacts", "EmailContacts"),
            ]),
        ),
        Field::text(
            "days_before_expiry",
            "Days before expiry",
            v("days_before_expiry"),
        )
        .help("empty: at 80% of the lifetime"),
        Field::text("issuer", "Issuer", or("issuer", "Self"))
            .help("Self, Unknown (you sign the CSR with your CA), or one of the vault's issuers"),
        Field::select(
            "content_type",
            "Content Type",
            or("content_type", "pfx"),
            options(&[("pfx", "PKCS#12 (PFX)"), ("pem", "PEM")]),
        ),
        Field::text("tags", "Tags", v("tags")).help("comma-separated key=value"),
    ];
    for list in [&mut main, &mut subject, &mut policy] {
        for field in list.iter_mut() {
            field.required = matches!(field.name, "vault" | "name" | "common_name");
        }
    }
    let chosen_ku = f.all("key_usage");
    let chosen_eku = f.all("eku");
    let mut other_ekus = Field::text("eku_other", "Other EKU OIDs", v("eku_other"))
        .help("comma-separated dotted OIDs");
    other_ekus.required = false;
    let mut problem = None;
    let (mut ku_error, mut eku_error) = (None, None);
    if let Some(e) = error {
        let mut all: Vec<Field> = Vec::new();
        all.append(&mut main);
        all.append(&mut subject);
        all.append(&mut policy);
        problem = place_errors(&mut all, e);
        for p in &e.fields {
            match p.field.as_str() {
                "key_usage" => ku_error = Some(p.message.clone()),
                "eku" => eku_error = Some(p.message.clone()),
                _ => {}
            }
        }
        if e.fields.is_empty() {
            match e.field.as_deref() {
                Some("key_usage") => ku_error = Some(e.message.clone()),
                Some("eku") => eku_error = Some(e.message.clone()),
                _ => {}
            }
        }
        if ku_error.is_some() || eku_error.is_some() {
            problem = problem.filter(|_| e.fields.len() > 1);
        }
        policy = all.split_off(13);
        subject = all.split_off(8);
        main = all;
    }
    Ok(html(
        status,
        &RequestFormPage {
            layout: viewer.layout("Request Certificate", "certificates"),
            problem,
            main,
            subject,
            policy,
            key_usages: KEY_USAGES
                .iter()
                .map(|k| (*k, chosen_ku.iter().any(|c| c == k)))
                .collect(),
            ekus: KNOWN_EKUS
                .iter()
                .map(|(oid, n)| (*oid, *n, chosen_eku.iter().any(|c| c == oid)))
                .collect(),
            other_ekus,
            ku_critical: f.get("ku_critical") == "true",
            eku_critical: f.get("eku_critical") == "true",
            ku_error,
            eku_error,
        },
    ))
}

pub(crate) async fn new(State(st): State<AppState>, viewer: Viewer) -> PageResult {
    viewer.require(Role::Operator)?;
    form_page(&st, &viewer, StatusCode::OK, &FormPairs(Vec::new()), None).await
}

fn raw_request(f: &FormPairs) -> RawRequest {
    let mut eku = f.all("eku");
    if !f.get("eku_other").trim().is_empty() {
        eku.push(f.get("eku_other").to_string());
    }
    RawRequest {
        name: f.get("name").into(),
        common_name: f.get("common_name").into(),
        sans: f.get("sans").into(),
        email: f.get("email").into(),
        key: f.get("key").into(),
        key_size: f.get("key_size").into(),
        curve: f.get("curve").into(),
        organization: f.get("organization").into(),
        organizational_unit: f.get("organizational_unit").into(),
        locality: f.get("locality").into(),
        state: f.get("state").into(),
        country: f.get("country").into(),
        validity_months: f.get("validity_months").into(),
        lifetime_action: f.get("lifetime_action").into(),
        days_before_expiry: f.get("days_before_expiry").into(),
        key_usage: f.all("key_usage"),
        eku,
        critical: Criticality {
            key_usage: f.get("ku_critical") == "true",
            eku: f.get("eku_critical") == "true",
        },
        issuer: f.get("issuer").into(),
        content_type: f.get("content_type").into(),
        exportable: None,
        reuse_key: None,
        tags: f
            .get("tags")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
    }
}

pub(crate) async fn submit(State(st): State<AppState>, viewer: Viewer, f: FormPairs) -> PageResult {
    viewer.check_form(f.get("csrf"))?;
    viewer.require(Role::Operator)?;
    let Some((credential, vault)) = f.get("vault").split_once('/') else {
        let e = ApiError::invalid("vault", "choose a Key Vault");
        return form_page(&st, &viewer, e.status, &f, Some(&e)).await;
    };
    let input = CertificateRequestInput {
        scope: Scope::vault(credential.to_string(), vault.to_string()),
        raw: raw_request(&f),
    };
    match st
        .engine
        .request_certificate(&viewer.principal.actor, input)
        .await
    {
        Ok(r) => {
            let raw = format!(
                "name={}",
                form_urlencoded::byte_serialize(r.certificate.as_bytes()).collect::<String>()
            );
            let q = ListQuery::parse("/requests", &raw, &["name"])?;
            let notice = format!(
                "Requested {} in {}: {}{}",
                r.certificate,
                r.vault,
                r.status,
                if r.csr_available && r.issuer == "Unknown" {
                    " (download the CSR, sign it with your CA, and merge the result)"
                } else {
                    ""
                }
            );
            super::requests::list_with_notice(&st, &viewer, q, notice).await
        }
        Err(e) => {
            let e = ApiError::from(e);
            form_page(&st, &viewer, e.status, &f, Some(&e)).await
        }
    }
}
