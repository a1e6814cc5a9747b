//! The audit log: every event, newest first, filtered by actor, action, target and outcome (in
//! the URL), with the hash chain's verification status.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use certkeep_engine::access::Role;
use certkeep_engine::queries::{AuditChainStatus, AuditQuery};
use certkeep_engine::views::{AuditFilter, AuditView, Listing};

use super::list_query::ListQuery;
use super::page::{Layout, PageResult, html};
use super::viewer::Viewer;
use crate::api::params;
use crate::state::AppState;

const KEYS: &[&str] = &["actor", "action", "target", "outcome", "offset", "limit"];

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    q: ListQuery,
    listing: Listing<AuditView>,
    chain: AuditChainStatus,
    outcomes: [&'static str; 5],
    first: u64,
    last: u64,
    prev: Option<String>,
    next: Option<String>,
}

pub(crate) async fn page(
    State(st): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    viewer.require(Role::Auditor)?;
    let q = ListQuery::parse("/audit", raw.as_deref().unwrap_or_default(), KEYS)?;
    let text = |k: &str| q.get(k).map(str::to_string);
    let query = AuditQuery {
        filter: AuditFilter {
            actor: text("actor"),
            action: text("action"),
            target: text("target"),
            outcome: text("outcome"),
            ..Default::default()
        },
        page: params::page(q.number("offset")?, q.number("limit")?)?,
    };
    let (listing, chain) =
        tokio::try_join!(st.engine.list_audit(&query), st.engine.audit_chain_status())?;
    let first = if listing.items.is_empty() {
        0
    } else {
        listing.offset + 1
    };
    let last = listing.offset + listing.items.len() as u64;
    let (prev, next) = q.pager(&listing);
    Ok(html(
        StatusCode::OK,
        &AuditPage {
            layout: viewer.layout("Audit log", "audit"),
            prev,
            next,
            first,
            last,
            listing,
            chain,
            outcomes: ["succeeded", "failed", "refused", "denied", "locked"],
            q,
        },
    ))
}
