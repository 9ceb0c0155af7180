//! `daily_prices`: each asset's USD price at the end of each UTC day, fetched once from a
//! provider's history and never asked again; `price_history_coverage`: the days each asset's
//! history has been asked for (a day the provider had no price for stays asked, so a second
//! backfill asks only for days outside the range).

use sea_orm_migration::prelude::*;

use crate::m20261122_000002_create_assets::Assets;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum DailyPrices {
    Table,
    Id,
    AssetId,
    Day,
    PriceUsd,
    Source,
    FetchedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum PriceHistoryCoverage {
    Table,
    AssetId,
    FromDay,
    ToDay,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let t = DailyPrices::Table;
        manager
            .create_table(
                Table::create()
                    .table(t)
                    .col(uuid_col(DailyPrices::Id))
                    .primary_key(&mut pk(t, DailyPrices::Id))
                    .col(uuid_col(DailyPrices::AssetId))
                    // `YYYY-MM-DD`: sorts as the days do, on both databases.
                    .col(text(DailyPrices::Day))
                    .col(decimal_text(backend, t, DailyPrices::PriceUsd, false))
                    .col(text(DailyPrices::Source))
                    .col(timestamptz(DailyPrices::FetchedAt))
                    .foreign_key(&mut fk(
                        t,
                        DailyPrices::AssetId,
                        Assets::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        let c = PriceHistoryCoverage::Table;
        manager
            .create_table(
                Table::create()
                    .table(c)
                    .col(uuid_col(PriceHistoryCoverage::AssetId))
                    .primary_key(&mut pk(c, PriceHistoryCoverage::AssetId))
                    .col(text(PriceHistoryCoverage::FromDay))
                    .col(text(PriceHistoryCoverage::ToDay))
                    .col(timestamptz(PriceHistoryCoverage::UpdatedAt))
                    .foreign_key(&mut fk(
                        c,
                        PriceHistoryCoverage::AssetId,
                        Assets::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![index(t, [DailyPrices::AssetId, DailyPrices::Day], true)],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, PriceHistoryCoverage::Table).await?;
        drop_table(manager, DailyPrices::Table).await
    }
}
