//! The dashboard: what expires when, at a glance.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use certkeep_engine::access::Role;
use certkeep_engine::dashboard::{DashboardView, TimelineSplit};
use certkeep_engine::views::StateCounts;
use serde::Deserialize;

use super::chart::{self, TimelineChart};
use super::form;
use super::page::{Layout, PageError, PageResult, html};
use super::viewer::Viewer;
use crate::state::AppState;

/// One count box, linking to the listing it counts.
pub(crate) struct CountBox {
    pub(crate) label: &'static str,
    pub(crate) class: &'static str,
    pub(crate) count: u64,
    pub(crate) href: Option<String>,
}

/// One bar of a breakdown.
pub(crate) struct Share {
    pub(crate) label: String,
    pub(crate) count: u64,
    pub(crate) href: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    d: DashboardView,
    split: TimelineSplit,
    chart: TimelineChart,
    certificates: Vec<CountBox>,
    secrets: Vec<CountBox>,
    by_key_type: Vec<Share>,
    by_issuer_kind: Vec<Share>,
    shares_max: u64,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct DashboardParams {
    split: Option<String>,
}

fn boxes(c: &StateCounts, link: bool) -> Vec<CountBox> {
    let href = |q: &str| link.then(|| format!("/certificates?{q}"));
    vec![
        CountBox {
            label: "Expired",
            class: "expired",
            count: c.expired,
            href: href("state=expired"),
        },
        CountBox {
            label: "Expiring ≤ 7 days",
            class: "expiring7",
            count: c.expiring_7d,
            href: href("state=expiring&expiring_within_days=7"),
        },
        CountBox {
            label: "Expiring ≤ 30 days",
            class: "expiring30",
            count: c.expiring_30d,
            href: href("state=expiring"),
        },
        CountBox {
            label: "Healthy",
            class: "healthy",
            count: c.healthy,
            href: href("state=healthy"),
        },
        CountBox {
            label: "Missing from Azure",
            class: "missing",
            count: c.missing,
            href: href("state=missing&include_missing=true"),
        },
    ]
}

pub(crate) async fn page(
    State(st): State<AppState>,
    viewer: Viewer,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> PageResult {
    viewer.require(Role::Auditor)?;
    let p: DashboardParams = form::parse(q.unwrap_or_default().as_bytes())?;
    let split = match p.split.as_deref() {
        None | Some("vault") => TimelineSplit::Vault,
        Some("issuer") => TimelineSplit::Issuer,
        Some(_) => return Err(PageError::bad_request("split: must be vault or issuer")),
    };
    let d = st.engine.dashboard(split).await?;
    let share = |param: &'static str| {
        move |f: &certkeep_engine::queries::FacetCount| Share {
            label: f.value.clone(),
            count: f.count,
            href: format!(
                "/certificates?{param}={}",
                form_urlencoded::byte_serialize(f.value.as_bytes()).collect::<String>()
            ),
        }
    };
    let by_key_type: Vec<Share> = d.by_key_type.iter().map(share("key_type")).collect();
    let by_issuer_kind: Vec<Share> = d.by_issuer_kind.iter().map(share("issuer_kind")).collect();
    let shares_max = by_key_type
        .iter()
        .chain(&by_issuer_kind)
        .map(|s| s.count)
        .max()
        .unwrap_or(0)
        .max(1);
    Ok(html(
        StatusCode::OK,
        &DashboardPage {
            layout: viewer.layout("Dashboard", "dashboard"),
            chart: chart::timeline(&d.timeline),
            certificates: boxes(&d.certificates, true),
            secrets: boxes(&d.tls_secrets, false),
            by_key_type,
            by_issuer_kind,
            shares_max,
            split,
            d,
        },
    ))
}
