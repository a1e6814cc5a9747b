//! `vaults`: what ARM said about each Key Vault a credential can see.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vaults")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique_key = "credential_name")]
    pub credential_id: String,
    #[sea_orm(unique_key = "credential_name")]
    pub name: String,
    pub vault_uri: String,
    pub resource_id: String,
    pub resource_group: String,
    pub location: String,
    pub tenant_id: String,
    pub sku: String,
    pub has_rbac_authorization: bool,
    pub soft_delete_retention_days: Option<i32>,
    pub has_purge_protection: bool,
    /// JSON object of strings.
    #[sea_orm(column_type = "Text")]
    pub tags: String,
    pub is_missing: bool,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub certs_synced_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::credential::Entity",
        from = "Column::CredentialId",
        to = "super::credential::Column::Id",
        on_delete = "Cascade"
    )]
    Credential,
}

impl ActiveModelBehavior for ActiveModel {}
