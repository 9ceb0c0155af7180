//! `accounts.exchange_uid`: the exchange's own id of the account behind the key (OKX: `uid`
//! of `/api/v5/account/config`), unique per user and exchange, so one exchange account cannot
//! be added twice with two keys. Existing rows get NULL (unique indexes let NULLs repeat) and
//! are filled in by their next sync.

use sea_orm_migration::prelude::*;

use crate::m20261122_000007_create_accounts::Accounts;
use crate::util::{index, text_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Name of the index; the API maps a violation of it to `409 duplicate_account`.
pub const UNIQUE_EXCHANGE_UID_INDEX: &str = "uq_accounts_user_id_exchange_name_exchange_uid";

#[derive(DeriveIden)]
enum Extra {
    ExchangeUid,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(text_null(Extra::ExchangeUid))
                    .to_owned(),
            )
            .await?;
        let idx = index(
            Accounts::Table,
            [
                Accounts::UserId.into_iden(),
                Accounts::ExchangeName.into_iden(),
                Extra::ExchangeUid.into_iden(),
            ],
            true,
        );
        manager.create_index(idx.to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(UNIQUE_EXCHANGE_UID_INDEX)
                    .table(Accounts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .drop_column(Extra::ExchangeUid)
                    .to_owned(),
            )
            .await
    }
}
