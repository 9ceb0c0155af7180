//! `evm_tokens`: ERC-20 tokens tracked per EVM chain.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A token; `chain_id` is the `evm_chains.id` UUID. Unique per `(chain_id, contract_address)`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "evm_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub chain_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub symbol: String,
    #[sea_orm(column_type = "Text")]
    pub name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub contract_address: String,
    pub decimals: i32,
    #[sea_orm(column_type = "Text")]
    pub logo_url: Option<String>,
    pub asset_id: Option<Uuid>,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::evm_chains::Entity",
        from = "Column::ChainId",
        to = "super::evm_chains::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Chain,
    #[sea_orm(
        belongs_to = "super::assets::Entity",
        from = "Column::AssetId",
        to = "super::assets::Column::Id",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    Asset,
}

impl Related<super::evm_chains::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Chain.def()
    }
}

impl Related<super::assets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Asset.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
