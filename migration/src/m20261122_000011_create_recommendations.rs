//! `recommendations`: rebalancing proposals for a portfolio.

use sea_orm_migration::prelude::*;

use crate::m20261122_000008_create_portfolios::Portfolios;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Recommendations {
    Table,
    Id,
    PortfolioId,
    Status,
    Trades,
    Summary,
    TotalBuyUsd,
    TotalSellUsd,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Recommendations::Table)
                    .col(uuid_col(Recommendations::Id))
                    .primary_key(&mut pk(Recommendations::Table, Recommendations::Id))
                    .col(uuid_col(Recommendations::PortfolioId))
                    .col(text(Recommendations::Status))
                    .col(json(Recommendations::Trades))
                    .col(json_null(Recommendations::Summary))
                    .col(decimal_text(
                        db,
                        Recommendations::Table,
                        Recommendations::TotalBuyUsd,
                        false,
                    ))
                    .col(decimal_text(
                        db,
                        Recommendations::Table,
                        Recommendations::TotalSellUsd,
                        false,
                    ))
                    .col(timestamptz(Recommendations::CreatedAt))
                    .foreign_key(&mut fk(
                        Recommendations::Table,
                        Recommendations::PortfolioId,
                        Portfolios::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![index(
                Recommendations::Table,
                [Recommendations::PortfolioId, Recommendations::CreatedAt],
                false,
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Recommendations::Table).await
    }
}
