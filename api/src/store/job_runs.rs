//! Records of job runs.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use crate::entities::job_runs;

/// One run of a job, as stored.
pub use crate::entities::job_runs::Model as JobRun;

pub const RUNNING: &str = "running";
pub const SUCCEEDED: &str = "succeeded";
/// Finished, but some of its work failed (recorded in `error` and `details`).
pub const PARTIAL: &str = "partial";
pub const FAILED: &str = "failed";
/// Left `running` by a process that died; marked when the job's lock is next taken.
pub const ABANDONED: &str = "abandoned";

pub async fn insert_running(
    db: &impl ConnectionTrait,
    job_name: &str,
    trigger: &str,
) -> Result<job_runs::Model, DbErr> {
    job_runs::ActiveModel {
        id: Set(Uuid::new_v4()),
        job_name: Set(job_name.to_string()),
        trigger: Set(trigger.to_string()),
        started_at: Set(Utc::now()),
        finished_at: Set(None),
        status: Set(RUNNING.to_string()),
        items_processed: Set(0),
        error: Set(None),
        details: Set(None),
    }
    .insert(db)
    .await
}

/// Marks runs of this job still `running` as abandoned; call only while holding its lock.
pub async fn abandon_running(db: &impl ConnectionTrait, job_name: &str) -> Result<u64, DbErr> {
    let r = job_runs::Entity::update_many()
        .col_expr(job_runs::Column::Status, Expr::value(ABANDONED))
        .col_expr(job_runs::Column::FinishedAt, Expr::value(Utc::now()))
        .col_expr(
            job_runs::Column::Error,
            Expr::value("the process running it stopped before it finished"),
        )
        .filter(job_runs::Column::JobName.eq(job_name))
        .filter(job_runs::Column::Status.eq(RUNNING))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}

/// Writes a whole run that failed before its start could be recorded (the database was
/// down), once the database is back.
pub async fn insert_failed(
    db: &impl ConnectionTrait,
    job_name: &str,
    trigger: &str,
    at: DateTime<Utc>,
    error: String,
) -> Result<(), DbErr> {
    job_runs::ActiveModel {
        id: Set(Uuid::new_v4()),
        job_name: Set(job_name.to_string()),
        trigger: Set(trigger.to_string()),
        started_at: Set(at),
        finished_at: Set(Some(at)),
        status: Set(FAILED.to_string()),
        items_processed: Set(0),
        error: Set(Some(error)),
        details: Set(Some(serde_json::json!({}))),
    }
    .insert(db)
    .await
    .map(|_| ())
}

pub async fn finish(
    db: &impl ConnectionTrait,
    id: Uuid,
    status: &str,
    items_processed: i64,
    error: Option<String>,
    details: serde_json::Value,
    finished_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    job_runs::ActiveModel {
        id: Set(id),
        finished_at: Set(Some(finished_at)),
        status: Set(status.to_string()),
        items_processed: Set(items_processed),
        error: Set(error),
        details: Set(Some(details)),
        ..Default::default()
    }
    .update(db)
    .await
    .map(|_| ())
}

pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<job_runs::Model>, DbErr> {
    job_runs::Entity::find_by_id(id).one(db).await
}

pub async fn last_run(
    db: &impl ConnectionTrait,
    job_name: &str,
) -> Result<Option<job_runs::Model>, DbErr> {
    job_runs::Entity::find()
        .filter(job_runs::Column::JobName.eq(job_name))
        .order_by_desc(job_runs::Column::StartedAt)
        .one(db)
        .await
}

/// Whether a run of `job_name` ever finished `succeeded` or `partial`.
pub async fn ever_delivered(db: &impl ConnectionTrait, job_name: &str) -> Result<bool, DbErr> {
    Ok(job_runs::Entity::find()
        .filter(job_runs::Column::JobName.eq(job_name))
        .filter(job_runs::Column::Status.is_in([SUCCEEDED, PARTIAL]))
        .one(db)
        .await?
        .is_some())
}
