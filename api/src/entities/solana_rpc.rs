//! `solana_rpc`: the RPC endpoint of a Solana network (the sync reads the row `solana`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "solana_rpc")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "Text", unique)]
    pub network: String,
    #[sea_orm(column_type = "Text")]
    pub display_name: String,
    #[sea_orm(column_type = "Text")]
    pub rpc_url: String,
    /// HTTP requests a second this process sends to the endpoint (all wallets together).
    pub requests_per_second: i32,
    /// Deadline of one HTTP request, in milliseconds.
    pub timeout_ms: i32,
    pub native_asset_id: Option<Uuid>,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::assets::Entity",
        from = "Column::NativeAssetId",
        to = "super::assets::Column::Id",
        on_update = "NoAction",
        on_delete = "SetNull"
    )]
    NativeAsset,
}

impl Related<super::assets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::NativeAsset.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
