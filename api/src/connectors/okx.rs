//! OKX (`/api/v5`): balances of the trading, funding and earn accounts and the permissions of
//! a read-only API key, over requests signed as OKX requires. OKX answers most errors with
//! HTTP 200 and a non-zero `code`; [`okx_answer`] turns those codes into clear reasons.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::Sha256;

pub mod history;

use super::http::{SignRequest, UpstreamClient, Verdict};
use super::numbers::{self, Precision};
use super::{
    ConnectorError, CredentialField, ExchangeBalance, ExchangeBalances, ExchangeCredentials,
    ExchangeInfo, ExchangeLocation, ExchangeReading, KeyPermissions,
};
use crate::config::ProviderConfig;
use crate::metrics::Metrics;

/// The provider label of OKX errors, logs and metrics.
pub const PROVIDER: &str = "okx";

/// Trading account balances.
pub const ACCOUNT_BALANCE: &str = "/api/v5/account/balance";
/// Funding account balances.
pub const ASSET_BALANCES: &str = "/api/v5/asset/balances";
/// Simple-earn (savings) balances.
pub const SAVINGS_BALANCE: &str = "/api/v5/finance/savings/balance";
/// Staking and on-chain earn orders that are active (subscribed, earning, redeeming).
pub const STAKING_ORDERS: &str = "/api/v5/finance/staking-defi/orders-active";
/// Account configuration, including the key's permissions (`perm`).
pub const ACCOUNT_CONFIG: &str = "/api/v5/account/config";

/// OKX as the add-account form offers it.
pub const INFO: ExchangeInfo = ExchangeInfo {
    name: PROVIDER,
    display_name: "OKX",
    credentials: &[
        CredentialField {
            field: "api_key",
            label: "API key",
        },
        CredentialField {
            field: "api_secret",
            label: "Secret key",
        },
        CredentialField {
            field: "passphrase",
            label: "Passphrase",
        },
    ],
    locations: &[
        ExchangeLocation::Trading,
        ExchangeLocation::Funding,
        ExchangeLocation::Earn,
        ExchangeLocation::Staked,
    ],
};

/// The time the `OK-ACCESS-TIMESTAMP` header is taken from.
pub use crate::clock::Clock;

/// OKX's REST API for one deployment, with each account's credentials passed per call.
pub struct OkxClient {
    http: UpstreamClient,
    demo_trading: bool,
    clock: Clock,
    /// Rows asked for per history page (OKX's maximum, 100; tests use fewer).
    history_limit: usize,
    /// The least time between two `bills-history` requests (OKX allows 1 a second per user).
    bills_history_gap: Duration,
}

impl OkxClient {
    /// A client for `cfg.base_url` (`https://www.okx.com`) with its rate limit, retries and
    /// breaker; `demo_trading` sends `x-simulated-trading: 1` (OKX's demo environment).
    pub fn new(cfg: &ProviderConfig, demo_trading: bool, metrics: Arc<Metrics>) -> Self {
        Self {
            http: UpstreamClient::named(PROVIDER, cfg, metrics).with_answer_check(okx_answer),
            demo_trading,
            clock: crate::clock::system(),
            history_limit: history::PAGE,
            bills_history_gap: history::BILLS_HISTORY_GAP,
        }
    }

    /// Each key's own bucket; see [`UpstreamClient::with_key_rate`].
    pub fn with_key_rate(mut self, rate_per_minute: u32, burst: u32) -> Self {
        self.http = self.http.with_key_rate(rate_per_minute, burst);
        self
    }

    /// Rows asked for per history page (at most 100).
    pub fn with_history_page_size(mut self, rows: usize) -> Self {
        self.history_limit = rows.clamp(1, history::PAGE);
        self
    }

    /// See [`UpstreamClient::with_retry_after_cap`].
    pub fn with_retry_after_cap(mut self, cap: Duration) -> Self {
        self.http = self.http.with_retry_after_cap(cap);
        self
    }

    /// See [`UpstreamClient::with_backoff`].
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.http = self.http.with_backoff(base, max);
        self
    }

    /// Takes request timestamps from `clock` instead of the system clock (tests of skew).
    pub fn with_clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// A signed `GET` of `path_and_query` (the query percent-encoded, sent and signed exactly
    /// as given): the `data` array of OKX's `{"code":"0","data":[…]}` answer.
    pub async fn get_signed<T: DeserializeOwned>(
        &self,
        creds: &ExchangeCredentials,
        path_and_query: &str,
    ) -> Result<Vec<T>, ConnectorError> {
        let signer = OkxSigner::new(creds, self.demo_trading, &self.clock)?;
        let envelope: Envelope<T> = self.http.get_json_signed(path_and_query, &signer).await?;
        match envelope.code.as_deref() {
            Some("0") => Ok(envelope.data),
            _ => Err(decode(format!(
                "GET {}: an answer without code \"0\"",
                path_and_query.split('?').next().unwrap_or_default()
            ))),
        }
    }

    /// Every non-zero balance of the trading account: total `eq`, free `availEq`, or
    /// `availBal` when `availEq` is empty (ccxt's rule).
    pub async fn trading_balances(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<Vec<ExchangeBalance>, ConnectorError> {
        let accounts: Vec<TradingAccount> = self.get_signed(creds, ACCOUNT_BALANCE).await?;
        parse_trading(accounts).map_err(|e| scrub(e, creds))
    }

    /// Every non-zero balance of the funding account: total `bal`, free `availBal`.
    pub async fn funding_balances(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<Vec<ExchangeBalance>, ConnectorError> {
        let rows: Vec<FundingRow> = self.get_signed(creds, ASSET_BALANCES).await?;
        parse_funding(rows).map_err(|e| scrub(e, creds))
    }

    /// Every non-zero simple-earn (savings) balance: total `amt`, no free amount.
    pub async fn earn_balances(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<Vec<ExchangeBalance>, ConnectorError> {
        let rows: Vec<SavingsRow> = self.get_signed(creds, SAVINGS_BALANCE).await?;
        parse_earn(rows).map_err(|e| scrub(e, creds))
    }
}

impl OkxClient {
    /// What active staking and on-chain earn orders hold: each order's `investData` amounts,
    /// summed per currency (earnings not yet paid out are not counted).
    pub async fn staking_balances(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<Vec<ExchangeBalance>, ConnectorError> {
        let orders: Vec<StakingOrder> = self.get_signed(creds, STAKING_ORDERS).await?;
        parse_staking(orders).map_err(|e| scrub(e, creds))
    }
}

fn parse_staking(orders: Vec<StakingOrder>) -> Result<Vec<ExchangeBalance>, ConnectorError> {
    let location = ExchangeLocation::Staked;
    let mut sums: Vec<(String, Decimal)> = Vec::new();
    for order in orders {
        for invest in order.invest_data {
            let what = format!("{} (order {})", invest.ccy, order.ord_id);
            let amt = match total(invest.amt.as_deref(), location, &what, "amt")? {
                Total::Exact(v) => v,
                Total::Text(_) => {
                    return Err(decode(format!(
                        "staked balance of {what}: amt has more digits than a decimal holds"
                    )))
                }
            };
            match sums.iter_mut().find(|(c, _)| *c == invest.ccy) {
                Some((_, sum)) => {
                    *sum = sum.checked_add(amt).ok_or_else(|| {
                        decode(format!(
                            "staked balance of {}: the sum overflows",
                            invest.ccy
                        ))
                    })?
                }
                None => sums.push((invest.ccy, amt)),
            }
        }
    }
    let mut out = Vec::new();
    for (ccy, sum) in sums {
        push_nonzero(&mut out, ccy, location, Total::Exact(sum), None);
    }
    Ok(out)
}

fn parse_trading(accounts: Vec<TradingAccount>) -> Result<Vec<ExchangeBalance>, ConnectorError> {
    let location = ExchangeLocation::Trading;
    let mut out = Vec::new();
    for d in accounts.into_iter().flat_map(|a| a.details) {
        let total = total(d.eq.as_deref(), location, &d.ccy, "eq")?;
        let free = match free(d.avail_eq.as_deref(), location, &d.ccy, "availEq")? {
            Some(free) => Some(free),
            None => free(d.avail_bal.as_deref(), location, &d.ccy, "availBal")?,
        };
        push_nonzero(&mut out, d.ccy, location, total, free);
    }
    Ok(out)
}

fn parse_funding(rows: Vec<FundingRow>) -> Result<Vec<ExchangeBalance>, ConnectorError> {
    let location = ExchangeLocation::Funding;
    let mut out = Vec::new();
    for r in rows {
        let total = total(r.bal.as_deref(), location, &r.ccy, "bal")?;
        let free = free(r.avail_bal.as_deref(), location, &r.ccy, "availBal")?;
        push_nonzero(&mut out, r.ccy, location, total, free);
    }
    Ok(out)
}

fn parse_earn(rows: Vec<SavingsRow>) -> Result<Vec<ExchangeBalance>, ConnectorError> {
    let location = ExchangeLocation::Earn;
    let mut out = Vec::new();
    for r in rows {
        let total = total(r.amt.as_deref(), location, &r.ccy, "amt")?;
        push_nonzero(&mut out, r.ccy, location, total, None);
    }
    Ok(out)
}

/// A decode error with any credential replaced (an answer could echo one back).
fn scrub(err: ConnectorError, creds: &ExchangeCredentials) -> ConnectorError {
    match err {
        ConnectorError::Decode { provider, message } => ConnectorError::Decode {
            provider,
            message: redact(creds, &message),
        },
        other => other,
    }
}

fn redact(creds: &ExchangeCredentials, text: &str) -> String {
    let mut out = text.to_string();
    for secret in [&creds.api_secret, &creds.passphrase, &creds.api_key] {
        if !secret.expose().is_empty() {
            out = out.replace(secret.expose().as_str(), "[redacted]");
        }
    }
    out
}

#[async_trait::async_trait]
impl ExchangeBalances for OkxClient {
    fn info(&self) -> ExchangeInfo {
        INFO
    }

    /// The four locations read at once, each succeeding or failing on its own (staking is not
    /// offered in every region, and a key may lack a product's permission); a refusal of the
    /// key itself fails them all.
    async fn balances(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<ExchangeReading, ConnectorError> {
        use ExchangeLocation::{Earn, Funding, Staked, Trading};
        let (trading, funding, earn, staked) = tokio::join!(
            self.trading_balances(creds),
            self.funding_balances(creds),
            self.earn_balances(creds),
            self.staking_balances(creds),
        );
        ExchangeReading::gather(
            vec![
                (Trading, trading),
                (Funding, funding),
                (Earn, earn),
                (Staked, staked),
            ],
            about_the_key,
        )
    }

    async fn key_permissions(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<KeyPermissions, ConnectorError> {
        let configs: Vec<AccountConfig> = self.get_signed(creds, ACCOUNT_CONFIG).await?;
        let config = configs
            .into_iter()
            .next()
            .ok_or_else(|| decode(format!("GET {ACCOUNT_CONFIG}: no account configuration")))?;
        let mut p = parse_permissions(&config.perm);
        p.account_uid = config.uid.filter(|u| !u.trim().is_empty());
        Ok(p)
    }

    fn history(&self) -> Option<&dyn super::history::ExchangeHistory> {
        Some(self)
    }
}

/// `perm` as OKX writes it: `read_only`, `trade`, `withdraw`, comma-separated.
fn parse_permissions(perm: &str) -> KeyPermissions {
    // Answering /account/config needs the read permission, so a key that got here can read.
    let mut p = KeyPermissions {
        read: true,
        ..KeyPermissions::default()
    };
    for word in perm.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        match word {
            "read_only" => p.read = true,
            "trade" => p.trade = true,
            "withdraw" => p.withdraw = true,
            other => tracing::debug!(permission = other, "unknown OKX key permission ignored"),
        }
    }
    p
}

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(default, deserialize_with = "code_text")]
    code: Option<String>,
    #[serde(default = "Vec::new")]
    data: Vec<T>,
}

#[derive(Deserialize)]
struct TradingAccount {
    #[serde(default)]
    details: Vec<TradingDetail>,
}

#[derive(Deserialize)]
struct TradingDetail {
    ccy: String,
    eq: Option<Box<RawValue>>,
    #[serde(rename = "availEq")]
    avail_eq: Option<Box<RawValue>>,
    #[serde(rename = "availBal")]
    avail_bal: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct FundingRow {
    ccy: String,
    bal: Option<Box<RawValue>>,
    #[serde(rename = "availBal")]
    avail_bal: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct SavingsRow {
    ccy: String,
    amt: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct StakingOrder {
    #[serde(rename = "ordId", default)]
    ord_id: String,
    #[serde(rename = "investData", default)]
    invest_data: Vec<InvestData>,
}

#[derive(Deserialize)]
struct InvestData {
    ccy: String,
    amt: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct AccountConfig {
    #[serde(default)]
    perm: String,
    /// The account's id (a sub-account has its own; `mainUid` names its parent).
    #[serde(default, deserialize_with = "code_text")]
    uid: Option<String>,
}

/// OKX's `code`, a string (`"0"`) though a number is accepted too.
fn code_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

fn amount(
    raw: Option<&RawValue>,
    location: ExchangeLocation,
    ccy: &str,
    field: &str,
) -> Result<Option<Decimal>, ConnectorError> {
    match raw {
        None => Ok(None),
        Some(raw) => numbers::from_raw(raw, Precision::Exact).map_err(|e| {
            decode(format!(
                "{} balance of {ccy}: {field} {e}",
                location.as_str()
            ))
        }),
    }
}

/// A balance's total: exact, or, when it is a number with more digits than a `Decimal` holds,
/// its text (the holding is kept, flagged `out_of_range`, and the rest of the account syncs).
fn total(
    raw: Option<&RawValue>,
    location: ExchangeLocation,
    ccy: &str,
    field: &str,
) -> Result<Total, ConnectorError> {
    match amount(raw, location, ccy, field) {
        Ok(Some(v)) => Ok(Total::Exact(v)),
        Ok(None) => Err(decode(format!(
            "{} balance of {ccy}: {field} is missing",
            location.as_str()
        ))),
        Err(e) => match raw.and_then(number_text) {
            Some(text) => {
                tracing::warn!(
                    ccy,
                    location = location.as_str(),
                    field,
                    "an OKX balance does not fit a decimal; kept as text"
                );
                Ok(Total::Text(text))
            }
            None => Err(e),
        },
    }
}

/// A free amount; one too long for a `Decimal` is left out (it is informational).
fn free(
    raw: Option<&RawValue>,
    location: ExchangeLocation,
    ccy: &str,
    field: &str,
) -> Result<Option<Decimal>, ConnectorError> {
    match amount(raw, location, ccy, field) {
        Err(_) if raw.and_then(number_text).is_some() => Ok(None),
        other => other,
    }
}

/// The text of a JSON number or numeric string, when it is a number at all.
fn number_text(raw: &RawValue) -> Option<String> {
    let text = raw.get().trim();
    let text = match text.strip_prefix('"') {
        Some(_) => serde_json::from_str::<String>(text).ok()?,
        None => text.to_string(),
    };
    let text = text.trim().to_string();
    numbers::is_number(&text).then_some(text)
}

enum Total {
    Exact(Decimal),
    Text(String),
}

fn push_nonzero(
    out: &mut Vec<ExchangeBalance>,
    currency: String,
    location: ExchangeLocation,
    total: Total,
    free: Option<Decimal>,
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
        free,
        total_text,
    });
}

fn decode(message: String) -> ConnectorError {
    ConnectorError::Decode {
        provider: PROVIDER,
        message,
    }
}

/// Reads OKX's `{"code": …, "msg": …}` in any answer: `"0"` is success, rate-limit and
/// system-busy codes are retried, every other code is a refusal in plain words.
pub fn okx_answer(status: u16, body: &[u8]) -> Option<Verdict> {
    #[derive(Deserialize)]
    struct Head {
        #[serde(default, deserialize_with = "code_text")]
        code: Option<String>,
        #[serde(default)]
        msg: Option<String>,
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    let head: Head = serde_json::from_slice(body).ok()?;
    let code = head.code?;
    if code == "0" {
        return None;
    }
    let msg: String = head.msg.unwrap_or_default().chars().take(200).collect();
    let said = if msg.is_empty() {
        format!("OKX code {code}")
    } else {
        format!("OKX code {code}: {msg}")
    };
    let reason = match code.as_str() {
        "50011" | "50061" => return Some(Verdict::As(429, said)),
        "50001" | "50004" | "50013" | "50026" => {
            let status = if status >= 500 { status } else { 503 };
            return Some(Verdict::As(status, said));
        }
        "50100" => "the API key is frozen",
        "50101" => "the key belongs to the other OKX environment: demo-trading keys need OKX_DEMO_TRADING=true, live keys need it off",
        "50102" => "the request timestamp is outside OKX's 30 s window: the server clock is off",
        "50103" | "50104" | "50106" | "50107" => "a required authentication header is missing",
        "50105" => "the passphrase is wrong",
        "50110" => "the key is not allowed from this IP (add this server's IP to the key's allow-list)",
        "50111" | "50119" => "the API key is wrong or was deleted",
        "50112" => "bad timestamp format",
        "50113" => "the request signature is invalid (wrong secret key)",
        "50114" => "the key is not authorized for this request",
        "50120" | "50030" => "the API key lacks the permission this request needs",
        _ if status >= 500 => return Some(Verdict::As(status, said)),
        _ => return Some(Verdict::Refused(said)),
    };
    Some(Verdict::Refused(format!("{reason} ({said})")))
}

/// OKX codes that refuse the key itself (frozen, wrong, wrong passphrase or secret, another
/// environment, IP, clock), whichever endpoint answers them.
const KEY_CODES: &[&str] = &[
    "50100", "50101", "50102", "50103", "50104", "50105", "50106", "50107", "50110", "50111",
    "50112", "50113", "50119",
];

/// Whether an error refuses the whole key rather than one endpoint.
fn about_the_key(e: &ConnectorError) -> bool {
    match e {
        ConnectorError::Refused { reason, .. } => KEY_CODES
            .iter()
            .any(|code| reason.contains(&format!("OKX code {code}"))),
        _ => false,
    }
}

/// Signs one account's requests; holds the credentials only for the length of a call.
struct OkxSigner<'a> {
    creds: &'a ExchangeCredentials,
    key: HeaderValue,
    passphrase: HeaderValue,
    demo_trading: bool,
    clock: &'a Clock,
}

impl<'a> OkxSigner<'a> {
    fn new(
        creds: &'a ExchangeCredentials,
        demo_trading: bool,
        clock: &'a Clock,
    ) -> Result<Self, ConnectorError> {
        let header = |value: &str, what: &str| {
            let mut v = HeaderValue::from_str(value).map_err(|_| ConnectorError::Refused {
                provider: PROVIDER,
                reason: format!("the {what} has characters an HTTP header cannot carry"),
            })?;
            v.set_sensitive(true);
            Ok::<_, ConnectorError>(v)
        };
        Ok(Self {
            creds,
            key: header(creds.api_key.expose(), "API key")?,
            passphrase: header(creds.passphrase.expose(), "passphrase")?,
            demo_trading,
            clock,
        })
    }
}

impl SignRequest for OkxSigner<'_> {
    fn headers(&self, method: &str, request_path: &str, body: &[u8]) -> HeaderMap {
        let timestamp = timestamp((self.clock)());
        let sign = sign(
            self.creds.api_secret.expose(),
            &timestamp,
            method,
            request_path,
            body,
        );
        let mut h = HeaderMap::new();
        h.insert(HeaderName::from_static("ok-access-key"), self.key.clone());
        let mut sign = HeaderValue::from_str(&sign).expect("base64 is a valid header value");
        sign.set_sensitive(true);
        h.insert(HeaderName::from_static("ok-access-sign"), sign);
        h.insert(
            HeaderName::from_static("ok-access-timestamp"),
            HeaderValue::from_str(&timestamp).expect("a timestamp is a valid header value"),
        );
        h.insert(
            HeaderName::from_static("ok-access-passphrase"),
            self.passphrase.clone(),
        );
        if self.demo_trading {
            h.insert(
                HeaderName::from_static("x-simulated-trading"),
                HeaderValue::from_static("1"),
            );
        }
        h
    }

    fn redact(&self, text: &str) -> String {
        redact(self.creds, text)
    }

    /// A hash of the API key: OKX's limits are per key, so each gets its own lane.
    fn key_id(&self) -> Option<String> {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.creds.api_key.expose().as_bytes());
        Some(digest[..12].iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// ISO-8601 UTC with exactly three millisecond digits: `2020-12-08T09:08:57.715Z`.
fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body)).
fn sign(secret: &str, timestamp: &str, method: &str, request_path: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(method.as_bytes());
    mac.update(request_path.as_bytes());
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_signature_matches_an_independent_computation() {
        // python3 -c "import hmac,hashlib,base64; print(base64.b64encode(hmac.new(
        //   b'22582BD0CFF14C41EDBF1AB98506286D', b'2020-12-08T09:08:57.715ZGET'
        //   b'/api/v5/account/balance?ccy=BTC', hashlib.sha256).digest()).decode())"
        let secret = "22582BD0CFF14C41EDBF1AB98506286D";
        let ts = "2020-12-08T09:08:57.715Z";
        assert_eq!(
            sign(secret, ts, "GET", "/api/v5/account/balance?ccy=BTC", b""),
            "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="
        );
        // The same with a body, as a POST is signed.
        assert_eq!(
            sign(
                secret,
                ts,
                "POST",
                "/api/v5/trade/order",
                br#"{"instId":"BTC-USDT"}"#
            ),
            "YQ/tkEzvXm0I2aOIDXzW4cvOJ+Hn6Vy0Xqh6kJ1Nu7g="
        );
    }

    #[test]
    fn timestamps_have_exactly_three_millisecond_digits_and_z() {
        let at = Utc.with_ymd_and_hms(2020, 12, 8, 9, 8, 57).unwrap()
            + chrono::Duration::microseconds(715_432);
        assert_eq!(timestamp(at), "2020-12-08T09:08:57.715Z");
        let whole = Utc.with_ymd_and_hms(2021, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(timestamp(whole), "2021-01-02T03:04:05.000Z");
    }

    #[test]
    fn okx_codes_become_retries_or_refusals_in_plain_words() {
        assert_eq!(okx_answer(200, br#"{"code":"0","data":[],"msg":""}"#), None);
        assert_eq!(okx_answer(200, b"[]"), None);
        assert_eq!(okx_answer(502, b"<html>bad gateway</html>"), None);
        assert!(matches!(
            okx_answer(
                200,
                br#"{"code":"50011","msg":"Too Many Requests","data":[]}"#
            ),
            Some(Verdict::As(429, _))
        ));
        assert!(matches!(
            okx_answer(429, br#"{"code":"50061","msg":"","data":[]}"#),
            Some(Verdict::As(429, _))
        ));
        assert!(matches!(
            okx_answer(
                200,
                br#"{"code":"50001","msg":"Service temporarily unavailable"}"#
            ),
            Some(Verdict::As(503, _))
        ));
        let refused = |code: &str| match okx_answer(
            401,
            format!(r#"{{"code":"{code}","msg":"x","data":[]}}"#).as_bytes(),
        ) {
            Some(Verdict::Refused(reason)) => reason,
            other => panic!("{code}: {other:?}"),
        };
        assert!(refused("50105").contains("passphrase"));
        assert!(refused("50111").contains("key is wrong"));
        assert!(refused("50113").contains("signature"));
        assert!(refused("50102").contains("clock"));
        assert!(refused("50112").contains("timestamp format"));
        assert!(refused("50110").contains("IP"));
        assert!(refused("51000").contains("OKX code 51000: x"));
        assert!(matches!(
            okx_answer(200, br#"{"code":50105,"msg":""}"#),
            Some(Verdict::Refused(_))
        ));
    }

    #[test]
    fn only_refusals_of_the_key_itself_fail_every_location() {
        let about = |code: &str| match okx_answer(
            401,
            format!(r#"{{"code":"{code}","msg":"x"}}"#).as_bytes(),
        ) {
            Some(Verdict::Refused(reason)) => about_the_key(&ConnectorError::Refused {
                provider: PROVIDER,
                reason,
            }),
            other => panic!("{code}: {other:?}"),
        };
        for code in [
            "50100", "50101", "50102", "50105", "50110", "50111", "50113", "50119",
        ] {
            assert!(about(code), "{code}");
        }
        for code in ["50114", "50120", "50030", "51000", "54000"] {
            assert!(!about(code), "{code}");
        }
        assert!(!about_the_key(&ConnectorError::Upstream {
            provider: PROVIDER,
            status: 503,
            message: "OKX code 50113".into(),
        }));
    }

    #[test]
    fn permissions_read_okx_perm_lists() {
        let p = parse_permissions("read_only");
        assert_eq!((p.read, p.trade, p.withdraw), (true, false, false));
        let p = parse_permissions("read_only,trade");
        assert_eq!((p.read, p.trade, p.withdraw), (true, true, false));
        let p = parse_permissions("read_only, trade,withdraw,future_thing");
        assert_eq!((p.read, p.trade, p.withdraw), (true, true, true));
    }
}
