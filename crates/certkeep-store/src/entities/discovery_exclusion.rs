//! `discovery_exclusions`: certificates and TLS secrets that discovery must not import again.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "discovery_exclusions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique_key = "vault_kind_name_version")]
    pub vault_id: i64,
    /// `certificate` or `tls_secret`.
    #[sea_orm(unique_key = "vault_kind_name_version")]
    pub kind: String,
    #[sea_orm(unique_key = "vault_kind_name_version")]
    pub name: String,
    /// `None`: every version.
    #[sea_orm(unique_key = "vault_kind_name_version")]
    pub version: Option<String>,
    pub created_by: String,
    pub created_at: i64,
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
}

impl ActiveModelBehavior for ActiveModel {}
