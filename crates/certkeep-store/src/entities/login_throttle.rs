//! `login_throttle`: failed sign-ins counted per key the caller chooses (`user:alice`,
//! `addr:10.0.0.1`), and the lockout the caller decided on.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_throttle")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub failures: i64,
    pub first_failure_at: i64,
    #[sea_orm(indexed)]
    pub last_failure_at: i64,
    pub locked_until: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
