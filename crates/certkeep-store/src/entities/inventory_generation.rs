//! `inventory_generations`: a change counter per vault, raised by triggers on every insert,
//! update and delete of its `certificates` rows (migration 4). The sum only grows, so a cached
//! count is valid while the sum it was computed at is unchanged, on every instance.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inventory_generations")]
pub struct Model {
    /// No foreign key: a removed vault's counter stays, so the sum never goes back.
    #[sea_orm(primary_key, auto_increment = false)]
    pub vault_id: i64,
    pub n: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
