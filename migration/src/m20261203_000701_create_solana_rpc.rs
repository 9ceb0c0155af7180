//! `solana_rpc`: the Solana RPC endpoint wallets of the `solana` family are read from, beside
//! (not inside) the EVM chain registry: Solana has no EVM chain id, no Multicall3 and no
//! token registry (tokens are discovered per wallet), but its own rate limit and deadline.
//! One row per network; the sync reads the row named `solana` (mainnet), seeded here with the
//! public endpoint. The admin changes it with `PUT /api/admin/solana-rpc`.

use sea_orm_migration::prelude::*;

use crate::m20261122_000002_create_assets::Assets;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum SolanaRpc {
    Table,
    Id,
    Network,
    DisplayName,
    RpcUrl,
    RequestsPerSecond,
    TimeoutMs,
    NativeAssetId,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

/// The seeded row: mainnet on Solana's public endpoint (which limits to about 10 requests a
/// second per IP; 4 a second stays clear of it).
pub const DEFAULT_NETWORK: &str = "solana";
pub const DEFAULT_RPC_URL: &str = "https://api.mainnet-beta.solana.com";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SolanaRpc::Table)
                    .col(uuid_col(SolanaRpc::Id))
                    .primary_key(&mut pk(SolanaRpc::Table, SolanaRpc::Id))
                    .col(text(SolanaRpc::Network))
                    .col(text(SolanaRpc::DisplayName))
                    .col(text(SolanaRpc::RpcUrl))
                    .col(integer(SolanaRpc::RequestsPerSecond))
                    .col(integer(SolanaRpc::TimeoutMs))
                    .col(uuid_null(SolanaRpc::NativeAssetId))
                    .col(boolean(SolanaRpc::IsActive, true))
                    .col(timestamptz(SolanaRpc::CreatedAt))
                    .col(timestamptz(SolanaRpc::UpdatedAt))
                    .foreign_key(&mut fk(
                        SolanaRpc::Table,
                        SolanaRpc::NativeAssetId,
                        Assets::Table,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(SolanaRpc::Table, [SolanaRpc::Network], true),
                index(SolanaRpc::Table, [SolanaRpc::NativeAssetId], false),
            ],
        )
        .await?;
        let now = chrono::Utc::now();
        let insert = Query::insert()
            .into_table(SolanaRpc::Table)
            .columns([
                SolanaRpc::Id,
                SolanaRpc::Network,
                SolanaRpc::DisplayName,
                SolanaRpc::RpcUrl,
                SolanaRpc::RequestsPerSecond,
                SolanaRpc::TimeoutMs,
                SolanaRpc::IsActive,
                SolanaRpc::CreatedAt,
                SolanaRpc::UpdatedAt,
            ])
            .values_panic([
                uuid::Uuid::new_v4().into(),
                DEFAULT_NETWORK.into(),
                "Solana".into(),
                DEFAULT_RPC_URL.into(),
                4i32.into(),
                15_000i32.into(),
                true.into(),
                now.into(),
                now.into(),
            ])
            .to_owned();
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, SolanaRpc::Table).await
    }
}
