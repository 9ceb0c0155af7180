//! `ledger_cursors`: where an exchange account's history import stopped, per kind of history
//! (`deposits`, `withdrawals`, `converts`, `rewards`, `trades:<symbol>`, …), so the next import
//! asks the exchange only for what is new. The cursor is the exchange's own position: a time in
//! milliseconds for windowed endpoints, an id for paged ones (see `docs/ledger.md`).

use sea_orm_migration::prelude::*;

use crate::m20261122_000007_create_accounts::Accounts;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum LedgerCursors {
    Table,
    AccountId,
    Kind,
    Cursor,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let t = LedgerCursors::Table;
        use LedgerCursors as C;
        manager
            .create_table(
                Table::create()
                    .table(t)
                    .col(uuid_col(C::AccountId))
                    .col(text(C::Kind))
                    .col(text(C::Cursor))
                    .col(timestamptz(C::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .name("pk_ledger_cursors")
                            .col(C::AccountId)
                            .col(C::Kind),
                    )
                    .foreign_key(&mut fk(
                        t,
                        C::AccountId,
                        Accounts::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, LedgerCursors::Table).await
    }
}
