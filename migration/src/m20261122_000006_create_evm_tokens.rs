//! `evm_tokens`: ERC-20 tokens tracked per EVM chain.

use sea_orm_migration::prelude::*;

use crate::m20261122_000002_create_assets::Assets;
use crate::m20261122_000005_create_evm_chains::EvmChains;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum EvmTokens {
    Table,
    Id,
    ChainId,
    Symbol,
    Name,
    ContractAddress,
    Decimals,
    LogoUrl,
    AssetId,
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
                    .table(EvmTokens::Table)
                    .col(uuid_col(EvmTokens::Id))
                    .primary_key(&mut pk(EvmTokens::Table, EvmTokens::Id))
                    .col(uuid_col(EvmTokens::ChainId))
                    .col(text(EvmTokens::Symbol))
                    .col(text_null(EvmTokens::Name))
                    .col(text(EvmTokens::ContractAddress))
                    .col(integer(EvmTokens::Decimals))
                    .col(text_null(EvmTokens::LogoUrl))
                    .col(uuid_null(EvmTokens::AssetId))
                    .col(boolean(EvmTokens::IsActive, true))
                    .col(timestamptz(EvmTokens::CreatedAt))
                    .col(timestamptz(EvmTokens::UpdatedAt))
                    .foreign_key(&mut fk(
                        EvmTokens::Table,
                        EvmTokens::ChainId,
                        EvmChains::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        EvmTokens::Table,
                        EvmTokens::AssetId,
                        Assets::Table,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(
                    EvmTokens::Table,
                    [EvmTokens::ChainId, EvmTokens::ContractAddress],
                    true,
                ),
                index(EvmTokens::Table, [EvmTokens::AssetId], false),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, EvmTokens::Table).await
    }
}
