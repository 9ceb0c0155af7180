//! The HTTP client every upstream shares: a timeout, a token-bucket rate limiter, retries with
//! exponential backoff and full jitter, `Retry-After` on 429, a circuit breaker and the
//! `upstream_*` metrics. Errors name the request path, never a URL with a query or a key.
//! Signed requests get their headers (OKX, [`SignRequest`]) or their whole query or form body
//! (Binance, [`SignPayload`]) afresh on every attempt. For upstreams that need them: weight
//! budgets read back from answer headers, an IP-ban status that stops every request until its
//! `Retry-After`, and a resync with the upstream's clock when it refuses a request's timestamp.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use serde::de::DeserializeOwned;

use super::{ConnectorError, Provider};
use crate::config::{ProviderConfig, Secret};
use crate::metrics::Metrics;

/// Looks at a 2xx body and, when it is really an error, says which HTTP status it stands for
/// and with what message (CoinGecko answers some rate limits with HTTP 200).
pub type ErrorInOk = fn(&[u8]) -> Option<(u16, String)>;

/// A provider's own reading of any answer (HTTP status and body), made before the generic one;
/// `None` leaves the answer to the generic rules (OKX answers errors with HTTP 200 and a code).
pub type AnswerCheck = fn(u16, &[u8]) -> Option<Verdict>;

/// What an [`AnswerCheck`] makes of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Handle it as an answer with this HTTP status and message (429 and 5xx are retried).
    As(u16, String),
    /// The provider understood and refused the request: not retried, and not held against the
    /// provider's circuit breaker.
    Refused(String),
    /// Refused, but likely for a while only (Binance's `-2015` for a key that worked before):
    /// retried with backoff, then returned as a refusal.
    RefusedForNow(String),
    /// The request's timestamp is outside the upstream's window: the client resyncs with the
    /// upstream's clock ([`UpstreamClient::with_server_time`]) and tries once more; a second
    /// one is returned as this refusal.
    Resync(String),
}

/// An HTTP method an upstream is called with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// Milliseconds since the epoch.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Reads the upstream's clock (milliseconds since the epoch) from its time endpoint's answer.
pub type ReadServerTime = fn(&[u8]) -> Option<i64>;

/// A per-minute request-weight budget the upstream reports back on every answer (Binance's
/// `X-MBX-USED-WEIGHT-1M`). A request that would pass it waits for the upstream's next minute.
#[derive(Debug, Clone, Copy)]
pub struct WeightBudget {
    /// The paths it covers; the first budget whose prefix matches counts a request.
    pub path_prefix: &'static str,
    /// The answer header carrying the weight used this minute.
    pub header: &'static str,
    pub per_minute: u32,
}

/// Builds each attempt's query (GET) or form body (POST) afresh, for upstreams that sign a
/// timestamp into the request itself (Binance) rather than into headers.
pub trait SignPayload: Send + Sync {
    /// The query or form body of an attempt sent at `now_ms` (the upstream's clock as the
    /// client knows it, see [`UpstreamClient::now_ms`]); empty for none.
    fn payload(&self, now_ms: i64) -> String;

    /// Headers of every attempt (the key).
    fn headers(&self) -> HeaderMap {
        HeaderMap::new()
    }

    /// Reads an answer before the client's own rules, knowing whose request it was.
    fn check(&self, _status: u16, _body: &[u8]) -> Option<Verdict> {
        None
    }
}

/// An unsigned request with no parameters.
struct Unsigned;

impl SignPayload for Unsigned {
    fn payload(&self, _now_ms: i64) -> String {
        String::new()
    }
}

/// The weight a budget last reported, and in which of the upstream's minutes.
#[derive(Debug, Default, Clone, Copy)]
struct Used {
    weight: u32,
    minute: i64,
}

/// Computes the headers of each attempt of a signed request, so a retry carries a fresh
/// timestamp.
pub trait SignRequest: Send + Sync {
    /// Headers for `method` on `request_path` (the URL's path and `?query`, exactly as sent)
    /// with this body.
    fn headers(&self, method: &str, request_path: &str, body: &[u8]) -> HeaderMap;

    /// Removes the credentials from a text before it goes into an error or a log line.
    fn redact(&self, text: &str) -> String {
        text.to_string()
    }

    /// A stable id of the credentials (a hash, never the key), so each key gets its own rate
    /// bucket and circuit breaker besides the client-wide ones. `None`: shared ones only.
    fn key_id(&self) -> Option<String> {
        None
    }
}

/// One key's own bucket and breaker: its rate limits and refusals are its own business.
struct KeyLane {
    limiter: TokenBucket,
    breaker: CircuitBreaker,
}

/// Keys remembered at most; beyond, the lanes start afresh (idle keys' state is harmless to
/// forget: a full bucket and a closed breaker).
const MAX_KEY_LANES: usize = 10_000;

/// Longest `Retry-After` waited out by default; a longer one is returned as `RateLimited`.
pub const DEFAULT_RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

/// A rate-limited, retrying, circuit-broken HTTP client for one provider.
pub struct UpstreamClient {
    provider: Option<Provider>,
    name: &'static str,
    base_url: String,
    http: reqwest::Client,
    headers: HeaderMap,
    secret: Option<Secret<String>>,
    limiter: TokenBucket,
    breaker: CircuitBreaker,
    max_retries: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    retry_after_cap: Duration,
    error_in_ok: Option<ErrorInOk>,
    answer_check: Option<AnswerCheck>,
    metrics: Arc<Metrics>,
    lanes: Mutex<std::collections::HashMap<String, Arc<KeyLane>>>,
    key_rate: (u32, u32),
    key_breaker: (u32, Duration),
    budgets: Vec<WeightBudget>,
    used: Mutex<Vec<Used>>,
    ban: Option<(u16, Duration)>,
    banned_until: Mutex<Option<tokio::time::Instant>>,
    clock: Clock,
    /// The upstream's clock minus ours, learnt from its time endpoint.
    offset_ms: AtomicI64,
    server_time: Option<(&'static str, ReadServerTime)>,
    method_in_messages: bool,
}

impl UpstreamClient {
    /// A client for `cfg.base_url` with the configured timeout, rate, retries and breaker. The
    /// key is not sent until a provider adds it with [`UpstreamClient::with_secret_header`].
    pub fn new(provider: Provider, cfg: &ProviderConfig, metrics: Arc<Metrics>) -> Self {
        let mut client = Self::named(provider.as_str(), cfg, metrics);
        client.provider = Some(provider);
        client
    }

    /// A client for an upstream that is not a market-data [`Provider`] (e.g. `okx`); `name`
    /// labels its errors, logs and metrics.
    pub fn named(name: &'static str, cfg: &ProviderConfig, metrics: Arc<Metrics>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("crypto-pocket-butler/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds");
        Self {
            provider: None,
            name,
            base_url: cfg.base_url.trim_end_matches('/').to_string(),
            http,
            headers: HeaderMap::new(),
            secret: None,
            limiter: TokenBucket::new(cfg.rate_per_minute, cfg.burst),
            breaker: CircuitBreaker::new(name, cfg.breaker_failures, cfg.breaker_cooldown),
            max_retries: cfg.max_retries,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(20),
            retry_after_cap: DEFAULT_RETRY_AFTER_CAP,
            error_in_ok: None,
            answer_check: None,
            metrics,
            lanes: Mutex::default(),
            key_rate: (cfg.rate_per_minute, cfg.burst),
            key_breaker: (cfg.breaker_failures, cfg.breaker_cooldown),
            budgets: Vec::new(),
            used: Mutex::default(),
            ban: None,
            banned_until: Mutex::default(),
            clock: Arc::new(|| chrono::Utc::now().timestamp_millis()),
            offset_ms: AtomicI64::new(0),
            server_time: None,
            method_in_messages: true,
        }
    }

    /// Errors name the request by its path alone (`/api/v3/account: …`, Binance's wording),
    /// not by method and path.
    pub fn without_method_in_messages(mut self) -> Self {
        self.method_in_messages = false;
        self
    }

    /// How errors name a request: `GET /path`, or `/path` alone.
    fn naming(&self, method: Method, path: &str) -> String {
        if self.method_in_messages {
            format!("{} {path}", method.as_str())
        } else {
            path.to_string()
        }
    }

    /// Paces requests by the weight budgets the upstream reports back: a request that would
    /// pass one waits for the upstream's next minute, or is returned as `RateLimited` when that
    /// is longer than the `Retry-After` cap.
    pub fn with_weight_budgets(mut self, budgets: Vec<WeightBudget>) -> Self {
        self.used = Mutex::new(vec![Used::default(); budgets.len()]);
        self.budgets = budgets;
        self
    }

    /// An answer with `status` bans this client's IP: every request is refused as
    /// `RateLimited` until its `Retry-After` (`default` without one) has passed, since asking
    /// again lengthens the ban (Binance's 418).
    pub fn with_ban_status(mut self, status: u16, default: Duration) -> Self {
        self.ban = Some((status, default));
        self
    }

    /// Our clock (milliseconds since the epoch; the system's by default).
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Where the upstream tells its time, and how to read it: a [`Verdict::Resync`] learns the
    /// offset from there and retries once.
    pub fn with_server_time(mut self, path: &'static str, read: ReadServerTime) -> Self {
        self.server_time = Some((path, read));
        self
    }

    /// The upstream's clock as this client knows it: ours plus the offset learnt at the last
    /// resync.
    pub fn now_ms(&self) -> i64 {
        (self.clock)() + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Each key's own bucket (default: the client-wide rate and burst).
    pub fn with_key_rate(mut self, rate_per_minute: u32, burst: u32) -> Self {
        self.key_rate = (rate_per_minute, burst);
        self
    }

    fn lane(&self, key_id: &str) -> Arc<KeyLane> {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = lanes.get(key_id) {
            return l.clone();
        }
        if lanes.len() >= MAX_KEY_LANES {
            lanes.clear();
        }
        let lane = Arc::new(KeyLane {
            limiter: TokenBucket::new(self.key_rate.0, self.key_rate.1),
            breaker: CircuitBreaker::new(self.name, self.key_breaker.0, self.key_breaker.1),
        });
        lanes.insert(key_id.to_string(), lane.clone());
        lane
    }

    /// Sends the key in this header on every request; the header is marked sensitive and the
    /// key is scrubbed from every error message.
    pub fn with_secret_header(mut self, name: HeaderName, key: &Secret<String>) -> Self {
        match HeaderValue::from_str(key.expose()) {
            Ok(mut value) => {
                value.set_sensitive(true);
                self.headers.insert(name, value);
                self.secret = Some(key.clone());
            }
            Err(_) => tracing::warn!(
                provider = self.name,
                "the API key has characters a header cannot carry; sending no key"
            ),
        }
        self
    }

    /// Classifies 2xx bodies that are really errors.
    pub fn with_error_in_ok(mut self, check: ErrorInOk) -> Self {
        self.error_in_ok = Some(check);
        self
    }

    /// Reads every answer, whatever its status, with this check before the generic rules.
    pub fn with_answer_check(mut self, check: AnswerCheck) -> Self {
        self.answer_check = Some(check);
        self
    }

    /// The longest `Retry-After` waited out before retrying (default 60 s).
    pub fn with_retry_after_cap(mut self, cap: Duration) -> Self {
        self.retry_after_cap = cap;
        self
    }

    /// Backoff before retry `n` is uniform in `0..=min(max, base × 2^n)` (default 500 ms, 20 s).
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_max = max;
        self
    }

    /// The market-data provider of a client made with [`UpstreamClient::new`].
    ///
    /// # Panics
    /// For a client made with [`UpstreamClient::named`].
    pub fn provider(&self) -> Provider {
        self.provider
            .expect("a client made with UpstreamClient::named has no market-data provider")
    }

    /// The label of errors, logs and metrics (`coingecko`, `okx`, …).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// `GET base_url + path` with the query, decoded as JSON.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ConnectorError> {
        let body = self.get_bytes(path, query).await?;
        serde_json::from_slice(&body).map_err(|e| self.decode_error(path, &e))
    }

    /// `GET base_url + path_and_query` with the headers `signer` computes for each attempt, the
    /// query sent exactly as given (percent-encode it first), decoded as JSON.
    pub async fn get_json_signed<T: DeserializeOwned>(
        &self,
        path_and_query: &str,
        signer: &dyn SignRequest,
    ) -> Result<T, ConnectorError> {
        let body = self.get_bytes_signed(path_and_query, signer).await?;
        let path = path_only(path_and_query);
        serde_json::from_slice(&body).map_err(|e| match self.decode_error(path, &e) {
            ConnectorError::Decode { provider, message } => ConnectorError::Decode {
                provider,
                message: signer.redact(&message),
            },
            other => other,
        })
    }

    /// `GET base_url + path_and_query`, signed by `signer` on each attempt: the body of the first
    /// successful attempt.
    pub async fn get_bytes_signed(
        &self,
        path_and_query: &str,
        signer: &dyn SignRequest,
    ) -> Result<Vec<u8>, ConnectorError> {
        let path = path_only(path_and_query);
        let url = match reqwest::Url::parse(&format!("{}{}", self.base_url, path_and_query)) {
            Ok(url) => url,
            Err(e) => {
                return Err(ConnectorError::Network {
                    provider: self.name,
                    message: format!("GET {path}: not a valid URL: {e}"),
                })
            }
        };
        // Sign what goes on the wire: URL parsing may percent-encode what the caller did not.
        let request_path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let call = Call {
            method: Method::Get,
            url: url.as_str(),
            path,
            query: &[],
            sign: Sign::Headers(Signed {
                signer,
                request_path,
            }),
            weight: 1,
        };
        self.guarded(&call).await
    }

    /// `method base_url + path` with the query (GET) or form body (POST) `signer` builds for
    /// each attempt, counted as `weight` against the matching [`WeightBudget`]: the body of
    /// the first successful attempt.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        weight: u32,
        signer: &dyn SignPayload,
    ) -> Result<Vec<u8>, ConnectorError> {
        let url = format!("{}{}", self.base_url, path);
        let call = Call {
            method,
            url: &url,
            path,
            query: &[],
            sign: Sign::Payload(signer),
            weight,
        };
        self.guarded(&call).await
    }

    fn decode_error(&self, path: &str, err: &dyn std::fmt::Display) -> ConnectorError {
        ConnectorError::Decode {
            provider: self.name,
            message: self.redact(format!("{}: {err}", self.naming(Method::Get, path))),
        }
    }

    /// `GET base_url + path` with the query: the body of the first successful attempt.
    pub async fn get_bytes(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Vec<u8>, ConnectorError> {
        let url = format!("{}{}", self.base_url, path);
        let call = Call {
            method: Method::Get,
            url: &url,
            path,
            query,
            sign: Sign::None,
            weight: 1,
        };
        self.guarded(&call).await
    }

    async fn guarded(&self, call: &Call<'_>) -> Result<Vec<u8>, ConnectorError> {
        let lane = match &call.sign {
            Sign::Headers(s) => s.signer.key_id().map(|id| self.lane(&id)),
            _ => None,
        };
        let key_permit = match lane.as_deref().map(|l| l.breaker.enter()) {
            Some(Err(e)) => {
                self.count("circuit_open");
                return Err(e);
            }
            Some(Ok(p)) => Some(p),
            None => None,
        };
        let permit = match self.breaker.enter() {
            Ok(p) => p,
            Err(e) => {
                self.count("circuit_open");
                return Err(e);
            }
        };
        let result = self.with_retries(call, lane.as_deref()).await;
        let err = result.as_ref().err();
        match key_permit {
            // With a lane, the key's own rate limits stay on its breaker;
            // only the provider's (5xx, timeouts, network) count against everyone's.
            Some(key_permit) => {
                key_permit.finish(!err.is_some_and(is_key_fault));
                permit.finish(!err.is_some_and(is_provider_fault));
            }
            None => permit.finish(!err.is_some_and(counts_against_breaker)),
        }
        result
    }

    async fn with_retries(
        &self,
        call: &Call<'_>,
        lane: Option<&KeyLane>,
    ) -> Result<Vec<u8>, ConnectorError> {
        let path = call.path;
        let mut attempt = 0;
        let mut resynced = false;
        loop {
            self.wait_for_weight(path, call.weight).await?;
            let queued = Instant::now();
            if let Some(lane) = lane {
                lane.limiter.acquire().await;
            }
            self.limiter.acquire().await;
            self.waited("limiter", queued.elapsed());
            let started = Instant::now();
            let result = self.attempt(call).await;
            self.metrics
                .upstream_duration
                .with_label_values(&[self.name])
                .observe(started.elapsed().as_secs_f64());
            let failure = match result {
                Ok(body) => {
                    self.count("ok");
                    return Ok(body);
                }
                Err(f) => f,
            };
            let failure = match &call.sign {
                Sign::Headers(s) => failure.redacted(|m| s.signer.redact(m)),
                _ => failure,
            };
            self.count(failure.outcome);
            let wait = match failure.retry {
                Retry::Resync if !resynced && self.server_time.is_some() => {
                    resynced = true;
                    self.resync().await?;
                    continue;
                }
                Retry::Resync | Retry::No => return Err(failure.error),
                _ if attempt >= self.max_retries => return Err(failure.error),
                Retry::After(d) => d,
                Retry::Backoff => self.backoff(attempt),
            };
            tracing::warn!(
                provider = self.name,
                path,
                attempt = attempt + 1,
                wait_ms = wait.as_millis() as u64,
                error = %failure.error,
                "upstream call failed; retrying"
            );
            tokio::time::sleep(wait).await;
            self.waited("retry", wait);
            attempt += 1;
        }
    }

    async fn attempt(&self, call: &Call<'_>) -> Result<Vec<u8>, Failure> {
        let (path, method) = (call.path, call.method);
        let mut request = match &call.sign {
            Sign::Payload(signer) => {
                let payload = signer.payload(self.now_ms());
                let request = match method {
                    Method::Get if payload.is_empty() => self.http.get(call.url),
                    Method::Get => self.http.get(format!("{}?{payload}", call.url)),
                    Method::Post => self
                        .http
                        .post(call.url)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(payload),
                };
                request
                    .headers(self.headers.clone())
                    .headers(signer.headers())
            }
            Sign::Headers(s) => self
                .http
                .get(call.url)
                .headers(self.headers.clone())
                .headers(s.signer.headers("GET", &s.request_path, b"")),
            Sign::None => self.http.get(call.url).headers(self.headers.clone()),
        };
        if !call.query.is_empty() {
            request = request.query(call.query);
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.transport(method, path, e))?;
        let status = response.status().as_u16();
        self.note_weight(path, response.headers());
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = match response.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) if (200..300).contains(&status) => return Err(self.transport(method, path, e)),
            Err(_) => Vec::new(),
        };
        if let Some((ban, default)) = self.ban.filter(|(ban, _)| *ban == status) {
            return Err(self.banned(ban, retry_after.unwrap_or(default)));
        }
        let own = match &call.sign {
            Sign::Payload(signer) => signer.check(status, &body),
            _ => None,
        };
        let verdict = own.or_else(|| self.answer_check.and_then(|check| check(status, &body)));
        if let Some(verdict) = verdict {
            let refused = |reason: String, retry, outcome| Failure {
                error: ConnectorError::Refused {
                    provider: self.name,
                    reason: self.redact(reason),
                },
                retry,
                outcome,
            };
            return Err(match verdict {
                Verdict::As(status, message) => {
                    self.classify(method, path, status, retry_after, message)
                }
                Verdict::Refused(reason) => refused(reason, Retry::No, "refused"),
                Verdict::RefusedForNow(reason) => refused(reason, Retry::Backoff, "refused"),
                Verdict::Resync(reason) => refused(reason, Retry::Resync, "refused"),
            });
        }
        if (200..300).contains(&status) {
            return match self.error_in_ok.and_then(|check| check(&body)) {
                None => Ok(body),
                Some((status, message)) => Err(self.classify(method, path, status, None, message)),
            };
        }
        let message = upstream_message(&body);
        Err(self.classify(method, path, status, retry_after, message))
    }

    /// Records an IP ban: nothing is sent until it ends.
    fn banned(&self, status: u16, left: Duration) -> Failure {
        *self.banned_until.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(tokio::time::Instant::now() + left);
        tracing::warn!(
            provider = self.name,
            status,
            retry_after_s = left.as_secs(),
            "the upstream banned this IP for sending too many requests; pausing"
        );
        Failure {
            error: ConnectorError::RateLimited {
                provider: self.name,
                retry_after: Some(left),
            },
            retry: Retry::No,
            outcome: "banned",
        }
    }

    fn budget(&self, path: &str) -> Option<usize> {
        self.budgets
            .iter()
            .position(|b| path.starts_with(b.path_prefix))
    }

    /// Records the weight the upstream says this minute has used.
    fn note_weight(&self, path: &str, headers: &HeaderMap) {
        let Some(i) = self.budget(path) else { return };
        let Some(weight) = headers
            .get(self.budgets[i].header)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u32>().ok())
        else {
            return;
        };
        let minute = self.now_ms().div_euclid(60_000);
        self.used.lock().unwrap_or_else(|e| e.into_inner())[i] = Used { weight, minute };
    }

    /// Waits until `weight` fits this minute's budget, or refuses when that is too long or the
    /// upstream banned us.
    async fn wait_for_weight(&self, path: &str, weight: u32) -> Result<(), ConnectorError> {
        let banned_until = *self.banned_until.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = banned_until {
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            if !left.is_zero() {
                return Err(ConnectorError::RateLimited {
                    provider: self.name,
                    retry_after: Some(left),
                });
            }
        }
        let Some(i) = self.budget(path) else {
            return Ok(());
        };
        let used = self.used.lock().unwrap_or_else(|e| e.into_inner())[i];
        let now = self.now_ms();
        if used.minute != now.div_euclid(60_000)
            || used.weight.saturating_add(weight) <= self.budgets[i].per_minute
        {
            return Ok(());
        }
        let to_next = 60_000 - now.rem_euclid(60_000);
        let wait = Duration::from_millis(u64::try_from(to_next).unwrap_or(60_000));
        if wait > self.retry_after_cap {
            self.count("weight_exhausted");
            return Err(ConnectorError::RateLimited {
                provider: self.name,
                retry_after: Some(wait),
            });
        }
        tracing::info!(
            provider = self.name,
            path,
            wait_ms = wait.as_millis() as u64,
            "waiting for the upstream's next weight minute"
        );
        tokio::time::sleep(wait).await;
        self.waited("weight", wait);
        Ok(())
    }

    /// Learns the upstream's clock from its time endpoint (half the round trip added).
    async fn resync(&self) -> Result<(), ConnectorError> {
        let Some((path, read)) = self.server_time else {
            return Ok(());
        };
        let sent = Instant::now();
        let body = Box::pin(self.request(Method::Get, path, 1, &Unsigned)).await?;
        let server_ms = read(&body)
            .ok_or_else(|| self.decode_error(path, &"the answer carries no server time"))?;
        let half_trip = i64::try_from(sent.elapsed().as_millis() / 2).unwrap_or(0);
        let offset = server_ms + half_trip - (self.clock)();
        self.offset_ms.store(offset, Ordering::Relaxed);
        tracing::info!(
            provider = self.name,
            offset_ms = offset,
            "resynced with the upstream's clock"
        );
        Ok(())
    }

    fn classify(
        &self,
        method: Method,
        path: &str,
        status: u16,
        retry_after: Option<Duration>,
        message: String,
    ) -> Failure {
        let provider = self.name;
        match status {
            429 => {
                let retry = match retry_after {
                    Some(d) if d > self.retry_after_cap => Retry::No,
                    Some(d) => Retry::After(d),
                    None => Retry::Backoff,
                };
                Failure {
                    error: ConnectorError::RateLimited {
                        provider,
                        retry_after,
                    },
                    retry,
                    outcome: "rate_limited",
                }
            }
            401 | 403 => Failure {
                error: ConnectorError::Unauthorized { provider },
                retry: Retry::No,
                outcome: "unauthorized",
            },
            _ => {
                let server = (500..600).contains(&status);
                Failure {
                    error: ConnectorError::Upstream {
                        provider,
                        status,
                        message: self.redact(format!("{}: {message}", self.naming(method, path))),
                    },
                    retry: if server { Retry::Backoff } else { Retry::No },
                    outcome: if server {
                        "server_error"
                    } else {
                        "client_error"
                    },
                }
            }
        }
    }

    fn transport(&self, method: Method, path: &str, err: reqwest::Error) -> Failure {
        let provider = self.name;
        if err.is_timeout() {
            return Failure {
                error: ConnectorError::Timeout { provider },
                retry: Retry::Backoff,
                outcome: "timeout",
            };
        }
        // reqwest's own message names the URL; the path and the causes say enough.
        let err = err.without_url();
        let mut message = format!("{}: {err}", self.naming(method, path));
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Failure {
            error: ConnectorError::Network {
                provider,
                message: self.redact(message),
            },
            retry: Retry::Backoff,
            outcome: "network",
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .backoff_base
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.backoff_max);
        ceiling.mul_f64(rand::thread_rng().gen::<f64>())
    }

    /// Adds a wait before a call to `upstream_wait_seconds_total` (nothing when there was none).
    fn waited(&self, reason: &str, wait: Duration) {
        if !wait.is_zero() {
            self.metrics
                .upstream_wait
                .with_label_values(&[self.name, reason])
                .inc_by(wait.as_secs_f64());
        }
    }

    fn count(&self, outcome: &str) {
        self.metrics
            .upstream_requests
            .with_label_values(&[self.name, outcome])
            .inc();
    }

    fn redact(&self, message: String) -> String {
        match &self.secret {
            Some(key) if !key.expose().is_empty() => message.replace(key.expose(), "[redacted]"),
            _ => message,
        }
    }
}

struct Failure {
    error: ConnectorError,
    retry: Retry,
    outcome: &'static str,
}

impl Failure {
    fn redacted(mut self, redact: impl Fn(&str) -> String) -> Self {
        match &mut self.error {
            ConnectorError::Upstream { message, .. }
            | ConnectorError::Decode { message, .. }
            | ConnectorError::Network { message, .. } => *message = redact(message),
            ConnectorError::Refused { reason, .. } => *reason = redact(reason),
            _ => {}
        }
        self
    }
}

/// One request as the retry loop sees it.
struct Call<'a> {
    method: Method,
    /// `base_url + path`, with the query of a request signed by headers.
    url: &'a str,
    /// The path alone, for errors, logs and weight budgets.
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    sign: Sign<'a>,
    weight: u32,
}

enum Sign<'a> {
    None,
    Headers(Signed<'a>),
    Payload(&'a dyn SignPayload),
}

/// A signed request: its signer and the path and query it signs.
struct Signed<'a> {
    signer: &'a dyn SignRequest,
    request_path: String,
}

/// The path of a path with a query, for errors and logs (which never carry a query).
fn path_only(path_and_query: &str) -> &str {
    path_and_query
        .split_once('?')
        .map_or(path_and_query, |(path, _)| path)
}

enum Retry {
    No,
    Backoff,
    After(Duration),
    /// Resync the clock, then try once more.
    Resync,
}

/// Failures that say the provider is unwell or refusing us; a 4xx about our request does not.
fn counts_against_breaker(err: &ConnectorError) -> bool {
    match err {
        ConnectorError::Timeout { .. }
        | ConnectorError::Network { .. }
        | ConnectorError::RateLimited { .. } => true,
        ConnectorError::Upstream { status, .. } => *status >= 500,
        _ => false,
    }
}

/// A failure that says something about the key rather than the provider: its rate limit.
/// (Refusals count against no breaker, so the user keeps seeing why the key was refused.)
fn is_key_fault(err: &ConnectorError) -> bool {
    matches!(err, ConnectorError::RateLimited { .. })
}

/// A failure of the provider itself.
fn is_provider_fault(err: &ConnectorError) -> bool {
    counts_against_breaker(err) && !is_key_fault(err)
}

/// `Retry-After` as delay-seconds or an HTTP-date (a date in the past is zero).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// The human part of an error body: `error`, `error.message`, `status.error_message` or
/// `message` of a JSON body, else the start of the text.
fn upstream_message(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        let found = [
            v.get("error"),
            v.get("error").and_then(|e| e.get("message")),
            v.get("status").and_then(|s| s.get("error_message")),
            v.get("message"),
            v.get("msg"),
        ]
        .into_iter()
        .flatten()
        .find_map(|m| m.as_str());
        if let Some(m) = found {
            return truncate(m);
        }
    }
    let text = String::from_utf8_lossy(body);
    if text.trim().is_empty() {
        "(empty body)".into()
    } else {
        truncate(text.trim())
    }
}

fn truncate(s: &str) -> String {
    let mut out: String = s.chars().take(200).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Tokens refill at `rate_per_minute`, up to `burst`. A caller takes a token, going into debt
/// when none is left, and sleeps until its token would have arrived, so waiters stay in order.
/// It keeps tokio's time, so tests with a paused clock see exact spacing.
struct TokenBucket {
    per_second: f64,
    capacity: f64,
    state: Mutex<(f64, tokio::time::Instant)>,
}

impl TokenBucket {
    fn new(rate_per_minute: u32, burst: u32) -> Self {
        let capacity = f64::from(burst.max(1));
        Self {
            per_second: f64::from(rate_per_minute.max(1)) / 60.0,
            capacity,
            state: Mutex::new((capacity, tokio::time::Instant::now())),
        }
    }

    async fn acquire(&self) {
        let wait = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let (tokens, last) = &mut *state;
            let now = tokio::time::Instant::now();
            *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second)
                .min(self.capacity);
            *last = now;
            *tokens -= 1.0;
            if *tokens >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(-*tokens / self.per_second)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// Opens after `threshold` consecutive failed calls; after `cooldown` one trial call goes
/// through (half-open), and its outcome closes or reopens the circuit.
struct CircuitBreaker {
    name: &'static str,
    threshold: u32,
    cooldown: Duration,
    state: Mutex<BreakerState>,
}

#[derive(Default)]
struct BreakerState {
    failures: u32,
    open_until: Option<Instant>,
    trial_in_flight: bool,
}

impl CircuitBreaker {
    fn new(name: impl Into<&'static str>, threshold: u32, cooldown: Duration) -> Self {
        Self {
            name: name.into(),
            threshold: threshold.max(1),
            cooldown,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn enter(&self) -> Result<Permit<'_>, ConnectorError> {
        let provider = self.name;
        let mut s = self.lock();
        let Some(until) = s.open_until else {
            return Ok(Permit {
                breaker: self,
                trial: false,
                finished: false,
            });
        };
        let now = Instant::now();
        if now < until {
            return Err(ConnectorError::CircuitOpen {
                provider,
                retry_in: until - now,
            });
        }
        if s.trial_in_flight {
            return Err(ConnectorError::CircuitOpen {
                provider,
                retry_in: self.cooldown.min(Duration::from_secs(1)),
            });
        }
        s.trial_in_flight = true;
        Ok(Permit {
            breaker: self,
            trial: true,
            finished: false,
        })
    }
}

/// One call's passage through the breaker; dropping it unfinished (a cancelled call) frees the
/// half-open trial slot.
struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    trial: bool,
    finished: bool,
}

impl Permit<'_> {
    fn finish(mut self, healthy: bool) {
        self.finished = true;
        let mut s = self.breaker.lock();
        if self.trial {
            s.trial_in_flight = false;
        }
        if healthy {
            s.failures = 0;
            s.open_until = None;
        } else {
            s.failures = s.failures.saturating_add(1);
            if self.trial || s.failures >= self.breaker.threshold {
                s.open_until = Some(Instant::now() + self.breaker.cooldown);
                tracing::warn!(
                    provider = self.breaker.name,
                    failures = s.failures,
                    cooldown_ms = self.breaker.cooldown.as_millis() as u64,
                    "upstream circuit opened"
                );
            }
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.trial && !self.finished {
            self.breaker.lock().trial_in_flight = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        let later = (chrono::Utc::now() + chrono::Duration::seconds(30))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let d = parse_retry_after(&later).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-3"), None);
    }

    #[test]
    fn error_messages_come_from_known_body_shapes() {
        assert_eq!(
            upstream_message(br#"{"error": "you have reached maximum request limit"}"#),
            "you have reached maximum request limit"
        );
        assert_eq!(
            upstream_message(br#"{"status":{"error_code":429,"error_message":"slow down"}}"#),
            "slow down"
        );
        assert_eq!(
            upstream_message(b"<html>Bad gateway</html>"),
            "<html>Bad gateway</html>"
        );
        assert_eq!(upstream_message(b""), "(empty body)");
        assert_eq!(
            upstream_message(br#"{"code":-1100,"msg":"Illegal characters"}"#),
            "Illegal characters"
        );
        assert_eq!(
            upstream_message("x".repeat(500).as_bytes()).chars().count(),
            201
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_token_bucket_spends_its_burst_then_spaces_callers_by_the_rate() {
        let bucket = TokenBucket::new(600, 2);
        let started = tokio::time::Instant::now();
        let mut at = Vec::new();
        for _ in 0..5 {
            bucket.acquire().await;
            at.push(started.elapsed());
        }
        assert_eq!(
            at[..2],
            [Duration::ZERO, Duration::ZERO],
            "the burst waits not"
        );
        for pair in at[1..].windows(2) {
            let gap = pair[1] - pair[0];
            // Exactly 100 ms but for float rounding and tokio's millisecond ticks.
            assert!(
                gap >= Duration::from_millis(99) && gap <= Duration::from_millis(102),
                "{at:?}"
            );
        }
    }

    /// A server on 127.0.0.1 answering `script(request, index)` with a status, headers and body,
    /// and keeping every request it saw.
    mod scripted {
        use std::sync::{Arc, Mutex};

        use axum::body::Bytes;
        use axum::extract::State;
        use axum::http::{HeaderMap, Method, StatusCode, Uri};
        use axum::response::{IntoResponse, Response};

        #[derive(Clone, Debug)]
        pub struct Seen {
            pub method: String,
            pub path: String,
            pub query: String,
            pub content_type: String,
            pub body: String,
        }

        pub type Answer = (u16, Vec<(&'static str, String)>, String);
        type Script = Arc<dyn Fn(&Seen, usize) -> Answer + Send + Sync>;
        type Shared = (Arc<Mutex<Vec<Seen>>>, Script);

        pub async fn start(
            script: impl Fn(&Seen, usize) -> Answer + Send + Sync + 'static,
        ) -> (String, Arc<Mutex<Vec<Seen>>>) {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let state: Shared = (seen.clone(), Arc::new(script));
            let app = axum::Router::new().fallback(answer).with_state(state);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            (url, seen)
        }

        async fn answer(
            State((seen, script)): State<Shared>,
            method: Method,
            uri: Uri,
            headers: HeaderMap,
            body: Bytes,
        ) -> Response {
            let request = Seen {
                method: method.to_string(),
                path: uri.path().to_string(),
                query: uri.query().unwrap_or("").to_string(),
                content_type: headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string(),
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            let index = {
                let mut seen = seen.lock().unwrap();
                seen.push(request.clone());
                seen.len() - 1
            };
            let (status, headers, body) = script(&request, index);
            let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
            for (name, value) in headers {
                response.headers_mut().insert(name, value.parse().unwrap());
            }
            response
        }
    }

    fn client(base_url: &str) -> UpstreamClient {
        let cfg = ProviderConfig {
            base_url: base_url.to_string(),
            api_key: None,
            tier: "demo".into(),
            rate_per_minute: 60_000,
            burst: 1_000,
            timeout: Duration::from_secs(5),
            max_retries: 2,
            breaker_failures: 100,
            breaker_cooldown: Duration::from_secs(1),
        };
        UpstreamClient::named("test", &cfg, Arc::new(Metrics::new()))
            .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
    }

    /// Signs `ts=<the upstream's clock>` into each attempt; `check` reads answers first.
    struct Stamp {
        check: fn(u16, &[u8]) -> Option<Verdict>,
    }

    impl SignPayload for Stamp {
        fn payload(&self, now_ms: i64) -> String {
            format!("ts={now_ms}")
        }
        fn check(&self, status: u16, body: &[u8]) -> Option<Verdict> {
            (self.check)(status, body)
        }
    }

    const PLAIN: Stamp = Stamp { check: |_, _| None };

    fn ts(text: &str) -> i64 {
        text.strip_prefix("ts=").unwrap().parse().unwrap()
    }

    #[tokio::test]
    async fn a_payload_is_signed_afresh_for_each_attempt_as_a_query_or_a_form_body() {
        let (url, seen) =
            scripted::start(|_, i| (if i % 2 == 0 { 500 } else { 200 }, vec![], "{}".into())).await;
        let tick = Arc::new(AtomicI64::new(0));
        let c = client(&url).with_clock(move || tick.fetch_add(1, Ordering::Relaxed));
        c.request(Method::Get, "/get", 1, &PLAIN).await.unwrap();
        c.request(Method::Post, "/post", 1, &PLAIN).await.unwrap();
        let seen = seen.lock().unwrap().clone();
        let (get, post) = (&seen[..2], &seen[2..]);
        assert!(get.iter().all(|s| s.method == "GET" && s.body.is_empty()));
        assert_ne!(ts(&get[0].query), ts(&get[1].query), "a fresh timestamp");
        assert!(post.iter().all(|s| s.method == "POST"
            && s.query.is_empty()
            && s.content_type == "application/x-www-form-urlencoded"));
        assert_ne!(ts(&post[0].body), ts(&post[1].body));
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_weight_budget_waits_for_the_next_minute_or_refuses_beyond_the_cap() {
        let (url, seen) =
            scripted::start(|_, _| (200, vec![("x-used-weight", "10".to_string())], "{}".into()))
                .await;
        let budget = vec![WeightBudget {
            path_prefix: "/",
            header: "x-used-weight",
            per_minute: 10,
        }];
        // One second before the upstream's next minute.
        let c = client(&url)
            .with_clock(|| 59_000)
            .with_weight_budgets(budget.clone());
        c.request(Method::Get, "/a", 1, &PLAIN).await.unwrap();
        let started = tokio::time::Instant::now();
        c.request(Method::Get, "/a", 1, &PLAIN).await.unwrap();
        assert!(started.elapsed() >= Duration::from_secs(1));
        assert_eq!(seen.lock().unwrap().len(), 2);

        let capped = client(&url)
            .with_clock(|| 59_000)
            .with_weight_budgets(budget)
            .with_retry_after_cap(Duration::from_millis(500));
        capped.request(Method::Get, "/a", 1, &PLAIN).await.unwrap();
        let err = capped
            .request(Method::Get, "/a", 1, &PLAIN)
            .await
            .unwrap_err();
        assert_eq!(
            err,
            ConnectorError::RateLimited {
                provider: "test",
                retry_after: Some(Duration::from_secs(1)),
            }
        );
        assert_eq!(seen.lock().unwrap().len(), 3, "the refused one is not sent");
    }

    #[tokio::test(start_paused = true)]
    async fn a_ban_status_stops_every_request_until_its_retry_after() {
        let (url, seen) = scripted::start(|_, i| match i {
            0 => (418, vec![("retry-after", "120".to_string())], "{}".into()),
            1 => (418, vec![], "{}".into()),
            _ => (200, vec![], "{}".into()),
        })
        .await;
        let c = client(&url).with_ban_status(418, Duration::from_secs(300));
        let banned = |secs| ConnectorError::RateLimited {
            provider: "test",
            retry_after: Some(Duration::from_secs(secs)),
        };
        let err = c.request(Method::Get, "/a", 1, &PLAIN).await.unwrap_err();
        assert_eq!(err, banned(120), "a ban is not retried");
        tokio::time::advance(Duration::from_secs(100)).await;
        let err = c.request(Method::Get, "/b", 1, &PLAIN).await.unwrap_err();
        assert_eq!(err, banned(20), "every path waits");
        assert_eq!(seen.lock().unwrap().len(), 1);
        tokio::time::advance(Duration::from_secs(21)).await;
        let err = c.request(Method::Get, "/a", 1, &PLAIN).await.unwrap_err();
        assert_eq!(err, banned(300), "without Retry-After, the default");
        tokio::time::advance(Duration::from_secs(301)).await;
        c.request(Method::Get, "/a", 1, &PLAIN).await.unwrap();
        assert_eq!(seen.lock().unwrap().len(), 3);
    }

    const CLOCK: Stamp = Stamp {
        check: |status, _| (status == 400).then(|| Verdict::Resync("clock is off".into())),
    };

    fn read_t(body: &[u8]) -> Option<i64> {
        serde_json::from_slice::<serde_json::Value>(body)
            .ok()?
            .get("t")?
            .as_i64()
    }

    #[tokio::test]
    async fn a_resync_verdict_learns_the_upstreams_clock_and_retries_once() {
        let (url, seen) = scripted::start(|s, i| match s.path.as_str() {
            "/time" => (200, vec![], r#"{"t": 31000}"#.into()),
            _ if i == 0 => (400, vec![], "{}".into()),
            _ => (200, vec![], "{}".into()),
        })
        .await;
        let c = client(&url)
            .with_clock(|| 1_000)
            .with_server_time("/time", read_t);
        c.request(Method::Get, "/a", 1, &CLOCK).await.unwrap();
        let seen = seen.lock().unwrap().clone();
        let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["/a", "/time", "/a"]);
        assert_eq!(ts(&seen[0].query), 1_000);
        // The server's time plus half a loopback round trip.
        assert!((31_000..31_500).contains(&ts(&seen[2].query)), "{seen:?}");
    }

    #[tokio::test]
    async fn a_clock_still_refused_after_the_resync_is_a_refusal() {
        let (url, seen) = scripted::start(|s, _| match s.path.as_str() {
            "/time" => (200, vec![], r#"{"t": 1000}"#.into()),
            _ => (400, vec![], "{}".into()),
        })
        .await;
        let c = client(&url)
            .with_clock(|| 1_000)
            .with_server_time("/time", read_t);
        let err = c.request(Method::Get, "/a", 1, &CLOCK).await.unwrap_err();
        assert_eq!(
            err,
            ConnectorError::Refused {
                provider: "test",
                reason: "clock is off".into()
            }
        );
        assert_eq!(seen.lock().unwrap().len(), 3, "/a, /time, /a: once only");
    }

    #[tokio::test]
    async fn a_refusal_for_now_is_retried_then_returned_as_a_refusal() {
        let (url, seen) = scripted::start(|_, _| (403, vec![], "{}".into())).await;
        let blocked = Stamp {
            check: |_, _| Some(Verdict::RefusedForNow("blocked for a while".into())),
        };
        let err = client(&url)
            .request(Method::Get, "/a", 1, &blocked)
            .await
            .unwrap_err();
        assert_eq!(
            err,
            ConnectorError::Refused {
                provider: "test",
                reason: "blocked for a while".into()
            }
        );
        assert_eq!(
            seen.lock().unwrap().len(),
            3,
            "max_retries 2 means 3 attempts"
        );
    }

    #[tokio::test]
    async fn errors_name_the_method_and_path_or_the_path_alone() {
        let (url, _) = scripted::start(|_, _| (404, vec![], "gone".into())).await;
        let message = |c: UpstreamClient| async move {
            match c.request(Method::Post, "/a", 1, &PLAIN).await {
                Err(ConnectorError::Upstream { message, .. }) => message,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(message(client(&url)).await, "POST /a: gone");
        assert_eq!(
            message(client(&url).without_method_in_messages()).await,
            "/a: gone"
        );
    }

    #[test]
    fn breaker_opens_after_threshold_and_admits_one_trial_after_cooldown() {
        let b = CircuitBreaker::new(Provider::CoinGecko, 2, Duration::from_millis(30));
        b.enter().unwrap().finish(false);
        b.enter().unwrap().finish(false);
        assert!(matches!(b.enter(), Err(ConnectorError::CircuitOpen { .. })));
        std::thread::sleep(Duration::from_millis(40));
        let trial = b.enter().unwrap();
        assert!(b.enter().is_err(), "only one trial at a time");
        trial.finish(false);
        assert!(b.enter().is_err(), "a failed trial reopens the circuit");
        std::thread::sleep(Duration::from_millis(40));
        drop(b.enter().unwrap());
        b.enter().unwrap().finish(true);
        b.enter().unwrap().finish(false);
        assert!(b.enter().is_ok(), "one failure after closing stays closed");
    }
}
