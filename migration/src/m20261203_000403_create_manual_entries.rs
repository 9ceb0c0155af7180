//! `manual_entries`: what the user says a `manual` account holds (cold storage, an OTC
//! position). Append-only: each edit is a new row, so the history of edits is kept; the newest
//! row per asset is the holding (quantity 0 removes it).

use sea_orm_migration::prelude::*;

use crate::m20261122_000007_create_accounts::Accounts;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum ManualEntries {
    Table,
    Id,
    AccountId,
    AssetId,
    Symbol,
    Quantity,
    Note,
    EnteredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let t = ManualEntries::Table;
        manager
            .create_table(
                Table::create()
                    .table(t)
                    .col(uuid_col(ManualEntries::Id))
                    .primary_key(&mut pk(t, ManualEntries::Id))
                    .col(uuid_col(ManualEntries::AccountId))
                    .col(uuid_col(ManualEntries::AssetId))
                    .col(text(ManualEntries::Symbol))
                    .col(decimal_text(backend, t, ManualEntries::Quantity, false))
                    .col(text_null(ManualEntries::Note))
                    .col(timestamptz(ManualEntries::EnteredAt))
                    .foreign_key(&mut fk(
                        t,
                        ManualEntries::AccountId,
                        Accounts::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![index(
                t,
                [ManualEntries::AccountId, ManualEntries::EnteredAt],
                false,
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, ManualEntries::Table).await
    }
}
