//! `token_marks`: a user's mark on a token (`spam` or `trusted`).

use sea_orm::entity::prelude::*;

/// One user's mark on one token; unique per `(user_id, chain, contract_address)`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "token_marks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub chain: String,
    /// Lowercase `0x` + 40 hex.
    #[sea_orm(column_type = "Text")]
    pub contract_address: String,
    /// `spam` or `trusted`.
    #[sea_orm(column_type = "Text")]
    pub mark: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
