//! `settings`: values set at run time (from Admin or the API) that every instance reads, as
//! JSON text by key.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "settings")]
pub struct Model {
    /// For example `schedule`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// JSON.
    #[sea_orm(column_type = "Text")]
    pub value: String,
    pub updated_at: i64,
    /// Who set it (the audit name of the actor).
    pub updated_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
