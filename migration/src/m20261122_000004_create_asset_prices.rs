//! `asset_prices`: price history per asset and source.

use sea_orm_migration::prelude::*;

use crate::m20261122_000002_create_assets::Assets;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum AssetPrices {
    Table,
    Id,
    AssetId,
    Timestamp,
    PriceUsd,
    #[sea_orm(iden = "volume_24h_usd")]
    Volume24hUsd,
    MarketCapUsd,
    Rank,
    Source,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(AssetPrices::Table)
                    .col(uuid_col(AssetPrices::Id))
                    .primary_key(&mut pk(AssetPrices::Table, AssetPrices::Id))
                    .col(uuid_col(AssetPrices::AssetId))
                    .col(timestamptz(AssetPrices::Timestamp))
                    .col(decimal_text(
                        db,
                        AssetPrices::Table,
                        AssetPrices::PriceUsd,
                        false,
                    ))
                    .col(decimal_text(
                        db,
                        AssetPrices::Table,
                        AssetPrices::Volume24hUsd,
                        true,
                    ))
                    .col(decimal_text(
                        db,
                        AssetPrices::Table,
                        AssetPrices::MarketCapUsd,
                        true,
                    ))
                    .col(integer_null(AssetPrices::Rank))
                    .col(text(AssetPrices::Source))
                    .col(timestamptz(AssetPrices::CreatedAt))
                    .foreign_key(&mut fk(
                        AssetPrices::Table,
                        AssetPrices::AssetId,
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
                    AssetPrices::Table,
                    [
                        AssetPrices::AssetId,
                        AssetPrices::Timestamp,
                        AssetPrices::Source,
                    ],
                    true,
                ),
                index(AssetPrices::Table, [AssetPrices::Timestamp], false),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, AssetPrices::Table).await
    }
}
