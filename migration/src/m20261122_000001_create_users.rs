//! `users`: one row per Keycloak subject.

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    KeycloakUserId,
    Email,
    PreferredUsername,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(uuid_col(Users::Id))
                    .primary_key(&mut pk(Users::Table, Users::Id))
                    .col(text(Users::KeycloakUserId))
                    .col(text_null(Users::Email))
                    .col(text_null(Users::PreferredUsername))
                    .col(timestamptz(Users::CreatedAt))
                    .col(timestamptz(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![index(Users::Table, [Users::KeycloakUserId], true)],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Users::Table).await
    }
}
