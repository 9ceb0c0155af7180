//! `portfolio_accounts`: which accounts make up a portfolio.

use sea_orm_migration::prelude::*;

use crate::m20261122_000007_create_accounts::Accounts;
use crate::m20261122_000008_create_portfolios::Portfolios;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum PortfolioAccounts {
    Table,
    Id,
    PortfolioId,
    AccountId,
    AddedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PortfolioAccounts::Table)
                    .col(uuid_col(PortfolioAccounts::Id))
                    .primary_key(&mut pk(PortfolioAccounts::Table, PortfolioAccounts::Id))
                    .col(uuid_col(PortfolioAccounts::PortfolioId))
                    .col(uuid_col(PortfolioAccounts::AccountId))
                    .col(timestamptz(PortfolioAccounts::AddedAt))
                    .foreign_key(&mut fk(
                        PortfolioAccounts::Table,
                        PortfolioAccounts::PortfolioId,
                        Portfolios::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        PortfolioAccounts::Table,
                        PortfolioAccounts::AccountId,
                        Accounts::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(
                    PortfolioAccounts::Table,
                    [PortfolioAccounts::PortfolioId, PortfolioAccounts::AccountId],
                    true,
                ),
                index(
                    PortfolioAccounts::Table,
                    [PortfolioAccounts::AccountId],
                    false,
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, PortfolioAccounts::Table).await
    }
}
