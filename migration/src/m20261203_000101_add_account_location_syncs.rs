//! `accounts.location_syncs`: each location's last good read, status and error (a JSON list),
//! so an account's age is its oldest location's and a failed location shows why.

use sea_orm_migration::prelude::*;

use crate::m20261122_000007_create_accounts::Accounts;
use crate::util::json_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Added {
    LocationSyncs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .add_column(json_null(Added::LocationSyncs))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Accounts::Table)
                    .drop_column(Added::LocationSyncs)
                    .to_owned(),
            )
            .await
    }
}
