//! The dashboard's expiry timeline: how many current, present certificate versions end in each
//! week after `now`, by vault and policy issuer, counted with one GROUP BY in the database (at
//! most weeks × vaults × issuers rows come back, whatever the inventory's size).
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::Store;
use super::sql::to_u64;
use crate::entities::certificate;
use crate::{StoreError, VaultId};

/// Seconds in a week.
pub const WEEK_SECS: i64 = 7 * 86_400;

/// Versions of one vault and issuer that end in one week.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpiryWeekCount {
    pub vault_id: VaultId,
    /// The policy's issuer name (`Self`, `Unknown`, an issuer); none for certificates read
    /// from TLS secrets.
    pub issuer: Option<String>,
    /// 0 for notAfter in (now, now + 1 week], 1 for the week after, ...
    pub week: u32,
    pub count: u64,
}

impl Store {
    /// Current, present versions ending in each of the `weeks` weeks after `now`.
    pub async fn expiry_weeks(
        &self,
        now: i64,
        weeks: u32,
    ) -> Result<Vec<ExpiryWeekCount>, StoreError> {
        use certificate::Column as C;
        let end = now.saturating_add(i64::from(weeks) * WEEK_SECS);
        // (notAfter - now - 1) / week: integer division on both databases, so a notAfter of
        // exactly now + 1 week is still week 0.
        let week = Expr::col(C::NotAfter)
            .sub(now.saturating_add(1))
            .div(WEEK_SECS);
        let rows: Vec<(i64, Option<String>, i64, i64)> = certificate::Entity::find()
            .select_only()
            .column(C::VaultId)
            .column(C::PolicyIssuer)
            .column_as(week, "week")
            .column_as(Expr::expr(Func::count(Expr::col(C::Id))), "n")
            .filter(C::IsCurrent.eq(true))
            .filter(C::IsMissing.eq(false))
            .filter(C::NotAfter.gt(now))
            .filter(C::NotAfter.lte(end))
            .group_by(C::VaultId)
            .group_by(C::PolicyIssuer)
            // By the output column: PostgreSQL would not match the expression, whose
            // parameters are numbered apart from the select list's.
            .group_by(Expr::col(Alias::new("week")))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(vault, issuer, week, n)| ExpiryWeekCount {
                vault_id: VaultId(vault),
                issuer,
                week: u32::try_from(week).unwrap_or(0),
                count: to_u64(n),
            })
            .collect())
    }
}
