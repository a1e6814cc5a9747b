//! `sync_runs`: one row per import/discovery run, started then finished.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    #[sea_orm(indexed)]
    pub credential_id: Option<String>,
    #[sea_orm(indexed)]
    pub vault_id: Option<i64>,
    #[sea_orm(indexed)]
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// `running`, `succeeded` or `failed`.
    pub outcome: String,
    #[sea_orm(column_type = "Text")]
    pub counts: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::credential::Entity",
        from = "Column::CredentialId",
        to = "super::credential::Column::Id",
        on_delete = "SetNull"
    )]
    Credential,
    #[sea_orm(
        belongs_to = "super::vault::Entity",
        from = "Column::VaultId",
        to = "super::vault::Column::Id",
        on_delete = "SetNull"
    )]
    Vault,
}

impl ActiveModelBehavior for ActiveModel {}
