//! Binance, read-only: the spot and funding wallets and Simple Earn (flexible and locked)
//! positions, and what an API key may do. Requests are signed as Binance requires (HMAC-SHA256
//! of the exact query or form body sent, with `timestamp` and `recvWindow`) and paced by the
//! request weight Binance reports back on every answer.
//!
//! Rate-limit policy: Binance counts request weight per IP and minute (`X-MBX-USED-WEIGHT-1M`
//! on `/api`, `X-SAPI-USED-IP-WEIGHT-1M` on `/sapi`). A request that would pass the budget
//! waits for the next minute (or answers `RateLimited` when that is longer than the cap); 429 is
//! retried after its `Retry-After`; 418 (an IP ban) stops every request until its
//! `Retry-After`. `-1021` (timestamp outside `recvWindow`) resyncs with `/api/v3/time` and
//! retries once.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use rand::Rng;
use reqwest::header::RETRY_AFTER;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::http::parse_retry_after;
use super::numbers::{self, Precision};
use super::{
    ConnectorError, CredentialField, ExchangeBalance, ExchangeBalances, ExchangeCredentials,
    ExchangeInfo, ExchangeLocation, ExchangeReading, KeyPermissions,
};
use crate::config::ProviderConfig;
use crate::metrics::Metrics;

/// The provider label of Binance errors, logs and metrics.
pub const PROVIDER: &str = "binance";

/// Spot wallet (`omitZeroBalances=true`); also carries the account's `uid`. Weight 20.
pub const ACCOUNT: &str = "/api/v3/account";
/// Funding wallet (POST, signed form body). Weight 1.
pub const FUNDING_ASSET: &str = "/sapi/v1/asset/get-funding-asset";
/// Simple Earn flexible positions, paged. Weight 150.
pub const FLEXIBLE_POSITION: &str = "/sapi/v1/simple-earn/flexible/position";
/// Simple Earn locked positions, paged. Weight 150.
pub const LOCKED_POSITION: &str = "/sapi/v1/simple-earn/locked/position";
/// The key's permissions (`enableWithdrawals`, `enableSpotAndMarginTrading`, …). Weight 1.
pub const API_RESTRICTIONS: &str = "/sapi/v1/account/apiRestrictions";
/// Binance's clock, to resync after `-1021`. Weight 1.
pub const SERVER_TIME: &str = "/api/v3/time";

/// Rows per Simple Earn page (Binance's maximum).
pub const EARN_PAGE_SIZE: u32 = 100;
/// `recvWindow` of every signed request, in milliseconds (Binance's default).
pub const RECV_WINDOW_MS: u64 = 5000;

/// Binance as the add-account form offers it.
pub const INFO: ExchangeInfo = ExchangeInfo {
    name: PROVIDER,
    display_name: "Binance",
    credentials: &[
        CredentialField {
            field: "api_key",
            label: "API key",
        },
        CredentialField {
            field: "api_secret",
            label: "Secret key",
        },
    ],
    locations: &[
        ExchangeLocation::Spot,
        ExchangeLocation::Funding,
        ExchangeLocation::Earn,
    ],
};

/// Milliseconds since the epoch, as Binance's `timestamp` wants them.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Weight budgets per minute: `/api` (REQUEST_WEIGHT 6000) and `/sapi` (12,000 per IP).
#[derive(Debug, Clone, Copy)]
pub struct WeightLimits {
    pub api: u32,
    pub sapi: u32,
}

impl Default for WeightLimits {
    fn default() -> Self {
        Self {
            api: 6000,
            sapi: 12_000,
        }
    }
}

/// The weight Binance last reported for one of its two budgets, and when.
#[derive(Debug, Default, Clone, Copy)]
struct Used {
    weight: u32,
    /// The server-clock minute the weight was counted in.
    minute: i64,
}

#[derive(Default)]
struct Pace {
    api: Used,
    sapi: Used,
    /// 418: no request before this instant.
    banned_until: Option<Instant>,
}

/// Binance's REST API, with each account's key passed per call.
pub struct BinanceClient {
    http: reqwest::Client,
    base_url: String,
    clock: Clock,
    /// Binance's clock minus ours, learnt from `/api/v3/time` after a `-1021`.
    offset_ms: std::sync::atomic::AtomicI64,
    pace: Mutex<Pace>,
    limits: WeightLimits,
    max_retries: u32,
    backoff_base: Duration,
    backoff_max: Duration,
    retry_after_cap: Duration,
    /// Hashes of keys that authenticated once: a later `-2015` is then temporary (ccxt's rule).
    good_keys: Mutex<HashSet<String>>,
    metrics: Arc<Metrics>,
}

/// An HTTP method Binance is called with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl BinanceClient {
    /// A client for `cfg.base_url` (`https://api.binance.com`) with its timeout and retries.
    pub fn new(cfg: &ProviderConfig, metrics: Arc<Metrics>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("crypto-pocket-butler/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds");
        Self {
            http,
            base_url: cfg.base_url.trim_end_matches('/').to_string(),
            clock: Arc::new(|| chrono::Utc::now().timestamp_millis()),
            offset_ms: std::sync::atomic::AtomicI64::new(0),
            pace: Mutex::default(),
            limits: WeightLimits::default(),
            max_retries: cfg.max_retries,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(20),
            retry_after_cap: super::http::DEFAULT_RETRY_AFTER_CAP,
            good_keys: Mutex::default(),
            metrics,
        }
    }

    /// Takes `timestamp` from `clock` (milliseconds) instead of the system clock.
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Weight budgets per minute (tests use small ones).
    pub fn with_weight_limits(mut self, limits: WeightLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Longest `Retry-After` (or wait for the next weight minute) waited out; a longer one is
    /// returned as `RateLimited`.
    pub fn with_retry_after_cap(mut self, cap: Duration) -> Self {
        self.retry_after_cap = cap;
        self
    }

    /// Backoff of retries after 5xx, timeouts and 429 without `Retry-After`.
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_max = max;
        self
    }

    fn now_ms(&self) -> i64 {
        (self.clock)() + self.offset_ms.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A signed request: `timestamp`, then `params` in order, then `recvWindow`, signed and
    /// sent exactly as built (in the query of a GET, the form body of a POST).
    pub async fn signed<T: DeserializeOwned>(
        &self,
        creds: &ExchangeCredentials,
        method: Method,
        path: &str,
        params: &[(&str, String)],
        weight: u32,
    ) -> Result<T, ConnectorError> {
        let body = self
            .send(Some(creds), method, path, params, weight)
            .await
            .map_err(|e| scrub(e, creds))?;
        serde_json::from_slice(&body).map_err(|e| scrub(decode(format!("{path}: {e}")), creds))
    }

    async fn send(
        &self,
        creds: Option<&ExchangeCredentials>,
        method: Method,
        path: &str,
        params: &[(&str, String)],
        weight: u32,
    ) -> Result<Vec<u8>, ConnectorError> {
        let mut attempt = 0;
        let mut resynced = false;
        loop {
            self.wait_for_weight(path, weight).await?;
            let started = Instant::now();
            let result = self.attempt(creds, method, path, params).await;
            self.metrics
                .upstream_duration
                .with_label_values(&[PROVIDER])
                .observe(started.elapsed().as_secs_f64());
            let failure = match result {
                Ok(body) => {
                    self.count("ok");
                    if let Some(c) = creds {
                        self.remember_good(c);
                    }
                    return Ok(body);
                }
                Err(f) => f,
            };
            self.count(failure.outcome);
            let wait = match failure.retry {
                Retry::Resync if !resynced => {
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
                provider = PROVIDER,
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

    /// Learns Binance's clock from `/api/v3/time` (half the round trip added).
    async fn resync(&self) -> Result<(), ConnectorError> {
        #[derive(Deserialize)]
        struct Time {
            #[serde(rename = "serverTime")]
            server_time: i64,
        }
        let sent = Instant::now();
        let body = Box::pin(self.send(None, Method::Get, SERVER_TIME, &[], 1)).await?;
        let time: Time =
            serde_json::from_slice(&body).map_err(|e| decode(format!("{SERVER_TIME}: {e}")))?;
        let half_trip = i64::try_from(sent.elapsed().as_millis() / 2).unwrap_or(0);
        let offset = time.server_time + half_trip - (self.clock)();
        self.offset_ms
            .store(offset, std::sync::atomic::Ordering::Relaxed);
        tracing::info!(
            provider = PROVIDER,
            offset_ms = offset,
            "resynced with Binance's clock"
        );
        Ok(())
    }

    /// Waits until `weight` fits this minute's budget, or refuses when that is too long or
    /// Binance banned us.
    async fn wait_for_weight(&self, path: &str, weight: u32) -> Result<(), ConnectorError> {
        let wait = {
            let pace = self.pace.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(until) = pace.banned_until {
                let left = until.saturating_duration_since(Instant::now());
                if !left.is_zero() {
                    return Err(ConnectorError::RateLimited {
                        provider: PROVIDER,
                        retry_after: Some(left),
                    });
                }
            }
            let (used, limit) = if path.starts_with("/sapi") {
                (pace.sapi, self.limits.sapi)
            } else {
                (pace.api, self.limits.api)
            };
            let now = self.now_ms();
            if used.minute == now.div_euclid(60_000) && used.weight.saturating_add(weight) > limit {
                let to_next = 60_000 - now.rem_euclid(60_000);
                Duration::from_millis(u64::try_from(to_next).unwrap_or(60_000))
            } else {
                Duration::ZERO
            }
        };
        if wait.is_zero() {
            return Ok(());
        }
        if wait > self.retry_after_cap {
            self.count("weight_exhausted");
            return Err(ConnectorError::RateLimited {
                provider: PROVIDER,
                retry_after: Some(wait),
            });
        }
        tracing::info!(
            provider = PROVIDER,
            path,
            wait_ms = wait.as_millis() as u64,
            "waiting for Binance's next weight minute"
        );
        tokio::time::sleep(wait).await;
        Ok(())
    }

    async fn attempt(
        &self,
        creds: Option<&ExchangeCredentials>,
        method: Method,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<Vec<u8>, Failure> {
        let payload = match creds {
            Some(c) => sign(c, &signed_payload(self.now_ms(), params)),
            None => encode(params),
        };
        let mut request = match method {
            Method::Get if payload.is_empty() => self.http.get(format!("{}{path}", self.base_url)),
            Method::Get => self.http.get(format!("{}{path}?{payload}", self.base_url)),
            Method::Post => self
                .http
                .post(format!("{}{path}", self.base_url))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(payload),
        };
        if let Some(c) = creds {
            request = request.header("X-MBX-APIKEY", c.api_key.expose().as_str());
        }
        let response = request.send().await.map_err(|e| transport(path, e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        self.note_weight(path, &headers);
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = match response.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) if (200..300).contains(&status) => return Err(transport(path, e)),
            Err(_) => Vec::new(),
        };
        if (200..300).contains(&status) {
            return Ok(body);
        }
        Err(self.classify(creds, path, status, retry_after, &body))
    }

    /// Records the weight Binance says this minute has used.
    fn note_weight(&self, path: &str, headers: &reqwest::header::HeaderMap) {
        let name = if path.starts_with("/sapi") {
            "x-sapi-used-ip-weight-1m"
        } else {
            "x-mbx-used-weight-1m"
        };
        let Some(weight) = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u32>().ok())
        else {
            return;
        };
        let minute = self.now_ms().div_euclid(60_000);
        let mut pace = self.pace.lock().unwrap_or_else(|e| e.into_inner());
        let used = if path.starts_with("/sapi") {
            &mut pace.sapi
        } else {
            &mut pace.api
        };
        *used = Used { weight, minute };
    }

    fn classify(
        &self,
        creds: Option<&ExchangeCredentials>,
        path: &str,
        status: u16,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Failure {
        if status == 418 {
            // An IP ban: nothing is sent until it ends (Binance bans longer if we keep asking).
            let left = retry_after.unwrap_or(Duration::from_secs(120));
            self.pace
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .banned_until = Some(Instant::now() + left);
            tracing::warn!(
                provider = PROVIDER,
                retry_after_s = left.as_secs(),
                "Binance banned this IP for sending too many requests; pausing"
            );
            return Failure::no(
                ConnectorError::RateLimited {
                    provider: PROVIDER,
                    retry_after: Some(left),
                },
                "banned",
            );
        }
        let answer: Option<ErrorAnswer> = serde_json::from_slice(body).ok();
        let code = answer.as_ref().and_then(|a| a.code);
        if status == 429 || code == Some(-1003) {
            return Failure {
                error: ConnectorError::RateLimited {
                    provider: PROVIDER,
                    retry_after,
                },
                retry: match retry_after {
                    Some(d) if d > self.retry_after_cap => Retry::No,
                    Some(d) => Retry::After(d),
                    None => Retry::Backoff,
                },
                outcome: "rate_limited",
            };
        }
        if status >= 500 {
            let message = answer
                .and_then(|a| a.msg)
                .unwrap_or_else(|| text_start(body));
            return Failure {
                error: ConnectorError::Upstream {
                    provider: PROVIDER,
                    status,
                    message: format!("{path}: {message}"),
                },
                retry: Retry::Backoff,
                outcome: "server_error",
            };
        }
        let Some(code) = code else {
            if status == 401 || status == 403 {
                return Failure::no(
                    ConnectorError::Unauthorized { provider: PROVIDER },
                    "unauthorized",
                );
            }
            return Failure::no(
                ConnectorError::Upstream {
                    provider: PROVIDER,
                    status,
                    message: format!("{path}: {}", text_start(body)),
                },
                "client_error",
            );
        };
        let msg = answer.and_then(|a| a.msg).unwrap_or_default();
        let reason = match code {
            -1021 => {
                return Failure {
                    error: refused(format!(
                        "{}: the request timestamp is outside Binance's recvWindow even after resyncing: check this server's clock",
                        said(code, &msg)
                    )),
                    retry: Retry::Resync,
                    outcome: "refused",
                }
            }
            -1022 => "the request signature is invalid (wrong secret key)".to_string(),
            -2014 => "the API key is malformed (check that it was copied whole)".to_string(),
            -2015 => {
                let known = creds.is_some_and(|c| self.is_good(c));
                if known {
                    // ccxt's rule: a key that worked before and now gets -2015 is blocked
                    // for a while (a temporary ban), not necessarily wrong.
                    return Failure {
                        error: refused(format!(
                            "{}: invalid key, IP or permissions (this key worked before: Binance may be blocking it for a while, or its IP allow-list changed)",
                            said(code, &msg)
                        )),
                        retry: Retry::Backoff,
                        outcome: "refused",
                    };
                }
                "invalid key, IP or permissions (check the key, its IP allow-list, and that Enable Reading is on)".to_string()
            }
            _ => return Failure::no(refused(said(code, &msg)), "refused"),
        };
        Failure::no(
            refused(format!("{}: {reason}", said(code, &msg))),
            "refused",
        )
    }

    fn remember_good(&self, creds: &ExchangeCredentials) {
        self.good_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key_id(creds));
    }

    fn is_good(&self, creds: &ExchangeCredentials) -> bool {
        self.good_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&key_id(creds))
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
            .with_label_values(&[PROVIDER, outcome])
            .inc();
    }

    /// The spot wallet (`free + locked` per asset), without the `LD*` rows that mirror Simple
    /// Earn flexible positions (except `LDO`, a real asset): those are read from Earn.
    pub async fn spot_balances(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<Vec<ExchangeBalance>, ConnectorError> {
        let account = self.account(creds).await?;
        let mut out = Vec::new();
        for b in account.balances {
            if is_earn_mirror(&b.asset) {
                continue;
            }
            let total = sum(
                ExchangeLocation::Spot,
                &b.asset,
                &[("free", &b.free), ("locked", &b.locked)],
            )?;
            push(&mut out, b.asset, ExchangeLocation::Spot, total);
        }
        Ok(out)
    }

    async fn account(&self, creds: &ExchangeCredentials) -> Result<SpotAccount, ConnectorError> {
        self.signed(
            creds,
            Method::Get,
            ACCOUNT,
            &[("omitZeroBalances", "true".to_string())],
            20,
        )
        .await
    }

    /// The funding wallet: `free + locked + freeze + withdrawing` per asset.
    pub async fn funding_balances(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<Vec<ExchangeBalance>, ConnectorError> {
        let rows: Vec<FundingRow> = self
            .signed(creds, Method::Post, FUNDING_ASSET, &[], 1)
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let total = sum(
                ExchangeLocation::Funding,
                &r.asset,
                &[
                    ("free", &r.free),
                    ("locked", &r.locked),
                    ("freeze", &r.freeze),
                    ("withdrawing", &r.withdrawing),
                ],
            )?;
            push(&mut out, r.asset, ExchangeLocation::Funding, total);
        }
        Ok(out)
    }

    /// Simple Earn: flexible `totalAmount` and locked `amount`, every page until an empty one,
    /// summed per asset.
    pub async fn earn_balances(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<Vec<ExchangeBalance>, ConnectorError> {
        // Which of the two failed is named, since both are the one `earn` location.
        let (flexible, locked) = tokio::try_join!(
            async {
                self.earn_pages(creds, FLEXIBLE_POSITION, "totalAmount")
                    .await
                    .map_err(|e| naming(e, "flexible Simple Earn positions"))
            },
            async {
                self.earn_pages(creds, LOCKED_POSITION, "amount")
                    .await
                    .map_err(|e| naming(e, "locked Simple Earn positions"))
            },
        )?;
        let mut sums: Vec<(String, Vec<Box<RawValue>>)> = Vec::new();
        for (asset, amount) in flexible.into_iter().chain(locked) {
            match sums.iter_mut().find(|(a, _)| *a == asset) {
                Some((_, amounts)) => amounts.push(amount),
                None => sums.push((asset, vec![amount])),
            }
        }
        let mut out = Vec::new();
        for (asset, amounts) in sums {
            let owned: Vec<Option<Box<RawValue>>> = amounts.into_iter().map(Some).collect();
            let parts: Vec<(&str, &Option<Box<RawValue>>)> =
                owned.iter().map(|a| ("amount", a)).collect();
            let total = sum(ExchangeLocation::Earn, &asset, &parts)?;
            push(&mut out, asset, ExchangeLocation::Earn, total);
        }
        Ok(out)
    }

    /// `(asset, amount)` of every row of a Simple Earn position list.
    async fn earn_pages(
        &self,
        creds: &ExchangeCredentials,
        path: &str,
        field: &str,
    ) -> Result<Vec<(String, Box<RawValue>)>, ConnectorError> {
        let mut out = Vec::new();
        // Binance caps pages; a bound keeps a misbehaving answer from paging forever.
        for current in 1..=1000u32 {
            let page: EarnPage = self
                .signed(
                    creds,
                    Method::Get,
                    path,
                    &[
                        ("current", current.to_string()),
                        ("size", EARN_PAGE_SIZE.to_string()),
                    ],
                    150,
                )
                .await?;
            if page.rows.is_empty() {
                return Ok(out);
            }
            for mut row in page.rows {
                let asset = match row.remove("asset").map(|v| v.get().to_string()) {
                    Some(a) => serde_json::from_str::<String>(&a)
                        .map_err(|_| decode(format!("{path}: a row's asset is not text")))?,
                    None => return Err(decode(format!("{path}: a row without asset"))),
                };
                let amount = row
                    .remove(field)
                    .ok_or_else(|| decode(format!("{path}: {asset} has no {field}")))?;
                out.push((asset, amount));
            }
        }
        Err(decode(format!("{path}: more than 1000 pages")))
    }
}

#[async_trait::async_trait]
impl ExchangeBalances for BinanceClient {
    fn info(&self) -> ExchangeInfo {
        INFO
    }

    /// Spot, funding and earn read at once, each succeeding or failing on its own (Simple Earn
    /// is not offered everywhere); a refusal of the key itself fails them all.
    async fn balances(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<ExchangeReading, ConnectorError> {
        use ExchangeLocation::{Earn, Funding, Spot};
        let (spot, funding, earn) = tokio::join!(
            self.spot_balances(creds),
            self.funding_balances(creds),
            self.earn_balances(creds),
        );
        ExchangeReading::gather(
            vec![(Spot, spot), (Funding, funding), (Earn, earn)],
            about_the_key,
        )
    }

    /// `apiRestrictions` for the permissions, `/api/v3/account` for the account's `uid`.
    async fn key_permissions(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<KeyPermissions, ConnectorError> {
        let (r, account) = tokio::try_join!(
            self.signed::<Restrictions>(creds, Method::Get, API_RESTRICTIONS, &[], 1),
            self.account(creds),
        )?;
        Ok(KeyPermissions {
            read: r.enable_reading,
            trade: r.enable_spot_and_margin_trading
                || r.enable_margin
                || r.enable_futures
                || r.enable_vanilla_options
                || r.enable_portfolio_margin_trading,
            withdraw: r.enable_withdrawals,
            account_uid: account.uid.map(|u| u.to_string()),
        })
    }

    fn refused_field(&self, reason: &str) -> &'static str {
        if reason.contains("-1022") {
            "api_secret"
        } else if reason.contains("-1021") {
            "credentials"
        } else {
            "api_key"
        }
    }
}

/// `timestamp`, the parameters in order, then `recvWindow`: the text to sign (ccxt's order).
pub fn signed_payload(timestamp_ms: i64, params: &[(&str, String)]) -> String {
    let mut all: Vec<(&str, String)> = Vec::with_capacity(params.len() + 2);
    all.push(("timestamp", timestamp_ms.to_string()));
    all.extend(params.iter().cloned());
    all.push(("recvWindow", RECV_WINDOW_MS.to_string()));
    encode(&all)
}

/// `payload&signature=<lowercase hex HMAC-SHA256(secret, payload)>`.
pub fn sign(creds: &ExchangeCredentials, payload: &str) -> String {
    format!("{payload}&signature={}", signature(creds, payload))
}

/// Lowercase hex HMAC-SHA256 of `payload` under the API secret.
pub fn signature(creds: &ExchangeCredentials, payload: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(creds.api_secret.expose().as_bytes())
        .expect("HMAC takes any key length");
    mac.update(payload.as_bytes());
    hex(&mac.finalize().into_bytes())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Form encoding, each value percent-encoded (Binance signs the encoded text).
fn encode(params: &[(&str, String)]) -> String {
    let escape = |text: &str| {
        let mut out = String::with_capacity(text.len());
        for b in text.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    };
    params
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Spot `LD*` rows mirror Simple Earn flexible positions; `LDO` (Lido) is a real asset.
pub fn is_earn_mirror(asset: &str) -> bool {
    asset.len() > 2 && asset.starts_with("LD") && asset != "LDO"
}

fn key_id(creds: &ExchangeCredentials) -> String {
    hex(&Sha256::digest(creds.api_key.expose().as_bytes()))
}

#[derive(Deserialize)]
struct ErrorAnswer {
    code: Option<i64>,
    msg: Option<String>,
}

#[derive(Deserialize)]
struct SpotAccount {
    #[serde(default)]
    balances: Vec<SpotRow>,
    #[serde(default)]
    uid: Option<serde_json::Number>,
}

#[derive(Deserialize)]
struct SpotRow {
    asset: String,
    free: Option<Box<RawValue>>,
    locked: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct FundingRow {
    asset: String,
    free: Option<Box<RawValue>>,
    locked: Option<Box<RawValue>>,
    freeze: Option<Box<RawValue>>,
    withdrawing: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct EarnPage {
    #[serde(default)]
    rows: Vec<std::collections::HashMap<String, Box<RawValue>>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Restrictions {
    enable_reading: bool,
    enable_withdrawals: bool,
    enable_spot_and_margin_trading: bool,
    enable_margin: bool,
    enable_futures: bool,
    enable_vanilla_options: bool,
    enable_portfolio_margin_trading: bool,
}

enum Total {
    Exact(Decimal),
    /// A single non-zero part with more digits than a `Decimal` holds, kept as its text.
    Text(String),
}

/// The exact sum of a row's parts (absent or empty parts are zero). A part too long for a
/// `Decimal` is kept as text when it is the only non-zero one; otherwise the row cannot be read.
fn sum(
    location: ExchangeLocation,
    asset: &str,
    parts: &[(&str, &Option<Box<RawValue>>)],
) -> Result<Total, ConnectorError> {
    let mut total = Decimal::ZERO;
    let mut long: Option<String> = None;
    for (field, raw) in parts {
        let Some(raw) = raw.as_deref() else { continue };
        match numbers::from_raw(raw, Precision::Exact) {
            Ok(None) => {}
            Ok(Some(v)) => {
                total = total.checked_add(v).ok_or_else(|| {
                    decode(format!(
                        "{} balance of {asset}: the sum overflows",
                        location.as_str()
                    ))
                })?
            }
            Err(e) => match number_text(raw) {
                Some(text) if long.is_none() => long = Some(text),
                _ => {
                    return Err(decode(format!(
                        "{} balance of {asset}: {field} {e}",
                        location.as_str()
                    )))
                }
            },
        }
    }
    match long {
        None => Ok(Total::Exact(total)),
        Some(text) if total.is_zero() => {
            tracing::warn!(
                asset,
                location = location.as_str(),
                "a Binance balance does not fit a decimal; kept as text"
            );
            Ok(Total::Text(text))
        }
        Some(_) => Err(decode(format!(
            "{} balance of {asset}: a part has more digits than a decimal holds",
            location.as_str()
        ))),
    }
}

fn number_text(raw: &RawValue) -> Option<String> {
    let text = raw.get().trim();
    let text = match text.strip_prefix('"') {
        Some(_) => serde_json::from_str::<String>(text).ok()?,
        None => text.to_string(),
    };
    let text = text.trim().to_string();
    numbers::is_number(&text).then_some(text)
}

fn push(
    out: &mut Vec<ExchangeBalance>,
    currency: String,
    location: ExchangeLocation,
    total: Total,
) {
    let (total, total_text) = match total {
        Total::Exact(v) if v.is_zero() => return,
        Total::Exact(v) => (v, None),
        Total::Text(t) => (Decimal::ZERO, Some(t)),
    };
    out.push(ExchangeBalance {
        currency,
        location,
        total,
        free: None,
        total_text,
    });
}

struct Failure {
    error: ConnectorError,
    retry: Retry,
    outcome: &'static str,
}

impl Failure {
    fn no(error: ConnectorError, outcome: &'static str) -> Self {
        Self {
            error,
            retry: Retry::No,
            outcome,
        }
    }
}

enum Retry {
    No,
    Backoff,
    After(Duration),
    /// `-1021`: resync the clock, then try once more.
    Resync,
}

fn transport(path: &str, err: reqwest::Error) -> Failure {
    if err.is_timeout() {
        return Failure {
            error: ConnectorError::Timeout { provider: PROVIDER },
            retry: Retry::Backoff,
            outcome: "timeout",
        };
    }
    // reqwest's message names the URL, whose query carries the signature: leave it out.
    let err = err.without_url();
    let mut message = format!("{path}: {err}");
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Failure {
        error: ConnectorError::Network {
            provider: PROVIDER,
            message,
        },
        retry: Retry::Backoff,
        outcome: "network",
    }
}

/// Binance codes that refuse the key itself (clock outside `recvWindow`, wrong secret,
/// malformed key), whichever endpoint answers them.
const KEY_CODES: &[i64] = &[-1021, -1022, -2014];

/// Whether an error refuses the whole key rather than one endpoint.
fn about_the_key(e: &ConnectorError) -> bool {
    match e {
        ConnectorError::Refused { reason, .. } => KEY_CODES.iter().any(|code| {
            reason.match_indices(&said(*code, "")).any(|(at, found)| {
                !reason[at + found.len()..].starts_with(|c: char| c.is_ascii_digit())
            })
        }),
        _ => false,
    }
}

/// A refusal's reason prefixed with what was asked for (other errors name their path).
fn naming(e: ConnectorError, what: &str) -> ConnectorError {
    match e {
        ConnectorError::Refused { provider, reason } => ConnectorError::Refused {
            provider,
            reason: format!("{what}: {reason}"),
        },
        other => other,
    }
}

fn said(code: i64, msg: &str) -> String {
    let msg: String = msg.chars().take(200).collect();
    if msg.is_empty() {
        format!("Binance code {code}")
    } else {
        format!("Binance code {code} ({msg})")
    }
}

fn text_start(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        "(empty body)".into()
    } else {
        text.chars().take(200).collect()
    }
}

fn refused(reason: String) -> ConnectorError {
    ConnectorError::Refused {
        provider: PROVIDER,
        reason,
    }
}

fn decode(message: String) -> ConnectorError {
    ConnectorError::Decode {
        provider: PROVIDER,
        message,
    }
}

/// Any credential in an error's text replaced (an answer could echo one back).
fn scrub(err: ConnectorError, creds: &ExchangeCredentials) -> ConnectorError {
    let clean = |text: &str| {
        let mut out = text.to_string();
        for secret in [&creds.api_secret, &creds.api_key] {
            if !secret.expose().is_empty() {
                out = out.replace(secret.expose().as_str(), "[redacted]");
            }
        }
        out
    };
    match err {
        ConnectorError::Decode { provider, message } => ConnectorError::Decode {
            provider,
            message: clean(&message),
        },
        ConnectorError::Upstream {
            provider,
            status,
            message,
        } => ConnectorError::Upstream {
            provider,
            status,
            message: clean(&message),
        },
        ConnectorError::Refused { provider, reason } => ConnectorError::Refused {
            provider,
            reason: clean(&reason),
        },
        ConnectorError::Network { provider, message } => ConnectorError::Network {
            provider,
            message: clean(&message),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn only_refusals_of_the_key_itself_fail_every_location() {
        let about = |code: i64, msg: &str| about_the_key(&refused(said(code, msg)));
        assert!(about(-1022, "Signature for this request is not valid."));
        assert!(about(-2014, ""));
        assert!(about(
            -1021,
            "Timestamp for this request is outside of the recvWindow."
        ));
        assert!(!about(
            -1002,
            "You are not authorized to execute this request."
        ));
        assert!(!about(
            -2015,
            "Invalid API-key, IP, or permissions for action."
        ));
        assert!(!about(-10220, ""));
        let named = |code: i64| {
            about_the_key(&naming(
                refused(said(code, "")),
                "locked Simple Earn positions",
            ))
        };
        assert!(named(-1022));
        assert!(!named(-1002));
        assert!(!about_the_key(&ConnectorError::Upstream {
            provider: PROVIDER,
            status: 503,
            message: "-1022".into(),
        }));
    }

    fn creds(secret: &str) -> ExchangeCredentials {
        ExchangeCredentials {
            api_key: Secret::new("k".into()),
            api_secret: Secret::new(secret.into()),
            passphrase: Secret::new(String::new()),
        }
    }

    #[test]
    fn signature_matches_binance_documented_example() {
        // Binance's documented example (not a secret): rest-api.md, "SIGNED Endpoint Examples".
        let c = creds("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j");
        let payload = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        assert_eq!(
            signature(&c, payload),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
        );
    }

    #[test]
    fn payload_puts_timestamp_first_and_recv_window_last() {
        assert_eq!(
            signed_payload(7, &[("size", "100".into())]),
            "timestamp=7&size=100&recvWindow=5000"
        );
    }

    #[test]
    fn only_ld_mirrors_are_skipped_and_ldo_is_kept() {
        assert!(is_earn_mirror("LDUSDT"));
        assert!(is_earn_mirror("LDBTC"));
        assert!(!is_earn_mirror("LDO"));
        assert!(!is_earn_mirror("LD"));
        assert!(!is_earn_mirror("BTC"));
    }
}
