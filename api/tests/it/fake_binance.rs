//! A fake Binance on 127.0.0.1 that checks every request as Binance does: the key is there,
//! well formed and known; the signature is the HMAC-SHA256 of the exact query (GET) or form
//! body (POST) as received; `timestamp` is inside `recvWindow` of the server's clock (and not
//! more than 1 s ahead). It answers in Binance's documented shapes (rest-api.md, the wallet and
//! simple-earn pages; values of our choosing) and reports the request weight used this minute
//! in `X-MBX-USED-WEIGHT-1M` / `X-SAPI-USED-IP-WEIGHT-1M`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Router;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Binance's documented example key pair (rest-api.md; not a secret).
pub const DOC_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
pub const DOC_SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

/// A key the fake knows: its secret, the account's uid and what `apiRestrictions` says.
#[derive(Clone)]
pub struct FakeKey {
    pub key: String,
    pub secret: String,
    pub uid: u64,
    pub withdraw: bool,
    pub trade: bool,
}

impl FakeKey {
    pub fn read_only(key: &str, secret: &str, uid: u64) -> Self {
        Self {
            key: key.into(),
            secret: secret.into(),
            uid,
            withdraw: false,
            trade: false,
        }
    }
}

/// One request as the fake saw it, and how its authentication fared (`Ok`, or Binance's code).
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// The query exactly as it came on the wire (no `?`).
    pub query: String,
    pub body: String,
    pub headers: HeaderMap,
    pub auth: Result<(), i64>,
}

impl Seen {
    pub fn api_key(&self) -> &str {
        self.headers
            .get("x-mbx-apikey")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The signed parameters (query of a GET, body of a POST), decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        let text = if self.method == "POST" {
            &self.body
        } else {
            &self.query
        };
        text.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

pub struct Reply {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn ok(body: impl Into<String>) -> Self {
        Self::status(200, body)
    }
    pub fn status(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            body: body.into(),
            headers: Vec::new(),
        }
    }
    /// Binance's error shape.
    pub fn code(status: u16, code: i64, msg: &str) -> Self {
        Self::status(status, format!(r#"{{"code":{code},"msg":"{msg}"}}"#))
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Answers an authenticated request (`None`: the default answers); the index counts earlier
/// authenticated requests to the same path.
pub type Script = dyn Fn(&Seen, usize) -> Option<Reply> + Send + Sync;

#[derive(Clone)]
struct FakeState {
    keys: Arc<Vec<FakeKey>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Script>,
    /// The server's clock minus the real one, in ms.
    skew_ms: Arc<AtomicI64>,
    /// `None`: the real clock (plus skew); `Some`: a frozen server time.
    frozen_ms: Option<i64>,
    weight: Arc<Mutex<(i64, u32, u32)>>,
}

/// A fake Binance on 127.0.0.1:0, stopped when dropped.
pub struct FakeBinance {
    pub base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    skew_ms: Arc<AtomicI64>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeBinance {
    /// The fake with the documented key (uid 354937868, read-only) and the default answers.
    pub async fn start() -> Self {
        Self::with(
            vec![FakeKey::read_only(DOC_KEY, DOC_SECRET, 354_937_868)],
            None,
            |_, _| None,
        )
        .await
    }

    pub async fn with(
        keys: Vec<FakeKey>,
        frozen_ms: Option<i64>,
        script: impl Fn(&Seen, usize) -> Option<Reply> + Send + Sync + 'static,
    ) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let skew_ms = Arc::new(AtomicI64::new(0));
        let state = FakeState {
            keys: Arc::new(keys),
            seen: seen.clone(),
            script: Arc::new(script),
            skew_ms: skew_ms.clone(),
            frozen_ms,
            weight: Arc::default(),
        };
        let app = Router::new().fallback(serve).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base_url: format!("http://{addr}"),
            seen,
            skew_ms,
            server,
        }
    }

    /// Moves the server's clock (a positive skew: Binance is ahead of us).
    pub fn set_skew_ms(&self, ms: i64) {
        self.skew_ms.store(ms, Ordering::SeqCst);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn seen_on(&self, path: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path == path).collect()
    }
}

impl Drop for FakeBinance {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn server_now(state: &FakeState) -> i64 {
    state
        .frozen_ms
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis())
        + state.skew_ms.load(Ordering::SeqCst)
}

/// The request weight of each endpoint (Binance's documented weights).
fn weight_of(path: &str) -> u32 {
    match path {
        "/api/v3/account" => 20,
        "/sapi/v1/simple-earn/flexible/position"
        | "/sapi/v1/simple-earn/locked/position"
        | "/sapi/v1/simple-earn/flexible/history/rewardsRecord" => 150,
        "/api/v3/myTrades" | "/api/v3/exchangeInfo" => 20,
        _ => 1,
    }
}

/// Binance's checks, in the order it applies them.
fn authenticate(state: &FakeState, seen: &Seen) -> Result<(), i64> {
    let key = seen.api_key();
    if key.is_empty() || key.len() != 64 || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(-2014);
    }
    let Some(known) = state.keys.iter().find(|k| k.key == key) else {
        return Err(-2015);
    };
    let payload = if seen.method == "POST" {
        &seen.body
    } else {
        &seen.query
    };
    let Some((signed, signature)) = payload.rsplit_once("&signature=") else {
        return Err(-1102);
    };
    let timestamp: i64 = seen
        .param("timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or(-1102)?;
    let recv_window: i64 = seen
        .param("recvWindow")
        .map(|w| w.parse().unwrap_or(-1))
        .unwrap_or(5000);
    if !(0..=60_000).contains(&recv_window) {
        return Err(-1131);
    }
    let now = server_now(state);
    if !(timestamp < now + 1000 && now - timestamp <= recv_window) {
        return Err(-1021);
    }
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(known.secret.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if signature != expected {
        return Err(-1022);
    }
    Ok(())
}

fn message(code: i64) -> &'static str {
    match code {
        -2014 => "API-key format invalid.",
        -2015 => "Invalid API-key, IP, or permissions for action.",
        -1021 => "Timestamp for this request is outside of the recvWindow.",
        -1022 => "Signature for this request is not valid.",
        -1131 => "recvWindow must be less than 60000",
        _ => "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
    }
}

async fn serve(State(state): State<FakeState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let mut seen = Seen {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        body: String::from_utf8_lossy(&body).into_owned(),
        headers: parts.headers,
        auth: Ok(()),
    };
    let public = matches!(seen.path.as_str(), "/api/v3/time" | "/api/v3/exchangeInfo");
    if !public {
        seen.auth = authenticate(&state, &seen);
    }
    let index = {
        let mut all = state.seen.lock().unwrap();
        let index = all
            .iter()
            .filter(|s| s.auth.is_ok() && s.path == seen.path)
            .count();
        all.push(seen.clone());
        index
    };
    let reply = match seen.auth {
        Err(code) => {
            let status = if matches!(code, -2014 | -2015) {
                401
            } else {
                400
            };
            Reply::code(status, code, message(code))
        }
        Ok(()) => (state.script)(&seen, index).unwrap_or_else(|| answer(&state, &seen)),
    };
    let (api, sapi) = {
        let minute = server_now(&state).div_euclid(60_000);
        let mut w = state.weight.lock().unwrap();
        if w.0 != minute {
            *w = (minute, 0, 0);
        }
        if seen.path.starts_with("/sapi") {
            w.2 += weight_of(&seen.path);
        } else {
            w.1 += weight_of(&seen.path);
        }
        (w.1, w.2)
    };
    let mut resp = Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap())
        .header("content-type", "application/json")
        .header("x-mbx-used-weight-1m", api.to_string());
    if seen.path.starts_with("/sapi") {
        resp = resp.header("x-sapi-used-ip-weight-1m", sapi.to_string());
    }
    for (k, v) in &reply.headers {
        resp = resp.header(k.as_str(), v.as_str());
    }
    resp.body(Body::from(reply.body)).unwrap()
}

/// The default answers: [`ACCOUNT_BODY`] and friends, the key's own uid and restrictions.
fn answer(state: &FakeState, seen: &Seen) -> Reply {
    let key = state.keys.iter().find(|k| k.key == seen.api_key());
    match (seen.method.as_str(), seen.path.as_str()) {
        ("GET", "/api/v3/time") => Reply::ok(format!(r#"{{"serverTime":{}}}"#, server_now(state))),
        ("GET", "/api/v3/account") => Reply::ok(account_body(key.map_or(0, |k| k.uid))),
        ("POST", "/sapi/v1/asset/get-funding-asset") => Reply::ok(FUNDING_BODY),
        ("GET", "/sapi/v1/simple-earn/flexible/position") => {
            Reply::ok(match seen.param("current").as_deref() {
                Some("1") => FLEXIBLE_PAGE_1,
                Some("2") => FLEXIBLE_PAGE_2,
                _ => r#"{"rows":[],"total":3}"#,
            })
        }
        ("GET", "/sapi/v1/simple-earn/locked/position") => {
            Reply::ok(match seen.param("current").as_deref() {
                Some("1") => LOCKED_PAGE_1,
                _ => r#"{"rows":[],"total":2}"#,
            })
        }
        ("GET", "/sapi/v1/account/apiRestrictions") => {
            let k = key.expect("authenticated");
            Reply::ok(restrictions(k.trade, k.withdraw))
        }
        _ => Reply::code(404, -1000, "Not Found"),
    }
}

/// `GET /api/v3/account` (rest-api.md's shape): BTC, USDT with 22 significant digits, the
/// `LDUSDT` mirror of a flexible Earn position (skipped), `LDO` (a real asset, kept), and an
/// `ETH` row whose free and locked add up.
pub fn account_body(uid: u64) -> String {
    format!(
        r#"{{"makerCommission":15,"takerCommission":15,"buyerCommission":0,"sellerCommission":0,
"commissionRates":{{"maker":"0.00150000","taker":"0.00150000","buyer":"0.00000000","seller":"0.00000000"}},
"canTrade":false,"canWithdraw":false,"canDeposit":true,"brokered":false,"requireSelfTradePrevention":false,
"preventSor":false,"updateTime":123456789,"accountType":"SPOT",
"balances":[
 {{"asset":"BTC","free":"4723846.89208129","locked":"0.00000000"}},
 {{"asset":"USDT","free":"12345678901234.12345678","locked":"1.00000000"}},
 {{"asset":"LDUSDT","free":"75.46000000","locked":"0.00000000"}},
 {{"asset":"LDO","free":"12.50000000","locked":"0.00000000"}},
 {{"asset":"ETH","free":"1.25000000","locked":"0.75000000"}}
],
"permissions":["SPOT"],"uid":{uid}}}"#
    )
}

/// `POST /sapi/v1/asset/get-funding-asset`: USDT free only; BNB in all four parts; a zero row.
pub const FUNDING_BODY: &str = r#"[
 {"asset":"USDT","free":"1","locked":"0","freeze":"0","withdrawing":"0","btcValuation":"0.00000091"},
 {"asset":"BNB","free":"0.5","locked":"0.1","freeze":"0.2","withdrawing":"0.05","btcValuation":"0.0001"},
 {"asset":"DOGE","free":"0","locked":"0","freeze":"0","withdrawing":"0","btcValuation":"0"}
]"#;

/// Flexible positions, two pages then an empty one: USDT (mirrored by spot's `LDUSDT`), BTC.
pub const FLEXIBLE_PAGE_1: &str = r#"{"rows":[
 {"totalAmount":"75.46000000","tierAnnualPercentageRate":{"0-5BTC":0.05,"5-10BTC":0.03},
  "latestAnnualPercentageRate":"0.02599895","yesterdayAirdropPercentageRate":"0.02599895",
  "asset":"USDT","airDropAsset":"BETH","canRedeem":true,"collateralAmount":"232.23123213",
  "productId":"USDT001","yesterdayRealTimeRewards":"0.10293829","cumulativeBonusRewards":"0.22759183",
  "cumulativeRealTimeRewards":"0.22759183","cumulativeTotalRewards":"0.45459183","autoSubscribe":true},
 {"totalAmount":"0.00000000","latestAnnualPercentageRate":"0.01","asset":"SOL","canRedeem":true,
  "collateralAmount":"0","productId":"SOL001","autoSubscribe":false}
],"total":3}"#;
pub const FLEXIBLE_PAGE_2: &str = r#"{"rows":[
 {"totalAmount":"0.10000000","latestAnnualPercentageRate":"0.005","asset":"BTC","canRedeem":true,
  "collateralAmount":"0","productId":"BTC001","autoSubscribe":true}
],"total":3}"#;

/// Locked positions: AXS, and USDT that adds to the flexible USDT.
pub const LOCKED_PAGE_1: &str = r#"{"rows":[
 {"positionId":123123,"parentPositionId":123122,"projectId":"Axs*90","asset":"AXS","amount":"122.09202928",
  "purchaseTime":"1646182276000","duration":"60","accrualDays":"4","rewardAsset":"AXS","APY":"0.2032",
  "rewardAmt":"5.17181528","nextPay":"1.29295383","nextPayDate":"1646697600000","payPeriod":"1",
  "redeemAmountEarly":"2802.24068892","rewardsEndDate":"1651449600000","deliverDate":"1651536000000",
  "redeemPeriod":"1","redeemingAmt":"232.2323","redeemTo":"FLEXIBLE","canRedeemEarly":true,
  "canFastRedemption":true,"autoSubscribe":true,"type":"AUTO","status":"HOLDING","canReStake":true},
 {"positionId":123124,"projectId":"Usdt*30","asset":"USDT","amount":"24.54000000","purchaseTime":"1646182276000",
  "duration":"30","accrualDays":"4","rewardAsset":"USDT","APY":"0.05","status":"HOLDING"}
],"total":2}"#;

/// `GET /sapi/v1/account/apiRestrictions`.
pub fn restrictions(trade: bool, withdraw: bool) -> String {
    format!(
        r#"{{"ipRestrict":false,"createTime":1698645219000,"enableReading":true,"enableWithdrawals":{withdraw},
"enableInternalTransfer":false,"enableMargin":false,"enableFutures":false,"permitsUniversalTransfer":false,
"enableVanillaOptions":false,"enableFixApiTrade":false,"enableFixReadOnly":true,
"enableSpotAndMarginTrading":{trade},"enablePortfolioMarginTrading":false}}"#
    )
}

/// An account's history as Binance keeps it, answered in the documented shapes with
/// Binance's windows and paging (wallet, convert, simple-earn and rest-api pages; values of
/// the test's choosing): deposits and withdrawals by `startTime`/`endTime` (less than 90 days
/// apart), newest first, `offset`/`limit`; Convert by window (at most 30 days), `limit`, with
/// `moreData` when cut; Simple Earn rewards by window (at most 3 months), `current`/`size`;
/// `myTrades` per symbol from `fromId`, oldest first, `limit`; `exchangeInfo`'s symbols.
#[derive(Clone, Default)]
pub struct BinanceHistory {
    pub deposits: Vec<serde_json::Value>,
    pub withdrawals: Vec<serde_json::Value>,
    pub converts: Vec<serde_json::Value>,
    pub rewards: Vec<serde_json::Value>,
    /// `(symbol, baseAsset, quoteAsset)`.
    pub symbols: Vec<(&'static str, &'static str, &'static str)>,
    /// Trades of each symbol.
    pub trades: Vec<(&'static str, serde_json::Value)>,
}

const DAY_MS: i64 = 86_400_000;

fn num(seen: &Seen, name: &str) -> Option<i64> {
    seen.param(name).and_then(|v| v.parse().ok())
}

/// `2019-10-12 11:12:02` (UTC) in ms.
fn apply_ms(v: &serde_json::Value) -> i64 {
    chrono::NaiveDateTime::parse_from_str(v["applyTime"].as_str().unwrap(), "%Y-%m-%d %H:%M:%S")
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

/// Binance's refusal of a window that is too long.
fn too_long() -> Reply {
    Reply::code(400, -1127, "More than 90 days between start and end time.")
}

impl BinanceHistory {
    /// The answer to a history request, `None` for any other path.
    pub fn answer(&self, seen: &Seen) -> Option<Reply> {
        let window = || -> Result<(i64, i64), Reply> {
            match (num(seen, "startTime"), num(seen, "endTime")) {
                (Some(s), Some(e)) if s <= e => Ok((s, e)),
                _ => Err(Reply::code(
                    400,
                    -1102,
                    "startTime and endTime are sent by the Butler",
                )),
            }
        };
        let body = |v: serde_json::Value| Some(Reply::ok(v.to_string()));
        match seen.path.as_str() {
            "/sapi/v1/capital/deposit/hisrec" | "/sapi/v1/capital/withdraw/history" => {
                let deposits = seen.path.contains("deposit");
                let (s, e) = match window() {
                    Ok(w) => w,
                    Err(r) => return Some(r),
                };
                if e - s >= 90 * DAY_MS {
                    return Some(too_long());
                }
                let time = |v: &serde_json::Value| {
                    if deposits {
                        v["insertTime"].as_i64().unwrap()
                    } else {
                        apply_ms(v)
                    }
                };
                let rows = if deposits {
                    &self.deposits
                } else {
                    &self.withdrawals
                };
                let mut rows: Vec<_> = rows
                    .iter()
                    .filter(|v| (s..=e).contains(&time(v)))
                    .cloned()
                    .collect();
                rows.sort_by_key(|v| std::cmp::Reverse(time(v)));
                let offset = num(seen, "offset").unwrap_or(0) as usize;
                let limit = num(seen, "limit").unwrap_or(1000).min(1000) as usize;
                body(rows.into_iter().skip(offset).take(limit).collect())
            }
            "/sapi/v1/convert/tradeFlow" => {
                let (s, e) = match window() {
                    Ok(w) => w,
                    Err(r) => return Some(r),
                };
                if e - s > 30 * DAY_MS {
                    return Some(too_long());
                }
                let limit = num(seen, "limit").unwrap_or(100).min(1000) as usize;
                let rows: Vec<_> = self
                    .converts
                    .iter()
                    .filter(|v| (s..=e).contains(&v["createTime"].as_i64().unwrap()))
                    .cloned()
                    .collect();
                let more = rows.len() > limit;
                body(
                    serde_json::json!({"list": rows.into_iter().take(limit).collect::<Vec<_>>(),
                    "startTime": s, "endTime": e, "limit": limit, "moreData": more}),
                )
            }
            "/sapi/v1/simple-earn/flexible/history/rewardsRecord" => {
                let (s, e) = match window() {
                    Ok(w) => w,
                    Err(r) => return Some(r),
                };
                if e - s > 92 * DAY_MS {
                    return Some(too_long());
                }
                let rows: Vec<_> = self
                    .rewards
                    .iter()
                    .filter(|v| (s..=e).contains(&v["time"].as_i64().unwrap()))
                    .cloned()
                    .collect();
                let size = num(seen, "size").unwrap_or(10).min(100) as usize;
                let current = num(seen, "current").unwrap_or(1).max(1) as usize;
                let total = rows.len();
                body(serde_json::json!({
                    "rows": rows.into_iter().skip((current - 1) * size).take(size).collect::<Vec<_>>(),
                    "total": total}))
            }
            "/api/v3/exchangeInfo" => body(serde_json::json!({
                "timezone": "UTC", "serverTime": 0, "rateLimits": [], "exchangeFilters": [],
                "symbols": self.symbols.iter().map(|(s, b, q)| serde_json::json!({
                    "symbol": s, "status": "TRADING", "baseAsset": b, "baseAssetPrecision": 8,
                    "quoteAsset": q, "quotePrecision": 8, "quoteAssetPrecision": 8,
                    "orderTypes": ["LIMIT", "MARKET"], "isSpotTradingAllowed": true,
                    "permissions": [], "permissionSets": [["SPOT"]]})).collect::<Vec<_>>()})),
            "/api/v3/myTrades" => {
                let symbol = seen.param("symbol")?;
                let from = num(seen, "fromId").unwrap_or(0);
                let limit = num(seen, "limit").unwrap_or(500).min(1000) as usize;
                let mut rows: Vec<_> = self
                    .trades
                    .iter()
                    .filter(|(s, t)| *s == symbol && t["id"].as_i64().unwrap() >= from)
                    .map(|(_, t)| t.clone())
                    .collect();
                rows.sort_by_key(|t| t["id"].as_i64().unwrap());
                body(rows.into_iter().take(limit).collect())
            }
            _ => None,
        }
    }
}
