//! `certificates`: one row per certificate version, from Key Vault certificates or TLS secrets.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique_key = "vault_source_name_version")]
    pub vault_id: i64,
    /// `keyvault` or `tls_secret`.
    #[sea_orm(unique_key = "vault_source_name_version")]
    pub source: String,
    #[sea_orm(unique_key = "vault_source_name_version")]
    pub name: String,
    #[sea_orm(unique_key = "vault_source_name_version")]
    pub version: String,
    pub is_current: bool,
    pub source_secret_name: Option<String>,
    pub source_secret_version: Option<String>,
    pub kv_id: String,
    pub x5t: String,
    pub is_enabled: bool,
    pub kv_created: i64,
    pub kv_updated: i64,
    pub nbf: Option<i64>,
    pub exp: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub tags: String,
    pub policy_issuer: Option<String>,
    pub content_type: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub issuer_dn: String,
    pub serial_hex: String,
    /// JSON `{dns, emails, upns, ips, uris}`.
    #[sea_orm(column_type = "Text")]
    pub sans: String,
    #[sea_orm(column_type = "Text")]
    pub key_usage: String,
    pub is_key_usage_critical: bool,
    #[sea_orm(column_type = "Text")]
    pub ekus: String,
    /// Added by migration 2 (not in migration 1's table).
    pub is_eku_critical: bool,
    pub key_type: String,
    pub key_size: i32,
    pub key_curve: Option<String>,
    pub signature_algorithm: String,
    pub not_before: i64,
    #[sea_orm(indexed)]
    pub not_after: i64,
    pub sha1_hex: String,
    pub sha256_hex: String,
    #[sea_orm(column_type = "Blob")]
    pub der: Vec<u8>,
    pub is_missing: bool,
    pub discovered_at: i64,
    pub refreshed_at: i64,
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
