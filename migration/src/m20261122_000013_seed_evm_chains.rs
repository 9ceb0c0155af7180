//! Seeds the five default EVM chains (only those whose `chain_name` is absent).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::m20261122_000005_create_evm_chains::EvmChains;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Multicall3 address, the same on every seeded chain.
pub const MULTICALL3_ADDRESS: &str = "0xca11bde05977b3631167028862be2a173976ca11";

/// A default chain: name, EVM chain id, display name, RPC URL, native symbol, native decimals.
pub struct DefaultChain {
    pub chain_name: &'static str,
    pub chain_id: i64,
    pub display_name: &'static str,
    pub rpc_url: &'static str,
    pub native_symbol: &'static str,
    pub native_decimals: i32,
}

/// The chains this migration seeds.
pub const DEFAULT_CHAINS: [DefaultChain; 5] = [
    chain(
        "ethereum",
        1,
        "Ethereum",
        "https://ethereum-rpc.publicnode.com",
        "ETH",
    ),
    chain(
        "arbitrum",
        42161,
        "Arbitrum One",
        "https://arb1.arbitrum.io/rpc",
        "ETH",
    ),
    chain(
        "optimism",
        10,
        "OP Mainnet",
        "https://mainnet.optimism.io",
        "ETH",
    ),
    chain("base", 8453, "Base", "https://mainnet.base.org", "ETH"),
    chain(
        "bsc",
        56,
        "BNB Smart Chain",
        "https://bsc-dataseed.bnb.org",
        "BNB",
    ),
];

const fn chain(
    chain_name: &'static str,
    chain_id: i64,
    display_name: &'static str,
    rpc_url: &'static str,
    native_symbol: &'static str,
) -> DefaultChain {
    DefaultChain {
        chain_name,
        chain_id,
        display_name,
        rpc_url,
        native_symbol,
        native_decimals: 18,
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        for c in &DEFAULT_CHAINS {
            let exists = Query::select()
                .column(EvmChains::Id)
                .from(EvmChains::Table)
                .and_where(Expr::col(EvmChains::ChainName).eq(c.chain_name))
                .to_owned();
            if conn.query_one(backend.build(&exists)).await?.is_some() {
                continue;
            }
            let now = chrono::Utc::now();
            let insert = Query::insert()
                .into_table(EvmChains::Table)
                .columns([
                    EvmChains::Id,
                    EvmChains::ChainName,
                    EvmChains::ChainId,
                    EvmChains::DisplayName,
                    EvmChains::RpcUrl,
                    EvmChains::NativeSymbol,
                    EvmChains::NativeDecimals,
                    EvmChains::Multicall3Address,
                    EvmChains::IsActive,
                    EvmChains::CreatedAt,
                    EvmChains::UpdatedAt,
                ])
                .values_panic([
                    uuid::Uuid::new_v4().into(),
                    c.chain_name.into(),
                    c.chain_id.into(),
                    c.display_name.into(),
                    c.rpc_url.into(),
                    c.native_symbol.into(),
                    c.native_decimals.into(),
                    MULTICALL3_ADDRESS.into(),
                    true.into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let names = DEFAULT_CHAINS.iter().map(|c| c.chain_name);
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(EvmChains::Table)
                    .and_where(Expr::col(EvmChains::ChainName).is_in(names))
                    .to_owned(),
            )
            .await
    }
}
