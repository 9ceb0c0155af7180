//! Prometheus metrics, one registry per application state.

use prometheus::{
    CounterVec, Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    /// Calls to upstream providers by provider and outcome (`ok`, `rate_limited`, `error`, …).
    pub upstream_requests: IntCounterVec,
    pub upstream_duration: HistogramVec,
    /// Job runs by job and final status.
    pub job_runs: IntCounterVec,
    pub job_duration: HistogramVec,
    /// Items each job processed, summed over runs.
    pub job_items: IntCounterVec,
    /// Token balances a chain read could not give, by chain and reason (`failed`: the call
    /// failed and the previous balance was kept; `not_a_token`: no contract, left out).
    pub token_read_failures: IntCounterVec,
    /// Seconds spent waiting before calling an upstream, by provider and reason (`limiter`:
    /// our own request rate; `weight`: the upstream's per-minute weight budget; `retry`:
    /// `Retry-After` or backoff before a retry).
    pub upstream_wait: CounterVec,
    /// Finished account syncs by source (`okx`, `binance`, `evm`, `solana`, `manual`, …) and
    /// outcome (`ok`, `partial`, `failed`).
    pub sync_outcomes: IntCounterVec,
    /// The database pool's connections (`in_use`, `idle`, `max`), set when metrics are read.
    pub db_pool: IntGaugeVec,
    exported: Vec<String>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer an HTTP request",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["route", "method"],
        )
        .expect("valid metric");
        let upstream_requests = IntCounterVec::new(
            Opts::new("upstream_requests_total", "Requests to upstream providers"),
            &["provider", "outcome"],
        )
        .expect("valid metric");
        let upstream_duration = HistogramVec::new(
            HistogramOpts::new(
                "upstream_request_duration_seconds",
                "Time an upstream provider took to answer",
            )
            .buckets(vec![0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]),
            &["provider"],
        )
        .expect("valid metric");
        let job_runs = IntCounterVec::new(
            Opts::new("job_runs_total", "Finished job runs"),
            &["job", "status"],
        )
        .expect("valid metric");
        let job_duration = HistogramVec::new(
            HistogramOpts::new("job_run_duration_seconds", "Wall time of job runs")
                .buckets(vec![0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0]),
            &["job"],
        )
        .expect("valid metric");
        let job_items = IntCounterVec::new(
            Opts::new("job_items_processed_total", "Items processed by job runs"),
            &["job"],
        )
        .expect("valid metric");
        let token_read_failures = IntCounterVec::new(
            Opts::new(
                "chain_token_read_failures_total",
                "Token balances a chain read could not give",
            ),
            &["chain", "reason"],
        )
        .expect("valid metric");
        let upstream_wait = CounterVec::new(
            Opts::new(
                "upstream_wait_seconds_total",
                "Seconds waited before calling upstream providers",
            ),
            &["provider", "reason"],
        )
        .expect("valid metric");
        let sync_outcomes = IntCounterVec::new(
            Opts::new("account_syncs_total", "Finished account syncs"),
            &["source", "outcome"],
        )
        .expect("valid metric");
        let db_pool = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections"),
            &["state"],
        )
        .expect("valid metric");
        // (collector, is a histogram): a histogram exports three series per name.
        let mut exported = Vec::new();
        for (c, histogram) in [
            (
                Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
                false,
            ),
            (Box::new(http_duration.clone()), true),
            (Box::new(upstream_requests.clone()), false),
            (Box::new(upstream_duration.clone()), true),
            (Box::new(job_runs.clone()), false),
            (Box::new(job_duration.clone()), true),
            (Box::new(job_items.clone()), false),
            (Box::new(token_read_failures.clone()), false),
            (Box::new(upstream_wait.clone()), false),
            (Box::new(sync_outcomes.clone()), false),
            (Box::new(db_pool.clone()), false),
        ] {
            for d in c.desc() {
                if histogram {
                    for suffix in ["_bucket", "_sum", "_count"] {
                        exported.push(format!("{}{suffix}", d.fq_name));
                    }
                } else {
                    exported.push(d.fq_name.clone());
                }
            }
            registry.register(c).expect("registers once");
        }
        Self {
            registry,
            http_requests,
            http_duration,
            upstream_requests,
            upstream_duration,
            job_runs,
            job_duration,
            job_items,
            token_read_failures,
            upstream_wait,
            sync_outcomes,
            db_pool,
            exported,
        }
    }

    /// Every series name these metrics export once they have a sample: counters and gauges by
    /// their name, histograms as `_bucket`, `_sum` and `_count` (the operator's dashboard
    /// queries only these: `api/tests/it/dashboard.rs`).
    pub fn exported_names(&self) -> Vec<String> {
        self.exported.clone()
    }

    /// Registers a collector added by a later part of the application.
    pub fn register(&self, c: Box<dyn prometheus::core::Collector>) -> prometheus::Result<()> {
        self.registry.register(c)
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .expect("text encoding does not fail");
        String::from_utf8(buf).expect("prometheus text is UTF-8")
    }
}
