//! Portable SQL building blocks for the paginated queries: exact substring and prefix tests that
//! behave alike on SQLite and PostgreSQL, tag matching on the JSON text of a tag map, expiry
//! states, and limits/offsets.
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, Func, IntoColumnRef, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition};

use crate::entities::vault;
use crate::model::page::{ExpiryState, StateCounts, TagFilter};
use crate::{StoreError, json};

/// `COUNT(CASE WHEN cond THEN 1 END)`: how many rows of a group satisfy `cond`.
pub(super) fn count_when(cond: Condition) -> SimpleExpr {
    let case = CaseStatement::new().case(cond, Expr::val(1_i32));
    Expr::expr(Func::count(Expr::Case(Box::new(case))))
}

/// The name of the vault `vault_id` refers to, as a scalar subquery (for sorting by vault).
pub(super) fn vault_name_of(vault_id: impl IntoColumnRef) -> SimpleExpr {
    let select = Query::select()
        .column((vault::Entity, vault::Column::Name))
        .from(vault::Entity)
        .and_where(Expr::col((vault::Entity, vault::Column::Id)).equals(vault_id))
        .to_owned();
    Expr::SubQuery(None, Box::new(select.into()))
}

/// A database count as `u64`.
pub(super) fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The five state counts, from a row of `Expiry::count_exprs`.
pub(super) fn state_counts(row: Option<(i64, i64, i64, i64, i64)>) -> StateCounts {
    let (expired, expiring_7d, expiring_30d, healthy, missing) = row.unwrap_or_default();
    StateCounts {
        expired: to_u64(expired),
        expiring_7d: to_u64(expiring_7d),
        expiring_30d: to_u64(expiring_30d),
        healthy: to_u64(healthy),
        missing: to_u64(missing),
    }
}

/// `column` contains `needle` exactly (case-sensitive on both backends):
/// `LENGTH(REPLACE(column, needle, '')) < LENGTH(column)`. (`LIKE` is case-insensitive on SQLite
/// and case-sensitive on PostgreSQL; `REPLACE` and `LENGTH` are the same on both.)
pub(super) fn contains_exact(column: impl ColumnTrait, needle: &str) -> SimpleExpr {
    let replaced = Func::cust("REPLACE")
        .arg(Expr::col(column.as_column_ref()))
        .arg(Expr::val(needle.to_string()))
        .arg(Expr::val(String::new()));
    Expr::expr(Func::cust("LENGTH").arg(replaced)).lt(Expr::expr(
        Func::cust("LENGTH").arg(Expr::col(column.as_column_ref())),
    ))
}

/// `column` starts with `prefix` exactly: `SUBSTR(column, 1, n) = prefix` (n in characters).
pub(super) fn starts_with(column: impl ColumnTrait, prefix: &str) -> SimpleExpr {
    // `INTEGER` arguments: PostgreSQL has no `SUBSTR(text, bigint, bigint)`.
    let n = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
    Expr::expr(
        Func::cust("SUBSTR")
            .arg(Expr::col(column.as_column_ref()))
            .arg(Expr::val(1_i32))
            .arg(Expr::val(n)),
    )
    .eq(prefix.to_string())
}

/// The tags column (JSON text of a sorted map, written by `json::encode`) has `tag`. A key is
/// always preceded by `{` or `,` in that text, and neither can be followed by a `"` inside a
/// string (quotes in strings are escaped), so `{"key":` / `,"key":` match exactly the key, and
/// `"value"` followed by the encoder's closing quote matches exactly the value.
pub(super) fn tag_condition(
    column: impl ColumnTrait,
    tag: &TagFilter,
) -> Result<Condition, StoreError> {
    let mut needle = json::encode(&tag.key)?;
    needle.push(':');
    if let Some(value) = &tag.value {
        needle.push_str(&json::encode(value)?);
    }
    Ok(Condition::any()
        .add(contains_exact(column, &format!("{{{needle}")))
        .add(contains_exact(column, &format!(",{needle}"))))
}

/// The columns an expiry state is evaluated on.
pub(super) struct Expiry<E, M> {
    /// End of validity (Unix seconds).
    pub(super) end: E,
    /// The missing flag.
    pub(super) missing: M,
    /// Whether a NULL end of validity counts as healthy (TLS secrets without expiry).
    pub(super) null_is_healthy: bool,
}

impl<E: ColumnTrait, M: ColumnTrait> Expiry<E, M> {
    /// The condition for `state` at `now`.
    pub(super) fn condition(&self, state: ExpiryState, now: i64, healthy_after: i64) -> Condition {
        let present = self.missing.eq(false);
        match state {
            ExpiryState::Missing => Condition::all().add(self.missing.eq(true)),
            ExpiryState::Expired => Condition::all().add(present).add(self.end.lte(now)),
            ExpiryState::ExpiringWithin(secs) => Condition::all()
                .add(present)
                .add(self.end.gt(now))
                .add(self.end.lte(now.saturating_add(secs))),
            ExpiryState::Healthy => {
                let mut later =
                    Condition::any().add(self.end.gt(now.saturating_add(healthy_after)));
                if self.null_is_healthy {
                    later = later.add(self.end.is_null());
                }
                Condition::all().add(present).add(later)
            }
        }
    }

    /// The expressions counting expired, expiring within 7 and 30 days, healthy and missing
    /// rows, with their aliases (in the order of [`state_counts`]).
    pub(super) fn count_exprs(
        &self,
        now: i64,
        healthy_after: i64,
    ) -> [(SimpleExpr, &'static str); 5] {
        const DAY: i64 = 86_400;
        let c = |state| count_when(self.condition(state, now, healthy_after));
        [
            (c(ExpiryState::Expired), "expired"),
            (c(ExpiryState::ExpiringWithin(7 * DAY)), "expiring_7d"),
            (c(ExpiryState::ExpiringWithin(30 * DAY)), "expiring_30d"),
            (c(ExpiryState::Healthy), "healthy"),
            (c(ExpiryState::Missing), "missing"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    use super::*;
    use crate::entities::certificate;

    #[test]
    fn tag_needles_are_json_encoded() {
        let tag = TagFilter {
            key: "a\"b".into(),
            value: Some("50%".into()),
        };
        let Ok(cond) = tag_condition(certificate::Column::Tags, &tag) else {
            panic!("encodes");
        };
        let sql = certificate::Entity::find()
            .filter(cond)
            .build(DbBackend::Sqlite)
            .to_string();
        assert!(sql.contains(r#"'{"a\"b":"50%"'"#), "{sql}");
        assert!(sql.contains(r#"',"a\"b":"50%"'"#), "{sql}");
    }
}
