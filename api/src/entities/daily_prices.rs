//! `daily_prices`: an asset's USD price at the end of a UTC day.

use sea_orm::entity::prelude::*;

use super::DbDecimal;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "daily_prices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub asset_id: Uuid,
    /// `YYYY-MM-DD`.
    #[sea_orm(column_type = "Text")]
    pub day: String,
    pub price_usd: DbDecimal,
    #[sea_orm(column_type = "Text")]
    pub source: String,
    pub fetched_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
