//! `issuers`: certificate issuers configured in a vault.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "issuers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique_key = "vault_name")]
    pub vault_id: i64,
    #[sea_orm(unique_key = "vault_name")]
    pub name: String,
    pub provider: String,
    pub is_missing: bool,
    pub last_seen_at: i64,
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
