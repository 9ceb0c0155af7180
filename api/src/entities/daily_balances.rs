//! `daily_balances`: an account's holding of one asset (one kind) at the end of a day.

use sea_orm::entity::prelude::*;

use super::DbDecimal;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "daily_balances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub account_id: Uuid,
    pub user_id: Uuid,
    pub day: Date,
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub symbol: String,
    pub asset_id: Option<Uuid>,
    pub quantity: DbDecimal,
    pub price_usd: Option<DbDecimal>,
    pub value_usd: Option<DbDecimal>,
    pub price_at: Option<DateTimeUtc>,
    pub synced_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "JsonBinary")]
    pub flags: Json,
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
