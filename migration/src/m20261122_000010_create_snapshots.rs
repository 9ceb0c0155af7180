//! `snapshots`: a portfolio's value and holdings at a date.

use sea_orm_migration::prelude::*;

use crate::m20261122_000008_create_portfolios::Portfolios;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Snapshots {
    Table,
    Id,
    PortfolioId,
    SnapshotDate,
    SnapshotType,
    TotalValueUsd,
    Holdings,
    Metadata,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Snapshots::Table)
                    .col(uuid_col(Snapshots::Id))
                    .primary_key(&mut pk(Snapshots::Table, Snapshots::Id))
                    .col(uuid_col(Snapshots::PortfolioId))
                    .col(ColumnDef::new(Snapshots::SnapshotDate).date().not_null())
                    .col(text(Snapshots::SnapshotType))
                    .col(decimal_text(
                        db,
                        Snapshots::Table,
                        Snapshots::TotalValueUsd,
                        false,
                    ))
                    .col(json(Snapshots::Holdings))
                    .col(json_null(Snapshots::Metadata))
                    .col(timestamptz(Snapshots::CreatedAt))
                    .foreign_key(&mut fk(
                        Snapshots::Table,
                        Snapshots::PortfolioId,
                        Portfolios::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![index(
                Snapshots::Table,
                [
                    Snapshots::PortfolioId,
                    Snapshots::SnapshotDate,
                    Snapshots::SnapshotType,
                ],
                true,
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Snapshots::Table).await
    }
}
