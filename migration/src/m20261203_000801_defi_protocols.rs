//! DeFi protocol addresses in the EVM chain registry: per chain, Aave v3's
//! `PoolAddressesProvider` (the pool and its data provider are asked from it, so an Aave
//! upgrade that redeploys them needs no change here) and Uniswap v3's position manager and
//! factory. The five seeded chains get their public mainnet addresses (docs/defi.md); an
//! admin edits or clears them like any chain field. Rows of other chain ids stay empty.

use sea_orm_migration::prelude::*;

use crate::m20261122_000005_create_evm_chains::EvmChains;
use crate::util::text_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Added {
    AaveV3AddressesProvider,
    UniswapV3PositionManager,
    UniswapV3Factory,
}

/// `(chain_id, Aave v3 PoolAddressesProvider, Uniswap v3 position manager, Uniswap v3 factory)`.
pub const DEFAULTS: [(i64, &str, &str, &str); 5] = [
    (
        1,
        "0x2f39d218133afab8f2b819b1066c7e434ad94e9e",
        "0xc36442b4a4522e871399cd717abdd847ab11fe88",
        "0x1f98431c8ad98523631ae4a59f267346ea31f984",
    ),
    (
        42161,
        "0xa97684ead0e402dc232d5a977953df7ecbab3cdb",
        "0xc36442b4a4522e871399cd717abdd847ab11fe88",
        "0x1f98431c8ad98523631ae4a59f267346ea31f984",
    ),
    (
        10,
        "0xa97684ead0e402dc232d5a977953df7ecbab3cdb",
        "0xc36442b4a4522e871399cd717abdd847ab11fe88",
        "0x1f98431c8ad98523631ae4a59f267346ea31f984",
    ),
    (
        8453,
        "0xe20fcbdbffc4dd138ce8b2e6fbb6cb49777ad64d",
        "0x03a520b32c04bf3beef7beb72e919cf822ed34f1",
        "0x33128a8fc17869897dce68ed026d694621f6fdfd",
    ),
    (
        56,
        "0xff75b6da14ffbbfd355daf7a2731456b3562ba6d",
        "0x7b8a01b39d58278b5de7e48c8449c9f4f5170613",
        "0xdb1d10011ad0ff90774d0c6bb92e5c5c8b4461f7",
    ),
];

const COLUMNS: [Added; 3] = [
    Added::AaveV3AddressesProvider,
    Added::UniswapV3PositionManager,
    Added::UniswapV3Factory,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        for c in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(EvmChains::Table)
                        .add_column(text_null(c))
                        .to_owned(),
                )
                .await?;
        }
        for (chain_id, aave, npm, factory) in DEFAULTS {
            let set = Query::update()
                .table(EvmChains::Table)
                .value(Added::AaveV3AddressesProvider, aave)
                .value(Added::UniswapV3PositionManager, npm)
                .value(Added::UniswapV3Factory, factory)
                .and_where(Expr::col(EvmChains::ChainId).eq(chain_id))
                .to_owned();
            manager.exec_stmt(set).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for c in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(EvmChains::Table)
                        .drop_column(c)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
