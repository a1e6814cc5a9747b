//! `sessions`: signed-in browser sessions. The session id and the CSRF token are stored only as
//! SHA-256 hex digests computed by the caller, never as they are sent to the browser.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// Hex SHA-256 of the session id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id_hash: String,
    #[sea_orm(indexed)]
    pub user_id: String,
    /// Hex SHA-256 of the CSRF token.
    pub csrf_hash: String,
    pub created_at: i64,
    #[sea_orm(indexed)]
    pub last_seen_at: i64,
    /// The absolute expiry, whatever the activity.
    #[sea_orm(indexed)]
    pub expires_at: i64,
    pub client_addr: Option<String>,
    /// At most 200 characters.
    pub user_agent: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
