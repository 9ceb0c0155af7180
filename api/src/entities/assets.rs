//! `assets`: the coin registry.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A coin or token; `asset_type` is `cryptocurrency`, `token` or `stablecoin`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "assets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub symbol: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub asset_type: String,
    #[sea_orm(column_type = "Text", unique)]
    pub coingecko_id: Option<String>,
    #[sea_orm(column_type = "Text", unique)]
    pub coinpaprika_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub coinmarketcap_id: Option<String>,
    pub is_stablecoin: bool,
    #[sea_orm(column_type = "Text")]
    pub logo_url: Option<String>,
    pub market_cap_rank: Option<i32>,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::asset_contracts::Entity")]
    AssetContracts,
    #[sea_orm(has_many = "super::asset_prices::Entity")]
    AssetPrices,
    #[sea_orm(has_many = "super::evm_tokens::Entity")]
    EvmTokens,
    #[sea_orm(has_many = "super::evm_chains::Entity")]
    EvmChains,
}

impl Related<super::asset_contracts::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AssetContracts.def()
    }
}

impl Related<super::asset_prices::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AssetPrices.def()
    }
}

impl Related<super::evm_tokens::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EvmTokens.def()
    }
}

/// Chains whose native coin is this asset.
impl Related<super::evm_chains::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EvmChains.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
