//! The Solana RPC settings (one row per network; the sync reads [`MAINNET`]).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::entities::solana_rpc;

/// The network Solana wallets are read on (the row the migration seeds).
pub const MAINNET: &str = "solana";

/// Changes to the settings; `None` keeps the stored value.
#[derive(Default)]
pub struct Changes {
    pub display_name: Option<String>,
    pub rpc_url: Option<String>,
    pub requests_per_second: Option<i32>,
    pub timeout_ms: Option<i32>,
    pub is_active: Option<bool>,
    pub native_asset_id: Option<uuid::Uuid>,
}

pub async fn get(
    db: &impl ConnectionTrait,
    network: &str,
) -> Result<Option<solana_rpc::Model>, DbErr> {
    solana_rpc::Entity::find()
        .filter(solana_rpc::Column::Network.eq(network))
        .one(db)
        .await
}

pub async fn update(
    db: &impl ConnectionTrait,
    row: solana_rpc::Model,
    changes: Changes,
) -> Result<solana_rpc::Model, DbErr> {
    let mut am: solana_rpc::ActiveModel = row.into();
    if let Some(v) = changes.display_name {
        am.display_name = Set(v);
    }
    if let Some(v) = changes.rpc_url {
        am.rpc_url = Set(v);
    }
    if let Some(v) = changes.requests_per_second {
        am.requests_per_second = Set(v);
    }
    if let Some(v) = changes.timeout_ms {
        am.timeout_ms = Set(v);
    }
    if let Some(v) = changes.native_asset_id {
        am.native_asset_id = Set(Some(v));
    }
    if let Some(v) = changes.is_active {
        am.is_active = Set(v);
    }
    am.updated_at = Set(Utc::now());
    am.update(db).await
}

/// Sets a network's native asset.
pub async fn set_native_asset(
    db: &impl ConnectionTrait,
    network: &str,
    asset_id: uuid::Uuid,
) -> Result<(), DbErr> {
    if let Some(row) = get(db, network).await? {
        update(
            db,
            row,
            Changes {
                native_asset_id: Some(asset_id),
                ..Default::default()
            },
        )
        .await?;
    }
    Ok(())
}
