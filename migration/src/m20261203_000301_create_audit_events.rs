//! `audit_events`: an append-only record of state changes (who, when, what, which request).
//! Triggers on both backends refuse UPDATE and DELETE.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    ActorUserId,
    ActorSubject,
    Kind,
    Action,
    TargetId,
    RequestId,
    Status,
    Summary,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(uuid_col(AuditEvents::Id))
                    .primary_key(&mut pk(AuditEvents::Table, AuditEvents::Id))
                    .col(timestamptz(AuditEvents::OccurredAt))
                    .col(uuid_null(AuditEvents::ActorUserId))
                    .col(text(AuditEvents::ActorSubject))
                    .col(text(AuditEvents::Kind))
                    .col(text(AuditEvents::Action))
                    .col(text_null(AuditEvents::TargetId))
                    .col(text(AuditEvents::RequestId))
                    .col(integer(AuditEvents::Status))
                    .col(text(AuditEvents::Summary))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(
                    AuditEvents::Table,
                    [AuditEvents::ActorUserId, AuditEvents::OccurredAt],
                    false,
                ),
                index(AuditEvents::Table, [AuditEvents::OccurredAt], false),
            ],
        )
        .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events \
                     FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
                )
                .await?;
            }
            _ => {
                for op in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER audit_events_no_{} BEFORE {op} ON audit_events \
                         BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
                        op.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, AuditEvents::Table).await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_events_append_only()")
                .await?;
        }
        Ok(())
    }
}
