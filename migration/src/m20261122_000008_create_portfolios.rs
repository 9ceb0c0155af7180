//! `portfolios`: a user's portfolios, at most one of them the default.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261122_000001_create_users::Users;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Portfolios {
    Table,
    Id,
    UserId,
    Name,
    Description,
    TargetAllocation,
    Guardrails,
    StablecoinsAsCash,
    IsDefault,
    LastConstructedAt,
    CreatedAt,
    UpdatedAt,
}

/// Name of the partial unique index allowing one default portfolio per user.
pub const ONE_DEFAULT_INDEX: &str = "uq_portfolios_user_id_default";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Portfolios::Table)
                    .col(uuid_col(Portfolios::Id))
                    .primary_key(&mut pk(Portfolios::Table, Portfolios::Id))
                    .col(uuid_col(Portfolios::UserId))
                    .col(text(Portfolios::Name))
                    .col(text_null(Portfolios::Description))
                    .col(json(Portfolios::TargetAllocation))
                    .col(json(Portfolios::Guardrails))
                    .col(boolean(Portfolios::StablecoinsAsCash, false))
                    .col(boolean(Portfolios::IsDefault, false))
                    .col(timestamptz_null(Portfolios::LastConstructedAt))
                    .col(timestamptz(Portfolios::CreatedAt))
                    .col(timestamptz(Portfolios::UpdatedAt))
                    .foreign_key(&mut fk(
                        Portfolios::Table,
                        Portfolios::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![index(Portfolios::Table, [Portfolios::UserId], false)],
        )
        .await?;
        let predicate = match manager.get_database_backend() {
            DbBackend::Sqlite => "\"is_default\" = 1",
            _ => "\"is_default\"",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE UNIQUE INDEX \"{ONE_DEFAULT_INDEX}\" ON \"portfolios\" (\"user_id\") WHERE {predicate}"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Portfolios::Table).await
    }
}
