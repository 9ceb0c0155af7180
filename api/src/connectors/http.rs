//! The HTTP client every market-data connector shares: a timeout, a token-bucket rate limiter,
//! retries with exponential backoff and full jitter, `Retry-After` on 429, a circuit breaker and
//! the `upstream_*` metrics. Errors name the request path, never a URL with a query or a key.
//! Signed requests (OKX) get their headers from a [`SignRequest`] on every attempt.

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
        }
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
        let signed = Signed {
            signer,
            request_path,
        };
        self.guarded(url.as_str(), path, &[], Some(&signed)).await
    }

    fn decode_error(&self, path: &str, err: &dyn std::fmt::Display) -> ConnectorError {
        ConnectorError::Decode {
            provider: self.name,
            message: self.redact(format!("GET {path}: {err}")),
        }
    }

    /// `GET base_url + path` with the query: the body of the first successful attempt.
    pub async fn get_bytes(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Vec<u8>, ConnectorError> {
        let url = format!("{}{}", self.base_url, path);
        self.guarded(&url, path, query, None).await
    }

    async fn guarded(
        &self,
        url: &str,
        path: &str,
        query: &[(&str, &str)],
        signed: Option<&Signed<'_>>,
    ) -> Result<Vec<u8>, ConnectorError> {
        let lane = signed
            .and_then(|s| s.signer.key_id())
            .map(|id| self.lane(&id));
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
        let result = self
            .with_retries(url, path, query, signed, lane.as_deref())
            .await;
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
        url: &str,
        path: &str,
        query: &[(&str, &str)],
        signed: Option<&Signed<'_>>,
        lane: Option<&KeyLane>,
    ) -> Result<Vec<u8>, ConnectorError> {
        let mut attempt = 0;
        loop {
            if let Some(lane) = lane {
                lane.limiter.acquire().await;
            }
            self.limiter.acquire().await;
            let started = Instant::now();
            let result = self.attempt(url, path, query, signed).await;
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
            let failure = match signed {
                Some(s) => failure.redacted(|m| s.signer.redact(m)),
                None => failure,
            };
            self.count(failure.outcome);
            let wait = match failure.retry {
                Retry::No => return Err(failure.error),
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
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        url: &str,
        path: &str,
        query: &[(&str, &str)],
        signed: Option<&Signed<'_>>,
    ) -> Result<Vec<u8>, Failure> {
        let mut request = self.http.get(url).headers(self.headers.clone());
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(s) = signed {
            request = request.headers(s.signer.headers("GET", &s.request_path, b""));
        }
        let response = request.send().await.map_err(|e| self.transport(path, e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = match response.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) if (200..300).contains(&status) => return Err(self.transport(path, e)),
            Err(_) => Vec::new(),
        };
        if let Some(verdict) = self.answer_check.and_then(|check| check(status, &body)) {
            return Err(match verdict {
                Verdict::As(status, message) => self.classify(path, status, retry_after, message),
                Verdict::Refused(reason) => Failure {
                    error: ConnectorError::Refused {
                        provider: self.name,
                        reason: self.redact(reason),
                    },
                    retry: Retry::No,
                    outcome: "refused",
                },
            });
        }
        if (200..300).contains(&status) {
            return match self.error_in_ok.and_then(|check| check(&body)) {
                None => Ok(body),
                Some((status, message)) => Err(self.classify(path, status, None, message)),
            };
        }
        let message = upstream_message(&body);
        Err(self.classify(path, status, retry_after, message))
    }

    fn classify(
        &self,
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
                        message: self.redact(format!("GET {path}: {message}")),
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

    fn transport(&self, path: &str, err: reqwest::Error) -> Failure {
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
        let mut message = format!("GET {path}: {err}");
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
}

impl From<Provider> for &'static str {
    fn from(provider: Provider) -> Self {
        provider.as_str()
    }
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
