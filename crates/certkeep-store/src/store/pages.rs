//! Paginated vaults, issuers, sync runs and audit events.
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};

use super::Store;
use super::audit::to_event;
use super::certificate_query::{contains_pattern, lower_like, vaults_of};
use super::issuers::to_issuer;
use super::sql::{contains_exact, starts_with};
use super::sync_runs::to_run;
use super::vaults::to_vault;
use crate::StoreError;
use crate::entities::{audit_event, issuer, sync_run, vault};
use crate::model::audit::AuditEvent;
use crate::model::filters::{AuditFilter, IssuerFilter, SyncRunFilter, VaultFilter};
use crate::model::page::{Page, PageRequest};
use crate::model::sync_run::SyncRun;
use crate::model::vault::{Issuer, Vault};

impl Store {
    /// Counts the rows of `query`, then reads one page of them (already ordered).
    pub(super) async fn page_of<E: EntityTrait>(
        &self,
        query: Select<E>,
        page: PageRequest,
    ) -> Result<(Vec<E::Model>, u64, PageRequest), StoreError>
    where
        E::Model: Send + Sync,
    {
        let page = page.clamped();
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .offset(page.offset)
            .limit(page.limit)
            .all(&self.db)
            .await?;
        Ok((rows, total, page))
    }

    /// One page of the vaults matching `filter`, by name then id.
    pub async fn vault_page(
        &self,
        filter: &VaultFilter,
        page: PageRequest,
    ) -> Result<Page<Vault>, StoreError> {
        use vault::Column as C;
        let mut cond = Condition::all();
        if let Some(credential) = &filter.credential {
            cond = cond.add(C::CredentialId.eq(credential.as_str()));
        }
        if !filter.include_missing {
            cond = cond.add(C::IsMissing.eq(false));
        }
        if let Some(pattern) = filter.search.as_deref().and_then(contains_pattern) {
            cond = cond.add(
                Condition::any()
                    .add(lower_like(C::Name, &pattern))
                    .add(lower_like(C::VaultUri, &pattern))
                    .add(lower_like(C::ResourceGroup, &pattern)),
            );
        }
        let query = vault::Entity::find()
            .filter(cond)
            .order_by_asc(C::Name)
            .order_by_asc(C::Id);
        let (rows, total, page) = self.page_of(query, page).await?;
        Ok(Page {
            items: rows.into_iter().map(to_vault).collect::<Result<_, _>>()?,
            total,
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// One page of the issuers (missing ones included) matching `filter`, by name then id.
    pub async fn issuer_page(
        &self,
        filter: &IssuerFilter,
        page: PageRequest,
    ) -> Result<Page<Issuer>, StoreError> {
        use issuer::Column as C;
        let mut cond = Condition::all();
        if let Some(vault) = filter.vault {
            cond = cond.add(C::VaultId.eq(vault.0));
        }
        if let Some(credential) = &filter.credential {
            cond = cond.add(C::VaultId.in_subquery(vaults_of(credential)));
        }
        let query = issuer::Entity::find()
            .filter(cond)
            .order_by_asc(C::Name)
            .order_by_asc(C::Id);
        let (rows, total, page) = self.page_of(query, page).await?;
        Ok(Page {
            items: rows.into_iter().map(to_issuer).collect(),
            total,
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// One page of the sync runs matching `filter`, newest first.
    pub async fn sync_run_page(
        &self,
        filter: &SyncRunFilter,
        page: PageRequest,
    ) -> Result<Page<SyncRun>, StoreError> {
        use sync_run::Column as C;
        let mut cond = Condition::all();
        if let Some(vault) = filter.vault {
            cond = cond.add(C::VaultId.eq(vault.0));
        }
        if let Some(kind) = &filter.kind {
            cond = cond.add(C::Kind.eq(kind.clone()));
        }
        if let Some(outcome) = filter.outcome {
            cond = cond.add(C::Outcome.eq(outcome.as_str()));
        }
        let query = sync_run::Entity::find()
            .filter(cond)
            .order_by_desc(C::StartedAt)
            .order_by_desc(C::Id);
        let (rows, total, page) = self.page_of(query, page).await?;
        Ok(Page {
            items: rows.into_iter().map(to_run).collect::<Result<_, _>>()?,
            total,
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// One page of the audit events matching `filter`, newest first (by chain position).
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditEvent>, StoreError> {
        use audit_event::Column as C;
        let mut cond = Condition::all();
        if let Some(actor) = &filter.actor {
            cond = cond.add(if actor.ends_with(':') {
                starts_with(C::Actor, actor)
            } else {
                C::Actor.eq(actor.clone())
            });
        }
        if let Some(action) = &filter.action {
            cond = cond.add(if action.ends_with('.') {
                starts_with(C::Action, action)
            } else {
                C::Action.eq(action.clone())
            });
        }
        if let Some(target) = filter.target.as_deref().filter(|t| !t.is_empty()) {
            cond = cond.add(contains_exact(C::Target, target));
        }
        if let Some(outcome) = &filter.outcome {
            cond = cond.add(C::Outcome.eq(outcome.clone()));
        }
        if let Some(since) = filter.since {
            cond = cond.add(C::At.gte(since));
        }
        if let Some(until) = filter.until {
            cond = cond.add(C::At.lte(until));
        }
        let query = audit_event::Entity::find()
            .filter(cond)
            .order_by_desc(C::Id);
        let (rows, total, page) = self.page_of(query, page).await?;
        Ok(Page {
            items: rows.into_iter().map(to_event).collect::<Result<_, _>>()?,
            total,
            offset: page.offset,
            limit: page.limit,
        })
    }
}
