//! `bitcoin_wallet_scans`: per Bitcoin wallet of an extended public key, the gap limit its scan
//! uses and the highest used address index per chain the last good sync found, so the next
//! sync asks everything up to it in one wave (`domain::bitcoin_wallet::GapScan`). One row per
//! account, removed with it.

use sea_orm_migration::prelude::*;

use crate::m20261122_000007_create_accounts::Accounts;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum BitcoinWalletScans {
    Table,
    AccountId,
    GapLimit,
    ReceiveUsed,
    ChangeUsed,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BitcoinWalletScans::Table)
                    .col(uuid_col(BitcoinWalletScans::AccountId))
                    .primary_key(&mut pk(
                        BitcoinWalletScans::Table,
                        BitcoinWalletScans::AccountId,
                    ))
                    .col(integer(BitcoinWalletScans::GapLimit))
                    .col(integer_null(BitcoinWalletScans::ReceiveUsed))
                    .col(integer_null(BitcoinWalletScans::ChangeUsed))
                    .col(timestamptz(BitcoinWalletScans::UpdatedAt))
                    .foreign_key(&mut fk(
                        BitcoinWalletScans::Table,
                        BitcoinWalletScans::AccountId,
                        Accounts::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, BitcoinWalletScans::Table).await
    }
}
