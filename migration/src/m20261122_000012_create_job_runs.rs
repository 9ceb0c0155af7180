//! `job_runs`: one row per background job run.

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum JobRuns {
    Table,
    Id,
    JobName,
    Trigger,
    StartedAt,
    FinishedAt,
    Status,
    ItemsProcessed,
    Error,
    Details,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(JobRuns::Table)
                    .col(uuid_col(JobRuns::Id))
                    .primary_key(&mut pk(JobRuns::Table, JobRuns::Id))
                    .col(text(JobRuns::JobName))
                    .col(text(JobRuns::Trigger))
                    .col(timestamptz(JobRuns::StartedAt))
                    .col(timestamptz_null(JobRuns::FinishedAt))
                    .col(text(JobRuns::Status))
                    .col(
                        ColumnDef::new(JobRuns::ItemsProcessed)
                            .big_integer()
                            .not_null()
                            .default(0i64),
                    )
                    .col(text_null(JobRuns::Error))
                    .col(json_null(JobRuns::Details))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![index(
                JobRuns::Table,
                [JobRuns::JobName, JobRuns::StartedAt],
                false,
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, JobRuns::Table).await
    }
}
