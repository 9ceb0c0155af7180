//! `accounts`: a user's exchange, wallet or DeFi account.

use sea_orm_migration::prelude::*;

use crate::m20261122_000001_create_users::Users;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Accounts {
    Table,
    Id,
    UserId,
    Name,
    AccountType,
    ExchangeName,
    ApiKeyEncrypted,
    ApiSecretEncrypted,
    PassphraseEncrypted,
    EncryptionKeyVersion,
    ApiKeyHint,
    WalletAddress,
    EnabledChains,
    Holdings,
    LastSyncedAt,
    LastSyncStartedAt,
    LastSyncStatus,
    LastSyncError,
    PermissionWarning,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(uuid_col(Accounts::Id))
                    .primary_key(&mut pk(Accounts::Table, Accounts::Id))
                    .col(uuid_col(Accounts::UserId))
                    .col(text(Accounts::Name))
                    .col(text(Accounts::AccountType))
                    .col(text_null(Accounts::ExchangeName))
                    .col(text_null(Accounts::ApiKeyEncrypted))
                    .col(text_null(Accounts::ApiSecretEncrypted))
                    .col(text_null(Accounts::PassphraseEncrypted))
                    .col(text_null(Accounts::EncryptionKeyVersion))
                    .col(text_null(Accounts::ApiKeyHint))
                    .col(text_null(Accounts::WalletAddress))
                    .col(json_null(Accounts::EnabledChains))
                    .col(json_null(Accounts::Holdings))
                    .col(timestamptz_null(Accounts::LastSyncedAt))
                    .col(timestamptz_null(Accounts::LastSyncStartedAt))
                    .col(text_null(Accounts::LastSyncStatus))
                    .col(text_null(Accounts::LastSyncError))
                    .col(text_null(Accounts::PermissionWarning))
                    .col(boolean(Accounts::IsActive, true))
                    .col(timestamptz(Accounts::CreatedAt))
                    .col(timestamptz(Accounts::UpdatedAt))
                    .foreign_key(&mut fk(
                        Accounts::Table,
                        Accounts::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![index(Accounts::Table, [Accounts::UserId], false)],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Accounts::Table).await
    }
}
