//! Per-user request limits: token buckets (GCRA) keyed by user id, a generous one for reads, a
//! tighter one for writes, and one-per-interval buckets for the expensive routes (an account's
//! manual sync, sync-all, job triggers). Over a limit: 429 `rate_limited` with `Retry-After`.
//!
//! Where the buckets live: on PostgreSQL, in the database (`request_limits`, one upsert per
//! request), so every replica draws from the same bucket and N replicas do not give a user N
//! times the rate; on SQLite (one process), in this process's memory (governor). When the
//! database does not answer within [`SHARED_TIMEOUT`], the request is judged by this process's
//! own buckets instead, so a slow database never makes the limiter the outage.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::config::LimitsConfig;
use crate::error::error_response;

/// Which bucket a request draws from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Bucket {
    Read(Uuid),
    Write(Uuid),
    /// The user and the account id as written in the path (so a stranger's guesses at an id
    /// never use up its owner's syncs).
    Sync(Uuid, String),
    SyncAll(Uuid),
    Job(Uuid, String),
}

/// The longest a request waits for the shared buckets before its own process judges it.
pub const SHARED_TIMEOUT: Duration = Duration::from_secs(1);
/// After the shared buckets failed or were late, how long this process judges by its own
/// before asking the database again (so an outage costs the wait once, not on every request).
pub const SHARED_PAUSE: Duration = Duration::from_secs(10);

impl Bucket {
    /// The bucket's row in `request_limits` (an account id as written in the path, cut short).
    fn key(&self) -> String {
        let cut = |s: &str| s.chars().take(64).collect::<String>();
        match self {
            Bucket::Read(u) => format!("read:{u}"),
            Bucket::Write(u) => format!("write:{u}"),
            Bucket::Sync(u, a) => format!("sync:{u}:{}", cut(a)),
            Bucket::SyncAll(u) => format!("sync-all:{u}"),
            Bucket::Job(u, j) => format!("job:{u}:{}", cut(j)),
        }
    }
}

/// A GCRA quota in microseconds: one request per `interval`, `tolerance` ahead allowed (the
/// burst: `interval × (burst − 1)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Gcra {
    interval_us: i64,
    tolerance_us: i64,
}

impl Gcra {
    fn per_minute(rate: u32, burst: u32) -> Self {
        let interval_us = 60_000_000 / i64::from(rate.max(1));
        Self {
            interval_us,
            tolerance_us: interval_us * (i64::from(burst.max(1)) - 1),
        }
    }

    fn one_per(interval: Duration) -> Self {
        Self {
            interval_us: i64::try_from(interval.as_micros())
                .unwrap_or(i64::MAX)
                .max(1_000),
            tolerance_us: 0,
        }
    }
}

/// The shared buckets: the database and each kind's quota.
struct Shared {
    db: DatabaseConnection,
    /// Until when this process uses its own buckets (after a failure), if it does.
    paused_until: std::sync::Mutex<Option<std::time::Instant>>,
    reads: Gcra,
    writes: Gcra,
    sync: Gcra,
    sync_all: Gcra,
    jobs: Gcra,
}

/// One request from a bucket in `request_limits`, in one statement: the upsert moves the
/// bucket's time on only when it is not too far ahead (row locks order concurrent requests of
/// one bucket); the subquery reads the time as it was, to say how long to wait when refused.
const TAKE_SQL: &str = "WITH taken AS (
  INSERT INTO request_limits (key, tat)
  VALUES ($1, clock_timestamp() + $2 * interval '1 microsecond')
  ON CONFLICT (key) DO UPDATE
    SET tat = GREATEST(request_limits.tat, clock_timestamp()) + $2 * interval '1 microsecond'
    WHERE request_limits.tat - clock_timestamp() <= $3 * interval '1 microsecond'
  RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM taken) AS allowed,
  (SELECT (EXTRACT(EPOCH FROM (tat - clock_timestamp())) * 1000000)::bigint
     FROM request_limits WHERE key = $1) AS ahead_us";

impl Shared {
    fn quota(&self, bucket: &Bucket) -> Gcra {
        match bucket {
            Bucket::Read(_) => self.reads,
            Bucket::Write(_) => self.writes,
            Bucket::Sync(..) => self.sync,
            Bucket::SyncAll(_) => self.sync_all,
            Bucket::Job(..) => self.jobs,
        }
    }

    async fn take(&self, bucket: &Bucket) -> Result<Result<(), Duration>, sea_orm::DbErr> {
        let q = self.quota(bucket);
        let row = self
            .db
            .query_one(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                TAKE_SQL,
                [
                    bucket.key().into(),
                    q.interval_us.into(),
                    q.tolerance_us.into(),
                ],
            ))
            .await?
            .ok_or_else(|| sea_orm::DbErr::RecordNotFound("request_limits".into()))?;
        if row.try_get::<bool>("", "allowed")? {
            return Ok(Ok(()));
        }
        let ahead = row.try_get::<Option<i64>>("", "ahead_us")?.unwrap_or(0);
        let wait_us = (ahead - q.tolerance_us).max(1_000);
        Ok(Err(Duration::from_micros(wait_us.unsigned_abs())))
    }

    /// Buckets whose time has passed are full: the same as no row.
    async fn forget_full(&self) -> Result<u64, sea_orm::DbErr> {
        let done = self
            .db
            .execute(Statement::from_string(
                DatabaseBackend::Postgres,
                "DELETE FROM request_limits WHERE tat < clock_timestamp()",
            ))
            .await?;
        Ok(done.rows_affected())
    }
}

/// The limiters: shared through PostgreSQL, or this process's own.
pub struct RequestLimits {
    shared: Option<Arc<Shared>>,
    enabled: bool,
    reads: DefaultKeyedRateLimiter<Bucket>,
    writes: DefaultKeyedRateLimiter<Bucket>,
    sync: DefaultKeyedRateLimiter<Bucket>,
    sync_all: DefaultKeyedRateLimiter<Bucket>,
    jobs: DefaultKeyedRateLimiter<Bucket>,
    clock: DefaultClock,
    calls: AtomicU64,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).expect("at least 1")
}

fn per_minute(rate: u32, burst: u32) -> Quota {
    Quota::per_minute(nonzero(rate)).allow_burst(nonzero(burst))
}

fn one_per(interval: Duration) -> Quota {
    Quota::with_period(interval.max(Duration::from_millis(1)))
        .expect("a non-zero period")
        .allow_burst(nonzero(1))
}

impl RequestLimits {
    pub fn new(cfg: &LimitsConfig) -> Self {
        let clock = DefaultClock::default();
        let keyed = |q: Quota| RateLimiter::dashmap_with_clock(q, clock.clone());
        Self {
            shared: None,
            enabled: cfg.enabled,
            reads: keyed(per_minute(cfg.reads_per_minute, cfg.reads_burst)),
            writes: keyed(per_minute(cfg.writes_per_minute, cfg.writes_burst)),
            sync: keyed(one_per(cfg.sync_interval)),
            sync_all: keyed(one_per(cfg.sync_all_interval)),
            jobs: keyed(one_per(cfg.job_trigger_interval)),
            clock,
            calls: AtomicU64::new(0),
        }
    }

    /// Limits shared by every process on this database when it is PostgreSQL; this process's
    /// own on SQLite.
    pub fn on_database(cfg: &LimitsConfig, db: &DatabaseConnection) -> Self {
        let mut limits = Self::new(cfg);
        if db.get_database_backend() == DatabaseBackend::Postgres {
            limits.shared = Some(Arc::new(Shared {
                db: db.clone(),
                paused_until: std::sync::Mutex::new(None),
                reads: Gcra::per_minute(cfg.reads_per_minute, cfg.reads_burst),
                writes: Gcra::per_minute(cfg.writes_per_minute, cfg.writes_burst),
                sync: Gcra::one_per(cfg.sync_interval),
                sync_all: Gcra::one_per(cfg.sync_all_interval),
                jobs: Gcra::one_per(cfg.job_trigger_interval),
            }));
        }
        limits
    }

    /// Takes one request from the caller's bucket; `Err` holds how long until one is free.
    async fn check(&self, bucket: Bucket) -> Result<(), Duration> {
        if !self.enabled {
            return Ok(());
        }
        if let Some(shared) = &self.shared {
            if self.calls.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
                let s = shared.clone();
                tokio::spawn(async move {
                    if let Err(e) = s.forget_full().await {
                        tracing::warn!(error = %e, "could not drop full request-limit buckets");
                    }
                });
            }
            let paused = {
                let mut until = shared
                    .paused_until
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                match *until {
                    Some(t) if t > std::time::Instant::now() => true,
                    Some(_) => {
                        *until = None;
                        false
                    }
                    None => false,
                }
            };
            if !paused {
                let why = match tokio::time::timeout(SHARED_TIMEOUT, shared.take(&bucket)).await {
                    Ok(Ok(verdict)) => return verdict,
                    Ok(Err(e)) => format!("unreadable: {e}"),
                    Err(_) => format!("no answer in {} ms", SHARED_TIMEOUT.as_millis()),
                };
                tracing::warn!(
                    reason = %why,
                    pause_secs = SHARED_PAUSE.as_secs(),
                    "shared request limits failed; this process's own apply for a while"
                );
                *shared
                    .paused_until
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) =
                    Some(std::time::Instant::now() + SHARED_PAUSE);
            }
        }
        self.check_memory(bucket)
    }

    fn check_memory(&self, bucket: Bucket) -> Result<(), Duration> {
        // Buckets of idle keys are full again: drop them now and then, so memory stays bounded.
        if self.calls.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            for l in [
                &self.reads,
                &self.writes,
                &self.sync,
                &self.sync_all,
                &self.jobs,
            ] {
                l.retain_recent();
                l.shrink_to_fit();
            }
        }
        let limiter = match &bucket {
            Bucket::Read(_) => &self.reads,
            Bucket::Write(_) => &self.writes,
            Bucket::Sync(..) => &self.sync,
            Bucket::SyncAll(_) => &self.sync_all,
            Bucket::Job(..) => &self.jobs,
        };
        limiter
            .check_key(&bucket)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

impl RequestLimits {
    /// Takes the account's sync turn for a sync the API starts itself (the first sync of an
    /// account just added), as `POST /api/accounts/{id}/sync` would; false when it is used up.
    pub async fn take_sync(&self, user: Uuid, account_id: Uuid) -> bool {
        self.check(Bucket::Sync(user, account_id.to_string()))
            .await
            .is_ok()
    }
}

fn bucket_of(user: Uuid, method: &Method, route: &str, path: &str) -> Bucket {
    let segment = |i: usize| path.split('/').nth(i).unwrap_or_default().to_string();
    match (method, route) {
        (&Method::POST, "/api/accounts/{id}/sync") => Bucket::Sync(user, segment(3)),
        (&Method::POST, "/api/accounts/sync-all" | "/api/accounts/sync-all/start") => {
            Bucket::SyncAll(user)
        }
        (&Method::POST, "/api/jobs/{name}") => Bucket::Job(user, segment(3)),
        (&Method::GET | &Method::HEAD, _) => Bucket::Read(user),
        _ => Bucket::Write(user),
    }
}

/// Applies the caller's limits; runs after authentication (it needs the user id). The router
/// builds the limits (one set per router) and hands them to this middleware as its state.
pub async fn limit_requests(
    State(limits): State<Arc<RequestLimits>>,
    mut req: Request,
    next: Next,
) -> Response {
    // Handlers that start work themselves (an account's first sync) take its turn here too.
    req.extensions_mut().insert(limits.clone());
    let Some(user) = req.extensions().get::<AuthUser>().map(|u| u.id) else {
        return next.run(req).await;
    };
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let bucket = bucket_of(user, req.method(), &route, req.uri().path());
    match limits.check(bucket).await {
        Ok(()) => next.run(req).await,
        Err(wait) => too_many(wait),
    }
}

/// 429 in the shared error shape, with `Retry-After` in whole seconds (at least 1).
pub fn too_many(wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = secs.max(1);
    let mut resp = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many requests; retry in {secs} s"),
        None,
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expensive_routes_get_their_own_buckets_and_the_rest_split_by_method() {
        let u = Uuid::nil();
        let a = "0b5e2c0e-0000-0000-0000-000000000001";
        assert_eq!(
            bucket_of(
                u,
                &Method::POST,
                "/api/accounts/{id}/sync",
                &format!("/api/accounts/{a}/sync")
            ),
            Bucket::Sync(u, a.to_string())
        );
        assert_eq!(
            bucket_of(
                u,
                &Method::POST,
                "/api/jobs/{name}",
                "/api/jobs/eod-snapshot"
            ),
            Bucket::Job(u, "eod-snapshot".into())
        );
        assert_eq!(
            bucket_of(
                u,
                &Method::POST,
                "/api/accounts/sync-all",
                "/api/accounts/sync-all"
            ),
            Bucket::SyncAll(u)
        );
        assert_eq!(
            bucket_of(u, &Method::GET, "/api/accounts", "/api/accounts"),
            Bucket::Read(u)
        );
        assert_eq!(
            bucket_of(u, &Method::PUT, "/api/accounts/{id}", "/api/accounts/x"),
            Bucket::Write(u)
        );
    }

    #[test]
    fn a_second_sync_of_one_account_waits_but_another_account_does_not() {
        let limits = RequestLimits::new(&LimitsConfig::default());
        let u = Uuid::new_v4();
        assert!(limits.check_memory(Bucket::Sync(u, "a".into())).is_ok());
        let wait = limits
            .check_memory(Bucket::Sync(u, "a".into()))
            .unwrap_err();
        assert!(
            wait > Duration::from_secs(29) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert!(limits.check_memory(Bucket::Sync(u, "b".into())).is_ok());
        assert!(limits
            .check_memory(Bucket::Sync(Uuid::new_v4(), "a".into()))
            .is_ok());
    }

    #[test]
    fn a_quota_in_microseconds_matches_the_rate_and_the_burst() {
        assert_eq!(
            Gcra::per_minute(120, 30),
            Gcra {
                interval_us: 500_000,
                tolerance_us: 14_500_000
            }
        );
        assert_eq!(
            Gcra::one_per(Duration::from_secs(30)),
            Gcra {
                interval_us: 30_000_000,
                tolerance_us: 0
            }
        );
        assert_eq!(
            Bucket::Sync(Uuid::nil(), "x".repeat(500)).key().len(),
            5 + 36 + 1 + 64
        );
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let r = too_many(Duration::from_millis(1500));
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "2");
        assert_eq!(too_many(Duration::ZERO).headers()[header::RETRY_AFTER], "1");
    }
}
