//! `tls_secrets`: one row per version of a secret holding a certificate (PEM or PFX).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tls_secrets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique_key = "vault_name_version")]
    pub vault_id: i64,
    #[sea_orm(unique_key = "vault_name_version")]
    pub name: String,
    #[sea_orm(unique_key = "vault_name_version")]
    pub version: String,
    pub is_current: bool,
    pub content_type: String,
    pub is_enabled: bool,
    pub activation: Option<i64>,
    pub expiry: Option<i64>,
    pub kv_created: i64,
    pub kv_updated: i64,
    pub is_managed: bool,
    #[sea_orm(column_type = "Text")]
    pub tags: String,
    pub certificate_id: Option<i64>,
    pub is_missing: bool,
    pub discovered_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::vault::Entity",
        from = "Column::VaultId",
        to = "super::vault::Column::Id",
        on_delete = "Cascade"
    )]
    Vault,
    #[sea_orm(
        belongs_to = "super::certificate::Entity",
        from = "Column::CertificateId",
        to = "super::certificate::Column::Id",
        on_delete = "SetNull"
    )]
    Certificate,
}

impl ActiveModelBehavior for ActiveModel {}
