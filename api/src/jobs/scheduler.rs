//! Wires enabled jobs into tokio-cron-scheduler (six-field UTC expressions).

use anyhow::Context;
use tokio_cron_scheduler::{Job as CronJob, JobScheduler};

use super::JobContext;
use super::{start, StartError, Trigger};

/// Adds every enabled job and starts the scheduler; the returned handle keeps it alive.
pub async fn spawn(ctx: impl Into<JobContext>) -> anyhow::Result<JobScheduler> {
    let ctx: JobContext = ctx.into();
    let sched = JobScheduler::new()
        .await
        .context("creating the job scheduler")?;
    for job in ctx.jobs.jobs() {
        let schedule = job.schedule(&ctx.config).clone();
        let name = job.name();
        if !schedule.enabled {
            tracing::info!(job = name, "job disabled");
            continue;
        }
        let st = ctx.clone();
        let cron = CronJob::new_async(schedule.schedule.as_str(), move |_id, _sched| {
            let st = st.clone();
            Box::pin(async move {
                match start(&st, name, Trigger::Scheduled).await {
                    Ok(_) => {}
                    Err(StartError::AlreadyRunning(_)) => {
                        tracing::info!(job = name, "previous run still going (here or on another replica); skipping this tick")
                    }
                    Err(e) => tracing::error!(job = name, error = %e, "could not start scheduled job"),
                }
            })
        })
        .with_context(|| format!("schedule of {name}: {}", schedule.schedule))?;
        sched
            .add(cron)
            .await
            .with_context(|| format!("adding {name}"))?;
        tracing::info!(job = name, schedule = %schedule.schedule, "job scheduled");
    }
    sched.start().await.context("starting the job scheduler")?;
    Ok(sched)
}
