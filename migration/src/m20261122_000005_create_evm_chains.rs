//! `evm_chains`: the EVM chain registry, with each chain's native coin.

use sea_orm_migration::prelude::*;

use crate::m20261122_000002_create_assets::Assets;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum EvmChains {
    Table,
    Id,
    ChainName,
    ChainId,
    DisplayName,
    RpcUrl,
    NativeSymbol,
    NativeDecimals,
    NativeAssetId,
    Multicall3Address,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EvmChains::Table)
                    .col(uuid_col(EvmChains::Id))
                    .primary_key(&mut pk(EvmChains::Table, EvmChains::Id))
                    .col(text(EvmChains::ChainName))
                    .col(ColumnDef::new(EvmChains::ChainId).big_integer().not_null())
                    .col(text(EvmChains::DisplayName))
                    .col(text(EvmChains::RpcUrl))
                    .col(text(EvmChains::NativeSymbol))
                    .col(integer(EvmChains::NativeDecimals))
                    .col(uuid_null(EvmChains::NativeAssetId))
                    .col(text_null(EvmChains::Multicall3Address))
                    .col(boolean(EvmChains::IsActive, true))
                    .col(timestamptz(EvmChains::CreatedAt))
                    .col(timestamptz(EvmChains::UpdatedAt))
                    .foreign_key(&mut fk(
                        EvmChains::Table,
                        EvmChains::NativeAssetId,
                        Assets::Table,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(EvmChains::Table, [EvmChains::ChainName], true),
                index(EvmChains::Table, [EvmChains::ChainId], true),
                index(EvmChains::Table, [EvmChains::NativeAssetId], false),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, EvmChains::Table).await
    }
}
