//! Certificate requests: created with their audit event, updated as Key Vault reports, polled
//! when due.
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::certificate_query::vaults_of;
use super::{Store, audit, with_member};
use crate::entities::{certificate_request, vault};
use crate::model::audit::NewAuditEvent;
use crate::model::certificate::CertificateUpsert;
use crate::model::page::{Page, PageRequest};
use crate::model::request::{
    CertificateRequest, NewRequest, RequestFilter, RequestKind, RequestStatus, RequestUpdate,
};
use crate::{RequestId, StoreError, VaultId, json};

fn to_request(m: certificate_request::Model) -> Result<CertificateRequest, StoreError> {
    Ok(CertificateRequest {
        id: RequestId::from_db(m.id),
        vault_id: VaultId(m.vault_id),
        kind: RequestKind::parse(&m.kind)?,
        spec: json::decode(&m.spec, "certificate_requests.spec")?,
        status: RequestStatus::parse(&m.status)?,
        criticality: m
            .criticality
            .as_deref()
            .map(|c| json::decode(c, "certificate_requests.criticality"))
            .transpose()?,
        certificate_name: m.certificate_name,
        issuer_name: m.issuer_name,
        requested_by: m.requested_by,
        requested_at: m.requested_at,
        status_details: m.status_details,
        error_code: m.error_code,
        error_message: m.error_message,
        kv_request_id: m.kv_request_id,
        csr_der: m.csr_der,
        result_version: m.result_version,
        poll_after: m.poll_after,
        poll_attempts: m.poll_attempts,
        completed_at: m.completed_at,
        updated_at: m.updated_at,
    })
}

impl Store {
    /// Records a new request and its audit event (whose detail gets `request_id`) in one
    /// transaction. A taken id is [`StoreError::Conflict`]; an unknown vault is `NotFound`.
    pub async fn create_request(
        &self,
        new: NewRequest,
        audit: NewAuditEvent,
    ) -> Result<CertificateRequest, StoreError> {
        let spec = json::encode(&new.spec)?;
        let txn = self.begin_audited().await?;
        if vault::Entity::find_by_id(new.vault_id.0)
            .count(&txn)
            .await?
            == 0
        {
            return Err(StoreError::NotFound {
                entity: "vault",
                key: new.vault_id.to_string(),
            });
        }
        if certificate_request::Entity::find_by_id(new.id.as_str())
            .count(&txn)
            .await?
            > 0
        {
            return Err(StoreError::Conflict {
                entity: "certificate request",
                field: "id",
                value: new.id.to_string(),
            });
        }
        certificate_request::Entity::insert(certificate_request::ActiveModel {
            id: Set(new.id.as_str().to_string()),
            vault_id: Set(new.vault_id.0),
            certificate_name: Set(new.certificate_name.clone()),
            kind: Set(new.kind.as_str().to_string()),
            spec: Set(spec),
            issuer_name: Set(new.issuer_name.clone()),
            requested_by: Set(new.requested_by.clone()),
            requested_at: Set(new.requested_at),
            status: Set(new.status.as_str().to_string()),
            status_details: Set(None),
            error_code: Set(None),
            error_message: Set(None),
            kv_request_id: Set(None),
            csr_der: Set(None),
            result_version: Set(None),
            criticality: Set(None),
            poll_after: Set(new.poll_after),
            poll_attempts: Set(0),
            completed_at: Set(None),
            updated_at: Set(new.requested_at),
        })
        .exec_without_returning(&txn)
        .await?;
        let detail = with_member(audit.detail, "request_id", new.id.as_str().into());
        audit::append(&txn, self.clock.now(), NewAuditEvent { detail, ..audit }).await?;
        let stored = certificate_request::Entity::find_by_id(new.id.as_str())
            .one(&txn)
            .await?;
        txn.commit().await?;
        stored
            .map(to_request)
            .transpose()?
            .ok_or_else(|| StoreError::Corrupt(format!("request {} vanished", new.id)))
    }

    /// Applies `update` (the fields that are `Some`) and sets `updated_at` to the store clock's
    /// now; with `audit`, appends that event (detail gets `request_id`) in the same transaction.
    /// Returns the stored request.
    pub async fn update_request(
        &self,
        id: &RequestId,
        update: RequestUpdate,
        audit: Option<NewAuditEvent>,
    ) -> Result<CertificateRequest, StoreError> {
        let txn = match audit {
            Some(_) => self.begin_audited().await?,
            None => self.begin_write().await?,
        };
        let stored = update_in(&txn, self.clock.now(), id, update, audit).await?;
        txn.commit().await?;
        Ok(stored)
    }

    /// A request Key Vault has completed: its certificate version stored in the inventory, the
    /// request updated and its audit event appended, all in one transaction (so a crash never
    /// leaves a completed request without its version, or a version without its completion).
    pub async fn complete_request(
        &self,
        id: &RequestId,
        vault_id: VaultId,
        version: &CertificateUpsert,
        update: RequestUpdate,
        audit: NewAuditEvent,
    ) -> Result<CertificateRequest, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_audited().await?;
        let items = [(&version.record, Some(version.is_eku_critical))];
        super::certificates::upsert_in(&txn, vault_id, &items, now).await?;
        let stored = update_in(&txn, now, id, update, Some(audit)).await?;
        txn.commit().await?;
        Ok(stored)
    }

    /// The request with this id.
    pub async fn find_request(
        &self,
        id: &RequestId,
    ) -> Result<Option<CertificateRequest>, StoreError> {
        certificate_request::Entity::find_by_id(id.as_str())
            .one(&self.db)
            .await?
            .map(to_request)
            .transpose()
    }

    /// One page of the requests matching `filter`, newest first.
    pub async fn request_page(
        &self,
        filter: &RequestFilter,
        page: PageRequest,
    ) -> Result<Page<CertificateRequest>, StoreError> {
        use certificate_request::Column as C;
        let page = page.clamped();
        let mut cond = Condition::all();
        if let Some(vault) = filter.vault {
            cond = cond.add(C::VaultId.eq(vault.0));
        }
        if let Some(credential) = &filter.credential {
            cond = cond.add(C::VaultId.in_subquery(vaults_of(credential)));
        }
        if let Some(status) = filter.status {
            cond = cond.add(C::Status.eq(status.as_str()));
        }
        if let Some(name) = &filter.certificate_name {
            cond = cond.add(C::CertificateName.eq(name.clone()));
        }
        let query = certificate_request::Entity::find()
            .filter(cond)
            .order_by_desc(C::RequestedAt)
            .order_by_desc(C::Id);
        let (rows, total, page) = self.page_of(query, page).await?;
        Ok(Page {
            items: rows.into_iter().map(to_request).collect::<Result<_, _>>()?,
            total,
            offset: page.offset,
            limit: page.limit,
        })
    }

    /// Up to `limit` open requests (sending or in progress) whose poll time has come
    /// (`poll_after` at or before `now`, or none), oldest request first.
    pub async fn requests_due(
        &self,
        now: i64,
        limit: u64,
    ) -> Result<Vec<CertificateRequest>, StoreError> {
        use certificate_request::Column as C;
        certificate_request::Entity::find()
            .filter(C::Status.is_in([
                RequestStatus::Sending.as_str(),
                RequestStatus::InProgress.as_str(),
            ]))
            .filter(
                Condition::any()
                    .add(C::PollAfter.is_null())
                    .add(C::PollAfter.lte(now)),
            )
            .order_by_asc(C::RequestedAt)
            .order_by_asc(C::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_request)
            .collect()
    }

    /// The newest request for a certificate name in a vault.
    pub async fn latest_request_for(
        &self,
        vault_id: VaultId,
        certificate_name: &str,
    ) -> Result<Option<CertificateRequest>, StoreError> {
        use certificate_request::Column as C;
        certificate_request::Entity::find()
            .filter(C::VaultId.eq(vault_id.0))
            .filter(C::CertificateName.eq(certificate_name))
            .order_by_desc(C::RequestedAt)
            .order_by_desc(C::UpdatedAt)
            .order_by_desc(C::Id)
            .one(&self.db)
            .await?
            .map(to_request)
            .transpose()
    }
}

/// [`Store::update_request`] inside the caller's transaction.
async fn update_in(
    txn: &DatabaseTransaction,
    now: i64,
    id: &RequestId,
    update: RequestUpdate,
    audit: Option<NewAuditEvent>,
) -> Result<CertificateRequest, StoreError> {
    use certificate_request::Column as C;
    let criticality = update.criticality.as_ref().map(json::encode).transpose()?;
    let mut query = certificate_request::Entity::update_many()
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(id.as_str()));
    if let Some(status) = update.status {
        query = query.col_expr(C::Status, Expr::value(status.as_str()));
    }
    let texts = [
        (C::StatusDetails, update.status_details),
        (C::ErrorCode, update.error_code),
        (C::ErrorMessage, update.error_message),
        (C::KvRequestId, update.kv_request_id),
        (C::ResultVersion, update.result_version),
        (C::Criticality, criticality),
    ];
    for (column, value) in texts {
        if let Some(value) = value {
            query = query.col_expr(column, Expr::value(value));
        }
    }
    if let Some(csr) = update.csr_der {
        query = query.col_expr(C::CsrDer, Expr::value(csr));
    }
    for (column, value) in [
        (C::PollAfter, update.poll_after),
        (C::CompletedAt, update.completed_at),
    ] {
        if let Some(value) = value {
            query = query.col_expr(column, Expr::value(value));
        }
    }
    if let Some(attempts) = update.poll_attempts {
        query = query.col_expr(C::PollAttempts, Expr::value(attempts));
    }
    if query.exec(txn).await?.rows_affected == 0 {
        return Err(StoreError::NotFound {
            entity: "certificate request",
            key: id.to_string(),
        });
    }
    if let Some(audit) = audit {
        let detail = with_member(audit.detail, "request_id", id.as_str().into());
        audit::append(txn, now, NewAuditEvent { detail, ..audit }).await?;
    }
    let stored = certificate_request::Entity::find_by_id(id.as_str())
        .one(txn)
        .await?;
    stored
        .map(to_request)
        .transpose()?
        .ok_or_else(|| StoreError::Corrupt(format!("request {id} vanished")))
}
