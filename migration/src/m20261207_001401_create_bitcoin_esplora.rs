//! `bitcoin_esplora`: the Esplora HTTP API (Blockstream's esplora, electrs, mempool.space) that
//! wallets of the `bitcoin` family are read from: its URL, rate limit and deadline, like the
//! Solana RPC's (`solana_rpc`), not a row of `evm_chains` (no chain id, no tokens). One row per
//! network; the sync reads the row named `bitcoin` (mainnet), seeded with Blockstream's public
//! endpoint. The admin changes it with `PUT /api/admin/bitcoin-esplora`.

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum BitcoinEsplora {
    Table,
    Id,
    Network,
    DisplayName,
    BaseUrl,
    RequestsPerSecond,
    TimeoutMs,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

/// The seeded row: mainnet on Blockstream's public Esplora, at 5 requests a second (its limits
/// are not published; a self-hosted electrs can be set far higher).
pub const DEFAULT_NETWORK: &str = "bitcoin";
pub const DEFAULT_BASE_URL: &str = "https://blockstream.info/api";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BitcoinEsplora::Table)
                    .col(uuid_col(BitcoinEsplora::Id))
                    .primary_key(&mut pk(BitcoinEsplora::Table, BitcoinEsplora::Id))
                    .col(text(BitcoinEsplora::Network))
                    .col(text(BitcoinEsplora::DisplayName))
                    .col(text(BitcoinEsplora::BaseUrl))
                    .col(integer(BitcoinEsplora::RequestsPerSecond))
                    .col(integer(BitcoinEsplora::TimeoutMs))
                    .col(boolean(BitcoinEsplora::IsActive, true))
                    .col(timestamptz(BitcoinEsplora::CreatedAt))
                    .col(timestamptz(BitcoinEsplora::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![index(
                BitcoinEsplora::Table,
                [BitcoinEsplora::Network],
                true,
            )],
        )
        .await?;
        let now = chrono::Utc::now();
        let insert = Query::insert()
            .into_table(BitcoinEsplora::Table)
            .columns([
                BitcoinEsplora::Id,
                BitcoinEsplora::Network,
                BitcoinEsplora::DisplayName,
                BitcoinEsplora::BaseUrl,
                BitcoinEsplora::RequestsPerSecond,
                BitcoinEsplora::TimeoutMs,
                BitcoinEsplora::IsActive,
                BitcoinEsplora::CreatedAt,
                BitcoinEsplora::UpdatedAt,
            ])
            .values_panic([
                uuid::Uuid::new_v4().into(),
                DEFAULT_NETWORK.into(),
                "Bitcoin (Blockstream Esplora)".into(),
                DEFAULT_BASE_URL.into(),
                5i32.into(),
                15_000i32.into(),
                true.into(),
                now.into(),
                now.into(),
            ])
            .to_owned();
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, BitcoinEsplora::Table).await
    }
}
