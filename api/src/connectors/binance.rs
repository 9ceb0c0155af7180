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
//! retries once. The shared [`UpstreamClient`] does all of that; this module says what
//! Binance's answers mean.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, HeaderValue};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

pub mod history;

use super::http::{SignPayload, UpstreamClient, Verdict, WeightBudget};
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

pub use super::http::{Clock, Method};

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

impl WeightLimits {
    /// The two budgets and the headers Binance reports them in (`/sapi` first: `/api` is a
    /// prefix of neither, but the order keeps the match obvious).
    fn budgets(self) -> Vec<WeightBudget> {
        vec![
            WeightBudget {
                path_prefix: "/sapi",
                header: "x-sapi-used-ip-weight-1m",
                per_minute: self.sapi,
            },
            WeightBudget {
                path_prefix: "/",
                header: "x-mbx-used-weight-1m",
                per_minute: self.api,
            },
        ]
    }
}

/// How long an IP ban lasts when a 418 does not say.
const DEFAULT_BAN: Duration = Duration::from_secs(120);

/// Binance's REST API, with each account's key passed per call.
pub struct BinanceClient {
    http: UpstreamClient,
    /// Hashes of keys that authenticated once: a later `-2015` is then temporary (ccxt's rule).
    good_keys: Mutex<HashSet<String>>,
    /// Rows asked for per history page (Binance's maximum, 1000; tests use fewer).
    history_limit: usize,
}

impl BinanceClient {
    /// A client for `cfg.base_url` (`https://api.binance.com`) with its timeout and retries.
    pub fn new(cfg: &ProviderConfig, metrics: Arc<Metrics>) -> Self {
        let http = UpstreamClient::named(PROVIDER, cfg, metrics)
            .without_method_in_messages()
            .with_weight_budgets(WeightLimits::default().budgets())
            .with_ban_status(418, DEFAULT_BAN)
            .with_server_time(SERVER_TIME, server_time);
        Self {
            http,
            good_keys: Mutex::default(),
            history_limit: 1000,
        }
    }

    /// Takes `timestamp` from `clock` (milliseconds) instead of the system clock.
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.http = self.http.with_clock(clock);
        self
    }

    /// Weight budgets per minute (tests use small ones).
    pub fn with_weight_limits(mut self, limits: WeightLimits) -> Self {
        self.http = self.http.with_weight_budgets(limits.budgets());
        self
    }

    /// Longest `Retry-After` (or wait for the next weight minute) waited out; a longer one is
    /// returned as `RateLimited`.
    pub fn with_retry_after_cap(mut self, cap: Duration) -> Self {
        self.http = self.http.with_retry_after_cap(cap);
        self
    }

    /// Rows asked for per history page (at most 1000; 100 for Simple Earn rewards).
    pub fn with_history_page_size(mut self, rows: usize) -> Self {
        self.history_limit = rows.clamp(1, 1000);
        self
    }

    /// Backoff of retries after 5xx, timeouts and 429 without `Retry-After`.
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.http = self.http.with_backoff(base, max);
        self
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
        let request = Request {
            client: self,
            creds,
            params,
        };
        let body = self.http.request(method, path, weight, &request).await?;
        if let Some(c) = creds {
            self.remember_good(c);
        }
        Ok(body)
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

    fn history(&self) -> Option<&dyn super::history::ExchangeHistory> {
        Some(self)
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

/// One Binance request: signed with `creds` at each attempt's timestamp (unsigned without),
/// and its error answers read as Binance means them.
struct Request<'a> {
    client: &'a BinanceClient,
    creds: Option<&'a ExchangeCredentials>,
    params: &'a [(&'a str, String)],
}

impl SignPayload for Request<'_> {
    fn payload(&self, now_ms: i64) -> String {
        match self.creds {
            Some(c) => sign(c, &signed_payload(now_ms, self.params)),
            None => encode(self.params),
        }
    }

    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(Ok(mut key)) = self
            .creds
            .map(|c| HeaderValue::from_str(c.api_key.expose()))
        {
            key.set_sensitive(true);
            headers.insert("X-MBX-APIKEY", key);
        }
        headers
    }

    /// Binance's error body is `{"code": -1022, "msg": "…"}`; 418 (a ban) is the shared
    /// client's own rule.
    fn check(&self, status: u16, body: &[u8]) -> Option<Verdict> {
        if (200..300).contains(&status) {
            return None;
        }
        let answer: Option<ErrorAnswer> = serde_json::from_slice(body).ok();
        let code = answer.as_ref().and_then(|a| a.code);
        let msg = answer.and_then(|a| a.msg);
        if status == 429 || code == Some(-1003) {
            return Some(Verdict::As(429, msg.unwrap_or_default()));
        }
        if status >= 500 {
            return Some(Verdict::As(status, msg.unwrap_or_else(|| text_start(body))));
        }
        // Without a code, 401 and 403 are `Unauthorized`, other 4xx name the answer.
        let Some(code) = code else {
            return Some(Verdict::As(status, text_start(body)));
        };
        let msg = msg.unwrap_or_default();
        let reason = match code {
            -1021 => {
                return Some(Verdict::Resync(format!(
                    "{}: the request timestamp is outside Binance's recvWindow even after resyncing: check this server's clock",
                    said(code, &msg)
                )))
            }
            -1022 => "the request signature is invalid (wrong secret key)",
            -2014 => "the API key is malformed (check that it was copied whole)",
            -2015 if self.creds.is_some_and(|c| self.client.is_good(c)) => {
                // ccxt's rule: a key that worked before and now gets -2015 is blocked for a
                // while (a temporary ban), not necessarily wrong.
                return Some(Verdict::RefusedForNow(format!(
                    "{}: invalid key, IP or permissions (this key worked before: Binance may be blocking it for a while, or its IP allow-list changed)",
                    said(code, &msg)
                )));
            }
            -2015 => "invalid key, IP or permissions (check the key, its IP allow-list, and that Enable Reading is on)",
            _ => return Some(Verdict::Refused(said(code, &msg))),
        };
        Some(Verdict::Refused(format!("{}: {reason}", said(code, &msg))))
    }
}

/// `serverTime` of `/api/v3/time`.
fn server_time(body: &[u8]) -> Option<i64> {
    #[derive(Deserialize)]
    struct Time {
        #[serde(rename = "serverTime")]
        server_time: i64,
    }
    serde_json::from_slice::<Time>(body)
        .ok()
        .map(|t| t.server_time)
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

    fn refused(reason: String) -> ConnectorError {
        ConnectorError::Refused {
            provider: PROVIDER,
            reason,
        }
    }

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
