//! `asset_contracts`: an asset's token contract on a chain.

use sea_orm_migration::prelude::*;

use crate::m20261122_000002_create_assets::Assets;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum AssetContracts {
    Table,
    Id,
    AssetId,
    Chain,
    ContractAddress,
    TokenStandard,
    Decimals,
    IsVerified,
    Source,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AssetContracts::Table)
                    .col(uuid_col(AssetContracts::Id))
                    .primary_key(&mut pk(AssetContracts::Table, AssetContracts::Id))
                    .col(uuid_col(AssetContracts::AssetId))
                    .col(text(AssetContracts::Chain))
                    .col(text(AssetContracts::ContractAddress))
                    .col(text_null(AssetContracts::TokenStandard))
                    .col(integer_null(AssetContracts::Decimals))
                    .col(boolean(AssetContracts::IsVerified, false))
                    .col(text_null(AssetContracts::Source))
                    .col(timestamptz(AssetContracts::CreatedAt))
                    .col(timestamptz(AssetContracts::UpdatedAt))
                    .foreign_key(&mut fk(
                        AssetContracts::Table,
                        AssetContracts::AssetId,
                        Assets::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(
                    AssetContracts::Table,
                    [AssetContracts::Chain, AssetContracts::ContractAddress],
                    true,
                ),
                index(AssetContracts::Table, [AssetContracts::AssetId], false),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, AssetContracts::Table).await
    }
}
