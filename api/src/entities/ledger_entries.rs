//! `ledger_entries`: what happened in an account (see `domain::ledger`).

use sea_orm::entity::prelude::*;

use super::DbDecimal;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub account_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    pub occurred_at: DateTimeUtc,
    pub sent_asset_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub sent_symbol: Option<String>,
    pub sent_quantity: Option<DbDecimal>,
    pub received_asset_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub received_symbol: Option<String>,
    pub received_quantity: Option<DbDecimal>,
    pub fee_asset_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub fee_symbol: Option<String>,
    pub fee_quantity: Option<DbDecimal>,
    pub value_usd: Option<DbDecimal>,
    pub fee_value_usd: Option<DbDecimal>,
    #[sea_orm(column_type = "Text")]
    pub income_kind: Option<String>,
    pub transfer_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub source: String,
    #[sea_orm(column_type = "Text")]
    pub external_id: String,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
