//! `request_limits`: the per-user request limits shared by every replica on one PostgreSQL
//! (issue 32). One row per bucket (`read:<user>`, `sync:<user>:<account>`, …) holding its
//! GCRA "theoretical arrival time": a request is let through while that time is no further
//! ahead than the bucket's burst allows, and moves it on by one emission interval. A row whose
//! time has passed is a full bucket, the same as no row; they are deleted now and then.
//! SQLite installations (one process) keep their limits in memory and never write here.

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum RequestLimits {
    Table,
    Key,
    Tat,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use RequestLimits as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(text(C::Key).primary_key())
                    .col(timestamptz(C::Tat))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, RequestLimits::Table).await
    }
}
