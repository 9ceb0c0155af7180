//! Per-user request limits: token buckets (governor's GCRA) keyed by user id, a generous one
//! for reads, a tighter one for writes, and one-per-interval buckets for the expensive routes
//! (an account's manual sync, sync-all, job triggers). Over a limit: 429 `rate_limited` with
//! `Retry-After`.

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

/// The limiters of one process.
pub struct RequestLimits {
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

    /// Takes one request from the caller's bucket; `Err` holds how long until one is free.
    fn check(&self, bucket: Bucket) -> Result<(), Duration> {
        if !self.enabled {
            return Ok(());
        }
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
    pub fn take_sync(&self, user: Uuid, account_id: Uuid) -> bool {
        self.check(Bucket::Sync(user, account_id.to_string()))
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
    match limits.check(bucket) {
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
        assert!(limits.check(Bucket::Sync(u, "a".into())).is_ok());
        let wait = limits.check(Bucket::Sync(u, "a".into())).unwrap_err();
        assert!(
            wait > Duration::from_secs(29) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert!(limits.check(Bucket::Sync(u, "b".into())).is_ok());
        assert!(limits
            .check(Bucket::Sync(Uuid::new_v4(), "a".into()))
            .is_ok());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let r = too_many(Duration::from_millis(1500));
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "2");
        assert_eq!(too_many(Duration::ZERO).headers()[header::RETRY_AFTER], "1");
    }
}
