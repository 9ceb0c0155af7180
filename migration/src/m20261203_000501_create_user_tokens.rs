//! `user_tokens`: tokens a user added to a wallet account by contract address, with the
//! symbol, name and decimals read on chain when added. Every sync of the account scans them.

use sea_orm_migration::prelude::*;

use crate::m20261122_000007_create_accounts::Accounts;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum UserTokens {
    Table,
    Id,
    AccountId,
    Chain,
    ContractAddress,
    Symbol,
    Name,
    Decimals,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UserTokens::Table)
                    .col(uuid_col(UserTokens::Id))
                    .primary_key(&mut pk(UserTokens::Table, UserTokens::Id))
                    .col(uuid_col(UserTokens::AccountId))
                    .col(text(UserTokens::Chain))
                    .col(text(UserTokens::ContractAddress))
                    .col(text(UserTokens::Symbol))
                    .col(text(UserTokens::Name))
                    .col(integer(UserTokens::Decimals))
                    .col(timestamptz(UserTokens::CreatedAt))
                    .foreign_key(&mut fk(
                        UserTokens::Table,
                        UserTokens::AccountId,
                        Accounts::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![index(
                UserTokens::Table,
                [
                    UserTokens::AccountId,
                    UserTokens::Chain,
                    UserTokens::ContractAddress,
                ],
                true,
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, UserTokens::Table).await
    }
}
