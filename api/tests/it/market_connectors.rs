//! The CoinGecko and CoinPaprika clients against a local HTTP server. The fixtures below are
//! written for these tests in the shapes of the captured answers in `shared/reference/coingecko`
//! and `shared/reference/coinpaprika` (same fields and types, values of our choosing).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

// tokio's clock: real time, except in the tests that pause it.
use tokio::time::Instant;

use api::config::{ProviderConfig, Secret};
use api::connectors::coingecko::CoinGeckoClient;
use api::connectors::coinpaprika::CoinPaprikaClient;
use api::connectors::{
    CoinCatalog, ConnectorError, ContractLookup, PlatformAddress, PlatformDirectory, PriceFeed,
};
use api::metrics::Metrics;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Router;
use rust_decimal::Decimal;

// ---------- a scripted local server ----------

/// One request the server saw.
#[derive(Clone)]
struct Hit {
    path: String,
    query: HashMap<String, String>,
    headers: HeaderMap,
    at: Instant,
}

struct Reply {
    status: u16,
    body: String,
    headers: Vec<(&'static str, String)>,
    delay: Duration,
}

impl Reply {
    fn ok(body: impl Into<String>) -> Self {
        Self::status(200, body)
    }
    fn status(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            body: body.into(),
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
    fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Script = dyn Fn(&Hit, usize) -> Reply + Send + Sync;

#[derive(Clone)]
struct StubState {
    hits: Arc<Mutex<Vec<Hit>>>,
    script: Arc<Script>,
}

/// A server on 127.0.0.1:0 answering every request with `script(hit, index of the hit)`;
/// stopped when dropped.
struct Stub {
    base_url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Stub {
    async fn start(script: impl Fn(&Hit, usize) -> Reply + Send + Sync + 'static) -> Self {
        let hits = Arc::new(Mutex::new(Vec::new()));
        let state = StubState {
            hits: hits.clone(),
            script: Arc::new(script),
        };
        let app = Router::new().fallback(serve).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base_url: format!("http://{addr}"),
            hits,
            server,
        }
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    fn hit_count(&self) -> usize {
        self.hits.lock().unwrap().len()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(State(state): State<StubState>, req: Request) -> Response {
    let hit = Hit {
        path: req.uri().path().to_string(),
        query: Query::<HashMap<String, String>>::try_from_uri(req.uri())
            .map(|q| q.0)
            .unwrap_or_default(),
        headers: req.headers().clone(),
        at: Instant::now(),
    };
    let index = {
        let mut hits = state.hits.lock().unwrap();
        hits.push(hit.clone());
        hits.len() - 1
    };
    let reply = (state.script)(&hit, index);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap())
        .header("content-type", "application/json");
    for (name, value) in reply.headers {
        response = response.header(name, value);
    }
    response.body(Body::from(reply.body)).unwrap()
}

// ---------- clients ----------

fn config(stub: &Stub) -> ProviderConfig {
    ProviderConfig {
        base_url: stub.base_url.clone(),
        api_key: None,
        tier: "demo".into(),
        rate_per_minute: 60_000,
        burst: 1_000,
        timeout: Duration::from_secs(2),
        max_retries: 2,
        breaker_failures: 100,
        breaker_cooldown: Duration::from_secs(1),
    }
}

fn gecko_with(cfg: &ProviderConfig, metrics: &Arc<Metrics>) -> CoinGeckoClient {
    CoinGeckoClient::new(cfg, metrics.clone())
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .with_retry_after_cap(Duration::from_secs(5))
}

fn gecko(stub: &Stub) -> CoinGeckoClient {
    gecko_with(&config(stub), &Arc::new(Metrics::new()))
}

fn paprika_with(cfg: &ProviderConfig, metrics: &Arc<Metrics>) -> CoinPaprikaClient {
    CoinPaprikaClient::new(cfg, metrics.clone())
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .with_retry_after_cap(Duration::from_secs(5))
}

fn paprika(stub: &Stub) -> CoinPaprikaClient {
    paprika_with(&config(stub), &Arc::new(Metrics::new()))
}

fn upstream_count(metrics: &Metrics, provider: &str, outcome: &str) -> u64 {
    metrics
        .upstream_requests
        .with_label_values(&[provider, outcome])
        .get()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

// ---------- fixtures (shapes of shared/reference) ----------

/// `GET /coins/list?include_platform=true`
const GECKO_COINS_LIST: &str = r#"[
  {"id": "zus-demo", "symbol": "zcn", "name": "Zus Demo",
   "platforms": {"ethereum": "0xB9eF770b6a5E12e45983C5D80545258aA38F3B78",
                 "polygon-pos": "0x8bb30e0e67b11b978a5040144c410e1ccddcba30",
                 "solana": ""}},
  {"id": "plain-coin", "symbol": "plc", "name": "Plain Coin", "platforms": {}},
  {"id": "native-coin", "symbol": "ntv", "name": "Native Coin", "platforms": {"": ""}}
]"#;

/// `GET /asset_platforms`
const GECKO_ASSET_PLATFORMS: &str = r#"[
  {"id": "polygon-pos", "chain_identifier": 137, "name": "Polygon POS", "shortname": "MATIC",
   "native_coin_id": "matic-network", "image": {"thumb": null, "small": null, "large": null}},
  {"id": "arbitrum-one", "chain_identifier": 42161, "name": "Arbitrum One", "shortname": "Arbitrum",
   "native_coin_id": "ethereum", "image": {"thumb": null, "small": null, "large": null}},
  {"id": "osmosis", "chain_identifier": null, "name": "Osmosis", "shortname": "",
   "native_coin_id": "osmosis", "image": {"thumb": null, "small": null, "large": null}}
]"#;

/// One `GET /coins/markets` row; `price` and `cap` are JSON texts (a number, a string, null).
fn gecko_market_row(id: &str, price: &str, cap: &str, rank: &str) -> String {
    format!(
        r#"{{"id": "{id}", "symbol": "{sym}", "name": "{id} name",
  "image": "https://assets.example/{id}.png", "current_price": {price}, "market_cap": {cap},
  "market_cap_rank": {rank}, "fully_diluted_valuation": null, "total_volume": 20154184933.25,
  "high_24h": 70215, "low_24h": 68060, "price_change_24h": 2126.88,
  "price_change_percentage_24h": 3.12502, "market_cap_change_24h": 44287678051,
  "market_cap_change_percentage_24h": 3.31157, "circulating_supply": 19675987,
  "total_supply": 21000000, "max_supply": 21000000, "ath": 73738, "ath_change_percentage": -4.77063,
  "ath_date": "2024-03-14T07:10:36.635Z", "atl": 67.81, "atl_change_percentage": 103455.83335,
  "atl_date": "2013-07-06T00:00:00.000Z", "roi": null, "last_updated": "2024-04-07T16:49:31.736Z"}}"#,
        sym = &id[..3.min(id.len())],
    )
}

fn gecko_markets(rows: &[String]) -> String {
    format!("[{}]", rows.join(","))
}

/// CoinGecko's rate-limit envelope, sent with 429 and sometimes with 200.
const GECKO_RATE_LIMITED: &str = r#"{"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit. Please visit https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher rate limits."}}"#;

/// `GET /coins` (head)
const PAPRIKA_COINS: &str = r#"[
  {"id":"btc-bitcoin","name":"Bitcoin","symbol":"BTC","rank":1,"is_new":false,"is_active":true,"type":"coin"},
  {"id":"eth-ethereum","name":"Ethereum","symbol":"ETH","rank":2,"is_new":false,"is_active":true,"type":"coin"},
  {"id":"gone-gonecoin","name":"Gonecoin","symbol":"GONE","rank":0,"is_new":false,"is_active":false,"type":"token"}
]"#;

/// `GET /coins/usdt-tether` (trimmed)
const PAPRIKA_USDT: &str = r#"{
  "id": "usdt-tether", "name": "Tether", "symbol": "USDT", "rank": 3, "is_new": false,
  "is_active": true, "type": "token", "contract": "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9",
  "platform": "arb-arbitrum",
  "contracts": [
    {"contract": "0xdac17f958d2ee523a2206206994597c13d831ec7", "platform": "eth-ethereum", "type": "ERC20"},
    {"contract": "USDT-6D8", "platform": "bnb-binance-coin", "type": "BEP2"},
    {"contract": "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9", "platform": "arb-arbitrum", "type": "Other"},
    {"contract": "", "platform": "omni-omni", "type": "Other"}
  ],
  "logo": "https://static.example/usdt.png", "tags": [], "message": "", "open_source": false,
  "started_at": "2015-02-25T00:00:00Z", "development_status": "Working product"
}"#;

/// One `GET /tickers?quotes=USD` entry; `price` is a JSON text.
fn paprika_ticker(id: &str, rank: i64, price: &str) -> String {
    format!(
        r#"{{"id":"{id}","name":"{id} name","symbol":"{sym}","rank":{rank},
  "circulating_supply":19426506,"total_supply":19426512,"max_supply":21000000,"beta_value":1.0563,
  "first_data_at":"2010-07-17T00:00:00Z","last_updated":"2023-07-11T08:40:17Z",
  "quotes":{{"USD":{{"price":{price},"volume_24h":13441600877.886246,"volume_24h_change_24h":64.12,
  "market_cap":593248170920,"market_cap_change_24h":1.24,"percent_change_15m":-0.03,
  "percent_change_1h":-0.09,"percent_change_24h":1.24,"percent_change_7d":-1.46,
  "ath_price":68692.13703693185,"ath_date":"2021-11-10T16:50:00Z","percent_from_price_ath":-55.54}}}}}}"#,
        sym = id.split('-').next().unwrap().to_uppercase(),
    )
}

fn paprika_tickers() -> String {
    format!(
        "[{}]",
        [
            paprika_ticker("eth-ethereum", 2, "1850.123456789012345678"),
            paprika_ticker("new-newcoin", 0, "0.5"),
            paprika_ticker("btc-bitcoin", 1, "30538.078793975994"),
            paprika_ticker("bad-badcoin", 3, "null"),
            paprika_ticker("tiny-tinycoin", 4, r#""0.000012345678901234567""#),
            paprika_ticker("late-latecoin", 5, "1.25"),
        ]
        .join(",")
    )
}

/// CoinPaprika's documented 429 body.
const PAPRIKA_RATE_LIMITED: &str = r#"{"error": "you have reached maximum request limit"}"#;

// ---------- successful answers ----------

#[tokio::test]
async fn coingecko_coin_list_keeps_raw_platform_addresses_and_drops_empty_ones() {
    let stub = Stub::start(|_, _| Reply::ok(GECKO_COINS_LIST)).await;
    let coins = gecko(&stub).list_coins().await.unwrap();
    assert_eq!(coins.len(), 3);
    let zus = &coins[0];
    assert_eq!(
        (
            zus.provider_id.as_str(),
            zus.symbol.as_str(),
            zus.name.as_str()
        ),
        ("zus-demo", "zcn", "Zus Demo")
    );
    assert_eq!(
        zus.platforms,
        vec![
            PlatformAddress {
                platform: "ethereum".into(),
                address: "0xB9eF770b6a5E12e45983C5D80545258aA38F3B78".into(),
            },
            PlatformAddress {
                platform: "polygon-pos".into(),
                address: "0x8bb30e0e67b11b978a5040144c410e1ccddcba30".into(),
            },
        ]
    );
    let hit = &stub.hits()[0];
    assert_eq!(hit.path, "/coins/list");
    assert_eq!(hit.query["include_platform"], "true");
}

#[tokio::test]
async fn coingecko_coin_with_an_empty_platforms_object_has_no_platforms() {
    let stub = Stub::start(|_, _| Reply::ok(GECKO_COINS_LIST)).await;
    let coins = gecko(&stub).list_coins().await.unwrap();
    let plain = coins
        .iter()
        .find(|c| c.provider_id == "plain-coin")
        .unwrap();
    assert!(plain.platforms.is_empty());
    assert!(plain.is_active);
    let native = coins
        .iter()
        .find(|c| c.provider_id == "native-coin")
        .unwrap();
    assert!(native.platforms.is_empty(), "{:?}", native.platforms);
}

#[tokio::test]
async fn coingecko_asset_platforms_parse_with_a_null_chain_identifier() {
    let stub = Stub::start(|_, _| Reply::ok(GECKO_ASSET_PLATFORMS)).await;
    let platforms = gecko(&stub).platforms().await.unwrap();
    let got: Vec<_> = platforms
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str(), p.chain_identifier))
        .collect();
    assert_eq!(
        got,
        [
            ("polygon-pos", "Polygon POS", Some(137)),
            ("arbitrum-one", "Arbitrum One", Some(42161)),
            ("osmosis", "Osmosis", None),
        ]
    );
    // The native coin by provider id (what chain rows' native assets are linked by).
    let natives: Vec<Option<&str>> = platforms
        .iter()
        .map(|p| p.native_coin_id.as_deref())
        .collect();
    assert_eq!(
        natives,
        [Some("matic-network"), Some("ethereum"), Some("osmosis")]
    );
    assert_eq!(stub.hits()[0].path, "/asset_platforms");
}

#[tokio::test]
async fn coingecko_market_prices_parse_exactly_from_numbers_strings_and_exponents() {
    let body = gecko_markets(&[
        gecko_market_row("bitcoin", "70187.5", "1381651251183", "1"),
        gecko_market_row("tiny-token", "0.000012345678901234567", "null", "2"),
        gecko_market_row("string-token", r#""1.0001""#, r#""123456789.5""#, "3"),
        gecko_market_row("sci-token", "2.1e-05", "12345", "4"),
        gecko_market_row("null-price", "null", "1", "5"),
        gecko_market_row("garbage-price", r#""n/a""#, "1", "6"),
    ]);
    let stub = Stub::start(move |_, _| Reply::ok(body.clone())).await;
    let got = gecko(&stub).top_quotes(10).await;

    let prices: Vec<_> = got
        .items
        .iter()
        .map(|q| (q.provider_id.as_str(), q.price_usd.to_string()))
        .collect();
    assert_eq!(
        prices,
        [
            ("bitcoin", "70187.5".to_string()),
            ("tiny-token", "0.000012345678901234567".to_string()),
            ("string-token", "1.0001".to_string()),
            ("sci-token", "0.000021".to_string()),
        ]
    );
    let btc = &got.items[0];
    assert_eq!(btc.market_cap_usd, Some(dec("1381651251183")));
    assert_eq!(btc.volume_24h_usd, Some(dec("20154184933.25")));
    assert_eq!(btc.rank, Some(1));
    assert_eq!(btc.symbol, "bit");
    assert_eq!(
        btc.last_updated.unwrap().to_rfc3339(),
        "2024-04-07T16:49:31.736+00:00"
    );
    assert_eq!(got.items[1].market_cap_usd, None);
    assert_eq!(got.items[2].market_cap_usd, Some(dec("123456789.5")));

    // Unpriced entries are skipped, never zero, and each failure names its coin.
    assert_eq!(got.failures.len(), 2, "{:?}", got.failures);
    for (failure, id) in got.failures.iter().zip(["null-price", "garbage-price"]) {
        assert!(
            matches!(failure, ConnectorError::Decode { message, .. } if message.contains(id)),
            "{failure:?}"
        );
    }
    let q = &stub.hits()[0].query;
    assert_eq!(
        (
            q["vs_currency"].as_str(),
            q["order"].as_str(),
            q["page"].as_str()
        ),
        ("usd", "market_cap_desc", "1")
    );
}

#[tokio::test]
async fn coingecko_top_quotes_pages_and_keeps_the_pages_that_answered() {
    let stub = Stub::start(|hit, _| match hit.query["page"].as_str() {
        "2" => Reply::status(400, r#"{"error": "invalid page"}"#),
        page => Reply::ok(gecko_markets(&[
            gecko_market_row(&format!("coin-{page}-a"), "1.5", "10", "1"),
            gecko_market_row(&format!("coin-{page}-b"), "2.5", "10", "2"),
        ])),
    })
    .await;
    let got = gecko(&stub).top_quotes(600).await;
    let pages: Vec<_> = stub
        .hits()
        .iter()
        .map(|h| (h.query["page"].clone(), h.query["per_page"].clone()))
        .collect();
    assert_eq!(
        pages,
        [("1", "250"), ("2", "250"), ("3", "250")].map(|(p, n)| (p.to_string(), n.to_string()))
    );
    let ids: Vec<_> = got.items.iter().map(|q| q.provider_id.as_str()).collect();
    assert_eq!(ids, ["coin-1-a", "coin-1-b", "coin-3-a", "coin-3-b"]);
    assert!(matches!(
        got.failures.as_slice(),
        [ConnectorError::Upstream { status: 400, .. }]
    ));
}

#[tokio::test]
async fn coingecko_top_quotes_stop_at_the_first_empty_page() {
    let stub = Stub::start(|hit, _| match hit.query["page"].as_str() {
        "1" => Reply::ok(gecko_markets(&[gecko_market_row("bitcoin", "1", "1", "1")])),
        _ => Reply::ok("[]"),
    })
    .await;
    let got = gecko(&stub).top_quotes(1_000).await;
    assert_eq!(got.items.len(), 1);
    assert!(got.failures.is_empty());
    assert_eq!(stub.hit_count(), 2);
}

#[tokio::test]
async fn coingecko_simple_prices_are_fetched_in_batches_of_100_ids() {
    let stub = Stub::start(|hit, _| {
        let entries: Vec<String> = hit.query["ids"]
            .split(',')
            .filter(|id| !id.starts_with("unknown"))
            .map(|id| {
                format!(
                    r#""{id}": {{"usd": 0.000012345678901234567, "usd_market_cap": 180123456789.12, "usd_24h_vol": "9876543210.5", "last_updated_at": 1712508571}}"#
                )
            })
            .collect();
        Reply::ok(format!("{{{}}}", entries.join(",")))
    })
    .await;
    let mut ids: Vec<String> = (0..249).map(|i| format!("coin-{i}")).collect();
    ids.push("unknown-coin".into());
    let got = gecko(&stub).quotes_for(&ids).await;

    let batches: Vec<usize> = stub
        .hits()
        .iter()
        .map(|h| h.query["ids"].split(',').count())
        .collect();
    assert_eq!(batches, [100, 100, 50]);
    let q = &stub.hits()[0].query;
    assert_eq!(stub.hits()[0].path, "/simple/price");
    for (k, v) in [
        ("vs_currencies", "usd"),
        ("include_market_cap", "true"),
        ("include_24hr_vol", "true"),
        ("include_last_updated_at", "true"),
    ] {
        assert_eq!(q[k], v, "{k}");
    }
    assert_eq!(got.items.len(), 249, "unknown ids are simply absent");
    assert!(got.failures.is_empty());
    let one = &got.items[0];
    assert_eq!(one.price_usd.to_string(), "0.000012345678901234567");
    assert_eq!(one.market_cap_usd, Some(dec("180123456789.12")));
    assert_eq!(one.volume_24h_usd, Some(dec("9876543210.5")));
    assert_eq!(one.last_updated.unwrap().timestamp(), 1712508571);
    assert_eq!((one.symbol.as_str(), one.name.as_str()), ("", ""));
}

/// `/coins/{id}/market_chart/range` as CoinGecko documents it (`prices`, `market_caps`,
/// `total_volumes`, each a list of `[unix ms, number]`): one request for the whole range, its
/// `from`/`to` in unix seconds (the close of the last day is the point at 00:00 after it), the
/// points reduced to one close per UTC day, exactly; a null price is no price.
#[tokio::test]
async fn coingecko_market_chart_range_is_one_request_reduced_to_exact_daily_closes() {
    let stub = Stub::start(|hit, _| {
        if hit.path != "/coins/bitcoin/market_chart/range" {
            return Reply::status(404, r#"{"error":"coin not found"}"#);
        }
        Reply::ok(
            r#"{"prices":[[1704067200000,100.5],[1704153600000,42261.04061981323],[1704196800000,42500],
                [1704240000000,44950.123456789012345],[1704304800000,1.04e2],[1704312000000,null]],
              "market_caps":[[1704067200000,826000000000.1],[1704153600000,827000000000]],
              "total_volumes":[[1704067200000,15000000000],[1704153600000,16000000000]]}"#,
        )
    })
    .await;
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2024, 1, d).unwrap();
    let got = api::connectors::PriceHistory::daily_prices(&gecko(&stub), "bitcoin", day(1), day(3))
        .await
        .unwrap();
    // 00:00 on the 1st closes the 31st (outside the range); 00:00 on the 2nd closes the 1st;
    // the 2nd's last point is 00:00 on the 3rd; the 3rd's last priced point is 18:00.
    assert_eq!(
        got,
        vec![
            (day(1), dec("42261.04061981323")),
            (day(2), dec("44950.123456789012345")),
            (day(3), dec("104")),
        ]
    );
    let hits = stub.hits();
    assert_eq!(hits.len(), 1, "one request for the whole range");
    let q = &hits[0].query;
    assert_eq!(q["vs_currency"], "usd");
    assert_eq!(q["from"], "1704067200");
    assert_eq!(q["to"], "1704326400");

    // An unknown coin is an error of the provider, not an empty history.
    let err = api::connectors::PriceHistory::daily_prices(&gecko(&stub), "nope", day(1), day(3))
        .await
        .unwrap_err();
    assert!(!matches!(err, ConnectorError::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn coinpaprika_coin_list_treats_rank_zero_as_unranked() {
    let stub = Stub::start(|_, _| Reply::ok(PAPRIKA_COINS)).await;
    let coins = paprika(&stub).list_coins().await.unwrap();
    let got: Vec<_> = coins
        .iter()
        .map(|c| {
            (
                c.provider_id.as_str(),
                c.symbol.as_str(),
                c.rank,
                c.is_active,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("btc-bitcoin", "BTC", Some(1), true),
            ("eth-ethereum", "ETH", Some(2), true),
            ("gone-gonecoin", "GONE", None, false),
        ]
    );
    assert_eq!(stub.hits()[0].path, "/coins");
}

#[tokio::test]
async fn coinpaprika_coin_contracts_keep_raw_platforms_and_addresses() {
    let stub = Stub::start(|_, _| Reply::ok(PAPRIKA_USDT)).await;
    let contracts = paprika(&stub).coin_contracts("usdt-tether").await.unwrap();
    let got: Vec<_> = contracts
        .iter()
        .map(|c| (c.platform.as_str(), c.address.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("eth-ethereum", "0xdac17f958d2ee523a2206206994597c13d831ec7"),
            ("bnb-binance-coin", "USDT-6D8"),
            ("arb-arbitrum", "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9"),
        ]
    );
    assert_eq!(stub.hits()[0].path, "/coins/usdt-tether");
}

#[tokio::test]
async fn coinpaprika_top_quotes_come_by_rank_without_unranked_coins() {
    let stub = Stub::start(|_, _| Reply::ok(paprika_tickers())).await;
    let got = paprika(&stub).top_quotes(3).await;
    let ids: Vec<_> = got
        .items
        .iter()
        .map(|q| (q.provider_id.as_str(), q.rank))
        .collect();
    assert_eq!(
        ids,
        [
            ("btc-bitcoin", Some(1)),
            ("eth-ethereum", Some(2)),
            ("tiny-tinycoin", Some(4)),
        ]
    );
    assert_eq!(got.items[0].price_usd.to_string(), "30538.078793975994");
    assert_eq!(
        got.items[1].price_usd.to_string(),
        "1850.123456789012345678"
    );
    assert_eq!(
        got.items[2].price_usd.to_string(),
        "0.000012345678901234567"
    );
    assert_eq!(got.items[0].market_cap_usd, Some(dec("593248170920")));
    assert_eq!(got.items[0].volume_24h_usd, Some(dec("13441600877.886246")));
    assert_eq!(got.items[0].symbol, "BTC");
    assert!(
        matches!(got.failures.as_slice(), [ConnectorError::Decode { message, .. }] if message.contains("bad-badcoin")),
        "{:?}",
        got.failures
    );
    let hit = &stub.hits()[0];
    assert_eq!(
        (hit.path.as_str(), hit.query["quotes"].as_str()),
        ("/tickers", "USD")
    );
}

#[tokio::test]
async fn coinpaprika_quotes_for_filters_one_tickers_call_to_the_ids() {
    let stub = Stub::start(|_, _| Reply::ok(paprika_tickers())).await;
    let ids = ["new-newcoin", "eth-ethereum", "nope-nope"].map(String::from);
    let got = paprika(&stub).quotes_for(&ids).await;
    let mut got: Vec<_> = got
        .items
        .iter()
        .map(|q| (q.provider_id.as_str(), q.price_usd, q.rank))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("eth-ethereum", dec("1850.123456789012345678"), Some(2)),
            ("new-newcoin", dec("0.5"), None),
        ]
    );
    assert_eq!(stub.hit_count(), 1);
}

// ---------- rate limits ----------

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_retried() {
    let stub = Stub::start(|_, i| match i {
        0 => Reply::status(429, GECKO_RATE_LIMITED).header("retry-after", "1"),
        _ => Reply::ok(GECKO_ASSET_PLATFORMS),
    })
    .await;
    let metrics = Arc::new(Metrics::new());
    let client = gecko_with(&config(&stub), &metrics);
    let platforms = client.platforms().await.unwrap();
    assert_eq!(platforms.len(), 3);
    let hits = stub.hits();
    assert_eq!(hits.len(), 2);
    let waited = hits[1].at - hits[0].at;
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    assert_eq!(upstream_count(&metrics, "coingecko", "rate_limited"), 1);
    assert_eq!(upstream_count(&metrics, "coingecko", "ok"), 1);
    // The wait shows on the operator's dashboard as seconds waited before a retry.
    let retry_wait = metrics
        .upstream_wait
        .with_label_values(&["coingecko", "retry"])
        .get();
    assert_eq!(retry_wait, 1.0, "{retry_wait}");
}

// A paused clock: waiting out the 120 s would show as 120 s however busy the machine is.
#[tokio::test(start_paused = true)]
async fn a_retry_after_above_the_cap_is_returned_as_rate_limited_without_waiting() {
    let stub =
        Stub::start(|_, _| Reply::status(429, GECKO_RATE_LIMITED).header("retry-after", "120"))
            .await;
    let started = Instant::now();
    let err = gecko(&stub).platforms().await.unwrap_err();
    assert_eq!(
        err,
        ConnectorError::RateLimited {
            provider: "coingecko",
            retry_after: Some(Duration::from_secs(120)),
        }
    );
    assert_eq!(stub.hit_count(), 1);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn coinpaprika_429_without_retry_after_is_retried_then_returned_as_rate_limited() {
    let stub = Stub::start(|_, _| Reply::status(429, PAPRIKA_RATE_LIMITED)).await;
    let err = paprika(&stub).list_coins().await.unwrap_err();
    assert_eq!(
        err,
        ConnectorError::RateLimited {
            provider: "coinpaprika",
            retry_after: None,
        }
    );
    assert_eq!(stub.hit_count(), 3, "max_retries 2 means 3 attempts");
}

#[tokio::test]
async fn coingecko_rate_limit_inside_http_200_is_retried_like_a_429() {
    let stub = Stub::start(|_, i| match i {
        0 => Reply::ok(GECKO_RATE_LIMITED),
        _ => Reply::ok(GECKO_COINS_LIST),
    })
    .await;
    let metrics = Arc::new(Metrics::new());
    let coins = gecko_with(&config(&stub), &metrics)
        .list_coins()
        .await
        .unwrap();
    assert_eq!(coins.len(), 3);
    assert_eq!(stub.hit_count(), 2);
    assert_eq!(upstream_count(&metrics, "coingecko", "rate_limited"), 1);
}

#[tokio::test]
async fn coingecko_rate_limit_inside_http_200_that_persists_is_a_rate_limit_error() {
    let stub = Stub::start(|_, _| Reply::ok(GECKO_RATE_LIMITED)).await;
    let err = gecko(&stub).list_coins().await.unwrap_err();
    assert!(
        matches!(
            err,
            ConnectorError::RateLimited {
                provider: "coingecko",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(stub.hit_count(), 3);
}

// A paused clock: the gaps are the limiter's alone, not the machine's scheduling.
#[tokio::test(start_paused = true)]
async fn the_rate_limiter_spaces_requests() {
    let stub = Stub::start(|_, _| Reply::ok("[]")).await;
    let mut cfg = config(&stub);
    cfg.rate_per_minute = 600;
    cfg.burst = 1;
    let client = gecko_with(&cfg, &Arc::new(Metrics::new()));
    // The first call spends the burst and opens the connection; the rest wait for tokens.
    for _ in 0..5 {
        client.platforms().await.unwrap();
    }
    let hits = stub.hits();
    for pair in hits[1..].windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_millis(85), "requests {gap:?} apart");
    }
    assert!(hits[4].at - hits[1].at >= Duration::from_millis(280));
}

// ---------- failures ----------

#[tokio::test]
async fn a_server_error_then_success_is_retried() {
    let stub = Stub::start(|_, i| match i {
        0 => Reply::status(500, "<html>oops</html>"),
        _ => Reply::ok(PAPRIKA_COINS),
    })
    .await;
    let metrics = Arc::new(Metrics::new());
    let coins = paprika_with(&config(&stub), &metrics)
        .list_coins()
        .await
        .unwrap();
    assert_eq!(coins.len(), 3);
    assert_eq!(stub.hit_count(), 2);
    assert_eq!(upstream_count(&metrics, "coinpaprika", "server_error"), 1);
    assert_eq!(upstream_count(&metrics, "coinpaprika", "ok"), 1);
    let samples = metrics
        .upstream_duration
        .with_label_values(&["coinpaprika"])
        .get_sample_count();
    assert_eq!(samples, 2, "every attempt is timed");
}

#[tokio::test]
async fn a_server_error_that_persists_is_an_upstream_error_after_every_retry() {
    let stub = Stub::start(|_, _| Reply::status(503, r#"{"error": "maintenance"}"#)).await;
    let err = gecko(&stub).list_coins().await.unwrap_err();
    match &err {
        ConnectorError::Upstream {
            provider: "coingecko",
            status: 503,
            message,
        } => {
            assert!(message.contains("/coins/list"), "{message}");
            assert!(message.contains("maintenance"), "{message}");
            assert!(!message.contains('?'), "no query string in {message}");
        }
        other => panic!("expected Upstream, got {other:?}"),
    }
    assert_eq!(stub.hit_count(), 3, "max_retries 2 means 3 attempts");
}

#[tokio::test]
async fn unauthorized_is_not_retried() {
    let stub = Stub::start(|_, _| {
        Reply::status(
            401,
            r#"{"status": {"error_code": 10002, "error_message": "API Key Missing"}}"#,
        )
    })
    .await;
    let err = gecko(&stub).list_coins().await.unwrap_err();
    assert_eq!(
        err,
        ConnectorError::Unauthorized {
            provider: "coingecko"
        }
    );
    assert_eq!(stub.hit_count(), 1);
}

// A paused clock: the stub's 2 s and the client's 150 ms are both tokio timers.
#[tokio::test(start_paused = true)]
async fn a_server_slower_than_the_timeout_gives_a_timeout() {
    let stub = Stub::start(|_, _| Reply::ok("[]").after(Duration::from_secs(2))).await;
    let mut cfg = config(&stub);
    cfg.timeout = Duration::from_millis(150);
    cfg.max_retries = 1;
    let started = Instant::now();
    let err = gecko_with(&cfg, &Arc::new(Metrics::new()))
        .platforms()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ConnectorError::Timeout {
            provider: "coingecko"
        }
    );
    assert_eq!(stub.hit_count(), 2, "a timeout is retried");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let stub = Stub::start(|_, _| Reply::ok(r#"[{"id": "btc-bitcoin", "name": "Bitc"#)).await;
    let err = paprika(&stub).list_coins().await.unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Decode { provider: "coinpaprika", message } if message.contains("/coins")),
        "{err:?}"
    );
    assert_eq!(stub.hit_count(), 1, "a bad body is not retried");
}

#[tokio::test]
async fn the_circuit_breaker_opens_after_repeated_failures_and_half_opens_after_cooldown() {
    let stub = Stub::start(|_, i| {
        if i < 3 {
            Reply::status(500, "down")
        } else {
            Reply::ok(GECKO_ASSET_PLATFORMS)
        }
    })
    .await;
    let mut cfg = config(&stub);
    cfg.max_retries = 0;
    cfg.breaker_failures = 2;
    cfg.breaker_cooldown = Duration::from_millis(300);
    let metrics = Arc::new(Metrics::new());
    let client = gecko_with(&cfg, &metrics);

    for _ in 0..2 {
        assert!(matches!(
            client.platforms().await,
            Err(ConnectorError::Upstream { status: 500, .. })
        ));
    }
    for _ in 0..3 {
        assert!(matches!(
            client.platforms().await,
            Err(ConnectorError::CircuitOpen { provider: "coingecko", retry_in }) if retry_in <= cfg.breaker_cooldown
        ));
    }
    assert_eq!(
        stub.hit_count(),
        2,
        "an open circuit does not call the server"
    );

    // Half-open: one trial; it fails, so the circuit opens again at once.
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(matches!(
        client.platforms().await,
        Err(ConnectorError::Upstream { status: 500, .. })
    ));
    assert!(matches!(
        client.platforms().await,
        Err(ConnectorError::CircuitOpen { .. })
    ));
    assert_eq!(stub.hit_count(), 3);

    // The next trial succeeds and closes the circuit.
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(client.platforms().await.is_ok());
    assert!(client.platforms().await.is_ok());
    assert_eq!(stub.hit_count(), 5);
    assert_eq!(upstream_count(&metrics, "coingecko", "circuit_open"), 4);
}

// ---------- keys ----------

const KEY: &str = "CG-s3cr3t-k3y-do-not-leak";

/// Echoes the key it got, as a careless upstream might, so redaction is exercised.
fn echo_key(hit: &Hit, _: usize) -> Reply {
    let sent: Vec<String> = hit
        .headers
        .values()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.contains("s3cr3t"))
        .map(String::from)
        .collect();
    Reply::status(500, format!(r#"{{"error": "bad key {}"}}"#, sent.join(" ")))
}

fn assert_key_hidden(err: &ConnectorError) {
    assert!(
        matches!(err, ConnectorError::Upstream { message, .. } if message.contains("bad key [redacted]")),
        "{err:?}"
    );
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains(KEY), "key leaked in {shown}");
    }
}

#[tokio::test]
async fn coingecko_demo_key_is_sent_in_its_header_and_never_shown_in_errors() {
    let stub = Stub::start(echo_key).await;
    let mut cfg = config(&stub);
    cfg.api_key = Some(Secret::new(KEY.into()));
    cfg.max_retries = 0;
    let err = gecko_with(&cfg, &Arc::new(Metrics::new()))
        .list_coins()
        .await
        .unwrap_err();
    let hit = &stub.hits()[0];
    assert_eq!(hit.headers["x-cg-demo-api-key"], KEY);
    assert!(!hit.headers.contains_key("x-cg-pro-api-key"));
    assert!(hit.query.values().all(|v| !v.contains(KEY)));
    assert_key_hidden(&err);
}

#[tokio::test]
async fn coingecko_pro_key_is_sent_in_its_header_and_never_shown_in_errors() {
    let stub = Stub::start(echo_key).await;
    let mut cfg = config(&stub);
    cfg.api_key = Some(Secret::new(KEY.into()));
    cfg.tier = "pro".into();
    cfg.max_retries = 0;
    let err = gecko_with(&cfg, &Arc::new(Metrics::new()))
        .platforms()
        .await
        .unwrap_err();
    let hit = &stub.hits()[0];
    assert_eq!(hit.headers["x-cg-pro-api-key"], KEY);
    assert!(!hit.headers.contains_key("x-cg-demo-api-key"));
    assert_key_hidden(&err);
}

#[tokio::test]
async fn coinpaprika_key_is_sent_as_authorization_and_never_shown_in_errors() {
    let stub = Stub::start(echo_key).await;
    let mut cfg = config(&stub);
    cfg.api_key = Some(Secret::new(KEY.into()));
    cfg.max_retries = 0;
    let metrics = Arc::new(Metrics::new());
    let err = paprika_with(&cfg, &metrics)
        .coin_contracts("usdt-tether")
        .await
        .unwrap_err();
    assert_eq!(stub.hits()[0].headers["authorization"], KEY);
    assert_key_hidden(&err);
    assert!(!metrics.render().contains(KEY));
}

#[tokio::test]
async fn without_a_key_no_key_header_is_sent() {
    let stub = Stub::start(|_, _| Reply::ok("[]")).await;
    gecko(&stub).platforms().await.unwrap();
    paprika(&stub).list_coins().await.unwrap();
    for hit in stub.hits() {
        for name in ["x-cg-demo-api-key", "x-cg-pro-api-key", "authorization"] {
            assert!(!hit.headers.contains_key(name), "{name} sent");
        }
    }
}
