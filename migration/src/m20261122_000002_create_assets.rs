//! `assets`: the coin registry. Unique on the provider ids, not on `(symbol, name)`.

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Assets {
    Table,
    Id,
    Symbol,
    Name,
    AssetType,
    CoingeckoId,
    CoinpaprikaId,
    CoinmarketcapId,
    IsStablecoin,
    LogoUrl,
    MarketCapRank,
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
                    .table(Assets::Table)
                    .col(uuid_col(Assets::Id))
                    .primary_key(&mut pk(Assets::Table, Assets::Id))
                    .col(text(Assets::Symbol))
                    .col(text(Assets::Name))
                    .col(text(Assets::AssetType))
                    .col(text_null(Assets::CoingeckoId))
                    .col(text_null(Assets::CoinpaprikaId))
                    .col(text_null(Assets::CoinmarketcapId))
                    .col(boolean(Assets::IsStablecoin, false))
                    .col(text_null(Assets::LogoUrl))
                    .col(integer_null(Assets::MarketCapRank))
                    .col(boolean(Assets::IsActive, true))
                    .col(timestamptz(Assets::CreatedAt))
                    .col(timestamptz(Assets::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(Assets::Table, [Assets::CoingeckoId], true),
                index(Assets::Table, [Assets::CoinpaprikaId], true),
                index(Assets::Table, [Assets::Symbol], false),
                index(Assets::Table, [Assets::Symbol, Assets::Name], false),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Assets::Table).await
    }
}
