//! "Certificates » Azure", the Certificates tab: Show current / previous / all, search, facet
//! filters, sortable columns, pages, and a CSV export of the same filter. The query string is
//! read exactly as `GET /api/v1/certificates` reads it (same names, same validation).

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use certkeep_engine::access::Role;
use certkeep_engine::queries::CertificateFacetsView;
use certkeep_engine::views::{CertificateView, Listing, MAX_PAGE_LIMIT};

use super::list_query::ListQuery;
use super::page::{Layout, PageError, PageResult, html};
use super::viewer::Viewer;
use crate::api::certificates::{CertificateParams, query};
use crate::state::AppState;

const KEYS: &[&str] = &[
    "credential",
    "vault",
    "show",
    "search",
    "state",
    "expiring_within_days",
    "issuer",
    "issuer_kind",
    "key_type",
    "tag",
    "name",
    "include_missing",
    "sort",
    "order",
    "offset",
    "limit",
];

fn params(q: &ListQuery) -> Result<CertificateParams, PageError> {
    let text = |k: &str| q.get(k).map(str::to_string);
    Ok(CertificateParams {
        credential: text("credential"),
        vault: text("vault"),
        show: text("show"),
        search: text("search"),
        state: text("state"),
        expiring_within_days: q.number("expiring_within_days")?,
        issuer: text("issuer"),
        issuer_kind: text("issuer_kind"),
        key_type: text("key_type"),
        tag: text("tag"),
        name: text("name"),
        include_missing: matches!(q.get("include_missing"), Some("true" | "on" | "1")),
        sort: text("sort"),
        order: text("order"),
        offset: q.number("offset")?,
        limit: q.number("limit")?,
    })
}

pub(crate) struct FacetItem {
    pub(crate) label: String,
    pub(crate) count: u64,
    pub(crate) href: String,
    pub(crate) active: bool,
}

pub(crate) struct FacetGroup {
    pub(crate) title: &'static str,
    pub(crate) items: Vec<FacetItem>,
}

pub(crate) struct Column {
    pub(crate) label: &'static str,
    pub(crate) href: Option<String>,
    /// `ascending`, `descending` or `none`, for `aria-sort`.
    pub(crate) sorted: &'static str,
    pub(crate) numeric: bool,
}

pub(crate) struct Chip {
    pub(crate) label: String,
    pub(crate) href: String,
}

#[derive(Template)]
#[template(path = "certificates.html")]
struct CertificatesPage {
    layout: Layout,
    tab: &'static str,
    notice: Option<String>,
    problem: Option<String>,
    q: ListQuery,
    listing: Listing<CertificateView>,
    facets: Vec<FacetGroup>,
    columns: Vec<Column>,
    chips: Vec<Chip>,
    show: String,
    first: u64,
    last: u64,
    prev: Option<String>,
    next: Option<String>,
    csv: String,
}

impl CertificatesPage {
    /// The subject's CN (the full DN is the cell's title), or the DN when it has none.
    fn common_name(&self, subject: &str) -> String {
        subject
            .split(", ")
            .find_map(|rdn| rdn.strip_prefix("CN="))
            .unwrap_or(subject)
            .to_string()
    }
}

fn facet_groups(q: &ListQuery, f: &CertificateFacetsView) -> Vec<FacetGroup> {
    let toggle = |key: &'static str, value: &str| {
        let active = q.get(key) == Some(value);
        (active, q.with(&[(key, if active { "" } else { value })]))
    };
    let simple =
        |title, key: &'static str, counts: &[certkeep_engine::queries::FacetCount]| FacetGroup {
            title,
            items: counts
                .iter()
                .map(|c| {
                    let (active, href) = toggle(key, &c.value);
                    FacetItem {
                        label: c.value.clone(),
                        count: c.count,
                        href,
                        active,
                    }
                })
                .collect(),
        };
    let s = &f.by_state;
    let state = |label: &str, value: &'static str, within: &'static str, count: u64| {
        let active = q.get("state") == Some(value) && q.value("expiring_within_days") == within;
        let missing = if value == "missing" {
            "true"
        } else {
            q.value("include_missing")
        };
        let href = if active {
            q.with(&[("state", ""), ("expiring_within_days", "")])
        } else {
            q.with(&[
                ("state", value),
                ("expiring_within_days", within),
                ("include_missing", missing),
            ])
        };
        FacetItem {
            label: label.to_string(),
            count,
            href,
            active,
        }
    };
    // Vaults are "credential/vault": a choice sets both (and the credential facet is theirs).
    let mut credentials: Vec<(String, u64)> = Vec::new();
    let vaults = f
        .by_vault
        .iter()
        .map(|c| {
            let (cred, vault) = c.value.split_once('/').unwrap_or(("", &c.value));
            match credentials.iter_mut().find(|(n, _)| n == cred) {
                Some(e) => e.1 += c.count,
                None => credentials.push((cred.to_string(), c.count)),
            }
            let active = q.get("vault") == Some(vault) && q.get("credential") == Some(cred);
            let href = if active {
                q.with(&[("vault", ""), ("credential", "")])
            } else {
                q.with(&[("credential", cred), ("vault", vault)])
            };
            FacetItem {
                label: c.value.clone(),
                count: c.count,
                href,
                active,
            }
        })
        .collect();
    let credentials = credentials
        .into_iter()
        .map(|(name, count)| {
            let active = q.get("credential") == Some(name.as_str()) && q.get("vault").is_none();
            let href = if active {
                q.with(&[("credential", "")])
            } else {
                q.with(&[("credential", &name), ("vault", "")])
            };
            FacetItem {
                label: name,
                count,
                href,
                active,
            }
        })
        .collect();
    vec![
        FacetGroup {
            title: "State",
            items: vec![
                state("Expired", "expired", "", s.expired),
                state("Expiring ≤ 7 days", "expiring", "7", s.expiring_7d),
                state("Expiring ≤ 30 days", "expiring", "", s.expiring_30d),
                state("Healthy", "healthy", "", s.healthy),
                state("Missing from Azure", "missing", "", s.missing),
            ],
        },
        FacetGroup {
            title: "Credential",
            items: credentials,
        },
        FacetGroup {
            title: "Key Vault",
            items: vaults,
        },
        simple("Issuer", "issuer", &f.by_issuer),
        simple("Issuer kind", "issuer_kind", &f.by_issuer_kind),
        simple("Key type", "key_type", &f.by_key_type),
        simple("Tag", "tag", &f.by_tag),
    ]
}

fn columns(q: &ListQuery) -> Vec<Column> {
    let sort = q.get("sort").unwrap_or("not_after");
    let desc = q.get("order") == Some("desc");
    let col = |label, key: Option<&'static str>, numeric| {
        let Some(key) = key else {
            return Column {
                label,
                href: None,
                sorted: "none",
                numeric,
            };
        };
        let here = sort == key;
        let order = if here && !desc { "desc" } else { "" };
        Column {
            label,
            href: Some(q.with(&[("sort", key), ("order", order)])),
            sorted: match (here, desc) {
                (false, _) => "none",
                (true, false) => "ascending",
                (true, true) => "descending",
            },
            numeric,
        }
    };
    vec![
        col("Name", Some("name"), false),
        col("Key Vault", Some("vault"), false),
        col("Subject", Some("subject"), false),
        col("Issuer", Some("issuer"), false),
        col("Key", Some("key_type"), false),
        col("Expires", Some("not_after"), false),
        col("Days left", None, true),
        col("State", None, false),
        col("Tags", None, false),
    ]
}

fn chips(q: &ListQuery) -> Vec<Chip> {
    q.filters()
        .filter(|(k, _)| *k != "show")
        .map(|(k, v)| Chip {
            label: format!("{}: {v}", k.replace('_', " ")),
            href: q.with(&[(k, "")]),
        })
        .collect()
}

pub(crate) async fn list(
    State(st): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    viewer.require(Role::Auditor)?;
    let q = ListQuery::parse("/certificates", raw.as_deref().unwrap_or_default(), KEYS)?;
    let cq = query(&params(&q)?)?;
    let (listing, facets) = tokio::try_join!(
        st.engine.list_certificates(&cq),
        st.engine.certificate_facets(&cq)
    )?;
    let first = if listing.items.is_empty() {
        0
    } else {
        listing.offset + 1
    };
    let last = listing.offset + listing.items.len() as u64;
    let (prev, next) = q.pager(&listing);
    Ok(html(
        StatusCode::OK,
        &CertificatesPage {
            layout: viewer.layout("Certificates", "certificates"),
            tab: "certificates",
            notice: None,
            problem: None,
            facets: facet_groups(&q, &facets),
            columns: columns(&q),
            chips: chips(&q),
            show: q.get("show").unwrap_or("current").to_string(),
            csv: q.on("/certificates.csv"),
            first,
            last,
            prev,
            next,
            listing,
            q,
        },
    ))
}

/// One CSV cell: quoted when needed, and never read as a formula by a spreadsheet.
fn cell(out: &mut String, text: &str) {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let needs_quotes = formula || text.contains([',', '"', '\n', '\r']);
    if needs_quotes {
        out.push('"');
        if formula {
            out.push('\'');
        }
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

const CSV_HEADER: &[&str] = &[
    "credential",
    "vault",
    "name",
    "version",
    "current",
    "enabled",
    "state",
    "not_before",
    "not_after",
    "days_left",
    "subject",
    "issuer",
    "dns_names",
    "key",
    "signature_algorithm",
    "policy_issuer",
    "issuer_kind",
    "sha1",
    "sha256",
    "serial",
    "source",
    "tags",
];

fn csv_row(out: &mut String, c: &CertificateView) {
    let tags = c
        .tags
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(";");
    let fields = [
        c.credential.clone(),
        c.vault.clone(),
        c.name.clone(),
        c.version.clone(),
        c.current.to_string(),
        c.enabled.to_string(),
        c.state.to_string(),
        c.not_before.to_string(),
        c.not_after.to_string(),
        c.days_left.to_string(),
        c.subject.clone(),
        c.issuer.clone(),
        c.dns_names.join(" "),
        c.key.clone(),
        c.signature_algorithm.clone(),
        c.policy_issuer.clone().unwrap_or_default(),
        c.issuer_kind.to_string(),
        c.sha1.clone(),
        c.sha256.clone(),
        c.serial.clone(),
        c.source.to_string(),
        tags,
    ];
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        cell(out, f);
    }
    out.push_str("\r\n");
}

/// `GET /certificates.csv`: every row of the filter (not only one page), in its sort order.
pub(crate) async fn csv(
    State(st): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    viewer.require(Role::Auditor)?;
    let q = ListQuery::parse("/certificates", raw.as_deref().unwrap_or_default(), KEYS)?;
    let mut cq = query(&params(&q)?)?;
    let mut out = CSV_HEADER.join(",");
    out.push_str("\r\n");
    cq.page = certkeep_engine::views::PageRequest::new(0, MAX_PAGE_LIMIT);
    loop {
        let page = st.engine.list_certificates(&cq).await?;
        for c in &page.items {
            csv_row(&mut out, c);
        }
        let seen = page.offset + page.items.len() as u64;
        if page.items.is_empty() || seen >= page.total {
            break;
        }
        cq.page = certkeep_engine::views::PageRequest::new(seen, MAX_PAGE_LIMIT);
    }
    let mut resp = out.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"certificates.csv\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        let mut out = String::new();
        cell(&mut out, "CN=a, O=b");
        out.push(',');
        cell(&mut out, "=HYPERLINK(\"x\")");
        out.push(',');
        cell(&mut out, "plain");
        assert_eq!(out, "\"CN=a, O=b\",\"'=HYPERLINK(\"\"x\"\")\",plain");
    }
}
