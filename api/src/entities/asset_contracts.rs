//! `asset_contracts`: an asset's token contract on a chain.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A contract address of an asset; unique per `(chain, contract_address)`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "asset_contracts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub asset_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub chain: String,
    #[sea_orm(column_type = "Text")]
    pub contract_address: String,
    #[sea_orm(column_type = "Text")]
    pub token_standard: Option<String>,
    pub decimals: Option<i32>,
    pub is_verified: bool,
    #[sea_orm(column_type = "Text")]
    pub source: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
