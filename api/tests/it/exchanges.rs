//! Exchanges through the API: what `GET /api/exchanges` offers, Binance accounts added and
//! synced with the real client against the fake Binance (key checks, duplicates, totals), and
//! OKX staking counted in an account's total; one Binance location failing leaves the others.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use api::connectors::fake::{balance, quote};
use api::connectors::{ExchangeLocation, Provider};
use api::jobs::{self, Trigger};
use axum::http::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::binance_connector::client;
use crate::fake_binance::{FakeBinance, FakeKey, Reply, DOC_KEY, DOC_SECRET};
use crate::helpers::{TestApp, TestResponse};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn binance_body(key: &str, secret: &str) -> Value {
    json!({"name": "My Binance", "account_type": "exchange", "exchange_name": "binance",
           "api_key": key, "api_secret": secret})
}

async fn post(app: &TestApp, path: &str, body: Option<Value>) -> TestResponse {
    app.send(Method::POST, path, None, body).await
}

/// BTC 60,000, ETH 3,000, USDT 1, BNB 600, AXS 5, LDO 2: priced through a price-collection run.
async fn seed_prices(app: &TestApp) {
    let mut quotes = Vec::new();
    for (id, sym, price, rank) in [
        ("bitcoin", "btc", "60000", 1),
        ("ethereum", "eth", "3000", 2),
        ("tether", "usdt", "1", 3),
        ("binancecoin", "bnb", "600", 4),
        ("axie-infinity", "axs", "5", 50),
        ("lido-dao", "ldo", "2", 40),
        ("polkadot", "dot", "4", 20),
    ] {
        let mut q = quote(Provider::CoinGecko, id, sym, d(price), Some(rank));
        q.name = id.into();
        quotes.push(q);
    }
    app.fakes.gecko.set_quotes(quotes);
    let run = jobs::run_to_end(&app.state, "price-collection", Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(run.status, "succeeded", "{:?}", run.error);
}

fn holding<'a>(account: &'a Value, symbol: &str, location: &str) -> &'a Value {
    account["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["symbol"] == symbol && h["location"] == location)
        .unwrap_or_else(|| panic!("no {symbol} at {location} in {account}"))
}

async fn binance_app(fake: &FakeBinance) -> TestApp {
    TestApp::with_exchange(Arc::new(client(fake))).await
}

#[tokio::test]
async fn the_exchanges_endpoint_lists_okx_and_binance_with_their_credential_fields() {
    let app = TestApp::local().await;
    let r = app.get("/api/exchanges", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let list = r.json();
    let by = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {list}"))
            .clone()
    };
    let fields = |e: &Value| -> Vec<String> {
        e["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["field"].as_str().unwrap().to_string())
            .collect()
    };
    let okx = by("okx");
    assert_eq!(okx["display_name"], "OKX");
    assert_eq!(fields(&okx), ["api_key", "api_secret", "passphrase"]);
    assert_eq!(
        okx["locations"],
        json!(["trading", "funding", "earn", "staked"])
    );
    let binance = by("binance");
    assert_eq!(binance["display_name"], "Binance");
    assert_eq!(fields(&binance), ["api_key", "api_secret"]);
    assert_eq!(binance["locations"], json!(["spot", "funding", "earn"]));
}

#[tokio::test]
async fn a_binance_account_syncs_spot_funding_and_earn_and_totals_exactly_as_the_fixture() {
    let fake = FakeBinance::start().await;
    let app = binance_app(&fake).await;
    seed_prices(&app).await;
    let r = post(
        &app,
        "/api/accounts",
        Some(binance_body(DOC_KEY, DOC_SECRET)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created = r.json();
    assert_eq!(created["exchange_name"], "binance");
    assert!(created["permission_warning"].is_null());
    assert!(!r.text().contains(DOC_SECRET) && !r.text().contains(DOC_KEY));
    let id = created["id"].as_str().unwrap();
    let r = post(&app, &format!("/api/accounts/{id}/sync"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let a = r.json();
    assert_eq!(a["last_sync_status"], "ok", "{a}");
    let q = |sym: &str, loc: &str| d(holding(&a, sym, loc)["quantity"].as_str().unwrap());
    assert_eq!(q("USDT", "spot"), d("12345678901235.12345678"));
    assert_eq!(q("BTC", "spot"), d("4723846.89208129"));
    assert_eq!(q("ETH", "spot"), d("2"));
    assert_eq!(q("LDO", "spot"), d("12.5"));
    assert_eq!(q("USDT", "funding"), d("1"));
    assert_eq!(q("BNB", "funding"), d("0.85"));
    assert_eq!(q("USDT", "earn"), d("100"));
    assert_eq!(q("BTC", "earn"), d("0.1"));
    assert_eq!(q("AXS", "earn"), d("122.09202928"));
    assert_eq!(holding(&a, "USDT", "earn")["kind"], "earn");
    assert_eq!(holding(&a, "USDT", "spot")["kind"], "spot");
    let holdings = a["holdings"].as_array().unwrap();
    assert_eq!(holdings.len(), 9, "{a}");
    assert!(holdings.iter().all(|h| h["symbol"] != "LDUSDT"));
    // USDT 12345678901235.12345678 + 1 + 100; BTC 4723846.99208129 × 60,000; ETH 2 × 3,000;
    // LDO 12.5 × 2; BNB 0.85 × 600; AXS 122.09202928 × 5.
    let expected = d("12345678901235.12345678")
        + d("101")
        + d("4723846.99208129") * d("60000")
        + d("6000")
        + d("25")
        + d("510")
        + d("122.09202928") * d("5");
    assert_eq!(d(a["total_value_usd"].as_str().unwrap()), expected);
    let locations: Vec<&str> = a["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["location"].as_str().unwrap())
        .collect();
    assert_eq!(locations, ["spot", "funding", "earn"]);
}

#[tokio::test]
async fn a_binance_key_that_can_withdraw_is_refused_and_nothing_is_stored() {
    let fake = FakeBinance::with(
        vec![FakeKey {
            withdraw: true,
            ..FakeKey::read_only(DOC_KEY, DOC_SECRET, 7)
        }],
        None,
        |_, _| None,
    )
    .await;
    let app = binance_app(&fake).await;
    let r = post(
        &app,
        "/api/accounts",
        Some(binance_body(DOC_KEY, DOC_SECRET)),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let v = r.json();
    assert_eq!(v["error"]["fields"][0]["field"], "api_key");
    assert!(
        v["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("withdraw"),
        "{v}"
    );
    assert_eq!(app.count("accounts", "1 = 1").await, 0);
}

#[tokio::test]
async fn a_binance_key_that_can_trade_is_accepted_with_a_warning() {
    let fake = FakeBinance::with(
        vec![FakeKey {
            trade: true,
            ..FakeKey::read_only(DOC_KEY, DOC_SECRET, 7)
        }],
        None,
        |_, _| None,
    )
    .await;
    let app = binance_app(&fake).await;
    let r = post(
        &app,
        "/api/accounts",
        Some(binance_body(DOC_KEY, DOC_SECRET)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(r.json()["permission_warning"]
        .as_str()
        .unwrap()
        .contains("can trade"));
}

#[tokio::test]
async fn binance_code_2015_is_shown_in_words_on_the_key_field() {
    let fake = FakeBinance::start().await;
    let app = binance_app(&fake).await;
    let unknown: String = std::iter::repeat_n('Z', 64).collect();
    let r = post(
        &app,
        "/api/accounts",
        Some(binance_body(&unknown, DOC_SECRET)),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let v = r.json();
    let field = &v["error"]["fields"][0];
    assert_eq!(field["field"], "api_key");
    let message = field["message"].as_str().unwrap();
    assert!(message.starts_with("Binance refused it"), "{message}");
    assert!(
        message.contains("invalid key, IP or permissions"),
        "{message}"
    );
    // A wrong secret names the secret.
    let r = post(&app, "/api/accounts", Some(binance_body(DOC_KEY, "wrong"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["fields"][0]["field"], "api_secret");
}

#[tokio::test]
async fn a_second_key_of_the_same_binance_account_is_a_duplicate() {
    let other_key: String = std::iter::repeat_n('B', 64).collect();
    let fake = FakeBinance::with(
        vec![
            FakeKey::read_only(DOC_KEY, DOC_SECRET, 354_937_868),
            FakeKey::read_only(&other_key, "second-secret", 354_937_868),
        ],
        None,
        |_, _| None,
    )
    .await;
    let app = binance_app(&fake).await;
    let first = post(
        &app,
        "/api/accounts",
        Some(binance_body(DOC_KEY, DOC_SECRET)),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let r = post(
        &app,
        "/api/accounts",
        Some(binance_body(&other_key, "second-secret")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.error_code(), "duplicate_account");
    assert_eq!(
        r.json()["error"]["existing_account_id"],
        first.json()["id"],
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn a_binance_account_takes_no_passphrase_and_an_okx_one_needs_it() {
    let app = TestApp::local().await;
    let mut body = binance_body(DOC_KEY, DOC_SECRET);
    body["passphrase"] = json!("x");
    let r = post(&app, "/api/accounts", Some(body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["fields"][0]["field"], "passphrase");
    let r = post(
        &app,
        "/api/accounts",
        Some(
            json!({"name": "o", "account_type": "exchange", "exchange_name": "okx",
                    "api_key": "k", "api_secret": "s"}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["fields"][0]["field"], "passphrase");
    let r = post(
        &app,
        "/api/accounts",
        Some(
            json!({"name": "k", "account_type": "exchange", "exchange_name": "kraken",
                    "api_key": "k", "api_secret": "s"}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let msg = r.json()["error"]["fields"][0]["message"].to_string();
    assert!(msg.contains("okx") && msg.contains("binance"), "{msg}");
}

#[tokio::test]
async fn a_binance_outage_keeps_the_holdings_of_every_location() {
    let fake = FakeBinance::start().await;
    let app = binance_app(&fake).await;
    let r = post(
        &app,
        "/api/accounts",
        Some(binance_body(DOC_KEY, DOC_SECRET)),
    )
    .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let ok = post(&app, &format!("/api/accounts/{id}/sync"), None)
        .await
        .json();
    assert_eq!(ok["last_sync_status"], "ok");
    drop(fake);
    let a = post(&app, &format!("/api/accounts/{id}/sync"), None)
        .await
        .json();
    assert_eq!(a["last_sync_status"], "error", "{a}");
    assert_eq!(a["holdings"].as_array().unwrap().len(), 9, "{a}");
    assert!(a["holdings"].as_array().unwrap().iter().all(|h| h["flags"]
        .as_array()
        .unwrap()
        .contains(&json!("not_refreshed"))));
}

#[tokio::test]
async fn okx_staking_is_a_staked_holding_counted_in_the_account_total() {
    let app = TestApp::local().await;
    seed_prices(&app).await;
    app.fakes.exchange.set_balances(vec![
        balance("BTC", ExchangeLocation::Trading, d("0.5"), None),
        balance("DOT", ExchangeLocation::Staked, d("2.5"), None),
        balance("ETH", ExchangeLocation::Staked, d("1.25"), None),
    ]);
    let r = post(
        &app,
        "/api/accounts",
        Some(
            json!({"name": "My OKX", "account_type": "exchange", "exchange_name": "okx",
                    "api_key": "k-1", "api_secret": "s-1", "passphrase": "p-1"}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let a = post(&app, &format!("/api/accounts/{id}/sync"), None)
        .await
        .json();
    assert_eq!(a["last_sync_status"], "ok", "{a}");
    let dot = holding(&a, "DOT", "staked");
    assert_eq!(dot["kind"], "staked");
    assert_eq!(d(dot["quantity"].as_str().unwrap()), d("2.5"));
    assert_eq!(holding(&a, "ETH", "staked")["kind"], "staked");
    // 0.5 × 60,000 + 2.5 × 4 + 1.25 × 3,000.
    assert_eq!(d(a["total_value_usd"].as_str().unwrap()), d("33760"));
    let staked = a["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["location"] == "staked")
        .unwrap_or_else(|| panic!("no staked location in {a}"));
    assert_eq!(staked["status"], "ok");
}

#[tokio::test]
async fn a_binance_key_is_replaced_with_a_key_and_secret_and_refuses_a_passphrase() {
    let second: String = std::iter::repeat_n('C', 64).collect();
    let fake = FakeBinance::with(
        vec![
            FakeKey::read_only(DOC_KEY, DOC_SECRET, 42),
            FakeKey::read_only(&second, "second-secret", 42),
        ],
        None,
        |_, _| None,
    )
    .await;
    let app = binance_app(&fake).await;
    let r = post(
        &app,
        "/api/accounts",
        Some(binance_body(DOC_KEY, DOC_SECRET)),
    )
    .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let path = format!("/api/accounts/{id}");
    let r = app
        .send(
            Method::PUT,
            &path,
            None,
            Some(json!({"api_key": second, "api_secret": "second-secret", "passphrase": "p"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["fields"][0]["field"], "passphrase");
    let r = app
        .send(
            Method::PUT,
            &path,
            None,
            Some(json!({"api_key": second, "api_secret": "second-secret"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let a = post(&app, &format!("{path}/sync"), None).await.json();
    assert_eq!(a["last_sync_status"], "ok", "{a}");
    assert!(fake.seen().last().unwrap().api_key() == second);
}

/// How the fake's locked Simple Earn endpoint answers.
const LOCKED_OK: u8 = 0;
const LOCKED_DOWN: u8 = 1;
const LOCKED_NOT_PERMITTED: u8 = 2;

/// The fixture, with locked Simple Earn answering as `mode` says at the time of each request.
async fn binance_with_locked_earn(mode: Arc<AtomicU8>) -> FakeBinance {
    FakeBinance::with(
        vec![FakeKey::read_only(DOC_KEY, DOC_SECRET, 1)],
        None,
        move |seen, _| {
            if seen.path != "/sapi/v1/simple-earn/locked/position" {
                return None;
            }
            match mode.load(Ordering::SeqCst) {
                LOCKED_DOWN => Some(Reply::status(503, "<html>Service Unavailable</html>")),
                LOCKED_NOT_PERMITTED => Some(Reply::code(
                    400,
                    -1002,
                    "You are not authorized to execute this request.",
                )),
                _ => None,
            }
        },
    )
    .await
}

async fn binance_account(app: &TestApp) -> String {
    let r = post(
        app,
        "/api/accounts",
        Some(binance_body(DOC_KEY, DOC_SECRET)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

async fn sync(app: &TestApp, id: &str) -> Value {
    let r = post(app, &format!("/api/accounts/{id}/sync"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

fn location<'a>(account: &'a Value, name: &str) -> &'a Value {
    account["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["location"] == name)
        .unwrap_or_else(|| panic!("no {name} location in {account}"))
}

fn holdings_at<'a>(account: &'a Value, name: &str) -> Vec<&'a Value> {
    account["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["location"] == name)
        .collect()
}

fn not_refreshed(holding: &Value) -> bool {
    holding["flags"]
        .as_array()
        .unwrap()
        .contains(&json!("not_refreshed"))
}

#[tokio::test]
async fn a_first_binance_sync_with_locked_earn_not_permitted_shows_spot_and_funding_and_names_earn()
{
    let fake = binance_with_locked_earn(Arc::new(AtomicU8::new(LOCKED_NOT_PERMITTED))).await;
    let app = binance_app(&fake).await;
    let id = binance_account(&app).await;
    let a = sync(&app, &id).await;
    assert_eq!(a["last_sync_status"], "partial", "{a}");
    let error = a["last_sync_error"].as_str().unwrap();
    assert!(
        error.starts_with("earn: ") && error.contains("-1002"),
        "{error}"
    );
    let earn = location(&a, "earn");
    assert_eq!(earn["status"], "failed", "{a}");
    assert!(earn["synced_at"].is_null(), "never read: {earn}");
    let why = earn["error"].as_str().unwrap();
    assert!(
        why.contains("locked Simple Earn positions") && why.contains("not authorized"),
        "{why}"
    );
    assert_eq!(location(&a, "spot")["status"], "ok");
    assert_eq!(location(&a, "funding")["status"], "ok");
    let q = |sym: &str, loc: &str| d(holding(&a, sym, loc)["quantity"].as_str().unwrap());
    assert_eq!(q("BTC", "spot"), d("4723846.89208129"));
    assert_eq!(q("BNB", "funding"), d("0.85"));
    assert!(holdings_at(&a, "earn").is_empty(), "{a}");
    assert!(!a["holdings"].as_array().unwrap().iter().any(not_refreshed));
}

#[tokio::test]
async fn binance_locked_earn_down_after_a_good_read_keeps_the_earn_holdings_not_refreshed() {
    let mode = Arc::new(AtomicU8::new(LOCKED_OK));
    let fake = binance_with_locked_earn(mode.clone()).await;
    let app = binance_app(&fake).await;
    let id = binance_account(&app).await;
    let good = sync(&app, &id).await;
    assert_eq!(good["last_sync_status"], "ok", "{good}");
    let read_at = location(&good, "earn")["synced_at"].clone();
    assert!(!read_at.is_null());

    mode.store(LOCKED_DOWN, Ordering::SeqCst);
    let a = sync(&app, &id).await;
    assert_eq!(a["last_sync_status"], "partial", "{a}");
    let earn = location(&a, "earn");
    assert_eq!(earn["status"], "failed", "{a}");
    assert_eq!(earn["synced_at"], read_at, "its last good read");
    assert!(earn["error"].as_str().unwrap().contains("503"), "{earn}");
    // The good read's earn rows (flexible and locked together) are kept, flagged.
    assert_eq!(
        d(holding(&a, "USDT", "earn")["quantity"].as_str().unwrap()),
        d("100")
    );
    let earn_rows = holdings_at(&a, "earn");
    assert_eq!(earn_rows.len(), 3, "{a}");
    for h in earn_rows {
        assert!(not_refreshed(h), "{h}");
        assert_eq!(h["synced_at"], read_at, "{h}");
    }
    assert_eq!(location(&a, "spot")["status"], "ok");
    assert!(!not_refreshed(holding(&a, "BTC", "spot")));
    assert_ne!(location(&a, "spot")["synced_at"], read_at);
}
