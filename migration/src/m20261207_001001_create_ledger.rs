//! The ledger: `ledger_entries` (every trade, deposit, withdrawal, income, spend and fee of an
//! account, with its source and the source's own id, unique per account so a second import adds
//! nothing), `ledger_revisions` (each entry's earlier versions, for its edit history) and
//! `ledger_settings` (each user's cost-basis method and pooling).

use sea_orm_migration::prelude::*;

use crate::m20261122_000001_create_users::Users;
use crate::m20261122_000007_create_accounts::Accounts;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum LedgerEntries {
    Table,
    Id,
    UserId,
    AccountId,
    Kind,
    OccurredAt,
    SentAssetId,
    SentSymbol,
    SentQuantity,
    ReceivedAssetId,
    ReceivedSymbol,
    ReceivedQuantity,
    FeeAssetId,
    FeeSymbol,
    FeeQuantity,
    ValueUsd,
    FeeValueUsd,
    IncomeKind,
    TransferId,
    Source,
    ExternalId,
    Note,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum LedgerRevisions {
    Table,
    Id,
    EntryId,
    AccountId,
    Action,
    Before,
    At,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum LedgerSettings {
    Table,
    UserId,
    Method,
    Pooling,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let t = LedgerEntries::Table;
        use LedgerEntries as E;
        manager
            .create_table(
                Table::create()
                    .table(t)
                    .col(uuid_col(E::Id))
                    .primary_key(&mut pk(t, E::Id))
                    .col(uuid_col(E::UserId))
                    .col(uuid_col(E::AccountId))
                    .col(text(E::Kind))
                    .col(timestamptz(E::OccurredAt))
                    .col(uuid_null(E::SentAssetId))
                    .col(text_null(E::SentSymbol))
                    .col(decimal_text(backend, t, E::SentQuantity, true))
                    .col(uuid_null(E::ReceivedAssetId))
                    .col(text_null(E::ReceivedSymbol))
                    .col(decimal_text(backend, t, E::ReceivedQuantity, true))
                    .col(uuid_null(E::FeeAssetId))
                    .col(text_null(E::FeeSymbol))
                    .col(decimal_text(backend, t, E::FeeQuantity, true))
                    .col(decimal_text(backend, t, E::ValueUsd, true))
                    .col(decimal_text(backend, t, E::FeeValueUsd, true))
                    .col(text_null(E::IncomeKind))
                    .col(uuid_null(E::TransferId))
                    .col(text(E::Source))
                    .col(text(E::ExternalId))
                    .col(text_null(E::Note))
                    .col(timestamptz(E::CreatedAt))
                    .col(timestamptz(E::UpdatedAt))
                    .foreign_key(&mut fk(
                        t,
                        E::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        t,
                        E::AccountId,
                        Accounts::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        let r = LedgerRevisions::Table;
        manager
            .create_table(
                Table::create()
                    .table(r)
                    .col(uuid_col(LedgerRevisions::Id))
                    .primary_key(&mut pk(r, LedgerRevisions::Id))
                    .col(uuid_col(LedgerRevisions::EntryId))
                    .col(uuid_col(LedgerRevisions::AccountId))
                    .col(text(LedgerRevisions::Action))
                    .col(json_null(LedgerRevisions::Before))
                    .col(timestamptz(LedgerRevisions::At))
                    .foreign_key(&mut fk(
                        r,
                        LedgerRevisions::AccountId,
                        Accounts::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        let s = LedgerSettings::Table;
        manager
            .create_table(
                Table::create()
                    .table(s)
                    .col(uuid_col(LedgerSettings::UserId))
                    .primary_key(&mut pk(s, LedgerSettings::UserId))
                    .col(text(LedgerSettings::Method))
                    .col(text(LedgerSettings::Pooling))
                    .col(timestamptz(LedgerSettings::UpdatedAt))
                    .foreign_key(&mut fk(
                        s,
                        LedgerSettings::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(t, [E::AccountId, E::Source, E::ExternalId], true),
                index(t, [E::UserId, E::OccurredAt], false),
                index(t, [E::TransferId], false),
                index(r, [LedgerRevisions::EntryId, LedgerRevisions::At], false),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, LedgerSettings::Table).await?;
        drop_table(manager, LedgerRevisions::Table).await?;
        drop_table(manager, LedgerEntries::Table).await
    }
}
