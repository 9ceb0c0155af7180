//! `holdings`: one row per account × location × kind × asset (`domain::holdings::Holding`).

use sea_orm::entity::prelude::*;

use super::DbDecimal;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "holdings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub account_id: Uuid,
    /// Order within the account, as the sync produced them.
    pub position: i32,
    #[sea_orm(column_type = "Text")]
    pub location: String,
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub symbol: String,
    pub asset_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub chain: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub contract_address: Option<String>,
    pub quantity: DbDecimal,
    #[sea_orm(column_type = "Text")]
    pub quantity_text: Option<String>,
    /// The on-chain integer (base-10 digits).
    #[sea_orm(column_type = "Text")]
    pub raw_amount: Option<String>,
    pub decimals: Option<i32>,
    pub price_usd: Option<DbDecimal>,
    pub value_usd: Option<DbDecimal>,
    #[sea_orm(column_type = "Text")]
    pub price_source: Option<String>,
    pub price_at: Option<DateTimeUtc>,
    pub is_dust: bool,
    #[sea_orm(column_type = "Text")]
    pub identified_by: String,
    /// A JSON list of flag names.
    #[sea_orm(column_type = "JsonBinary")]
    pub flags: Json,
    pub synced_at: Option<DateTimeUtc>,
    /// Source-specific detail (a protocol's health factor, a token's UI multiplier).
    #[sea_orm(column_type = "JsonBinary")]
    pub details: Option<Json>,
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
