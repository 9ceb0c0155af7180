//! `daily_balances`: what each account held of each asset at the end of each day (written by
//! the end-of-day job for every account, in a portfolio or not), so one account's or one
//! asset's history can be shown without a portfolio.

use sea_orm_migration::prelude::*;

use crate::m20261122_000001_create_users::Users;
use crate::m20261122_000007_create_accounts::Accounts;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum DailyBalances {
    Table,
    Id,
    AccountId,
    UserId,
    Day,
    Kind,
    Symbol,
    AssetId,
    Quantity,
    PriceUsd,
    ValueUsd,
    PriceAt,
    SyncedAt,
    Flags,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let t = DailyBalances::Table;
        manager
            .create_table(
                Table::create()
                    .table(t)
                    .col(uuid_col(DailyBalances::Id))
                    .primary_key(&mut pk(t, DailyBalances::Id))
                    .col(uuid_col(DailyBalances::AccountId))
                    .col(uuid_col(DailyBalances::UserId))
                    .col(ColumnDef::new(DailyBalances::Day).date().not_null())
                    .col(text(DailyBalances::Kind))
                    .col(text(DailyBalances::Symbol))
                    .col(uuid_null(DailyBalances::AssetId))
                    .col(decimal_text(backend, t, DailyBalances::Quantity, false))
                    .col(decimal_text(backend, t, DailyBalances::PriceUsd, true))
                    .col(decimal_text(backend, t, DailyBalances::ValueUsd, true))
                    .col(timestamptz_null(DailyBalances::PriceAt))
                    .col(timestamptz_null(DailyBalances::SyncedAt))
                    .col(json(DailyBalances::Flags))
                    .col(timestamptz(DailyBalances::CreatedAt))
                    .foreign_key(&mut fk(
                        t,
                        DailyBalances::AccountId,
                        Accounts::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        t,
                        DailyBalances::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(t, [DailyBalances::AccountId, DailyBalances::Day], false),
                index(
                    t,
                    [
                        DailyBalances::UserId,
                        DailyBalances::AssetId,
                        DailyBalances::Day,
                    ],
                    false,
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, DailyBalances::Table).await
    }
}
