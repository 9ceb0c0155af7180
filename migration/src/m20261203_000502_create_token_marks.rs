//! `token_marks`: a user's own verdict on a token (chain + contract): `spam` hides it,
//! `trusted` lifts a spam verdict of the rules. One mark per user and token.

use sea_orm_migration::prelude::*;

use crate::m20261122_000001_create_users::Users;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum TokenMarks {
    Table,
    Id,
    UserId,
    Chain,
    ContractAddress,
    Mark,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TokenMarks::Table)
                    .col(uuid_col(TokenMarks::Id))
                    .primary_key(&mut pk(TokenMarks::Table, TokenMarks::Id))
                    .col(uuid_col(TokenMarks::UserId))
                    .col(text(TokenMarks::Chain))
                    .col(text(TokenMarks::ContractAddress))
                    .col(text(TokenMarks::Mark))
                    .col(timestamptz(TokenMarks::CreatedAt))
                    .col(timestamptz(TokenMarks::UpdatedAt))
                    .foreign_key(&mut fk(
                        TokenMarks::Table,
                        TokenMarks::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![index(
                TokenMarks::Table,
                [
                    TokenMarks::UserId,
                    TokenMarks::Chain,
                    TokenMarks::ContractAddress,
                ],
                true,
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, TokenMarks::Table).await
    }
}
