//! Listing jobs, starting runs by hand, and reading runs (admin).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AdminUser;
use crate::error::{ApiError, ApiPath, ErrorBody};
use crate::jobs::{self, StartError, Trigger};
use crate::state::AppState;
use crate::store::job_runs as runs;

#[derive(Debug, Serialize, ToSchema)]
pub struct JobRunResponse {
    pub id: Uuid,
    pub job_name: String,
    /// `manual` or `scheduled`.
    pub trigger: String,
    /// `running`, `succeeded`, `partial` (some parts failed), `failed` or `abandoned`.
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub items_processed: i64,
    pub error: Option<String>,
    /// What the run did (job-specific), or null.
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

impl From<runs::JobRun> for JobRunResponse {
    fn from(m: runs::JobRun) -> Self {
        Self {
            id: m.id,
            job_name: m.job_name,
            trigger: m.trigger,
            status: m.status,
            started_at: m.started_at,
            finished_at: m.finished_at,
            items_processed: m.items_processed,
            error: m.error,
            details: m.details,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobResponse {
    /// The name `POST /api/jobs/{name}` takes.
    pub name: String,
    /// Six-field cron expression (UTC, with seconds).
    pub schedule: String,
    pub enabled: bool,
    /// Whether this replica is running it now.
    pub running: bool,
    pub last_run: Option<JobRunResponse>,
    /// Next scheduled start; null when disabled.
    pub next_run: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StartedJobResponse {
    pub run_id: Uuid,
    pub job_name: String,
    pub status: String,
}

/// List jobs with schedule, last and next run (admin).
#[utoipa::path(get, path = "/api/jobs", tag = "jobs", security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Every job", body = [JobResponse]),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn list_jobs(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> Result<Json<Vec<JobResponse>>, ApiError> {
    let mut out = Vec::new();
    for job in state.jobs.jobs() {
        let schedule = job.schedule(&state.config);
        let last = runs::last_run(&state.db, job.name()).await?;
        out.push(JobResponse {
            name: job.name().to_string(),
            schedule: schedule.schedule.clone(),
            enabled: schedule.enabled,
            running: state.jobs.is_running_here(job.name()),
            last_run: last.map(Into::into),
            next_run: schedule
                .enabled
                .then(|| jobs::next_fire(&schedule.schedule))
                .flatten(),
        });
    }
    Ok(Json(out))
}

/// Start a run of a job now (admin); 409 while it runs.
#[utoipa::path(post, path = "/api/jobs/{name}", tag = "jobs",
    params(("name" = String, Path, description = "Job name as listed by GET /api/jobs")),
    security(("bearer_auth" = [])),
    responses(
        (status = 202, description = "Started", body = StartedJobResponse),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
        (status = 409, description = "Already running", body = ErrorBody)))]
pub async fn trigger_job(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    ApiPath(name): ApiPath<String>,
) -> Result<(StatusCode, Json<StartedJobResponse>), ApiError> {
    match jobs::start(&state, &name, Trigger::Manual).await {
        Ok(run) => {
            tracing::info!(job = %name, run_id = %run.id, user_id = %user.id, "job started by hand");
            Ok((
                StatusCode::ACCEPTED,
                Json(StartedJobResponse {
                    run_id: run.id,
                    job_name: name,
                    status: runs::RUNNING.into(),
                }),
            ))
        }
        Err(StartError::Unknown(_)) => Err(ApiError::NotFound(format!("no job is named {name}"))),
        Err(StartError::AlreadyRunning(_)) => Err(ApiError::Conflict {
            code: "job_running",
            message: format!("{name} is already running"),
        }),
        Err(StartError::Db(e)) => Err(e.into()),
    }
}

/// One job run (admin).
#[utoipa::path(get, path = "/api/jobs/runs/{id}", tag = "jobs",
    params(("id" = Uuid, Path, description = "Run id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The run", body = JobRunResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such run", body = ErrorBody)))]
pub async fn get_job_run(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<JobRunResponse>, ApiError> {
    runs::get(&state.db, id)
        .await?
        .map(|r| Json(r.into()))
        .ok_or_else(|| ApiError::not_found("job run"))
}
