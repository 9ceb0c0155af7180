//! `asset_prices`: price history per asset and source.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::DbDecimal;

/// One price point; unique per `(asset_id, timestamp, source)`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "asset_prices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub asset_id: Uuid,
    pub timestamp: DateTimeUtc,
    pub price_usd: DbDecimal,
    pub volume_24h_usd: Option<DbDecimal>,
    pub market_cap_usd: Option<DbDecimal>,
    pub rank: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub source: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::assets::Entity",
        from = "Column::AssetId",
        to = "super::assets::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Asset,
}

impl Related<super::assets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Asset.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
