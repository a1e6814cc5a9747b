//! `certkeep cert list` and `certkeep secret list`: one engine query each, soonest expiry
//! first, every matching row unless `--limit` says otherwise (read from the engine a page at a
//! time).

use certkeep_engine::Engine;
use certkeep_engine::queries::SecretQuery;
use certkeep_engine::views::{
    CertificateQuery, CertificateSort, ExpiryState, IssuerKind, Listing, MAX_PAGE_LIMIT,
    PageRequest, ShowVersions, TagFilter,
};

use super::out;
use crate::cli::{CertListArgs, IssuerKindArg, ListArgs, ShowArg, SortArg, StateArg};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::render;

fn show(s: ShowArg) -> ShowVersions {
    match s {
        ShowArg::Current => ShowVersions::Current,
        ShowArg::Previous => ShowVersions::Previous,
        ShowArg::All => ShowVersions::All,
    }
}

const THIRTY_DAYS: i64 = 30 * 86_400;

/// `--state` as the store's expiry state. `--state expiring` takes its window from
/// `--expiring-within` (30 days by default), which then does not narrow further.
fn state(args: &ListArgs) -> (Option<ExpiryState>, Option<i64>) {
    match args.state {
        None => (None, args.expiring_within),
        Some(StateArg::Expired) => (Some(ExpiryState::Expired), args.expiring_within),
        Some(StateArg::Expiring) => (
            Some(ExpiryState::ExpiringWithin(
                args.expiring_within.unwrap_or(THIRTY_DAYS),
            )),
            None,
        ),
        Some(StateArg::Healthy) => (Some(ExpiryState::Healthy), args.expiring_within),
        Some(StateArg::Missing) => (Some(ExpiryState::Missing), args.expiring_within),
    }
}

fn tag(args: &ListArgs) -> Option<TagFilter> {
    args.tag.as_deref().map(|t| match t.split_once('=') {
        Some((k, v)) => TagFilter {
            key: k.to_string(),
            value: Some(v.to_string()),
        },
        None => TagFilter {
            key: t.to_string(),
            value: None,
        },
    })
}

/// Reads pages from `offset` until `limit` rows (or all of them) are in.
async fn all_pages<T, F, Fut>(args: &ListArgs, mut fetch: F) -> CliResult<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Listing<T>, certkeep_engine::EngineError>>,
{
    let mut rows = Vec::new();
    let mut offset = args.offset;
    loop {
        let want = args.limit.map_or(MAX_PAGE_LIMIT, |l| {
            l.saturating_sub(rows.len() as u64).min(MAX_PAGE_LIMIT)
        });
        if want == 0 {
            break;
        }
        let page = fetch(PageRequest::new(offset, want)).await?;
        let got = page.items.len() as u64;
        rows.extend(page.items);
        offset += got;
        if got == 0 || offset >= page.total {
            break;
        }
    }
    Ok(rows)
}

pub(super) async fn certificates(ctx: &Context, cert_args: &CertListArgs) -> CliResult {
    let args = &cert_args.list;
    let engine: Engine = ctx.open_read().await?;
    let (state, expiring_within) = state(args);
    let query = CertificateQuery {
        scope: (&args.scope).into(),
        show: show(args.show),
        expiring_within,
        search: args.search.clone(),
        include_missing: args.include_missing,
        state,
        tag: tag(args),
        issuer: cert_args.issuer.clone(),
        issuer_kind: cert_args.issuer_kind.map(|k| match k {
            IssuerKindArg::SelfSigned => IssuerKind::SelfSigned,
            IssuerKindArg::IntegratedCa => IssuerKind::IntegratedCa,
            IssuerKindArg::Unknown => IssuerKind::Unknown,
        }),
        key_type: cert_args.key_type.clone(),
        sort: match cert_args.sort {
            SortArg::NotAfter => CertificateSort::NotAfter,
            SortArg::Name => CertificateSort::Name,
            SortArg::Vault => CertificateSort::Vault,
            SortArg::Subject => CertificateSort::Subject,
            SortArg::Issuer => CertificateSort::Issuer,
            SortArg::KeyType => CertificateSort::KeyType,
            SortArg::Discovered => CertificateSort::DiscoveredAt,
        },
        descending: cert_args.desc,
        ..Default::default()
    };
    let rows = all_pages(args, |page| {
        let q = CertificateQuery {
            page,
            ..query.clone()
        };
        let engine = &engine;
        async move { engine.list_certificates(&q).await }
    })
    .await?;
    out(&render(&rows, ctx.output))
}

pub(super) async fn secrets(ctx: &Context, args: &ListArgs) -> CliResult {
    let engine = ctx.open_read().await?;
    let (state, expiring_within) = state(args);
    let query = SecretQuery {
        scope: (&args.scope).into(),
        show: show(args.show),
        expiring_within,
        search: args.search.clone(),
        include_missing: args.include_missing,
        state,
        tag: tag(args),
        ..Default::default()
    };
    let rows = all_pages(args, |page| {
        let q = SecretQuery {
            page,
            ..query.clone()
        };
        let engine = &engine;
        async move { engine.list_secrets(&q).await }
    })
    .await?;
    out(&render(&rows, ctx.output))
}
