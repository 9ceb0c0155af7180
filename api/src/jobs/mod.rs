//! Background jobs: one file per job, a registry, and the runner that guarantees a job never
//! overlaps itself (in one process or across replicas) and records every run in `job_runs`.

pub mod account_sync;
pub mod eod_snapshot;
pub mod fetch_all_coins;
pub mod price_collection;
pub mod price_history;
pub mod scheduler;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, Statement, TransactionTrait,
};
use serde_json::json;
use tokio::sync::{Mutex, OwnedMutexGuard};
use uuid::Uuid;

use crate::clock::Clock;
use crate::config::{Config, JobSchedule};
use crate::connectors::MarketConnectors;
use crate::entities::job_runs;
pub use crate::schedule::{next_fire, parse_schedule};

use crate::metrics::Metrics;
use crate::store::assets::AssetIndexCache;
use crate::store::job_runs as runs;
use crate::store::prices::PriceCache;
use crate::sync::SyncContext;

/// What the jobs read and write: the database, the settings, the market connectors, the caches
/// they refresh, this process's job registry, the clock they date their work by, and the sync
/// context (`account-sync`). The top floor (`state.rs`) builds it from the app state; the entry
/// points below take anything that converts into it (the app state, or a context).
#[derive(Clone)]
pub struct JobContext {
    pub db: sea_orm::DatabaseConnection,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub market: MarketConnectors,
    pub price_cache: PriceCache,
    pub asset_index: AssetIndexCache,
    pub jobs: Arc<JobRegistry>,
    pub clock: Clock,
    pub sync: SyncContext,
}

impl From<&JobContext> for JobContext {
    fn from(ctx: &JobContext) -> Self {
        ctx.clone()
    }
}

/// What a run achieved. Failures of parts of the work (a provider down, a page that did not
/// load) are listed here; the run then ends as `partial` rather than `failed`.
#[derive(Debug, Default)]
pub struct Outcome {
    pub items_processed: i64,
    pub failures: Vec<String>,
    pub details: serde_json::Value,
}

#[async_trait::async_trait]
pub trait Job: Send + Sync {
    /// The kebab-case name used in URLs, `GET /api/jobs` and `job_runs`.
    fn name(&self) -> &'static str;
    fn schedule<'a>(&self, config: &'a Config) -> &'a JobSchedule;
    /// Does the work; idempotent, callable from tests directly. `trigger` says who asked for
    /// the run (a scheduled run belongs to its slot, one run by hand to the moment it ran).
    async fn run(&self, ctx: &JobContext, trigger: Trigger) -> anyhow::Result<Outcome>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Manual,
    Scheduled,
    /// The first start on an empty catalog (see [`bootstrap_if_empty`]).
    Startup,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Scheduled => "scheduled",
            Trigger::Startup => "startup",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("no job is named {0}")]
    Unknown(String),
    #[error("{0} is already running")]
    AlreadyRunning(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The jobs this process knows, with one in-process lock each.
pub struct JobRegistry {
    jobs: Vec<Arc<dyn Job>>,
    locks: HashMap<&'static str, Arc<Mutex<()>>>,
    /// Records of runs that could not be written because the database was down.
    pending: std::sync::Mutex<Vec<PendingRecord>>,
    retrying: AtomicBool,
}

/// A run's record kept in memory until the database takes it.
#[derive(Debug, Clone)]
enum PendingRecord {
    /// The run failed before its start was recorded: written as one failed run.
    Unstarted {
        job: &'static str,
        trigger: &'static str,
        at: DateTime<Utc>,
        error: String,
    },
    /// The run is in `job_runs` as `running`; this is its end.
    Finish {
        id: Uuid,
        status: &'static str,
        items: i64,
        error: Option<String>,
        details: serde_json::Value,
        at: DateTime<Utc>,
    },
}

/// How often unwritten run records are retried while the database is down.
const RECORD_RETRY_EVERY: Duration = Duration::from_secs(2);
/// Unwritten records kept at most (oldest dropped first, with a log line).
const MAX_PENDING_RECORDS: usize = 1000;

impl JobRegistry {
    pub fn new(jobs: Vec<Arc<dyn Job>>) -> Self {
        let locks = jobs
            .iter()
            .map(|j| (j.name(), Arc::new(Mutex::new(()))))
            .collect();
        Self {
            jobs,
            locks,
            pending: std::sync::Mutex::default(),
            retrying: AtomicBool::new(false),
        }
    }

    /// Every job of the Butler.
    pub fn standard() -> Self {
        Self::new(vec![
            Arc::new(fetch_all_coins::FetchAllCoins),
            Arc::new(price_collection::PriceCollection),
            Arc::new(account_sync::AccountSync),
            Arc::new(eod_snapshot::EodSnapshot),
        ])
    }

    pub fn jobs(&self) -> &[Arc<dyn Job>] {
        &self.jobs
    }

    pub fn get(&self, name: &str) -> Option<Arc<dyn Job>> {
        self.jobs.iter().find(|j| j.name() == name).cloned()
    }

    /// Run records waiting for the database.
    pub fn pending_records(&self) -> usize {
        self.pending_lock().len()
    }

    fn pending_lock(&self) -> std::sync::MutexGuard<'_, Vec<PendingRecord>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether this process is running the job now.
    pub fn is_running_here(&self, name: &str) -> bool {
        self.locks.get(name).is_some_and(|l| l.try_lock().is_err())
    }
}

/// On a first start (no catalog downloaded yet, only the seeded core) runs the catalog job and then the price job at once,
/// in the background, instead of leaving a new install unpriced until midnight. Each run is
/// recorded like any other (trigger `startup`); disabled jobs are not run.
pub fn bootstrap_if_empty(ctx: impl Into<JobContext>) -> tokio::task::JoinHandle<()> {
    let ctx: JobContext = ctx.into();
    tokio::spawn(async move {
        match catalog_downloaded(&ctx).await {
            Ok(false) => {}
            Ok(true) => return,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the catalog; first-run catalog load skipped");
                return;
            }
        }
        tracing::info!("no catalog downloaded yet: loading the coin list and prices now");
        for (name, enabled) in [
            (
                fetch_all_coins::NAME,
                ctx.config.market.fetch_all_coins.enabled,
            ),
            (
                price_collection::NAME,
                ctx.config.market.price_collection.enabled,
            ),
        ] {
            if !enabled {
                continue;
            }
            match run_to_end(&ctx, name, Trigger::Startup).await {
                Ok(run) => {
                    tracing::info!(job = name, status = %run.status, "first-run job finished")
                }
                Err(e) => tracing::warn!(job = name, error = %e, "first-run job could not start"),
            }
        }
    })
}

/// Whether a catalog was ever downloaded: a coin beyond the seeded core is stored, or a
/// `fetch-all-coins` run delivered (its catalog may hold only core coins).
async fn catalog_downloaded(ctx: &JobContext) -> Result<bool, DbErr> {
    Ok(
        crate::store::assets::has_catalog_beyond_core(&ctx.db).await?
            || crate::store::job_runs::ever_delivered(&ctx.db, fetch_all_coins::NAME).await?,
    )
}

/// Holds a job's locks for the length of one run.
struct RunLock {
    _local: OwnedMutexGuard<()>,
    cluster: Option<DatabaseTransaction>,
}

impl RunLock {
    async fn release(self) {
        if let Some(txn) = self.cluster {
            let _ = txn.commit().await;
        }
    }
}

/// A stable advisory-lock key per job name (FNV-1a).
fn lock_key(name: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

/// Takes the in-process lock, and on PostgreSQL a transaction-scoped advisory lock so that
/// only one replica runs the job; `None` when someone else holds either.
async fn try_lock(ctx: &JobContext, name: &str) -> Result<Option<RunLock>, DbErr> {
    let Some(local) = ctx.jobs.locks.get(name).cloned() else {
        return Ok(None);
    };
    let Ok(local) = local.try_lock_owned() else {
        return Ok(None);
    };
    if ctx.db.get_database_backend() != DbBackend::Postgres {
        return Ok(Some(RunLock {
            _local: local,
            cluster: None,
        }));
    }
    let txn = ctx.db.begin().await?;
    let row = txn
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_try_advisory_xact_lock($1) AS locked",
            [lock_key(name).into()],
        ))
        .await?;
    let locked = row
        .map(|r| r.try_get::<bool>("", "locked"))
        .transpose()?
        .unwrap_or(false);
    if !locked {
        let _ = txn.rollback().await;
        return Ok(None);
    }
    Ok(Some(RunLock {
        _local: local,
        cluster: Some(txn),
    }))
}

/// A run that has started in the background.
pub struct StartedRun {
    pub id: Uuid,
    pub handle: tokio::task::JoinHandle<Option<job_runs::Model>>,
}

/// Starts a run of `name` in the background and returns its id at once.
pub async fn start(
    ctx: impl Into<JobContext>,
    name: &str,
    trigger: Trigger,
) -> Result<StartedRun, StartError> {
    let ctx = &ctx.into();
    let job = ctx
        .jobs
        .get(name)
        .ok_or_else(|| StartError::Unknown(name.to_string()))?;
    let at = Utc::now();
    let unstarted = |e: DbErr| {
        record_later(
            ctx,
            PendingRecord::Unstarted {
                job: job.name(),
                trigger: trigger.as_str(),
                at,
                error: if crate::error::db_unavailable(&e) {
                    format!("the run could not start: the database was unavailable ({e})")
                } else {
                    format!("the run could not start: {e}")
                },
            },
        );
        ctx.metrics
            .job_runs
            .with_label_values(&[job.name(), runs::FAILED])
            .inc();
        StartError::Db(e)
    };
    let lock = try_lock(ctx, name)
        .await
        .map_err(unstarted)?
        .ok_or_else(|| StartError::AlreadyRunning(name.to_string()))?;
    // Ends of earlier runs first, so a run that failed while the database was down is
    // recorded as failed rather than marked abandoned below.
    if let Err(e) = flush_pending(ctx).await {
        tracing::warn!(job = name, error = %e, "earlier job-run records still cannot be written");
    }
    let abandoned = runs::abandon_running(&ctx.db, name)
        .await
        .map_err(unstarted)?;
    if abandoned > 0 {
        tracing::warn!(
            job = name,
            abandoned,
            "marked runs left by a stopped process as abandoned"
        );
    }
    let run = runs::insert_running(&ctx.db, name, trigger.as_str())
        .await
        .map_err(unstarted)?;
    let id = run.id;
    let ctx = ctx.clone();
    let handle = tokio::spawn(async move { execute(ctx, job, id, trigger, lock).await });
    Ok(StartedRun { id, handle })
}

/// Runs `name` now and waits for it to finish (tests, and the CLI of later issues).
pub async fn run_to_end(
    ctx: impl Into<JobContext>,
    name: &str,
    trigger: Trigger,
) -> Result<job_runs::Model, StartError> {
    let ctx = &ctx.into();
    let started = start(ctx, name, trigger).await?;
    let id = started.id;
    match started.handle.await.ok().flatten() {
        Some(run) => Ok(run),
        None => runs::get(&ctx.db, id)
            .await?
            .ok_or_else(|| StartError::Db(DbErr::RecordNotFound(format!("job run {id}")))),
    }
}

async fn execute(
    ctx: JobContext,
    job: Arc<dyn Job>,
    id: Uuid,
    trigger: Trigger,
    lock: RunLock,
) -> Option<job_runs::Model> {
    let name = job.name();
    let started = Instant::now();
    tracing::info!(job = name, run_id = %id, "job started");
    let work = {
        let ctx = ctx.clone();
        let job = job.clone();
        tokio::spawn(async move { job.run(&ctx, trigger).await })
    };
    let (status, items, error, details) = match work.await {
        Ok(Ok(outcome)) if outcome.failures.is_empty() => (
            runs::SUCCEEDED,
            outcome.items_processed,
            None,
            outcome.details,
        ),
        Ok(Ok(outcome)) => {
            let summary = format!(
                "{} part(s) failed: {}",
                outcome.failures.len(),
                outcome.failures.join("; ")
            );
            let mut details = outcome.details;
            if let Some(obj) = details.as_object_mut() {
                obj.insert("failures".into(), json!(outcome.failures));
            }
            (
                runs::PARTIAL,
                outcome.items_processed,
                Some(summary),
                details,
            )
        }
        Ok(Err(e)) => (runs::FAILED, 0, Some(format!("{e:#}")), json!({})),
        Err(join) => {
            let why = if join.is_panic() {
                "the job panicked"
            } else {
                "the job was cancelled"
            };
            (runs::FAILED, 0, Some(why.to_string()), json!({}))
        }
    };
    let elapsed = started.elapsed();
    let at = Utc::now();
    if let Err(e) = runs::finish(
        &ctx.db,
        id,
        status,
        items,
        error.clone(),
        details.clone(),
        at,
    )
    .await
    {
        tracing::error!(job = name, run_id = %id, status, error = %e, "could not record the end of a job run; it is kept and written when the database is back");
        record_later(
            &ctx,
            PendingRecord::Finish {
                id,
                status,
                items,
                error: error.clone(),
                details,
                at,
            },
        );
    }
    lock.release().await;
    let m = &ctx.metrics;
    m.job_runs.with_label_values(&[name, status]).inc();
    m.job_duration
        .with_label_values(&[name])
        .observe(elapsed.as_secs_f64());
    m.job_items
        .with_label_values(&[name])
        .inc_by(u64::try_from(items).unwrap_or(0));
    match status {
        runs::SUCCEEDED => {
            tracing::info!(job = name, run_id = %id, items, ms = elapsed.as_millis() as u64, "job finished")
        }
        _ => {
            tracing::warn!(job = name, run_id = %id, status, items, error = error.as_deref().unwrap_or(""), "job finished with problems")
        }
    }
    runs::get(&ctx.db, id).await.ok().flatten()
}

/// Keeps a record the database did not take and makes sure a retrier is running.
fn record_later(ctx: &JobContext, record: PendingRecord) {
    {
        let mut pending = ctx.jobs.pending_lock();
        if pending.len() >= MAX_PENDING_RECORDS {
            let dropped = pending.remove(0);
            tracing::error!(record = ?dropped, "too many unwritten job-run records; dropping the oldest");
        }
        pending.push(record);
    }
    if ctx.jobs.retrying.swap(true, Ordering::SeqCst) {
        return;
    }
    let ctx = ctx.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(RECORD_RETRY_EVERY).await;
            if flush_pending(&ctx).await.is_ok() {
                ctx.jobs.retrying.store(false, Ordering::SeqCst);
                // A record may have arrived between the flush and the flag.
                if ctx.jobs.pending_records() == 0 || ctx.jobs.retrying.swap(true, Ordering::SeqCst)
                {
                    break;
                }
            }
        }
    });
}

/// Writes the records kept while the database was down; those that still fail stay.
async fn flush_pending(ctx: &JobContext) -> Result<(), DbErr> {
    let records = std::mem::take(&mut *ctx.jobs.pending_lock());
    let mut left = Vec::new();
    let mut first_error = None;
    for record in records {
        if first_error.is_some() {
            left.push(record);
            continue;
        }
        let written = match &record {
            PendingRecord::Unstarted {
                job,
                trigger,
                at,
                error,
            } => runs::insert_failed(&ctx.db, job, trigger, *at, error.clone()).await,
            PendingRecord::Finish {
                id,
                status,
                items,
                error,
                details,
                at,
            } => {
                runs::finish(
                    &ctx.db,
                    *id,
                    status,
                    *items,
                    error.clone(),
                    details.clone(),
                    *at,
                )
                .await
            }
        };
        match written {
            Ok(()) => {
                tracing::info!(record = ?record, "wrote a job-run record kept while the database was down")
            }
            Err(e) => {
                left.push(record);
                first_error = Some(e);
            }
        }
    }
    if !left.is_empty() {
        let mut pending = ctx.jobs.pending_lock();
        left.append(&mut pending);
        *pending = left;
    }
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_differ_per_job_and_are_stable() {
        assert_ne!(lock_key("fetch-all-coins"), lock_key("price-collection"));
        assert_eq!(lock_key("eod-snapshot"), lock_key("eod-snapshot"));
    }

    #[test]
    fn six_field_schedules_give_a_next_run() {
        assert!(next_fire("0 */15 * * * *").is_some());
        assert!(
            parse_schedule("*/15 * * * *").is_err(),
            "five fields are rejected"
        );
    }
}
