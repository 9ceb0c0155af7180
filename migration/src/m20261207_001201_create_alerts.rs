//! Alerts (issue 30): a user's channels (webhook, ntfy) with their secret encrypted at rest,
//! rules, each rule's per-subject state (so a condition that stays true alerts once and a
//! "cleared" alert follows), every alert raised, and every delivery attempt with its outcome.

use sea_orm_migration::prelude::*;

use crate::m20261122_000001_create_users::Users;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum AlertChannels {
    Table,
    Id,
    UserId,
    Name,
    Kind,
    Target,
    SecretEncrypted,
    EncryptionKeyVersion,
    IsPrivate,
    ConsecutiveFailures,
    FailingSince,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum AlertRules {
    Table,
    Id,
    UserId,
    Name,
    Kind,
    Params,
    ChannelIds,
    CooldownSecs,
    IsEnabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum AlertStates {
    Table,
    Id,
    RuleId,
    Subject,
    Firing,
    ChangedAt,
    LastTriggeredAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Alerts {
    Table,
    Id,
    UserId,
    RuleId,
    Kind,
    State,
    Subject,
    Title,
    Message,
    Payload,
    PrivateDetails,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum AlertDeliveries {
    Table,
    Id,
    AlertId,
    ChannelId,
    Attempt,
    Status,
    HttpStatus,
    Error,
    CreatedAt,
}

fn cascade_to_users<T: IntoIden + Copy + 'static, C: IntoIden>(
    t: T,
    c: C,
) -> ForeignKeyCreateStatement {
    fk(t, c, Users::Table, ForeignKeyAction::Cascade)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        {
            use AlertChannels as C;
            let t = C::Table;
            manager
                .create_table(
                    Table::create()
                        .table(t)
                        .col(uuid_col(C::Id))
                        .primary_key(&mut pk(t, C::Id))
                        .col(uuid_col(C::UserId))
                        .col(text(C::Name))
                        .col(text(C::Kind))
                        .col(text(C::Target))
                        .col(text_null(C::SecretEncrypted))
                        .col(text_null(C::EncryptionKeyVersion))
                        .col(boolean(C::IsPrivate, false))
                        .col(
                            ColumnDef::new(C::ConsecutiveFailures)
                                .integer()
                                .not_null()
                                .default(0),
                        )
                        .col(timestamptz_null(C::FailingSince))
                        .col(text_null(C::LastError))
                        .col(timestamptz(C::CreatedAt))
                        .col(timestamptz(C::UpdatedAt))
                        .foreign_key(&mut cascade_to_users(t, C::UserId))
                        .to_owned(),
                )
                .await?;
            create_indexes(manager, vec![index(t, [C::UserId], false)]).await?;
        }
        {
            use AlertRules as C;
            let t = C::Table;
            manager
                .create_table(
                    Table::create()
                        .table(t)
                        .col(uuid_col(C::Id))
                        .primary_key(&mut pk(t, C::Id))
                        .col(uuid_col(C::UserId))
                        .col(text(C::Name))
                        .col(text(C::Kind))
                        .col(json(C::Params))
                        .col(json(C::ChannelIds))
                        .col(integer(C::CooldownSecs))
                        .col(boolean(C::IsEnabled, true))
                        .col(timestamptz(C::CreatedAt))
                        .col(timestamptz(C::UpdatedAt))
                        .foreign_key(&mut cascade_to_users(t, C::UserId))
                        .to_owned(),
                )
                .await?;
            create_indexes(
                manager,
                vec![index(t, [C::UserId], false), index(t, [C::Kind], false)],
            )
            .await?;
        }
        {
            use AlertStates as C;
            let t = C::Table;
            manager
                .create_table(
                    Table::create()
                        .table(t)
                        .col(uuid_col(C::Id))
                        .primary_key(&mut pk(t, C::Id))
                        .col(uuid_col(C::RuleId))
                        .col(text(C::Subject))
                        .col(boolean(C::Firing, false))
                        .col(timestamptz(C::ChangedAt))
                        .col(timestamptz_null(C::LastTriggeredAt))
                        .foreign_key(&mut fk(
                            t,
                            C::RuleId,
                            AlertRules::Table,
                            ForeignKeyAction::Cascade,
                        ))
                        .to_owned(),
                )
                .await?;
            create_indexes(manager, vec![index(t, [C::RuleId, C::Subject], true)]).await?;
        }
        {
            use Alerts as C;
            let t = C::Table;
            manager
                .create_table(
                    Table::create()
                        .table(t)
                        .col(uuid_col(C::Id))
                        .primary_key(&mut pk(t, C::Id))
                        .col(uuid_col(C::UserId))
                        .col(uuid_null(C::RuleId))
                        .col(text(C::Kind))
                        .col(text(C::State))
                        .col(text(C::Subject))
                        .col(text(C::Title))
                        .col(text(C::Message))
                        .col(json(C::Payload))
                        .col(json_null(C::PrivateDetails))
                        .col(timestamptz(C::CreatedAt))
                        .foreign_key(&mut cascade_to_users(t, C::UserId))
                        .foreign_key(&mut fk(
                            t,
                            C::RuleId,
                            AlertRules::Table,
                            ForeignKeyAction::SetNull,
                        ))
                        .to_owned(),
                )
                .await?;
            create_indexes(
                manager,
                vec![
                    index(t, [C::UserId, C::CreatedAt], false),
                    index(t, [C::RuleId], false),
                ],
            )
            .await?;
        }
        {
            use AlertDeliveries as C;
            let t = C::Table;
            manager
                .create_table(
                    Table::create()
                        .table(t)
                        .col(uuid_col(C::Id))
                        .primary_key(&mut pk(t, C::Id))
                        .col(uuid_col(C::AlertId))
                        .col(uuid_col(C::ChannelId))
                        .col(integer(C::Attempt))
                        .col(text(C::Status))
                        .col(integer_null(C::HttpStatus))
                        .col(text_null(C::Error))
                        .col(timestamptz(C::CreatedAt))
                        .foreign_key(&mut fk(
                            t,
                            C::AlertId,
                            Alerts::Table,
                            ForeignKeyAction::Cascade,
                        ))
                        .foreign_key(&mut fk(
                            t,
                            C::ChannelId,
                            AlertChannels::Table,
                            ForeignKeyAction::Cascade,
                        ))
                        .to_owned(),
                )
                .await?;
            create_indexes(
                manager,
                vec![
                    index(t, [C::AlertId], false),
                    index(t, [C::ChannelId], false),
                ],
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, AlertDeliveries::Table).await?;
        drop_table(manager, Alerts::Table).await?;
        drop_table(manager, AlertStates::Table).await?;
        drop_table(manager, AlertRules::Table).await?;
        drop_table(manager, AlertChannels::Table).await
    }
}
