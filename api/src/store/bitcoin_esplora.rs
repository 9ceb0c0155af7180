//! The Esplora settings of Bitcoin wallets (one row per network; the sync reads [`MAINNET`]).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::entities::bitcoin_esplora;

/// The network Bitcoin wallets are read on (the row the migration seeds).
pub const MAINNET: &str = "bitcoin";

/// Changes to the settings; `None` keeps the stored value.
#[derive(Default)]
pub struct Changes {
    pub display_name: Option<String>,
    pub base_url: Option<String>,
    pub requests_per_second: Option<i32>,
    pub timeout_ms: Option<i32>,
    pub is_active: Option<bool>,
}

pub async fn get(
    db: &impl ConnectionTrait,
    network: &str,
) -> Result<Option<bitcoin_esplora::Model>, DbErr> {
    bitcoin_esplora::Entity::find()
        .filter(bitcoin_esplora::Column::Network.eq(network))
        .one(db)
        .await
}

pub async fn update(
    db: &impl ConnectionTrait,
    row: bitcoin_esplora::Model,
    changes: Changes,
) -> Result<bitcoin_esplora::Model, DbErr> {
    let mut am: bitcoin_esplora::ActiveModel = row.into();
    if let Some(v) = changes.display_name {
        am.display_name = Set(v);
    }
    if let Some(v) = changes.base_url {
        am.base_url = Set(v);
    }
    if let Some(v) = changes.requests_per_second {
        am.requests_per_second = Set(v);
    }
    if let Some(v) = changes.timeout_ms {
        am.timeout_ms = Set(v);
    }
    if let Some(v) = changes.is_active {
        am.is_active = Set(v);
    }
    am.updated_at = Set(Utc::now());
    am.update(db).await
}
