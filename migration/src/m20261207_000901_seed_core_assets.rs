//! Seeds the core assets a fresh install needs before its first catalog download (each seeded
//! chain's native coin, BTC, and the major USD stablecoins), by their CoinGecko ids, and points
//! the seeded chains' `native_asset_id` at their native coin. Idempotent: an asset whose
//! CoinGecko id is already present is not inserted again, and a chain whose native asset is
//! already set keeps it. `fetch-all-coins` later finds these rows by CoinGecko id and fills
//! them in (it matches existing rows by provider id first), so they are never duplicated.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::m20261122_000002_create_assets::Assets;
use crate::m20261122_000005_create_evm_chains::EvmChains;
use crate::m20261203_000701_create_solana_rpc::{SolanaRpc, DEFAULT_NETWORK};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A seeded asset: CoinGecko id, symbol, name, stablecoin.
pub struct CoreAsset {
    pub coingecko_id: &'static str,
    pub symbol: &'static str,
    pub name: &'static str,
    pub is_stablecoin: bool,
}

const fn coin(coingecko_id: &'static str, symbol: &'static str, name: &'static str) -> CoreAsset {
    CoreAsset {
        coingecko_id,
        symbol,
        name,
        is_stablecoin: false,
    }
}

const fn stable(coingecko_id: &'static str, symbol: &'static str, name: &'static str) -> CoreAsset {
    CoreAsset {
        coingecko_id,
        symbol,
        name,
        is_stablecoin: true,
    }
}

/// The assets this migration seeds.
pub const CORE_ASSETS: [CoreAsset; 7] = [
    coin("bitcoin", "BTC", "Bitcoin"),
    coin("ethereum", "ETH", "Ethereum"),
    coin("binancecoin", "BNB", "BNB"),
    coin("solana", "SOL", "Solana"),
    stable("tether", "USDT", "Tether"),
    stable("usd-coin", "USDC", "USDC"),
    stable("dai", "DAI", "Dai"),
];

/// The native coin (CoinGecko id) of each chain seeded by name: the EVM chains of
/// `m20261122_000013_seed_evm_chains` and the Solana network of `solana_rpc`.
pub const NATIVE_COINS: [(&str, &str); 6] = [
    ("ethereum", "ethereum"),
    ("arbitrum", "ethereum"),
    ("optimism", "ethereum"),
    ("base", "ethereum"),
    ("bsc", "binancecoin"),
    (DEFAULT_NETWORK, "solana"),
];

async fn asset_id(
    manager: &SchemaManager<'_>,
    coingecko_id: &str,
) -> Result<Option<uuid::Uuid>, DbErr> {
    let conn = manager.get_connection();
    let q = Query::select()
        .column(Assets::Id)
        .from(Assets::Table)
        .and_where(Expr::col(Assets::CoingeckoId).eq(coingecko_id))
        .to_owned();
    match conn
        .query_one(manager.get_database_backend().build(&q))
        .await?
    {
        Some(row) => Ok(Some(row.try_get_by_index::<uuid::Uuid>(0)?)),
        None => Ok(None),
    }
}

async fn insert_asset(manager: &SchemaManager<'_>, a: &CoreAsset) -> Result<(), DbErr> {
    let now = chrono::Utc::now();
    let asset_type = if a.is_stablecoin {
        "stablecoin"
    } else {
        "cryptocurrency"
    };
    let insert = Query::insert()
        .into_table(Assets::Table)
        .columns([
            Assets::Id,
            Assets::Symbol,
            Assets::Name,
            Assets::AssetType,
            Assets::CoingeckoId,
            Assets::IsStablecoin,
            Assets::IsActive,
            Assets::CreatedAt,
            Assets::UpdatedAt,
        ])
        .values_panic([
            uuid::Uuid::new_v4().into(),
            a.symbol.into(),
            a.name.into(),
            asset_type.into(),
            a.coingecko_id.into(),
            a.is_stablecoin.into(),
            true.into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    manager.exec_stmt(insert).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for a in &CORE_ASSETS {
            if asset_id(manager, a.coingecko_id).await?.is_none() {
                insert_asset(manager, a).await?;
            }
        }
        for (chain, coingecko_id) in NATIVE_COINS {
            let Some(id) = asset_id(manager, coingecko_id).await? else {
                continue;
            };
            let update = if chain == DEFAULT_NETWORK {
                Query::update()
                    .table(SolanaRpc::Table)
                    .value(SolanaRpc::NativeAssetId, id)
                    .and_where(Expr::col(SolanaRpc::Network).eq(chain))
                    .and_where(Expr::col(SolanaRpc::NativeAssetId).is_null())
                    .to_owned()
            } else {
                Query::update()
                    .table(EvmChains::Table)
                    .value(EvmChains::NativeAssetId, id)
                    .and_where(Expr::col(EvmChains::ChainName).eq(chain))
                    .and_where(Expr::col(EvmChains::NativeAssetId).is_null())
                    .to_owned()
            };
            manager.exec_stmt(update).await?;
        }
        Ok(())
    }

    /// Leaves the rows: by now they may carry prices, holdings and targets, and the catalog
    /// would bring the same coins back anyway.
    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
