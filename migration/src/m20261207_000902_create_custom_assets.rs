//! `custom_assets`: which user owns a custom asset (an `assets` row of type `custom`, with no
//! provider id and a price the user enters). Only its owner sees or uses it; another user gets
//! 404. A separate table, because SQLite cannot add a foreign key to `assets`.

use sea_orm_migration::prelude::*;

use crate::m20261122_000001_create_users::Users;
use crate::m20261122_000002_create_assets::Assets;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum CustomAssets {
    Table,
    Id,
    AssetId,
    UserId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CustomAssets::Table)
                    .col(uuid_col(CustomAssets::Id))
                    .primary_key(&mut pk(CustomAssets::Table, CustomAssets::Id))
                    .col(uuid_col(CustomAssets::AssetId))
                    .col(uuid_col(CustomAssets::UserId))
                    .col(timestamptz(CustomAssets::CreatedAt))
                    .foreign_key(&mut fk(
                        CustomAssets::Table,
                        CustomAssets::AssetId,
                        Assets::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        CustomAssets::Table,
                        CustomAssets::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(CustomAssets::Table, [CustomAssets::AssetId], true),
                index(CustomAssets::Table, [CustomAssets::UserId], false),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, CustomAssets::Table).await
    }
}
