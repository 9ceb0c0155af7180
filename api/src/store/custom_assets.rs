//! Users' custom assets: an `assets` row of type `custom` (no provider id, so no catalog job
//! ever matches or prices it), its owner in `custom_assets`, and its price as `asset_prices`
//! rows of source `manual`, so it is valued wherever a catalog asset is.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};
use uuid::Uuid;

use crate::domain::catalog::ASSET_TYPE_CUSTOM;
use crate::domain::identity::IndexedAsset;
use crate::entities::{asset_prices, assets, custom_assets, DbDecimal};

/// The `asset_prices.source` of a price a user entered.
pub const MANUAL_SOURCE: &str = "manual";

/// A custom asset with its latest price.
#[derive(Debug, Clone)]
pub struct CustomAsset {
    pub asset: assets::Model,
    pub price_usd: Option<Decimal>,
    pub price_at: Option<DateTime<Utc>>,
}

/// Creates a custom asset owned by `user_id`, priced at `price_usd` now.
pub async fn create(
    db: &(impl ConnectionTrait + TransactionTrait),
    user_id: Uuid,
    symbol: &str,
    name: &str,
    price_usd: Decimal,
) -> Result<CustomAsset, DbErr> {
    let txn = db.begin().await?;
    let now = Utc::now().trunc_subsecs_micros();
    let asset = assets::ActiveModel {
        id: Set(Uuid::new_v4()),
        symbol: Set(symbol.to_string()),
        name: Set(name.to_string()),
        asset_type: Set(ASSET_TYPE_CUSTOM.to_string()),
        coingecko_id: Set(None),
        coinpaprika_id: Set(None),
        coinmarketcap_id: Set(None),
        is_stablecoin: Set(false),
        logo_url: Set(None),
        market_cap_rank: Set(None),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    custom_assets::ActiveModel {
        id: Set(Uuid::new_v4()),
        asset_id: Set(asset.id),
        user_id: Set(user_id),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    insert_price(&txn, asset.id, price_usd, now).await?;
    txn.commit().await?;
    Ok(CustomAsset {
        asset,
        price_usd: Some(price_usd),
        price_at: Some(now),
    })
}

async fn insert_price(
    db: &impl ConnectionTrait,
    asset_id: Uuid,
    price_usd: Decimal,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    asset_prices::ActiveModel {
        id: Set(Uuid::new_v4()),
        asset_id: Set(asset_id),
        timestamp: Set(at),
        price_usd: Set(DbDecimal(price_usd)),
        volume_24h_usd: Set(None),
        market_cap_usd: Set(None),
        rank: Set(None),
        source: Set(MANUAL_SOURCE.to_string()),
        created_at: Set(at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Records a new price of a custom asset (the older ones stay as its history).
pub async fn set_price(
    db: &impl ConnectionTrait,
    asset_id: Uuid,
    price_usd: Decimal,
) -> Result<(), DbErr> {
    insert_price(db, asset_id, price_usd, Utc::now().trunc_subsecs_micros()).await
}

/// The ids of `user_id`'s custom assets.
async fn ids_of(db: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<Uuid>, DbErr> {
    Ok(custom_assets::Entity::find()
        .filter(custom_assets::Column::UserId.eq(user_id))
        .order_by_asc(custom_assets::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.asset_id)
        .collect())
}

/// `user_id`'s custom assets with their latest prices, oldest first.
pub async fn list(db: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<CustomAsset>, DbErr> {
    let ids = ids_of(db, user_id).await?;
    let rows = super::assets::by_ids(db, &ids).await?;
    let prices = super::prices::latest_for_assets(db, &ids).await?;
    let mut out: Vec<CustomAsset> = rows
        .into_iter()
        .map(|a| {
            let p = prices.get(&a.id);
            CustomAsset {
                price_usd: p.map(|p| p.price_usd.0),
                price_at: p.map(|p| p.timestamp),
                asset: a,
            }
        })
        .collect();
    out.sort_by_key(|c| ids.iter().position(|id| *id == c.asset.id));
    Ok(out)
}

/// One of `user_id`'s custom assets; `None` when it is not theirs (or no such asset).
pub async fn get(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    asset_id: Uuid,
) -> Result<Option<CustomAsset>, DbErr> {
    if owner_of(db, asset_id).await? != Some(user_id) {
        return Ok(None);
    }
    Ok(list(db, user_id)
        .await?
        .into_iter()
        .find(|c| c.asset.id == asset_id))
}

/// The owner of a custom asset; `None` for a catalog asset.
pub async fn owner_of(db: &impl ConnectionTrait, asset_id: Uuid) -> Result<Option<Uuid>, DbErr> {
    Ok(custom_assets::Entity::find()
        .filter(custom_assets::Column::AssetId.eq(asset_id))
        .one(db)
        .await?
        .map(|c| c.user_id))
}

/// `user_id`'s custom assets as identity resolution sees them.
pub async fn indexed_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<IndexedAsset>, DbErr> {
    let ids = ids_of(db, user_id).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(super::assets::by_ids(db, &ids)
        .await?
        .into_iter()
        .map(|a| IndexedAsset {
            id: a.id,
            symbol: a.symbol,
            name: a.name,
            market_cap_rank: None,
            market_cap_usd: None,
            is_stablecoin: false,
            contracts: Vec::new(),
            logo_url: None,
        })
        .collect())
}

trait Micros {
    fn trunc_subsecs_micros(self) -> Self;
}

impl Micros for DateTime<Utc> {
    /// PostgreSQL keeps microseconds: the answer then agrees with what is stored.
    fn trunc_subsecs_micros(self) -> Self {
        chrono::SubsecRound::trunc_subsecs(self, 6)
    }
}
