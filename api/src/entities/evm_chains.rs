//! `evm_chains`: the EVM chain registry, with each chain's native coin.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An EVM chain; `chain_name` and `chain_id` are each unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "evm_chains")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "Text", unique)]
    pub chain_name: String,
    #[sea_orm(unique)]
    pub chain_id: i64,
    #[sea_orm(column_type = "Text")]
    pub display_name: String,
    #[sea_orm(column_type = "Text")]
    pub rpc_url: String,
    #[sea_orm(column_type = "Text")]
    pub native_symbol: String,
    pub native_decimals: i32,
    pub native_asset_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub multicall3_address: Option<String>,
    /// Aave v3's `PoolAddressesProvider` on this chain (lowercase), if configured.
    #[sea_orm(column_type = "Text")]
    pub aave_v3_addresses_provider: Option<String>,
    /// Uniswap v3's `NonfungiblePositionManager` on this chain, if configured.
    #[sea_orm(column_type = "Text")]
    pub uniswap_v3_position_manager: Option<String>,
    /// Uniswap v3's factory (pools are found from it by CREATE2).
    #[sea_orm(column_type = "Text")]
    pub uniswap_v3_factory: Option<String>,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::evm_tokens::Entity")]
    EvmTokens,
    #[sea_orm(
        belongs_to = "super::assets::Entity",
        from = "Column::NativeAssetId",
        to = "super::assets::Column::Id",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    NativeAsset,
}

impl Related<super::evm_tokens::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EvmTokens.def()
    }
}

/// The chain's native coin.
impl Related<super::assets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::NativeAsset.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
