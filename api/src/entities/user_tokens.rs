//! `user_tokens`: tokens a user added to a wallet account by contract address.

use sea_orm::entity::prelude::*;

/// A token added by contract; unique per `(account_id, chain, contract_address)`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub account_id: Uuid,
    /// The chain's name (`ethereum`, `base`, …).
    #[sea_orm(column_type = "Text")]
    pub chain: String,
    /// Lowercase `0x` + 40 hex.
    #[sea_orm(column_type = "Text")]
    pub contract_address: String,
    #[sea_orm(column_type = "Text")]
    pub symbol: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    pub decimals: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::accounts::Entity",
        from = "Column::AccountId",
        to = "super::accounts::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Account,
}

impl Related<super::accounts::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
