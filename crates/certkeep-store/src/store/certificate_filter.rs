//! The SQL condition of a [`CertificateFilter`], optionally leaving out one facet's own fields
//! (so a facet's counts show every value of that facet under the rest of the filter).
use sea_orm::sea_query::{Expr, ExprTrait, Func, SimpleExpr};
use sea_orm::{ColumnTrait, Condition};

use super::certificate_query::{contains_pattern, lower_like, vaults_of};
use super::search_index::Partition;
use super::sql::{Expiry, tag_condition};
use crate::StoreError;
use crate::entities::certificate;
use crate::model::Show;
use crate::model::certificate::CertificateFilter;
use crate::model::certificate_page::IssuerKind;

/// The facet whose own filter fields a condition leaves out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Facet {
    /// None: the whole filter.
    None,
    /// `vault` and `vaults`.
    Vault,
    /// `issuer`.
    Issuer,
    /// `issuer_kind`.
    IssuerKind,
    /// `key_type`.
    KeyType,
    /// `state` and `include_missing`.
    State,
    /// `tag`.
    Tag,
    /// Every facet's fields (the facets are then counted in memory).
    Every,
}

impl Facet {
    /// Whether a condition without the fields of `self` leaves out those of `facet`.
    fn leaves_out(self, facet: Facet) -> bool {
        self == facet || (self == Facet::Every && facet != Facet::None)
    }
}

/// How a filter's `search` is applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum SearchMatch {
    /// No search.
    None,
    /// These versions (from the search index).
    Ids(Vec<i64>),
    /// In SQL, with `LIKE` (a search too broad for a list of ids).
    Like,
}

/// How certificate expiry states are evaluated: on notAfter.
pub(super) const EXPIRY: Expiry<certificate::Column, certificate::Column> = Expiry {
    end: certificate::Column::NotAfter,
    missing: certificate::Column::IsMissing,
    null_is_healthy: false,
};

fn lower(column: certificate::Column) -> Expr {
    Expr::expr(Func::lower(Expr::col(column)))
}

fn issuer_kind_condition(kind: IssuerKind) -> Condition {
    use certificate::Column as C;
    match kind {
        IssuerKind::SelfSigned => Condition::all().add(lower(C::PolicyIssuer).eq("self")),
        IssuerKind::Unknown => Condition::any()
            .add(C::PolicyIssuer.is_null())
            .add(lower(C::PolicyIssuer).eq("unknown")),
        IssuerKind::IntegratedCa => Condition::all()
            .add(C::PolicyIssuer.is_not_null())
            .add(lower(C::PolicyIssuer).is_not_in(["self", "unknown"])),
    }
}

/// The condition of `filter`, without the fields of `skip`; its search as `search` says.
pub(super) fn condition(
    filter: &CertificateFilter,
    skip: Facet,
    search: &SearchMatch,
) -> Result<Condition, StoreError> {
    use certificate::Column as C;
    // When a search's ids drive the query, its flags must not: SQLite would rather walk an
    // index on (is_current, is_missing, …) over every current version than look the few ids
    // up (4.4 ms against 0.3 ms to count 200 matches among 20,000 current versions). A flag
    // compared through a cast cannot use an index; a boolean casts to 0/1 on both backends.
    let by_ids = matches!(search, SearchMatch::Ids(_));
    let flag = |column: C, value: bool| -> SimpleExpr {
        if by_ids {
            Expr::expr(Expr::col(column).cast_as("INTEGER")).eq(i32::from(value))
        } else {
            column.eq(value)
        }
    };
    let mut all = Condition::all();
    match filter.show {
        Show::Current => all = all.add(flag(C::IsCurrent, true)),
        Show::Previous => all = all.add(flag(C::IsCurrent, false)),
        Show::All => {}
    }
    if !skip.leaves_out(Facet::State) {
        match filter.state {
            Some(state) => {
                all = all.add(EXPIRY.condition(state, filter.now, filter.healthy_after_secs));
            }
            None if !filter.include_missing => all = all.add(flag(C::IsMissing, false)),
            None => {}
        }
    }
    if !skip.leaves_out(Facet::Vault) {
        if let Some(vault) = filter.vault {
            all = all.add(C::VaultId.eq(vault.0));
        }
        if !filter.vaults.is_empty() {
            all = all.add(C::VaultId.is_in(filter.vaults.iter().map(|v| v.0)));
        }
    }
    if let Some(credential) = &filter.credential {
        all = all.add(C::VaultId.in_subquery(vaults_of(credential)));
    }
    if let Some(before) = filter.expiring_before {
        all = all.add(C::NotAfter.lt(before));
    }
    if let Some(source) = filter.source {
        all = all.add(C::Source.eq(source.as_str()));
    }
    if let SearchMatch::Ids(ids) = search {
        all = all.add(C::Id.is_in(ids.iter().copied()));
    }
    if let Some(pattern) = filter.search.as_deref().and_then(contains_pattern)
        && *search == SearchMatch::Like
    {
        let mut any = Condition::any()
            .add(lower_like(C::Name, &pattern))
            .add(lower_like(C::Subject, &pattern))
            .add(lower_like(C::Sans, &pattern))
            .add(lower_like(C::X5t, &pattern));
        let hex: String = filter
            .search
            .as_deref()
            .unwrap_or_default()
            .chars()
            .filter(|c| *c != ':' && !c.is_whitespace())
            .collect();
        if let Some(hex_pattern) = contains_pattern(&hex) {
            any = any
                .add(lower_like(C::Sha1Hex, &hex_pattern))
                .add(lower_like(C::Sha256Hex, &hex_pattern));
        }
        all = all.add(any);
    }
    if !skip.leaves_out(Facet::Issuer)
        && let Some(issuer) = &filter.issuer
    {
        let issuer = issuer.trim().to_lowercase();
        let named = lower(C::PolicyIssuer).eq(issuer.clone());
        all = all.add(if issuer == "unknown" {
            Condition::any().add(named).add(C::PolicyIssuer.is_null())
        } else {
            Condition::all().add(named)
        });
    }
    if !skip.leaves_out(Facet::IssuerKind)
        && let Some(kind) = filter.issuer_kind
    {
        all = all.add(issuer_kind_condition(kind));
    }
    if !skip.leaves_out(Facet::KeyType)
        && let Some(key_type) = &filter.key_type
    {
        all = all.add(lower(C::KeyType).eq(key_type.trim().to_lowercase()));
    }
    if !skip.leaves_out(Facet::Tag)
        && let Some(tag) = &filter.tag
    {
        all = all.add(tag_condition(C::Tags, tag)?);
    }
    if let Some(name) = &filter.name {
        all = all.add(C::Name.eq(name.clone()));
    }
    Ok(all)
}

/// The lowercased texts a search looks for: the text, and without colons and spaces when that
/// differs (a thumbprint pasted as `AB:CD:…`).
pub(super) fn search_needles(search: &str) -> Vec<String> {
    let text = search.trim().to_lowercase();
    if text.is_empty() {
        return Vec::new();
    }
    let hex: String = text
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect();
    let mut needles = vec![text];
    if !hex.is_empty() && hex != needles[0] {
        needles.push(hex);
    }
    needles
}

/// Which versions a search must look at: the current, present ones when the filter shows
/// nothing else.
pub(super) fn search_partition(filter: &CertificateFilter) -> Partition {
    if filter.show == Show::Current && !filter.include_missing && filter.state.is_none() {
        Partition::Current
    } else {
        Partition::All
    }
}
