//! Configuration from the environment, validated at start with every problem reported at once.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A value that must never be printed: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }
    /// The wrapped value; call sites that need it are easy to find.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Where tokens come from and how they are checked.
#[derive(Debug, Clone)]
pub enum AuthMode {
    /// No identity provider: one built-in local user with admin rights (loopback only).
    Local,
    Keycloak(KeycloakConfig),
}

#[derive(Debug, Clone)]
pub struct KeycloakConfig {
    /// Where discovery and keys are fetched, e.g. `http://keycloak:8080`.
    pub server: String,
    pub realm: String,
    /// The API's client id: required in `aud`, and whose client role `admin` grants admin.
    pub audience: String,
    /// The `iss` tokens carry (what the browser saw).
    pub issuer: String,
    /// Keys older than this are refreshed in the background.
    pub jwks_refresh: Duration,
    /// At most one refetch per this interval when a token names an unknown key.
    pub key_refetch_min: Duration,
    /// Deadline for one whole discovery + JWKS fetch.
    pub http_timeout: Duration,
    /// Extra attempts within that deadline after a connection error.
    pub http_retries: u32,
    /// Clients (`azp`) whose tokens are accepted; empty: any client of the realm.
    pub allowed_azp: Vec<String>,
}

/// How the Butler talks to one HTTP provider.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub base_url: String,
    pub api_key: Option<Secret<String>>,
    /// CoinGecko: `demo` (header `x-cg-demo-api-key`) or `pro` (`x-cg-pro-api-key`).
    pub tier: String,
    /// Token bucket: sustained requests per minute, and the burst size.
    pub rate_per_minute: u32,
    pub burst: u32,
    pub timeout: Duration,
    /// Retries after 5xx, timeouts and 429 (with backoff and jitter).
    pub max_retries: u32,
    /// Consecutive failed calls that open the circuit breaker, and how long it stays open.
    pub breaker_failures: u32,
    pub breaker_cooldown: Duration,
}

/// One scheduled job: enabled flag and six-field cron schedule (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSchedule {
    pub enabled: bool,
    pub schedule: String,
}

#[derive(Debug, Clone)]
pub struct MarketConfig {
    pub coingecko: ProviderConfig,
    pub coinpaprika: ProviderConfig,
    pub fetch_all_coins: JobSchedule,
    pub price_collection: JobSchedule,
    /// How many top assets `price_collection` prices.
    pub price_top_n: usize,
    /// Time-to-live of the "latest price of this asset" cache.
    pub price_cache_ttl: Duration,
    /// A price older than this is stale: shown with its age, counted in totals, never
    /// traded on.
    pub price_max_age: Duration,
    /// CoinPaprika `/coins/{id}` calls per `fetch_all_coins` run (its free tier is small).
    pub paprika_contract_lookups: usize,
}

/// Exchanges the Butler reads balances from.
#[derive(Debug, Clone)]
pub struct ExchangeConfig {
    /// OKX's REST API. Credentials are per account (stored encrypted), so `api_key` is unused.
    /// The default rate, 300/min with a burst of 5, is client-wide: at most 5 calls a second
    /// in all, so no key can pass OKX's per-key limits of account/balance (10 per 2 s) or
    /// asset/balances and savings/balance (6 per s); account/config (5 per 2 s) is called
    /// once per key and sync.
    pub okx: ProviderConfig,
    /// Sends `x-simulated-trading: 1`: OKX's demo-trading environment and its keys.
    pub okx_demo_trading: bool,
    /// Each API key's own bucket (on top of the client-wide one): per minute, and the burst.
    pub okx_key_rate_per_minute: u32,
    pub okx_key_burst: u32,
    /// Binance's REST API (`https://api.binance.com`): only its base URL, timeout and retries
    /// are settings; its pace follows the request weight Binance reports back.
    pub binance: ProviderConfig,
}

/// How EVM chains are read over JSON-RPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmConfig {
    /// `balanceOf` calls per Multicall3 `aggregate3` request (500: about 3.9M gas on cold
    /// storage, see docs/benchmarks.md, well under common eth_call gas caps).
    pub multicall_chunk_size: usize,
    /// Deadline of one JSON-RPC request.
    pub rpc_timeout: Duration,
    /// Retries after a transport error, a timeout, HTTP 429 or 5xx (with backoff).
    pub rpc_retries: u32,
}

impl Default for EvmConfig {
    fn default() -> Self {
        Self {
            multicall_chunk_size: 500,
            rpc_timeout: Duration::from_secs(15),
            rpc_retries: 2,
        }
    }
}

/// Address ranges an RPC URL may reach besides public addresses (the SSRF defence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RpcNetworks {
    /// 127.0.0.0/8, ::1, 0.0.0.0 and `::`.
    pub loopback: bool,
    /// 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), fc00::/7, and the reserved,
    /// multicast and broadcast ranges.
    pub private: bool,
    /// 169.254/16 (cloud metadata services live there) and fe80::/10.
    pub link_local: bool,
}

impl RpcNetworks {
    pub const ANY: Self = Self {
        loopback: true,
        private: true,
        link_local: true,
    };
    pub const PUBLIC_ONLY: Self = Self {
        loopback: false,
        private: false,
        link_local: false,
    };
}

/// What the EVM client accepts from an admin-set RPC URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RpcSafetyConfig {
    pub allow: RpcNetworks,
    /// Largest JSON-RPC answer read; a larger one fails the request.
    pub max_response_bytes: usize,
}

impl Default for RpcSafetyConfig {
    /// Any address (what tests and benchmarks on loopback need); `Config::from_vars` narrows
    /// it by mode.
    fn default() -> Self {
        Self {
            allow: RpcNetworks::ANY,
            max_response_bytes: 8 * 1_048_576,
        }
    }
}

/// Account syncs.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    pub account_sync: JobSchedule,
    /// End-of-day snapshots of every portfolio (daily at 23:00 UTC by default).
    pub eod_snapshot: JobSchedule,
    /// Accounts synced at once by the job and by sync-all.
    pub concurrency: usize,
    /// An account just added is synced at once, in the background (`SYNC_NEW_ACCOUNTS`).
    pub sync_new_accounts: bool,
    /// Priced holdings worth less than this (USD) are marked as dust.
    pub dust_threshold_usd: rust_decimal::Decimal,
    /// An Aave account whose health factor is below this is shown with a warning.
    pub health_factor_warning: rust_decimal::Decimal,
}

/// Alert deliveries (docs/alerts.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertsConfig {
    /// Attempts per alert and channel (`ALERT_DELIVERY_ATTEMPTS`).
    pub delivery_attempts: u32,
    /// Wait before the first retry, doubled each time (`ALERT_RETRY_BASE_MS`).
    pub retry_base: Duration,
    /// Deadline of one delivery request (`ALERT_HTTP_TIMEOUT_SECS`).
    pub http_timeout: Duration,
    /// Alerts in a row a channel fails to take before it is marked failing and skipped
    /// (`ALERT_CHANNEL_FAIL_AFTER`).
    pub channel_fail_after: u32,
    /// Where alert links point (`ALERT_LINK_BASE_URL`; default the first of `WEB_ORIGINS`).
    pub link_base_url: String,
    /// The admin's mail server for e-mail channels (`SMTP_HOST` unset: no e-mail channels).
    pub smtp: Option<SmtpConfig>,
}

/// The SMTP server alert e-mails go through. TLS always: STARTTLS or implicit, certificates
/// checked against the public roots plus an optional private CA; never "accept any".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// `SMTP_SECURITY=tls`: TLS from the first byte (port 465); otherwise STARTTLS, required.
    pub implicit_tls: bool,
    pub username: Option<String>,
    pub password: Option<Secret<String>>,
    /// The sender, e.g. `Butler <butler@example.com>`.
    pub from: String,
    /// PEM of a private CA (`SMTP_CA_CERT_FILE`), trusted besides the public roots.
    pub ca_pem: Option<Vec<u8>>,
}

/// Per-user request limits and size caps (see docs/operations.md#limits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitsConfig {
    /// Off: no request limits at all (the caps still apply).
    pub enabled: bool,
    /// Reads (GET, HEAD) per user: sustained per minute, and the burst.
    pub reads_per_minute: u32,
    pub reads_burst: u32,
    /// Other requests per user (the routes below excepted).
    pub writes_per_minute: u32,
    pub writes_burst: u32,
    /// One `POST /api/accounts/{id}/sync` per user and account per this.
    pub sync_interval: Duration,
    /// One `POST /api/accounts/sync-all` per user per this.
    pub sync_all_interval: Duration,
    /// One `POST /api/jobs/{name}` per user and job per this.
    pub job_trigger_interval: Duration,
    pub max_accounts_per_user: usize,
    pub max_portfolios_per_user: usize,
    /// Longest description, in characters.
    pub max_description_chars: usize,
    /// Most items in a portfolio's target allocation.
    pub max_target_items: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            reads_per_minute: 600,
            reads_burst: 120,
            writes_per_minute: 120,
            writes_burst: 30,
            sync_interval: Duration::from_secs(30),
            sync_all_interval: Duration::from_secs(60),
            job_trigger_interval: Duration::from_secs(30),
            max_accounts_per_user: 200,
            max_portfolios_per_user: 50,
            max_description_chars: 1000,
            max_target_items: 100,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: Secret<String>,
    pub db_max_connections: u32,
    /// How long a request waits for a database connection before answering
    /// `503 database_unavailable` (`DB_ACQUIRE_TIMEOUT_MS`).
    pub db_acquire_timeout: std::time::Duration,
    pub bind_addr: SocketAddr,
    pub data_dir: PathBuf,
    pub auth: AuthMode,
    /// 32-byte AES-256-GCM key for credentials at rest.
    pub encryption_master_key: Option<Secret<[u8; 32]>>,
    /// Earlier keys, so credentials can be re-encrypted under the current one.
    pub encryption_old_keys: Vec<Secret<[u8; 32]>>,
    pub rust_log: String,
    pub log_format: LogFormat,
    pub max_body_bytes: usize,
    /// When set, `GET /metrics` needs `Authorization: Bearer <token>`.
    pub metrics_token: Option<Secret<String>>,
    pub market: MarketConfig,
    pub evm: EvmConfig,
    /// Catalog contracts scanned per wallet and chain, best-ranked first
    /// (`DISCOVERY_MAX_TOKENS_PER_CHAIN`, default 2000; 0 scans only registered and added tokens).
    pub discovery_max_tokens_per_chain: usize,
    pub rpc_safety: RpcSafetyConfig,
    pub exchange: ExchangeConfig,
    pub sync: SyncConfig,
    pub limits: LimitsConfig,
    /// Local mode: the origins of the dashboard, the only ones allowed to change state.
    pub web_origins: Vec<String>,
    pub alerts: AlertsConfig,
}

/// Every problem found in the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<String>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration ({} problem(s)):", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl Config {
    /// Reads the process environment (after a `.env` file, if any, was loaded by the caller).
    pub fn from_env() -> Result<Self, ConfigErrors> {
        let vars: HashMap<String, String> = std::env::vars().collect();
        Self::from_vars(&vars)
    }

    /// Builds the configuration from a map of variables; empty values count as unset. Each
    /// section is read by its own step of [`Reader`]; every problem is reported at once.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigErrors> {
        let mut r = Reader {
            vars,
            errors: Vec::new(),
        };
        let data_dir = PathBuf::from(r.get("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = r.database_url(&data_dir);
        let db_max_connections = r.parse_in("DB_MAX_CONNECTIONS", 10u32, 1..=1000);
        let db_acquire_timeout = std::time::Duration::from_millis(r.parse_in(
            "DB_ACQUIRE_TIMEOUT_MS",
            1500u64,
            100..=60_000,
        ));
        let bind_addr = r
            .parse::<SocketAddr>("BIND_ADDR", "an IP:port such as 127.0.0.1:3000")
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
        let rust_log = r.get("RUST_LOG").unwrap_or_else(|| "info".into());
        let log_format = r.log_format();
        let max_body_bytes = r.parse_in("MAX_BODY_BYTES", 1_048_576usize, 1024..=64 * 1_048_576);
        let metrics_token = r.metrics_token();
        let auth = r.auth(bind_addr);
        let (encryption_master_key, encryption_old_keys) = r.encryption_keys();
        let market = r.market();
        let exchange = r.exchange();
        let evm = r.evm();
        let discovery_max_tokens_per_chain =
            r.parse_in("DISCOVERY_MAX_TOKENS_PER_CHAIN", 2_000usize, 0..=20_000);
        let rpc_safety = r.rpc_safety(&auth);
        let sync = r.sync();
        let limits = r.limits();
        let web_origins = r.web_origins();
        let alerts = r.alerts(&web_origins);

        if !r.errors.is_empty() {
            return Err(ConfigErrors(r.errors));
        }
        Ok(Config {
            database_url: Secret::new(database_url),
            db_max_connections,
            db_acquire_timeout,
            bind_addr,
            data_dir,
            auth,
            encryption_master_key,
            encryption_old_keys,
            rust_log,
            log_format,
            max_body_bytes,
            metrics_token,
            market,
            evm,
            discovery_max_tokens_per_chain,
            rpc_safety,
            exchange,
            sync,
            limits,
            web_origins,
            alerts,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose().starts_with("sqlite:")
    }
}

/// Parses 64 hex characters into a 32-byte key.
fn parse_key(v: &str) -> Result<Secret<[u8; 32]>, String> {
    if v.len() != 64 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("must be 64 hexadecimal characters (32 bytes)".into());
    }
    let mut key = [0u8; 32];
    for (i, chunk) in v.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(chunk).map_err(|_| "is not ASCII".to_string())?;
        key[i] = u8::from_str_radix(s, 16).map_err(|_| "is not hexadecimal".to_string())?;
    }
    Ok(Secret::new(key))
}

struct Reader<'a> {
    vars: &'a HashMap<String, String>,
    errors: Vec<String>,
}

impl Reader<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.vars
            .get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    fn required(&mut self, name: &str) -> String {
        self.get(name).unwrap_or_else(|| {
            self.errors
                .push(format!("{name} is required when KEYCLOAK_SERVER is set"));
            String::new()
        })
    }

    fn parse<T: std::str::FromStr>(&mut self, name: &str, expected: &str) -> Option<T> {
        let raw = self.get(name)?;
        match raw.parse() {
            Ok(v) => Some(v),
            Err(_) => {
                self.errors
                    .push(format!("{name} must be {expected}, got {raw:?}"));
                None
            }
        }
    }

    fn bool(&mut self, name: &str, default: bool) -> bool {
        match self.get(name).map(|v| v.to_ascii_lowercase()).as_deref() {
            None => default,
            Some("true" | "1" | "yes" | "on") => true,
            Some("false" | "0" | "no" | "off") => false,
            Some(other) => {
                self.errors
                    .push(format!("{name} must be true or false, got {other:?}"));
                default
            }
        }
    }

    /// `{PREFIX}_ENABLED` and `{PREFIX}_SCHEDULE` (six fields with seconds, UTC).
    fn job(&mut self, prefix: &str, default_schedule: &str) -> JobSchedule {
        let enabled = self.bool(&format!("{prefix}_ENABLED"), true);
        let name = format!("{prefix}_SCHEDULE");
        let schedule = self.get(&name).unwrap_or_else(|| default_schedule.into());
        if schedule.split_whitespace().count() != 6 {
            self.errors.push(format!(
                "{name} must have six fields (sec min hour day month weekday), got {schedule:?}"
            ));
        } else if let Err(e) = crate::schedule::parse_schedule(&schedule) {
            self.errors.push(format!(
                "{name} is not a valid cron expression ({e}): {schedule:?}"
            ));
        }
        JobSchedule { enabled, schedule }
    }

    /// `{PREFIX}_BASE_URL`: an http(s) URL without a trailing slash.
    fn base_url(&mut self, prefix: &str, default_url: &str) -> String {
        let base_url = self
            .get(&format!("{prefix}_BASE_URL"))
            .unwrap_or_else(|| default_url.into())
            .trim_end_matches('/')
            .to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            self.errors.push(format!(
                "{prefix}_BASE_URL must be an http:// or https:// URL"
            ));
        }
        base_url
    }

    /// An upstream paced by what it reports back rather than by a bucket (Binance): only
    /// `{PREFIX}_BASE_URL`, `_TIMEOUT_SECS` and `_MAX_RETRIES` are read.
    fn paced_upstream(&mut self, prefix: &str, default_url: &str) -> ProviderConfig {
        ProviderConfig {
            base_url: self.base_url(prefix, default_url),
            api_key: None,
            tier: "demo".into(),
            rate_per_minute: 100_000,
            burst: 10_000,
            timeout: Duration::from_secs(self.parse_in(
                &format!("{prefix}_TIMEOUT_SECS"),
                20u64,
                1..=600,
            )),
            max_retries: self.parse_in(&format!("{prefix}_MAX_RETRIES"), 3u32, 0..=10),
            breaker_failures: 1_000,
            breaker_cooldown: Duration::from_secs(1),
        }
    }

    /// `{PREFIX}_BASE_URL`, `_API_KEY`, `_API_TIER`, `_RATE_PER_MIN`, `_BURST`,
    /// `_TIMEOUT_SECS`, `_MAX_RETRIES`, `_BREAKER_FAILURES`, `_BREAKER_COOLDOWN_SECS`.
    fn provider(&mut self, prefix: &str, default_url: &str, default_rate: u32) -> ProviderConfig {
        let base_url = self.base_url(prefix, default_url);
        let api_key = self.get(&format!("{prefix}_API_KEY")).map(Secret::new);
        let default_tier = if base_url.contains("pro-api") {
            "pro"
        } else {
            "demo"
        };
        let tier = self
            .get(&format!("{prefix}_API_TIER"))
            .unwrap_or_else(|| default_tier.into());
        if !matches!(tier.as_str(), "demo" | "pro") {
            self.errors.push(format!(
                "{prefix}_API_TIER must be demo or pro, got {tier:?}"
            ));
        }
        ProviderConfig {
            base_url,
            api_key,
            tier,
            rate_per_minute: self.parse_in(
                &format!("{prefix}_RATE_PER_MIN"),
                default_rate,
                1..=100_000,
            ),
            burst: self.parse_in(&format!("{prefix}_BURST"), 5u32, 1..=10_000),
            timeout: Duration::from_secs(self.parse_in(
                &format!("{prefix}_TIMEOUT_SECS"),
                20u64,
                1..=600,
            )),
            max_retries: self.parse_in(&format!("{prefix}_MAX_RETRIES"), 3u32, 0..=10),
            breaker_failures: self.parse_in(&format!("{prefix}_BREAKER_FAILURES"), 5u32, 1..=1_000),
            breaker_cooldown: Duration::from_secs(self.parse_in(
                &format!("{prefix}_BREAKER_COOLDOWN_SECS"),
                120u64,
                1..=86_400,
            )),
        }
    }

    fn parse_in<T>(&mut self, name: &str, default: T, range: std::ops::RangeInclusive<T>) -> T
    where
        T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
    {
        let expected = format!("a number from {} to {}", range.start(), range.end());
        match self.parse::<T>(name, &expected) {
            Some(v) if range.contains(&v) => v,
            Some(v) => {
                self.errors
                    .push(format!("{name} must be {expected}, got {v}"));
                default
            }
            None => default,
        }
    }
}

/// An encryption key (32 bytes).
type Key = Secret<[u8; 32]>;

/// The sections of [`Config::from_vars`], one step each: a step reads its variables, notes
/// each problem in `errors` and answers a usable default in its place.
impl Reader<'_> {
    /// `DATABASE_URL` (a SQLite file in the data directory when unset).
    fn database_url(&mut self, data_dir: &std::path::Path) -> String {
        let database_url = self
            .get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/butler.db?mode=rwc", data_dir.display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            self.errors
                .push("DATABASE_URL must start with sqlite:, postgres:// or postgresql://".into());
        }
        database_url
    }

    /// `LOG_FORMAT`: `pretty` (the default) or `json`.
    fn log_format(&mut self) -> LogFormat {
        match self.get("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                self.errors
                    .push(format!("LOG_FORMAT must be json or pretty, got {other:?}"));
                LogFormat::Pretty
            }
        }
    }

    /// `METRICS_TOKEN`, at least 16 characters.
    fn metrics_token(&mut self) -> Option<Secret<String>> {
        let metrics_token = self.get("METRICS_TOKEN").map(Secret::new);
        if metrics_token
            .as_ref()
            .is_some_and(|t| t.expose().len() < 16)
        {
            self.errors
                .push("METRICS_TOKEN must be at least 16 characters".into());
        }
        metrics_token
    }

    /// Keycloak mode when `KEYCLOAK_SERVER` is set, else local mode (loopback only).
    fn auth(&mut self, bind_addr: SocketAddr) -> AuthMode {
        let Some(server) = self.get("KEYCLOAK_SERVER") else {
            for v in ["KEYCLOAK_REALM", "KEYCLOAK_AUDIENCE", "KEYCLOAK_ISSUER"] {
                if self.get(v).is_some() {
                    self.errors.push(format!(
                        "{v} is set but KEYCLOAK_SERVER is not: set KEYCLOAK_SERVER for Keycloak mode, or unset {v} for local mode"
                    ));
                }
            }
            if !bind_addr.ip().is_loopback() {
                self.errors.push(format!(
                    "BIND_ADDR {bind_addr} is not a loopback address: without KEYCLOAK_SERVER the Butler runs in local single-user mode, where every request acts as the admin user, so it only listens on 127.0.0.1 or ::1. Set KEYCLOAK_SERVER to serve other machines."
                ));
            }
            return AuthMode::Local;
        };
        let server = server.trim_end_matches('/').to_string();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            self.errors
                .push("KEYCLOAK_SERVER must be an http:// or https:// URL".into());
        }
        let realm = self.required("KEYCLOAK_REALM");
        let audience = self.required("KEYCLOAK_AUDIENCE");
        let issuer = self
            .get("KEYCLOAK_ISSUER")
            .map(|s| s.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("{server}/realms/{realm}"));
        AuthMode::Keycloak(KeycloakConfig {
            server,
            realm,
            audience,
            issuer,
            jwks_refresh: Duration::from_secs(self.parse_in(
                "KEYCLOAK_JWKS_REFRESH_SECS",
                60u64,
                1..=86_400,
            )),
            key_refetch_min: Duration::from_secs(self.parse_in(
                "KEYCLOAK_KEY_REFETCH_MIN_SECS",
                5u64,
                0..=3_600,
            )),
            http_timeout: Duration::from_millis(self.parse_in(
                "KEYCLOAK_HTTP_TIMEOUT_MS",
                3_000u64,
                100..=60_000,
            )),
            http_retries: self.parse_in("KEYCLOAK_HTTP_RETRIES", 2u32, 0..=10),
            allowed_azp: self
                .get("KEYCLOAK_ALLOWED_AZP")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// `ENCRYPTION_MASTER_KEY` and the comma-separated `ENCRYPTION_OLD_KEYS`.
    fn encryption_keys(&mut self) -> (Option<Key>, Vec<Key>) {
        let master = self.get("ENCRYPTION_MASTER_KEY").and_then(|v| {
            parse_key(&v)
                .map_err(|e| self.errors.push(format!("ENCRYPTION_MASTER_KEY {e}")))
                .ok()
        });
        let old = self
            .get("ENCRYPTION_OLD_KEYS")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .enumerate()
                    .filter_map(|(i, k)| {
                        parse_key(k)
                            .map_err(|e| {
                                self.errors
                                    .push(format!("ENCRYPTION_OLD_KEYS entry {} {e}", i + 1))
                            })
                            .ok()
                    })
                    .collect()
            })
            .unwrap_or_default();
        (master, old)
    }

    /// CoinGecko, CoinPaprika and the market jobs.
    fn market(&mut self) -> MarketConfig {
        MarketConfig {
            coingecko: self.provider("COINGECKO", "https://api.coingecko.com/api/v3", 25),
            coinpaprika: self.provider("COINPAPRIKA", "https://api.coinpaprika.com/v1", 50),
            fetch_all_coins: self.job("FETCH_ALL_COINS", "0 0 0 * * *"),
            // Five minutes after each quarter hour: the hourly account sync (at :00) has read
            // the balances whose assets this run prices.
            price_collection: self.job("PRICE_COLLECTION", "0 5,20,35,50 * * * *"),
            price_top_n: self.parse_in("PRICE_COLLECTION_TOP_N", 500usize, 1..=20_000),
            price_cache_ttl: Duration::from_secs(self.parse_in(
                "PRICE_CACHE_TTL_SECS",
                60u64,
                0..=3_600,
            )),
            price_max_age: Duration::from_secs(self.parse_in(
                "PRICE_MAX_AGE_SECS",
                7_200u64,
                60..=30 * 86_400,
            )),
            paprika_contract_lookups: self.parse_in(
                "COINPAPRIKA_CONTRACT_LOOKUPS_PER_RUN",
                25usize,
                0..=10_000,
            ),
        }
    }

    /// OKX and Binance.
    fn exchange(&mut self) -> ExchangeConfig {
        ExchangeConfig {
            okx: self.provider("OKX", "https://www.okx.com", 300),
            okx_demo_trading: self.bool("OKX_DEMO_TRADING", false),
            okx_key_rate_per_minute: self.parse_in("OKX_KEY_RATE_PER_MIN", 120u32, 1..=100_000),
            okx_key_burst: self.parse_in("OKX_KEY_BURST", 5u32, 1..=10_000),
            binance: self.paced_upstream("BINANCE", "https://api.binance.com"),
        }
    }

    /// The EVM JSON-RPC client.
    fn evm(&mut self) -> EvmConfig {
        EvmConfig {
            multicall_chunk_size: self.parse_in("EVM_MULTICALL_CHUNK_SIZE", 500usize, 1..=5_000),
            rpc_timeout: Duration::from_secs(self.parse_in("EVM_RPC_TIMEOUT_SECS", 15u64, 1..=600)),
            rpc_retries: self.parse_in("EVM_RPC_RETRIES", 2u32, 0..=10),
        }
    }

    /// Which networks RPC URLs may point to (local mode allows loopback and private ones).
    fn rpc_safety(&mut self, auth: &AuthMode) -> RpcSafetyConfig {
        RpcSafetyConfig {
            allow: match self.get("EVM_RPC_ALLOW_NETWORKS") {
                None if matches!(auth, AuthMode::Local) => RpcNetworks {
                    loopback: true,
                    private: true,
                    link_local: false,
                },
                None => RpcNetworks::PUBLIC_ONLY,
                Some(v) => {
                    let mut n = RpcNetworks::PUBLIC_ONLY;
                    for item in v.split(',').map(|i| i.trim().to_ascii_lowercase()) {
                        match item.as_str() {
                            "loopback" => n.loopback = true,
                            "private" => n.private = true,
                            "link-local" => n.link_local = true,
                            "none" | "" => {}
                            other => self.errors.push(format!(
                                "EVM_RPC_ALLOW_NETWORKS takes a comma-separated list of loopback, private, link-local (or none), got {other:?}"
                            )),
                        }
                    }
                    n
                }
            },
            max_response_bytes: self.parse_in(
                "EVM_RPC_MAX_RESPONSE_BYTES",
                RpcSafetyConfig::default().max_response_bytes,
                1024..=256 * 1_048_576,
            ),
        }
    }

    /// Account sync, snapshots, dust and the health-factor warning.
    fn sync(&mut self) -> SyncConfig {
        SyncConfig {
            account_sync: self.job("ACCOUNT_SYNC", "0 0 * * * *"),
            // After the 23:00 sync and the 23:20 prices (and the job waits for both if they
            // still run).
            eod_snapshot: self.job("EOD_SNAPSHOT", "0 30 23 * * *"),
            concurrency: self.parse_in("ACCOUNT_SYNC_CONCURRENCY", 4usize, 1..=64),
            sync_new_accounts: self.bool("SYNC_NEW_ACCOUNTS", true),
            dust_threshold_usd: self.decimal_at_least(
                "DUST_THRESHOLD_USD",
                rust_decimal::Decimal::ONE,
                rust_decimal::Decimal::ZERO,
                "a non-negative decimal such as 1.00",
            ),
            health_factor_warning: self.decimal_at_least(
                "HEALTH_FACTOR_WARNING",
                rust_decimal::Decimal::new(15, 1),
                rust_decimal::Decimal::ONE,
                "a decimal of at least 1 such as 1.5",
            ),
        }
    }

    /// A decimal variable of at least `min` (`default` when unset or wrong; `what` in the error).
    fn decimal_at_least(
        &mut self,
        name: &str,
        default: rust_decimal::Decimal,
        min: rust_decimal::Decimal,
        what: &str,
    ) -> rust_decimal::Decimal {
        match self.get(name) {
            None => default,
            Some(v) => match v.parse::<rust_decimal::Decimal>() {
                Ok(d) if d >= min => d,
                _ => {
                    self.errors
                        .push(format!("{name} must be {what}, got {v:?}"));
                    default
                }
            },
        }
    }

    /// Per-user request limits and size caps.
    fn limits(&mut self) -> LimitsConfig {
        let d = LimitsConfig::default();
        let secs = |d: Duration| d.as_secs();
        LimitsConfig {
            enabled: self.bool("RATE_LIMIT_ENABLED", d.enabled),
            reads_per_minute: self.parse_in(
                "RATE_LIMIT_READS_PER_MIN",
                d.reads_per_minute,
                1..=1_000_000,
            ),
            reads_burst: self.parse_in("RATE_LIMIT_READS_BURST", d.reads_burst, 1..=100_000),
            writes_per_minute: self.parse_in(
                "RATE_LIMIT_WRITES_PER_MIN",
                d.writes_per_minute,
                1..=1_000_000,
            ),
            writes_burst: self.parse_in("RATE_LIMIT_WRITES_BURST", d.writes_burst, 1..=100_000),
            sync_interval: Duration::from_secs(self.parse_in(
                "RATE_LIMIT_SYNC_SECS",
                secs(d.sync_interval),
                1..=86_400,
            )),
            sync_all_interval: Duration::from_secs(self.parse_in(
                "RATE_LIMIT_SYNC_ALL_SECS",
                secs(d.sync_all_interval),
                1..=86_400,
            )),
            job_trigger_interval: Duration::from_secs(self.parse_in(
                "RATE_LIMIT_JOB_TRIGGER_SECS",
                secs(d.job_trigger_interval),
                1..=86_400,
            )),
            max_accounts_per_user: self.parse_in(
                "MAX_ACCOUNTS_PER_USER",
                d.max_accounts_per_user,
                1..=100_000,
            ),
            max_portfolios_per_user: self.parse_in(
                "MAX_PORTFOLIOS_PER_USER",
                d.max_portfolios_per_user,
                1..=100_000,
            ),
            max_description_chars: self.parse_in(
                "MAX_DESCRIPTION_CHARS",
                d.max_description_chars,
                1..=100_000,
            ),
            max_target_items: self.parse_in("MAX_TARGET_ITEMS", d.max_target_items, 1..=10_000),
        }
    }

    /// Alert deliveries: attempts, backoff, timeout, when a channel counts as failing.
    fn alerts(&mut self, web_origins: &[String]) -> AlertsConfig {
        AlertsConfig {
            delivery_attempts: self.parse_in("ALERT_DELIVERY_ATTEMPTS", 5u32, 1..=20),
            retry_base: Duration::from_millis(self.parse_in(
                "ALERT_RETRY_BASE_MS",
                2_000u64,
                1..=600_000,
            )),
            http_timeout: Duration::from_secs(self.parse_in(
                "ALERT_HTTP_TIMEOUT_SECS",
                10u64,
                1..=120,
            )),
            channel_fail_after: self.parse_in("ALERT_CHANNEL_FAIL_AFTER", 3u32, 1..=100),
            link_base_url: self
                .get("ALERT_LINK_BASE_URL")
                .or_else(|| web_origins.first().cloned())
                .unwrap_or_else(|| "http://localhost:3001".into())
                .trim_end_matches('/')
                .to_string(),
            smtp: self.smtp(),
        }
    }

    /// `SMTP_*`: the mail server of e-mail alerts, all or nothing.
    fn smtp(&mut self) -> Option<SmtpConfig> {
        let host = self.get("SMTP_HOST")?;
        let implicit_tls = match self.get("SMTP_SECURITY").as_deref() {
            None | Some("starttls") => false,
            Some("tls") => true,
            Some(other) => {
                self.errors.push(format!(
                    "SMTP_SECURITY takes starttls or tls (implicit TLS), got {other:?}"
                ));
                false
            }
        };
        let port = self.parse_in(
            "SMTP_PORT",
            if implicit_tls { 465u16 } else { 587 },
            1..=65_535,
        );
        let from = self.get("SMTP_FROM").unwrap_or_default();
        if from.parse::<lettre::message::Mailbox>().is_err() {
            self.errors.push(format!(
                "SMTP_FROM must be a sender address such as Butler <butler@example.com> when SMTP_HOST is set, got {from:?}"
            ));
        }
        let username = self.get("SMTP_USERNAME");
        let password = self.get("SMTP_PASSWORD").map(Secret::new);
        if username.is_some() != password.is_some() {
            self.errors
                .push("SMTP_USERNAME and SMTP_PASSWORD go together".to_string());
        }
        let ca_pem = self
            .get("SMTP_CA_CERT_FILE")
            .and_then(|path| match std::fs::read(&path) {
                Ok(pem) if String::from_utf8_lossy(&pem).contains("BEGIN CERTIFICATE") => Some(pem),
                Ok(_) => {
                    self.errors.push(format!(
                        "SMTP_CA_CERT_FILE {path:?} holds no PEM certificate"
                    ));
                    None
                }
                Err(e) => {
                    self.errors
                        .push(format!("SMTP_CA_CERT_FILE {path:?} cannot be read: {e}"));
                    None
                }
            });
        Some(SmtpConfig {
            host,
            port,
            implicit_tls,
            username,
            password,
            from,
            ca_pem,
        })
    }

    /// `WEB_ORIGINS`: the dashboard's origins (scheme, host, optional port).
    fn web_origins(&mut self) -> Vec<String> {
        let Some(v) = self.get("WEB_ORIGINS") else {
            return vec![
                "http://localhost:3001".to_string(),
                "http://127.0.0.1:3001".to_string(),
            ];
        };
        let list: Vec<String> = v
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
            .filter(|o| !o.is_empty())
            .collect();
        for o in &list {
            let rest = o
                .strip_prefix("http://")
                .or_else(|| o.strip_prefix("https://"));
            if rest.is_none_or(|h| h.is_empty() || h.contains('/')) {
                self.errors.push(format!(
                    "WEB_ORIGINS entries must be origins such as http://localhost:3001 (scheme, host, optional port; no path), got {o:?}"
                ));
            }
        }
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn each_section_is_a_step_that_notes_its_problems_and_answers_a_default() {
        let v = vars(&[
            ("DUST_THRESHOLD_USD", "-1"),
            ("HEALTH_FACTOR_WARNING", "2"),
            ("WEB_ORIGINS", "https://butler.example/, http://x/y"),
            ("EVM_RPC_ALLOW_NETWORKS", "private,moon"),
        ]);
        let mut r = Reader {
            vars: &v,
            errors: Vec::new(),
        };
        let sync = r.sync();
        assert_eq!(sync.dust_threshold_usd, rust_decimal::Decimal::ONE);
        assert_eq!(sync.health_factor_warning, rust_decimal::Decimal::TWO);
        assert_eq!(
            r.web_origins(),
            ["https://butler.example".to_string(), "http://x/y".into()]
        );
        let safety = r.rpc_safety(&AuthMode::Local);
        assert!(safety.allow.private && !safety.allow.loopback);
        assert_eq!(r.errors.len(), 3, "{:#?}", r.errors);
        assert!(r.errors[0].starts_with("DUST_THRESHOLD_USD must be a non-negative decimal"));
        assert!(r.errors[1].contains("got \"http://x/y\""));
        assert!(r.errors[2].contains("got \"moon\""));
    }

    #[test]
    fn defaults_give_local_mode_on_sqlite_under_data() {
        let c = Config::from_vars(&vars(&[])).unwrap();
        assert!(matches!(c.auth, AuthMode::Local));
        assert_eq!(
            c.database_url.expose(),
            "sqlite://./data/butler.db?mode=rwc"
        );
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.log_format, LogFormat::Pretty);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = Config::from_vars(&vars(&[
            ("DB_MAX_CONNECTIONS", "zero"),
            ("BIND_ADDR", "nowhere"),
            ("LOG_FORMAT", "xml"),
            ("ENCRYPTION_MASTER_KEY", "abc"),
            ("KEYCLOAK_SERVER", "http://kc:8080"),
            ("PRICE_COLLECTION_SCHEDULE", "0 99 * * * *"),
            ("DUST_THRESHOLD_USD", "-1"),
        ]))
        .unwrap_err();
        let text = err.to_string();
        for needle in [
            "DB_MAX_CONNECTIONS",
            "BIND_ADDR",
            "LOG_FORMAT",
            "ENCRYPTION_MASTER_KEY",
            "KEYCLOAK_REALM",
            "KEYCLOAK_AUDIENCE",
            "PRICE_COLLECTION_SCHEDULE",
            "DUST_THRESHOLD_USD",
        ] {
            assert!(text.contains(needle), "{needle} missing from:\n{text}");
        }
        assert_eq!(err.0.len(), 8, "{text}");
    }

    #[test]
    fn local_mode_refuses_a_non_loopback_bind_address_and_says_why() {
        let err = Config::from_vars(&vars(&[("BIND_ADDR", "0.0.0.0:3000")])).unwrap_err();
        assert!(err.to_string().contains("local single-user mode"), "{err}");
        let ok = Config::from_vars(&vars(&[
            ("BIND_ADDR", "0.0.0.0:3000"),
            ("KEYCLOAK_SERVER", "http://kc:8080"),
            ("KEYCLOAK_REALM", "butler"),
            ("KEYCLOAK_AUDIENCE", "butler-api"),
        ]))
        .unwrap();
        match ok.auth {
            AuthMode::Keycloak(k) => assert_eq!(k.issuer, "http://kc:8080/realms/butler"),
            AuthMode::Local => panic!("expected keycloak mode"),
        }
        assert!(Config::from_vars(&vars(&[("BIND_ADDR", "[::1]:3000")])).is_ok());
    }

    #[test]
    fn okx_defaults_to_the_live_site_and_reads_demo_trading() {
        let c = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(c.exchange.okx.base_url, "https://www.okx.com");
        assert_eq!(
            (c.exchange.okx.rate_per_minute, c.exchange.okx.burst),
            (300, 5)
        );
        assert!(!c.exchange.okx_demo_trading);
        let c = Config::from_vars(&vars(&[
            ("OKX_BASE_URL", "http://127.0.0.1:9/"),
            ("OKX_DEMO_TRADING", "true"),
        ]))
        .unwrap();
        assert_eq!(c.exchange.okx.base_url, "http://127.0.0.1:9");
        assert!(c.exchange.okx_demo_trading);
        let err = Config::from_vars(&vars(&[("OKX_DEMO_TRADING", "maybe")])).unwrap_err();
        assert!(err.to_string().contains("OKX_DEMO_TRADING"), "{err}");
    }

    #[test]
    fn binance_defaults_to_the_live_site_and_takes_a_base_url() {
        let c = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(c.exchange.binance.base_url, "https://api.binance.com");
        let c = Config::from_vars(&vars(&[("BINANCE_BASE_URL", "http://127.0.0.1:9/")])).unwrap();
        assert_eq!(c.exchange.binance.base_url, "http://127.0.0.1:9");
        let err = Config::from_vars(&vars(&[("BINANCE_BASE_URL", "api.binance.com")])).unwrap_err();
        assert!(err.to_string().contains("BINANCE_BASE_URL"), "{err}");
    }

    #[test]
    fn web_origins_default_to_the_dashboard_and_must_be_origins() {
        let c = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(
            c.web_origins,
            ["http://localhost:3001", "http://127.0.0.1:3001"]
        );
        let c =
            Config::from_vars(&vars(&[("WEB_ORIGINS", "HTTP://Box.localhost:4000/ , ")])).unwrap();
        assert_eq!(c.web_origins, ["http://box.localhost:4000"]);
        let err =
            Config::from_vars(&vars(&[("WEB_ORIGINS", "localhost:3001,http://a/b")])).unwrap_err();
        assert_eq!(err.0.len(), 2, "{err}");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let key = "ab".repeat(32);
        let c = Config::from_vars(&vars(&[
            ("ENCRYPTION_MASTER_KEY", &key),
            ("DATABASE_URL", "postgres://u:hunter2@db/x"),
        ]))
        .unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("hunter2") && !dbg.contains("171"), "{dbg}");
        assert_eq!(c.encryption_master_key.unwrap().expose()[0], 0xab);
    }
}
