//! `accounts.chain_family`: which family of chains a wallet is on (`evm`; `solana` next), so
//! the sync picks the wallet's source from it. Existing wallets are EVM wallets.

use sea_orm_migration::prelude::*;

use crate::m20261122_000007_create_accounts::Accounts;
use crate::util::text_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Added {
    ChainFamily,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(text_null(Added::ChainFamily))
                    .to_owned(),
            )
            .await?;
        let set = Query::update()
            .table(Accounts::Table)
            .value(Added::ChainFamily, "evm")
            .and_where(Expr::col(Accounts::AccountType).eq("wallet"))
            .to_owned();
        manager.exec_stmt(set).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .drop_column(Added::ChainFamily)
                    .to_owned(),
            )
            .await
    }
}
