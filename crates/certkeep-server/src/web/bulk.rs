//! "Renew" and "Delete" on the chosen rows of the Certificates tab. The checkboxes post here
//! first for a confirmation that states the count (and, for Delete, that Azure is untouched);
//! the confirmed form then starts one renewal job per vault, or deletes from Certkeep only.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use certkeep_engine::Scope;
use certkeep_engine::access::Role;
use certkeep_engine::jobs::JobView;
use certkeep_engine::requests::RenewTarget;

use super::fields::{Field, place_errors};
use super::form::FormPairs;
use super::page::{Layout, PageError, PageResult, html};
use super::viewer::Viewer;
use crate::error::ApiError;
use crate::state::AppState;

/// The most rows one bulk action takes (as the API's renewal).
const MAX_ITEMS: usize = 5000;

/// A chosen certificate: `credential/vault/name`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Item {
    pub(crate) credential: String,
    pub(crate) vault: String,
    pub(crate) name: String,
}

impl Item {
    pub(crate) fn key(&self) -> String {
        format!("{}/{}/{}", self.credential, self.vault, self.name)
    }
}

fn items(form: &FormPairs) -> Result<Vec<Item>, PageError> {
    let keys = form.all("id");
    if keys.is_empty() {
        return Err(PageError::bad_request(
            "choose at least one certificate (the checkboxes of the list)",
        ));
    }
    if keys.len() > MAX_ITEMS {
        return Err(PageError::bad_request(format!(
            "at most {MAX_ITEMS} certificates at once"
        )));
    }
    keys.iter()
        .map(|k| {
            let mut parts = k.splitn(3, '/');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(c), Some(v), Some(n)) if !c.is_empty() && !v.is_empty() && !n.is_empty() => {
                    Ok(Item {
                        credential: c.into(),
                        vault: v.into(),
                        name: n.into(),
                    })
                }
                _ => Err(PageError::bad_request(format!(
                    "id: '{k}' is not credential/vault/name"
                ))),
            }
        })
        .collect()
}

/// The items by vault, as the engine acts on them.
fn by_vault(items: &[Item]) -> BTreeMap<(String, String), Vec<String>> {
    let mut out: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for i in items {
        out.entry((i.credential.clone(), i.vault.clone()))
            .or_default()
            .push(i.name.clone());
    }
    out
}

#[derive(Template)]
#[template(path = "bulk_confirm.html")]
struct ConfirmPage {
    layout: Layout,
    action: &'static str,
    items: Vec<Item>,
    vaults: usize,
    /// The validity field (renew), as `field.html` draws it.
    f: Field,
    exclude: bool,
    problem: Option<String>,
}

fn confirm_page(
    viewer: &Viewer,
    status: StatusCode,
    action: &'static str,
    items: Vec<Item>,
    validity: Field,
    problem: Option<String>,
) -> axum::response::Response {
    let vaults = by_vault(&items).len();
    html(
        status,
        &ConfirmPage {
            layout: viewer.layout(
                if action == "renew" { "Renew" } else { "Delete" },
                "certificates",
            ),
            action,
            items,
            vaults,
            f: validity,
            exclude: false,
            problem,
        },
    )
}

fn validity_field(value: &str) -> Field {
    Field::text("validity_months", "Validity in months", value)
        .help("each renewed certificate is valid for this many months (1 to 120)")
}

/// `POST /certificates/bulk`: the confirmation of the chosen rows (nothing changes yet).
pub(crate) async fn confirm(viewer: Viewer, form: FormPairs) -> PageResult {
    viewer.check_form(form.get("csrf"))?;
    viewer.require(Role::Operator)?;
    let action = match form.get("action") {
        "renew" => "renew",
        "delete" => "delete",
        other => {
            return Err(PageError::bad_request(format!(
                "action: '{other}' is not renew or delete"
            )));
        }
    };
    let items = items(&form)?;
    Ok(confirm_page(
        &viewer,
        StatusCode::OK,
        action,
        items,
        validity_field("12"),
        None,
    ))
}

#[derive(Template)]
#[template(path = "bulk_started.html")]
struct StartedPage {
    layout: Layout,
    jobs: Vec<(String, JobView)>,
}

/// `POST /certificates/renew`: one renewal job per vault, each refusing what it must (with the
/// reason, on the job's page).
pub(crate) async fn renew(
    State(st): State<AppState>,
    viewer: Viewer,
    form: FormPairs,
) -> PageResult {
    viewer.check_form(form.get("csrf"))?;
    viewer.require(Role::Operator)?;
    let items = items(&form)?;
    let typed = form.get("validity_months").trim().to_string();
    let Ok(months) = typed.parse::<u32>() else {
        let mut field = validity_field(&typed);
        field.error = Some("must be a whole number of months".into());
        return Ok(confirm_page(
            &viewer,
            StatusCode::BAD_REQUEST,
            "renew",
            items,
            field,
            None,
        ));
    };
    let mut jobs = Vec::new();
    for ((credential, vault), names) in by_vault(&items) {
        let targets = names
            .into_iter()
            .map(|name| RenewTarget {
                name,
                version: None,
            })
            .collect();
        match st
            .engine
            .start_renewal(
                &viewer.principal.actor,
                Scope::vault(credential.clone(), vault.clone()),
                targets,
                months,
            )
            .await
        {
            Ok(job) => jobs.push((format!("{credential}/{vault}"), job)),
            // Nothing started yet: the form shows why (the same rule for every vault).
            Err(e) if jobs.is_empty() => {
                let e = ApiError::from(e);
                let mut fields = [validity_field(&typed)];
                let problem = place_errors(&mut fields, &e);
                let [field] = fields;
                return Ok(confirm_page(
                    &viewer, e.status, "renew", items, field, problem,
                ));
            }
            Err(e) => return Err(PageError::from_engine(e)),
        }
    }
    if let [(_, job)] = jobs.as_slice() {
        return Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response());
    }
    Ok(html(
        StatusCode::OK,
        &StartedPage {
            layout: viewer.layout("Renewals started", "certificates"),
            jobs,
        },
    ))
}

#[derive(Template)]
#[template(path = "bulk_deleted.html")]
struct DeletedPage {
    layout: Layout,
    versions: usize,
    names: usize,
    exclusions: usize,
}

/// `POST /certificates/delete`: forgets the certificates in Certkeep (every version); Key
/// Vault is not called.
pub(crate) async fn delete(
    State(st): State<AppState>,
    viewer: Viewer,
    form: FormPairs,
) -> PageResult {
    viewer.check_form(form.get("csrf"))?;
    viewer.require(Role::Operator)?;
    let items = items(&form)?;
    let exclude = form.get("exclude_from_discovery") == "true";
    let (mut versions, mut exclusions) = (0, 0);
    for ((credential, vault), names) in by_vault(&items) {
        let report = st
            .engine
            .delete_certificates(
                &viewer.principal.actor,
                &Scope::vault(credential, vault),
                &names,
                None,
                exclude,
            )
            .await?;
        versions += report.versions_deleted;
        exclusions += report.exclusions_added;
    }
    Ok(html(
        StatusCode::OK,
        &DeletedPage {
            layout: viewer.layout("Deleted from Certkeep", "certificates"),
            versions,
            names: items.len(),
            exclusions,
        },
    ))
}
