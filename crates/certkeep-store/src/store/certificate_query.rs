//! Listing and counting certificate versions with a [`CertificateFilter`].
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::Store;
use super::certificate_filter::{Facet, condition};
use super::certificate_rows::to_certificate;
use super::count_cache::GenerationOnce;
use crate::entities::{certificate, vault};
use crate::model::certificate::{Certificate, CertificateFilter};
use crate::{CertificateId, CredentialId, StoreError};

/// `%text%` for a case-insensitive LIKE against a lowercased column, with `%`, `_` and `\`
/// escaped (the escape character is `\`). `None` for blank text.
pub(super) fn contains_pattern(text: &str) -> Option<String> {
    let text = text.trim().to_lowercase();
    if text.is_empty() {
        return None;
    }
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Some(pattern)
}

/// `LOWER(column) LIKE pattern ESCAPE '\'`.
pub(super) fn lower_like(column: impl sea_orm::IdenStatic, pattern: &str) -> SimpleExpr {
    Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape('\\'))
}

/// The ids of a credential's vaults, as a subquery.
pub(super) fn vaults_of(credential: &CredentialId) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(vault::Column::Id)
        .from(vault::Entity)
        .and_where(vault::Column::CredentialId.eq(credential.as_str()))
        .to_owned()
}

impl Store {
    /// Certificate versions matching `filter`, soonest notAfter first, then by name.
    pub async fn list_certificates(
        &self,
        filter: &CertificateFilter,
    ) -> Result<Vec<Certificate>, StoreError> {
        let search = self
            .search_match(filter, &mut GenerationOnce::default())
            .await?;
        certificate::Entity::find()
            .filter(condition(filter, Facet::None, &search)?)
            .order_by_asc(certificate::Column::NotAfter)
            .order_by_asc(certificate::Column::Name)
            .order_by_asc(certificate::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_certificate)
            .collect()
    }

    /// The certificate version with this id.
    pub async fn find_certificate(
        &self,
        id: CertificateId,
    ) -> Result<Option<Certificate>, StoreError> {
        certificate::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .map(to_certificate)
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn like_patterns_are_escaped_and_lowercased() {
        assert_eq!(contains_pattern("  ").as_deref(), None);
        assert_eq!(contains_pattern("WWW.Ex").as_deref(), Some("%www.ex%"));
        assert_eq!(
            contains_pattern("50%_a\\b").as_deref(),
            Some("%50\\%\\_a\\\\b%")
        );
    }
}
